//! How milestone plans and a deal's progress through them read in text output.

use crate::text::amount;
use escrow_client::ops::types::{Deal, DealState, Milestone};
use escrow_client::units::{format_duration_ms, TokenUnits};

/// `1) 20 UNIT within 1d, 2) 25 UNIT within 2d`.
pub fn plan(plan: &[Milestone], u: &TokenUnits) -> String {
    plan.iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "{}) {} within {}",
                i + 1,
                amount(u, m.amount),
                format_duration_ms(m.delivery_window)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a deal paid by milestones stands, each step marked: `milestone 2 of 3: 1) 20 UNIT
/// paid, 2) 25 UNIT under way, 3) 10 UNIT to come`. `None` for a deal without milestones.
pub fn progress(d: &Deal, u: &TokenUnits) -> Option<String> {
    if d.milestones.is_empty() {
        return None;
    }
    let current = usize::from(d.milestone);
    let ended = d.state.is_final();
    let steps = d
        .milestones
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let status = match (i.cmp(&current), ended) {
                (std::cmp::Ordering::Less, _) => "paid",
                (std::cmp::Ordering::Equal, false) => "under way",
                (std::cmp::Ordering::Equal, true) if d.state == DealState::Completed => "paid",
                (std::cmp::Ordering::Equal, true) => "ended the deal",
                (std::cmp::Ordering::Greater, false) => "to come",
                (std::cmp::Ordering::Greater, true) => "returned to the buyer",
            };
            format!("{}) {} {status}", i + 1, amount(u, m.amount))
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "milestone {} of {}: {steps}",
        current + 1,
        d.milestones.len()
    ))
}
