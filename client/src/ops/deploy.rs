//! `escrow deploy`: uploads the escrow and requests code, instantiates the reputation contract
//! for that escrow code, and creates the escrow through it (`create_escrow`), which in turn
//! instantiates its own requests contract. Only escrows the reputation contract created may
//! report deals, and only the requests contract an escrow created may open its deals.

use rand::RngCore;
use serde::Serialize;

use super::dry_run::DryRunReport;
use super::types::{Config, EscrowSettings, RequestsConfig, MAX_PLATFORM_FEE_BPS, MAX_WINDOW_MS};
use super::{
    genesis_hex, load_bundle, usage, CodeHashes, Ctx, Deployment, DeploymentFile, GasView,
    MetadataStore, OpError, OpResult, Origin, TxReport, Which,
};
use crate::api::{Escrow, Reputation, Requests};
use crate::contract::instantiated_by;
use crate::contract::{Contract, ContractBundle};
use crate::signer::Keypair;

/// Default most ref_time the escrow lets the reputation report use: generous, but bounded.
pub const DEFAULT_REPORT_REF_TIME: u64 = 20_000_000_000;
/// Default most proof_size the reputation report may use.
pub const DEFAULT_REPORT_PROOF_SIZE: u64 = 1_000_000;
/// Default award window of task requests: a week after their proposal deadline.
pub const DEFAULT_AWARD_WINDOW_MS: u64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct DeployArgs {
    pub fee_bps: u16,
    /// The reputation contract's fee floor, bps: no escrow it creates charges less, and that
    /// part of every fee goes to the reputation contract for good (what makes a record cost
    /// money to fake). At most `fee_bps`.
    pub fee_floor_bps: u16,
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
    /// The name to save the deployment under [default: its escrow's address, shortened].
    pub name: Option<String>,
}

impl DeployArgs {
    /// For tests, the demo and the bench: 1 ms minimum windows (so short windows pass), a 1%
    /// fee to `fee_recipient`, the default report limits, and every deal rated from 1 planck.
    pub fn short_minimums(fee_recipient: Option<String>, rating_window_ms: u64) -> DeployArgs {
        DeployArgs {
            fee_bps: 100,
            fee_floor_bps: 0,
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
            name: None,
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
            award_window: self.award_window_ms,
            // create_escrow sets it to the reputation contract's floor.
            fee_floor_bps: self.fee_floor_bps,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DeployResult {
    pub genesis: String,
    /// Its name in the deployment file; it is the deployment in use now.
    pub name: String,
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
    /// Plancks paid in fees for the code uploads (those not stored yet) and the reputation
    /// contract's instantiation.
    pub instantiate_fees: Vec<Option<String>>,
    /// The reputation contract's `create_escrow`, which instantiated the escrow and its
    /// requests contract.
    pub create_escrow: TxReport,
}

/// Bad arguments are refused before anything is loaded or sent.
fn check_args(args: &DeployArgs) -> OpResult<()> {
    if let Some(name) = &args.name {
        crate::session::deployment_file::check_name(name)?;
    }
    if args.fee_bps > MAX_PLATFORM_FEE_BPS {
        return Err(usage(format!(
            "--fee-bps must be at most {MAX_PLATFORM_FEE_BPS} (10%); it can only go down later"
        )));
    }
    if args.fee_floor_bps > args.fee_bps {
        return Err(usage(format!(
            "--fee-floor-bps ({}) must be at most --fee-bps ({}): the fee can never go below the floor",
            args.fee_floor_bps, args.fee_bps
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

fn reputation_constructor_args(args: &DeployArgs, escrow_code: [u8; 32]) -> [String; 4] {
    [
        args.rating_window_ms.to_string(),
        args.min_rated_amount.to_string(),
        format!("0x{}", hex::encode(escrow_code)),
        args.fee_floor_bps.to_string(),
    ]
}

/// `--dry-run`: the reputation constructor dry-runs; the escrow's creation can be dry-run only
/// once the reputation contract exists, so the report names it with what it will be given.
/// Nothing is sent. Always an error: the report, or why it failed.
async fn dry_run_deploy(
    ctx: &Ctx,
    args: &DeployArgs,
    signer: &Keypair,
    bundles: &Bundles,
    salt: &[u8],
) -> OpError {
    let dry = match Contract::dry_run_deploy(
        &ctx.chain,
        &signer.account_id(),
        &bundles.reputation,
        "new",
        &reputation_constructor_args(args, bundles.escrow.code_hash),
        0,
        salt,
    )
    .await
    {
        Ok(dry) => dry,
        Err(e) => return OpError::Client(e),
    };
    let mut notes = Vec::new();
    for bundle in [&bundles.escrow, &bundles.requests] {
        notes.push(format!(
            "first uploads the {} code, 0x{} ({} bytes), unless it is stored",
            bundle.name(),
            hex::encode(bundle.code_hash),
            bundle.wasm.len()
        ));
    }
    if let Some(address) = dry.address {
        notes.push(format!("address {}", ctx.chain.ss58(&address.0)));
    }
    notes.push(
        "then reputation.create_escrow instantiates the escrow and its requests contract \
         (dry-run before it is sent)"
            .into(),
    );
    OpError::DryRun(Box::new(DryRunReport {
        call: "reputation.new".into(),
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
        storage_deposit_limit: Some(
            crate::contract::deposit_limit_with_margin(dry.storage_deposit.limit()).to_string(),
        ),
        fee_estimate: None,
        notes,
        document: None,
        then: Vec::new(),
        token: ctx.units().clone(),
    }))
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
    if let Some(name) = &args.name {
        // A new escrow never takes over a name: refused before anything is sent.
        let file = DeploymentFile::load(&ctx.settings.deployment_path())?;
        if let Some(taken) = file.chain(&genesis_hex(&ctx.chain)).deployments.get(name) {
            return Err(crate::session::DeploymentError::NameTaken {
                name: name.clone(),
                escrow: taken.escrow.clone(),
            }
            .into());
        }
    }
    let mut salt = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut salt);

    if ctx.settings.dry_run || !ctx.settings.assume_yes {
        match dry_run_deploy(ctx, &args, &signer, bundles, &salt).await {
            OpError::DryRun(report) => {
                ctx.stop_before_sending(|| report)?;
            }
            failed => return Err(failed),
        }
    }
    let mut fees = Vec::new();
    for bundle in [&bundles.escrow, &bundles.requests] {
        ctx.note(format!("uploading the {} code…", bundle.name()));
        if let Some(uploaded) = Contract::upload_code(&ctx.chain, &signer, bundle).await? {
            fees.push(uploaded.fee_paid);
        }
    }
    ctx.note("instantiating reputation…");
    let (reputation, rep_outcome) = Contract::upload_and_instantiate(
        &ctx.chain,
        &signer,
        &bundles.reputation,
        "new",
        &reputation_constructor_args(&args, bundles.escrow.code_hash),
        0,
        &salt,
    )
    .await?;
    fees.push(rep_outcome.fee_paid);
    ctx.note(format!("reputation instantiated at {}", reputation.address));

    ctx.note("creating the escrow through it…");
    let created = crate::api::reputation::create_escrow(
        &ctx.chain,
        &reputation,
        &signer,
        args.fee_bps,
        fee_recipient.0,
        args.settings(bundles.requests.code_hash),
        salt,
    )
    .await?;
    let missing = |what: &str| OpError::Failed(format!("create_escrow instantiated no {what}"));
    let tx = &created.outcome.tx;
    let escrow = instantiated_by(tx, &reputation.address).ok_or_else(|| missing("escrow"))?;
    let requests = instantiated_by(tx, &escrow).ok_or_else(|| missing("requests contract"))?;
    ctx.note(format!(
        "escrow {escrow} and its requests contract {requests} instantiated"
    ));

    let path = ctx.settings.deployment_path();
    let genesis = genesis_hex(&ctx.chain);
    let mut code_hashes = CodeHashes::default();
    let store = MetadataStore::new(ctx.settings.metadata_dir());
    for (which, bundle) in [
        (Which::Escrow, &bundles.escrow),
        (Which::Reputation, &bundles.reputation),
        (Which::Requests, &bundles.requests),
    ] {
        code_hashes.set(which, bundle.code_hash);
        // Kept, so that a client built with other bundles still talks to this deployment.
        let mut metadata = bundle.metadata.clone();
        metadata.source.hash = bundle.code_hash.into();
        store.save(&metadata)?;
    }
    let deployment = Deployment {
        escrow: ctx.chain.ss58(&escrow.0),
        reputation: ctx.chain.ss58(&reputation.address.0),
        requests: Some(ctx.chain.ss58(&requests.0)),
        code_hashes,
        deployer: Some(ctx.chain.ss58(&signer.public_key())),
        block: ctx.chain.best_block_number().await?,
        origin: Origin::Deployed,
    };
    let name = DeploymentFile::update(&path, |file| {
        Ok(file.insert(&genesis, args.name.as_deref(), deployment)?)
    })?;

    let contracts = ctx.contracts().await?;
    let create_escrow = ctx.tx_report(
        &contracts,
        &signer,
        "create_escrow",
        created.gas_required,
        created.storage_deposit,
        None,
        &created.outcome,
    );
    let config: Config = Escrow::new(ctx).config().await?;
    Ok(DeployResult {
        genesis,
        name,
        escrow: ctx.chain.ss58(&escrow.0),
        reputation: ctx.chain.ss58(&reputation.address.0),
        requests: ctx.chain.ss58(&requests.0),
        deployer: ctx.chain.ss58(&signer.public_key()),
        fee_bps: config.fee_bps,
        fee_recipient: ctx.chain.ss58(&config.fee_recipient),
        rating_window_ms: args.rating_window_ms,
        min_rated_amount: args.min_rated_amount.to_string(),
        settings: config.settings,
        award_window_ms: args.award_window_ms,
        deployment_file: path.display().to_string(),
        instantiate_fees: fees.iter().map(|f| f.map(|f| f.to_string())).collect(),
        create_escrow,
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
