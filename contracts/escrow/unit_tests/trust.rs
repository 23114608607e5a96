//! What a deal tells the reputation contract, and the rules that keep a record honest: every
//! failure of a seller is reported, a dispute is won or lost on the disputed step alone, the
//! arbiter decides the bond apart from the split, and settings cannot lift a bound.

use super::*;
use crate::Milestone;
use reputation::counters::{count, Role};
use reputation::AccountReputation;

/// What the report of an ended deal adds to the account in `role`.
fn counted(deal: &Deal, role: Role) -> AccountReputation {
    let mut stats = AccountReputation::default();
    count(&mut stats, &deal.report().expect("ended"), role);
    stats
}

#[ink::test]
fn a_seller_whose_deal_is_reclaimed_is_reported_as_failed() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    at(START + 2 * DAY);
    call_as(a.stranger, 0);
    assert_eq!(escrow.reclaim(id), Ok(()));
    let seller = counted(&deal(&escrow, id), Role::Seller);
    assert_eq!(
        (seller.deals_as_seller, seller.deals_failed_as_seller),
        (1, 1)
    );
}

#[ink::test]
fn a_seller_who_refunds_undelivered_after_the_deadline_is_reported_as_failed() {
    let (mut escrow, a) = deploy();
    let (_, late) = open_deal(&mut escrow, &a, 1);
    let (_, early) = open_deal(&mut escrow, &a, 1);
    call_as(a.seller, 0);
    assert_eq!(escrow.refund(early), Ok(()));
    at(START + 2 * DAY);
    call_as(a.seller, 0);
    assert_eq!(escrow.refund(late), Ok(()));
    assert!(deal(&escrow, late).report().unwrap().seller_failed);
    assert!(
        !deal(&escrow, early).report().unwrap().seller_failed,
        "a refund in time is no failure"
    );
}

#[ink::test]
fn a_lapsed_dispute_opened_before_delivery_is_a_failure_of_the_seller() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    dispute(&mut escrow, a.seller, id);
    at(START + DAY);
    call_as(a.stranger, 0);
    assert_eq!(escrow.finalize(id), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(d.state, DealState::DefaultRuled);
    let report = d.report().unwrap();
    assert_eq!((report.seller_failed, report.seller_bps), (true, Some(0)));
    let seller = counted(&d, Role::Seller);
    assert_eq!((seller.disputes_opened, seller.disputes_lost), (1, 1));
}

#[ink::test]
fn a_settlement_after_the_deadline_is_no_failure_the_buyer_agreed_to_it() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    at(START + 2 * DAY);
    call_as(a.seller, 0);
    assert_eq!(escrow.propose_split(id, 2_000), Ok(()));
    call_as(a.buyer, 0);
    assert_eq!(escrow.accept_split(id, 2_000, 0), Ok(()));
    let report = deal(&escrow, id).report().unwrap();
    assert_eq!(
        (report.seller_failed, report.seller_bps),
        (false, Some(2_000))
    );
}

/// Per unit: 70% within 1 day, then 30% within 1 more day.
fn seventy_thirty(escrow: &mut Escrow, a: &Accounts) -> u64 {
    call_as(a.seller, BOND * Balance::from(QUANTITY));
    let offer = escrow
        .create_offer(OfferTerms {
            milestones: vec![
                Milestone {
                    amount: PRICE * 7 / 10,
                    delivery_window: DAY,
                },
                Milestone {
                    amount: PRICE * 3 / 10,
                    delivery_window: DAY,
                },
            ],
            ..terms(a)
        })
        .expect("listed");
    call_as(a.buyer, PRICE);
    escrow.accept_offer(offer, 1, 1).expect("accepted")
}

#[ink::test]
fn a_buyer_who_wins_the_dispute_over_the_second_step_is_counted_as_the_winner() {
    let (mut escrow, a) = deploy();
    let id = seventy_thirty(&mut escrow, &a);
    call_as(a.buyer, 0);
    assert_eq!(escrow.release_milestone(id, 0), Ok(()));
    call_as(a.seller, 0);
    assert_eq!(escrow.mark_delivered(id, None), Ok(()));
    dispute(&mut escrow, a.buyer, id);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(id, 0, true, None), Ok(()));

    let d = deal(&escrow, id);
    assert_eq!(
        d.report().unwrap().seller_bps,
        Some(0),
        "step 2's split alone"
    );
    let buyer = counted(&d, Role::Buyer);
    assert_eq!(
        (
            buyer.disputes_opened,
            buyer.disputes_won,
            buyer.disputes_lost
        ),
        (1, 1, 0)
    );
    let seller = counted(&d, Role::Seller);
    assert_eq!(
        (seller.disputes_answered, seller.disputes_answered_lost),
        (1, 1)
    );
}

#[ink::test]
fn a_buyer_who_wins_after_a_partial_release_is_counted_as_the_winner() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    call_as(a.buyer, 0);
    assert_eq!(escrow.release(id, PRICE * 7 / 10), Ok(()));
    dispute(&mut escrow, a.buyer, id);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(id, 1_000, true, None), Ok(()));
    let buyer = counted(&deal(&escrow, id), Role::Buyer);
    assert_eq!((buyer.disputes_won, buyer.disputes_lost), (1, 0));
}

#[ink::test]
fn an_arbiter_can_refund_the_buyer_without_finding_the_seller_at_fault() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    dispute(&mut escrow, a.buyer, id);
    let seller_before = balance(a.seller);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(id, 0, false, None), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!((d.payout.bond_returned, d.payout.bond_to_buyer), (BOND, 0));
    assert_eq!(balance(a.seller), seller_before + BOND);
    assert!(!d.report().unwrap().seller_failed);
    assert_solvent(&escrow);
}

#[ink::test]
fn an_arbiter_can_find_a_seller_who_marked_delivery_at_fault() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    dispute(&mut escrow, a.buyer, id);
    let buyer_before = balance(a.buyer);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(id, 0, true, None), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(
        d.payout.bond_to_buyer, BOND,
        "delivered is the seller's own word"
    );
    assert_eq!(balance(a.buyer), buyer_before + d.payout.to_buyer + BOND);
    assert!(d.report().unwrap().seller_failed);
    assert_solvent(&escrow);
}

#[ink::test]
fn the_owner_cannot_lower_the_fee_below_the_floor() {
    let a = accounts();
    at(START);
    call_as(a.owner, 0);
    let floored = Settings {
        fee_floor_bps: 50,
        ..SETTINGS
    };
    assert_eq!(
        Escrow::new(a.owner, 49, a.fee_recipient, None, floored).err(),
        Some(Error::FeeBelowFloor)
    );
    let mut escrow = Escrow::new(a.owner, 100, a.fee_recipient, None, floored).expect("valid");
    assert_eq!(escrow.set_fee(49), Err(Error::FeeBelowFloor));
    assert_eq!(escrow.set_fee(50), Ok(()));
    assert_eq!(escrow.config().fee_bps, 50);
    assert_eq!(escrow.config().settings.fee_floor_bps, 50);
}

#[ink::test]
fn settings_that_lift_a_bound_are_refused() {
    let a = accounts();
    at(START);
    call_as(a.owner, 0);
    let reputation = Some(a.stranger);
    let cases = [
        Settings {
            report_ref_time: 0,
            ..SETTINGS
        },
        Settings {
            report_proof_size: 0,
            ..SETTINGS
        },
        Settings {
            report_deposit_limit: 0,
            ..SETTINGS
        },
        Settings {
            prune_after: 0,
            ..SETTINGS
        },
    ];
    for settings in cases {
        assert_eq!(
            Escrow::new(a.owner, FEE_BPS, a.fee_recipient, reputation, settings).err(),
            Some(Error::InvalidSettings),
            "{settings:?}"
        );
    }
}

#[ink::test]
fn a_seller_removes_its_withdrawn_offer_and_nobody_else_can() {
    let (mut escrow, a) = deploy();
    let offer = list(&mut escrow, &a);
    call_as(a.seller, 0);
    assert_eq!(escrow.remove_offer(offer), Err(Error::StillActive));
    assert_eq!(escrow.withdraw_offer(offer), Ok(()));
    call_as(a.stranger, 0);
    assert_eq!(escrow.remove_offer(offer), Err(Error::NotSeller));
    call_as(a.seller, 0);
    assert_eq!(escrow.remove_offer(offer), Ok(()));
    assert_eq!(escrow.offer(offer), None);
    assert_eq!(last::<OfferRemoved>().offer_id, offer);
    assert_eq!(escrow.remove_offer(offer), Err(Error::OfferNotFound));
}

#[ink::test]
fn a_retired_arbiter_leaves_the_registry_and_may_register_again() {
    let (mut escrow, a) = deploy();
    call_as(a.arbiter, 0);
    assert_eq!(escrow.remove_arbiter(), Err(Error::StillActive));
    assert_eq!(escrow.retire_arbiter(), Ok(()));
    assert_eq!(escrow.remove_arbiter(), Ok(()));
    assert_eq!(escrow.arbiter(a.arbiter), None);
    assert!(escrow.arbiters(0, 10).is_empty());
    assert_eq!(last::<ArbiterRemoved>().arbiter, a.arbiter);
    assert_eq!(escrow.remove_arbiter(), Err(Error::ArbiterNotRegistered));

    assert_eq!(escrow.register_arbiter(300, 0, Hash::default()), Ok(()));
    let listed = escrow.arbiters(0, 10);
    assert_eq!(listed.len(), 1, "listed once, in a new slot");
    assert_eq!((listed[0].0, listed[0].1.index), (a.arbiter, 1));
}

#[ink::test]
fn a_retired_arbiter_that_left_still_rules_its_open_deal() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    dispute(&mut escrow, a.buyer, id);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.retire_arbiter(), Ok(()));
    assert_eq!(escrow.remove_arbiter(), Ok(()));
    assert_eq!(escrow.rule(id, 5_000, false, None), Ok(()));
    assert_eq!(deal(&escrow, id).state, DealState::Ruled);
}
