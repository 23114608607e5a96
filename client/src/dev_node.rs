//! Starts and stops a local `substrate-contracts-node` dev chain configured by
//! `node-config/dev-node.toml` (see [`crate::node_config`]).
//!
//! ```no_run
//! use escrow_client::dev_node::{DevNode, DevNodeOptions};
//! use escrow_client::node_config::NodeConfig;
//!
//! let config = NodeConfig::load_default()?;
//! // A throwaway chain on a free port, as tests use it:
//! let mut node = DevNode::start(&config, DevNodeOptions::for_tests())?;
//! println!("dev chain at {}", node.url());
//! node.restart()?; // same base path, same port when it is still free
//! node.stop()?;    // dropping the node stops it too
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The chain spec is generated once per base path (`<base>/chain-spec.json`): the node's own
//! dev spec (`build-spec --dev`) with the configured name, id, token properties, sudo key and
//! pre-funded accounts. A persistent base path reuses it, so the genesis and the chain state
//! survive restarts. The node's output goes to `<base>/node.log`.
//!
//! All calls block (at most the startup timeout); from async code use
//! `tokio::task::spawn_blocking` if the runtime must not stall.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use subxt::utils::AccountId32;
use subxt_signer::{sr25519::Keypair, SecretUri};

use crate::node_config::{BasePathMode, ChainConfig, ConfigError, NodeConfig};

/// Chain spec file name inside the base path.
pub const SPEC_FILE: &str = "chain-spec.json";
/// Node log file name inside the base path (appended to on every start).
pub const LOG_FILE: &str = "node.log";
/// Environment variable naming the node binary (shared with ink_e2e).
pub const BINARY_ENV: &str = "CONTRACTS_NODE";

const SETUP_HINT: &str = "run `bash node-config/setup`";
const STOP_GRACE: Duration = Duration::from_secs(10);
const DROP_GRACE: Duration = Duration::from_secs(5);
const RPC_TIMEOUT: Duration = Duration::from_secs(10);
const LOG_TAIL_LINES: usize = 30;
const RPC_LOG_MARKER: &str = "Running JSON-RPC server: addr=";

/// Errors starting, talking to or stopping the dev node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("{binary} not found on PATH; {SETUP_HINT}")]
    BinaryNotFound { binary: String },
    #[error("node binary {} does not exist or is not executable; {SETUP_HINT}", path.display())]
    BinaryMissing { path: PathBuf },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("`{binary} build-spec --dev` failed ({status}): {stderr}")]
    BuildSpec {
        binary: String,
        status: String,
        stderr: String,
    },
    #[error("chain spec: {0}")]
    Spec(String),
    #[error(
        "chain spec {} was generated from other settings than node-config/dev-node.toml; \
         delete {} to start a fresh chain",
        spec.display(),
        base.display()
    )]
    StaleSpec { spec: PathBuf, base: PathBuf },
    #[error("invalid dev account secret URI {suri:?}: {msg}")]
    Suri { suri: String, msg: String },
    #[error("RPC port {port} is already in use; stop whatever listens there or pick another port")]
    PortInUse { port: u16 },
    #[error("dev node exited during startup ({status}); log {}:\n{tail}", log.display())]
    Exited {
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error("dev node RPC did not answer within {secs} s; log {}:\n{tail}", log.display())]
    Timeout {
        secs: u64,
        log: PathBuf,
        tail: String,
    },
    #[error("JSON-RPC {method}: {msg}")]
    Rpc { method: String, msg: String },
    #[error("dev node is not running")]
    NotRunning,
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> NodeError {
    let context = context.into();
    move |source| NodeError::Io { context, source }
}

/// How to start the node; `Default` means "as node-config/dev-node.toml says".
#[derive(Debug, Clone, Default)]
pub struct DevNodeOptions {
    /// RPC port. `None`: the config's `rpc_port`; `Some(0)`: any free port.
    pub rpc_port: Option<u16>,
    /// Persistent base path to use instead of the config's.
    pub base_path: Option<PathBuf>,
    /// Use a fresh temporary base path (removed on drop) whatever the config says.
    /// Ignored when `base_path` is set.
    pub temporary: bool,
    /// Node binary instead of `$CONTRACTS_NODE` / the config's `node_binary`.
    pub binary: Option<PathBuf>,
    /// Startup deadline instead of the config's `startup_timeout_sec`.
    pub startup_timeout: Option<Duration>,
}

impl DevNodeOptions {
    /// A throwaway node: free RPC port, temporary base path.
    pub fn for_tests() -> Self {
        Self {
            rpc_port: Some(0),
            temporary: true,
            ..Self::default()
        }
    }
}

/// A running dev node. Dropping it stops the node (SIGTERM, then SIGKILL).
#[derive(Debug)]
pub struct DevNode {
    child: Option<Child>,
    binary: PathBuf,
    base_path: PathBuf,
    spec_path: PathBuf,
    log_path: PathBuf,
    port: u16,
    /// The port was asked for explicitly: a node that cannot get it is an error.
    port_fixed: bool,
    finalize_delay_sec: u8,
    log_filter: String,
    startup_timeout: Duration,
    // Declared last: removed after `Drop` has stopped the node.
    _temp_dir: Option<tempfile::TempDir>,
}

impl DevNode {
    /// Generates the chain spec if the base path has none, starts the node and waits until its
    /// JSON-RPC answers.
    pub fn start(config: &NodeConfig, options: DevNodeOptions) -> Result<DevNode, NodeError> {
        config.validate().map_err(|msg| {
            NodeError::Config(ConfigError::Invalid {
                path: config
                    .source
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("<node config>")),
                msg,
            })
        })?;
        let binary = resolve_binary(config, options.binary.as_deref())?;

        let (base_path, temp_dir) = match (&options.base_path, options.temporary) {
            (Some(dir), _) => (dir.clone(), None),
            (None, false) if config.base_path.mode == BasePathMode::Persistent => {
                let dir = config
                    .persistent_base_path()
                    .expect("validated: persistent mode has a dir");
                (dir, None)
            }
            _ => {
                let temp = tempfile::Builder::new()
                    .prefix("escrow-dev-node-")
                    .tempdir()
                    .map_err(io_err("cannot create a temporary base path"))?;
                (temp.path().to_owned(), Some(temp))
            }
        };
        fs::create_dir_all(&base_path)
            .map_err(io_err(format!("cannot create {}", base_path.display())))?;
        let base_path = base_path.canonicalize().unwrap_or(base_path);

        let spec_path = ensure_chain_spec(&binary, &base_path, &config.chain)?;

        let (port, port_fixed) = match options.rpc_port.unwrap_or(config.rpc_port) {
            0 => (pick_free_port()?, false),
            port => (port, true),
        };

        let mut node = DevNode {
            child: None,
            binary,
            log_path: base_path.join(LOG_FILE),
            base_path,
            spec_path,
            port,
            port_fixed,
            finalize_delay_sec: config.finalize_delay_sec,
            log_filter: config.log.clone(),
            startup_timeout: options
                .startup_timeout
                .unwrap_or(Duration::from_secs(config.startup_timeout_sec)),
            _temp_dir: temp_dir,
        };
        node.launch()?;
        Ok(node)
    }

    /// `ws://127.0.0.1:<port>` (the same port also answers HTTP JSON-RPC).
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn rpc_port(&self) -> u16 {
        self.port
    }

    pub fn base_path(&self) -> &Path {
        &self.base_path
    }

    pub fn spec_path(&self) -> &Path {
        &self.spec_path
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// OS process id while the node runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the node process is still alive.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// One JSON-RPC call over HTTP; returns its `result`.
    pub fn rpc(&self, method: &str, params: Value) -> Result<Value, NodeError> {
        if self.child.is_none() {
            return Err(NodeError::NotRunning);
        }
        rpc_call(self.port, method, params, RPC_TIMEOUT)
    }

    /// Stops the node: SIGTERM, then SIGKILL if it has not exited after 10 s.
    /// Stopping a stopped node does nothing.
    pub fn stop(&mut self) -> Result<(), NodeError> {
        match self.child.take() {
            Some(mut child) => terminate(&mut child, STOP_GRACE)
                .map(|_| ())
                .map_err(io_err("cannot stop the dev node")),
            None => Ok(()),
        }
    }

    /// Stops the node if it runs and starts it again on the same base path (same chain spec and
    /// state). Keeps the RPC port; a port that was picked automatically may change if another
    /// process took it in between.
    pub fn restart(&mut self) -> Result<(), NodeError> {
        self.stop()?;
        self.launch()
    }

    fn launch(&mut self) -> Result<(), NodeError> {
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
                &self.log_filter,
            ))
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

impl Drop for DevNode {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = terminate(&mut child, DROP_GRACE);
        }
    }
}

/// Node arguments after `--chain <spec> --base-path <dir>` (all exist in
/// substrate-contracts-node 0.42 / sc-cli 0.47).
pub fn node_args(rpc_port: u16, finalize_delay_sec: u8, log_filter: &str) -> Vec<String> {
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
        // Archive: the explorer, `deal show` and the balance accounting read events of old
        // blocks, whose state a pruning node discards after 256 blocks.
        "--state-pruning",
        "archive",
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

/// The sr25519 account of a dev secret URI such as `//Alice`.
pub fn dev_account_id(suri: &str) -> Result<AccountId32, NodeError> {
    let bad = |msg: String| NodeError::Suri {
        suri: suri.to_owned(),
        msg,
    };
    let uri = SecretUri::from_str(suri).map_err(|e| bad(e.to_string()))?;
    let pair = Keypair::from_uri(&uri).map_err(|e| bad(e.to_string()))?;
    Ok(pair.public_key().to_account_id())
}

/// Applies the configured chain settings to a (non-raw) chain spec from `build-spec`: name, id,
/// token properties, the balances of the genesis patch and its sudo key.
pub fn patch_chain_spec(mut spec: Value, chain: &ChainConfig) -> Result<Value, NodeError> {
    let root = spec
        .as_object_mut()
        .ok_or_else(|| NodeError::Spec("not a JSON object".into()))?;
    root.insert("name".into(), json!(chain.name));
    root.insert("id".into(), json!(chain.id));
    root.insert("chainType".into(), json!(chain.chain_type));
    // A spec loaded from a file is parsed with the node's parachain extensions, which
    // `build-spec --dev` leaves out; the dev (instant-seal) service ignores their values.
    root.entry("relay_chain").or_insert_with(|| json!("dev"));
    root.entry("para_id").or_insert_with(|| json!(1000));
    root.insert(
        "properties".into(),
        json!({
            "tokenSymbol": chain.token_symbol,
            "tokenDecimals": chain.token_decimals,
            "ss58Format": chain.ss58_format,
        }),
    );

    let mut seen = HashSet::new();
    let mut balances = Vec::with_capacity(chain.accounts.len());
    for suri in &chain.accounts {
        let account = dev_account_id(suri)?.to_string();
        if !seen.insert(account.clone()) {
            return Err(NodeError::Spec(format!(
                "account {suri} ({account}) is listed twice"
            )));
        }
        balances.push(json!([account, chain.endowment]));
    }
    let sudo_suri = chain.sudo.as_ref().or(chain.accounts.first());
    let sudo = sudo_suri.map(|s| dev_account_id(s)).transpose()?;

    let genesis = genesis_config_mut(root)?;
    let balances_section = genesis
        .entry("balances")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| NodeError::Spec("genesis `balances` is not an object".into()))?;
    balances_section.insert("balances".into(), Value::Array(balances));

    match (genesis.get_mut("sudo"), sudo) {
        (Some(section), Some(key)) => {
            let section = section
                .as_object_mut()
                .ok_or_else(|| NodeError::Spec("genesis `sudo` is not an object".into()))?;
            section.insert("key".into(), json!(key.to_string()));
        }
        (None, Some(_)) if chain.sudo.is_some() => {
            return Err(NodeError::Spec(
                "chain.sudo is set but the runtime's genesis has no sudo section".into(),
            ));
        }
        _ => {}
    }
    Ok(spec)
}

/// The genesis config object a non-raw spec carries: `genesis.runtimeGenesis.patch` (what
/// `build-spec` prints), `.config`, or the older `genesis.runtime`.
fn genesis_config_mut(
    root: &mut serde_json::Map<String, Value>,
) -> Result<&mut serde_json::Map<String, Value>, NodeError> {
    let genesis = root
        .get_mut("genesis")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| NodeError::Spec("no `genesis` object".into()))?;
    if genesis.contains_key("raw") {
        return Err(NodeError::Spec(
            "a raw chain spec cannot be patched; use `build-spec` without --raw".into(),
        ));
    }
    let has_runtime_genesis = genesis.contains_key("runtimeGenesis");
    let section = if has_runtime_genesis {
        let runtime_genesis = genesis
            .get_mut("runtimeGenesis")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| NodeError::Spec("`genesis.runtimeGenesis` is not an object".into()))?;
        let key = if runtime_genesis.contains_key("patch") {
            "patch"
        } else {
            "config"
        };
        runtime_genesis.get_mut(key)
    } else {
        genesis.get_mut("runtime")
    };
    section.and_then(Value::as_object_mut).ok_or_else(|| {
        NodeError::Spec("no genesis config (runtimeGenesis.patch/config or runtime)".into())
    })
}

/// Writes `<base>/chain-spec.json` from the node's dev spec unless it exists; an existing one
/// must match the configured settings (else its chain would silently differ from the config).
pub fn ensure_chain_spec(
    binary: &Path,
    base_path: &Path,
    chain: &ChainConfig,
) -> Result<PathBuf, NodeError> {
    let spec_path = base_path.join(SPEC_FILE);
    if spec_path.exists() {
        let text = fs::read_to_string(&spec_path)
            .map_err(io_err(format!("cannot read {}", spec_path.display())))?;
        let existing: Value = serde_json::from_str(&text).map_err(|e| {
            NodeError::Spec(format!("{} is not valid JSON: {e}", spec_path.display()))
        })?;
        if patch_chain_spec(existing.clone(), chain)? != existing {
            return Err(NodeError::StaleSpec {
                spec: spec_path,
                base: base_path.to_owned(),
            });
        }
        return Ok(spec_path);
    }

    let output = Command::new(binary)
        .args(["build-spec", "--dev", "--disable-default-bootnode"])
        .stdin(Stdio::null())
        .output()
        .map_err(io_err(format!(
            "cannot run {} build-spec ({SETUP_HINT})",
            binary.display()
        )))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(NodeError::BuildSpec {
            binary: binary.display().to_string(),
            status: describe_status(output.status),
            stderr: last_lines(&stderr, 10),
        });
    }
    let spec: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| NodeError::Spec(format!("build-spec printed no valid JSON: {e}")))?;
    let spec = patch_chain_spec(spec, chain)?;

    let tmp_path = base_path.join(format!("{SPEC_FILE}.tmp"));
    let text = serde_json::to_string_pretty(&spec).expect("a JSON value serializes");
    fs::write(&tmp_path, text).map_err(io_err(format!("cannot write {}", tmp_path.display())))?;
    fs::rename(&tmp_path, &spec_path)
        .map_err(io_err(format!("cannot write {}", spec_path.display())))?;
    Ok(spec_path)
}

/// Finds the node binary: `explicit`, else `$CONTRACTS_NODE`, else the config's `node_binary`;
/// a bare name is looked up on PATH, then in `<repo>/../shared/bin` and `~/.cargo/bin`.
pub fn resolve_binary(config: &NodeConfig, explicit: Option<&Path>) -> Result<PathBuf, NodeError> {
    let from_env = std::env::var_os(BINARY_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let wanted = explicit
        .map(Path::to_owned)
        .or(from_env)
        .unwrap_or_else(|| PathBuf::from(&config.node_binary));

    if wanted.components().count() > 1 || wanted.is_absolute() {
        return if is_executable(&wanted) {
            Ok(wanted)
        } else {
            Err(NodeError::BinaryMissing { path: wanted })
        };
    }

    // In a checkout, its ../shared/bin (prebuilt pinned tools) is searched too.
    let shared_bin = config.repo_root().map(|root| root.join("../shared/bin"));
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|d| d.join("bin"));
    let dirs = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(shared_bin)
        .chain(cargo_bin);
    for dir in dirs {
        let candidate = dir.join(&wanted);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(NodeError::BinaryNotFound {
        binary: wanted.display().to_string(),
    })
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// A currently free loopback TCP port (the OS picks it; it is released before returning).
pub fn pick_free_port() -> Result<u16, NodeError> {
    let mut last_err = None;
    for _ in 0..5 {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()) {
            Ok(addr) => return Ok(addr.port()),
            Err(e) => last_err = Some(e),
        }
    }
    Err(NodeError::Io {
        context: "no free local TCP port".into(),
        source: last_err.expect("loop ran"),
    })
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// The IPv4 port from the node's `Running JSON-RPC server: addr=127.0.0.1:9944,[::1]:9944` line.
pub fn parse_rpc_port(log: &str) -> Option<u16> {
    log.lines().find_map(|line| {
        let addrs = &line[line.find(RPC_LOG_MARKER)? + RPC_LOG_MARKER.len()..];
        addrs
            .split([',', ' '])
            .filter_map(|a| a.trim().parse::<SocketAddr>().ok())
            .find(|a| a.is_ipv4())
            .or_else(|| {
                addrs
                    .split([',', ' '])
                    .find_map(|a| a.trim().parse::<SocketAddr>().ok())
            })
            .map(|a| a.port())
    })
}

/// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status.
fn terminate(child: &mut Child, grace: Duration) -> io::Result<ExitStatus> {
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

fn describe_status(status: ExitStatus) -> String {
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

fn read_from(path: &Path, offset: u64) -> io::Result<String> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn log_tail(path: &Path, offset: u64) -> String {
    match read_from(path, offset) {
        Ok(text) if !text.trim().is_empty() => last_lines(&text, LOG_TAIL_LINES),
        Ok(_) => "  (log is empty)".into(),
        Err(e) => format!("  (cannot read log: {e})"),
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One JSON-RPC call over plain HTTP to `127.0.0.1:<port>`; returns the `result`.
pub fn rpc_call(
    port: u16,
    method: &str,
    params: Value,
    timeout: Duration,
) -> Result<Value, NodeError> {
    let fail = |msg: String| NodeError::Rpc {
        method: method.to_owned(),
        msg,
    };
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| fail(format!("cannot connect to {addr}: {e}")))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|_| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| fail(e.to_string()))?;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| fail(format!("cannot send to {addr}: {e}")))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| fail(format!("cannot read from {addr}: {e}")))?;
    let reply = parse_http_json(&response).map_err(fail)?;
    if let Some(error) = reply.get("error") {
        return Err(fail(error.to_string()));
    }
    reply
        .get("result")
        .cloned()
        .ok_or_else(|| fail(format!("reply has no result: {reply}")))
}

/// The JSON body of an HTTP/1.1 response (plain or chunked).
fn parse_http_json(response: &[u8]) -> Result<Value, String> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("incomplete HTTP response")?;
    let head = String::from_utf8_lossy(&response[..split]);
    let mut body = response[split + 4..].to_vec();
    let status_line = head.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) != Some("200") {
        return Err(format!(
            "HTTP {status_line}: {}",
            String::from_utf8_lossy(&body).trim()
        ));
    }
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if chunked {
        body = dechunk(&body)?;
    }
    serde_json::from_slice(&body).map_err(|e| format!("reply is not JSON: {e}"))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunked body")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| "bad chunk size")?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size {
            return Err("truncated chunk".into());
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

    fn chain() -> ChainConfig {
        ChainConfig {
            name: "Development".into(),
            id: "escrow_dev".into(),
            chain_type: "Development".into(),
            token_symbol: "UNIT".into(),
            token_decimals: 12,
            ss58_format: 42,
            sudo: None,
            endowment: 1 << 60,
            accounts: vec!["//Alice".into(), "//Bob".into()],
        }
    }

    /// The shape of `substrate-contracts-node build-spec --dev` output (code shortened).
    fn node_dev_spec() -> Value {
        json!({
            "name": "Development",
            "id": "dev",
            "chainType": "Development",
            "bootNodes": [],
            "telemetryEndpoints": null,
            "protocolId": null,
            "properties": {},
            "codeSubstitutes": {},
            "genesis": {
                "runtimeGenesis": {
                    "code": "0x0061736d",
                    "patch": {
                        "balances": {"balances": [
                            ["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", 1u64 << 60],
                            ["5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY", 1u64 << 60]
                        ]},
                        "sudo": {"key": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}
                    }
                }
            }
        })
    }

    #[test]
    fn dev_accounts_match_well_known_addresses() {
        assert_eq!(dev_account_id("//Alice").unwrap().to_string(), ALICE);
        assert_eq!(dev_account_id("//Bob").unwrap().to_string(), BOB);
        let err = dev_account_id("not a uri //").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("invalid dev account secret URI"));
    }

    #[test]
    fn patch_sets_properties_balances_and_sudo() {
        let mut chain = chain();
        chain.sudo = Some("//Bob".into());
        let spec = patch_chain_spec(node_dev_spec(), &chain).unwrap();
        assert_eq!(spec["name"], "Development");
        assert_eq!(
            (spec["relay_chain"].as_str(), spec["para_id"].as_u64()),
            (Some("dev"), Some(1000))
        );
        assert_eq!(spec["id"], "escrow_dev");
        assert_eq!(
            spec["properties"],
            json!({"tokenSymbol": "UNIT", "tokenDecimals": 12, "ss58Format": 42})
        );
        let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
        assert_eq!(
            patch["balances"]["balances"],
            json!([[ALICE, 1u64 << 60], [BOB, 1u64 << 60]])
        );
        assert_eq!(patch["sudo"]["key"], BOB);
        // Untouched parts stay.
        assert_eq!(spec["genesis"]["runtimeGenesis"]["code"], "0x0061736d");
        assert_eq!(spec["chainType"], "Development");
    }

    #[test]
    fn sudo_defaults_to_first_account() {
        let mut chain = chain();
        chain.accounts = vec!["//Bob".into(), "//Alice".into()];
        let spec = patch_chain_spec(node_dev_spec(), &chain).unwrap();
        assert_eq!(
            spec["genesis"]["runtimeGenesis"]["patch"]["sudo"]["key"],
            BOB
        );
    }

    #[test]
    fn patch_is_idempotent_so_existing_specs_can_be_checked() {
        let once = patch_chain_spec(node_dev_spec(), &chain()).unwrap();
        let twice = patch_chain_spec(once.clone(), &chain()).unwrap();
        assert_eq!(once, twice);
        let mut other = chain();
        other.token_symbol = "DEV".into();
        assert_ne!(
            patch_chain_spec(once, &other).unwrap()["properties"]["tokenSymbol"],
            "UNIT"
        );
    }

    #[test]
    fn patch_rejects_raw_specs_and_duplicates() {
        let raw = json!({"name": "Development", "genesis": {"raw": {"top": {}}}});
        assert!(matches!(
            patch_chain_spec(raw, &chain()),
            Err(NodeError::Spec(_))
        ));

        let mut dup = chain();
        dup.accounts.push("//Alice".into());
        let err = patch_chain_spec(node_dev_spec(), &dup).unwrap_err();
        assert!(err.to_string().contains("listed twice"), "{err}");
    }

    #[test]
    fn patch_handles_full_config_and_missing_sudo() {
        let spec = json!({"name": "Development", "genesis": {"runtimeGenesis": {
            "code": "0x00", "config": {"system": {}}
        }}});
        let patched = patch_chain_spec(spec.clone(), &chain()).unwrap();
        let config = &patched["genesis"]["runtimeGenesis"]["config"];
        assert_eq!(config["balances"]["balances"][0][0], ALICE);
        assert!(config.get("sudo").is_none());

        let mut with_sudo = chain();
        with_sudo.sudo = Some("//Alice".into());
        assert!(patch_chain_spec(spec, &with_sudo).is_err());
    }

    #[test]
    fn existing_spec_is_reused_only_when_it_matches() {
        let dir = tempfile::tempdir().unwrap();
        let spec = patch_chain_spec(node_dev_spec(), &chain()).unwrap();
        fs::write(dir.path().join(SPEC_FILE), spec.to_string()).unwrap();
        // The binary is never run when a matching spec exists.
        let missing = Path::new("/nonexistent/substrate-contracts-node");
        let path = ensure_chain_spec(missing, dir.path(), &chain()).unwrap();
        assert_eq!(path, dir.path().join(SPEC_FILE));

        let mut other = chain();
        other.accounts.push("//Charlie".into());
        let err = ensure_chain_spec(missing, dir.path(), &other).unwrap_err();
        assert!(matches!(err, NodeError::StaleSpec { .. }), "{err}");
    }

    #[test]
    fn node_arguments() {
        let args = node_args(9944, 1, "warn");
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

    #[test]
    fn parses_rpc_address_log_lines() {
        let log = "2024-01-01 00:00:00 Substrate Contracts Node\n\
            2024-01-01 00:00:01 Running JSON-RPC server: addr=127.0.0.1:40123,[::1]:40124\n";
        assert_eq!(parse_rpc_port(log), Some(40123));
        let single = "x Running JSON-RPC server: addr=127.0.0.1:9944,\n";
        assert_eq!(parse_rpc_port(single), Some(9944));
        let v6 = "x Running JSON-RPC server: addr=[::1]:9955\n";
        assert_eq!(parse_rpc_port(v6), Some(9955));
        assert_eq!(parse_rpc_port("nothing here\n"), None);
    }

    #[test]
    fn missing_binary_is_a_clear_error() {
        let mut config = NodeConfig::load(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../node-config/dev-node.toml"),
        )
        .unwrap();
        config.node_binary = "no-such-node-binary-xyz".into();
        // An explicit binary wins over $CONTRACTS_NODE, so this does not depend on the env.
        let err = resolve_binary(&config, Some(Path::new("no-such-node-binary-xyz"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no-such-node-binary-xyz not found on PATH; run `bash node-config/setup`"
        );
        let err = resolve_binary(&config, Some(Path::new("/nonexistent/node"))).unwrap_err();
        assert!(matches!(err, NodeError::BinaryMissing { .. }), "{err}");
    }

    #[test]
    fn free_ports_are_bindable() {
        let port = pick_free_port().unwrap();
        assert_ne!(port, 0);
        assert!(port_is_free(port));
    }

    #[test]
    fn http_json_parsing() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 37\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":7}";
        assert_eq!(parse_http_json(plain).unwrap()["result"], 7);
        let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n";
        assert_eq!(parse_http_json(chunked).unwrap(), json!({"a": 1}));
        let err = parse_http_json(b"HTTP/1.1 403 Forbidden\r\n\r\nno").unwrap_err();
        assert!(err.contains("403"), "{err}");
    }

    #[test]
    fn rpc_call_against_a_fake_server() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            for reply in [
                r#"{"jsonrpc":"2.0","id":1,"result":{"peers":0}}"#,
                r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}"#,
            ] {
                let (mut conn, _) = listener.accept().unwrap();
                let mut buf = [0u8; 4096];
                let mut request = Vec::new();
                while !String::from_utf8_lossy(&request).contains("\"params\"") {
                    let n = conn.read(&mut buf).unwrap();
                    request.extend_from_slice(&buf[..n]);
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{reply}",
                    reply.len()
                );
                conn.write_all(response.as_bytes()).unwrap();
            }
        });
        let ok = rpc_call(port, "system_health", json!([]), Duration::from_secs(5)).unwrap();
        assert_eq!(ok, json!({"peers": 0}));
        let err = rpc_call(port, "nope", json!([]), Duration::from_secs(5)).unwrap_err();
        assert!(err.to_string().starts_with("JSON-RPC nope: "), "{err}");
        server.join().unwrap();
    }
}
