//! `escrow deployment list|use|remove|export`: the deployments this client knows on the chain
//! of `--url`, the one in use, and the export file a marketplace publishes so that others can
//! join it (`escrow deployment import`, in [`super::join`]).

use std::collections::BTreeMap;
use std::path::Path;

use contract_metadata::ContractMetadata;
use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;

use super::{
    genesis_hex, hash_hex, usage, write_json_file, CodeHashes, Ctx, Deployment, DeploymentFile,
    MetadataStore, OpResult, Which,
};
use crate::session::open_contract;

/// What an export file says it is.
pub const EXPORT_FORMAT: &str = "p2p-escrow-deployment";
/// The export version this client writes and reads.
pub const EXPORT_VERSION: u32 = 1;

/// An export: enough for another client to find, check and use a deployment. The metadata of
/// each code hash comes along unless left out (`--no-metadata`): a client that was built with
/// other bundles can then still call these contracts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentExport {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    pub version: u32,
    /// `0x` + the chain's genesis hash.
    pub genesis: String,
    pub escrow: String,
    pub reputation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<String>,
    pub code_hashes: CodeHashes,
    /// The block the escrow was created in: its events begin there.
    pub block: u64,
    /// contract-metadata JSON (without the Wasm code) by `0x` code hash.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, ContractMetadata>,
}

/// One deployment as the commands show it.
#[derive(Debug, Clone, Serialize)]
pub struct DeploymentView {
    pub name: String,
    pub in_use: bool,
    #[serde(flatten)]
    pub deployment: Deployment,
}

/// `deployment list`.
#[derive(Debug, Clone, Serialize)]
pub struct DeploymentList {
    pub genesis: String,
    pub deployment_file: String,
    pub in_use: Option<String>,
    pub deployments: Vec<DeploymentView>,
}

/// What `deployment add|import|use|remove` did.
#[derive(Debug, Clone, Serialize)]
pub struct DeploymentResult {
    /// `added`, `imported`, `in_use` or `removed`.
    pub action: &'static str,
    pub genesis: String,
    pub deployment_file: String,
    pub deployment: DeploymentView,
}

/// `deployment export`.
#[derive(Debug, Clone, Serialize)]
pub struct ExportResult {
    pub file: String,
    pub bytes: u64,
    /// The code hashes whose metadata the file carries.
    pub metadata_of: Vec<String>,
    pub deployment: DeploymentView,
}

impl DeploymentResult {
    pub(super) fn new(
        ctx: &Ctx,
        action: &'static str,
        name: String,
        in_use: bool,
        deployment: Deployment,
    ) -> Self {
        DeploymentResult {
            action,
            genesis: genesis_hex(&ctx.chain),
            deployment_file: ctx.settings.deployment_path().display().to_string(),
            deployment: DeploymentView {
                name,
                in_use,
                deployment,
            },
        }
    }
}

/// The deployments saved for the chain of `ctx`, in name order.
pub fn list(ctx: &Ctx) -> OpResult<DeploymentList> {
    let path = ctx.settings.deployment_path();
    let genesis = genesis_hex(&ctx.chain);
    let chain = DeploymentFile::load(&path)?.chain(&genesis);
    Ok(DeploymentList {
        deployments: chain
            .deployments
            .into_iter()
            .map(|(name, deployment)| DeploymentView {
                in_use: chain.in_use.as_ref() == Some(&name),
                name,
                deployment,
            })
            .collect(),
        in_use: chain.in_use,
        genesis,
        deployment_file: path.display().to_string(),
    })
}

/// Puts the deployment named `name` (or whose escrow is `name`) in use.
pub fn use_deployment(ctx: &Ctx, name: &str) -> OpResult<DeploymentResult> {
    let genesis = genesis_hex(&ctx.chain);
    let (name, deployment) = DeploymentFile::update(&ctx.settings.deployment_path(), |file| {
        let name = file.use_deployment(&genesis, name)?;
        Ok(file.in_use(&genesis)?).map(|(_, d)| (name, d))
    })?;
    Ok(DeploymentResult::new(ctx, "in_use", name, true, deployment))
}

/// Forgets the deployment named `name` (or whose escrow is `name`). The metadata of its code
/// stays: another deployment may run the same code.
pub fn remove(ctx: &Ctx, name: &str) -> OpResult<DeploymentResult> {
    let genesis = genesis_hex(&ctx.chain);
    let (name, deployment) = DeploymentFile::update(&ctx.settings.deployment_path(), |file| {
        Ok(file.remove(&genesis, name)?)
    })?;
    Ok(DeploymentResult::new(
        ctx, "removed", name, false, deployment,
    ))
}

/// Writes the export of the deployment `name` (default: the one in use) to `out`. Its code
/// hashes are read from the chain, and its metadata from the store (or this client's bundles):
/// what it says holds at the best block.
pub async fn export(
    ctx: &Ctx,
    name: Option<&str>,
    out: &Path,
    with_metadata: bool,
) -> OpResult<ExportResult> {
    let genesis = genesis_hex(&ctx.chain);
    let file = DeploymentFile::load(&ctx.settings.deployment_path())?;
    let (name, deployment) = match name {
        Some(name) => {
            let name = file.find(&genesis, name)?;
            let d = file.chain(&genesis).deployments[&name].clone();
            (name, d)
        }
        None => file.in_use(&genesis)?,
    };
    let in_use = file.chain(&genesis).in_use.as_ref() == Some(&name);
    let store = MetadataStore::new(ctx.settings.metadata_dir());
    let mut code_hashes = CodeHashes::default();
    let mut metadata = BTreeMap::new();
    for which in Which::ALL {
        let Some(address) = deployment.address(which) else {
            continue;
        };
        let address = AccountId32(crate::units::parse_account(address)?);
        let opened = open_contract(&ctx.chain, &store, which, &address).await?;
        code_hashes.set(which, opened.info.code_hash);
        if with_metadata {
            metadata.insert(hash_hex(&opened.info.code_hash), opened.metadata);
        }
    }
    let export = DeploymentExport {
        format: EXPORT_FORMAT.into(),
        version: EXPORT_VERSION,
        genesis,
        escrow: deployment.escrow.clone(),
        reputation: deployment.reputation.clone(),
        requests: deployment.requests.clone(),
        code_hashes,
        block: deployment.block,
        metadata,
    };
    write_json_file(out, &export)?;
    // Made to be published: readable by all, unlike the client's own files.
    let readable = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    let bytes = std::fs::set_permissions(out, readable)
        .and_then(|()| std::fs::metadata(out))
        .map(|m| m.len())
        .map_err(|e| usage(format!("cannot write {}: {e}", out.display())))?;
    Ok(ExportResult {
        file: out.display().to_string(),
        bytes,
        metadata_of: export.metadata.keys().cloned().collect(),
        deployment: DeploymentView {
            name,
            in_use,
            deployment: Deployment {
                code_hashes,
                ..deployment
            },
        },
    })
}
