//! Unit tests in ink!'s off-chain environment, which cannot call other contracts: everything
//! up to the escrow call of an award, screening against a newcomer's reputation (no
//! reputation contract set), and the arbiter checks of `propose` against a registry the tests
//! stand in for the escrow's (`crate::off_chain`). Awards, auto-awards, the real registry and
//! screening against real reputations are in `tests/e2e.rs`. A message that returns `Err` is
//! NOT reverted here, so every message checks everything before its first write. Tests are
//! named after the rule they hold, or after the attack they stop.

use crate::requests::*;
use crate::{
    off_chain, MAX_ARBITERS, MAX_DESCRIPTION_BYTES, MAX_PAGE, MAX_PROPOSALS, MAX_TITLE_BYTES,
    MAX_WINDOW_MS,
};
use escrow::Arbiter;
use ink::env::test::{self, EmittedEvent};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::{AccountId, Hash};
use reputation::screening::{Refusal, Screening};

type Balance = u128;

const CONTRACT: [u8; 32] = [0xC1; 32];
const ESCROW: [u8; 32] = [0xE5; 32];
const START: u64 = 1_000_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;
const BUDGET: Balance = 1_000_000;
const FUNDS: Balance = 1_000_000_000_000;
const AWARD_WINDOW: u64 = DAY;
/// The arbiter's fee in the registry the tests stand in for the escrow's: what workers
/// propose with.
const ARBITER_FEE: u16 = 500;

struct Accounts {
    poster: AccountId,
    worker: AccountId,
    other_worker: AccountId,
    arbiter: AccountId,
    stranger: AccountId,
}

fn accounts() -> Accounts {
    let d = test::default_accounts::<Env>();
    Accounts {
        poster: d.alice,
        worker: d.bob,
        other_worker: d.charlie,
        arbiter: d.django,
        stranger: d.eve,
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

/// The escrow's minimum windows as it passes them on: an hour of delivery, a day of review
/// and of ruling.
const MIN_WINDOWS: MinWindows = MinWindows {
    delivery: HOUR,
    review: DAY,
    ruling: DAY,
};

/// An active arbiter as the escrow's registry holds it.
fn arbiter_at(fee_bps: u16, min_amount: Balance) -> Arbiter {
    Arbiter {
        fee_bps,
        min_amount,
        profile: Hash::default(),
        active: true,
        index: 0,
    }
}

/// A requests contract with no reputation contract (every worker reads as a newcomer), whose
/// escrow's registry holds the arbiter at `ARBITER_FEE`, taking deals of any size.
fn deploy() -> (Requests, Accounts) {
    let a = accounts();
    for account in [a.poster, a.worker, a.other_worker, a.arbiter, a.stranger] {
        test::set_account_balance::<Env>(account, FUNDS);
    }
    off_chain::install_registry([(a.arbiter, arbiter_at(ARBITER_FEE, 0))]);
    test::set_callee::<Env>(AccountId::from(CONTRACT));
    test::set_account_balance::<Env>(AccountId::from(CONTRACT), 0);
    at(START);
    call_as(a.poster, 0);
    let requests = Requests::new(AccountId::from(ESCROW), None, AWARD_WINDOW, MIN_WINDOWS)
        .expect("valid window");
    (requests, a)
}

/// A fresh account with funds: a worker of its own.
fn fresh(n: u32) -> AccountId {
    let mut bytes = [0x50; 32];
    bytes[..4].copy_from_slice(&n.to_le_bytes());
    let account = AccountId::from(bytes);
    test::set_account_balance::<Env>(account, FUNDS);
    account
}

fn terms(a: &Accounts) -> RequestTerms {
    RequestTerms {
        title: "Logo design".into(),
        description: "A vector logo, three drafts".into(),
        budget: BUDGET,
        proposal_window: DAY,
        delivery_window: 7 * DAY,
        review_window: 2 * DAY,
        ruling_window: 2 * DAY,
        arbiters: Vec::from([a.arbiter]),
        screening: Screening::default(),
        auto_award: false,
    }
}

fn post(requests: &mut Requests, a: &Accounts, terms: RequestTerms) -> Result<u64> {
    call_as(a.poster, terms.budget);
    requests.post_request(terms)
}

fn propose(requests: &mut Requests, worker: AccountId, price: Balance) -> Result<u32> {
    propose_to(requests, 0, worker, price)
}

/// `worker` proposes `price` on `request_id`, delivered within a day, arbitrated by the arbiter.
fn propose_to(
    requests: &mut Requests,
    request_id: u64,
    worker: AccountId,
    price: Balance,
) -> Result<u32> {
    submit(requests, request_id, worker, bid(price))
}

/// What `propose` takes after the request id (the message hash aside).
struct Bid {
    price: Balance,
    delivery_window: u64,
    milestones: Vec<escrow::Milestone>,
    arbiter: AccountId,
    arbiter_fee_bps: u16,
}

/// `price` for one step of a day, arbitrated by the arbiter at its registered fee.
fn bid(price: Balance) -> Bid {
    Bid {
        price,
        delivery_window: DAY,
        milestones: Vec::new(),
        arbiter: accounts().arbiter,
        arbiter_fee_bps: ARBITER_FEE,
    }
}

/// `worker` proposes `b` on `request_id`.
fn submit(requests: &mut Requests, request_id: u64, worker: AccountId, b: Bid) -> Result<u32> {
    call_as(worker, 0);
    requests.propose(
        request_id,
        b.price,
        b.delivery_window,
        b.milestones,
        b.arbiter,
        b.arbiter_fee_bps,
        Hash::from([9; 32]),
    )
}

fn held(requests: &Requests) -> Balance {
    requests.config().4
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

// ---- posting ----

#[ink::test]
fn posting_escrows_the_budget_and_opens_proposals_for_the_window() {
    let (mut requests, a) = deploy();
    let before = balance(a.poster);
    assert_eq!(post(&mut requests, &a, terms(&a)), Ok(0));
    assert_eq!(balance(a.poster), before - BUDGET);
    assert_eq!(held(&requests), BUDGET);
    let r = requests.request(0).expect("posted");
    assert_eq!(
        (r.poster, r.state, r.proposal_deadline, r.award_deadline),
        (
            a.poster,
            RequestState::Open,
            START + DAY,
            START + DAY + AWARD_WINDOW
        )
    );
    let posted = events_of::<RequestPosted>();
    assert_eq!(posted.len(), 1);
    assert_eq!((posted[0].request_id, posted[0].budget), (0, BUDGET));
}

#[ink::test]
fn a_request_must_pay_exactly_its_budget() {
    let (mut requests, a) = deploy();
    call_as(a.poster, BUDGET - 1);
    assert_eq!(requests.post_request(terms(&a)), Err(Error::WrongAmount));
    assert_eq!(requests.request(0), None);
}

#[ink::test]
fn bad_terms_are_refused_with_the_rule_they_break() {
    let (mut requests, a) = deploy();
    type Change = fn(&mut RequestTerms);
    let cases: [(Change, Error); 9] = [
        (|t| t.title.clear(), Error::TitleEmpty),
        (
            |t| t.title = "x".repeat(MAX_TITLE_BYTES + 1),
            Error::TitleTooLong,
        ),
        (
            |t| t.description = "x".repeat(257),
            Error::DescriptionTooLong,
        ),
        (|t| t.budget = 0, Error::ZeroAmount),
        (|t| t.proposal_window = 0, Error::InvalidWindow),
        (
            |t| t.review_window = MAX_WINDOW_MS + 1,
            Error::InvalidWindow,
        ),
        (|t| t.arbiters.clear(), Error::InvalidArbiters),
        (
            |t| t.arbiters = Vec::from([AccountId::from([1; 32]); MAX_ARBITERS + 1]),
            Error::InvalidArbiters,
        ),
        (
            |t| t.screening.max_disputes_lost_bps = 10_001,
            Error::InvalidScreening,
        ),
    ];
    for (change, error) in cases {
        let mut t = terms(&a);
        change(&mut t);
        assert_eq!(post(&mut requests, &a, t), Err(error));
    }
    // The poster cannot arbitrate its own request.
    let mut t = terms(&a);
    t.arbiters.push(a.poster);
    assert_eq!(post(&mut requests, &a, t), Err(Error::InvalidArbiters));
    assert_eq!(requests.config().3, 0, "nothing was posted");
}

// ---- proposals ----

#[ink::test]
fn a_worker_proposes_within_budget_and_window() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    assert_eq!(propose(&mut requests, a.worker, BUDGET), Ok(0));
    assert_eq!(propose(&mut requests, a.other_worker, BUDGET / 2), Ok(1));
    let live = requests.proposals(0);
    assert_eq!(live.len(), 2);
    assert_eq!(
        (live[1].0, live[1].1.worker, live[1].1.price),
        (1, a.other_worker, BUDGET / 2)
    );
    assert_eq!(requests.request(0).unwrap().proposal_count, 2);
    assert_eq!(events_of::<ProposalSubmitted>().len(), 2);
}

#[ink::test]
fn a_proposal_cannot_exceed_the_budget_or_the_delivery_window() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    assert_eq!(
        propose(&mut requests, a.worker, BUDGET + 1),
        Err(Error::OverBudget)
    );
    assert_eq!(propose(&mut requests, a.worker, 0), Err(Error::ZeroAmount));
    call_as(a.worker, 0);
    assert_eq!(
        requests.propose(
            0,
            BUDGET,
            7 * DAY + 1,
            Vec::new(),
            a.arbiter,
            ARBITER_FEE,
            Hash::default()
        ),
        Err(Error::DeliveryTooLong)
    );
    assert_eq!(
        requests.propose(
            0,
            BUDGET,
            DAY,
            Vec::new(),
            a.stranger,
            ARBITER_FEE,
            Hash::default()
        ),
        Err(Error::ArbiterNotAccepted)
    );
    assert!(requests.proposals(0).is_empty());
}

#[ink::test]
fn a_proposals_milestones_must_add_up_to_its_price_and_window() {
    use escrow::Milestone;
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    let step = |amount, delivery_window| Milestone {
        amount,
        delivery_window,
    };
    call_as(a.worker, 0);
    for bad in [
        vec![step(BUDGET / 2, DAY), step(BUDGET / 4, DAY)],
        vec![step(BUDGET / 2, DAY), step(BUDGET - BUDGET / 2, 2 * DAY)],
        vec![step(BUDGET, 2 * DAY), step(0, 0)],
        vec![step(BUDGET / 9, 1); 9],
    ] {
        assert_eq!(
            requests.propose(
                0,
                BUDGET,
                2 * DAY,
                bad,
                a.arbiter,
                ARBITER_FEE,
                Hash::default()
            ),
            Err(Error::InvalidMilestones)
        );
    }
    let plan = vec![step(BUDGET / 4, DAY), step(BUDGET - BUDGET / 4, DAY)];
    let index = requests
        .propose(
            0,
            BUDGET,
            2 * DAY,
            plan.clone(),
            a.arbiter,
            ARBITER_FEE,
            Hash::default(),
        )
        .expect("a plan adding up is kept");
    let kept = requests.proposal(0, index).unwrap();
    assert_eq!((kept.milestones, kept.arbiter_fee_bps), (plan, ARBITER_FEE));
}

#[ink::test]
fn the_poster_and_the_arbiter_cannot_propose() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    assert_eq!(
        propose(&mut requests, a.poster, 1),
        Err(Error::PosterCannotPropose)
    );
    // The arbiter could only name itself: it cannot be the arbiter of its own deal.
    assert_eq!(
        propose(&mut requests, a.arbiter, 1),
        Err(Error::ArbiterNotAccepted)
    );
}

#[ink::test]
fn a_worker_proposes_once_per_request_even_after_withdrawing() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    propose(&mut requests, a.worker, BUDGET).unwrap();
    assert_eq!(
        propose(&mut requests, a.worker, 1),
        Err(Error::AlreadyProposed)
    );
    call_as(a.worker, 0);
    requests.withdraw_proposal(0).unwrap();
    assert_eq!(requests.proposal(0, 0), None);
    assert_eq!(
        propose(&mut requests, a.worker, 1),
        Err(Error::AlreadyProposed)
    );
    call_as(a.worker, 0);
    assert_eq!(requests.withdraw_proposal(0), Err(Error::ProposalNotFound));
    assert_eq!(requests.request(0).unwrap().proposal_count, 1);
}

#[ink::test]
fn one_account_cannot_cycle_through_every_proposal_slot_to_stand_alone() {
    let (mut requests, a) = deploy();
    let mut t = terms(&a);
    t.auto_award = true;
    post(&mut requests, &a, t).unwrap();
    // The attack: propose cheaply, withdraw, propose again, until the slots are gone and
    // only the attacker's proposal at the whole budget is left for the auto-award.
    assert_eq!(propose(&mut requests, a.stranger, 1), Ok(0));
    call_as(a.stranger, 0);
    requests.withdraw_proposal(0).unwrap();
    assert_eq!(
        propose(&mut requests, a.stranger, BUDGET),
        Err(Error::AlreadyProposed)
    );
    // The slot it used is the only one gone: honest workers still get in.
    assert_eq!(propose(&mut requests, a.worker, BUDGET - 1), Ok(1));
    assert_eq!(propose(&mut requests, a.other_worker, BUDGET - 2), Ok(2));
    let live = requests.proposals(0);
    assert_eq!(live.len(), 2);
    assert_eq!(best_proposal(live).map(|(i, _)| i), Some(2));
}

#[ink::test]
fn a_worker_frees_its_place_once_the_request_ended() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    propose(&mut requests, a.worker, 1).unwrap();
    call_as(a.worker, 0);
    requests.withdraw_proposal(0).unwrap();
    call_as(a.poster, 0);
    requests.cancel_request(0).unwrap();
    // The first call after the end frees the place kept in `live` (and says so); there is
    // nothing after it.
    call_as(a.worker, 0);
    assert_eq!(requests.withdraw_proposal(0), Ok(()));
    let withdrawn = events_of::<ProposalWithdrawn>();
    assert_eq!(withdrawn.len(), 2);
    assert_eq!(withdrawn[1].index, 0);
    assert_eq!(requests.withdraw_proposal(0), Err(Error::ProposalNotFound));
    assert_eq!(requests.proposal(0, 0), None);
}

#[ink::test]
fn proposals_close_at_the_deadline() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    at(START + DAY - 1);
    assert_eq!(propose(&mut requests, a.worker, 1), Ok(0));
    at(START + DAY);
    assert_eq!(
        propose(&mut requests, a.other_worker, 1),
        Err(Error::ProposalsClosed)
    );
}

#[ink::test]
fn at_most_max_proposals_compete_at_once() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    for n in 0..MAX_PROPOSALS {
        assert_eq!(propose(&mut requests, fresh(n), 1), Ok(n));
    }
    assert_eq!(
        propose(&mut requests, a.worker, 1),
        Err(Error::TooManyProposals)
    );
    assert_eq!(requests.proposals(0).len(), MAX_PROPOSALS as usize);
}

/// Issue 25, hole 7: 31 accounts proposed and withdrew, the attacker took the last slot at
/// the whole budget, and honest workers got `TooManyProposals`, leaving the attacker's
/// proposal alone for the auto-award.
#[ink::test]
fn thirty_one_proposers_who_withdraw_do_not_lock_a_request() {
    let (mut requests, a) = deploy();
    let mut t = terms(&a);
    t.auto_award = true;
    post(&mut requests, &a, t).unwrap();
    for n in 0..MAX_PROPOSALS - 1 {
        let sybil = fresh(n);
        assert_eq!(propose(&mut requests, sybil, 1), Ok(n));
        call_as(sybil, 0);
        requests.withdraw_proposal(0).unwrap();
        // Each stays out: one proposal per worker and request.
        assert_eq!(
            propose(&mut requests, sybil, 1),
            Err(Error::AlreadyProposed)
        );
    }
    let attacker = fresh(MAX_PROPOSALS);
    assert_eq!(propose(&mut requests, attacker, BUDGET), Ok(31));
    // The withdrawn proposals freed their slots: honest workers get in.
    assert_eq!(propose(&mut requests, a.worker, BUDGET - 1), Ok(32));
    assert_eq!(propose(&mut requests, a.other_worker, BUDGET - 2), Ok(33));
    let request = requests.request(0).unwrap();
    assert_eq!(
        (request.proposal_count, request.competing),
        (34, vec![31, 32, 33])
    );
    let competing = requests.proposals(0);
    assert_eq!(competing.len(), 3);
    assert_eq!(best_proposal(competing).map(|(i, _)| i), Some(33));
}

#[ink::test]
fn the_poster_rejects_a_proposal_which_frees_its_slot_and_bars_its_worker() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    for n in 0..MAX_PROPOSALS {
        propose(&mut requests, fresh(n), 1).unwrap();
    }
    assert_eq!(
        propose(&mut requests, a.worker, 2),
        Err(Error::TooManyProposals)
    );
    call_as(a.poster, 0);
    assert_eq!(requests.reject_proposal(0, 5), Ok(()));
    assert_eq!(
        events_of::<ProposalRejected>()
            .iter()
            .map(|e| (e.request_id, e.index))
            .collect::<Vec<_>>(),
        [(0, 5)]
    );
    // The slot is free for someone else; the rejected worker stays out.
    assert_eq!(
        propose(&mut requests, fresh(5), 1),
        Err(Error::AlreadyProposed)
    );
    assert_eq!(propose(&mut requests, a.worker, 2), Ok(MAX_PROPOSALS));
    let request = requests.request(0).unwrap();
    assert_eq!(request.competing.len(), MAX_PROPOSALS as usize);
    assert!(!request.competing.contains(&5));
    assert!(requests.proposals(0).iter().all(|(i, _)| *i != 5));
    // Its storage stays, the worker's to free (its deposit): the poster did not get it.
    assert_eq!(requests.proposal(0, 5).map(|p| p.worker), Some(fresh(5)));
}

#[ink::test]
fn only_the_poster_rejects_and_only_a_competing_proposal_of_an_open_request() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    propose(&mut requests, a.worker, 1).unwrap();
    propose(&mut requests, a.other_worker, 1).unwrap();
    call_as(a.worker, 0);
    assert_eq!(requests.reject_proposal(0, 1), Err(Error::NotPoster));
    call_as(a.poster, 0);
    assert_eq!(requests.reject_proposal(0, 2), Err(Error::ProposalNotFound));
    assert_eq!(requests.reject_proposal(1, 0), Err(Error::RequestNotFound));
    assert_eq!(requests.reject_proposal(0, 1), Ok(()));
    assert_eq!(requests.reject_proposal(0, 1), Err(Error::ProposalNotFound));
    call_as(a.worker, 0);
    requests.withdraw_proposal(0).unwrap();
    call_as(a.poster, 0);
    assert_eq!(requests.reject_proposal(0, 0), Err(Error::ProposalNotFound));
    requests.cancel_request(0).unwrap();
    assert_eq!(requests.reject_proposal(0, 0), Err(Error::NotOpen));
    assert_eq!(events_of::<ProposalRejected>().len(), 1);
}

#[ink::test]
fn a_withdrawn_or_rejected_proposal_is_never_awarded() {
    let (mut requests, a) = deploy();
    let mut t = terms(&a);
    t.auto_award = true;
    post(&mut requests, &a, t).unwrap();
    propose(&mut requests, a.worker, 1).unwrap();
    propose(&mut requests, a.other_worker, 2).unwrap();
    call_as(a.poster, 0);
    requests.reject_proposal(0, 0).unwrap();
    call_as(a.other_worker, 0);
    requests.withdraw_proposal(0).unwrap();
    call_as(a.poster, 0);
    // The rejected proposal is still stored, but it does not compete.
    assert!(requests.proposal(0, 0).is_some());
    assert_eq!(requests.award(0, 0), Err(Error::ProposalNotFound));
    assert_eq!(requests.award(0, 1), Err(Error::ProposalNotFound));
    // The auto-award finds nothing to offer the escrow (the off-chain engine would panic on
    // the call, so this also shows it made none).
    at(START + DAY);
    assert_eq!(requests.auto_award(0), Err(Error::NoProposals));
    assert_eq!(requests.request(0).unwrap().state, RequestState::Open);
}

#[ink::test]
fn a_rejected_worker_frees_its_proposal_while_the_request_is_open_then_its_place() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    propose(&mut requests, a.worker, 1).unwrap();
    call_as(a.poster, 0);
    requests.reject_proposal(0, 0).unwrap();
    call_as(a.stranger, 0);
    assert_eq!(requests.withdraw_proposal(0), Err(Error::ProposalNotFound));
    assert!(requests.proposal(0, 0).is_some());
    call_as(a.worker, 0);
    assert_eq!(requests.withdraw_proposal(0), Ok(()));
    assert_eq!(requests.proposal(0, 0), None);
    assert_eq!(requests.withdraw_proposal(0), Err(Error::ProposalNotFound));
    assert_eq!(
        propose(&mut requests, a.worker, 1),
        Err(Error::AlreadyProposed)
    );
    call_as(a.poster, 0);
    requests.cancel_request(0).unwrap();
    call_as(a.worker, 0);
    assert_eq!(requests.withdraw_proposal(0), Ok(()));
    assert_eq!(requests.withdraw_proposal(0), Err(Error::ProposalNotFound));
    assert_eq!(events_of::<ProposalWithdrawn>().len(), 2);
}

// ---- the arbiter as the escrow's registry holds it ----

/// Issue 25, hole 8: `propose` took any `arbiter_fee_bps` (65535 included), so the escrow's
/// `ArbiterFeeRaised` guard at the award compared the registry's fee against a number the
/// worker made up.
#[ink::test]
fn a_worker_cannot_state_an_arbiter_fee_the_registry_does_not_hold() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    for stated in [u16::MAX, ARBITER_FEE + 1, ARBITER_FEE - 1, 0] {
        let made_up = Bid {
            arbiter_fee_bps: stated,
            ..bid(1)
        };
        assert_eq!(
            submit(&mut requests, 0, a.worker, made_up),
            Err(Error::ArbiterFeeMismatch),
            "{stated}"
        );
    }
    assert!(requests.proposals(0).is_empty());
    assert_eq!(requests.request(0).unwrap().proposal_count, 0);
    assert_eq!(propose(&mut requests, a.worker, 1), Ok(0));
    assert_eq!(
        requests.proposal(0, 0).unwrap().arbiter_fee_bps,
        ARBITER_FEE
    );
}

#[ink::test]
fn a_proposal_names_only_an_active_registered_arbiter_that_takes_its_price() {
    let (mut requests, a) = deploy();
    let mut t = terms(&a);
    t.arbiters.push(a.stranger);
    post(&mut requests, &a, t).unwrap();
    let naming = |requests: &mut Requests, arbiter, price| {
        submit(
            requests,
            0,
            a.worker,
            Bid {
                arbiter,
                ..bid(price)
            },
        )
    };
    // The stranger is accepted by the request but never registered.
    assert_eq!(
        naming(&mut requests, a.stranger, 1),
        Err(Error::ArbiterNotRegistered)
    );
    off_chain::set_arbiter(a.stranger, arbiter_at(ARBITER_FEE, 100));
    assert_eq!(
        naming(&mut requests, a.stranger, 99),
        Err(Error::BelowArbiterMinimum)
    );
    off_chain::set_arbiter(
        a.stranger,
        Arbiter {
            active: false,
            ..arbiter_at(ARBITER_FEE, 0)
        },
    );
    assert_eq!(
        naming(&mut requests, a.stranger, 100),
        Err(Error::ArbiterNotRegistered)
    );
    assert!(requests.proposals(0).is_empty());
    assert_eq!(naming(&mut requests, a.arbiter, 100), Ok(0));
}

#[test]
fn the_registry_check_wants_an_active_arbiter_its_exact_fee_and_its_smallest_deal() {
    let active = arbiter_at(700, 50);
    let retired = Arbiter {
        active: false,
        ..active
    };
    for (registered, fee, price, expected) in [
        (None, 700, 50, Err(Error::ArbiterNotRegistered)),
        (Some(retired), 700, 50, Err(Error::ArbiterNotRegistered)),
        (Some(active), 699, 50, Err(Error::ArbiterFeeMismatch)),
        (Some(active), 701, 50, Err(Error::ArbiterFeeMismatch)),
        (Some(active), 700, 49, Err(Error::BelowArbiterMinimum)),
        (Some(active), 700, 50, Ok(())),
    ] {
        assert_eq!(
            check_registered_arbiter(registered, fee, price),
            expected,
            "{registered:?} {fee} {price}"
        );
    }
}

// ---- the escrow's minimum windows ----

/// Issue 25, hole 9: a request with a review window of an hour, on an escrow whose minimum is
/// a day, took the budget and proposals, and then the escrow refused every award.
#[ink::test]
fn a_request_with_a_review_window_below_the_escrow_minimum_is_refused() {
    let (mut requests, a) = deploy();
    let before = balance(a.poster);
    type Change = fn(&mut RequestTerms);
    let cases: [(Change, Error); 3] = [
        (|t| t.review_window = HOUR, Error::ReviewWindowBelowMinimum),
        (
            |t| t.ruling_window = DAY - 1,
            Error::RulingWindowBelowMinimum,
        ),
        (
            |t| t.delivery_window = HOUR - 1,
            Error::DeliveryWindowBelowMinimum,
        ),
    ];
    for (change, error) in cases {
        let mut t = terms(&a);
        change(&mut t);
        call_as(a.poster, 0);
        assert_eq!(requests.post_request(t), Err(error));
    }
    assert_eq!(requests.config().3, 0, "nothing was posted");
    assert_eq!((balance(a.poster), held(&requests)), (before, 0));
    // Exactly the minimums is enough.
    let mut t = terms(&a);
    (t.delivery_window, t.review_window, t.ruling_window) = (HOUR, DAY, DAY);
    assert_eq!(post(&mut requests, &a, t), Ok(0));
}

#[test]
fn the_minimum_windows_are_checked_one_by_one() {
    let min = MinWindows {
        delivery: 10,
        review: 20,
        ruling: 30,
    };
    let a = accounts();
    let windows = |delivery, review, ruling| RequestTerms {
        delivery_window: delivery,
        review_window: review,
        ruling_window: ruling,
        ..terms(&a)
    };
    assert_eq!(check_min_windows(&windows(10, 20, 30), &min), Ok(()));
    assert_eq!(
        check_min_windows(&windows(9, 20, 30), &min),
        Err(Error::DeliveryWindowBelowMinimum)
    );
    assert_eq!(
        check_min_windows(&windows(10, 19, 30), &min),
        Err(Error::ReviewWindowBelowMinimum)
    );
    assert_eq!(
        check_min_windows(&windows(10, 20, 29), &min),
        Err(Error::RulingWindowBelowMinimum)
    );
}

#[ink::test]
fn a_proposal_below_the_escrow_minimum_delivery_window_is_refused() {
    use escrow::Milestone;
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    let within = |delivery_window, milestones| Bid {
        delivery_window,
        milestones,
        ..bid(10)
    };
    assert_eq!(
        submit(&mut requests, 0, a.worker, within(HOUR - 1, Vec::new())),
        Err(Error::DeliveryWindowBelowMinimum)
    );
    // Each step too: the escrow holds each to the minimum.
    let steps = vec![
        Milestone {
            amount: 5,
            delivery_window: HOUR - 1,
        },
        Milestone {
            amount: 5,
            delivery_window: HOUR + 1,
        },
    ];
    assert_eq!(
        submit(&mut requests, 0, a.worker, within(2 * HOUR, steps)),
        Err(Error::InvalidMilestones)
    );
    assert_eq!(
        submit(&mut requests, 0, a.worker, within(HOUR, Vec::new())),
        Ok(0)
    );
}

// ---- removing what ended ----

#[ink::test]
fn only_the_poster_removes_an_ended_request() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    post(&mut requests, &a, terms(&a)).unwrap();
    propose(&mut requests, a.worker, 1).unwrap();
    call_as(a.poster, 0);
    assert_eq!(requests.remove_request(0), Err(Error::StillOpen));
    requests.cancel_request(0).unwrap();
    call_as(a.worker, 0);
    assert_eq!(requests.remove_request(0), Err(Error::NotPoster));
    assert!(requests.request(0).is_some());
    call_as(a.poster, 0);
    assert_eq!(requests.remove_request(0), Ok(()));
    assert_eq!(events_of::<RequestRemoved>()[0].request_id, 0);
    assert_eq!(requests.request(0), None);
    assert_eq!(requests.remove_request(0), Err(Error::RequestNotFound));
    // Nothing else moved: the other request is held and listed, ids are not reused.
    assert_eq!(held(&requests), BUDGET);
    assert_eq!(
        requests
            .requests(0, 10)
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        [1]
    );
    assert_eq!(post(&mut requests, &a, terms(&a)), Ok(2));
    // The worker still frees its proposal and its place on the removed request.
    call_as(a.worker, 0);
    assert_eq!(requests.withdraw_proposal(0), Ok(()));
    assert_eq!(requests.proposal(0, 0), None);
    assert_eq!(requests.withdraw_proposal(0), Err(Error::ProposalNotFound));
    assert_eq!(
        propose(&mut requests, a.worker, 1),
        Err(Error::RequestNotFound)
    );
}

#[ink::test]
fn a_closed_request_is_removed_by_its_poster_too() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    at(START + DAY + AWARD_WINDOW);
    call_as(a.stranger, 0);
    requests.close_request(0).unwrap();
    assert_eq!(requests.remove_request(0), Err(Error::NotPoster));
    call_as(a.poster, 0);
    assert_eq!(requests.remove_request(0), Ok(()));
    assert_eq!((requests.request(0), held(&requests)), (None, 0));
}

#[ink::test]
fn screening_refuses_a_worker_naming_the_rule_it_failed() {
    let (mut requests, a) = deploy();
    let mut t = terms(&a);
    t.screening = Screening {
        block: Vec::from([a.other_worker]),
        ..Screening::default()
    };
    post(&mut requests, &a, t).unwrap();
    assert_eq!(
        propose(&mut requests, a.other_worker, 1),
        Err(Error::Screened(Refusal::Blocked))
    );
    assert_eq!(propose(&mut requests, a.worker, 1), Ok(0));

    // Without a reputation contract every worker is a newcomer: no deals, no rating.
    let mut t = terms(&a);
    t.screening.min_deals = 1;
    post(&mut requests, &a, t).unwrap();
    assert_eq!(
        propose_to(&mut requests, 1, a.worker, 1),
        Err(Error::Screened(Refusal::TooFewDeals))
    );
    let mut t = terms(&a);
    t.screening.allow = Vec::from([a.other_worker]);
    post(&mut requests, &a, t).unwrap();
    assert_eq!(
        propose_to(&mut requests, 2, a.worker, 1),
        Err(Error::Screened(Refusal::NotAllowed))
    );
    assert!(requests.proposals(1).is_empty() && requests.proposals(2).is_empty());
}

#[ink::test]
fn only_the_worker_can_withdraw_its_proposal() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    propose(&mut requests, a.worker, 1).unwrap();
    call_as(a.stranger, 0);
    assert_eq!(requests.withdraw_proposal(0), Err(Error::ProposalNotFound));
    assert!(requests.proposal(0, 0).is_some());
    call_as(a.worker, 0);
    assert_eq!(requests.withdraw_proposal(0), Ok(()));
    assert_eq!(events_of::<ProposalWithdrawn>()[0].index, 0);
}

// ---- cancel and close: every open request has an exit ----

#[ink::test]
fn the_poster_cancels_an_open_request_and_gets_the_budget_back() {
    let (mut requests, a) = deploy();
    let before = balance(a.poster);
    post(&mut requests, &a, terms(&a)).unwrap();
    propose(&mut requests, a.worker, 1).unwrap();
    call_as(a.stranger, 0);
    assert_eq!(requests.cancel_request(0), Err(Error::NotPoster));
    call_as(a.poster, 0);
    assert_eq!(requests.cancel_request(0), Ok(()));
    assert_eq!(balance(a.poster), before);
    assert_eq!(held(&requests), 0);
    assert_eq!(requests.request(0).unwrap().state, RequestState::Cancelled);
    assert_eq!(requests.cancel_request(0), Err(Error::NotOpen));
    // A cancelled request takes no proposals, and its proposals can still be withdrawn.
    assert_eq!(
        propose(&mut requests, a.other_worker, 1),
        Err(Error::NotOpen)
    );
    call_as(a.worker, 0);
    assert_eq!(requests.withdraw_proposal(0), Ok(()));
}

#[ink::test]
fn anyone_closes_a_request_left_unawarded_past_the_award_window() {
    let (mut requests, a) = deploy();
    let before = balance(a.poster);
    post(&mut requests, &a, terms(&a)).unwrap();
    propose(&mut requests, a.worker, 1).unwrap();
    at(START + DAY + AWARD_WINDOW - 1);
    call_as(a.stranger, 0);
    assert_eq!(requests.close_request(0), Err(Error::TooEarly));
    at(START + DAY + AWARD_WINDOW);
    assert_eq!(requests.close_request(0), Ok(()));
    assert_eq!(balance(a.poster), before);
    assert_eq!(held(&requests), 0);
    assert_eq!(requests.request(0).unwrap().state, RequestState::Closed);
    assert_eq!(events_of::<RequestClosed>()[0].refund, BUDGET);
    assert_eq!(requests.close_request(0), Err(Error::NotOpen));
}

// ---- award: the checks before the escrow call ----

#[ink::test]
fn only_the_poster_awards_and_only_before_the_award_deadline() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    propose(&mut requests, a.worker, 1).unwrap();
    call_as(a.worker, 0);
    assert_eq!(requests.award(0, 0), Err(Error::NotPoster));
    call_as(a.poster, 0);
    assert_eq!(requests.award(0, 1), Err(Error::ProposalNotFound));
    at(START + DAY + AWARD_WINDOW);
    assert_eq!(requests.award(0, 0), Err(Error::TooLate));
    assert_eq!(requests.request(0).unwrap().state, RequestState::Open);
}

#[ink::test]
fn auto_award_waits_for_the_proposal_deadline_and_needs_the_requests_consent() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    let mut auto = terms(&a);
    auto.auto_award = true;
    post(&mut requests, &a, auto).unwrap();
    call_as(a.stranger, 0);
    at(START + DAY);
    assert_eq!(requests.auto_award(0), Err(Error::NoAutoAward));
    at(START + DAY - 1);
    assert_eq!(requests.auto_award(1), Err(Error::TooEarly));
    at(START + DAY);
    assert_eq!(requests.auto_award(1), Err(Error::NoProposals));
    at(START + DAY + AWARD_WINDOW);
    assert_eq!(requests.auto_award(1), Err(Error::TooLate));
    assert_eq!(requests.close_request(1), Ok(()));
}

#[ink::test]
fn the_auto_award_takes_the_lowest_price_then_the_higher_rating_then_the_earliest() {
    let p = |price: Balance, rating_centi: u32| Proposal {
        worker: AccountId::from([price as u8; 32]),
        price,
        delivery_window: DAY,
        milestones: Vec::new(),
        arbiter: accounts().arbiter,
        arbiter_fee_bps: ARBITER_FEE,
        message: Hash::default(),
        submitted_at: START,
        rating_centi,
    };
    let pick = |list: Vec<(u32, Proposal)>| best_proposal(list).map(|(i, _)| i);
    assert_eq!(pick(Vec::new()), None);
    assert_eq!(pick(Vec::from([(0, p(9, 500)), (1, p(8, 0))])), Some(1));
    assert_eq!(pick(Vec::from([(0, p(8, 300)), (1, p(8, 450))])), Some(1));
    assert_eq!(pick(Vec::from([(2, p(8, 450)), (5, p(8, 450))])), Some(2));
}

#[ink::test]
fn nothing_is_held_beyond_the_open_budgets() {
    let (mut requests, a) = deploy();
    post(&mut requests, &a, terms(&a)).unwrap();
    let mut second = terms(&a);
    second.budget = 3 * BUDGET;
    post(&mut requests, &a, second).unwrap();
    let contract = AccountId::from(CONTRACT);
    assert_eq!(
        (held(&requests), balance(contract)),
        (4 * BUDGET, 4 * BUDGET)
    );
    call_as(a.poster, 0);
    requests.cancel_request(1).unwrap();
    assert_eq!((held(&requests), balance(contract)), (BUDGET, BUDGET));
    assert_eq!(requests.withdraw(), Err(Error::NoCredit));
}

#[ink::test]
fn requests_are_paged_by_ten() {
    let (mut requests, a) = deploy();
    for _ in 0..12 {
        post(&mut requests, &a, terms(&a)).unwrap();
    }
    assert_eq!(requests.requests(0, 100).len(), 10);
    let rest = requests.requests(10, 10);
    assert_eq!(rest.iter().map(|r| r.id).collect::<Vec<_>>(), [10, 11]);
}

#[ink::test]
fn the_award_window_must_be_real() {
    let escrow = AccountId::from(ESCROW);
    assert!(Requests::new(escrow, None, 0, MIN_WINDOWS).is_err());
    assert!(Requests::new(escrow, None, MAX_WINDOW_MS + 1, MIN_WINDOWS).is_err());
}

#[ink::test]
fn a_full_page_of_the_largest_requests_and_every_proposal_fit_the_output_buffer() {
    // ink! 5's static buffer for a message's encoded return value.
    const BUFFER: usize = 16 * 1024;
    let (mut requests, a) = deploy();
    let listed = reputation::screening::MAX_LISTED;
    let largest = RequestTerms {
        title: "t".repeat(MAX_TITLE_BYTES),
        description: "d".repeat(MAX_DESCRIPTION_BYTES),
        arbiters: vec![a.arbiter; MAX_ARBITERS],
        screening: Screening {
            allow: vec![a.worker; listed],
            block: vec![a.stranger; listed],
            ..Screening::default()
        },
        ..terms(&a)
    };
    let id = post(&mut requests, &a, largest).expect("posted");
    propose(&mut requests, a.worker, BUDGET).expect("proposed");
    let mut request = requests.request(id).expect("stored");
    request.competing = (0..MAX_PROPOSALS).map(|i| u32::MAX - i).collect();
    let (index, mut proposal) = requests.proposals(id).remove(0);
    let step = escrow::Milestone {
        amount: Balance::MAX,
        delivery_window: u64::MAX,
    };
    proposal.milestones = vec![step; escrow::MAX_MILESTONES];
    let proposal = (index, proposal);
    // `Result<Vec<_>, LangError>`: one byte for `Ok` around the vector.
    let page = scale::Encode::encoded_size(&vec![request; MAX_PAGE as usize]) + 1;
    let proposals = scale::Encode::encoded_size(&vec![proposal; MAX_PROPOSALS as usize]) + 1;
    assert!(page < BUFFER, "a page of requests takes {page} bytes");
    assert!(
        proposals < BUFFER,
        "every proposal of a request takes {proposals} bytes"
    );
}
