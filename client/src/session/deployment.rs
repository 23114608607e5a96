//! What a deployment is: its contracts' addresses and code hashes, the bundles this client
//! carries, and the contracts of the deployment in use once checked on chain. The file that
//! keeps deployments is [`super::deployment_file`].

use std::path::Path;

use contract_metadata::CodeHash;

use serde::{Deserialize, Serialize};

use crate::chain::Chain;
use crate::contract::{Contract, ContractBundle};
use crate::node_config::contract_bundle;

use super::error::{OpError, OpResult};
use super::which::Which;

/// Where one deployment's contracts are and the code each of them runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Deployment {
    pub escrow: String,
    pub reputation: String,
    /// The requests contract; absent in deployments made before task requests existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<String>,
    /// The code hash each contract ran when the deployment was saved: every session checks the
    /// chain still says so, and decodes with the metadata of exactly that code. Empty in a file
    /// written before they were recorded; the first session fills them in.
    #[serde(default)]
    pub code_hashes: CodeHashes,
    /// Who deployed it, when this client did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer: Option<String>,
    /// Best block number right after the deployment: event scans start here.
    pub block: u64,
    /// How this client came to know it.
    #[serde(default)]
    pub origin: Origin,
}

impl Deployment {
    /// The address of `which`, if this deployment has it.
    pub fn address(&self, which: Which) -> Option<&str> {
        match which {
            Which::Escrow => Some(&self.escrow),
            Which::Reputation => Some(&self.reputation),
            Which::Requests => self.requests.as_deref(),
        }
    }
}

/// The code hash of each contract of a deployment (`0x` hex in files).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CodeHashes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrow: Option<CodeHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reputation: Option<CodeHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<CodeHash>,
}

impl CodeHashes {
    pub fn get(&self, which: Which) -> Option<[u8; 32]> {
        match which {
            Which::Escrow => self.escrow,
            Which::Reputation => self.reputation,
            Which::Requests => self.requests,
        }
        .map(|h| h.0)
    }

    pub fn set(&mut self, which: Which, hash: [u8; 32]) {
        let slot = match which {
            Which::Escrow => &mut self.escrow,
            Which::Reputation => &mut self.reputation,
            Which::Requests => &mut self.requests,
        };
        *slot = Some(CodeHash(hash));
    }
}

/// How a deployment came into the deployment file.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `escrow deploy` made it (and files of older clients, which knew no other way).
    #[default]
    Deployed,
    /// `escrow deployment add`: joined by its escrow's address.
    Added,
    /// `escrow deployment import`: joined from an export file.
    Imported,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Deployed => "deployed",
            Origin::Added => "added",
            Origin::Imported => "imported",
        }
    }
}

/// Write `value` as pretty JSON through a temporary file of its own and a rename, so that a
/// reader never sees half a file and two writers never share a temporary file.
pub fn write_json_file<T: Serialize>(path: &Path, value: &T) -> OpResult<()> {
    let io = |e: std::io::Error| OpError::Failed(format!("cannot write {}: {e}", path.display()));
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => dir,
        None => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let text = serde_json::to_string_pretty(value).expect("serialisable");
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
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
    /// Its name in the deployment file.
    pub name: String,
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
