//! Integration tests of escrow_client::dev_node against a real substrate-contracts-node 0.42.
//!
//! They need the node binary (`bash node-config/setup` installs it; CI does) and FAIL without
//! it rather than skip, so a CI run without the node cannot pass silently.
//! Run: `cargo test -p escrow-client --features node-tests --test dev_node`.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

use std::path::Path;
use std::time::Duration;

use blake2::digest::consts::U16;
use blake2::{Blake2b, Digest};
use escrow_client::dev_node::{dev_account_id, rpc_call, DevNode, DevNodeOptions, NodeError};
use escrow_client::node_config::NodeConfig;
use serde_json::{json, Value};

fn config() -> NodeConfig {
    NodeConfig::load_default().unwrap_or_else(|e| panic!("node config: {e}"))
}

fn start(config: &NodeConfig, options: DevNodeOptions) -> DevNode {
    match DevNode::start(config, options) {
        Ok(node) => node,
        Err(e @ (NodeError::BinaryNotFound { .. } | NodeError::BinaryMissing { .. })) => panic!(
            "{e}\nThese tests need substrate-contracts-node 0.42.0; install it with \
             `bash node-config/setup` (or set CONTRACTS_NODE to its path)."
        ),
        Err(e) => panic!("dev node did not start: {e}"),
    }
}

fn rpc(node: &DevNode, method: &str, params: Value) -> Value {
    node.rpc(method, params).unwrap_or_else(|e| panic!("{e}"))
}

/// Storage key of `System.Account(account)`.
fn system_account_key(suri: &str) -> String {
    // twox128("System") ++ twox128("Account")
    const PREFIX: &str = "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9";
    let account = dev_account_id(suri).unwrap().0;
    let hash = Blake2b::<U16>::digest(account);
    format!("0x{PREFIX}{}{}", hex::encode(hash), hex::encode(account))
}

/// Free balance from a SCALE `AccountInfo` (nonce, consumers, providers, sufficients: u32;
/// then data.free: u128).
fn free_balance(node: &DevNode, suri: &str) -> Option<u128> {
    let value = rpc(node, "state_getStorage", json!([system_account_key(suri)]));
    let hex_value = value.as_str()?;
    let bytes = hex::decode(hex_value.trim_start_matches("0x")).unwrap();
    Some(u128::from_le_bytes(bytes[16..32].try_into().unwrap()))
}

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn dev_node_starts_with_configured_chain_restarts_with_state_and_stops() {
    let config = config();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("chain");
    let options = DevNodeOptions {
        rpc_port: Some(0),
        base_path: Some(base.clone()),
        ..DevNodeOptions::default()
    };
    let mut node = start(&config, options.clone());
    let port = node.rpc_port();
    assert_ne!(port, 0);
    assert_eq!(node.url(), format!("ws://127.0.0.1:{port}"));
    assert!(node.spec_path().starts_with(base.canonicalize().unwrap()));
    assert!(node.log_path().is_file());

    // The chain is the configured one.
    assert_eq!(rpc(&node, "system_chain", json!([])), "Development");
    let properties = rpc(&node, "system_properties", json!([]));
    assert_eq!(
        properties["tokenSymbol"],
        config.chain.token_symbol.as_str()
    );
    assert_eq!(properties["tokenDecimals"], config.chain.token_decimals);
    assert_eq!(properties["ss58Format"], config.chain.ss58_format);
    for suri in &config.chain.accounts {
        assert_eq!(
            free_balance(&node, suri),
            Some(u128::from(config.chain.endowment)),
            "{suri} is pre-funded"
        );
    }
    // The node's built-in dev spec also funds //Alice//stash; ours replaces that list.
    assert_eq!(free_balance(&node, "//Alice//stash"), None);

    // Something written to the node's database, to see it survive the restart.
    let genesis = rpc(&node, "chain_getBlockHash", json!([0]));
    let peer_id = rpc(&node, "system_localPeerId", json!([]));
    rpc(
        &node,
        "offchain_localStorageSet",
        json!(["PERSISTENT", "0x657363726f772d6b6579", "0x76616c7565"]),
    );

    let old_pid = node.pid().unwrap();
    node.restart().unwrap_or_else(|e| panic!("restart: {e}"));
    assert_ne!(node.pid(), Some(old_pid));
    assert!(!process_exists(old_pid), "old node process is gone");
    assert_eq!(rpc(&node, "chain_getBlockHash", json!([0])), genesis);
    assert_eq!(rpc(&node, "system_localPeerId", json!([])), peer_id);
    assert_eq!(
        rpc(
            &node,
            "offchain_localStorageGet",
            json!(["PERSISTENT", "0x657363726f772d6b6579"])
        ),
        "0x76616c7565"
    );

    let pid = node.pid().unwrap();
    let port = node.rpc_port();
    node.stop().unwrap();
    assert!(!node.is_running());
    assert_eq!(node.pid(), None);
    assert!(
        !process_exists(pid),
        "node process {pid} is gone after stop"
    );
    let err = rpc_call(port, "system_health", json!([]), Duration::from_secs(1)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("JSON-RPC system_health: cannot connect to ws://127.0.0.1:"),
        "{err}"
    );
    assert!(matches!(
        node.rpc("system_health", json!([])),
        Err(NodeError::NotRunning)
    ));
    drop(node);
    assert!(
        base.join("chain-spec.json").is_file(),
        "persistent base path is kept"
    );

    // The same base path with different chain settings is refused, not silently reused.
    let mut changed = config.clone();
    changed.chain.token_symbol = "OTHER".into();
    match DevNode::start(&changed, options) {
        Err(NodeError::StaleSpec { .. }) => {}
        Err(e) => panic!("expected StaleSpec, got {e}"),
        Ok(_) => panic!("expected StaleSpec, the node started"),
    }
}

#[test]
fn dropping_a_temporary_node_kills_it_and_removes_its_base_path() {
    let config = config();
    let node = start(&config, DevNodeOptions::for_tests());
    rpc(&node, "system_health", json!([]));
    // A call the node refuses reports the node's own error.
    let err = node.rpc("no_such_method", json!([])).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("JSON-RPC no_such_method: Method not found (code -32601)"),
        "{err}"
    );
    let pid = node.pid().unwrap();
    let base = node.base_path().to_owned();
    assert!(base.is_dir());
    drop(node);
    assert!(
        !process_exists(pid),
        "node process {pid} is gone after drop"
    );
    assert!(
        !base.exists(),
        "temporary base path {} removed",
        base.display()
    );
}

#[test]
fn a_busy_fixed_port_is_reported() {
    let config = config();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let options = DevNodeOptions {
        rpc_port: Some(port),
        temporary: true,
        ..DevNodeOptions::default()
    };
    match DevNode::start(&config, options) {
        Err(NodeError::PortInUse { port: p }) => assert_eq!(p, port),
        Err(e @ (NodeError::BinaryNotFound { .. } | NodeError::BinaryMissing { .. })) => {
            panic!("{e}")
        }
        Err(e) => panic!("expected PortInUse, got {e}"),
        Ok(_) => panic!("expected PortInUse, the node started on a busy port"),
    }
}
