//! The pieces every renderer writes: amounts, timestamps, events and a transaction's line.

use std::fmt::Write as _;

use escrow_client::ops::{EventView, TxReport};
use escrow_client::units::{format_duration_ms, TokenUnits};

/// An amount as people read it: 4 decimals, `~` when rounded (JSON keeps exact plancks).
pub(crate) fn amount(u: &TokenUnits, plancks: u128) -> String {
    u.format_readable(plancks)
}

pub(crate) fn amount_str(u: &TokenUnits, plancks: &str) -> String {
    plancks
        .parse::<u128>()
        .map(|p| amount(u, p))
        .unwrap_or_else(|_| plancks.to_string())
}

/// A timestamp (ms) and how long ago or ahead it is.
pub(crate) fn ts(ms: u64) -> String {
    let now = escrow_client::ops::now_ms();
    if ms >= now {
        format!("{ms} (in {})", format_duration_ms(ms - now))
    } else {
        format!("{ms} ({} ago)", format_duration_ms(now - ms))
    }
}

/// Event fields that hold balances.
const BALANCE_FIELDS: &[&str] = &[
    "price",
    "amount",
    "bond",
    "bond_returned",
    "to_seller",
    "to_buyer",
    "platform_fee",
    "arbiter_fee",
    "bond_to_buyer",
    "bond_to_seller",
    "min_amount",
    "remaining",
    "value",
];

pub fn event_line(e: &EventView, u: &TokenUnits) -> String {
    let fields: Vec<String> = e
        .fields
        .iter()
        .map(|(k, v)| {
            let shown = match v {
                serde_json::Value::Number(n) if BALANCE_FIELDS.contains(&k.as_str()) => {
                    amount_str(u, &n.to_string())
                }
                serde_json::Value::String(st) => st.clone(),
                other => other.to_string(),
            };
            format!("{k}={shown}")
        })
        .collect();
    format!(
        "{}{}.{} {}",
        e.block.map(|b| format!("#{b} ")).unwrap_or_default(),
        e.contract,
        e.name,
        fields.join(" ")
    )
}

pub(crate) fn tx(s: &mut String, t: &TxReport, u: &TokenUnits) {
    let _ = writeln!(
        s,
        "  tx {} in block {}: fee {}{}, gas {} ref_time / {} proof_size, storage deposit {} \
         (limit {})",
        t.message,
        t.block_hash,
        t.fee_paid
            .as_deref()
            .map(|f| amount_str(u, f))
            .unwrap_or("?".into()),
        t.fee_estimate
            .as_deref()
            .map(|f| format!(" (estimated {})", amount_str(u, f)))
            .unwrap_or_default(),
        t.gas_required.ref_time,
        t.gas_required.proof_size,
        amount_str(u, &t.storage_deposit),
        amount_str(u, &t.storage_deposit_limit)
    );
    for e in &t.events {
        let _ = writeln!(s, "    event {}", event_line(e, u));
    }
}
