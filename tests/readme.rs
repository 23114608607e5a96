//! What the README tells a reader to run.

/// Every `cargo install` in the README installs with `--locked`: without it cargo resolves the
/// newest crates that day instead of the tested Cargo.lock, and the build may break.
#[test]
fn every_cargo_install_in_the_readme_is_locked() {
    let readme = include_str!("../README.md");
    let installs: Vec<&str> = readme
        .lines()
        .filter(|line| line.contains("cargo install") || line.contains("cargo +stable install"))
        .collect();
    assert!(
        installs.iter().any(|l| l.contains("--path client")),
        "the README installs the CLI: {installs:?}"
    );
    for line in installs {
        assert!(line.contains("--locked"), "not --locked: {line}");
    }
}
