//! The chain spec a dev node starts from: the node's own dev spec, patched with the settings of
//! node-config/dev-node.toml, written once per base path and checked on every later start.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;

use serde_json::{json, Value};
use subxt::utils::AccountId32;
use subxt_signer::{sr25519::Keypair, SecretUri};

use super::log::last_lines;
use super::process::describe_status;
use super::{io_err, NodeError, SETUP_HINT, SPEC_FILE};
use crate::node_config::ChainConfig;

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
}
