//! Deals paid by milestones: each step is delivered, reviewed and paid on its own; a dispute,
//! refund, settlement or reclaim concerns the current step and returns the later ones.

use super::*;
use crate::{Milestone, MAX_MILESTONES};

/// Per unit: 40% within 1 day, then 60% within 1 more day (the offer's 2-day window).
fn plan() -> Vec<Milestone> {
    vec![
        Milestone {
            amount: PRICE * 4 / 10,
            delivery_window: DAY,
        },
        Milestone {
            amount: PRICE * 6 / 10,
            delivery_window: DAY,
        },
    ]
}

fn list_staged(escrow: &mut Escrow, a: &Accounts) -> u64 {
    call_as(a.seller, BOND * Balance::from(QUANTITY));
    escrow
        .create_offer(OfferTerms {
            milestones: plan(),
            ..terms(a)
        })
        .expect("offer with milestones listed")
}

/// A deal for 2 units of a 2-step offer: steps of 800,000 and 1,200,000.
fn staged_deal(escrow: &mut Escrow, a: &Accounts) -> u64 {
    let offer_id = list_staged(escrow, a);
    call_as(a.buyer, PRICE * 2);
    escrow.accept_offer(offer_id, 2, 1).expect("deal opened")
}

fn deliver(escrow: &mut Escrow, a: &Accounts, id: u64) {
    call_as(a.seller, 0);
    escrow.mark_delivered(id, None).expect("delivered");
}

fn after_fee(amount: Balance) -> Balance {
    amount - bps_of(amount, FEE_BPS)
}

#[ink::test]
fn a_plan_that_does_not_add_up_to_the_price_and_window_is_refused() {
    let (mut escrow, a) = deploy();
    let step = |amount, delivery_window| Milestone {
        amount,
        delivery_window,
    };
    let bad = [
        (
            "amounts short of the price",
            vec![step(PRICE / 2, DAY), step(PRICE / 4, DAY)],
        ),
        (
            "amounts above the price",
            vec![step(PRICE, DAY), step(1, DAY)],
        ),
        (
            "windows short of the delivery window",
            vec![step(PRICE / 2, DAY), step(PRICE / 2, HOUR)],
        ),
        (
            "a step paying nothing",
            vec![step(PRICE, DAY), step(0, DAY)],
        ),
        (
            "a step below the minimum window",
            vec![step(PRICE / 2, 2 * DAY - 1), step(PRICE / 2, 1)],
        ),
        (
            "an amount that overflows",
            vec![step(Balance::MAX, DAY), step(PRICE + 1, DAY)],
        ),
        (
            "more than 8 steps",
            vec![step(PRICE / 16, 2 * DAY / 16); 16],
        ),
    ];
    for (what, milestones) in bad {
        call_as(a.seller, BOND * Balance::from(QUANTITY));
        let refused = escrow.create_offer(OfferTerms {
            milestones,
            ..terms(&a)
        });
        assert_eq!(refused, Err(Error::InvalidMilestones), "{what}");
        test::transfer_in::<Env>(0);
    }
    let eight = vec![step(PRICE / 8, 2 * DAY / 8); MAX_MILESTONES];
    call_as(a.seller, BOND * Balance::from(QUANTITY));
    let offer_id = escrow
        .create_offer(OfferTerms {
            milestones: eight.clone(),
            ..terms(&a)
        })
        .expect("8 steps are allowed");
    assert_eq!(escrow.offer(offer_id).unwrap().terms.milestones, eight);
}

#[ink::test]
fn a_step_paid_after_its_scheduled_end_gives_the_next_its_whole_window_from_the_payment() {
    let (mut escrow, a) = deploy();
    let id = staged_deal(&mut escrow, &a);
    at(START + HOUR);
    deliver(&mut escrow, &a, id);
    at(START + DAY + 2 * HOUR);
    call_as(a.buyer, 0);
    assert_eq!(escrow.release_milestone(id, 0), Ok(()));
    assert_eq!(
        deal(&escrow, id).delivery_deadline,
        START + DAY + 2 * HOUR + DAY
    );
}

#[ink::test]
fn a_deal_pays_its_milestones_one_at_a_time() {
    let (mut escrow, a) = deploy();
    let id = staged_deal(&mut escrow, &a);
    let d = deal(&escrow, id);
    let steps: Vec<_> = d.milestones.iter().map(|m| m.amount).collect();
    assert_eq!(
        steps,
        vec![PRICE * 8 / 10, PRICE * 12 / 10],
        "amounts for 2 units"
    );
    assert_eq!(
        (d.milestone, d.at_stake(), d.later_steps()),
        (0, PRICE * 8 / 10, PRICE * 12 / 10)
    );
    assert_eq!(d.delivery_deadline, START + DAY, "the first step's window");

    let seller_before = balance(a.seller);
    at(START + HOUR);
    deliver(&mut escrow, &a, id);
    call_as(a.buyer, 0);
    assert_eq!(escrow.release_milestone(id, 0), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(
        (d.state, d.milestone, d.released),
        (DealState::Funded, 1, PRICE * 8 / 10)
    );
    assert_eq!(
        (d.delivered_at, d.review_deadline),
        (0, 0),
        "the new step is undelivered"
    );
    assert_eq!(
        d.delivery_deadline,
        START + DAY + DAY,
        "an early payment does not pull the next deadline forward"
    );
    assert_eq!(balance(a.seller), seller_before + after_fee(PRICE * 8 / 10));
    let started = last::<MilestoneStarted>();
    assert_eq!(
        (
            started.deal_id,
            started.milestone,
            started.delivery_deadline
        ),
        (id, 1, START + DAY + DAY)
    );
    assert_solvent(&escrow);

    deliver(&mut escrow, &a, id);
    call_as(a.buyer, 0);
    assert_eq!(escrow.release_milestone(id, 1), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(d.state, DealState::Completed);
    assert_eq!(
        balance(a.seller),
        seller_before + after_fee(PRICE * 8 / 10) + after_fee(PRICE * 12 / 10) + BOND * 2
    );
    assert_paid_in_full(&d);
    let report = d.report().unwrap();
    assert_eq!((report.seller_bps, report.seller_failed), (None, false));
    assert_solvent(&escrow);
}

#[ink::test]
fn a_repeated_milestone_release_cannot_pay_the_next_milestone() {
    let (mut escrow, a) = deploy();
    let id = staged_deal(&mut escrow, &a);
    call_as(a.buyer, 0);
    escrow.release_milestone(id, 0).expect("first step paid");
    let seller_before = balance(a.seller);
    assert_eq!(escrow.release_milestone(id, 0), Err(Error::WrongMilestone));
    assert_eq!(escrow.release_milestone(id, 2), Err(Error::WrongMilestone));
    assert_eq!(balance(a.seller), seller_before);
    assert_eq!(deal(&escrow, id).milestone, 1);
    call_as(a.stranger, 0);
    assert_eq!(escrow.release_milestone(id, 1), Err(Error::NotBuyer));
}

#[ink::test]
fn a_seller_who_finalizes_first_cannot_turn_a_release_into_payment_for_the_next_step() {
    let (mut escrow, a) = deploy();
    let id = staged_deal(&mut escrow, &a);
    deliver(&mut escrow, &a, id);
    // The review window of step 0 ended; the buyer releases step 0, and the seller's
    // `finalize` lands first and pays it.
    at(START + DAY);
    call_as(a.seller, 0);
    escrow.finalize(id).expect("step 0 paid");
    let seller_before = balance(a.seller);
    call_as(a.buyer, 0);
    // A release that names no step is refused on a deal paid in milestones, whatever the
    // amount, so it cannot pay the undelivered step 1.
    for amount in [PRICE * 8 / 10, 1, PRICE * 12 / 10] {
        assert_eq!(escrow.release(id, amount), Err(Error::WrongMilestone));
    }
    assert_eq!(escrow.release_milestone(id, 0), Err(Error::WrongMilestone));
    let d = deal(&escrow, id);
    assert_eq!(
        (d.state, d.milestone, d.released),
        (DealState::Funded, 1, PRICE * 8 / 10)
    );
    assert_eq!(balance(a.seller), seller_before);
    assert_solvent(&escrow);
}

#[ink::test]
fn a_split_proposed_for_one_milestone_cannot_be_accepted_for_the_next() {
    let (mut escrow, a) = deploy();
    let id = staged_deal(&mut escrow, &a);
    call_as(a.seller, 0);
    escrow
        .propose_split(id, BPS)
        .expect("proposed for the first step");
    call_as(a.buyer, 0);
    escrow.release_milestone(id, 0).expect("first step paid");
    assert_eq!(escrow.accept_split(id, BPS, 0), Err(Error::NoProposal));
    assert_eq!(deal(&escrow, id).state, DealState::Funded);
}

#[ink::test]
fn a_seller_who_finalizes_and_proposes_again_first_cannot_move_an_accepted_split_to_the_next_step()
{
    let (mut escrow, a) = deploy();
    let id = staged_deal(&mut escrow, &a);
    deliver(&mut escrow, &a, id);
    call_as(a.seller, 0);
    escrow.propose_split(id, 5_000).expect("half of step 0");
    // The buyer accepts half of step 0; the seller's finalize (paying all of step 0) and the
    // same split proposed again, now for step 1, land first.
    at(START + DAY);
    escrow.finalize(id).expect("step 0 paid");
    escrow
        .propose_split(id, 5_000)
        .expect("the same bps for step 1");
    call_as(a.buyer, 0);
    assert_eq!(
        escrow.accept_split(id, 5_000, 0),
        Err(Error::WrongMilestone)
    );
    let d = deal(&escrow, id);
    assert_eq!((d.state, d.milestone), (DealState::Funded, 1));
    // Named for the step under way, the split settles it.
    assert_eq!(escrow.accept_split(id, 5_000, 1), Ok(()));
    assert_eq!(deal(&escrow, id).state, DealState::Settled);
    assert_solvent(&escrow);
}

#[ink::test]
fn an_offer_paid_by_milestones_keeps_its_price() {
    let (mut escrow, a) = deploy();
    let offer_id = list_staged(&mut escrow, &a);
    call_as(a.seller, 0);
    assert_eq!(
        escrow.update_offer(offer_id, PRICE * 2, QUANTITY),
        Err(Error::InvalidMilestones)
    );
    assert_eq!(escrow.offer(offer_id).unwrap().version, 1);
    assert_eq!(
        escrow.update_offer(offer_id, PRICE, QUANTITY - 1),
        Ok(2),
        "quantity may change"
    );
}
