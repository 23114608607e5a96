//! Balance accounting from the chain's own events: what every account's free balance should
//! have changed by over a range of blocks, so a test can check that nothing moved unexplained.

use std::collections::HashMap;

use crate::chain::{value_account, value_u128, Chain, ChainError, ChainEvent};

/// Free-balance change per account implied by blocks `from..=to`: `Balances` transfers,
/// mints and burns, holds and releases, transaction fees (withdrawn and refunded), and the
/// storage deposits `Contracts` moves onto and off a contract's hold.
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
    let account = |name: &str| e.field(name).and_then(value_account).map(|a| a.0);
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
        // Storage deposits: this runtime's Balances emits nothing when pallet-contracts moves
        // a deposit from the caller onto the contract's hold or back; pallet-contracts does.
        ("Contracts", "StorageDepositTransferredAndHeld") => {
            add(account("from"), -amount("amount"))
        }
        ("Contracts", "StorageDepositTransferredAndReleased") => {
            add(account("to"), amount("amount"))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use scale_value::{Composite, Value};

    use super::*;

    fn account(byte: u8) -> Value<()> {
        Value::unnamed_composite([Value::unnamed_composite(
            (0..32).map(|_| Value::u128(u128::from(byte))),
        )])
    }

    fn event(pallet: &str, variant: &str, fields: Vec<(&str, Value<()>)>) -> ChainEvent {
        ChainEvent {
            pallet: pallet.into(),
            variant: variant.into(),
            fields: Composite::Named(fields.into_iter().map(|(k, v)| (k.into(), v)).collect()),
            field_bytes: Vec::new(),
            topics: Vec::new(),
        }
    }

    #[test]
    fn transfers_fees_and_holds_move_free_balances() {
        let mut changes = HashMap::new();
        for e in [
            event(
                "Balances",
                "Transfer",
                vec![
                    ("from", account(1)),
                    ("to", account(2)),
                    ("amount", Value::u128(100)),
                ],
            ),
            event(
                "Balances",
                "Withdraw",
                vec![("who", account(1)), ("amount", Value::u128(5))],
            ),
            event(
                "Balances",
                "Deposit",
                vec![("who", account(1)), ("amount", Value::u128(1))],
            ),
            event(
                "Balances",
                "Held",
                vec![("who", account(2)), ("amount", Value::u128(10))],
            ),
            event(
                "Balances",
                "Released",
                vec![("who", account(2)), ("amount", Value::u128(3))],
            ),
            event(
                "Contracts",
                "StorageDepositTransferredAndHeld",
                vec![
                    ("from", account(1)),
                    ("to", account(2)),
                    ("amount", Value::u128(20)),
                ],
            ),
            event(
                "Contracts",
                "StorageDepositTransferredAndReleased",
                vec![
                    ("from", account(2)),
                    ("to", account(1)),
                    ("amount", Value::u128(6)),
                ],
            ),
            // Informational: the fee is already in Withdraw/Deposit.
            event(
                "TransactionPayment",
                "TransactionFeePaid",
                vec![("who", account(1)), ("actual_fee", Value::u128(4))],
            ),
            event(
                "Balances",
                "Endowed",
                vec![("account", account(3)), ("free_balance", Value::u128(7))],
            ),
        ] {
            apply(&mut changes, &e);
        }
        assert_eq!(changes.get(&[1; 32]), Some(&-118));
        assert_eq!(changes.get(&[2; 32]), Some(&93));
        assert_eq!(changes.get(&[3; 32]), None);
    }
}
