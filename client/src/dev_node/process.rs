//! The node process: spawning it with its arguments, waiting until its RPC answers, and
//! stopping it (SIGTERM first, so the node flushes its database and a persistent chain survives).

use std::fs::OpenOptions;
use std::io;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::log::{log_tail, read_from};
use super::ports::{parse_rpc_port, port_is_free};
use super::rpc::rpc_call;
use super::{io_err, DevNode, NodeError, DROP_GRACE, SETUP_HINT};

impl DevNode {
    pub(super) fn launch(&mut self) -> Result<(), NodeError> {
        if self.port_fixed && !port_is_free(self.port) {
            return Err(NodeError::PortInUse { port: self.port });
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(io_err(format!("cannot open {}", self.log_path.display())))?;
        let log_offset = log
            .metadata()
            .map_err(io_err(format!("cannot stat {}", self.log_path.display())))?
            .len();
        let log_err = log
            .try_clone()
            .map_err(io_err("cannot duplicate the log file handle"))?;

        let mut command = Command::new(&self.binary);
        command
            .arg("--chain")
            .arg(&self.spec_path)
            .arg("--base-path")
            .arg(&self.base_path)
            .args(node_args(
                self.port,
                self.finalize_delay_sec,
                self.state_pruning,
                &self.log_filter,
            ))
            .args(
                self.safe_rpc
                    .then_some(["--rpc-methods", "safe"])
                    .into_iter()
                    .flatten(),
            )
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        let child = command.spawn().map_err(io_err(format!(
            "cannot start {} ({SETUP_HINT})",
            self.binary.display()
        )))?;
        self.child = Some(child);

        match self.wait_ready(log_offset) {
            Ok(port) => {
                self.port = port;
                Ok(())
            }
            Err(err) => {
                if let Some(mut child) = self.child.take() {
                    let _ = terminate(&mut child, DROP_GRACE);
                }
                Err(err)
            }
        }
    }

    /// Waits until the node logs its RPC address and `system_health` answers there.
    fn wait_ready(&mut self, log_offset: u64) -> Result<u16, NodeError> {
        let deadline = Instant::now() + self.startup_timeout;
        let mut bound_port = None;
        loop {
            let child = self.child.as_mut().ok_or(NodeError::NotRunning)?;
            if let Some(status) = child
                .try_wait()
                .map_err(io_err("cannot query the dev node process"))?
            {
                return Err(NodeError::Exited {
                    status: describe_status(status),
                    log: self.log_path.clone(),
                    tail: log_tail(&self.log_path, log_offset),
                });
            }
            if bound_port.is_none() {
                let text = read_from(&self.log_path, log_offset).unwrap_or_default();
                bound_port = parse_rpc_port(&text);
                if let Some(port) = bound_port {
                    if self.port_fixed && port != self.port {
                        return Err(NodeError::PortInUse { port: self.port });
                    }
                }
            }
            if let Some(port) = bound_port {
                if rpc_call(port, "system_health", json!([]), Duration::from_secs(2)).is_ok() {
                    return Ok(port);
                }
            }
            if Instant::now() >= deadline {
                return Err(NodeError::Timeout {
                    secs: self.startup_timeout.as_secs(),
                    log: self.log_path.clone(),
                    tail: log_tail(&self.log_path, log_offset),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Node arguments after `--chain <spec> --base-path <dir>` (all exist in
/// substrate-contracts-node 0.42 / sc-cli 0.47).
pub fn node_args(
    rpc_port: u16,
    finalize_delay_sec: u8,
    state_pruning: Option<u32>,
    log_filter: &str,
) -> Vec<String> {
    let state_pruning = state_pruning.map_or("archive".to_string(), |n| n.to_string());
    [
        "--rpc-port",
        &rpc_port.to_string(),
        // p2p on a random loopback port: several dev nodes can run side by side.
        "--listen-addr",
        "/ip4/127.0.0.1/tcp/0",
        "--no-mdns",
        "--no-prometheus",
        "--no-telemetry",
        "--no-hardware-benchmarks",
        // Archive by default: the balance accounting of the tests and the explorer's block
        // pages read old blocks, whose state a pruning node discards after 256 blocks. The
        // event store needs only the finalized block's state (see `crate::indexer`).
        "--state-pruning",
        &state_pruning,
        "--blocks-pruning",
        "archive",
        "--rpc-cors",
        "all",
        "--finalize-delay-sec",
        &finalize_delay_sec.to_string(),
        "--disable-log-color",
        "-l",
        // DevNode learns the bound RPC address from sc_rpc_server's info line.
        &format!("{log_filter},sc_rpc_server=info"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status.
pub(super) fn terminate(child: &mut Child, grace: Duration) -> io::Result<ExitStatus> {
    if let Some(status) = child.try_wait()? {
        return Ok(status);
    }
    #[cfg(unix)]
    {
        // SAFETY: plain syscall on our own child's pid, which is not reaped yet.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    #[cfg(not(unix))]
    let _ = grace;
    child.kill()?;
    child.wait()
}

pub(super) fn describe_status(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn node_arguments() {
        let args = node_args(9944, 1, None, "warn");
        let joined = args.join(" ");
        assert!(joined.contains("--rpc-port 9944"), "{joined}");
        assert!(joined.contains("--finalize-delay-sec 1"), "{joined}");
        assert!(joined.contains("--state-pruning archive"), "{joined}");
        assert!(
            joined.contains("--listen-addr /ip4/127.0.0.1/tcp/0"),
            "{joined}"
        );
        assert!(joined.ends_with("-l warn,sc_rpc_server=info"), "{joined}");
        assert!(
            !args.iter().any(|a| a == "--dev"),
            "--dev conflicts with --chain"
        );
    }
}
