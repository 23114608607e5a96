//! Screening: the rules an offer or a request sets for its counterparties, checked on chain
//! against what the counterparty earned in this reputation contract. Pure functions, so every
//! contract that screens (the requests contract today) applies the same rules.

use crate::AccountReputation;
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;

/// Basis points of a whole (100 %).
const WHOLE_BPS: u16 = 10_000;
/// Most accounts an allow or a block list may hold.
pub const MAX_LISTED: usize = 8;

/// Rules a counterparty must meet. `Screening::default()` lets everyone through.
#[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct Screening {
    /// Fewest deals completed, as buyer and seller together.
    pub min_deals: u32,
    /// Lowest value-weighted average rating, in hundredths (450 for 4.50). An account
    /// without ratings has 0.
    pub min_rating_centi: u32,
    /// Highest share of its disputes that it lost, opened or answered, in basis points
    /// (10 000: no limit). An account that never disputed has 0.
    pub max_disputes_lost_bps: u16,
    /// Highest share of its deals as seller that it failed, in basis points (10 000: no
    /// limit). An account that never sold has 0.
    pub max_failed_bps: u16,
    /// Least volume: what sellers received in its counted deals (0: no limit). Each unit of
    /// it paid the reputation contract's fee floor.
    pub min_volume: u128,
    /// Most ratings it committed and then withheld (`u32::MAX`: no limit).
    pub max_ratings_withheld: u32,
    /// When not empty, only these accounts (at most `MAX_LISTED`).
    pub allow: Vec<AccountId>,
    /// Never these accounts (at most `MAX_LISTED`).
    pub block: Vec<AccountId>,
}

impl Default for Screening {
    fn default() -> Self {
        Screening {
            min_deals: 0,
            min_rating_centi: 0,
            max_disputes_lost_bps: WHOLE_BPS,
            max_failed_bps: WHOLE_BPS,
            min_volume: 0,
            max_ratings_withheld: u32::MAX,
            allow: Vec::new(),
            block: Vec::new(),
        }
    }
}

/// The rule a counterparty failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub enum Refusal {
    /// It completed fewer deals than `min_deals`.
    TooFewDeals,
    /// Its weighted average rating is below `min_rating_centi`.
    RatingTooLow,
    /// It lost a larger share of its disputes than `max_disputes_lost_bps`.
    TooManyDisputesLost,
    /// It failed a larger share of its deals as seller than `max_failed_bps`.
    TooManyDealsFailed,
    /// Its volume is below `min_volume`.
    TooLittleVolume,
    /// It withheld more ratings than `max_ratings_withheld`.
    TooManyRatingsWithheld,
    /// The allow list is not empty and does not name it.
    NotAllowed,
    /// The block list names it.
    Blocked,
}

impl Screening {
    /// Whether the rules look at reputation at all (lists alone need no read).
    pub fn needs_reputation(&self) -> bool {
        self.min_deals > 0
            || self.min_rating_centi > 0
            || self.max_disputes_lost_bps < WHOLE_BPS
            || self.max_failed_bps < WHOLE_BPS
            || self.min_volume > 0
            || self.max_ratings_withheld < u32::MAX
    }

    /// Whether the lists fit and the dispute share is a share.
    pub fn is_valid(&self) -> bool {
        self.allow.len() <= MAX_LISTED
            && self.block.len() <= MAX_LISTED
            && self.max_disputes_lost_bps <= WHOLE_BPS
            && self.max_failed_bps <= WHOLE_BPS
    }

    /// `Ok` when `who`, with reputation `rep`, meets every rule; else the first rule it
    /// failed, lists first.
    pub fn check(&self, who: AccountId, rep: &AccountReputation) -> Result<(), Refusal> {
        if self.block.contains(&who) {
            return Err(Refusal::Blocked);
        }
        if !self.allow.is_empty() && !self.allow.contains(&who) {
            return Err(Refusal::NotAllowed);
        }
        let deals = rep
            .deals_completed_as_buyer
            .saturating_add(rep.deals_completed_as_seller);
        if deals < self.min_deals {
            return Err(Refusal::TooFewDeals);
        }
        if rep.weighted_average_centi < self.min_rating_centi {
            return Err(Refusal::RatingTooLow);
        }
        if lost_bps(rep) > u32::from(self.max_disputes_lost_bps) {
            return Err(Refusal::TooManyDisputesLost);
        }
        if failed_bps(rep) > u32::from(self.max_failed_bps) {
            return Err(Refusal::TooManyDealsFailed);
        }
        if rep.volume < self.min_volume {
            return Err(Refusal::TooLittleVolume);
        }
        if rep.ratings_withheld > self.max_ratings_withheld {
            return Err(Refusal::TooManyRatingsWithheld);
        }
        Ok(())
    }
}

/// The share of the disputes `rep` took part in, opened or answered, that it lost, in basis
/// points (0 without any).
pub fn lost_bps(rep: &AccountReputation) -> u32 {
    share_bps(
        u64::from(rep.disputes_lost).saturating_add(u64::from(rep.disputes_answered_lost)),
        u64::from(rep.disputes_opened).saturating_add(u64::from(rep.disputes_answered)),
    )
}

/// The share of `rep`'s deals as seller that it failed, in basis points (0 without any).
pub fn failed_bps(rep: &AccountReputation) -> u32 {
    share_bps(
        u64::from(rep.deals_failed_as_seller),
        u64::from(rep.deals_as_seller),
    )
}

/// `part` of `whole` in basis points, 0 for an empty whole.
fn share_bps(part: u64, whole: u64) -> u32 {
    part.saturating_mul(u64::from(WHOLE_BPS))
        .checked_div(whole)
        .map_or(0, |bps| u32::try_from(bps).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disputes_lost_as_respondent_count_against_the_dispute_rule() {
        let rep = AccountReputation {
            disputes_answered: 2,
            disputes_answered_lost: 2,
            ..AccountReputation::default()
        };
        assert_eq!(lost_bps(&rep), 10_000);
        let rules = Screening {
            max_disputes_lost_bps: 5_000,
            ..Screening::default()
        };
        assert_eq!(
            rules.check(account(1), &rep),
            Err(Refusal::TooManyDisputesLost)
        );
    }

    #[test]
    fn a_seller_who_never_delivers_fails_the_failed_share_rule() {
        let rep = AccountReputation {
            deals_as_seller: 3,
            deals_failed_as_seller: 3,
            ..AccountReputation::default()
        };
        let rules = Screening {
            max_failed_bps: 3_333,
            ..Screening::default()
        };
        assert!(rules.needs_reputation());
        assert_eq!(
            rules.check(account(1), &rep),
            Err(Refusal::TooManyDealsFailed)
        );
    }

    fn account(n: u8) -> AccountId {
        AccountId::from([n; 32])
    }

    fn seasoned() -> AccountReputation {
        AccountReputation {
            deals_completed_as_buyer: 2,
            deals_completed_as_seller: 3,
            weighted_average_centi: 450,
            disputes_opened: 3,
            disputes_lost: 1,
            disputes_answered: 1,
            disputes_answered_lost: 0,
            deals_as_seller: 4,
            deals_failed_as_seller: 1,
            volume: 1_000,
            ratings_withheld: 1,
            ..AccountReputation::default()
        }
    }

    #[test]
    fn no_rules_let_everyone_through_without_reading_reputation() {
        let rules = Screening::default();
        assert!(!rules.needs_reputation());
        assert!(rules.is_valid());
        assert_eq!(
            rules.check(account(1), &AccountReputation::default()),
            Ok(())
        );
    }

    #[test]
    fn each_rule_refuses_with_its_own_reason() {
        let rep = seasoned();
        let cases = [
            (
                Screening {
                    min_deals: 6,
                    ..Screening::default()
                },
                Refusal::TooFewDeals,
            ),
            (
                Screening {
                    min_rating_centi: 451,
                    ..Screening::default()
                },
                Refusal::RatingTooLow,
            ),
            (
                Screening {
                    max_disputes_lost_bps: 2_499,
                    ..Screening::default()
                },
                Refusal::TooManyDisputesLost,
            ),
            (
                Screening {
                    max_failed_bps: 2_499,
                    ..Screening::default()
                },
                Refusal::TooManyDealsFailed,
            ),
            (
                Screening {
                    min_volume: 1_001,
                    ..Screening::default()
                },
                Refusal::TooLittleVolume,
            ),
            (
                Screening {
                    max_ratings_withheld: 0,
                    ..Screening::default()
                },
                Refusal::TooManyRatingsWithheld,
            ),
            (
                Screening {
                    allow: Vec::from([account(2)]),
                    ..Screening::default()
                },
                Refusal::NotAllowed,
            ),
            (
                Screening {
                    block: Vec::from([account(1)]),
                    ..Screening::default()
                },
                Refusal::Blocked,
            ),
        ];
        for (rules, refusal) in cases {
            assert_eq!(rules.check(account(1), &rep), Err(refusal), "{rules:?}");
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let rules = Screening {
            min_deals: 5,
            min_rating_centi: 450,
            max_disputes_lost_bps: 2_500,
            max_failed_bps: 2_500,
            min_volume: 1_000,
            max_ratings_withheld: 1,
            allow: Vec::from([account(1)]),
            block: Vec::from([account(2)]),
        };
        assert!(rules.needs_reputation());
        assert_eq!(rules.check(account(1), &seasoned()), Ok(()));
    }

    #[test]
    fn a_newcomer_has_no_deals_no_rating_and_no_lost_disputes() {
        let newcomer = AccountReputation::default();
        assert_eq!(lost_bps(&newcomer), 0);
        assert_eq!(failed_bps(&newcomer), 0);
        let rules = Screening {
            max_disputes_lost_bps: 0,
            ..Screening::default()
        };
        assert_eq!(rules.check(account(1), &newcomer), Ok(()));
        let rules = Screening {
            min_rating_centi: 1,
            ..Screening::default()
        };
        assert_eq!(
            rules.check(account(1), &newcomer),
            Err(Refusal::RatingTooLow)
        );
    }

    #[test]
    fn overlong_lists_and_shares_above_whole_are_invalid() {
        let long = Vec::from([account(1); MAX_LISTED + 1]);
        assert!(!Screening {
            allow: long.clone(),
            ..Screening::default()
        }
        .is_valid());
        assert!(!Screening {
            block: long,
            ..Screening::default()
        }
        .is_valid());
        assert!(!Screening {
            max_disputes_lost_bps: 10_001,
            ..Screening::default()
        }
        .is_valid());
        assert!(!Screening {
            max_failed_bps: 10_001,
            ..Screening::default()
        }
        .is_valid());
    }
}
