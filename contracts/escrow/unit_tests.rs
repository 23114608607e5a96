//! Unit tests in ink!'s off-chain environment. A message that returns `Err` is NOT reverted
//! here, so every message checks everything before its first write; the e2e tests prove the
//! on-chain reverts. Tests are named after the rule they hold, most after an attack.

use crate::escrow::*;
use crate::{
    bps_of, share_bps, split, Shares, BPS, MAX_ARBITER_FEE_BPS, MAX_DESCRIPTION_BYTES,
    MAX_OFFER_PAGE, MAX_PAGE, MAX_TITLE_BYTES, MAX_WINDOW_MS,
};
use ink::env::test::{self, EmittedEvent};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::{AccountId, Hash};
use reputation::screening::{Refusal, Screening};

type Balance = u128;

const CONTRACT: [u8; 32] = [0xC0; 32];
const START: u64 = 1_000_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;
const PRICE: Balance = 1_000_000;
const BOND: Balance = 100_000;
const QUANTITY: u32 = 5;
const FEE_BPS: u16 = 100; // 1%
const ARBITER_FEE_BPS: u16 = 500; // 5%
const FUNDS: Balance = 1_000_000_000_000;
const SETTINGS: Settings = Settings {
    min_delivery_window: HOUR,
    min_review_window: DAY,
    min_ruling_window: DAY,
    prune_after: 2 * DAY,
    report_ref_time: 1_000_000_000,
    report_proof_size: 100_000,
    report_deposit_limit: 1_000_000,
    requests_code: None,
    award_window: 0,
    fee_floor_bps: 0,
};

struct Accounts {
    owner: AccountId,
    seller: AccountId,
    buyer: AccountId,
    arbiter: AccountId,
    fee_recipient: AccountId,
    stranger: AccountId,
}

fn contract() -> AccountId {
    AccountId::from(CONTRACT)
}

fn accounts() -> Accounts {
    let d = test::default_accounts::<Env>();
    Accounts {
        owner: d.alice,
        seller: d.bob,
        buyer: d.charlie,
        arbiter: d.django,
        fee_recipient: d.eve,
        stranger: d.frank,
    }
}

fn balance(account: AccountId) -> Balance {
    test::get_account_balance::<Env>(account).unwrap_or(0)
}

/// Calls as `caller`, moving `value` from the caller to the contract first (as the chain
/// does for a payable call).
fn call_as(caller: AccountId, value: Balance) {
    test::set_caller::<Env>(caller);
    test::transfer_in::<Env>(value);
}

fn at(time: u64) {
    test::set_block_timestamp::<Env>(time);
}

/// An escrow with the arbiter registered at 5% and no minimum.
fn deploy() -> (Escrow, Accounts) {
    let a = accounts();
    for account in [
        a.owner,
        a.seller,
        a.buyer,
        a.arbiter,
        a.fee_recipient,
        a.stranger,
    ] {
        test::set_account_balance::<Env>(account, FUNDS);
    }
    test::set_callee::<Env>(contract());
    test::set_account_balance::<Env>(contract(), 0);
    at(START);
    call_as(a.owner, 0);
    let mut escrow = Escrow::new(a.owner, FEE_BPS, a.fee_recipient, None, SETTINGS).expect("valid");
    call_as(a.arbiter, 0);
    escrow
        .register_arbiter(ARBITER_FEE_BPS, 0, Hash::from([1; 32]))
        .expect("arbiter registered");
    (escrow, a)
}

fn terms(a: &Accounts) -> OfferTerms {
    OfferTerms {
        title: "Road bike".into(),
        description: "Steel frame, 56cm".into(),
        price: PRICE,
        quantity: QUANTITY,
        arbiter: a.arbiter,
        delivery_window: 2 * DAY,
        review_window: DAY,
        ruling_window: DAY,
        bond_per_unit: BOND,
        screening: Screening::default(),
        milestones: Vec::new(),
    }
}

fn list(escrow: &mut Escrow, a: &Accounts) -> u64 {
    call_as(a.seller, BOND * Balance::from(QUANTITY));
    escrow.create_offer(terms(a)).expect("offer listed")
}

/// A listed offer and a deal for `quantity` units of it.
fn open_deal(escrow: &mut Escrow, a: &Accounts, quantity: u32) -> (u64, u64) {
    let offer_id = list(escrow, a);
    call_as(a.buyer, PRICE * Balance::from(quantity));
    let deal_id = escrow
        .accept_offer(offer_id, quantity, 1)
        .expect("deal opened");
    (offer_id, deal_id)
}

fn delivered_deal(escrow: &mut Escrow, a: &Accounts) -> u64 {
    let (_, deal_id) = open_deal(escrow, a, 1);
    call_as(a.seller, 0);
    escrow.mark_delivered(deal_id, None).expect("delivered");
    deal_id
}

fn dispute(escrow: &mut Escrow, by: AccountId, deal_id: u64) {
    call_as(by, 0);
    escrow
        .open_dispute(deal_id, Hash::from([7; 32]))
        .expect("disputed");
}

fn deal(escrow: &Escrow, id: u64) -> Deal {
    escrow.deal(id).expect("deal exists")
}

fn owed(escrow: &Escrow) -> Balance {
    escrow.config().owed
}

fn assert_solvent(escrow: &Escrow) {
    assert_eq!(
        balance(contract()),
        owed(escrow),
        "contract balance == what it owes"
    );
}

fn assert_paid_in_full(deal: &Deal) {
    let p = deal.payout;
    assert_eq!(
        p.to_seller + p.to_buyer + p.platform_fee + p.arbiter_fee,
        deal.amount
    );
}

fn events_of<E: ink::env::Event + scale::Decode>() -> Vec<E> {
    test::recorded_events()
        .filter(|e: &EmittedEvent| {
            e.topics.first().map(|t| t.as_slice())
                == E::SIGNATURE_TOPIC.as_ref().map(|t| t.as_slice())
        })
        .map(|e| E::decode(&mut &e.data[..]).expect("event decodes"))
        .collect()
}

fn last<E: ink::env::Event + scale::Decode>() -> E {
    events_of::<E>().pop().expect("event emitted")
}

// ---- money rules ----

#[ink::test]
fn split_shares_add_up_and_remainder_goes_to_buyer() {
    let s = split(1_001, 3_333, 500, 100);
    // arbiter 1001 * 5% = 50.05 -> 50; pool 951; seller 951 * 33.33% = 316.97 -> 316;
    // platform 316 * 1% = 3.16 -> 3; the buyer gets the rest, remainders included.
    assert_eq!(
        s,
        Shares {
            arbiter_fee: 50,
            to_seller: 313,
            platform_fee: 3,
            to_buyer: 635
        }
    );
    assert_eq!(bps_of(u128::MAX, BPS), u128::MAX);
    assert_eq!(bps_of(u128::MAX, 5_000), u128::MAX / 2);
}

#[ink::test]
fn share_bps_is_the_part_of_the_whole() {
    assert_eq!(share_bps(1, 3), 3_333);
    assert_eq!(share_bps(0, 10), 0);
    assert_eq!(share_bps(10, 10), BPS);
    assert_eq!(share_bps(0, 0), BPS);
    // Past 2^114 the part is scaled down first: within one basis point, never above 10_000.
    assert!((4_999..=5_000).contains(&share_bps(u128::MAX / 2, u128::MAX)));
    assert!((9_999..=BPS).contains(&share_bps(u128::MAX - 1, u128::MAX)));
}

// ---- hole 4: fees only go down ----

#[ink::test]
fn constructor_rejects_a_fee_above_ten_percent_and_zero_minimum_windows() {
    let a = accounts();
    assert_eq!(
        Escrow::new(a.owner, 1_001, a.fee_recipient, None, SETTINGS).err(),
        Some(Error::FeeIncrease)
    );
    for zero in 0..3 {
        let mut s = SETTINGS;
        match zero {
            0 => s.min_delivery_window = 0,
            1 => s.min_review_window = 0,
            _ => s.min_ruling_window = MAX_WINDOW_MS + 1,
        }
        assert_eq!(
            Escrow::new(a.owner, 0, a.fee_recipient, None, s).err(),
            Some(Error::InvalidWindow)
        );
    }
}

#[ink::test]
fn the_owner_cannot_raise_the_fee_just_before_an_accept() {
    let (mut escrow, a) = deploy();
    let offer_id = list(&mut escrow, &a);
    call_as(a.owner, 0);
    assert_eq!(escrow.set_fee(FEE_BPS + 1), Err(Error::FeeIncrease));
    assert_eq!(escrow.set_fee(1_000), Err(Error::FeeIncrease));
    assert_eq!(escrow.config().fee_bps, FEE_BPS);
    call_as(a.buyer, PRICE);
    let id = escrow.accept_offer(offer_id, 1, 1).unwrap();
    assert_eq!(deal(&escrow, id).platform_fee_bps, FEE_BPS);
}

#[ink::test]
fn a_deal_pays_the_fee_recorded_in_its_offer_or_lower() {
    let (mut escrow, a) = deploy();
    let offer_id = list(&mut escrow, &a);
    assert_eq!(escrow.offer(offer_id).unwrap().platform_fee_bps, FEE_BPS);
    call_as(a.owner, 0);
    assert_eq!(escrow.set_fee(40), Ok(()));
    assert_eq!(last::<ConfigChanged>().fee_bps, 40);
    call_as(a.buyer, PRICE);
    let id = escrow.accept_offer(offer_id, 1, 1).unwrap();
    assert_eq!(deal(&escrow, id).platform_fee_bps, 40);
    // The release pays the lower fee.
    call_as(a.buyer, 0);
    escrow.release(id, PRICE).unwrap();
    assert_eq!(deal(&escrow, id).payout.platform_fee, PRICE * 40 / 10_000);
    assert_eq!(escrow.config().fees_due, PRICE * 40 / 10_000);
}

#[ink::test]
fn only_the_owner_can_change_config() {
    let (mut escrow, a) = deploy();
    call_as(a.stranger, 0);
    assert_eq!(escrow.set_fee(0), Err(Error::NotOwner));
    assert_eq!(escrow.set_fee_recipient(a.stranger), Err(Error::NotOwner));
    assert_eq!(escrow.transfer_ownership(a.stranger), Err(Error::NotOwner));
    let config = escrow.config();
    assert_eq!(
        (config.owner, config.fee_bps, config.fee_recipient),
        (a.owner, FEE_BPS, a.fee_recipient)
    );
}

#[ink::test]
fn owner_hands_over_ownership_and_the_fee_recipient_takes_the_fees_due() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    call_as(a.buyer, 0);
    escrow.release(id, PRICE).unwrap();
    let fee = PRICE / 100;
    call_as(a.owner, 0);
    escrow.set_fee_recipient(a.stranger).unwrap();
    escrow.transfer_ownership(a.seller).unwrap();
    assert_eq!(
        escrow.set_fee(0),
        Err(Error::NotOwner),
        "the old owner lost its rights"
    );
    call_as(a.fee_recipient, 0);
    assert_eq!(escrow.withdraw(), Err(Error::NoCredit));
    let before = balance(a.stranger);
    call_as(a.stranger, 0);
    assert_eq!(escrow.withdraw(), Ok(fee));
    assert_eq!(balance(a.stranger), before + fee);
    assert_eq!(escrow.withdraw(), Err(Error::NoCredit), "once only");
    assert_eq!(escrow.config().fees_due, 0);
    assert_solvent(&escrow);
}

// ---- hole 2 and 7: arbiters must agree, fees are capped ----

#[ink::test]
fn an_offer_cannot_name_an_account_that_never_agreed_to_arbitrate() {
    let (mut escrow, a) = deploy();
    for victim in [a.stranger, contract(), AccountId::from([0x42; 32])] {
        let mut t = terms(&a);
        t.arbiter = victim;
        call_as(a.seller, BOND * 5);
        assert_eq!(escrow.create_offer(t), Err(Error::ArbiterNotRegistered));
    }
    assert_eq!(escrow.config().offer_count, 0);
}

#[ink::test]
fn a_seller_cannot_name_a_second_account_as_arbiter_with_a_fee_above_twenty_percent() {
    let (mut escrow, a) = deploy();
    call_as(a.stranger, 0);
    assert_eq!(
        escrow.register_arbiter(MAX_ARBITER_FEE_BPS + 1, 0, Hash::default()),
        Err(Error::ArbiterFeeAboveCap)
    );
    assert_eq!(
        escrow.register_arbiter(BPS, 0, Hash::default()),
        Err(Error::ArbiterFeeAboveCap)
    );
    assert_eq!(escrow.arbiter(a.stranger), None);
    assert_eq!(
        escrow.register_arbiter(MAX_ARBITER_FEE_BPS, 0, Hash::default()),
        Ok(())
    );
    // Ruling everything to the seller still leaves the arbiter at most 20%.
    let mut t = terms(&a);
    t.arbiter = a.stranger;
    call_as(a.seller, BOND * 5);
    let offer_id = escrow.create_offer(t).unwrap();
    call_as(a.buyer, PRICE);
    let id = escrow.accept_offer(offer_id, 1, 1).unwrap();
    dispute(&mut escrow, a.seller, id);
    call_as(a.stranger, 0);
    escrow.rule(id, BPS, false, None).unwrap();
    assert_eq!(deal(&escrow, id).payout.arbiter_fee, PRICE / 5);
}

#[ink::test]
fn the_seller_cannot_be_its_own_arbiter() {
    let (mut escrow, a) = deploy();
    call_as(a.seller, 0);
    escrow.register_arbiter(0, 0, Hash::default()).unwrap();
    let mut t = terms(&a);
    t.arbiter = a.seller;
    call_as(a.seller, BOND * 5);
    assert_eq!(escrow.create_offer(t), Err(Error::ArbiterIsParty));
}

#[ink::test]
fn arbiters_register_update_retire_and_are_listed() {
    let (mut escrow, a) = deploy();
    let listed = escrow.arbiters(0, 10);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0, a.arbiter);
    assert_eq!(
        listed[0].1,
        Arbiter {
            fee_bps: ARBITER_FEE_BPS,
            min_amount: 0,
            profile: Hash::from([1; 32]),
            active: true,
            index: 0,
        }
    );
    call_as(a.arbiter, 0);
    assert_eq!(
        escrow.register_arbiter(300, 50, Hash::from([2; 32])),
        Ok(())
    );
    assert_eq!(escrow.arbiter(a.arbiter).unwrap().fee_bps, 300);
    assert_eq!(last::<ArbiterChanged>().terms.min_amount, 50);
    assert_eq!(escrow.retire_arbiter(), Ok(()));
    assert!(!escrow.arbiter(a.arbiter).unwrap().active);
    assert!(!last::<ArbiterChanged>().terms.active);
    assert_eq!(escrow.retire_arbiter(), Err(Error::ArbiterNotRegistered));
    // Re-registering re-activates without listing twice.
    assert_eq!(
        escrow.register_arbiter(300, 50, Hash::from([2; 32])),
        Ok(())
    );
    call_as(a.stranger, 0);
    assert_eq!(escrow.register_arbiter(0, 0, Hash::default()), Ok(()));
    assert_eq!(escrow.config().arbiter_count, 2);
    let accounts: Vec<_> = escrow.arbiters(0, 10).into_iter().map(|(x, _)| x).collect();
    assert_eq!(accounts, vec![a.arbiter, a.stranger]);
    assert_eq!(escrow.arbiters(1, 10).len(), 1);
    assert_eq!(escrow.arbiters(u32::MAX, u32::MAX).len(), 0);
}

#[ink::test]
fn a_retired_arbiter_takes_no_new_deals_but_rules_the_open_ones() {
    let (mut escrow, a) = deploy();
    let (offer_id, id) = open_deal(&mut escrow, &a, 1);
    call_as(a.arbiter, 0);
    escrow.retire_arbiter().unwrap();
    call_as(a.buyer, PRICE);
    assert_eq!(
        escrow.accept_offer(offer_id, 1, 1),
        Err(Error::ArbiterNotRegistered)
    );
    call_as(a.seller, BOND * 5);
    assert_eq!(
        escrow.create_offer(terms(&a)),
        Err(Error::ArbiterNotRegistered)
    );
    dispute(&mut escrow, a.buyer, id);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(id, 0, true, None), Ok(()));
    assert_eq!(deal(&escrow, id).state, DealState::Ruled);
}

#[ink::test]
fn an_arbiter_cannot_raise_its_fee_on_open_offers_or_deals() {
    let (mut escrow, a) = deploy();
    let (offer_id, open) = open_deal(&mut escrow, &a, 1);
    call_as(a.arbiter, 0);
    escrow
        .register_arbiter(MAX_ARBITER_FEE_BPS, 0, Hash::default())
        .unwrap();
    assert_eq!(
        escrow.offer(offer_id).unwrap().arbiter_fee_bps,
        ARBITER_FEE_BPS
    );
    call_as(a.buyer, PRICE);
    let later = escrow.accept_offer(offer_id, 1, 1).unwrap();
    assert_eq!(deal(&escrow, open).arbiter_fee_bps, ARBITER_FEE_BPS);
    assert_eq!(deal(&escrow, later).arbiter_fee_bps, ARBITER_FEE_BPS);
    // A lower fee is passed on to new deals.
    call_as(a.arbiter, 0);
    escrow.register_arbiter(100, 0, Hash::default()).unwrap();
    call_as(a.buyer, PRICE);
    let cheaper = escrow.accept_offer(offer_id, 1, 1).unwrap();
    assert_eq!(deal(&escrow, cheaper).arbiter_fee_bps, 100);
}

#[ink::test]
fn one_planck_deals_cannot_spoil_an_arbiters_record() {
    let (mut escrow, a) = deploy();
    let mut t = terms(&a);
    t.price = 1;
    t.bond_per_unit = 0;
    call_as(a.seller, 0);
    let offer_id = escrow.create_offer(t).unwrap();
    call_as(a.arbiter, 0);
    escrow
        .register_arbiter(ARBITER_FEE_BPS, 2, Hash::default())
        .unwrap();
    call_as(a.buyer, 1);
    assert_eq!(
        escrow.accept_offer(offer_id, 1, 1),
        Err(Error::BelowArbiterMinimum)
    );
    call_as(a.buyer, 2);
    assert_eq!(escrow.accept_offer(offer_id, 2, 1), Ok(0));
}

#[ink::test]
fn the_buyer_cannot_be_the_arbiter() {
    let (mut escrow, a) = deploy();
    let offer_id = list(&mut escrow, &a);
    call_as(a.arbiter, PRICE);
    assert_eq!(
        escrow.accept_offer(offer_id, 1, 1),
        Err(Error::ArbiterIsParty)
    );
}

// ---- hole 1: minimum windows ----

#[ink::test]
fn a_seller_cannot_list_windows_below_the_minimum() {
    let (mut escrow, a) = deploy();
    type Mutation = fn(&mut OfferTerms);
    let cases: [Mutation; 6] = [
        |t| t.delivery_window = HOUR - 1,
        |t| t.review_window = 1,
        |t| t.review_window = DAY - 1,
        |t| t.ruling_window = 1,
        |t| t.ruling_window = DAY - 1,
        |t| t.delivery_window = MAX_WINDOW_MS + 1,
    ];
    for mutate in cases {
        let mut t = terms(&a);
        mutate(&mut t);
        call_as(a.seller, BOND * 5);
        assert_eq!(escrow.create_offer(t), Err(Error::InvalidWindow));
    }
    let mut t = terms(&a);
    t.delivery_window = HOUR;
    t.review_window = DAY;
    t.ruling_window = DAY;
    call_as(a.seller, BOND * 5);
    assert_eq!(escrow.create_offer(t), Ok(0));
}

#[ink::test]
fn a_seller_cannot_finalize_before_the_minimum_review_window() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    call_as(a.seller, 0);
    at(START + 1);
    assert_eq!(escrow.finalize(id), Err(Error::TooEarly));
    at(START + DAY - 1);
    assert_eq!(escrow.finalize(id), Err(Error::TooEarly));
    // The buyer still has time to dispute.
    dispute(&mut escrow, a.buyer, id);
    assert_eq!(deal(&escrow, id).state, DealState::Disputed);
}

#[ink::test]
fn offer_terms_are_validated() {
    let (mut escrow, a) = deploy();
    type Mutation = fn(&mut OfferTerms);
    let cases: Vec<(Mutation, Error)> = vec![
        (|t| t.title = String::new(), Error::TitleEmpty),
        (|t| t.title = "x".repeat(65), Error::TitleTooLong),
        (
            |t| t.description = "x".repeat(257),
            Error::DescriptionTooLong,
        ),
        (|t| t.price = 0, Error::ZeroPrice),
        (|t| t.quantity = 0, Error::ZeroQuantity),
        (|t| t.bond_per_unit = Balance::MAX, Error::Overflow),
    ];
    for (mutate, error) in cases {
        let mut t = terms(&a);
        mutate(&mut t);
        call_as(a.seller, 0);
        assert_eq!(escrow.create_offer(t), Err(error));
    }
    let mut t = terms(&a);
    t.title = "é".repeat(32); // 64 bytes of unicode is fine
    t.description = "x".repeat(256);
    call_as(a.seller, BOND * 5);
    assert_eq!(escrow.create_offer(t), Ok(0));
}

// ---- offers ----

#[ink::test]
fn seller_lists_an_offer_with_its_bond() {
    let (mut escrow, a) = deploy();
    let before = balance(a.seller);
    let id = list(&mut escrow, &a);
    let offer = escrow.offer(id).unwrap();
    assert_eq!(
        (offer.seller, offer.version, offer.active, offer.bond_stake),
        (a.seller, 1, true, BOND * 5)
    );
    assert_eq!(offer.terms, terms(&a));
    assert_eq!(
        (offer.platform_fee_bps, offer.arbiter_fee_bps),
        (FEE_BPS, ARBITER_FEE_BPS)
    );
    assert_eq!(balance(a.seller), before - BOND * 5);
    assert_eq!(escrow.config().offer_count, 1);
    let event = last::<OfferCreated>();
    assert_eq!(
        (event.offer_id, event.seller, event.price, event.bond),
        (0, a.seller, PRICE, BOND * 5)
    );
    assert_solvent(&escrow);
}

#[ink::test]
fn offer_bond_must_be_transferred_exactly() {
    let (mut escrow, a) = deploy();
    call_as(a.seller, BOND * 5 - 1);
    assert_eq!(escrow.create_offer(terms(&a)), Err(Error::WrongAmount));
    call_as(a.seller, BOND * 5 + 1);
    assert_eq!(escrow.create_offer(terms(&a)), Err(Error::WrongAmount));
    assert_eq!(escrow.config().offer_count, 0);
}

#[ink::test]
fn seller_updates_price_and_quantity_and_the_version_moves() {
    let (mut escrow, a) = deploy();
    let id = list(&mut escrow, &a);
    call_as(a.seller, BOND * 2);
    assert_eq!(escrow.update_offer(id, PRICE * 2, 7), Ok(2));
    let offer = escrow.offer(id).unwrap();
    assert_eq!(
        (
            offer.terms.price,
            offer.terms.quantity,
            offer.version,
            offer.bond_stake
        ),
        (PRICE * 2, 7, 2, BOND * 7)
    );
    assert_eq!(last::<OfferUpdated>().version, 2);
    let before = balance(a.seller);
    call_as(a.seller, 0);
    assert_eq!(escrow.update_offer(id, PRICE, 3), Ok(3));
    assert_eq!(balance(a.seller), before + BOND * 4);
    assert_solvent(&escrow);
}

#[ink::test]
fn update_offer_rejections() {
    let (mut escrow, a) = deploy();
    let id = list(&mut escrow, &a);
    call_as(a.stranger, 0);
    assert_eq!(escrow.update_offer(id, PRICE, 5), Err(Error::NotSeller));
    call_as(a.seller, 0);
    assert_eq!(escrow.update_offer(9, PRICE, 5), Err(Error::OfferNotFound));
    assert_eq!(escrow.update_offer(id, 0, 5), Err(Error::ZeroPrice));
    assert_eq!(escrow.update_offer(id, PRICE, 6), Err(Error::WrongAmount));
    assert_eq!(
        escrow.update_offer(id, PRICE, u32::MAX),
        Err(Error::WrongAmount)
    );
    call_as(a.seller, 1);
    assert_eq!(escrow.update_offer(id, PRICE, 5), Err(Error::WrongAmount));
    assert_eq!(escrow.offer(id).unwrap().version, 1);
}

#[ink::test]
fn seller_withdraws_an_offer_and_gets_the_bond_back() {
    let (mut escrow, a) = deploy();
    let id = list(&mut escrow, &a);
    let before = balance(a.seller);
    call_as(a.stranger, 0);
    assert_eq!(escrow.withdraw_offer(id), Err(Error::NotSeller));
    call_as(a.seller, 0);
    assert_eq!(escrow.withdraw_offer(id), Ok(()));
    assert_eq!(balance(a.seller), before + BOND * 5);
    let offer = escrow.offer(id).unwrap();
    assert_eq!((offer.active, offer.bond_stake), (false, 0));
    assert_eq!(last::<OfferWithdrawn>().bond_returned, BOND * 5);
    assert_eq!(escrow.withdraw_offer(id), Err(Error::OfferInactive));
    assert_eq!(escrow.update_offer(id, PRICE, 1), Err(Error::OfferInactive));
    assert_solvent(&escrow);
}

#[ink::test]
fn offers_and_deals_are_paged() {
    let (mut escrow, a) = deploy();
    for _ in 0..5 {
        list(&mut escrow, &a);
    }
    let ids = |v: Vec<Offer>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(ids(escrow.offers(0, 2)), vec![0, 1]);
    assert_eq!(ids(escrow.offers(3, 10)), vec![3, 4]);
    assert_eq!(escrow.offers(0, u32::MAX).len(), 5);
    assert_eq!(escrow.offers(u64::MAX, u32::MAX).len(), 0);
    for _ in 0..3 {
        call_as(a.buyer, PRICE);
        escrow.accept_offer(0, 1, 1).unwrap();
    }
    let deal_ids: Vec<_> = escrow.deals(1, 10).into_iter().map(|d| d.id).collect();
    assert_eq!(deal_ids, vec![1, 2]);
}

#[ink::test]
fn a_full_page_of_the_largest_offers_and_deals_fits_the_output_buffer() {
    // ink! 5's static buffer for a message's encoded return value.
    const BUFFER: usize = 16 * 1024;
    let (mut escrow, a) = deploy();
    let (offer_id, deal_id) = open_deal(&mut escrow, &a, 1);
    let mut offer = escrow.offer(offer_id).unwrap();
    offer.terms.title = "t".repeat(MAX_TITLE_BYTES);
    offer.terms.description = "d".repeat(MAX_DESCRIPTION_BYTES);
    offer.terms.screening.allow = vec![a.buyer; reputation::screening::MAX_LISTED];
    offer.terms.screening.block = vec![a.stranger; reputation::screening::MAX_LISTED];
    let step = crate::Milestone {
        amount: Balance::MAX,
        delivery_window: u64::MAX,
    };
    offer.terms.milestones = vec![step; crate::MAX_MILESTONES];
    let mut deal = deal(&escrow, deal_id);
    deal.milestones = vec![step; crate::MAX_MILESTONES];
    // `Result<Vec<_>, LangError>`: one byte for `Ok` around the vector.
    let offers = scale::Encode::encoded_size(&vec![offer; MAX_OFFER_PAGE as usize]) + 1;
    let deals = scale::Encode::encoded_size(&vec![deal; MAX_PAGE as usize]) + 1;
    assert!(offers < BUFFER, "a page of offers takes {offers} bytes");
    assert!(deals < BUFFER, "a page of deals takes {deals} bytes");
}

// ---- accepting ----

#[ink::test]
fn buyer_accepts_and_the_terms_are_frozen() {
    let (mut escrow, a) = deploy();
    let (offer_id, id) = open_deal(&mut escrow, &a, 2);
    let d = deal(&escrow, id);
    assert_eq!(
        (d.buyer, d.seller, d.arbiter, d.quantity, d.amount, d.bond),
        (a.buyer, a.seller, a.arbiter, 2, PRICE * 2, BOND * 2)
    );
    assert_eq!(
        (d.platform_fee_bps, d.arbiter_fee_bps),
        (FEE_BPS, ARBITER_FEE_BPS)
    );
    assert_eq!(d.delivery_deadline, START + 2 * DAY);
    assert_eq!(d.state, DealState::Funded);
    let offer = escrow.offer(offer_id).unwrap();
    assert_eq!((offer.terms.quantity, offer.bond_stake), (3, BOND * 3));
    let event = last::<DealOpened>();
    assert_eq!(
        (event.deal_id, event.buyer, event.amount),
        (id, a.buyer, PRICE * 2)
    );
    assert_solvent(&escrow);
}

#[ink::test]
fn accept_rejections() {
    let (mut escrow, a) = deploy();
    let offer_id = list(&mut escrow, &a);
    call_as(a.seller, PRICE);
    assert_eq!(
        escrow.accept_offer(offer_id, 1, 1),
        Err(Error::BuyerIsSeller)
    );
    call_as(a.buyer, PRICE);
    assert_eq!(escrow.accept_offer(9, 1, 1), Err(Error::OfferNotFound));
    assert_eq!(
        escrow.accept_offer(offer_id, 1, 2),
        Err(Error::StaleVersion)
    );
    assert_eq!(
        escrow.accept_offer(offer_id, 0, 1),
        Err(Error::ZeroQuantity)
    );
    assert_eq!(
        escrow.accept_offer(offer_id, 6, 1),
        Err(Error::InsufficientQuantity)
    );
    assert_eq!(escrow.accept_offer(offer_id, 2, 1), Err(Error::WrongAmount));
    assert_eq!(escrow.config().deal_count, 0);
}

#[ink::test]
fn a_price_change_makes_the_old_version_stale() {
    let (mut escrow, a) = deploy();
    let offer_id = list(&mut escrow, &a);
    call_as(a.seller, 0);
    escrow.update_offer(offer_id, PRICE * 2, 5).unwrap();
    call_as(a.buyer, PRICE);
    assert_eq!(
        escrow.accept_offer(offer_id, 1, 1),
        Err(Error::StaleVersion)
    );
}

// ---- delivery and release ----

#[ink::test]
fn seller_marks_delivered_before_the_deadline_only() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    call_as(a.buyer, 0);
    assert_eq!(escrow.mark_delivered(id, None), Err(Error::NotSeller));
    call_as(a.seller, 0);
    at(START + 2 * DAY);
    assert_eq!(escrow.mark_delivered(id, None), Err(Error::TooLate));
    at(START + 10);
    assert_eq!(escrow.mark_delivered(id, None), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(
        (d.state, d.delivered_at, d.review_deadline),
        (DealState::Delivered, START + 10, START + 10 + DAY)
    );
    assert_eq!(escrow.mark_delivered(id, None), Err(Error::InvalidState));
}

#[ink::test]
fn buyer_release_pays_the_seller_less_the_platform_fee() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    let before = balance(a.seller);
    call_as(a.buyer, 0);
    assert_eq!(escrow.release(id, PRICE), Ok(()));
    let fee = PRICE / 100;
    // Delivered: the bond goes back to the seller with the payment.
    assert_eq!(balance(a.seller), before + PRICE - fee + BOND);
    let d = deal(&escrow, id);
    assert_eq!(d.state, DealState::Completed);
    assert_paid_in_full(&d);
    let closed = last::<DealClosed>();
    assert_eq!(
        (closed.to_seller, closed.platform_fee, closed.bond_to_seller),
        (PRICE - fee, fee, BOND)
    );
    assert_solvent(&escrow);
}

/// Each topic costs a `System::EventTopics` write (about 127M ref_time, 2.5 KB of proof):
/// the escrow's events carry their signature topic and nothing else.
#[ink::test]
fn every_event_carries_only_its_signature_topic() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    call_as(a.buyer, 0);
    escrow.release(id, PRICE / 2).expect("partial release");
    escrow.release(id, PRICE / 2).expect("final release");
    let events: Vec<EmittedEvent> = test::recorded_events().collect();
    // ArbiterChanged, OfferCreated, DealOpened, DealDelivered, PaymentReleased, DealClosed.
    assert_eq!(events.len(), 6);
    for event in events {
        assert_eq!(event.topics.len(), 1);
    }
}

#[ink::test]
fn buyer_releases_in_milestones() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 2);
    call_as(a.buyer, 0);
    assert_eq!(escrow.release(id, PRICE / 2), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!((d.released, d.state), (PRICE / 2, DealState::Funded));
    assert_eq!(last::<PaymentReleased>().remaining, PRICE * 2 - PRICE / 2);
    assert_eq!(escrow.release(id, PRICE * 2 - PRICE / 2), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(d.state, DealState::Completed);
    assert_paid_in_full(&d);
    assert_solvent(&escrow);
}

#[ink::test]
fn release_rejections() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    call_as(a.seller, 0);
    assert_eq!(escrow.release(id, 1), Err(Error::NotBuyer));
    call_as(a.buyer, 0);
    assert_eq!(escrow.release(id, 0), Err(Error::ZeroAmount));
    assert_eq!(
        escrow.release(id, PRICE + 1),
        Err(Error::AmountExceedsRemaining)
    );
    assert_eq!(
        escrow.release(id, u128::MAX),
        Err(Error::AmountExceedsRemaining)
    );
    assert_eq!(escrow.release(7, 1), Err(Error::DealNotFound));
    assert_eq!(deal(&escrow, id).released, 0);
}

#[ink::test]
fn anyone_finalizes_after_the_review_window() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    at(START + DAY);
    call_as(a.stranger, 0);
    assert_eq!(escrow.finalize(id), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(d.state, DealState::Completed);
    assert_eq!(d.payout.to_seller, PRICE - PRICE / 100);
    assert_eq!(escrow.finalize(id), Err(Error::InvalidState));
    assert_solvent(&escrow);
}

#[ink::test]
fn anyone_reclaims_after_a_missed_delivery_and_the_buyer_gets_the_bond() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    call_as(a.stranger, 0);
    at(START + 2 * DAY - 1);
    assert_eq!(escrow.reclaim(id), Err(Error::TooEarly));
    let before = balance(a.buyer);
    at(START + 2 * DAY);
    assert_eq!(escrow.reclaim(id), Ok(()));
    assert_eq!(balance(a.buyer), before + PRICE + BOND);
    let d = deal(&escrow, id);
    assert_eq!(
        (d.state, d.payout.bond_to_buyer),
        (DealState::Reclaimed, BOND)
    );
    assert_solvent(&escrow);
}

// ---- hole 3: the bond of a seller who did not deliver ----

#[ink::test]
fn a_seller_cannot_keep_the_bond_by_refunding_after_the_delivery_deadline() {
    let (mut escrow, a) = deploy();
    let (offer_id, id) = open_deal(&mut escrow, &a, 1);
    at(START + 2 * DAY);
    let (seller, buyer) = (balance(a.seller), balance(a.buyer));
    // The seller front-runs the buyer's reclaim.
    call_as(a.seller, 0);
    assert_eq!(escrow.refund(id), Ok(()));
    assert_eq!(balance(a.buyer), buyer + PRICE + BOND);
    assert_eq!(balance(a.seller), seller);
    assert_eq!(escrow.offer(offer_id).unwrap().bond_stake, BOND * 4);
    let closed = last::<DealClosed>();
    assert_eq!((closed.bond_to_buyer, closed.bond_to_seller), (BOND, 0));
    assert_solvent(&escrow);
}

#[ink::test]
fn a_refund_before_the_delivery_deadline_returns_the_bond_to_the_seller() {
    let (mut escrow, a) = deploy();
    let (offer_id, id) = open_deal(&mut escrow, &a, 1);
    let (seller, buyer) = (balance(a.seller), balance(a.buyer));
    call_as(a.seller, 0);
    assert_eq!(escrow.refund(id), Ok(()));
    assert_eq!(balance(a.buyer), buyer + PRICE);
    assert_eq!(balance(a.seller), seller + BOND);
    // The offer's stake still covers only its unsold units.
    assert_eq!(escrow.offer(offer_id).unwrap().bond_stake, BOND * 4);
    let closed = last::<DealClosed>();
    assert_eq!((closed.bond_to_buyer, closed.bond_to_seller), (0, BOND));
    assert_solvent(&escrow);
}

#[ink::test]
fn a_seller_who_disputes_before_the_deadline_and_loses_forfeits_the_bond() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    at(START + 2 * DAY - 1);
    dispute(&mut escrow, a.seller, id);
    let buyer = balance(a.buyer);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(id, 2_000, true, None), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(d.payout.bond_to_buyer, BOND);
    let fee = PRICE * 5 / 100;
    let seller_gross = (PRICE - fee) / 5;
    assert_eq!(
        balance(a.buyer),
        buyer + (PRICE - fee - seller_gross) + BOND
    );
    assert_solvent(&escrow);
}

#[ink::test]
fn a_dispute_before_delivery_ruled_for_the_seller_returns_the_bond() {
    let (mut escrow, a) = deploy();
    let (offer_id, id) = open_deal(&mut escrow, &a, 1);
    dispute(&mut escrow, a.buyer, id);
    at(START + DAY - 1);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(id, 5_000, false, None), Ok(()));
    assert_eq!(deal(&escrow, id).payout.bond_to_buyer, 0);
    assert_eq!(last::<DealClosed>().bond_to_seller, BOND);
    assert_eq!(escrow.offer(offer_id).unwrap().bond_stake, BOND * 4);
}

#[ink::test]
fn a_late_settlement_without_delivery_pays_the_bond_to_the_buyer() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    dispute(&mut escrow, a.seller, id);
    at(START + 2 * DAY);
    call_as(a.seller, 0);
    escrow.propose_split(id, 5_000).unwrap();
    call_as(a.buyer, 0);
    assert_eq!(escrow.accept_split(id, 5_000, 0), Ok(()));
    assert_eq!(deal(&escrow, id).payout.bond_to_buyer, BOND);
}

// ---- hole 6: disputing instead of delivering ----

#[ink::test]
fn a_seller_who_disputes_instead_of_delivering_gets_nothing_when_the_arbiter_is_silent() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    dispute(&mut escrow, a.seller, id);
    let (seller, buyer) = (balance(a.seller), balance(a.buyer));
    call_as(a.seller, 0);
    at(START + DAY - 1);
    assert_eq!(escrow.finalize(id), Err(Error::TooEarly));
    at(START + DAY);
    assert_eq!(escrow.finalize(id), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(d.state, DealState::DefaultRuled);
    assert_eq!((d.payout.to_seller, d.payout.to_buyer), (0, PRICE));
    assert_eq!(d.payout.bond_to_buyer, BOND);
    assert_eq!(balance(a.seller), seller);
    assert_eq!(balance(a.buyer), buyer + PRICE + BOND);
    assert_solvent(&escrow);
}

#[ink::test]
fn a_dispute_after_delivery_defaults_to_an_even_split_without_arbiter_fee() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    dispute(&mut escrow, a.buyer, id);
    at(START + DAY);
    call_as(a.stranger, 0);
    assert_eq!(escrow.finalize(id), Ok(()));
    let d = deal(&escrow, id);
    let fee = PRICE / 2 / 100;
    assert_eq!(
        (d.payout.to_seller, d.payout.to_buyer, d.payout.arbiter_fee),
        (PRICE / 2 - fee, PRICE / 2, 0)
    );
    assert_eq!(d.payout.bond_returned, BOND);
    assert_paid_in_full(&d);
}

// ---- splits and disputes ----

#[ink::test]
fn parties_settle_by_an_accepted_split() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    call_as(a.stranger, 0);
    assert_eq!(escrow.propose_split(id, 6_000), Err(Error::NotParty));
    call_as(a.buyer, 0);
    assert_eq!(escrow.propose_split(id, BPS + 1), Err(Error::BpsOutOfRange));
    assert_eq!(escrow.accept_split(id, 6_000, 0), Err(Error::NoProposal));
    assert_eq!(escrow.propose_split(id, 6_000), Ok(()));
    assert_eq!(escrow.accept_split(id, 6_000, 0), Err(Error::OwnProposal));
    call_as(a.seller, 0);
    assert_eq!(
        escrow.accept_split(id, 7_000, 0),
        Err(Error::ProposalMismatch)
    );
    assert_eq!(escrow.accept_split(id, 6_000, 0), Ok(()));
    let d = deal(&escrow, id);
    assert_eq!(d.state, DealState::Settled);
    assert_eq!(d.payout.to_buyer, PRICE * 4 / 10);
    assert_paid_in_full(&d);
    assert_solvent(&escrow);
}

#[ink::test]
fn disputes_close_with_the_delivery_and_review_deadlines() {
    let (mut escrow, a) = deploy();
    let (_, funded) = open_deal(&mut escrow, &a, 1);
    let delivered = delivered_deal(&mut escrow, &a);
    call_as(a.stranger, 0);
    assert_eq!(
        escrow.open_dispute(funded, Hash::default()),
        Err(Error::NotParty)
    );
    at(START + DAY);
    call_as(a.buyer, 0);
    assert_eq!(
        escrow.open_dispute(delivered, Hash::default()),
        Err(Error::TooLate)
    );
    at(START + 2 * DAY);
    assert_eq!(
        escrow.open_dispute(funded, Hash::default()),
        Err(Error::TooLate)
    );
}

#[ink::test]
fn only_the_arbiter_can_rule_and_only_in_time() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    call_as(a.arbiter, 0);
    assert_eq!(
        escrow.rule(id, 0, true, None),
        Err(Error::InvalidState),
        "no dispute yet"
    );
    dispute(&mut escrow, a.buyer, id);
    for cheat in [a.buyer, a.seller, a.stranger, a.owner] {
        call_as(cheat, 0);
        assert_eq!(escrow.rule(id, BPS, false, None), Err(Error::NotArbiter));
    }
    call_as(a.arbiter, 0);
    assert_eq!(
        escrow.rule(id, BPS + 1, false, None),
        Err(Error::BpsOutOfRange)
    );
    at(START + DAY);
    assert_eq!(escrow.rule(id, 0, true, None), Err(Error::TooLate));
    assert_eq!(deal(&escrow, id).state, DealState::Disputed);
}

#[ink::test]
fn arbiter_rules_and_earns_the_frozen_fee() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    dispute(&mut escrow, a.buyer, id);
    let arbiter = balance(a.arbiter);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(id, 2_500, true, None), Ok(()));
    let fee = PRICE * 5 / 100;
    assert_eq!(balance(a.arbiter), arbiter + fee);
    let d = deal(&escrow, id);
    assert_eq!((d.state, d.payout.arbiter_fee), (DealState::Ruled, fee));
    assert_paid_in_full(&d);
    assert_solvent(&escrow);
}

// ---- hole 10: deposits come back to who paid them ----

#[ink::test]
fn a_deal_keeps_one_size_so_the_buyer_pays_its_whole_deposit() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    let size = |escrow: &Escrow| scale::Encode::encoded_size(&deal(escrow, id));
    let at_accept = size(&escrow);
    call_as(a.buyer, 0);
    escrow.propose_split(id, 100).unwrap();
    assert_eq!(size(&escrow), at_accept);
    dispute(&mut escrow, a.seller, id);
    assert_eq!(size(&escrow), at_accept);
    call_as(a.arbiter, 0);
    escrow.rule(id, 100, true, None).unwrap();
    assert_eq!(size(&escrow), at_accept);
}

#[ink::test]
fn the_buyer_prunes_an_ended_deal_after_the_rating_period() {
    let (mut escrow, a) = deploy();
    let (_, open) = open_deal(&mut escrow, &a, 1);
    call_as(a.buyer, 0);
    assert_eq!(escrow.prune_deal(open), Err(Error::InvalidState));
    escrow.release(open, PRICE).unwrap();
    at(START + 2 * DAY - 1);
    assert_eq!(escrow.prune_deal(open), Err(Error::TooEarly));
    at(START + 2 * DAY);
    assert_eq!(escrow.prune_deal(open), Ok(()));
    assert_eq!(escrow.deal(open), None);
    assert_eq!(last::<DealPruned>().deal_id, open);
    assert_eq!(escrow.prune_deal(open), Err(Error::DealNotFound));
    assert_solvent(&escrow);
}

#[ink::test]
fn nobody_but_the_buyer_can_prune_and_take_its_deposit() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    call_as(a.buyer, 0);
    escrow.release(id, PRICE).unwrap();
    at(START + 30 * DAY);
    for thief in [a.seller, a.arbiter, a.stranger, a.owner] {
        call_as(thief, 0);
        assert_eq!(escrow.prune_deal(id), Err(Error::NotBuyer));
    }
    assert!(escrow.deal(id).is_some());
}

// ---- reports and credits ----

#[ink::test]
fn without_a_reputation_contract_no_report_is_pending() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    call_as(a.buyer, 0);
    escrow.release(id, PRICE).unwrap();
    assert!(!deal(&escrow, id).report_pending);
    call_as(a.stranger, 0);
    assert_eq!(escrow.retry_report(id), Err(Error::NoPendingReport));
    assert_eq!(escrow.retry_report(99), Err(Error::DealNotFound));
}

#[ink::test]
fn withdraw_without_a_credit_is_refused() {
    let (mut escrow, a) = deploy();
    call_as(a.stranger, 0);
    assert_eq!(escrow.withdraw(), Err(Error::NoCredit));
    assert_eq!(escrow.credit_of(a.stranger), 0);
}

#[ink::test]
fn every_ended_deal_leaves_nothing_behind() {
    let (mut escrow, a) = deploy();
    let offer_id = list(&mut escrow, &a);
    for _ in 0..5 {
        call_as(a.buyer, PRICE);
        let id = escrow.accept_offer(offer_id, 1, 1).unwrap();
        call_as(a.seller, 0);
        escrow.refund(id).unwrap();
    }
    call_as(a.seller, 0);
    escrow.withdraw_offer(offer_id).unwrap();
    call_as(a.fee_recipient, 0);
    assert_eq!(escrow.withdraw(), Err(Error::NoCredit));
    assert_eq!(owed(&escrow), 0);
    assert_eq!(balance(contract()), 0);
}

/// An offer listed with `screening`, the seller staking its bond.
fn list_screened(escrow: &mut Escrow, a: &Accounts, screening: Screening) -> Result<u64> {
    call_as(a.seller, BOND * Balance::from(QUANTITY));
    escrow.create_offer(OfferTerms {
        screening,
        ..terms(a)
    })
}

#[ink::test]
fn a_buyer_on_the_offers_block_list_cannot_accept_and_others_can() {
    let (mut escrow, a) = deploy();
    let offer_id = list_screened(
        &mut escrow,
        &a,
        Screening {
            block: vec![a.buyer],
            ..Screening::default()
        },
    )
    .expect("listed");
    call_as(a.buyer, PRICE);
    assert_eq!(
        escrow.accept_offer(offer_id, 1, 1),
        Err(Error::Screened(Refusal::Blocked))
    );
    call_as(a.stranger, PRICE);
    let deal_id = escrow.accept_offer(offer_id, 1, 1).expect("not blocked");
    assert_eq!(deal(&escrow, deal_id).buyer, a.stranger);
    assert_eq!(escrow.offer(offer_id).unwrap().terms.quantity, QUANTITY - 1);
}

#[ink::test]
fn an_offer_with_an_allow_list_takes_only_the_buyers_it_names() {
    let (mut escrow, a) = deploy();
    let offer_id = list_screened(
        &mut escrow,
        &a,
        Screening {
            allow: vec![a.buyer],
            ..Screening::default()
        },
    )
    .expect("listed");
    call_as(a.stranger, PRICE);
    assert_eq!(
        escrow.accept_offer(offer_id, 1, 1),
        Err(Error::Screened(Refusal::NotAllowed))
    );
    call_as(a.buyer, PRICE);
    assert!(escrow.accept_offer(offer_id, 1, 1).is_ok());
}

#[ink::test]
fn without_a_reputation_contract_every_buyer_is_a_newcomer_to_screening() {
    let (mut escrow, a) = deploy();
    for (screening, refusal) in [
        (
            Screening {
                min_deals: 1,
                ..Screening::default()
            },
            Refusal::TooFewDeals,
        ),
        (
            Screening {
                min_rating_centi: 100,
                ..Screening::default()
            },
            Refusal::RatingTooLow,
        ),
    ] {
        let offer_id = list_screened(&mut escrow, &a, screening).expect("listed");
        call_as(a.buyer, PRICE);
        assert_eq!(
            escrow.accept_offer(offer_id, 1, 1),
            Err(Error::Screened(refusal))
        );
    }
    // Rules a newcomer meets let it through.
    let lenient = Screening {
        max_disputes_lost_bps: 0,
        max_ratings_withheld: 0,
        ..Screening::default()
    };
    let offer_id = list_screened(&mut escrow, &a, lenient).expect("listed");
    call_as(a.buyer, PRICE);
    assert!(escrow.accept_offer(offer_id, 1, 1).is_ok());
}

#[ink::test]
fn screening_lists_longer_than_eight_or_a_share_above_whole_are_refused_at_listing() {
    let (mut escrow, a) = deploy();
    let offers_before = escrow.config().offer_count;
    for screening in [
        Screening {
            block: vec![a.stranger; 9],
            ..Screening::default()
        },
        Screening {
            allow: vec![a.buyer; 9],
            ..Screening::default()
        },
        Screening {
            max_disputes_lost_bps: 10_001,
            ..Screening::default()
        },
    ] {
        assert_eq!(
            list_screened(&mut escrow, &a, screening),
            Err(Error::InvalidScreening)
        );
    }
    assert_eq!(escrow.config().offer_count, offers_before);
    let eight = Screening {
        block: vec![a.stranger; 8],
        ..Screening::default()
    };
    assert!(list_screened(&mut escrow, &a, eight).is_ok());
}

mod milestones;
mod trust;
mod words;
