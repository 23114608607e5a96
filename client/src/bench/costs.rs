//! Cost per message: every escrow, reputation and requests message sent once for real through the same
//! library calls as the CLI, with the weight the extrinsic was charged, the dry run's gas, the
//! storage deposit and the fee; against two baselines on the same node: a
//! `Balances.transfer_keep_alive`, and the floor contract's `set` (the cheapest ink! call: one
//! storage write).

use rand::RngCore;
use serde::Serialize;

use crate::api::Escrow;
use crate::contract::{Contract, ContractBundle};
use crate::ops::offers::CreateOfferArgs;
use crate::ops::requests::{self as requests, CreateRequestArgs, ProposeArgs};
use crate::ops::{
    accounts, arbiters, deals, net_storage_deposit, offers, ratings, Ctx, OpError, OpResult,
    TxReport,
};
use crate::signer::Keypair;

// The demo's cast of dev accounts.
pub use crate::ops::demo::{ARBITER, BUYER, DEPLOYER as OWNER, FEE_RECIPIENT, SELLER};

/// One message's measured cost.
#[derive(Debug, Clone, Serialize)]
pub struct CostRow {
    pub contract: String,
    pub message: String,
    /// Weight charged for the whole extrinsic (`System::ExtrinsicSuccess`).
    pub ref_time: u64,
    pub proof_size: u64,
    /// Gas the dry run said the contract call needs (without the extrinsic's base weight).
    pub gas_ref_time: u64,
    pub gas_proof_size: u64,
    /// Net storage deposit the caller paid (negative: got back), plancks.
    pub storage_deposit: i128,
    /// Fee paid, plancks.
    pub fee: u128,
}

#[cfg(test)]
impl CostRow {
    /// A row for tests: the dry run asked for half of what was charged, the fee was 1 planck.
    pub(crate) fn sample(contract: &str, message: &str, ref_time: u64, proof_size: u64) -> CostRow {
        CostRow {
            contract: contract.into(),
            message: message.into(),
            ref_time,
            proof_size,
            gas_ref_time: ref_time / 2,
            gas_proof_size: proof_size / 2,
            storage_deposit: 0,
            fee: 1,
        }
    }
}

impl CostRow {
    fn from_tx(contract: &str, tx: &TxReport) -> CostRow {
        let weight = tx.weight.clone().unwrap_or(crate::ops::GasView {
            ref_time: 0,
            proof_size: 0,
        });
        CostRow {
            contract: contract.into(),
            message: tx.message.clone(),
            ref_time: weight.ref_time,
            proof_size: weight.proof_size,
            gas_ref_time: tx.gas_required.ref_time,
            gas_proof_size: tx.gas_required.proof_size,
            storage_deposit: tx.storage_deposit_paid.parse().unwrap_or(0),
            fee: tx
                .fee_paid
                .as_deref()
                .and_then(|f| f.parse().ok())
                .unwrap_or(0),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Costs {
    /// `Balances.transfer_keep_alive`.
    pub baseline: CostRow,
    /// The floor contract's `set`: one storage write.
    pub floor: CostRow,
    /// One row per message, in the order a deal meets them.
    pub messages: Vec<CostRow>,
    /// A whole deal: create offer, accept, deliver, release, two commits, two reveals.
    pub lifecycle: CostRow,
    pub lifecycle_steps: Vec<String>,
    /// Each message's own floor: the floor contract's `touch` doing as many storage reads and
    /// writes (`accesses`), in the order of `messages`; `None` for a message not counted.
    pub own_floors: Vec<Option<OwnFloor>>,
}

/// The floor of one message: `touch(reads - 1, writes - 1)`, root included in the counts.
#[derive(Debug, Clone, Serialize)]
pub struct OwnFloor {
    pub reads: u32,
    pub writes: u32,
    pub floor: CostRow,
}

/// Runs the scenario on a freshly deployed escrow, after deploying `floor` (the floor
/// contract's bundle) and calling it once. `on_row` sees each measurement.
pub async fn measure(
    ctx: &mut Ctx,
    floor: &ContractBundle,
    mut on_row: impl FnMut(&CostRow),
) -> OpResult<Costs> {
    // Baseline: a plain transfer.
    let alice = ctx.signer(Some(OWNER))?;
    let ferdie = ctx.account("//Ferdie")?;
    let transfer = ctx
        .chain
        .transfer_keep_alive(&alice, &ferdie, ctx.units().parse("1")?)
        .await?;
    let w = transfer.weight.unwrap_or_default();
    let baseline = CostRow {
        contract: "Balances".into(),
        message: "transfer_keep_alive".into(),
        ref_time: w.ref_time,
        proof_size: w.proof_size,
        gas_ref_time: 0,
        gas_proof_size: 0,
        storage_deposit: 0,
        fee: transfer.fee_paid.unwrap_or(0),
    };
    on_row(&baseline);
    let document = document_cost(ctx, &alice).await?;
    on_row(&document);
    let floor_contract = deploy_floor(ctx, &alice, floor).await?;
    let floor = measure_floor(ctx, &alice, &floor_contract, "set", &[]).await?;
    on_row(&floor);

    let mut rows: Vec<CostRow> = vec![document];
    let mut lifecycle: Vec<CostRow> = Vec::new();
    let mut record = |rows: &mut Vec<CostRow>, contract: &str, tx: &TxReport| {
        let row = CostRow::from_tx(contract, tx);
        on_row(&row);
        rows.push(row.clone());
        row
    };

    let as_ = |ctx: &mut Ctx, who: &str| ctx.settings.as_account = Some(who.to_string());
    let offer_args = |windows: [&str; 3]| CreateOfferArgs {
        title: "Benchmark lens".into(),
        description: "50mm f/2, measured".into(),
        price: "10".into(),
        quantity: 20,
        arbiter: ARBITER.into(),
        delivery_window: windows[0].into(),
        review_window: windows[1].into(),
        ruling_window: windows[2].into(),
        bond_per_unit: "1".into(),
        screening: Default::default(),
        milestones: Vec::new(),
    };
    let tx = |r: Option<TxReport>| r.expect("write operations report their transaction");

    // The arbiter registers first: offers may only name a registered one.
    as_(ctx, ARBITER);
    let registered = arbiters::register(
        ctx,
        arbiters::RegisterArgs {
            fee_bps: 500,
            min_amount: Some("1".into()),
            profile: Some("benchmark arbiter".into()),
        },
    )
    .await?;
    record(&mut rows, "escrow", &tx(registered.tx));

    // A completed, rated deal: the lifecycle.
    as_(ctx, SELLER);
    let offer = offers::create(ctx, offer_args(["3d", "2d", "1d"])).await?;
    let offer_id = offer.offer.id;
    lifecycle.push(record(&mut rows, "escrow", &tx(offer.tx)));
    let updated = offers::update(ctx, offer_id, Some("12".into()), None).await?;
    record(&mut rows, "escrow", &tx(updated.tx));
    as_(ctx, BUYER);
    let accepted = deals::accept(ctx, offer_id, 1, None).await?;
    let deal = accepted.deal.id;
    lifecycle.push(record(&mut rows, "escrow", &tx(accepted.tx)));
    as_(ctx, SELLER);
    lifecycle.push(record(
        &mut rows,
        "escrow",
        &tx(deals::deliver(ctx, deal, None, None).await?.tx),
    ));
    as_(ctx, BUYER);
    // `release` of everything, the message the lifecycle has always measured (`deal
    // release` without flags sends `release_milestone`, measured below).
    let everything = Some(ctx.units().format(accepted.deal.amount));
    lifecycle.push(record(
        &mut rows,
        "escrow",
        &tx(deals::release(ctx, deal, everything, None).await?.tx),
    ));
    lifecycle.push(record(
        &mut rows,
        "reputation",
        &ratings::commit(ctx, deal, 5, None).await?.tx,
    ));
    as_(ctx, SELLER);
    lifecycle.push(CostRow::from_tx(
        "reputation",
        &ratings::commit(ctx, deal, 4, None).await?.tx,
    ));
    as_(ctx, BUYER);
    lifecycle.push(record(
        &mut rows,
        "reputation",
        &ratings::reveal(ctx, deal).await?.tx,
    ));
    as_(ctx, SELLER);
    lifecycle.push(CostRow::from_tx(
        "reputation",
        &ratings::reveal(ctx, deal).await?.tx,
    ));

    // A deal paid in two milestones: paying the first starts the second.
    as_(ctx, SELLER);
    let staged = offers::create(
        ctx,
        CreateOfferArgs {
            milestones: vec!["4:1d".into(), "6:2d".into()],
            ..offer_args(["3d", "2d", "1d"])
        },
    )
    .await?;
    as_(ctx, BUYER);
    let staged_deal = deals::accept(ctx, staged.offer.id, 1, None).await?.deal.id;
    as_(ctx, SELLER);
    deals::deliver(ctx, staged_deal, None, None).await?;
    as_(ctx, BUYER);
    record(
        &mut rows,
        "escrow",
        &tx(deals::release(ctx, staged_deal, None, Some(1)).await?.tx),
    );

    // A settlement, a ruled dispute, a refund.
    as_(ctx, BUYER);
    let settled = deals::accept(ctx, offer_id, 1, None).await?.deal.id;
    record(
        &mut rows,
        "escrow",
        &tx(deals::propose(ctx, settled, "50%").await?.tx),
    );
    as_(ctx, SELLER);
    record(
        &mut rows,
        "escrow",
        &tx(deals::accept_settlement(ctx, settled, None, None).await?.tx),
    );
    as_(ctx, BUYER);
    let disputed = deals::accept(ctx, offer_id, 1, None).await?.deal.id;
    record(
        &mut rows,
        "escrow",
        &tx(deals::dispute(ctx, disputed, None).await?.tx),
    );
    as_(ctx, ARBITER);
    record(
        &mut rows,
        "escrow",
        &tx(deals::rule(ctx, disputed, "70%", None, None).await?.tx),
    );
    record(&mut rows, "escrow", &tx(arbiters::retire(ctx).await?.tx));
    // Back on duty: the throughput and search runs name //Dave too.
    arbiters::register(
        ctx,
        arbiters::RegisterArgs {
            fee_bps: 500,
            min_amount: Some("1".into()),
            profile: Some("benchmark arbiter".into()),
        },
    )
    .await?;
    as_(ctx, BUYER);
    let refunded = deals::accept(ctx, offer_id, 1, None).await?.deal.id;
    as_(ctx, SELLER);
    record(
        &mut rows,
        "escrow",
        &tx(deals::refund(ctx, refunded).await?.tx),
    );

    // Task requests: posted, proposed for, one proposal withdrawn, awarded; one cancelled.
    // Two more wait for their deadlines: an auto-award once proposals close, a close once
    // the award window (`AWARD_WINDOW_MS`) passed.
    let request_args = |proposal_window: &str, auto_award: bool| CreateRequestArgs {
        title: "Benchmark task".into(),
        description: "translate 500 words".into(),
        budget: "20".into(),
        proposal_window: proposal_window.into(),
        delivery_window: "3d".into(),
        review_window: "2d".into(),
        ruling_window: "1d".into(),
        arbiters: vec![ARBITER.into()],
        auto_award,
        ..CreateRequestArgs::default()
    };
    let propose_args = |request_id: u64| ProposeArgs {
        request_id,
        price: "15".into(),
        message: Some("benchmark proposal".into()),
        ..ProposeArgs::default()
    };
    as_(ctx, BUYER);
    let posted = requests::create(ctx, request_args("1d", false)).await?;
    let request = posted.request.id;
    record(&mut rows, "requests", &tx(posted.tx));
    as_(ctx, SELLER);
    record(
        &mut rows,
        "requests",
        &requests::propose(ctx, propose_args(request)).await?.tx,
    );
    as_(ctx, FEE_RECIPIENT);
    requests::propose(ctx, propose_args(request)).await?;
    record(
        &mut rows,
        "requests",
        &requests::withdraw(ctx, request).await?.tx,
    );
    as_(ctx, BUYER);
    record(
        &mut rows,
        "requests",
        &tx(requests::award(ctx, request, Some(0)).await?.tx),
    );
    let cancelled = requests::create(ctx, request_args("1d", false)).await?;
    record(
        &mut rows,
        "requests",
        &tx(requests::cancel(ctx, cancelled.request.id).await?.tx),
    );
    let auto = requests::create(ctx, request_args("3s", true))
        .await?
        .request
        .id;
    let closing = requests::create(ctx, request_args("3s", false))
        .await?
        .request
        .id;
    as_(ctx, SELLER);
    requests::propose(ctx, propose_args(auto)).await?;

    // Deadlines: a missed delivery (reclaim) and a review window that ran out (finalize).
    let short = offers::create(ctx, offer_args(["3s", "3s", "3s"]))
        .await?
        .offer
        .id;
    as_(ctx, BUYER);
    let missed = deals::accept(ctx, short, 1, None).await?.deal.id;
    let reviewed = deals::accept(ctx, short, 1, None).await?.deal.id;
    as_(ctx, SELLER);
    deals::deliver(ctx, reviewed, None, None).await?;
    tokio::time::sleep(std::time::Duration::from_millis(3_500)).await;
    as_(ctx, BUYER);
    record(
        &mut rows,
        "escrow",
        &tx(deals::reclaim(ctx, missed).await?.tx),
    );
    record(
        &mut rows,
        "escrow",
        &tx(deals::finalize(ctx, reviewed).await?.tx),
    );
    as_(ctx, FEE_RECIPIENT);
    record(
        &mut rows,
        "requests",
        &tx(requests::award(ctx, auto, None).await?.tx),
    );

    // Pruning the rated deal once its rating period (the escrow's `prune_after`) is over.
    as_(ctx, BUYER);
    let config: crate::ops::types::Config = Escrow::new(ctx).config().await?;
    let closed_at = deals::get_deal(ctx, deal).await?.closed_at;
    let prunable_at = closed_at.saturating_add(config.settings.prune_after);
    let wait = prunable_at.saturating_sub(crate::ops::now_ms());
    tokio::time::sleep(std::time::Duration::from_millis(wait + 500)).await;
    record(&mut rows, "escrow", &tx(deals::prune(ctx, deal).await?.tx));
    // Long past the closing request's award deadline (3 s + the award window).
    record(
        &mut rows,
        "requests",
        &tx(requests::close(ctx, closing).await?.tx),
    );

    // Closing the offer, collecting fees, administration.
    as_(ctx, SELLER);
    record(
        &mut rows,
        "escrow",
        &tx(offers::withdraw(ctx, offer_id).await?.tx),
    );
    as_(ctx, FEE_RECIPIENT);
    record(&mut rows, "escrow", &accounts::withdraw(ctx).await?.tx);
    as_(ctx, OWNER);
    let eve = ctx.account(FEE_RECIPIENT)?.0;
    let me = alice.account_id().0;
    record(
        &mut rows,
        "escrow",
        &Escrow::new(ctx).set_fee(&alice, 100).await?,
    );
    record(
        &mut rows,
        "escrow",
        &Escrow::new(ctx).set_fee_recipient(&alice, eve).await?,
    );
    record(
        &mut rows,
        "escrow",
        &Escrow::new(ctx).transfer_ownership(&alice, me).await?,
    );

    let total = lifecycle.iter().fold(
        CostRow {
            contract: "escrow + reputation".into(),
            message: "whole deal".into(),
            ref_time: 0,
            proof_size: 0,
            gas_ref_time: 0,
            gas_proof_size: 0,
            storage_deposit: 0,
            fee: 0,
        },
        |mut t, r| {
            t.ref_time = t.ref_time.saturating_add(r.ref_time);
            t.proof_size = t.proof_size.saturating_add(r.proof_size);
            t.gas_ref_time = t.gas_ref_time.saturating_add(r.gas_ref_time);
            t.gas_proof_size = t.gas_proof_size.saturating_add(r.gas_proof_size);
            t.storage_deposit = t.storage_deposit.saturating_add(r.storage_deposit);
            t.fee = t.fee.saturating_add(r.fee);
            t
        },
    );
    let own_floors = measure_own_floors(ctx, &alice, &floor_contract, &rows).await?;
    Ok(Costs {
        baseline,
        floor,
        messages: rows,
        lifecycle_steps: lifecycle.iter().map(|r| r.message.clone()).collect(),
        lifecycle: total,
        own_floors,
    })
}

/// Sends the floor contract's `touch` once per distinct count of reads and writes among `rows`
/// (after one call that creates every cell, so each measured write overwrites, and the deposit
/// of the cells is not part of a floor).
async fn measure_own_floors(
    ctx: &Ctx,
    signer: &Keypair,
    floor: &Contract,
    rows: &[CostRow],
) -> OpResult<Vec<Option<OwnFloor>>> {
    let counts: Vec<Option<(u32, u32)>> = rows
        .iter()
        .map(|r| super::accesses::accesses(&r.contract, &r.message))
        .collect();
    let most_writes = counts.iter().flatten().map(|c| c.1).max().unwrap_or(1);
    let arg = |reads: u32, writes: u32| {
        vec![
            reads.saturating_sub(1).to_string(),
            writes.saturating_sub(1).to_string(),
        ]
    };
    measure_floor(ctx, signer, floor, "touch", &arg(1, most_writes)).await?;
    let mut measured: Vec<((u32, u32), CostRow)> = Vec::new();
    let mut floors = Vec::with_capacity(rows.len());
    for count in counts {
        let Some((reads, writes)) = count else {
            floors.push(None);
            continue;
        };
        let row = match measured.iter().find(|(c, _)| *c == (reads, writes)) {
            Some((_, row)) => row.clone(),
            None => {
                let row = measure_floor(ctx, signer, floor, "touch", &arg(reads, writes)).await?;
                measured.push(((reads, writes), row.clone()));
                row
            }
        };
        floors.push(Some(OwnFloor {
            reads,
            writes,
            floor: row,
        }));
    }
    Ok(floors)
}

/// What publishing a 1 KiB document beside a call adds to it: `System.remark_with_event`
/// of 1,024 bytes on its own, its weight and its fee (the length fee is most of it). The
/// remark keeps the bytes in the block body: no storage, no deposit.
async fn document_cost(ctx: &mut Ctx, signer: &Keypair) -> OpResult<CostRow> {
    let words = crate::documents::Document::new(&"w".repeat(1024), &[])
        .map_err(|e| OpError::Failed(e.to_string()))?;
    let (pallet, call) = crate::documents::REMARK_PALLET;
    let remark = subxt::dynamic::tx(pallet, call, (words.bytes().to_vec(),));
    let sent = ctx.chain.submit(signer, &remark, None).await?;
    let w = sent.weight.unwrap_or_default();
    Ok(CostRow {
        contract: pallet.into(),
        message: format!("{call} (1 KiB document)"),
        ref_time: w.ref_time,
        proof_size: w.proof_size,
        gas_ref_time: 0,
        gas_proof_size: 0,
        storage_deposit: 0,
        fee: sent.fee_paid.unwrap_or(0),
    })
}

/// The bench deployment's award window: the auto-award (3 s after posting) falls inside it,
/// and the prune wait (twice the rating window) outlasts it, so the close follows it.
pub const AWARD_WINDOW_MS: u64 = 10_000;

/// The bench deployment's rating window: long enough for both parties to commit and reveal
/// right after a deal ends, short enough to prune that deal (after twice this) in the run.
pub const RATING_WINDOW_MS: u64 = 15_000;

/// Deploys the floor contract (its instantiation is not measured).
async fn deploy_floor(ctx: &Ctx, signer: &Keypair, bundle: &ContractBundle) -> OpResult<Contract> {
    let mut salt = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut salt);
    let (floor, _) =
        Contract::upload_and_instantiate(&ctx.chain, signer, bundle, "new", &[], 0, &salt).await?;
    Ok(floor)
}

/// Sends the floor contract's `message` once (`set(1)` without `args`), the way the CLI sends
/// any write: dry run, then the call with the dry run's gas.
async fn measure_floor(
    ctx: &Ctx,
    signer: &Keypair,
    floor: &Contract,
    message: &str,
    args: &[String],
) -> OpResult<CostRow> {
    let input = if args.is_empty() {
        floor.codec.encode_typed(message, &1u32)?
    } else {
        floor.codec.encode(message, args)?
    };
    let prepared = floor
        .prepare_call(&ctx.chain, signer, message, input, 0)
        .await?;
    let gas = prepared.gas_required;
    let outcome = floor.submit_prepared(&ctx.chain, signer, prepared).await?;
    // Every row is divided by this one: no weight must not pass as zero.
    let weight = outcome.weight.ok_or_else(|| {
        OpError::Failed(format!(
            "floor.{message}: the node reported no System::ExtrinsicSuccess weight"
        ))
    })?;
    Ok(CostRow {
        contract: "floor".into(),
        message: if args.is_empty() {
            message.into()
        } else {
            format!("{message}({})", args.join(", "))
        },
        ref_time: weight.ref_time,
        proof_size: weight.proof_size,
        gas_ref_time: gas.ref_time,
        gas_proof_size: gas.proof_size,
        storage_deposit: net_storage_deposit(&outcome.tx, &signer.account_id()),
        fee: outcome.fee_paid.unwrap_or(0),
    })
}
