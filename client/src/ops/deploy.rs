//! `escrow deploy`: reputation, then escrow pointing at it, then authorise the escrow.

use rand::RngCore;
use serde::Serialize;

use super::{
    genesis_hex, load_bundle, usage, Ctx, Deployment, DeploymentFile, OpResult, TxReport, Which,
};
use crate::contract::{Contract, ContractBundle};
use crate::units::to_ss58;

#[derive(Debug, Clone)]
pub struct DeployArgs {
    pub fee_bps: u16,
    pub fee_cap_bps: u16,
    /// Account argument; `None`: the deployer.
    pub fee_recipient: Option<String>,
    pub rating_window_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeployResult {
    pub genesis: String,
    pub escrow: String,
    pub reputation: String,
    pub deployer: String,
    pub fee_bps: u16,
    pub fee_cap_bps: u16,
    pub fee_recipient: String,
    pub rating_window_ms: u64,
    pub deployment_file: String,
    /// Plancks paid in fees for the two instantiations.
    pub instantiate_fees: Vec<Option<String>>,
    pub authorize: TxReport,
}

/// Bad arguments are refused before anything is loaded or sent.
fn check_args(args: &DeployArgs) -> OpResult<()> {
    if args.fee_cap_bps > 1_000 {
        return Err(usage("--fee-cap-bps must be at most 1000 (10%)"));
    }
    if args.fee_bps > args.fee_cap_bps {
        return Err(usage(format!(
            "--fee-bps {} is above --fee-cap-bps {}",
            args.fee_bps, args.fee_cap_bps
        )));
    }
    if args.rating_window_ms == 0 {
        return Err(usage("--rating-window must be longer than zero"));
    }
    Ok(())
}

pub async fn deploy(ctx: &mut Ctx, args: DeployArgs) -> OpResult<DeployResult> {
    check_args(&args)?;
    let reputation_bundle = load_bundle("reputation")?;
    let escrow_bundle = load_bundle("escrow")?;
    deploy_bundles(ctx, args, &reputation_bundle, &escrow_bundle).await
}

/// [`deploy`] with bundles the caller loaded (and checked): `escrow bench` deploys exactly the
/// code whose size and build mode it reports.
pub async fn deploy_bundles(
    ctx: &mut Ctx,
    args: DeployArgs,
    reputation_bundle: &ContractBundle,
    escrow_bundle: &ContractBundle,
) -> OpResult<DeployResult> {
    check_args(&args)?;
    let signer = ctx.signer(Some("//Alice"))?;
    let fee_recipient = match &args.fee_recipient {
        Some(a) => ctx.account(a)?,
        None => signer.account_id(),
    };
    let mut salt = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut salt);

    let spinner = ctx.spinner("instantiating reputation…".into());
    let rep = Contract::upload_and_instantiate(
        &ctx.chain,
        &signer,
        reputation_bundle,
        "new",
        &[args.rating_window_ms.to_string()],
        0,
        &salt,
    )
    .await;
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let (reputation, rep_outcome) = rep?;
    ctx.note(format!("reputation instantiated at {}", reputation.address));

    let spinner = ctx.spinner("instantiating escrow…".into());
    let esc = Contract::upload_and_instantiate(
        &ctx.chain,
        &signer,
        escrow_bundle,
        "new",
        &[
            args.fee_bps.to_string(),
            args.fee_cap_bps.to_string(),
            fee_recipient.to_string(),
            format!("Some({})", reputation.address),
        ],
        0,
        &salt,
    )
    .await;
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let (escrow, esc_outcome) = esc?;
    ctx.note(format!("escrow instantiated at {}", escrow.address));

    let path = ctx.settings.deployment_path();
    let genesis = genesis_hex(&ctx.chain);
    let mut file = DeploymentFile::load(&path)?;
    let deployment = Deployment {
        escrow: escrow.address.to_string(),
        reputation: reputation.address.to_string(),
        deployer: signer.ss58(),
        block: ctx.chain.best_block_number().await?,
    };
    file.deployments.insert(genesis.clone(), deployment);
    file.save(&path)?;

    let authorize = ctx
        .write(
            Which::Reputation,
            &signer,
            "authorize",
            &escrow.address.0,
            0,
        )
        .await?;
    Ok(DeployResult {
        genesis,
        escrow: escrow.address.to_string(),
        reputation: reputation.address.to_string(),
        deployer: signer.ss58(),
        fee_bps: args.fee_bps,
        fee_cap_bps: args.fee_cap_bps,
        fee_recipient: to_ss58(&fee_recipient.0),
        rating_window_ms: args.rating_window_ms,
        deployment_file: path.display().to_string(),
        instantiate_fees: vec![
            rep_outcome.fee_paid.map(|f| f.to_string()),
            esc_outcome.fee_paid.map(|f| f.to_string()),
        ],
        authorize,
    })
}
