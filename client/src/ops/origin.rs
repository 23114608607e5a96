//! Where a deal came from when no offer did: the task request whose award opened it. The
//! escrow keeps no trace of it (the deal's `offer_id` is `NO_OFFER`); the requests contract's
//! `RequestAwarded` event, in the block that opened the deal, names both.

use contract_transcode::Value as InkValue;

use super::{Ctx, OpResult};
use crate::contract::decode_emitted;
use crate::store::IndexedEvent;
use crate::types::Deal;

/// The request whose award opened `deal`, from the events of the block of its `DealOpened` in
/// `history`. `None` for a deal from an offer, a deployment without requests, a history that
/// misses the opening, or a node that no longer holds that block's events (it prunes them).
pub async fn request_of(
    ctx: &mut Ctx,
    deal: &Deal,
    history: &[IndexedEvent],
) -> OpResult<Option<u64>> {
    if !deal.from_request() {
        return Ok(None);
    }
    let Some(opened) = history
        .iter()
        .find(|e| e.event.contract == "escrow" && e.event.name == "DealOpened")
    else {
        return Ok(None);
    };
    let Some(requests) = ctx.contracts().await?.requests else {
        return Ok(None);
    };
    let Ok(events) = ctx.chain.events_at(opened.block_hash).await else {
        return Ok(None);
    };
    let deal_id = u128::from(deal.id);
    Ok(events
        .iter()
        .filter_map(|(_, e)| decode_emitted(e, &[&requests.codec], Some(&requests.address)))
        .filter(|e| e.name.as_deref() == Some("RequestAwarded"))
        .filter(|e| matches!(e.field("deal_id"), Some(InkValue::UInt(id)) if *id == deal_id))
        .find_map(|e| match e.field("request_id") {
            Some(InkValue::UInt(id)) => u64::try_from(*id).ok(),
            _ => None,
        }))
}
