//! Where the contracts of a chain are: the deployment file, the bundles, the pair in use.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::chain::Chain;
use crate::contract::{Contract, ContractBundle};
use crate::node_config::contract_bundle;

use super::error::{OpError, OpResult};

/// The addresses `escrow deploy` saved for one chain.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Deployment {
    pub escrow: String,
    pub reputation: String,
    /// The requests contract; absent in deployments made before task requests existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<String>,
    pub deployer: String,
    /// Best block number right after the deployment: event scans start here.
    pub block: u64,
}

/// The deployment file: deployments keyed by `0x` + genesis hash.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeploymentFile {
    pub deployments: BTreeMap<String, Deployment>,
}

impl DeploymentFile {
    pub fn load(path: &Path) -> OpResult<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                OpError::Failed(format!(
                    "deployment file {} is not valid: {e}",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(OpError::Failed(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    pub fn save(&self, path: &Path) -> OpResult<()> {
        write_json_file(path, self)
    }
}

/// Write `value` as pretty JSON through a temporary file and rename.
pub fn write_json_file<T: Serialize>(path: &Path, value: &T) -> OpResult<()> {
    let io = |e: std::io::Error| OpError::Failed(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_string_pretty(value).expect("serialisable"),
    )
    .map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

pub fn genesis_hex(chain: &Chain) -> String {
    format!("0x{}", hex::encode(chain.genesis_hash()))
}

/// Loads a contract bundle, with a hint when it is missing.
pub fn load_bundle(name: &str) -> OpResult<ContractBundle> {
    let path = contract_bundle(name);
    if !crate::node_config::contracts_dir_is_explicit() {
        if let Some(bytes) = crate::node_config::embedded_bundle(name) {
            return Ok(ContractBundle::from_json(bytes)?);
        }
    }
    if !path.is_file() {
        return Err(OpError::Failed(format!(
            "contract bundle {} not found: run `bash node-config/setup` (release builds of every \
             contract, copied there) or set ESCROW_CONTRACTS_DIR to a directory of release bundles",
            path.display()
        )));
    }
    Ok(ContractBundle::load(&path)?)
}

/// The deployed contracts.
#[derive(Debug, Clone)]
pub struct Contracts {
    pub escrow: Contract,
    pub reputation: Contract,
    /// `None` for a deployment made before task requests existed.
    pub requests: Option<Contract>,
    /// The child trie holding the escrow's storage (`ContractInfo::trie_id`), read straight
    /// by [`super::stored`] without running the contract.
    pub escrow_trie: Vec<u8>,
    pub deployment: Deployment,
    /// The chain's SS58 prefix, for the accounts in decoded events.
    pub ss58_prefix: u16,
}

impl Contracts {
    /// `account` as an SS58 address of the chain these contracts live on.
    pub fn ss58(&self, account: &[u8; 32]) -> String {
        crate::units::to_ss58_with_prefix(account, self.ss58_prefix)
    }

    /// The codecs of every deployed contract, to decode the events of a transaction.
    pub fn codecs(&self) -> Vec<&crate::contract::ContractCodec> {
        [
            Some(&self.escrow),
            Some(&self.reputation),
            self.requests.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|c| &c.codec)
        .collect()
    }

    pub fn get(&self, which: Which) -> OpResult<&Contract> {
        match which {
            Which::Escrow => Ok(&self.escrow),
            Which::Reputation => Ok(&self.reputation),
            Which::Requests => self.requests.as_ref().ok_or_else(|| {
                OpError::Usage(
                    "this chain's deployment has no requests contract (it predates task \
                     requests): run `escrow deploy` again"
                        .into(),
                )
            }),
        }
    }
}

/// Which contract a write goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Escrow,
    Reputation,
    Requests,
}

impl Which {
    pub fn name(self) -> &'static str {
        match self {
            Which::Escrow => "escrow",
            Which::Reputation => "reputation",
            Which::Requests => "requests",
        }
    }
}
