//! Dev-chain settings from `node-config/dev-node.toml`, the one place they are kept.
//!
//! ```no_run
//! use escrow_client::node_config::NodeConfig;
//! let config = NodeConfig::load_default()?;
//! println!("dev node RPC port: {}", config.rpc_port);
//! # Ok::<(), escrow_client::node_config::ConfigError>(())
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Environment variable naming the config file to use instead of `node-config/dev-node.toml`.
pub const CONFIG_ENV: &str = "ESCROW_NODE_CONFIG";
/// Where the config lives, relative to the repository root.
pub const CONFIG_RELATIVE_PATH: &str = "node-config/dev-node.toml";
/// The repository's node config, built in: an installed `escrow` runs its dev node without the
/// source tree.
pub const EMBEDDED_CONFIG: &str = include_str!("../../node-config/dev-node.toml");
const EMBEDDED_CONFIG_NAME: &str = "<built-in node-config/dev-node.toml>";
/// The chain-spec name substrate-contracts-node 0.42 needs to run its instant-seal dev service.
pub const DEV_CHAIN_NAME: &str = "Development";
/// Environment variable naming the directory with the contract bundles (`<dir>/<name>/<name>.contract`);
/// node-config/env.sh exports it as `<contracts target dir>/release-bundles`, where
/// node-config/setup copies its release builds (cargo-contract's own output, `<target>/ink`, is
/// overwritten by ink_e2e's debug builds).
pub const CONTRACTS_DIR_ENV: &str = "ESCROW_CONTRACTS_DIR";

/// Errors reading or validating the node config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read node config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid node config {}: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("invalid node config {}: {msg}", path.display())]
    Invalid { path: PathBuf, msg: String },
}

/// Contents of `node-config/dev-node.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Node binary: a bare name (looked up on PATH) or a path. `CONTRACTS_NODE` overrides it.
    #[serde(default = "default_binary")]
    pub node_binary: String,
    /// JSON-RPC port (HTTP and WebSocket).
    pub rpc_port: u16,
    /// `--finalize-delay-sec`.
    pub finalize_delay_sec: u8,
    /// `-l` log filter.
    pub log: String,
    /// Seconds to wait for the RPC to answer after a start.
    #[serde(default = "default_startup_timeout")]
    pub startup_timeout_sec: u64,
    pub base_path: BasePathConfig,
    pub chain: ChainConfig,
    /// The file this was loaded from (relative `base_path.dir` is resolved against its repo root).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// Where the node keeps its database, chain spec and log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasePathConfig {
    pub mode: BasePathMode,
    /// Required for `persistent`; relative paths are relative to the repository root.
    #[serde(default)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BasePathMode {
    /// State survives restarts.
    Persistent,
    /// A fresh temporary directory per start.
    Temporary,
}

/// The generated chain spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// Must be "Development" (see [`DEV_CHAIN_NAME`]).
    pub name: String,
    /// The spec's `chainType`, which clients read (`system_chainType`) to decide how careful
    /// to be: "Development" (the default), "Local" or "Live". The node seals blocks the same
    /// way whatever it says; tests use "Live" to see the client behave as on a real chain.
    #[serde(default = "default_chain_type")]
    pub chain_type: String,
    pub id: String,
    pub token_symbol: String,
    pub token_decimals: u8,
    pub ss58_format: u16,
    /// Sudo key as a secret URI; defaults to the first account.
    #[serde(default)]
    pub sudo: Option<String>,
    /// Free balance of each pre-funded account at genesis, in plancks. `u64` because TOML
    /// integers are 64-bit (and the chain spec JSON holds up to 2^64 - 1).
    pub endowment: u64,
    /// Pre-funded accounts as sr25519 secret URIs ("//Alice", ...).
    pub accounts: Vec<String>,
}

fn default_chain_type() -> String {
    DEV_CHAIN_NAME.into()
}

fn default_binary() -> String {
    "substrate-contracts-node".into()
}

fn default_startup_timeout() -> u64 {
    60
}

impl NodeConfig {
    /// Parses and validates a config from TOML text. `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: NodeConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(e),
        })?;
        config.validate().map_err(|msg| ConfigError::Invalid {
            path: path.to_owned(),
            msg,
        })?;
        Ok(config)
    }

    /// Reads, parses and validates the config file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Self::parse(&text, path)?;
        config.source = Some(std::path::absolute(path).unwrap_or_else(|_| path.to_owned()));
        Ok(config)
    }

    /// Loads the config at [`NodeConfig::default_path`], else the copy built into the binary.
    pub fn load_default() -> Result<Self, ConfigError> {
        match Self::default_path() {
            Some(path) => Self::load(path),
            None => Self::parse(EMBEDDED_CONFIG, Path::new(EMBEDDED_CONFIG_NAME)),
        }
    }

    /// `$ESCROW_NODE_CONFIG` if set; else `node-config/dev-node.toml` in the current directory
    /// or the nearest ancestor that has one; `None` outside a checkout (then the built-in copy
    /// applies, see [`NodeConfig::load_default`]).
    pub fn default_path() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(path));
        }
        find_upwards(&std::env::current_dir().ok()?)
    }

    /// The repository root this config belongs to: the parent of the directory holding the file.
    pub fn repo_root(&self) -> Option<PathBuf> {
        let source = self.source.as_ref()?;
        Some(source.parent()?.parent()?.to_owned())
    }

    /// The persistent base path (absolute when the config was loaded from a file), or `None`
    /// in `temporary` mode.
    pub fn persistent_base_path(&self) -> Option<PathBuf> {
        if self.base_path.mode != BasePathMode::Persistent {
            return None;
        }
        let dir = self.base_path.dir.as_ref()?;
        if dir.is_absolute() {
            return Some(dir.clone());
        }
        Some(match self.repo_root() {
            Some(root) => root.join(dir),
            // The built-in config, outside a checkout: the chain lives with the keys.
            None => escrow_home().join("chain"),
        })
    }

    /// `ws://127.0.0.1:<rpc_port>`.
    pub fn rpc_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.rpc_port)
    }

    /// Checks the values; the error says which setting is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.chain.name != DEV_CHAIN_NAME {
            return Err(format!(
                "chain.name must be \"{DEV_CHAIN_NAME}\" (got \"{}\"): substrate-contracts-node \
                 runs its instant-seal dev chain only under that name",
                self.chain.name
            ));
        }
        if !["Development", "Local", "Live"].contains(&self.chain.chain_type.as_str()) {
            return Err(format!(
                "chain.chain_type must be \"Development\", \"Local\" or \"Live\" (got \"{}\")",
                self.chain.chain_type
            ));
        }
        if self.chain.id.is_empty()
            || !self
                .chain
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "chain.id must be non-empty and use only [A-Za-z0-9_-] (got \"{}\")",
                self.chain.id
            ));
        }
        if self.chain.accounts.is_empty() {
            return Err("chain.accounts must list at least one account".into());
        }
        if self.base_path.mode == BasePathMode::Persistent && self.base_path.dir.is_none() {
            return Err("base_path.dir is required when base_path.mode = \"persistent\"".into());
        }
        if self.log.trim().is_empty() {
            return Err("log must not be empty (use e.g. \"warn\")".into());
        }
        if self.startup_timeout_sec == 0 {
            return Err("startup_timeout_sec must be at least 1".into());
        }
        Ok(())
    }
}

/// Where the contract bundles are: `$ESCROW_CONTRACTS_DIR` if set (node-config/setup copies its
/// release builds into it), else `<repo>/contracts/target/ink` (a plain `cargo contract build`
/// in contracts/), else the default of node-config/env.sh,
/// `${XDG_CACHE_HOME:-~/.cache}/p2p-escrow/target-contracts/release-bundles`.
pub fn contracts_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CONTRACTS_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("p2p-escrow/target-contracts/release-bundles")
}

include!(concat!(env!("OUT_DIR"), "/embedded_bundles.rs"));

/// The bundle of contract `name` built into this binary, if it was found at build time.
pub fn embedded_bundle(name: &str) -> Option<&'static [u8]> {
    EMBEDDED_BUNDLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
}

/// Where [`crate::ops::load_bundle`] takes contract `name` from, for messages.
pub fn bundle_source(name: &str) -> String {
    if !contracts_dir_is_explicit() && embedded_bundle(name).is_some() {
        "the bundle built into this binary".into()
    } else {
        contract_bundle(name).display().to_string()
    }
}

/// Whether `$ESCROW_CONTRACTS_DIR` names the bundles explicitly (it then wins over the
/// built-in ones).
pub fn contracts_dir_is_explicit() -> bool {
    std::env::var_os(CONTRACTS_DIR_ENV).is_some_and(|d| !d.is_empty())
}

/// `$ESCROW_HOME`, else `~/.escrow`: keys, deployments, indexes and, outside a checkout, the
/// dev chain.
pub fn escrow_home() -> PathBuf {
    if let Some(home) = std::env::var_os("ESCROW_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".escrow"))
        .unwrap_or_else(|| PathBuf::from(".escrow"))
}

/// `<contracts_dir()>/<name>/<name>.contract`, e.g. `contract_bundle("escrow")`.
pub fn contract_bundle(name: &str) -> PathBuf {
    contracts_dir().join(name).join(format!("{name}.contract"))
}

/// `dir/node-config/dev-node.toml` for `dir` = `start` or its nearest ancestor that has one.
pub fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(CONFIG_RELATIVE_PATH))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_config_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(CONFIG_RELATIVE_PATH)
    }

    const MINIMAL: &str = r#"
        rpc_port = 9944
        finalize_delay_sec = 1
        log = "warn"
        [base_path]
        mode = "temporary"
        [chain]
        name = "Development"
        id = "x"
        token_symbol = "UNIT"
        token_decimals = 12
        ss58_format = 42
        endowment = 1000
        accounts = ["//Alice"]
    "#;

    #[test]
    fn repo_config_parses_with_expected_values() {
        let config = NodeConfig::load(repo_config_path()).expect("repo config loads");
        assert_eq!(config.rpc_port, 9944);
        assert_eq!(config.node_binary, "substrate-contracts-node");
        assert_eq!(config.chain.name, "Development");
        assert_eq!(config.chain.token_symbol, "UNIT");
        assert_eq!(config.chain.token_decimals, 12);
        assert_eq!(config.chain.ss58_format, 42);
        assert_eq!(config.chain.sudo.as_deref(), Some("//Alice"));
        assert_eq!(
            config.chain.accounts,
            [
                "//Alice",
                "//Bob",
                "//Charlie",
                "//Dave",
                "//Eve",
                "//Ferdie"
            ]
        );
        assert_eq!(config.chain.endowment, 1u64 << 60);
        assert_eq!(config.base_path.mode, BasePathMode::Persistent);
        let base = config.persistent_base_path().expect("persistent");
        assert!(base.is_absolute(), "{}", base.display());
        assert!(base.ends_with(".escrow/chain"), "{}", base.display());
        let root = config.repo_root().unwrap();
        assert!(root.join("node-config/dev-node.toml").is_file());
        assert_eq!(config.rpc_url(), "ws://127.0.0.1:9944");
    }

    #[test]
    fn defaults_apply() {
        let config = NodeConfig::parse(MINIMAL, Path::new("m.toml")).unwrap();
        assert_eq!(config.node_binary, "substrate-contracts-node");
        assert_eq!(config.startup_timeout_sec, 60);
        assert_eq!(config.chain.sudo, None);
        assert_eq!(config.persistent_base_path(), None);
        assert_eq!(config.source, None);
    }

    #[test]
    fn rejects_other_chain_names() {
        let text = MINIMAL.replace("\"Development\"", "\"Local\"");
        let err = NodeConfig::parse(&text, Path::new("m.toml")).unwrap_err();
        assert!(err.to_string().contains("must be \"Development\""), "{err}");
    }

    #[test]
    fn rejects_persistent_without_dir() {
        let text = MINIMAL.replace("\"temporary\"", "\"persistent\"");
        let err = NodeConfig::parse(&text, Path::new("m.toml")).unwrap_err();
        assert!(
            err.to_string().contains("base_path.dir is required"),
            "{err}"
        );
    }

    #[test]
    fn rejects_unknown_keys_and_bad_modes() {
        let text = MINIMAL.replace("rpc_port = 9944", "rpc_port = 9944\nrpc_prot = 1");
        let err = NodeConfig::parse(&text, Path::new("m.toml")).unwrap_err();
        assert!(err.to_string().contains("rpc_prot"), "{err}");
        let text = MINIMAL.replace("\"temporary\"", "\"sometimes\"");
        assert!(NodeConfig::parse(&text, Path::new("m.toml")).is_err());
    }

    #[test]
    fn rejects_endowment_above_toml_range() {
        // TOML integers stop at 2^63 - 1.
        let text = MINIMAL.replace("endowment = 1000", "endowment = 18446744073709551616");
        assert!(NodeConfig::parse(&text, Path::new("m.toml")).is_err());
        let text = MINIMAL.replace("endowment = 1000", "endowment = -1");
        assert!(NodeConfig::parse(&text, Path::new("m.toml")).is_err());
    }

    #[test]
    fn missing_file_is_a_clear_error() {
        let err = NodeConfig::load("/nonexistent/dev-node.toml").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read node config /nonexistent/dev-node.toml"),
            "{err}"
        );
    }

    #[test]
    fn relative_dir_resolves_against_repo_root() {
        let mut config = NodeConfig::parse(
            &MINIMAL.replace(
                "mode = \"temporary\"",
                "mode = \"persistent\"\ndir = \"data/chain\"",
            ),
            Path::new("m.toml"),
        )
        .unwrap();
        config.source = Some(PathBuf::from("/repo/node-config/dev-node.toml"));
        assert_eq!(
            config.persistent_base_path(),
            Some(PathBuf::from("/repo/data/chain"))
        );
        config.base_path.dir = Some(PathBuf::from("/abs/chain"));
        assert_eq!(
            config.persistent_base_path(),
            Some(PathBuf::from("/abs/chain"))
        );
    }

    #[test]
    fn contract_bundles_live_in_per_contract_dirs() {
        let bundle = contract_bundle("escrow");
        assert!(
            bundle.ends_with("escrow/escrow.contract"),
            "{}",
            bundle.display()
        );
        assert!(bundle.starts_with(contracts_dir()));
    }

    #[test]
    fn find_upwards_finds_repo_config() {
        let nested = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let found = find_upwards(&nested).expect("found from client/src");
        assert!(found.ends_with(CONFIG_RELATIVE_PATH));
        assert!(found.is_file());
    }
}
