//! End-to-end tests on a real substrate-contracts-node (found through `CONTRACTS_NODE`): the
//! award path, the auto-award, the escrow's arbiter registry and minimum windows, screening
//! against a real reputation contract, and storage deposits, which the off-chain unit tests
//! cannot reach (they cannot call other contracts, revert, or charge deposits). Run with
//! `cargo test --features e2e-tests`. Each reads balances and state back.
#![cfg(feature = "e2e-tests")]

#[macro_use]
#[path = "../../e2e_macros.rs"]
mod e2e_macros;

use escrow::{DealState, Escrow, Milestone, RequestedDeal, Settings, NO_OFFER};
use impostor::{Impostor, ImpostorRef};
use ink::primitives::{AccountId, Hash};
use ink_e2e::{AccountKeyring, ChainBackend, ContractsBackend};
use reputation::screening::{Refusal, Screening};
use reputation::{Reputation, ReputationRef};
use requests::{Error, MinWindows, RequestState, RequestTerms, Requests, RequestsRef};

type E2EResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;
type Balance = u128;

const UNIT: Balance = 1_000_000_000_000;
const BUDGET: Balance = 10 * UNIT;
const FEE_BPS: u16 = 100;
const RATING_WINDOW: u64 = 60_000;
const AWARD_WINDOW: u64 = 600_000;
const LONG: u64 = 600_000;
/// A proposal window the test waits out: the dev node's clock only moves with blocks.
const SHORT: u64 = 30_000;
/// Dave's fee as registered below: what the workers propose with.
const ARBITER_FEE: u16 = 500;
/// More than any one transaction's fee on the dev node (a few thousandths of a UNIT), far
/// less than a storage deposit (a tenth of a UNIT per item): what tells them apart.
const FEE_BOUND: Balance = UNIT / 100;

fn id(k: AccountKeyring) -> AccountId {
    ink_e2e::account_id(k)
}

fn settings(requests_code: Hash) -> Settings {
    Settings {
        min_delivery_window: 1,
        min_review_window: 1,
        min_ruling_window: 1,
        prune_after: 2 * RATING_WINDOW,
        report_ref_time: 20_000_000_000,
        report_proof_size: 1_000_000,
        report_deposit_limit: UNIT,
        requests_code: Some(requests_code),
        award_window: AWARD_WINDOW,
        fee_floor_bps: 0,
    }
}

/// Charlie's request: Dave arbitrates, proposals for `proposal_window` ms.
fn terms(proposal_window: u64, screening: Screening, auto_award: bool) -> RequestTerms {
    RequestTerms {
        title: "Translate a manual".into(),
        description: "40 pages, German to English".into(),
        budget: BUDGET,
        proposal_window,
        delivery_window: LONG,
        review_window: LONG,
        ruling_window: LONG,
        arbiters: Vec::from([id(AccountKeyring::Dave)]),
        screening,
        auto_award,
    }
}

/// Reputation for the escrow code, an escrow Alice creates through it (with `settings`, by
/// default the ones above), and the requests contract that escrow instantiated for itself;
/// Dave is a registered arbiter. Returns (escrow, reputation, requests, the requests code hash).
macro_rules! deploy {
    ($client:ident) => {
        deploy!($client, settings)
    };
    ($client:ident, $settings:expr) => {{
        let requests_code = $client
            .upload("requests", &ink_e2e::alice())
            .submit()
            .await
            .expect("requests code uploads")
            .code_hash;
        let escrow_code = $client
            .upload("escrow", &ink_e2e::alice())
            .submit()
            .await
            .expect("escrow code uploads")
            .code_hash;
        let mut rep_ctor = ReputationRef::new(RATING_WINDOW, 1, escrow_code, 0);
        let reputation = $client
            .instantiate("reputation", &ink_e2e::alice(), &mut rep_ctor)
            .submit()
            .await
            .expect("reputation instantiates");
        let mut rep = reputation.call_builder::<Reputation>();
        let account_id = tx!(
            $client,
            ink_e2e::alice(),
            rep.create_escrow(
                FEE_BPS,
                id(AccountKeyring::Eve),
                $settings(requests_code),
                Hash::from([1; 32])
            )
        );
        let escrow = e2e_macros::Created { account_id };
        let mut call = escrow.call_builder::<Escrow>();
        tx!(
            $client,
            ink_e2e::dave(),
            call.register_arbiter(500, 0, Hash::from([4; 32]))
        );
        let requests = e2e_macros::Created {
            account_id: read!($client, call.config())
                .requests
                .expect("the escrow instantiated its requests contract"),
        };
        (escrow, reputation, requests, requests_code)
    }};
}

/// `req.propose` of `price` on `request_id`, delivered within `LONG` in one step, arbitrated
/// by `arbiter` at `fee`.
macro_rules! proposal {
    ($req:ident, $request_id:expr, $price:expr, $arbiter:expr, $fee:expr) => {
        $req.propose(
            $request_id,
            $price,
            LONG,
            Vec::new(),
            $arbiter,
            $fee,
            Hash::default(),
        )
    };
}

/// The deal an attacker would open for a victim who never asked for it: Charlie pays,
/// Eve (the attacker's second account) sells, Dave arbitrates.
fn forged_deal() -> RequestedDeal {
    RequestedDeal {
        buyer: id(AccountKeyring::Charlie),
        seller: id(AccountKeyring::Eve),
        arbiter: id(AccountKeyring::Dave),
        delivery_window: LONG,
        review_window: LONG,
        ruling_window: LONG,
        milestones: Vec::new(),
        max_arbiter_fee_bps: ARBITER_FEE,
    }
}

/// Issue 25, hole 1: a contract switches its code to the requests code, then (still running
/// its own code for the rest of the call) asks the escrow to open a deal naming a victim as
/// buyer. A check of the caller's code hash would take it; the escrow takes deals only from
/// the requests contract it instantiated itself.
#[ink_e2e::test]
async fn a_contract_that_switches_to_the_requests_code_cannot_open_a_deal_for_a_victim<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, _requests, requests_code) = deploy!(client);
    let call = escrow.call_builder::<Escrow>();
    let mut impostor_ctor = ImpostorRef::new();
    let impostor = client
        .instantiate("impostor", &ink_e2e::ferdie(), &mut impostor_ctor)
        .submit()
        .await
        .expect("impostor instantiates");
    let mut attack = impostor.call_builder::<Impostor>();
    let pose = attack.pose_as(requests_code, escrow.account_id, forged_deal());
    let dry = client
        .call(&ink_e2e::ferdie(), &pose)
        .value(BUDGET)
        .dry_run()
        .await?;
    assert_eq!(dry.return_value(), Err(escrow::Error::NotRequestsContract));
    let ferdie_before = balance!(client, AccountKeyring::Ferdie);
    let sent = client
        .call(&ink_e2e::ferdie(), &pose)
        .value(BUDGET)
        .submit()
        .await;
    assert!(sent.is_err(), "the attack reverts");
    assert_eq!(read!(client, call.config()).deal_count, 0, "no deal opened");
    assert!(
        ferdie_before - balance!(client, AccountKeyring::Ferdie) < UNIT,
        "the attacker kept its money, less the fee"
    );
    Ok(())
}

/// A requests contract instantiated by hand, running the genuine code and naming the real
/// escrow, is not the escrow's: its awards are refused, and its poster gets the budget back
/// by closing the request.
#[ink_e2e::test]
async fn a_requests_contract_the_escrow_did_not_instantiate_cannot_award<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, reputation, _requests, requests_code) = deploy!(client);
    let call = escrow.call_builder::<Escrow>();
    let mut stray_ctor = RequestsRef::new(
        escrow.account_id,
        Some(reputation.account_id),
        AWARD_WINDOW,
        MinWindows::of(&settings(requests_code)),
    );
    let stray = client
        .instantiate("requests", &ink_e2e::alice(), &mut stray_ctor)
        .submit()
        .await
        .expect("requests instantiates");
    let mut req = stray.call_builder::<Requests>();
    let request_id = tx!(
        client,
        ink_e2e::charlie(),
        req.post_request(terms(LONG, Screening::default(), false)),
        BUDGET
    );
    let index = tx!(
        client,
        ink_e2e::bob(),
        req.propose(
            request_id,
            BUDGET,
            LONG,
            Vec::new(),
            id(AccountKeyring::Dave),
            ARBITER_FEE,
            Hash::from([5; 32])
        )
    );
    let award = req.award(request_id, index);
    let dry = client.call(&ink_e2e::charlie(), &award).dry_run().await?;
    assert_eq!(
        dry.return_value(),
        Err(Error::EscrowRefused(escrow::Error::NotRequestsContract))
    );
    assert_eq!(read!(client, call.config()).deal_count, 0);
    Ok(())
}

#[ink_e2e::test]
async fn an_award_opens_the_escrow_deal_for_the_poster_and_screening_reads_real_reputation<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, requests, _) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let mut req = requests.call_builder::<Requests>();
    let dave = id(AccountKeyring::Dave);

    // Nobody but a contract running the requests code may name a buyer.
    let forged = call.open_requested_deal(RequestedDeal {
        buyer: id(AccountKeyring::Charlie),
        seller: id(AccountKeyring::Eve),
        arbiter: dave,
        delivery_window: LONG,
        review_window: LONG,
        ruling_window: LONG,
        milestones: Vec::new(),
        max_arbiter_fee_bps: ARBITER_FEE,
    });
    let dry = client
        .call(&ink_e2e::eve(), &forged)
        .value(UNIT)
        .dry_run()
        .await?;
    assert_eq!(dry.return_value(), Err(escrow::Error::NotRequestsContract));

    let contract_before = client.free_balance(requests.account_id).await?;
    let poster_before = balance!(client, AccountKeyring::Charlie);
    let request_id = tx!(
        client,
        ink_e2e::charlie(),
        req.post_request(terms(LONG, Screening::default(), false)),
        BUDGET
    );
    assert_eq!(
        client.free_balance(requests.account_id).await? - contract_before,
        BUDGET
    );
    let bob_index = tx!(
        client,
        ink_e2e::bob(),
        req.propose(
            request_id,
            8 * UNIT,
            LONG,
            Vec::new(),
            dave,
            ARBITER_FEE,
            Hash::from([1; 32])
        )
    );
    tx!(
        client,
        ink_e2e::ferdie(),
        req.propose(
            request_id,
            9 * UNIT,
            LONG,
            Vec::new(),
            dave,
            ARBITER_FEE,
            Hash::from([2; 32])
        )
    );
    // Dave raises his fee just before the award: the proposals were made at his old fee,
    // so the escrow refuses the deal and the award reverts; back at that fee, it goes through.
    tx!(
        client,
        ink_e2e::dave(),
        call.register_arbiter(ARBITER_FEE + 1, 0, Hash::from([4; 32]))
    );
    let award = req.award(request_id, bob_index);
    assert_eq!(
        read!(client, ink_e2e::charlie(), award),
        Err(Error::EscrowRefused(escrow::Error::ArbiterFeeRaised))
    );
    assert!(client
        .call(&ink_e2e::charlie(), &award)
        .submit()
        .await
        .is_err());
    let request = read!(client, req.request(request_id)).expect("request");
    assert_eq!((request.state, request.deal_id), (RequestState::Open, None));
    tx!(
        client,
        ink_e2e::dave(),
        call.register_arbiter(ARBITER_FEE, 0, Hash::from([4; 32]))
    );
    let deal_id = tx!(client, ink_e2e::charlie(), req.award(request_id, bob_index));

    // The deal is the poster's and the worker's, for the proposal's price; the rest of the
    // budget went back to the poster at once. Besides the price the poster paid two
    // transaction fees and two storage deposits (the request's and the deal's, about a tenth
    // of a UNIT each).
    let deal = read!(client, call.deal(deal_id)).expect("deal opened");
    assert_eq!(
        (
            deal.buyer,
            deal.seller,
            deal.arbiter,
            deal.amount,
            deal.offer_id
        ),
        (
            id(AccountKeyring::Charlie),
            id(AccountKeyring::Bob),
            dave,
            8 * UNIT,
            NO_OFFER
        )
    );
    assert_eq!((deal.state, deal.bond), (DealState::Funded, 0));
    let spent = poster_before - balance!(client, AccountKeyring::Charlie);
    assert!(spent > 8 * UNIT && spent < 8 * UNIT + UNIT / 2, "{spent}");
    let request = read!(client, req.request(request_id)).expect("request");
    assert_eq!(
        (request.state, request.winner, request.deal_id),
        (RequestState::Awarded, Some(bob_index), Some(deal_id))
    );
    assert_eq!(read!(client, req.config()).4, 0, "no budget held");
    assert_eq!(
        client.free_balance(requests.account_id).await?,
        contract_before,
        "the requests contract kept nothing"
    );
    // An awarded request takes no second award.
    assert_eq!(
        read!(client, ink_e2e::charlie(), req.award(request_id, 1)),
        Err(Error::NotOpen)
    );

    // The deal runs as any other: Bob delivers, Charlie releases, Bob is paid less the fee.
    tx!(client, ink_e2e::bob(), call.mark_delivered(deal_id, None));
    let bob_before = balance!(client, AccountKeyring::Bob);
    tx!(client, ink_e2e::charlie(), call.release(deal_id, 8 * UNIT));
    let fee = 8 * UNIT * Balance::from(FEE_BPS) / 10_000;
    assert_eq!(
        balance!(client, AccountKeyring::Bob) - bob_before,
        8 * UNIT - fee
    );

    // Screening reads the reputation the escrow reported: Bob has one completed deal now,
    // Ferdie none.
    let screened = Screening {
        min_deals: 1,
        ..Screening::default()
    };
    let second = tx!(
        client,
        ink_e2e::charlie(),
        req.post_request(terms(LONG, screened, false)),
        BUDGET
    );
    // The same proposal, refused from Ferdie and taken from Bob.
    let proposal = req.propose(
        second,
        UNIT,
        LONG,
        Vec::new(),
        dave,
        ARBITER_FEE,
        Hash::default(),
    );
    assert_eq!(
        read!(client, ink_e2e::ferdie(), proposal),
        Err(Error::Screened(Refusal::TooFewDeals))
    );
    assert!(client
        .call(&ink_e2e::ferdie(), &proposal)
        .submit()
        .await
        .is_err());
    assert_eq!(tx!(client, ink_e2e::bob(), proposal), 0);
    assert_eq!(read!(client, req.proposals(second)).len(), 1);
    Ok(())
}

#[ink_e2e::test]
async fn anyone_auto_awards_the_cheapest_proposal_and_one_the_escrow_refuses_cannot_block_it<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, requests, _) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let mut req = requests.call_builder::<Requests>();
    let (dave, alice) = (id(AccountKeyring::Dave), id(AccountKeyring::Alice));
    let mut posted = terms(SHORT, Screening::default(), true);
    posted.arbiters.push(alice);
    let request_id = tx!(client, ink_e2e::charlie(), req.post_request(posted), BUDGET);
    // Ferdie's work is paid in two milestones.
    let plan = vec![
        Milestone {
            amount: 3 * UNIT,
            delivery_window: LONG / 2,
        },
        Milestone {
            amount: 4 * UNIT,
            delivery_window: LONG / 2,
        },
    ];
    tx!(
        client,
        ink_e2e::alice(),
        call.register_arbiter(500, 0, Hash::from([5; 32]))
    );
    for (signer, price, milestones, arbiter) in [
        (ink_e2e::bob(), 6 * UNIT, Vec::new(), alice),
        (ink_e2e::ferdie(), 7 * UNIT, plan.clone(), dave),
        (ink_e2e::eve(), 7 * UNIT, Vec::new(), dave),
    ] {
        tx!(
            client,
            signer,
            req.propose(
                request_id,
                price,
                LONG,
                milestones,
                arbiter,
                ARBITER_FEE,
                Hash::default()
            )
        );
    }
    // The cheapest proposal's arbiter retires: the escrow would refuse that deal.
    tx!(client, ink_e2e::alice(), call.retire_arbiter());
    // Too early: proposals are still open.
    assert_eq!(
        read!(client, req.auto_award(request_id)),
        Err(Error::TooEarly)
    );
    wait!(client, SHORT);
    let poster_before = balance!(client, AccountKeyring::Charlie);
    // A stranger triggers it. Bob's refused proposal is passed over; Ferdie and Eve tie on
    // price and rating, Ferdie proposed first.
    let deal_id = tx!(client, ink_e2e::alice(), req.auto_award(request_id));
    let deal = read!(client, call.deal(deal_id)).expect("deal opened");
    assert_eq!(
        (deal.buyer, deal.seller, deal.amount),
        (
            id(AccountKeyring::Charlie),
            id(AccountKeyring::Ferdie),
            7 * UNIT
        )
    );
    assert_eq!(
        (deal.milestones, deal.milestone),
        (plan, 0),
        "the proposal's milestones"
    );
    assert_eq!(
        balance!(client, AccountKeyring::Charlie) - poster_before,
        3 * UNIT,
        "the rest of the budget, paid by the caller's transaction"
    );
    let request = read!(client, req.request(request_id)).expect("request");
    assert_eq!(
        (request.state, request.winner),
        (RequestState::Awarded, Some(1))
    );
    assert_eq!(
        read!(client, req.proposals(request_id)).len(),
        3,
        "Bob's is still there"
    );
    Ok(())
}

/// Issue 25, hole 8: `propose` took any `arbiter_fee_bps`, so a worker stating 65535 made the
/// escrow's `ArbiterFeeRaised` guard at the award compare the fee against nothing. Now the
/// requests contract reads the arbiter from the escrow's registry and refuses any other fee,
/// and an arbiter that is not registered or retired.
#[ink_e2e::test]
async fn a_worker_cannot_state_an_arbiter_fee_the_registry_does_not_hold<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, requests, _) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let mut req = requests.call_builder::<Requests>();
    let (dave, alice) = (id(AccountKeyring::Dave), id(AccountKeyring::Alice));
    let mut posted = terms(LONG, Screening::default(), false);
    posted.arbiters.push(alice);
    let request_id = tx!(client, ink_e2e::charlie(), req.post_request(posted), BUDGET);
    for (arbiter, fee, refusal) in [
        (dave, u16::MAX, Error::ArbiterFeeMismatch),
        (dave, ARBITER_FEE - 1, Error::ArbiterFeeMismatch),
        (dave, 0, Error::ArbiterFeeMismatch),
        // Alice is one of the request's arbiters but never registered.
        (alice, ARBITER_FEE, Error::ArbiterNotRegistered),
    ] {
        let stated = proposal!(req, request_id, BUDGET, arbiter, fee);
        assert_eq!(read!(client, ink_e2e::bob(), stated), Err(refusal), "{fee}");
        assert!(client
            .call(&ink_e2e::bob(), &stated)
            .submit()
            .await
            .is_err());
    }
    assert!(read!(client, req.proposals(request_id)).is_empty());
    // At the registry's fee the proposal is taken; once Dave retires, nobody can name him.
    assert_eq!(
        tx!(
            client,
            ink_e2e::bob(),
            proposal!(req, request_id, BUDGET, dave, ARBITER_FEE)
        ),
        0
    );
    tx!(client, ink_e2e::dave(), call.retire_arbiter());
    assert_eq!(
        read!(
            client,
            ink_e2e::ferdie(),
            proposal!(req, request_id, BUDGET, dave, ARBITER_FEE)
        ),
        Err(Error::ArbiterNotRegistered)
    );
    // Registered with a smallest deal above the price: refused before any award.
    tx!(
        client,
        ink_e2e::alice(),
        call.register_arbiter(ARBITER_FEE, BUDGET + 1, Hash::from([5; 32]))
    );
    assert_eq!(
        read!(
            client,
            ink_e2e::ferdie(),
            proposal!(req, request_id, BUDGET, alice, ARBITER_FEE)
        ),
        Err(Error::BelowArbiterMinimum)
    );
    let listed = read!(client, req.proposals(request_id));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1.arbiter_fee_bps, ARBITER_FEE);
    Ok(())
}

/// The escrow's settings with minimum windows the request `terms` below do not reach: a
/// delivery window of `LONG` is enough, review and ruling need `2 * LONG`.
fn strict_settings(requests_code: Hash) -> Settings {
    Settings {
        min_review_window: 2 * LONG,
        min_ruling_window: 2 * LONG,
        ..settings(requests_code)
    }
}

/// Issue 25, hole 9: a request whose review window is below the escrow's minimum took the
/// budget and proposals, and then the escrow refused every award. The escrow passes its
/// minimum windows to the requests contract it instantiates, which refuses such a request.
#[ink_e2e::test]
async fn a_request_with_a_review_window_below_the_escrow_minimum_is_refused<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, requests, _) = deploy!(client, strict_settings);
    let call = escrow.call_builder::<Escrow>();
    let mut req = requests.call_builder::<Requests>();
    assert_eq!(
        read!(client, call.config()).settings.min_review_window,
        2 * LONG
    );
    let contract_before = client.free_balance(requests.account_id).await?;
    let poster_before = balance!(client, AccountKeyring::Charlie);
    let mut short = terms(LONG, Screening::default(), false);
    short.ruling_window = 2 * LONG;
    let post = req.post_request(short.clone());
    let dry = client
        .call(&ink_e2e::charlie(), &post)
        .value(BUDGET)
        .dry_run()
        .await?;
    assert_eq!(dry.return_value(), Err(Error::ReviewWindowBelowMinimum));
    assert!(client
        .call(&ink_e2e::charlie(), &post)
        .value(BUDGET)
        .submit()
        .await
        .is_err());
    short.review_window = 2 * LONG;
    short.ruling_window = LONG;
    assert_eq!(
        read!(client, ink_e2e::charlie(), req.post_request(short.clone())),
        Err(Error::RulingWindowBelowMinimum)
    );
    assert_eq!(read!(client, req.config()).3, 0, "nothing was posted");
    assert_eq!(
        client.free_balance(requests.account_id).await?,
        contract_before,
        "no budget was taken"
    );
    assert!(
        poster_before - balance!(client, AccountKeyring::Charlie) < FEE_BOUND,
        "the poster paid the fee of the refused transaction, nothing more"
    );
    // At the minimums the request is taken, and its award opens the deal.
    short.ruling_window = 2 * LONG;
    let request_id = tx!(client, ink_e2e::charlie(), req.post_request(short), BUDGET);
    let dave = id(AccountKeyring::Dave);
    let index = tx!(
        client,
        ink_e2e::bob(),
        proposal!(req, request_id, BUDGET, dave, ARBITER_FEE)
    );
    let deal_id = tx!(client, ink_e2e::charlie(), req.award(request_id, index));
    let deal = read!(client, call.deal(deal_id)).expect("deal opened");
    assert_eq!(
        (deal.review_window, deal.ruling_window),
        (2 * LONG, 2 * LONG)
    );
    Ok(())
}

/// Issue 25, hole 13: an ended request's storage was never freed. Only its poster removes
/// it, and pallet-contracts refunds the deposit to the origin of the transaction that frees
/// storage: the poster, who paid it.
#[ink_e2e::test]
async fn only_the_poster_removes_an_ended_request_and_gets_the_deposit_back<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (_escrow, _reputation, requests, _) = deploy!(client);
    let mut req = requests.call_builder::<Requests>();
    let p0 = balance!(client, AccountKeyring::Charlie);
    let request_id = tx!(
        client,
        ink_e2e::charlie(),
        req.post_request(terms(LONG, Screening::default(), false)),
        BUDGET
    );
    let p1 = balance!(client, AccountKeyring::Charlie);
    let deposit = p0 - p1 - BUDGET;
    assert!(
        deposit > 5 * FEE_BOUND,
        "the request's deposit and a fee: {deposit}"
    );
    // Open: not yet.
    assert_eq!(
        read!(client, ink_e2e::charlie(), req.remove_request(request_id)),
        Err(Error::StillOpen)
    );
    tx!(client, ink_e2e::charlie(), req.cancel_request(request_id));
    let p2 = balance!(client, AccountKeyring::Charlie);
    // Nobody but the poster, who would pocket the poster's deposit.
    let bob_before = balance!(client, AccountKeyring::Bob);
    let remove = req.remove_request(request_id);
    assert_eq!(read!(client, ink_e2e::bob(), remove), Err(Error::NotPoster));
    assert!(client
        .call(&ink_e2e::bob(), &remove)
        .submit()
        .await
        .is_err());
    assert!(balance!(client, AccountKeyring::Bob) <= bob_before);
    assert!(read!(client, req.request(request_id)).is_some());

    tx!(client, ink_e2e::charlie(), remove);
    let p3 = balance!(client, AccountKeyring::Charlie);
    assert!(read!(client, req.request(request_id)).is_none());
    let gained = p3 - p2;
    assert!(
        gained > deposit - 2 * FEE_BOUND && gained < deposit,
        "the deposit back less a fee: paid {deposit}, got {gained}"
    );
    assert!(
        p0 - p3 < 3 * FEE_BOUND,
        "posting, cancelling and removing cost the poster three fees: {}",
        p0 - p3
    );
    assert_eq!(
        read!(client, ink_e2e::charlie(), req.remove_request(request_id)),
        Err(Error::RequestNotFound)
    );
    Ok(())
}

/// Issue 25, hole 7 with a real escrow: the poster rejects the cheapest proposal, which the
/// auto-award then passes over; its worker cannot propose again, and removes its proposal
/// itself, getting back the deposit the poster's rejection did not take.
#[ink_e2e::test]
async fn a_rejected_proposal_is_never_auto_awarded_and_its_worker_gets_the_deposit_back<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, requests, _) = deploy!(client);
    let call = escrow.call_builder::<Escrow>();
    let mut req = requests.call_builder::<Requests>();
    let dave = id(AccountKeyring::Dave);
    let request_id = tx!(
        client,
        ink_e2e::charlie(),
        req.post_request(terms(SHORT, Screening::default(), true)),
        BUDGET
    );
    let b0 = balance!(client, AccountKeyring::Bob);
    let bob_index = tx!(
        client,
        ink_e2e::bob(),
        proposal!(req, request_id, UNIT, dave, ARBITER_FEE)
    );
    let b1 = balance!(client, AccountKeyring::Bob);
    let paid = b0 - b1;
    assert!(
        paid > 5 * FEE_BOUND,
        "a proposal's deposit and a fee: {paid}"
    );
    tx!(
        client,
        ink_e2e::ferdie(),
        proposal!(req, request_id, 2 * UNIT, dave, ARBITER_FEE)
    );

    let reject = req.reject_proposal(request_id, bob_index);
    assert_eq!(read!(client, ink_e2e::bob(), reject), Err(Error::NotPoster));
    let c0 = balance!(client, AccountKeyring::Charlie);
    tx!(client, ink_e2e::charlie(), reject);
    let c1 = balance!(client, AccountKeyring::Charlie);
    assert!(
        c1 < c0 + paid / 100,
        "the poster got none of the worker's deposit: {} -> {}",
        c0,
        c1
    );
    assert_eq!(
        read!(
            client,
            ink_e2e::bob(),
            proposal!(req, request_id, UNIT / 2, dave, ARBITER_FEE)
        ),
        Err(Error::AlreadyProposed)
    );
    let competing = read!(client, req.proposals(request_id));
    assert_eq!(competing.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [1]);

    wait!(client, SHORT);
    let deal_id = tx!(client, ink_e2e::eve(), req.auto_award(request_id));
    let deal = read!(client, call.deal(deal_id)).expect("deal opened");
    assert_eq!(
        (deal.seller, deal.amount),
        (id(AccountKeyring::Ferdie), 2 * UNIT),
        "the cheaper proposal was rejected"
    );

    // The request ended: Bob removes his proposal and his place in one call.
    let b2 = balance!(client, AccountKeyring::Bob);
    tx!(client, ink_e2e::bob(), req.withdraw_proposal(request_id));
    let b3 = balance!(client, AccountKeyring::Bob);
    assert!(read!(client, req.proposal(request_id, bob_index)).is_none());
    assert!(
        b3 > b2 && b0 - b3 < 2 * FEE_BOUND + paid / 100,
        "the worker got its deposit back, less two fees: paid {paid}, lost {}",
        b0 - b3
    );
    Ok(())
}
