//! `escrow node`: runs the dev node from node-config/dev-node.toml in the foreground until
//! Ctrl-C or SIGTERM, then stops it cleanly.

use std::path::PathBuf;

use serde::Serialize;

use super::{OpError, OpResult};
use crate::dev_node::{DevNode, DevNodeOptions};
use crate::node_config::NodeConfig;

#[derive(Debug, Clone, Serialize)]
pub struct NodeView {
    pub url: String,
    pub base_path: String,
    pub log: String,
    pub pid: Option<u32>,
    pub temporary: bool,
}

#[derive(Debug, Clone)]
pub struct NodeArgs {
    /// RPC port instead of the config's (0: any free port).
    pub port: Option<u16>,
    /// A throwaway chain in a temporary directory instead of the persistent base path.
    pub temporary: bool,
    /// Persistent base path instead of the config's.
    pub base_path: Option<PathBuf>,
}

fn view(node: &DevNode, temporary: bool) -> NodeView {
    NodeView {
        url: node.url(),
        base_path: node.base_path().display().to_string(),
        log: node.log_path().display().to_string(),
        pid: node.pid(),
        temporary,
    }
}

/// Starts the node, reports it ready through `ready`, waits for Ctrl-C or SIGTERM, stops it.
pub async fn run(args: NodeArgs, ready: impl FnOnce(NodeView)) -> OpResult<NodeView> {
    let config = NodeConfig::load_default()
        .map_err(|e| OpError::Failed(format!("cannot read the node settings: {e}")))?;
    let options = DevNodeOptions {
        rpc_port: args.port,
        base_path: args.base_path,
        temporary: args.temporary,
        ..DevNodeOptions::default()
    };
    let temporary = options.temporary && options.base_path.is_none();
    // Starting blocks until RPC answers (or the startup deadline passes).
    let mut node = tokio::task::spawn_blocking(move || DevNode::start(&config, options))
        .await
        .map_err(|e| OpError::Failed(format!("node start was interrupted: {e}")))?
        .map_err(|e| OpError::Failed(format!("cannot start the dev node: {e}")))?;
    ready(view(&node, temporary));

    wait_for_shutdown_signal().await?;
    let stopped = view(&node, temporary);
    tokio::task::spawn_blocking(move || node.stop())
        .await
        .map_err(|e| OpError::Failed(format!("node stop was interrupted: {e}")))?
        .map_err(|e| OpError::Failed(format!("cannot stop the dev node: {e}")))?;
    Ok(stopped)
}

/// Returns on Ctrl-C or SIGTERM.
pub async fn wait_for_shutdown_signal() -> OpResult<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())
        .map_err(|e| OpError::Failed(format!("cannot listen for SIGTERM: {e}")))?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => {
            result.map_err(|e| OpError::Failed(format!("cannot listen for Ctrl-C: {e}")))
        }
        _ = term.recv() => Ok(()),
    }
}
