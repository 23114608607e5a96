//! Mirror of the screening rules an offer or a request sets for its counterparties
//! (contracts/reputation/screening.rs), which the escrow and the requests contract check.

use scale::{Decode, Encode};
use serde::Serialize;

use super::{Address, Localize};

/// Rules a counterparty must meet; `Screening::default()` lets everyone through.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Screening {
    /// Fewest deals completed, as buyer and seller together.
    pub min_deals: u32,
    /// Lowest value-weighted average rating, hundredths.
    pub min_rating_centi: u32,
    /// Highest share of its disputes lost, opened or answered, bps (10 000: no limit).
    pub max_disputes_lost_bps: u16,
    /// Highest share of its deals as seller that it failed, bps (10 000: no limit).
    pub max_failed_bps: u16,
    /// Least volume: what sellers received in its deals, plancks (0: no limit).
    pub min_volume: u128,
    /// Most ratings committed and withheld (`u32::MAX`: no limit).
    pub max_ratings_withheld: u32,
    /// When not empty, only these accounts.
    pub allow: Vec<Address>,
    /// Never these accounts.
    pub block: Vec<Address>,
}

impl Default for Screening {
    fn default() -> Self {
        Screening {
            min_deals: 0,
            min_rating_centi: 0,
            max_disputes_lost_bps: super::BPS,
            max_failed_bps: super::BPS,
            min_volume: 0,
            max_ratings_withheld: u32::MAX,
            allow: Vec::new(),
            block: Vec::new(),
        }
    }
}

impl Screening {
    /// Whether every account passes (no rule set).
    pub fn is_open(&self) -> bool {
        *self == Screening::default()
    }
}

localize_fields!(Screening: allow, block);
