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
//!
//! One job per file: `process` spawns the node, waits until it answers and stops it; `spec`
//! writes and checks the chain spec; `binary` finds the node binary; `ports` picks and reads RPC
//! ports; `log` shows the node's last words in errors; `rpc` makes one-shot JSON-RPC calls.

mod binary;
mod log;
mod ports;
mod process;
mod rpc;
mod spec;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

use serde_json::Value;

use crate::node_config::{BasePathMode, ConfigError, NodeConfig};

pub use binary::resolve_binary;
pub use ports::{parse_rpc_port, pick_free_port};
pub use process::node_args;
pub use rpc::rpc_call;
pub use spec::{dev_account_id, ensure_chain_spec, patch_chain_spec};

use process::terminate;

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
    /// Keep the state of only this many finalized blocks (`--state-pruning N`) instead of
    /// all of them (archive), as a node short of disk does.
    pub state_pruning: Option<u32>,
    /// Serve only the RPC methods a public node serves (`--rpc-methods safe`): no
    /// `state_queryStorage` and the like.
    pub safe_rpc: bool,
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
    state_pruning: Option<u32>,
    safe_rpc: bool,
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
            state_pruning: options.state_pruning,
            safe_rpc: options.safe_rpc,
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

    /// One JSON-RPC call (see [`rpc_call`]); returns its `result`.
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
}

impl Drop for DevNode {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = terminate(&mut child, DROP_GRACE);
        }
    }
}
