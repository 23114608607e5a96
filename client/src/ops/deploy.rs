//! `escrow deploy`: reputation, then the escrow pointing at it and trusting the requests code
//! by its hash, then the requests contract pointing at both, then authorise the escrow.

use rand::RngCore;
use serde::Serialize;

use super::dry_run::DryRunReport;
use super::types::{Config, EscrowSettings, RequestsConfig, MAX_PLATFORM_FEE_BPS, MAX_WINDOW_MS};
use super::{
    genesis_hex, load_bundle, usage, Ctx, Deployment, DeploymentFile, GasView, OpError, OpResult,
    TxReport,
};
use crate::api::{Escrow, Reputation, Requests};
use crate::contract::{Contract, ContractBundle, DryRun};
use crate::signer::Keypair;
use subxt::utils::AccountId32;

/// Default most ref_time the escrow lets the reputation report use: generous, but bounded.
pub const DEFAULT_REPORT_REF_TIME: u64 = 20_000_000_000;
/// Default most proof_size the reputation report may use.
pub const DEFAULT_REPORT_PROOF_SIZE: u64 = 1_000_000;
/// Default award window of task requests: a week after their proposal deadline.
pub const DEFAULT_AWARD_WINDOW_MS: u64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct DeployArgs {
    pub fee_bps: u16,
    /// Account argument; `None`: the deployer.
    pub fee_recipient: Option<String>,
    /// The reputation contract's commit window, ms; deals are prunable after twice that.
    pub rating_window_ms: u64,
    /// Smallest deal (plancks) that counts for reputation.
    pub min_rated_amount: u128,
    /// Shortest windows an offer may set, ms (fixed forever).
    pub min_delivery_window_ms: u64,
    pub min_review_window_ms: u64,
    pub min_ruling_window_ms: u64,
    /// What the reputation report of an ended deal may spend.
    pub report_ref_time: u64,
    pub report_proof_size: u64,
    pub report_deposit_limit: u128,
    /// How long after its proposal deadline a task request can still be awarded, ms.
    pub award_window_ms: u64,
}

impl DeployArgs {
    /// For tests, the demo and the bench: 1 ms minimum windows (so short windows pass), a 1%
    /// fee to `fee_recipient`, the default report limits, and every deal rated from 1 planck.
    pub fn short_minimums(fee_recipient: Option<String>, rating_window_ms: u64) -> DeployArgs {
        DeployArgs {
            fee_bps: 100,
            fee_recipient,
            rating_window_ms,
            min_rated_amount: 1,
            min_delivery_window_ms: 1,
            min_review_window_ms: 1,
            min_ruling_window_ms: 1,
            report_ref_time: DEFAULT_REPORT_REF_TIME,
            report_proof_size: DEFAULT_REPORT_PROOF_SIZE,
            report_deposit_limit: 1_000_000_000_000,
            award_window_ms: DEFAULT_AWARD_WINDOW_MS,
        }
    }

    /// The escrow settings these arguments instantiate, trusting the requests contract
    /// whose code hash is `requests_code`.
    pub fn settings(&self, requests_code: [u8; 32]) -> EscrowSettings {
        EscrowSettings {
            min_delivery_window: self.min_delivery_window_ms,
            min_review_window: self.min_review_window_ms,
            min_ruling_window: self.min_ruling_window_ms,
            prune_after: self.rating_window_ms.saturating_mul(2),
            report_ref_time: self.report_ref_time,
            report_proof_size: self.report_proof_size,
            report_deposit_limit: self.report_deposit_limit,
            requests_code: Some(requests_code),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DeployResult {
    pub genesis: String,
    pub escrow: String,
    pub reputation: String,
    pub requests: String,
    pub deployer: String,
    pub fee_bps: u16,
    pub fee_recipient: String,
    pub rating_window_ms: u64,
    /// Plancks.
    pub min_rated_amount: String,
    /// The escrow's settings as it reports them (`config`).
    pub settings: EscrowSettings,
    pub deployment_file: String,
    /// The requests contract's award window, ms.
    pub award_window_ms: u64,
    /// Plancks paid in fees for the three instantiations.
    pub instantiate_fees: Vec<Option<String>>,
    pub authorize: TxReport,
}

/// Bad arguments are refused before anything is loaded or sent.
fn check_args(args: &DeployArgs) -> OpResult<()> {
    if args.fee_bps > MAX_PLATFORM_FEE_BPS {
        return Err(usage(format!(
            "--fee-bps must be at most {MAX_PLATFORM_FEE_BPS} (10%); it can only go down later"
        )));
    }
    if args.rating_window_ms == 0 {
        return Err(usage("--rating-window must be longer than zero"));
    }
    for (name, ms) in [
        ("--min-delivery-window", args.min_delivery_window_ms),
        ("--min-review-window", args.min_review_window_ms),
        ("--min-ruling-window", args.min_ruling_window_ms),
    ] {
        if ms == 0 || ms > MAX_WINDOW_MS {
            return Err(usage(format!(
                "{name} must be longer than zero and at most a year"
            )));
        }
    }
    if args.award_window_ms == 0 || args.award_window_ms > MAX_WINDOW_MS {
        return Err(usage(
            "--award-window must be longer than zero and at most a year",
        ));
    }
    if args.report_ref_time == 0 || args.report_proof_size == 0 {
        return Err(usage(
            "--report-ref-time and --report-proof-size must be above zero (a report with no gas always fails)",
        ));
    }
    Ok(())
}

pub async fn deploy(ctx: &mut Ctx, args: DeployArgs) -> OpResult<DeployResult> {
    check_args(&args)?;
    let bundles = Bundles {
        reputation: load_bundle("reputation")?,
        escrow: load_bundle("escrow")?,
        requests: load_bundle("requests")?,
    };
    deploy_bundles(ctx, args, &bundles).await
}

/// The bundles a deployment instantiates.
pub struct Bundles {
    pub reputation: ContractBundle,
    pub escrow: ContractBundle,
    pub requests: ContractBundle,
}

fn requests_constructor_args(
    args: &DeployArgs,
    escrow: &AccountId32,
    reputation: &AccountId32,
) -> [String; 3] {
    [
        escrow.to_string(),
        format!("Some({reputation})"),
        args.award_window_ms.to_string(),
    ]
}

fn reputation_constructor_args(args: &DeployArgs) -> [String; 2] {
    [
        args.rating_window_ms.to_string(),
        args.min_rated_amount.to_string(),
    ]
}

fn escrow_constructor_args(
    args: &DeployArgs,
    fee_recipient: &AccountId32,
    reputation: &AccountId32,
    requests_code: [u8; 32],
) -> [String; 4] {
    let s = args.settings(requests_code);
    [
        args.fee_bps.to_string(),
        fee_recipient.to_string(),
        format!("Some({reputation})"),
        format!(
            "Settings {{ min_delivery_window: {}, min_review_window: {}, min_ruling_window: {}, \
             prune_after: {}, report_ref_time: {}, report_proof_size: {}, \
             report_deposit_limit: {}, requests_code: Some(0x{}) }}",
            s.min_delivery_window,
            s.min_review_window,
            s.min_ruling_window,
            s.prune_after,
            s.report_ref_time,
            s.report_proof_size,
            s.report_deposit_limit,
            hex::encode(requests_code)
        ),
    ]
}

/// `--dry-run`: both constructors dry-run, the escrow's with the address the reputation
/// contract would get; nothing is sent. Always an error: the report, or why it failed.
async fn dry_run_deploy(
    ctx: &Ctx,
    args: &DeployArgs,
    signer: &Keypair,
    fee_recipient: AccountId32,
    bundles: &Bundles,
    salt: &[u8],
) -> OpError {
    let origin = signer.account_id();
    let report = |call: &str, dry: &DryRun| DryRunReport {
        call: call.into(),
        signer: ctx.chain.ss58(&signer.public_key()),
        contract: None,
        args: Vec::new(),
        call_data: None,
        value: "0".into(),
        result: match &dry.result {
            Ok(v) => super::ink_to_json(v, ctx.chain.ss58_prefix()),
            Err(e) => serde_json::Value::String(format!("would fail: {e}")),
        },
        gas_required: Some(GasView {
            ref_time: dry.gas_required.ref_time,
            proof_size: dry.gas_required.proof_size,
        }),
        storage_deposit: dry.storage_deposit.limit().to_string(),
        fee_estimate: None,
        notes: dry
            .address
            .map(|a| vec![format!("address {}", ctx.chain.ss58(&a.0))])
            .unwrap_or_default(),
        then: Vec::new(),
        token: ctx.units().clone(),
    };
    let rep = match Contract::dry_run_deploy(
        &ctx.chain,
        &origin,
        &bundles.reputation,
        "new",
        &reputation_constructor_args(args),
        0,
        salt,
    )
    .await
    {
        Ok(dry) => dry,
        Err(e) => return OpError::Client(e),
    };
    let Some(reputation) = rep.address else {
        return OpError::Failed("the reputation dry run gave no address".into());
    };
    let esc = match Contract::dry_run_deploy(
        &ctx.chain,
        &origin,
        &bundles.escrow,
        "new",
        &escrow_constructor_args(
            args,
            &fee_recipient,
            &reputation,
            bundles.requests.code_hash,
        ),
        0,
        salt,
    )
    .await
    {
        Ok(dry) => dry,
        Err(e) => return OpError::Client(e),
    };
    let Some(escrow) = esc.address else {
        return OpError::Failed("the escrow dry run gave no address".into());
    };
    let req = match Contract::dry_run_deploy(
        &ctx.chain,
        &origin,
        &bundles.requests,
        "new",
        &requests_constructor_args(args, &escrow, &reputation),
        0,
        salt,
    )
    .await
    {
        Ok(dry) => dry,
        Err(e) => return OpError::Client(e),
    };
    let mut first = report("reputation.new", &rep);
    first.then.push(report("escrow.new", &esc));
    first.then.push(report("requests.new", &req));
    OpError::DryRun(Box::new(first))
}

/// [`deploy`] with bundles the caller loaded (and checked): `escrow bench` deploys exactly the
/// code whose size and build mode it reports.
pub async fn deploy_bundles(
    ctx: &mut Ctx,
    args: DeployArgs,
    bundles: &Bundles,
) -> OpResult<DeployResult> {
    check_args(&args)?;
    let signer = ctx.signer(Some("//Alice"))?;
    let fee_recipient = match &args.fee_recipient {
        Some(a) => ctx.account(a)?,
        None => signer.account_id(),
    };
    let mut salt = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut salt);

    if ctx.settings.dry_run || !ctx.settings.assume_yes {
        let checked = dry_run_deploy(ctx, &args, &signer, fee_recipient, bundles, &salt).await;
        match checked {
            OpError::DryRun(report) => {
                ctx.stop_before_sending(|| report)?;
            }
            failed => return Err(failed),
        }
    }
    ctx.note("instantiating reputation…");
    let rep = Contract::upload_and_instantiate(
        &ctx.chain,
        &signer,
        &bundles.reputation,
        "new",
        &reputation_constructor_args(&args),
        0,
        &salt,
    )
    .await;
    let (reputation, rep_outcome) = rep?;
    ctx.note(format!("reputation instantiated at {}", reputation.address));

    ctx.note("instantiating escrow…");
    let esc = Contract::upload_and_instantiate(
        &ctx.chain,
        &signer,
        &bundles.escrow,
        "new",
        &escrow_constructor_args(
            &args,
            &fee_recipient,
            &reputation.address,
            bundles.requests.code_hash,
        ),
        0,
        &salt,
    )
    .await;
    let (escrow, esc_outcome) = esc?;
    ctx.note(format!("escrow instantiated at {}", escrow.address));

    ctx.note("instantiating requests…");
    let req = Contract::upload_and_instantiate(
        &ctx.chain,
        &signer,
        &bundles.requests,
        "new",
        &requests_constructor_args(&args, &escrow.address, &reputation.address),
        0,
        &salt,
    )
    .await;
    let (requests, req_outcome) = req?;
    ctx.note(format!("requests instantiated at {}", requests.address));

    let path = ctx.settings.deployment_path();
    let genesis = genesis_hex(&ctx.chain);
    let mut file = DeploymentFile::load(&path)?;
    let deployment = Deployment {
        escrow: ctx.chain.ss58(&escrow.address.0),
        reputation: ctx.chain.ss58(&reputation.address.0),
        requests: Some(ctx.chain.ss58(&requests.address.0)),
        deployer: ctx.chain.ss58(&signer.public_key()),
        block: ctx.chain.best_block_number().await?,
    };
    file.deployments.insert(genesis.clone(), deployment);
    file.save(&path)?;

    let authorize = Reputation::new(ctx)
        .authorize(&signer, escrow.address.0)
        .await?;
    let config: Config = Escrow::new(ctx).config().await?;
    Ok(DeployResult {
        genesis,
        escrow: ctx.chain.ss58(&escrow.address.0),
        reputation: ctx.chain.ss58(&reputation.address.0),
        requests: ctx.chain.ss58(&requests.address.0),
        deployer: ctx.chain.ss58(&signer.public_key()),
        fee_bps: config.fee_bps,
        fee_recipient: ctx.chain.ss58(&config.fee_recipient),
        rating_window_ms: args.rating_window_ms,
        min_rated_amount: args.min_rated_amount.to_string(),
        settings: config.settings,
        award_window_ms: args.award_window_ms,
        deployment_file: path.display().to_string(),
        instantiate_fees: [rep_outcome, esc_outcome, req_outcome]
            .iter()
            .map(|o| o.fee_paid.map(|f| f.to_string()))
            .collect(),
        authorize,
    })
}

/// `escrow config`: the escrow's configuration, settings and counters.
pub async fn config(ctx: &mut Ctx) -> OpResult<ConfigView> {
    let c = ctx.contracts().await?;
    let config: Config = Escrow::new(ctx).config().await?;
    let rating_window_ms: u64 = Reputation::new(ctx).rating_window().await?;
    let min_rated_amount: u128 = Reputation::new(ctx).min_amount().await?;
    let requests = match &c.deployment.requests {
        Some(address) => Some(RequestsView {
            address: address.clone(),
            config: Requests::new(ctx).config().await?,
        }),
        None => None,
    };
    Ok(ConfigView {
        escrow: c.deployment.escrow,
        reputation_contract: c.deployment.reputation,
        config,
        rating_window_ms,
        min_rated_amount: min_rated_amount.to_string(),
        requests_contract: requests,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigView {
    pub escrow: String,
    pub reputation_contract: String,
    #[serde(flatten)]
    pub config: Config,
    /// The reputation contract's commit window, ms.
    pub rating_window_ms: u64,
    /// Smallest deal that counts for reputation, plancks.
    pub min_rated_amount: String,
    /// The requests contract; `None` for a deployment that predates it.
    pub requests_contract: Option<RequestsView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestsView {
    pub address: String,
    #[serde(flatten)]
    pub config: RequestsConfig,
}
