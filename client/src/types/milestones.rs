//! A deal paid in steps: the escrow's `Milestone` and what a client needs to know about a
//! deal's progress through them.

use super::{ser_plancks, Deal};
use scale::{Decode, Encode};
use serde::Serialize;

/// Most milestones a plan may have (the escrow's `MAX_MILESTONES`).
pub const MAX_MILESTONES: usize = 8;

/// One step of a deal: what it pays and how long the seller has to deliver it, counted from
/// the payment of the step before (or acceptance, for the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Milestone {
    /// In an offer, per unit; in a deal or proposal, for the whole.
    #[serde(serialize_with = "ser_plancks")]
    pub amount: u128,
    pub delivery_window: u64,
}

impl Deal {
    /// How many steps the deal is paid in (1 without a plan).
    pub fn milestone_count(&self) -> usize {
        self.milestones.len().max(1)
    }

    /// Whether the step under way is the last (always, without milestones).
    pub fn on_last_milestone(&self) -> bool {
        usize::from(self.milestone) + 1 >= self.milestone_count()
    }

    /// What the current milestone still holds (the escrow's `at_stake`).
    pub fn at_stake(&self) -> u128 {
        let steps = usize::from(self.milestone) + 1;
        let due = if self.milestones.is_empty() || steps >= self.milestones.len() {
            self.amount
        } else {
            self.milestones[..steps].iter().map(|m| m.amount).sum()
        };
        due.saturating_sub(self.released)
    }
}
