//! Balance accounting from the chain's own events: what every account's free balance should
//! have changed by over a range of blocks, so a test can check that nothing moved unexplained.

use std::collections::HashMap;

use crate::chain::{value_u128, Chain, ChainError, ChainEvent};
use crate::ops::account_bytes as account_of;

/// Free-balance change per account implied by blocks `from..=to`: `Balances` transfers,
/// mints and burns, holds and releases (storage deposits), and transaction fees.
pub async fn free_balance_changes(
    chain: &Chain,
    from: u64,
    to: u64,
) -> Result<HashMap<[u8; 32], i128>, ChainError> {
    let mut changes: HashMap<[u8; 32], i128> = HashMap::new();
    for n in from..=to {
        let Some(block) = chain.block_events(n).await? else {
            continue;
        };
        for (_, e) in &block.events {
            apply(&mut changes, e);
        }
    }
    Ok(changes)
}

/// One event's effect on free balances.
pub fn apply(changes: &mut HashMap<[u8; 32], i128>, e: &ChainEvent) {
    let account = |name: &str| e.field(name).and_then(account_of);
    let amount = |name: &str| e.field(name).and_then(value_u128).unwrap_or(0) as i128;
    let mut add = |who: Option<[u8; 32]>, delta: i128| {
        if let Some(who) = who {
            *changes.entry(who).or_insert(0) += delta;
        }
    };
    match (e.pallet.as_str(), e.variant.as_str()) {
        ("Balances", "Transfer") => {
            add(account("from"), -amount("amount"));
            add(account("to"), amount("amount"));
        }
        // Fees are withdrawn (and tips/refunds deposited) by transaction payment; holds are
        // storage deposits moving between free and held balance.
        ("Balances", "Withdraw" | "Burned" | "Slashed" | "Reserved" | "Held") => {
            add(account("who"), -amount("amount"))
        }
        ("Balances", "Deposit" | "Minted" | "Unreserved" | "Released") => {
            add(account("who"), amount("amount"))
        }
        _ => {}
    }
}
