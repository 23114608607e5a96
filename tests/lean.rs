//! A program that only trades takes the library with `default-features = false`: the web
//! server, SQLite and the CLI's crates must then stay out of its build (issue 26). With the
//! default features they are in, which shows this test can fail.
use std::path::Path;
use std::process::Command;

/// What `store`, `explorer` and `cli` bring.
const LEFT_OUT: [&str; 5] = [
    "axum",
    "hyper-util",
    "rusqlite",
    "clap",
    "tracing-subscriber",
];

/// The crates escrow-client builds on (normal dependencies only), by name.
fn dependencies(features: &[&str]) -> Vec<String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the client sits in the workspace");
    // --offline: the committed lockfile and the crates this build already fetched suffice.
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "escrow-client",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .arg("--offline")
        .args(features)
        .current_dir(workspace)
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn without_default_features_the_library_leaves_out_the_web_server_sqlite_and_the_cli() {
    let lean = dependencies(&["--no-default-features"]);
    let present: Vec<&str> = LEFT_OUT
        .into_iter()
        .filter(|c| lean.iter().any(|d| d == c))
        .collect();
    assert!(
        present.is_empty(),
        "still built without default features: {present:?}"
    );
}

#[test]
fn with_default_features_the_library_brings_them() {
    let full = dependencies(&[]);
    let missing: Vec<&str> = LEFT_OUT
        .into_iter()
        .filter(|c| !full.iter().any(|d| d == c))
        .collect();
    assert!(
        missing.is_empty(),
        "missing with default features: {missing:?}"
    );
}
