//! What one deal report adds to the counters of each account it names: pure functions, so the
//! contract, its unit tests and the escrow's property test read the same rules.
//!
//! - Every counted deal adds to both parties' `volume` what the seller received. A deal that
//!   paid the seller or that the seller failed adds to its `deals_as_seller`, and a failed one
//!   to its `deals_failed_as_seller`. A deal refunded in time paid nobody and failed nobody:
//!   it counts for neither, so a seller cannot dilute its failures with refunded self-deals
//!   that cost only transaction fees (each deal that pays the seller pays the fee floor).
//! - An account whose counters a report does not change is not written: a refund in time
//!   without a dispute writes nothing, as before these counters.
//! - A dispute counts for its opener (`disputes_opened`) and for the other party
//!   (`disputes_answered`). It is won or lost only when the arbiter's ruling, or its default,
//!   ended the deal, on the split of the disputed step alone (`DealReport::seller_bps`). A
//!   refund or a split the other side agreed to is neither.
//! - An arbiter counts the disputes that reached it (`arbitrations`) and the ones it ruled in
//!   time (`arbitrations_in_time`): a silent arbiter's default counts against it.

use crate::reputation::{EVEN_BPS, MAX_BPS as WHOLE_BPS};
use crate::{AccountReputation, DealOutcome, DealReport};

/// The part an account played in a reported deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Buyer,
    Seller,
    Arbiter,
}

/// How a dispute ended for the party that opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    OpenerWon,
    OpenerLost,
    Neither,
}

/// The roles of the accounts whose counters `report` changes, in the order they are written:
/// the buyer when the deal completed, paid the seller or was disputed; the seller when it was
/// paid, failed or disputed; the arbiter when the deal ended by its ruling or its default.
pub fn roles(report: &DealReport) -> impl Iterator<Item = (ink::primitives::AccountId, Role)> {
    let ruled = matches!(
        report.outcome,
        DealOutcome::Ruled | DealOutcome::DefaultRuled
    );
    let paid = report.value > 0;
    let disputed = report.dispute_opened_by.is_some();
    let completed = report.outcome == DealOutcome::Completed;
    [
        (completed || paid || disputed).then_some((report.buyer, Role::Buyer)),
        (paid || report.seller_failed || disputed).then_some((report.seller, Role::Seller)),
        ruled.then_some((report.arbiter, Role::Arbiter)),
    ]
    .into_iter()
    .flatten()
}

/// Adds what a counted report (at least the registry's minimum amount) says about the
/// account in `role` to `stats`. Counters saturate, never wrap.
pub fn count(stats: &mut AccountReputation, report: &DealReport, role: Role) {
    let completed = report.outcome == DealOutcome::Completed;
    match role {
        Role::Arbiter => {
            stats.arbitrations = stats.arbitrations.saturating_add(1);
            if report.outcome == DealOutcome::Ruled {
                stats.arbitrations_in_time = stats.arbitrations_in_time.saturating_add(1);
            }
            return;
        }
        Role::Buyer => {
            if completed {
                stats.deals_completed_as_buyer = stats.deals_completed_as_buyer.saturating_add(1);
            }
        }
        Role::Seller => {
            if report.value > 0 || report.seller_failed {
                stats.deals_as_seller = stats.deals_as_seller.saturating_add(1);
            }
            if completed {
                stats.deals_completed_as_seller = stats.deals_completed_as_seller.saturating_add(1);
            }
            if report.seller_failed {
                stats.deals_failed_as_seller = stats.deals_failed_as_seller.saturating_add(1);
            }
        }
    }
    stats.volume = stats.volume.saturating_add(report.value);

    let Some(opener) = report.dispute_opened_by else {
        return;
    };
    let me = if role == Role::Buyer {
        report.buyer
    } else {
        report.seller
    };
    let verdict = verdict(report);
    if me == opener {
        stats.disputes_opened = stats.disputes_opened.saturating_add(1);
        match verdict {
            Verdict::OpenerWon => stats.disputes_won = stats.disputes_won.saturating_add(1),
            Verdict::OpenerLost => stats.disputes_lost = stats.disputes_lost.saturating_add(1),
            Verdict::Neither => {}
        }
    } else {
        stats.disputes_answered = stats.disputes_answered.saturating_add(1);
        match verdict {
            Verdict::OpenerWon => {
                stats.disputes_answered_lost = stats.disputes_answered_lost.saturating_add(1)
            }
            Verdict::OpenerLost => {
                stats.disputes_answered_won = stats.disputes_answered_won.saturating_add(1)
            }
            Verdict::Neither => {}
        }
    }
}

/// Whether the opener of the report's dispute won it: only a ruling or its default decides,
/// on the seller's share of the disputed step.
fn verdict(report: &DealReport) -> Verdict {
    let decided = matches!(
        report.outcome,
        DealOutcome::Ruled | DealOutcome::DefaultRuled
    );
    let (Some(opener), Some(seller_bps), true) =
        (report.dispute_opened_by, report.seller_bps, decided)
    else {
        return Verdict::Neither;
    };
    let opener_bps = if opener == report.seller {
        seller_bps
    } else {
        WHOLE_BPS.saturating_sub(seller_bps)
    };
    match opener_bps {
        bps if bps > EVEN_BPS => Verdict::OpenerWon,
        bps if bps < EVEN_BPS => Verdict::OpenerLost,
        _ => Verdict::Neither,
    }
}
