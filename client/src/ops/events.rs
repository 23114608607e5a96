//! `escrow events [--follow]` and the history of `deal show`: contract events found by scanning
//! blocks' `Contracts::ContractEmitted` events from the deployment block on.

use std::time::Duration;

use serde::Serialize;

use super::{event_view, Contracts, Ctx, EventView, OpResult};
use crate::chain::TxOutcome;
use crate::contract::decode_contract_events;

#[derive(Debug, Clone, Serialize)]
pub struct EventList {
    pub from_block: u64,
    pub to_block: u64,
    pub events: Vec<EventView>,
}

/// Decoded escrow/reputation events of one block.
pub async fn block_contract_events(
    ctx: &Ctx,
    contracts: &Contracts,
    number: u64,
) -> OpResult<Option<Vec<EventView>>> {
    let Some(block) = ctx.chain.block_events(number).await? else {
        return Ok(None);
    };
    let ours = [contracts.escrow.address, contracts.reputation.address];
    // Reuse the transaction-outcome decoder: it only looks at the events.
    let outcome = TxOutcome {
        block_hash: block.hash,
        extrinsic_hash: [0; 32],
        events: block.events.into_iter().map(|(_, e)| e).collect(),
        fee_paid: None,
        weight: None,
        finalized: false,
    };
    let decoded = decode_contract_events(
        &outcome,
        &[&contracts.escrow.codec, &contracts.reputation.codec],
        None,
    );
    Ok(Some(
        decoded
            .iter()
            .filter(|e| ours.contains(&e.contract))
            .map(|e| {
                let mut v = event_view(e, contracts);
                v.block = Some(number);
                v
            })
            .collect(),
    ))
}

/// Every event of the two contracts in blocks `from..=to` (default: deployment block to best).
pub async fn scan(
    ctx: &mut Ctx,
    from: Option<u64>,
    to: Option<u64>,
    mut keep: impl FnMut(&EventView) -> bool,
) -> OpResult<EventList> {
    let contracts = ctx.contracts().await?;
    // The deployment's own block is before the saved number; start a little earlier.
    let from = from.unwrap_or(contracts.deployment.block.saturating_sub(3));
    let best = ctx.chain.best_block_number().await?;
    let to = to.unwrap_or(best).min(best);
    let mut events = Vec::new();
    for n in from..=to {
        if let Some(evs) = block_contract_events(ctx, &contracts, n).await? {
            events.extend(evs.into_iter().filter(|e| keep(e)));
        }
    }
    Ok(EventList {
        from_block: from,
        to_block: to,
        events,
    })
}

/// `events --follow`: print past events, then poll for new blocks until interrupted.
pub async fn follow(
    ctx: &mut Ctx,
    from: Option<u64>,
    mut on_event: impl FnMut(&EventView),
) -> OpResult<()> {
    let contracts = ctx.contracts().await?;
    let mut next = from.unwrap_or(contracts.deployment.block.saturating_sub(3));
    loop {
        let best = ctx.chain.best_block_number().await?;
        while next <= best {
            if let Some(evs) = block_contract_events(ctx, &contracts, next).await? {
                evs.iter().for_each(&mut on_event);
            }
            next += 1;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Whether an event concerns deal `deal_id` of this escrow.
pub fn is_about_deal(e: &EventView, deal_id: u64) -> bool {
    e.fields.get("deal_id").and_then(|v| v.as_u64()) == Some(deal_id)
}
