//! CLI and library behaviour that needs no node: an unreachable node, JSON output and errors,
//! a closed pipe. Plain `cargo test` runs these; everything that needs a dev node sits behind
//! the `node-tests` feature (`bash tests/run` turns it on).

mod common;

use std::time::{Duration, Instant};

use common::error_json;
use escrow_client::bench::load::{self, LoadPlan};
use escrow_client::chain::ChainError;

#[test]
fn an_unreachable_node_gets_a_clear_error_from_every_entry_point() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["offer", "list"],
        vec!["bench", "--small"],
        vec!["deal", "show", "0"],
    ] {
        let out = assert_cmd::Command::cargo_bin("escrow")
            .unwrap()
            .env("ESCROW_HOME", home.path())
            .args(["--url", "ws://127.0.0.1:1"])
            .args(&args)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("node at ws://127.0.0.1:1 is unreachable"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(
            !stderr.contains("client error"),
            "the cause, not the RPC client's layers: {stderr}"
        );
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let settings = escrow_client::ops::Settings {
        url: Some("ws://127.0.0.1:1".into()),
        deployment: Some(home.path().join("deployments.json")),
        ..Default::default()
    };
    let started = Instant::now();
    let err = runtime
        .block_on(load::run(
            settings,
            LoadPlan {
                accounts: 2,
                deals: 1,
            },
            |_| {},
        ))
        .unwrap_err();
    assert!(
        matches!(
            err,
            escrow_client::ops::OpError::Chain(ChainError::Unreachable { .. })
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast");
}

#[test]
fn json_results_carry_a_type_and_json_errors_go_to_stderr() {
    let home = tempfile::tempdir().unwrap();
    let escrow = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("escrow")
            .unwrap()
            .env("ESCROW_HOME", home.path())
            .args(["--url", "ws://127.0.0.1:1", "--output", "json"])
            .args(args)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap()
    };
    let keys = escrow(&["account", "list"]);
    assert!(keys.status.success());
    let v: serde_json::Value = serde_json::from_slice(&keys.stdout).unwrap();
    assert_eq!(v["type"], "keys", "{v}");
    assert!(v["keys"].is_array(), "{v}");

    let failed = escrow(&["deal", "show", "0"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(failed.stdout.is_empty(), "stdout holds results only");
    let err = error_json(&String::from_utf8_lossy(&failed.stderr), 1);
    assert_eq!(
        (err["type"].as_str(), err["kind"].as_str()),
        (Some("error"), Some("unreachable"))
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    use std::process::{Command, Stdio};
    let home = tempfile::tempdir().unwrap();
    for _ in 0..3 {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("escrow"))
            .env("ESCROW_HOME", home.path())
            .args(["--url", "ws://127.0.0.1:1", "account", "list"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the first line is written, as `| head -0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains("Broken pipe"), "{stderr}");
    }
}
