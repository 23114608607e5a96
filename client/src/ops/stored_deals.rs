//! `escrow deal show|list`: deals as the event store holds them (synced first), with their
//! indexed history. Needs the `store` feature.

use serde::Serialize;

use super::deal_words::{cited_on, CitedWords};
use super::deals::{deadlines_now, DeadlineView};
use super::index::synced_store;
use super::types::{Deal, DealRecord, Localize};
use super::{now_ms, usage, Ctx, EventView, OpResult};
use crate::indexer::{store_error, Backfill};
use crate::store::IndexedEvent;

#[derive(Debug, Clone, Serialize)]
pub struct DealDetails {
    pub deal: Deal,
    /// The task request whose award opened the deal (its `offer_id` is null), when known.
    pub request_id: Option<u64>,
    pub remaining: String,
    pub now: u64,
    pub deadlines: Vec<DeadlineView>,
    pub history: Vec<EventView>,
    /// The words on the record: delivery note, statement, evidence, reasons, in order.
    pub words: Vec<CitedWords>,
    /// The history holds the deal's opening: it is whole.
    pub history_complete: bool,
    /// Where the event store's history starts (events before it are not indexed).
    pub history_indexed_from: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DealList {
    pub account: String,
    pub deals: Vec<Deal>,
}

/// A deal as the event store holds it, with its indexed history.
#[derive(Debug, Clone)]
pub struct StoredDeal {
    pub deal: Deal,
    /// The task request whose award opened the deal, when known (see [`super::origin`]).
    pub request_id: Option<u64>,
    /// Every indexed event about the deal of this escrow (the reputation contract's carry
    /// the escrow's address), in chain order, with its block and time.
    pub history: Vec<IndexedEvent>,
    /// Where the store's history starts (events before it are not indexed).
    pub indexed_from: u64,
    /// The reputation contract's record of the deal (outcome and ratings), once it ended.
    pub record: Option<DealRecord>,
    /// The documents its history cites, with their words as checked.
    pub words: Vec<CitedWords>,
}

impl StoredDeal {
    /// The history holds the deal's opening: it is whole.
    pub fn history_complete(&self) -> bool {
        self.history.iter().any(|e| e.event.name == "DealOpened")
    }
}

/// Deal `id` and its history from the event store, synced first with all earlier history.
pub async fn stored(ctx: &mut Ctx, id: u64) -> OpResult<StoredDeal> {
    let escrow = ctx.contracts().await?.deployment.escrow;
    let (store, _) = synced_store(ctx, Backfill::All).await?;
    let mut deal = store
        .deal(id)
        .map_err(store_error)?
        .ok_or_else(|| usage(format!("unknown deal {id} (pruned deals are gone too)")))?;
    deal.localize(ctx.chain.ss58_prefix());
    let history: Vec<IndexedEvent> = store
        .deal_timeline(id)
        .map_err(store_error)?
        .into_iter()
        .filter(|e| {
            e.event
                .fields
                .get("escrow")
                .is_none_or(|v| v.as_str() == Some(escrow.as_str()))
        })
        .collect();
    let indexed_from = store.first_block().map_err(store_error)?.map_or(0, |b| b.0);
    let mut record = store.deal_record(id).map_err(store_error)?;
    record.localize(ctx.chain.ss58_prefix());
    let words = cited_on(&store, &history).map_err(store_error)?;
    let request_id = super::origin::request_of(ctx, &deal, &history).await?;
    Ok(StoredDeal {
        deal,
        request_id,
        history,
        indexed_from,
        record,
        words,
    })
}

/// `deal show`: deal `id`, its deadlines and its history, from the event store.
pub async fn show(ctx: &mut Ctx, id: u64) -> OpResult<DealDetails> {
    let stored = stored(ctx, id).await?;
    let now = now_ms();
    let deadlines = deadlines_now(ctx, &stored.deal, now).await?;
    Ok(DealDetails {
        request_id: stored.request_id,
        remaining: stored.deal.remaining().to_string(),
        history_complete: stored.history_complete(),
        history_indexed_from: stored.indexed_from,
        deadlines,
        history: stored.history.into_iter().map(|e| e.event).collect(),
        words: stored.words,
        deal: stored.deal,
        now,
    })
}

/// Deals `account` (default: the --as account) takes part in.
pub async fn list(ctx: &mut Ctx, account: Option<&str>) -> OpResult<DealList> {
    let account = match account {
        Some(a) => ctx.account(a)?,
        None => ctx
            .signer(None)
            .map_err(|_| usage("deal list needs --mine with --as ACCOUNT, or --account ACCOUNT"))?
            .account_id(),
    };
    let deals = deals_of(ctx, &account).await?;
    Ok(DealList {
        account: ctx.chain.ss58(&account.0),
        deals,
    })
}

/// Every deal `account` takes part in (buyer, seller or arbiter), in the order they were
/// opened (pruned ones are gone), from the event store (synced first).
pub async fn deals_of(ctx: &mut Ctx, account: &subxt::utils::AccountId32) -> OpResult<Vec<Deal>> {
    let (store, _) = synced_store(ctx, Backfill::Skip).await?;
    let mut deals = store.deals_of(&account.0).map_err(store_error)?;
    deals.localize(ctx.chain.ss58_prefix());
    Ok(deals)
}
