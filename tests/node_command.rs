//! `escrow node` runs the dev node from node-config/, answers RPC, and stops cleanly on SIGTERM
//! without leaving a process behind.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn escrow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_escrow"))
}

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.contains(") Z "))
            .unwrap_or(true)
}

#[test]
fn node_command_serves_rpc_and_stops_cleanly_on_sigterm() {
    let base = tempfile::tempdir().expect("temp dir");
    let chain_dir = base.path().join("chain");
    let mut child = escrow()
        .args(["--output", "json", "node", "--port", "0", "--base-path"])
        .arg(&chain_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("escrow node starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let ready: Value = serde_json::from_str(&lines.next().expect("a ready line").expect("utf-8"))
        .expect("ready line is JSON");
    let url = ready["url"].as_str().expect("url").to_string();
    let node_pid = ready["pid"].as_u64().expect("pid") as u32;
    assert_eq!(ready["temporary"], false);
    assert_eq!(
        ready["base_path"].as_str(),
        Some(chain_dir.to_str().unwrap())
    );
    assert!(process_alive(node_pid));

    // The node answers: //Alice is pre-funded by node-config's chain spec.
    let out = escrow()
        .args(["--output", "json", "--url", &url, "balance", "//Alice"])
        .output()
        .expect("balance runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let balance: Value = serde_json::from_slice(&out.stdout).expect("json");
    let endowment = escrow_client::node_config::NodeConfig::load_default()
        .expect("node-config")
        .chain
        .endowment;
    assert_eq!(
        balance["free"].as_str(),
        Some(endowment.to_string().as_str())
    );

    // SIGTERM: the command stops the node and exits 0.
    // SAFETY: plain kill(2) on the child we spawned.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "escrow node did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status}");
    let stopped: Value =
        serde_json::from_str(&lines.next().expect("a stopped line").expect("utf-8"))
            .expect("stopped line is JSON");
    assert_eq!(stopped["url"].as_str(), Some(url.as_str()));
    assert!(!process_alive(node_pid), "the node process is gone");
    assert!(
        chain_dir.join("chain-spec.json").exists(),
        "the persistent chain stays on disk"
    );

    // Unreachable now: a clear error, exit 1, within seconds.
    let started = Instant::now();
    let out = escrow()
        .args(["--url", &url, "balance", "//Alice"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unreachable")
            || String::from_utf8_lossy(&out.stderr).contains("cannot reach"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(15));
}
