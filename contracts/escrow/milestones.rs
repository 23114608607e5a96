//! Milestones: a deal paid in steps. A plan is a short list of amounts, each with its own
//! delivery window counted from the moment the step before it was paid. An empty plan is one
//! step of the whole amount. The rules are pure functions, so the contract and the property
//! test's model use the same ones.

use ink::prelude::vec::Vec;

/// Most steps a plan may have.
pub const MAX_MILESTONES: usize = 8;

/// One step of a deal: what it pays and how long the seller has to deliver it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct Milestone {
    /// In an offer, per unit; in a deal, for the whole quantity.
    pub amount: u128,
    /// Milliseconds from the start of this step (acceptance, or the payment of the step
    /// before) to its delivery deadline.
    pub delivery_window: u64,
}

/// Whether `plan` may pay `price` within `delivery_window`: empty, or at most 8 steps, each
/// paying something and giving at least `min_window`, whose amounts add up to `price` and
/// whose windows add up to `delivery_window` (so the whole job still takes what the terms
/// say).
pub fn plan_is_valid(
    plan: &[Milestone],
    price: u128,
    delivery_window: u64,
    min_window: u64,
) -> bool {
    if plan.is_empty() {
        return true;
    }
    if plan.len() > MAX_MILESTONES {
        return false;
    }
    let mut amounts: u128 = 0;
    let mut windows: u64 = 0;
    for step in plan {
        if step.amount == 0 || step.delivery_window < min_window {
            return false;
        }
        let (Some(a), Some(w)) = (
            amounts.checked_add(step.amount),
            windows.checked_add(step.delivery_window),
        ) else {
            return false;
        };
        amounts = a;
        windows = w;
    }
    amounts == price && windows == delivery_window
}

/// A per-unit plan for `quantity` units; `None` if an amount overflows.
pub fn for_quantity(plan: &[Milestone], quantity: u32) -> Option<Vec<Milestone>> {
    plan.iter()
        .map(|step| {
            Some(Milestone {
                amount: step.amount.checked_mul(u128::from(quantity))?,
                delivery_window: step.delivery_window,
            })
        })
        .collect()
}

/// What steps `0..=current` pay together: the money the buyer has committed to by the end of
/// the current step. `total` for an empty plan or a step past its end.
pub fn due_through(plan: &[Milestone], current: u8, total: u128) -> u128 {
    let steps = usize::from(current).saturating_add(1);
    if plan.is_empty() || steps >= plan.len() {
        return total;
    }
    plan.iter()
        .take(steps)
        .fold(0u128, |sum, step| sum.saturating_add(step.amount))
}

/// Whether `current` is the plan's last step (always, for an empty plan).
pub fn is_last(plan: &[Milestone], current: u8) -> bool {
    usize::from(current).saturating_add(1) >= plan.len()
}

/// When the step after `current` was scheduled to start, in ms after acceptance: the windows
/// of steps `0..=current` together. An early payment does not pull the next step's deadline
/// forward: it runs from the later of this and the payment.
pub fn next_scheduled_start(plan: &[Milestone], current: u8) -> u64 {
    plan.iter()
        .take(usize::from(current).saturating_add(1))
        .fold(0u64, |sum, step| sum.saturating_add(step.delivery_window))
}

/// The delivery window of the step after `current`, if there is one.
pub fn next_window(plan: &[Milestone], current: u8) -> Option<u64> {
    plan.get(usize::from(current).saturating_add(1))
        .map(|step| step.delivery_window)
}

/// The first step's delivery window: the whole `delivery_window` for an empty plan.
pub fn first_window(plan: &[Milestone], delivery_window: u64) -> u64 {
    plan.first()
        .map_or(delivery_window, |step| step.delivery_window)
}
