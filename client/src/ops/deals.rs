//! `escrow deal …`: accept, deliver, release, finalize, reclaim, refund, propose,
//! accept-settlement, dispute, rule, prune, retry-report: deals as the contract takes them.
//! `deal show|list` read the event store: [`super::stored_deals`].

use serde::Serialize;

use super::offers::get_offer;
use super::types::{Config, Deal, DealState, Party};
use super::{now_ms, parse_bps, usage, Ctx, OpResult, TxReport};
use crate::api::Escrow;
use crate::documents::Citation;

#[derive(Debug, Clone, Serialize)]
pub struct DealResult {
    pub deal: Deal,
    pub remaining: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx: Option<TxReport>,
}

/// A deadline of an open deal and what happens there.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineView {
    pub name: String,
    /// Block timestamp in ms.
    pub at: u64,
    pub passed: bool,
    /// What a party may do before it.
    pub before: String,
    /// What anyone may do from it on.
    pub after: String,
}

pub async fn get_deal(ctx: &mut Ctx, id: u64) -> OpResult<Deal> {
    let deal = Escrow::new(ctx).deal(id).await?;
    deal.ok_or_else(|| usage(format!("unknown deal {id}")))
}

async fn result(ctx: &mut Ctx, id: u64, tx: Option<TxReport>) -> OpResult<DealResult> {
    let deal = get_deal(ctx, id).await?;
    Ok(DealResult {
        remaining: deal.remaining().to_string(),
        deal,
        tx,
    })
}

/// A party's (or anyone's) step on an open deal.
enum DealCall {
    MarkDelivered(Option<Citation>),
    Release(u128),
    ReleaseMilestone(u8),
    Refund,
    ProposeSplit(u16),
    /// Basis points, and the 0-based milestone the split settles.
    AcceptSplit(u16, u8),
    OpenDispute(Option<Citation>),
    SubmitEvidence(Citation),
    Rule(u16, bool, Option<Citation>),
    Finalize,
    Reclaim,
    RetryReport,
}

/// Checks the deal exists, then sends `call` to the escrow.
async fn deal_call(ctx: &mut Ctx, id: u64, call: DealCall) -> OpResult<DealResult> {
    let signer = ctx.signer(None)?;
    get_deal(ctx, id).await?;
    let s = &signer;
    let mut escrow = Escrow::new(ctx);
    let tx = match call {
        DealCall::MarkDelivered(note) => escrow.mark_delivered(s, id, note.as_ref()).await?,
        DealCall::Release(amount) => escrow.release(s, id, amount).await?,
        DealCall::ReleaseMilestone(step) => escrow.release_milestone(s, id, step).await?,
        DealCall::Refund => escrow.refund(s, id).await?,
        DealCall::ProposeSplit(bps) => escrow.propose_split(s, id, bps).await?,
        DealCall::AcceptSplit(bps, step) => escrow.accept_split(s, id, bps, step).await?,
        DealCall::OpenDispute(statement) => escrow.open_dispute(s, id, statement.as_ref()).await?,
        DealCall::SubmitEvidence(evidence) => escrow.submit_evidence(s, id, &evidence).await?,
        DealCall::Rule(bps, fault, reasons) => {
            escrow.rule(s, id, bps, fault, reasons.as_ref()).await?
        }
        DealCall::Finalize => escrow.finalize(s, id).await?,
        DealCall::Reclaim => escrow.reclaim(s, id).await?,
        DealCall::RetryReport => escrow.retry_report(s, id).await?,
    };
    result(ctx, id, Some(tx)).await
}

/// Buys `quantity` units of offer `offer_id` at `version` (default: the current one).
pub async fn accept(
    ctx: &mut Ctx,
    offer_id: u64,
    quantity: u32,
    version: Option<u32>,
) -> OpResult<DealResult> {
    let signer = ctx.signer(None)?;
    if quantity == 0 {
        return Err(usage("--quantity must be at least 1"));
    }
    let offer = get_offer(ctx, offer_id).await?;
    let version = version.unwrap_or(offer.version);
    let value = offer
        .terms
        .price
        .checked_mul(u128::from(quantity))
        .ok_or_else(|| usage("price × quantity does not fit"))?;
    let (id, tx) = Escrow::new(ctx)
        .accept_offer(&signer, offer_id, quantity, version, value)
        .await?;
    result(ctx, id, Some(tx)).await
}

/// Marks the current milestone delivered; `milestone` (1-based), when given, must be it.
/// `note` says what was delivered (see [`cite`]).
pub async fn deliver(
    ctx: &mut Ctx,
    id: u64,
    milestone: Option<u8>,
    note: Option<&Words>,
) -> OpResult<DealResult> {
    let note = cite(note)?;
    if let Some(n) = milestone {
        current_milestone(&get_deal(ctx, id).await?, n)?;
    }
    deal_call(ctx, id, DealCall::MarkDelivered(note)).await
}

/// Pays the seller: `amount` of the current milestone, or all of it (for a deal without
/// milestones, everything). `milestone` (1-based), when given, must be the current one, so
/// a repeated command cannot pay the next milestone.
pub async fn release(
    ctx: &mut Ctx,
    id: u64,
    amount: Option<String>,
    milestone: Option<u8>,
) -> OpResult<DealResult> {
    let amount = amount.map(|a| ctx.units().parse(&a)).transpose()?;
    if amount == Some(0) {
        return Err(usage("--amount must be above zero"));
    }
    let deal = get_deal(ctx, id).await?;
    let step = match milestone {
        Some(n) => current_milestone(&deal, n)?,
        None => deal.milestone,
    };
    let Some(amount) = amount else {
        return deal_call(ctx, id, DealCall::ReleaseMilestone(step)).await;
    };
    if deal.milestone_count() > 1 {
        return Err(usage(format!(
            "deal {id} is paid in milestones: release the current one whole (`deal release \
             {id}`, or `--milestone N`), not an --amount"
        )));
    }
    if amount > deal.at_stake() && !deal.state.is_final() {
        return Err(usage(format!(
            "--amount {} is more than milestone {} of deal {id} still holds ({})",
            ctx.units().format(amount),
            deal.milestone + 1,
            ctx.units().format(deal.at_stake())
        )));
    }
    deal_call(ctx, id, DealCall::Release(amount)).await
}

/// The 0-based index of milestone `n` (1-based, as typed) when it is the deal's current one.
fn current_milestone(deal: &Deal, n: u8) -> OpResult<u8> {
    let count = deal.milestone_count();
    if n == 0 || usize::from(n) > count {
        return Err(usage(format!(
            "deal {} has {count} milestone(s): --milestone takes 1 to {count}",
            deal.id
        )));
    }
    if n != deal.milestone + 1 {
        return Err(usage(format!(
            "deal {} is at milestone {} of {count}, not {n}",
            deal.id,
            deal.milestone + 1
        )));
    }
    Ok(n - 1)
}

pub async fn finalize(ctx: &mut Ctx, id: u64) -> OpResult<DealResult> {
    let deal = get_deal(ctx, id).await?;
    let deadline = match deal.state {
        DealState::Delivered => deal.review_deadline(),
        DealState::Disputed => deal.ruling_deadline(),
        _ => None,
    };
    advance_clock_past(ctx, deadline).await?;
    deal_call(ctx, id, DealCall::Finalize).await
}

pub async fn reclaim(ctx: &mut Ctx, id: u64) -> OpResult<DealResult> {
    let deal = get_deal(ctx, id).await?;
    let deadline = (deal.state == DealState::Funded).then_some(deal.delivery_deadline);
    advance_clock_past(ctx, deadline).await?;
    deal_call(ctx, id, DealCall::Reclaim).await
}

/// The dev chain seals a block only for a transaction, and contracts see the last block's
/// timestamp: when a deadline has passed by the wall clock but not yet on chain, a
/// `System.remark` from the signer makes the block that moves the chain's clock past it.
pub(super) async fn advance_clock_past(ctx: &mut Ctx, deadline: Option<u64>) -> OpResult<()> {
    let Some(deadline) = deadline else {
        return Ok(());
    };
    let chain_now = ctx.chain.best_timestamp().await?;
    if chain_now >= deadline || now_ms() < deadline {
        return Ok(());
    }
    if ctx.settings.dry_run || !ctx.chain.is_development() {
        // Off Development blocks come anyway. Under --dry-run the dry run below still sees
        // the old clock and may answer TooEarly.
        ctx.note("the deadline passed but no block since: a real run sends a remark first");
        return Ok(());
    }
    let signer = ctx.signer(None)?;
    ctx.note(
        "the deadline passed but no block since: sending a remark to advance the chain's clock",
    );
    let remark = subxt::dynamic::tx(
        "System",
        "remark",
        vec![subxt::dynamic::Value::from_bytes(
            b"escrow: advance the clock",
        )],
    );
    ctx.chain.submit(&signer, &remark, None).await?;
    Ok(())
}

pub async fn refund(ctx: &mut Ctx, id: u64) -> OpResult<DealResult> {
    deal_call(ctx, id, DealCall::Refund).await
}

pub async fn propose(ctx: &mut Ctx, id: u64, seller_share: &str) -> OpResult<DealResult> {
    let bps = parse_bps(seller_share)?;
    deal_call(ctx, id, DealCall::ProposeSplit(bps)).await
}

/// Accepts the split on record (or checks it equals `seller_share`).
pub async fn accept_settlement(
    ctx: &mut Ctx,
    id: u64,
    seller_share: Option<&str>,
    milestone: Option<u8>,
) -> OpResult<DealResult> {
    let deal = get_deal(ctx, id).await?;
    let step = match milestone {
        Some(n) => current_milestone(&deal, n)?,
        None => deal.milestone,
    };
    let bps = match seller_share {
        Some(s) => parse_bps(s)?,
        None => deal
            .proposal()
            .map(|(_, bps)| bps)
            .ok_or_else(|| usage(format!("deal {id} has no split proposal to accept")))?,
    };
    deal_call(ctx, id, DealCall::AcceptSplit(bps, step)).await
}

/// Opens a dispute with the opener's `statement` (see [`cite`]).
pub async fn dispute(ctx: &mut Ctx, id: u64, statement: Option<&Words>) -> OpResult<DealResult> {
    let statement = cite(statement)?;
    deal_call(ctx, id, DealCall::OpenDispute(statement)).await
}

/// The buyer, the seller or the arbiter of a disputed deal, before the ruling deadline:
/// cites `evidence` (see [`cite`]).
pub async fn add_evidence(ctx: &mut Ctx, id: u64, evidence: &Words) -> OpResult<DealResult> {
    let evidence = cite(Some(evidence))?.expect("cited");
    deal_call(ctx, id, DealCall::SubmitEvidence(evidence)).await
}

/// What a user wrote for a call to cite: text to publish on chain with its links, or the
/// 0x-hash of a document kept elsewhere.
#[derive(Debug, Clone, Default)]
pub struct Words {
    pub text: String,
    pub links: Vec<String>,
}

/// The citation of `words`; a document that cannot be published is a usage error, before
/// anything is sent.
fn cite(words: Option<&Words>) -> OpResult<Option<Citation>> {
    words
        .map(|w| Citation::parse(&w.text, &w.links).map_err(|e| usage(e.to_string())))
        .transpose()
}

/// Arbiter: rules `seller_share` of what the step holds for the seller. `seller_at_fault`
/// decides the bond apart from the split; `None` finds fault when the seller gets less than
/// half, the contract's old rule and what "ruled against" means in the record.
pub async fn rule(
    ctx: &mut Ctx,
    id: u64,
    seller_share: &str,
    seller_at_fault: Option<bool>,
    reasons: Option<&Words>,
) -> OpResult<DealResult> {
    let bps = parse_bps(seller_share)?;
    let reasons = cite(reasons)?;
    let fault = seller_at_fault.unwrap_or(bps < EVEN_SPLIT_BPS);
    deal_call(ctx, id, DealCall::Rule(bps, fault, reasons)).await
}

/// Half, in bps: a ruling below it finds the seller at fault unless told otherwise.
const EVEN_SPLIT_BPS: u16 = 5_000;

/// Buyer: once the deal has ended and the escrow's `prune_after` has passed, removes it from
/// storage, which returns the storage deposit the buyer paid at acceptance. The result is the
/// deal as it was before pruning.
pub async fn prune(ctx: &mut Ctx, id: u64) -> OpResult<DealResult> {
    let signer = ctx.signer(None)?;
    let deal = get_deal(ctx, id).await?;
    if let Some(at) = prunable_at(ctx, &deal).await? {
        advance_clock_past(ctx, Some(at)).await?;
    }
    let tx = Escrow::new(ctx).prune_deal(&signer, id).await?;
    Ok(DealResult {
        remaining: deal.remaining().to_string(),
        deal,
        tx: Some(tx),
    })
}

/// When an ended deal may be pruned (`closed_at + prune_after`); `None` while it is open.
async fn prunable_at(ctx: &mut Ctx, deal: &Deal) -> OpResult<Option<u64>> {
    let Some(closed) = deal.closed_at() else {
        return Ok(None);
    };
    let config = Escrow::new(ctx).config().await?;
    Ok(Some(closed.saturating_add(config.settings.prune_after)))
}

/// Anyone: sends an ended deal's pending reputation report again.
pub async fn retry_report(ctx: &mut Ctx, id: u64) -> OpResult<DealResult> {
    deal_call(ctx, id, DealCall::RetryReport).await
}

pub fn deadlines(deal: &Deal, now: u64) -> Vec<DeadlineView> {
    let mut out = Vec::new();
    let mut push = |name: &str, at: u64, before: &str, after: &str| {
        out.push(DeadlineView {
            name: name.into(),
            at,
            passed: now >= at,
            before: before.into(),
            after: after.into(),
        })
    };
    match deal.state {
        DealState::Funded => push(
            "delivery",
            deal.delivery_deadline,
            "the seller marks the deal delivered (deal deliver); buyer or seller may open a dispute; the buyer may release, the seller refund",
            "anyone may reclaim (deal reclaim): the buyer gets back everything not yet paid plus the seller's bond",
        ),
        DealState::Delivered => {
            if let Some(at) = deal.review_deadline() {
                push(
                    "review",
                    at,
                    "the buyer reviews: release (deal release) or open a dispute (deal dispute); the seller may refund",
                    if deal.on_last_milestone() {
                        "anyone may finalize (deal finalize): the seller gets everything left, minus the platform fee"
                    } else {
                        "anyone may finalize (deal finalize): the seller gets this milestone, minus the platform fee, and the next milestone starts"
                    },
                )
            }
        }
        DealState::Disputed => {
            if let Some(at) = deal.ruling_deadline() {
                push(
                    "ruling",
                    at,
                    "the arbiter rules a split (deal rule); the parties may still settle or the seller refund",
                    if deal.delivered() {
                        "anyone may finalize (deal finalize): even split, no arbiter fee, the bond returns to the seller"
                    } else {
                        "anyone may finalize (deal finalize): disputed before delivery, so the buyer gets everything back plus the seller's bond; no arbiter fee"
                    },
                )
            }
        }
        _ => {}
    }
    out
}

/// The deal's deadlines now; for an ended deal, when its buyer may prune it.
pub async fn deadlines_now(ctx: &mut Ctx, deal: &Deal, now: u64) -> OpResult<Vec<DeadlineView>> {
    let mut out = deadlines(deal, now);
    if deal.state.is_final() {
        let settings = ctx.escrow_settings().await?;
        out.extend(prune_deadline(deal, settings.prune_after));
    }
    Ok(out)
}

/// The deadline after which the buyer may prune an ended deal (`prune_after` of the escrow's
/// settings after it ended).
pub fn prune_deadline(deal: &Deal, prune_after: u64) -> Option<DeadlineView> {
    let closed = deal.closed_at()?;
    let at = closed.saturating_add(prune_after);
    Some(DeadlineView {
        name: "prune".into(),
        at,
        passed: now_ms() >= at,
        before: "the parties rate each other (rate commit, rate reveal)".into(),
        after: "the buyer may prune the deal (deal prune) and get its storage deposit back".into(),
    })
}

/// Every deal the escrow still stores, read in pages of [`super::types::MAX_PAGE`].
pub async fn all_deals(ctx: &mut Ctx) -> OpResult<Vec<Deal>> {
    let config: Config = Escrow::new(ctx).config().await?;
    let page_size = u64::from(super::types::MAX_PAGE);
    let mut deals = Vec::new();
    let mut from = 0u64;
    while from < config.deal_count {
        let page: Vec<Deal> = Escrow::new(ctx).deals(from, super::types::MAX_PAGE).await?;
        deals.extend(page);
        // A page covers `page_size` ids, fewer deals when some were pruned.
        from += page_size;
    }
    Ok(deals)
}

/// Who a party of a deal is, for display.
pub fn party_label(deal: &Deal, party: Party) -> String {
    match deal.party_account(party) {
        Some(a) => format!("{} {a}", party.name()),
        None => party.name().to_string(),
    }
}

// The fixtures are the store's synthetic deals.
#[cfg(all(test, feature = "store"))]
mod tests {
    use super::*;
    use crate::store::synthetic;
    use crate::types::Milestone;

    /// A delivered deal of two 250-planck milestones, at `milestone`.
    fn staged(milestone: u8) -> Deal {
        let step = Milestone {
            amount: 250,
            delivery_window: 1_000,
        };
        Deal {
            milestones: vec![step; 2],
            milestone,
            delivered_at: 5,
            review_deadline: 10,
            ..synthetic::deal(0, 0, [3; 32], DealState::Delivered)
        }
    }

    #[test]
    fn the_review_deadline_of_a_milestone_before_the_last_says_the_next_one_starts() {
        let first = deadlines(&staged(0), 0);
        assert!(
            first[0].after.contains("the next milestone starts"),
            "{first:?}"
        );
        let last = deadlines(&staged(1), 0);
        assert!(last[0].after.contains("everything left"), "{last:?}");
        let plain = deadlines(&synthetic::deal(0, 0, [3; 32], DealState::Funded), 0);
        assert!(
            plain[0].after.contains("everything not yet paid"),
            "{plain:?}"
        );
    }

    #[test]
    fn at_stake_is_what_the_current_milestone_still_holds() {
        let mut deal = staged(0);
        deal.amount = 500;
        deal.released = 100;
        assert_eq!((deal.at_stake(), deal.milestone_count()), (150, 2));
        deal.milestone = 1;
        deal.released = 250;
        assert_eq!(deal.at_stake(), 250);
        let plain = synthetic::deal(0, 0, [3; 32], DealState::Funded);
        assert_eq!((plain.at_stake(), plain.milestone_count()), (500, 1));
    }
}
