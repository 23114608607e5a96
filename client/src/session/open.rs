//! Opening contracts on chain: each must exist, and run code whose metadata this client has
//! (see [`super::code_metadata`]) for the role it plays. The deployment in use is opened this
//! way once per session ([`Ctx::contracts`]); joining one opens its contracts the same way.

use std::path::Path;

use contract_metadata::ContractMetadata;
use subxt::utils::AccountId32;

use crate::chain::Chain;
use crate::contract::{Contract, ContractCodec};
use crate::contract_state::{contract_info, ContractInfo};

use super::code_metadata::{MetadataSource, MetadataStore};
use super::ctx::Ctx;
use super::deployment::{genesis_hex, Contracts};
use super::deployment_error::{hash_hex, DeploymentError};
use super::deployment_file::DeploymentFile;
use super::error::{OpError, OpResult};
use super::which::Which;

/// A contract on chain, with the metadata of the code it runs.
#[derive(Debug, Clone)]
pub struct Opened {
    pub contract: Contract,
    pub info: ContractInfo,
    pub metadata: ContractMetadata,
    /// Where the metadata came from: not yet in the store unless [`MetadataSource::Stored`].
    pub source: MetadataSource,
}

/// The contract at `address` as the `which` of a deployment: it exists on chain, `store` has
/// the metadata of the code it runs, and that code is a `which` contract (by the metadata's
/// name). Each failure names the role, the address and the code hash.
pub async fn open_contract(
    chain: &Chain,
    store: &MetadataStore,
    which: Which,
    address: &AccountId32,
) -> OpResult<Opened> {
    let role = which.name();
    let shown = || chain.ss58(&address.0);
    let info = contract_info(chain, address, None).await?.ok_or_else(|| {
        DeploymentError::NotAContract {
            role,
            address: shown(),
        }
    })?;
    let code_hash = hash_hex(&info.code_hash);
    let (metadata, source) =
        store
            .find(&info.code_hash)?
            .ok_or_else(|| DeploymentError::UnknownCode {
                role,
                address: shown(),
                code_hash: code_hash.clone(),
            })?;
    if metadata.contract.name != role {
        return Err(DeploymentError::WrongContract {
            role,
            address: shown(),
            code_hash,
            actual: metadata.contract.name.clone(),
        }
        .into());
    }
    let codec = ContractCodec::from_metadata(&metadata)?;
    Ok(Opened {
        contract: Contract::new(*address, codec),
        info,
        metadata,
        source,
    })
}

impl Ctx {
    /// The deployment in use on this chain (by genesis hash), opened: every contract exists
    /// and runs the code the deployment recorded, and decodes with that code's metadata.
    pub async fn contracts(&mut self) -> OpResult<Contracts> {
        if let Some(c) = &self.contracts {
            return Ok(c.clone());
        }
        let path = self.settings.deployment_path();
        let genesis = genesis_hex(&self.chain);
        let (name, mut deployment) = DeploymentFile::load(&path)?.in_use(&genesis)?;
        let store = MetadataStore::new(self.settings.metadata_dir());
        let mut opened = Vec::new();
        let mut learnt = false;
        for which in Which::ALL {
            let Some(address) = deployment.address(which) else {
                continue;
            };
            let address = AccountId32(crate::units::parse_account(address)?);
            let found = open_contract(&self.chain, &store, which, &address)
                .await
                .map_err(|e| in_use_error(e, &genesis, &path))?;
            let on_chain = found.info.code_hash;
            match deployment.code_hashes.get(which) {
                Some(recorded) if recorded != on_chain => {
                    return Err(DeploymentError::CodeChanged {
                        role: which.name(),
                        address: self.chain.ss58(&address.0),
                        on_chain: hash_hex(&on_chain),
                        recorded: hash_hex(&recorded),
                    }
                    .into())
                }
                Some(_) => {}
                None => {
                    deployment.code_hashes.set(which, on_chain);
                    learnt = true;
                }
            }
            if found.source != MetadataSource::Stored {
                store.save(&found.metadata)?;
            }
            opened.push(found);
        }
        if learnt {
            // A deployment saved before code hashes were: record the ones it runs now.
            let hashes = deployment.code_hashes;
            DeploymentFile::update(&path, |file| {
                let chain = file.chains.entry(genesis.clone()).or_default();
                if let Some(d) = chain.deployments.get_mut(&name) {
                    if d.escrow == deployment.escrow {
                        d.code_hashes = hashes;
                    }
                }
                Ok(())
            })?;
        }
        let mut opened = opened.into_iter();
        let escrow = opened.next().expect("every deployment has an escrow");
        let reputation = opened
            .next()
            .expect("every deployment has a reputation contract");
        let contracts = Contracts {
            escrow_trie: escrow.info.trie_id,
            escrow: escrow.contract,
            reputation: reputation.contract,
            requests: opened.next().map(|r| r.contract),
            name,
            deployment,
            ss58_prefix: self.chain.ss58_prefix(),
        };
        self.contracts = Some(contracts.clone());
        Ok(contracts)
    }
}

/// What an error opening a contract of the deployment in use means to its user.
fn in_use_error(e: OpError, genesis: &str, path: &Path) -> OpError {
    match e {
        OpError::Deployment(DeploymentError::NotAContract { .. }) => DeploymentError::Vanished {
            genesis: genesis.to_string(),
            file: path.display().to_string(),
        }
        .into(),
        OpError::Deployment(DeploymentError::UnknownCode {
            role,
            address,
            code_hash,
        }) => DeploymentError::NoMetadata {
            role,
            address,
            code_hash,
        }
        .into(),
        other => other,
    }
}
