//! `escrow deployment add|import`: join a deployment somebody else made. From the escrow's
//! address alone (or an export file), the client reads the escrow's `config()` for its
//! reputation and requests contracts, checks that each runs code this client has the metadata
//! of (its bundles, the metadata store, or the export), and that the reputation contract
//! created the escrow (`is_authorized`), so that a forged escrow naming a real marketplace's
//! reputation contract is refused. Then it keeps the metadata of each code hash and saves the
//! deployment, in use.

use std::path::Path;

use subxt::utils::AccountId32;

use super::deployments::{DeploymentExport, DeploymentResult, EXPORT_FORMAT, EXPORT_VERSION};
use super::{
    genesis_hex, hash_hex, CodeHashes, Ctx, Deployment, DeploymentError, DeploymentFile,
    MetadataStore, OpResult, Origin, Which,
};
use crate::chain::Chain;
use crate::contract_state::contract_info;
use crate::session::deployment_file::check_name;
use crate::session::{open_contract, MetadataSource, Opened};

/// A deployment's contracts, opened on chain and checked.
pub struct Verified {
    pub escrow: Opened,
    pub reputation: Opened,
    pub requests: Option<Opened>,
}

impl Verified {
    fn all(&self) -> impl Iterator<Item = (Which, &Opened)> {
        [
            (Which::Escrow, Some(&self.escrow)),
            (Which::Reputation, Some(&self.reputation)),
            (Which::Requests, self.requests.as_ref()),
        ]
        .into_iter()
        .filter_map(|(w, o)| Some((w, o?)))
    }

    fn code_hashes(&self) -> CodeHashes {
        let mut hashes = CodeHashes::default();
        for (which, opened) in self.all() {
            hashes.set(which, opened.info.code_hash);
        }
        hashes
    }
}

/// Opens the escrow at `escrow`, the reputation and requests contracts its `config()` names,
/// and checks that the reputation contract created the escrow.
pub async fn verify(ctx: &Ctx, store: &MetadataStore, escrow: &AccountId32) -> OpResult<Verified> {
    let chain = &ctx.chain;
    let escrow = open_contract(chain, store, Which::Escrow, escrow).await?;
    let config = crate::api::escrow::config_of(ctx, &escrow.contract).await?;
    let escrow_ss58 = chain.ss58(&escrow.contract.address.0);
    let reputation = config
        .reputation
        .ok_or_else(|| DeploymentError::NoReputation {
            escrow: escrow_ss58.clone(),
        })?;
    let reputation =
        open_contract(chain, store, Which::Reputation, &AccountId32(*reputation)).await?;
    let requests = match config.requests {
        Some(r) => Some(open_contract(chain, store, Which::Requests, &AccountId32(*r)).await?),
        None => None,
    };
    let vouched = crate::api::reputation::is_authorized_by(
        ctx,
        &reputation.contract,
        &escrow.contract.address.0,
    )
    .await?;
    if !vouched {
        return Err(DeploymentError::NotCreatedBy {
            escrow: escrow_ss58,
            reputation: chain.ss58(&reputation.contract.address.0),
        }
        .into());
    }
    Ok(Verified {
        escrow,
        reputation,
        requests,
    })
}

/// `deployment add --escrow ADDRESS [--name NAME]`: joins the deployment of that escrow if
/// this client knows the code of each contract.
pub async fn add(ctx: &Ctx, escrow: &str, name: Option<&str>) -> OpResult<DeploymentResult> {
    name.map(check_name).transpose()?;
    let escrow = AccountId32(crate::units::parse_account(escrow)?);
    let store = MetadataStore::new(ctx.settings.metadata_dir());
    let verified = verify(ctx, &store, &escrow).await?;
    save(ctx, &store, &verified, name, Origin::Added, "added").await
}

/// `deployment import FILE [--name NAME]`: joins the deployment an export describes. The export
/// must be of this chain, and its code hashes those the contracts run; its metadata is used
/// for code this client does not know, and kept.
pub async fn import(ctx: &Ctx, file: &Path, name: Option<&str>) -> OpResult<DeploymentResult> {
    name.map(check_name).transpose()?;
    let export = read_export(file)?;
    let genesis = genesis_hex(&ctx.chain);
    if export.genesis != genesis {
        return Err(DeploymentError::OtherChain {
            exported: export.genesis,
            chain: genesis,
        }
        .into());
    }
    let mut store = MetadataStore::new(ctx.settings.metadata_dir());
    for metadata in export.metadata.into_values() {
        store.offer(metadata);
    }
    let escrow = AccountId32(crate::units::parse_account(&export.escrow)?);
    let verified = verify(ctx, &store, &escrow).await?;
    for (which, opened) in verified.all() {
        let on_chain = opened.info.code_hash;
        if export.code_hashes.get(which) != Some(on_chain) {
            return Err(DeploymentError::ExportMismatch {
                role: which.name(),
                on_chain: hash_hex(&on_chain),
                exported: export
                    .code_hashes
                    .get(which)
                    .map(|h| hash_hex(&h))
                    .unwrap_or_else(|| "none".into()),
            }
            .into());
        }
    }
    save(ctx, &store, &verified, name, Origin::Imported, "imported").await
}

/// An export file, read and checked for its format; each metadata must be of the code hash it
/// is filed under.
fn read_export(file: &Path) -> OpResult<DeploymentExport> {
    let bad = |reason: String| DeploymentError::BadExport {
        path: file.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(file).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let export: DeploymentExport =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a deployment export: {e}")))?;
    if export.format != EXPORT_FORMAT || export.version != EXPORT_VERSION {
        return Err(bad(format!(
            "format {} version {}, not {EXPORT_FORMAT} version {EXPORT_VERSION}",
            export.format, export.version
        ))
        .into());
    }
    for (hash, metadata) in &export.metadata {
        if hash_hex(&metadata.source.hash.0) != *hash {
            return Err(bad(format!(
                "the metadata filed under {hash} is of code {}",
                hash_hex(&metadata.source.hash.0)
            ))
            .into());
        }
    }
    Ok(export)
}

/// Keeps the metadata of each contract's code and saves the deployment, in use.
async fn save(
    ctx: &Ctx,
    store: &MetadataStore,
    verified: &Verified,
    name: Option<&str>,
    origin: Origin,
    action: &'static str,
) -> OpResult<DeploymentResult> {
    let chain = &ctx.chain;
    let deployment = Deployment {
        escrow: chain.ss58(&verified.escrow.contract.address.0),
        reputation: chain.ss58(&verified.reputation.contract.address.0),
        requests: verified
            .requests
            .as_ref()
            .map(|r| chain.ss58(&r.contract.address.0)),
        code_hashes: verified.code_hashes(),
        deployer: None,
        block: first_block_with(chain, &verified.escrow.contract.address).await?,
        origin,
    };
    for (_, opened) in verified.all() {
        if opened.source != MetadataSource::Stored {
            store.save(&opened.metadata)?;
        }
    }
    let genesis = genesis_hex(chain);
    let saved = deployment.clone();
    let name = DeploymentFile::update(&ctx.settings.deployment_path(), |file| {
        Ok(file.insert(&genesis, name, saved)?)
    })?;
    Ok(DeploymentResult::new(ctx, action, name, true, deployment))
}

/// The first block whose state holds a contract at `address`: the block it was created in,
/// where its events begin. A binary search, one state read per step; a block whose state the
/// node no longer keeps counts as one without the contract.
async fn first_block_with(chain: &Chain, address: &AccountId32) -> OpResult<u64> {
    let (mut low, mut high) = (0, chain.best_block_number().await?);
    while low < high {
        let mid = low + (high - low) / 2;
        let there = match chain.block_hash(mid).await? {
            Some(hash) => matches!(contract_info(chain, address, Some(hash)).await, Ok(Some(_))),
            None => false,
        };
        if there {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    Ok(low)
}
