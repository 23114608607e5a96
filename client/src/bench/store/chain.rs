//! A synthetic chain for the deal-timeline measurement. A fixed number of deals, each with the
//! same lifecycle events, spread over the whole chain; every block without a deal event carries
//! an offer event. So a longer chain holds more blocks and more events, while every deal's
//! timeline stays the same size: whatever changes in the timeline's latency between two chain
//! lengths is the chain's doing.

use serde_json::json;

use super::catalog::SELLERS;
use crate::store::synthetic::{self, ss58};
use crate::store::BlockChanges;

/// Events in every deal's timeline: opened, delivered, paid, closed, reported.
pub const EVENTS_PER_DEAL: u64 = 5;

/// Buyers ([`synthetic::account`] from `BUYER_BASE`), each buying from many sellers.
const BUYERS: u64 = 500;
const BUYER_BASE: u64 = 1 << 32;

/// Block `number` (1 to `blocks`) of a chain of `blocks` blocks over `deals` deals.
///
/// Deal events are numbered `k = phase * deals + deal` and laid out evenly over the chain in
/// that order: every deal opens in the first fifth of the chain and is reported in the last,
/// so one deal's events lie far apart, as a real deal's do.
pub fn block(number: u64, blocks: u64, deals: u64) -> BlockChanges {
    let total = deals * EVENTS_PER_DEAL;
    // The k with 1 + floor(k * blocks / total) = number.
    let first = ((number - 1) * total).div_ceil(blocks);
    let end = (number * total).div_ceil(blocks);
    let mut changes = BlockChanges::new(synthetic::block(number));
    let at = changes.block.timestamp;
    for (index, k) in (first..end).enumerate() {
        let (phase, deal) = (k / deals, k % deals);
        changes
            .events
            .push(deal_event(index as u32, phase, deal, at));
    }
    if changes.events.is_empty() {
        changes.events.push(synthetic::event(
            0,
            "OfferUpdated",
            json!({"offer_id": number % 1_000, "version": number / 1_000 + 2, "price": 250_000_000_000_000u128, "quantity": 3}),
        ));
    }
    changes
}

/// Event `phase` (0 to [`EVENTS_PER_DEAL`] - 1) of deal `deal`, with the fields the escrow
/// contract gives it.
fn deal_event(index: u32, phase: u64, deal: u64, at: u64) -> crate::store::BlockEvent {
    let amount = 120_000_000_000_000u128;
    let (name, fields) = match phase {
        0 => (
            "DealOpened",
            json!({
                "deal_id": deal, "offer_id": deal % 1_000,
                "buyer": ss58(&synthetic::account(BUYER_BASE + deal % BUYERS)),
                "seller": ss58(&synthetic::account(deal % SELLERS)),
                "quantity": 1, "amount": amount, "bond": 0, "delivery_deadline": at + 259_200_000
            }),
        ),
        1 => (
            "DealDelivered",
            json!({"deal_id": deal, "review_deadline": at + 172_800_000}),
        ),
        2 => (
            "PaymentReleased",
            json!({"deal_id": deal, "amount": amount, "to_seller": amount / 100 * 99, "platform_fee": amount / 100, "remaining": 0}),
        ),
        3 => (
            "DealClosed",
            json!({
                "deal_id": deal, "outcome": "Completed", "to_seller": amount / 100 * 99,
                "to_buyer": 0, "platform_fee": amount / 100, "arbiter_fee": 0,
                "bond_to_buyer": 0, "bond_to_seller": 0
            }),
        ),
        _ => ("ReportPending", json!({"deal_id": deal})),
    };
    synthetic::event(index, name, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every deal's events, in chain order, as (block, name).
    fn timelines(blocks: u64, deals: u64) -> Vec<Vec<(u64, String)>> {
        let mut out = vec![Vec::new(); deals as usize];
        for number in 1..=blocks {
            for e in block(number, blocks, deals).events {
                if let Some(deal) = e.event.fields.get("deal_id").and_then(|d| d.as_u64()) {
                    out[deal as usize].push((number, e.event.name));
                }
            }
        }
        out
    }

    #[test]
    fn every_deal_has_its_five_events_in_order_spread_over_the_chain_at_any_length() {
        for (blocks, deals) in [(1_000, 20), (30, 20), (7, 3)] {
            for (deal, timeline) in timelines(blocks, deals).iter().enumerate() {
                let names: Vec<&str> = timeline.iter().map(|(_, n)| n.as_str()).collect();
                assert_eq!(
                    names,
                    [
                        "DealOpened",
                        "DealDelivered",
                        "PaymentReleased",
                        "DealClosed",
                        "ReportPending"
                    ],
                    "deal {deal} of {deals} over {blocks} blocks"
                );
                assert!(timeline.windows(2).all(|w| w[0].0 <= w[1].0));
            }
        }
        // Over a long chain, a deal's first and last events are most of the chain apart.
        let long = timelines(1_000, 20);
        assert!(long.iter().all(|t| t[4].0 - t[0].0 >= 700), "{long:?}");
    }

    #[test]
    fn every_block_has_an_event_and_indexes_count_from_zero() {
        for number in 1..=100 {
            let b = block(number, 100, 3);
            assert_eq!(b.block, synthetic::block(number));
            let indexes: Vec<u32> = b.events.iter().map(|e| e.index).collect();
            assert_eq!(indexes, (0..b.events.len() as u32).collect::<Vec<_>>());
            assert!(!indexes.is_empty());
        }
    }
}
