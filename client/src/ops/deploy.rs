//! `escrow deploy`: reputation, then escrow pointing at it, then authorise the escrow.

use rand::RngCore;
use serde::Serialize;

use super::{
    genesis_hex, load_bundle, usage, Ctx, Deployment, DeploymentFile, OpResult, TxReport, Which,
};
use crate::contract::Contract;
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

pub async fn deploy(ctx: &mut Ctx, args: DeployArgs) -> OpResult<DeployResult> {
    let signer = ctx.signer(Some("//Alice"))?;
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
    let fee_recipient = match &args.fee_recipient {
        Some(a) => ctx.account(a)?,
        None => signer.account_id(),
    };
    let reputation_bundle = load_bundle("reputation")?;
    let escrow_bundle = load_bundle("escrow")?;
    let mut salt = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut salt);

    let spinner = ctx.spinner("instantiating reputation…".into());
    let rep = Contract::upload_and_instantiate(
        &ctx.chain,
        &signer,
        &reputation_bundle,
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
        &escrow_bundle,
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
        escrow: to_ss58(&escrow.address.0),
        reputation: to_ss58(&reputation.address.0),
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
        escrow: to_ss58(&escrow.address.0),
        reputation: to_ss58(&reputation.address.0),
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
