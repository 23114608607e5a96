//! `escrow events [--follow]` and the history of `deal show`: the two contracts' events, read
//! from the event store (see [`crate::indexer`]).

use serde::Serialize;

use super::index::synced_store;
use super::{Ctx, EventView, OpResult};
use crate::indexer::{store_error, Backfill, Indexer};
use crate::store::StoreReader;

/// Events read from the store per query.
const PAGE: u32 = 5_000;

#[derive(Debug, Clone, Serialize)]
pub struct EventList {
    pub from_block: u64,
    pub to_block: u64,
    /// Where the store's history starts: events before this block are not indexed (the store
    /// started from a snapshot of the contracts' state there).
    pub indexed_from: u64,
    pub events: Vec<EventView>,
}

impl EventList {
    /// Whether blocks asked for lie before the indexed history.
    pub fn misses_history(&self) -> bool {
        self.from_block < self.indexed_from
    }
}

/// Every indexed event from block `from` on (default: the start of indexed history).
pub async fn list(ctx: &mut Ctx, from: Option<u64>) -> OpResult<EventList> {
    let (store, _) = synced_store(ctx, Backfill::All).await?;
    events_from(&store, from)
}

fn events_from(store: &StoreReader, from: Option<u64>) -> OpResult<EventList> {
    let indexed_from = store.first_block().map_err(store_error)?.map_or(0, |b| b.0);
    let to_block = store.tip().map_err(store_error)?.map_or(0, |b| b.0);
    let from_block = from.unwrap_or(indexed_from);
    let mut events = Vec::new();
    let mut position = (from_block, 0);
    loop {
        let page = store.events_from(position, PAGE).map_err(store_error)?;
        let full = page.len() >= PAGE as usize;
        if let Some(last) = page.last() {
            position = (last.block_number, last.index.saturating_add(1));
        }
        events.extend(page.into_iter().map(|e| e.event));
        if !full {
            break;
        }
    }
    Ok(EventList {
        from_block,
        to_block,
        indexed_from,
        events,
    })
}

/// `events --follow`: the indexed events from block `from` on, then each new block's as the
/// store follows the best chain, until the node goes away. After a reorganisation the new
/// branch's events are printed from the fork point on; those already printed from the
/// retracted branch are not taken back.
pub async fn follow(
    ctx: &mut Ctx,
    from: Option<u64>,
    mut on_event: impl FnMut(&EventView),
) -> OpResult<()> {
    let c = ctx.contracts().await?;
    let mut indexer = Indexer::open(&ctx.settings, &ctx.chain, &c)?;
    let mut next = from;
    let chain = ctx.chain.clone();
    crate::indexer::follow(&mut indexer, &chain, |store, report| {
        if let Some(fork) = report.rolled_back_from {
            next = next.map(|n| n.min(fork));
        }
        let list = events_from(store, next)?;
        list.events.iter().for_each(&mut on_event);
        next = Some(list.to_block + 1);
        Ok(())
    })
    .await
}

/// Whether an event concerns deal `deal_id` of this escrow.
pub fn is_about_deal(e: &EventView, deal_id: u64) -> bool {
    e.fields.get("deal_id").and_then(|v| v.as_u64()) == Some(deal_id)
}
