//! Finding the substrate-contracts-node binary, so a missing install is reported with the fix
//! instead of a bare "No such file or directory".

use std::fs;
use std::path::{Path, PathBuf};

use super::{NodeError, BINARY_ENV};
use crate::node_config::NodeConfig;

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

#[cfg(test)]
mod tests {
    use super::*;
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
}
