//! End-to-end tests on a real substrate-contracts-node (found through `CONTRACTS_NODE`).
//! Run with `cargo test --features e2e-tests`. Each reads balances and state back.
#![cfg(feature = "e2e-tests")]

#[macro_use]
#[path = "../../e2e_macros.rs"]
mod e2e_macros;

use escrow::{
    Citation, DealState, DocumentCited, Error, Escrow, EscrowRef, Milestone, MilestoneStarted,
    OfferTerms, ReportPending, Settings,
};
use gas_burner::{GasBurner, GasBurnerRef};
use ink::primitives::{AccountId, Hash};
use ink_e2e::{subxt::dynamic::Value, AccountKeyring, ChainBackend, ContractsBackend};
use reputation::screening::{Refusal, Screening};
use reputation::{DealOutcome, DealRecorded, Error as ReputationError, Reputation, ReputationRef};

type E2EResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;
type Balance = u128;

const UNIT: Balance = 1_000_000_000_000;
const PRICE: Balance = 10 * UNIT;
const BOND: Balance = UNIT;
const FEE_BPS: u16 = 100;
const ARBITER_FEE_BPS: u16 = 500;
const RATING_WINDOW: u64 = 10_000;
/// The rating period, the shortest `prune_after` a reputation contract lets an escrow have.
const PRUNE_AFTER: u64 = 2 * RATING_WINDOW;
/// Windows the tests wait out: the dev node's clock only moves with blocks.
const SHORT: u64 = 2_000;
const LONG: u64 = 600_000;
/// Long enough for a dozen transactions, short enough to wait out.
const MID: u64 = 45_000;
/// Short minimums so the tests can wait windows out; `escrow deploy` uses hours and days.
const SETTINGS: Settings = Settings {
    min_delivery_window: 1,
    min_review_window: 1,
    min_ruling_window: 1,
    prune_after: PRUNE_AFTER,
    report_ref_time: 20_000_000_000,
    report_proof_size: 1_000_000,
    report_deposit_limit: UNIT,
    requests_code: None,
    award_window: 0,
    fee_floor_bps: 0,
};

fn id(k: AccountKeyring) -> AccountId {
    ink_e2e::account_id(k)
}

/// The events of type `E` among `events`, found by their signature topic.
fn events_of<E: ink::env::Event + scale::Decode>(
    events: &[(Vec<ink_e2e::H256>, Vec<u8>)],
) -> Vec<E> {
    let signature = E::SIGNATURE_TOPIC.expect("events are not anonymous");
    events
        .iter()
        .filter(|(topics, _)| topics.first().map(|t| t.0) == Some(signature))
        .map(|(_, data)| E::decode(&mut &data[..]).expect("event decodes"))
        .collect()
}

/// Each topic is a `System::EventTopics` write (about 127M ref_time and 2.5 KB of proof):
/// the contracts' events carry their signature topic and nothing else.
fn assert_signature_topic_only(events: &[(Vec<ink_e2e::H256>, Vec<u8>)]) {
    assert!(!events.is_empty());
    for (topics, _) in events {
        assert_eq!(
            topics.len(),
            1,
            "an event with more than its signature topic"
        );
    }
}

fn terms(delivery_window: u64, review_window: u64, ruling_window: u64) -> OfferTerms {
    OfferTerms {
        title: "Camera".into(),
        description: "Mirrorless body".into(),
        price: PRICE,
        quantity: 3,
        arbiter: id(AccountKeyring::Dave),
        delivery_window,
        review_window,
        ruling_window,
        bond_per_unit: BOND,
        screening: Screening::default(),
        milestones: Vec::new(),
    }
}

/// Submits a message that must succeed and returns the storage deposit it charged its signer:
/// the origin pays for every storage item the call creates, the reputation contract's
/// records included (pallet-contracts charges nested calls to the origin).
macro_rules! tx_deposit {
    ($client:ident, $signer:expr, $msg:expr) => {{
        let result = $client
            .call(&$signer, &$msg)
            .submit()
            .await
            .expect("transaction included");
        assert!(result.message_result().is_ok(), "message returned Ok");
        result.dry_run.exec_result.storage_deposit.charge_or_zero()
    }};
}

/// Submits a message that must succeed and returns the `(topics, data)` of every contract
/// event it emitted, nested calls included.
macro_rules! tx_events {
    ($client:ident, $signer:expr, $msg:expr) => {{
        let result = $client
            .call(&$signer, &$msg)
            .submit()
            .await
            .expect("transaction included");
        assert!(result.message_result().is_ok(), "message returned Ok");
        result
            .contract_emitted_events()
            .expect("events decode")
            .into_iter()
            .map(|e| (e.topics, e.event.data))
            .collect::<Vec<_>>()
    }};
}

/// Instantiates an escrow directly (Alice owns it, Eve gets the fees) reporting to
/// `$reputation`, which did not create it, and registers Dave as arbiter. Returns it and its
/// free balance while it owes nothing.
macro_rules! escrow_for {
    ($client:ident, $reputation:expr) => {{
        let mut escrow_ctor = EscrowRef::new(
            id(AccountKeyring::Alice),
            FEE_BPS,
            id(AccountKeyring::Eve),
            $reputation,
            SETTINGS,
        );
        let escrow = $client
            .instantiate("escrow", &ink_e2e::alice(), &mut escrow_ctor)
            .submit()
            .await
            .expect("escrow instantiates");
        registered!($client, escrow)
    }};
}

/// Registers Dave as arbiter of `$escrow`. Returns it and its free balance while it owes
/// nothing.
macro_rules! registered {
    ($client:ident, $escrow:expr) => {{
        let escrow = $escrow;
        let mut call = escrow.call_builder::<Escrow>();
        tx!(
            $client,
            ink_e2e::dave(),
            call.register_arbiter(ARBITER_FEE_BPS, 0, Hash::from([4; 32]))
        );
        let baseline = $client
            .free_balance(escrow.account_id)
            .await
            .expect("balance");
        (escrow, baseline)
    }};
}

/// Deploys reputation for the escrow code (fee floor 0, or `$floor` bps) and has Alice create
/// an escrow through it (Eve gets the fees), with Dave registered as arbiter.
macro_rules! deploy {
    ($client:ident) => {
        deploy!($client, 0)
    };
    ($client:ident, $floor:expr) => {{
        let code = $client
            .upload("escrow", &ink_e2e::alice())
            .submit()
            .await
            .expect("escrow code uploads")
            .code_hash;
        let mut rep_ctor = ReputationRef::new(RATING_WINDOW, 1, code, $floor);
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
                SETTINGS,
                Hash::from([1; 32])
            )
        );
        let (escrow, baseline) = registered!($client, e2e_macros::Created { account_id });
        (escrow, reputation, baseline)
    }};
}

/// The escrow's free balance above its baseline equals what it owes; returns that.
macro_rules! assert_solvent {
    ($client:ident, $escrow:expr, $baseline:expr) => {{
        let owed = read!($client, $escrow.call_builder::<Escrow>().config()).owed;
        let balance = $client
            .free_balance($escrow.account_id)
            .await
            .expect("balance");
        assert_eq!(
            balance - $baseline,
            owed,
            "contract balance equals what it owes"
        );
        owed
    }};
}

/// Each rater commits, then each reveals, its score of the other party of `$deal_id`.
macro_rules! rate {
    ($client:ident, $rep:ident, $escrow:expr, $deal_id:expr, $raters:expr) => {{
        let raters = $raters;
        for (who, signer, score) in &raters {
            let commitment: Hash = read!(
                $client,
                $rep.rating_commitment($escrow, $deal_id, id(*who), *score, None, [*score; 32])
            );
            tx!(
                $client,
                signer.clone(),
                $rep.commit_rating($escrow, $deal_id, commitment)
            );
        }
        for (_, signer, score) in &raters {
            tx!(
                $client,
                signer.clone(),
                $rep.reveal_rating($escrow, $deal_id, *score, None, [*score; 32])
            );
        }
    }};
}

/// Lists an offer as Bob and has Charlie buy one unit. Returns (offer id, deal id).
macro_rules! open_deal {
    ($client:ident, $call:ident, $terms:expr) => {{
        let offer_id = tx!(
            $client,
            ink_e2e::bob(),
            $call.create_offer($terms),
            3 * BOND
        );
        let deal_id = tx!(
            $client,
            ink_e2e::charlie(),
            $call.accept_offer(offer_id, 1, 1),
            PRICE
        );
        (offer_id, deal_id)
    }};
}

#[ink_e2e::test]
async fn finalize_after_review_pays_the_seller_both_rate_and_the_buyer_prunes<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let mut rep = reputation.call_builder::<Reputation>();
    let (_, deal_id) = open_deal!(client, call, terms(LONG, SHORT, LONG));
    assert_eq!(assert_solvent!(client, escrow, baseline), PRICE + 3 * BOND);
    tx!(client, ink_e2e::bob(), call.mark_delivered(deal_id, None));
    // The seller cannot finalize early; after the review window anyone can.
    assert_eq!(read!(client, call.finalize(deal_id)), Err(Error::TooEarly));
    wait!(client, SHORT);
    let seller_before = balance!(client, AccountKeyring::Bob);
    let events = tx_events!(client, ink_e2e::ferdie(), call.finalize(deal_id));
    assert_signature_topic_only(&events);
    // A report that is taken shows as the reputation contract's event alone.
    assert_eq!(events_of::<DealRecorded>(&events).len(), 1);
    assert!(events_of::<ReportPending>(&events).is_empty());
    let fee = PRICE * Balance::from(FEE_BPS) / 10_000;
    // The delivered deal's bond goes back to the seller with the payment.
    assert_eq!(
        balance!(client, AccountKeyring::Bob) - seller_before,
        PRICE - fee + BOND
    );
    let deal = read!(client, call.deal(deal_id)).expect("deal exists");
    assert_eq!(
        (deal.state, deal.report_pending),
        (DealState::Completed, false)
    );
    assert_eq!(read!(client, call.config()).fees_due, fee);

    // The outcome reached the reputation contract, weighted by what the seller received.
    let record = read!(client, rep.deal_record(escrow.account_id, deal_id)).expect("recorded");
    assert_eq!(
        (record.outcome, record.value),
        (DealOutcome::Completed, PRICE - fee)
    );
    rate!(
        client,
        rep,
        escrow.account_id,
        deal_id,
        [
            (AccountKeyring::Charlie, ink_e2e::charlie(), 5u8),
            (AccountKeyring::Bob, ink_e2e::bob(), 4u8),
        ]
    );
    let seller = read!(client, rep.reputation(id(AccountKeyring::Bob)));
    assert_eq!(
        (
            seller.ratings_count,
            seller.rating_weight,
            seller.deals_completed_as_seller
        ),
        (1, PRICE - fee, 1)
    );

    // After the rating period the buyer prunes the ended deal and gets back more than the
    // call costs: its storage deposit.
    assert_eq!(
        client
            .call(&ink_e2e::bob(), &call.prune_deal(deal_id))
            .dry_run()
            .await?
            .return_value(),
        Err(Error::NotBuyer)
    );
    wait!(client, PRUNE_AFTER);
    let buyer_before = balance!(client, AccountKeyring::Charlie);
    tx!(client, ink_e2e::charlie(), call.prune_deal(deal_id));
    assert!(balance!(client, AccountKeyring::Charlie) > buyer_before);
    assert_eq!(read!(client, call.deal(deal_id)), None);

    // The fee recipient takes the platform fee.
    assert_eq!(tx!(client, ink_e2e::eve(), call.withdraw()), fee);
    // What stays is the stake of the two unsold units: the deal's bond went to the seller.
    assert_eq!(assert_solvent!(client, escrow, baseline), 2 * BOND);
    Ok(())
}

#[ink_e2e::test]
async fn a_refund_returns_the_money_and_a_late_one_the_bond_too<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let (offer_id, early) = open_deal!(client, call, terms(SHORT, LONG, LONG));
    let (buyer_before, seller_before) = (
        balance!(client, AccountKeyring::Charlie),
        balance!(client, AccountKeyring::Bob),
    );
    tx!(client, ink_e2e::bob(), call.refund(early));
    assert_eq!(
        balance!(client, AccountKeyring::Charlie) - buyer_before,
        PRICE
    );
    // The seller signed the refund: it got the bond back, less the transaction fee and the
    // reputation record's deposit (about a tenth of a UNIT).
    let seller_gain = balance!(client, AccountKeyring::Bob) - seller_before;
    assert!(seller_gain > BOND - UNIT / 2 && seller_gain <= BOND);
    let offer = read!(client, call.offer(offer_id)).expect("offer");
    assert_eq!(offer.bond_stake, 2 * BOND, "the stake of the unsold units");

    // The seller misses delivery and front-runs reclaim with a refund: the bond still goes.
    let late = tx!(
        client,
        ink_e2e::charlie(),
        call.accept_offer(offer_id, 1, 1),
        PRICE
    );
    wait!(client, SHORT);
    let buyer_before = balance!(client, AccountKeyring::Charlie);
    tx!(client, ink_e2e::bob(), call.refund(late));
    assert_eq!(
        balance!(client, AccountKeyring::Charlie) - buyer_before,
        PRICE + BOND
    );
    let deal = read!(client, call.deal(late)).expect("deal");
    assert_eq!(
        (deal.state, deal.payout.bond_to_buyer),
        (DealState::Refunded, BOND)
    );
    assert_eq!(assert_solvent!(client, escrow, baseline), BOND);
    Ok(())
}

#[ink_e2e::test]
async fn the_parties_settle_by_a_split<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let (escrow, reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let rep = reputation.call_builder::<Reputation>();
    let (_, deal_id) = open_deal!(client, call, terms(LONG, LONG, LONG));
    tx!(client, ink_e2e::bob(), call.mark_delivered(deal_id, None));
    tx!(
        client,
        ink_e2e::charlie(),
        call.propose_split(deal_id, 7_000)
    );
    let (buyer_before, seller_before) = (
        balance!(client, AccountKeyring::Charlie),
        balance!(client, AccountKeyring::Bob),
    );
    let deposit = tx_deposit!(client, ink_e2e::bob(), call.accept_split(deal_id, 7_000, 0));
    let seller_gross = PRICE * 7 / 10;
    let fee = seller_gross * Balance::from(FEE_BPS) / 10_000;
    assert_eq!(
        balance!(client, AccountKeyring::Charlie) - buyer_before,
        PRICE - seller_gross
    );
    // The seller paid the fee for accepting; what it received is the share less the fee.
    let deal = read!(client, call.deal(deal_id)).expect("deal");
    assert_eq!(
        (deal.state, deal.payout.to_seller, deal.payout.platform_fee),
        (DealState::Settled, seller_gross - fee, fee)
    );
    // Bob signed: besides the transaction fee it paid the reputation record's deposit, and
    // got its bond back.
    let seller_after = balance!(client, AccountKeyring::Bob);
    assert!(deposit > 0, "closing a deal stores a reputation record");
    let expected = seller_before + seller_gross - fee + BOND - deposit;
    assert!(seller_after <= expected);
    assert!(seller_after > expected - UNIT / 10);
    let record = read!(client, rep.deal_record(escrow.account_id, deal_id)).expect("recorded");
    assert_eq!(record.outcome, DealOutcome::Settled);
    assert_eq!(assert_solvent!(client, escrow, baseline), 2 * BOND + fee);
    Ok(())
}

#[ink_e2e::test]
async fn a_delivered_deal_disputed_and_ruled_pays_each_party_its_share<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let rep = reputation.call_builder::<Reputation>();
    let (_, deal_id) = open_deal!(client, call, terms(LONG, LONG, LONG));
    tx!(client, ink_e2e::bob(), call.mark_delivered(deal_id, None));
    tx!(
        client,
        ink_e2e::charlie(),
        call.open_dispute(deal_id, Hash::from([9; 32]))
    );
    let buyer_before = balance!(client, AccountKeyring::Charlie);
    let seller_before = balance!(client, AccountKeyring::Bob);
    let arbiter_before = balance!(client, AccountKeyring::Dave);
    let deposit = tx_deposit!(
        client,
        ink_e2e::dave(),
        call.rule(deal_id, 3_000, false, None)
    );
    let arbiter_fee = PRICE * Balance::from(ARBITER_FEE_BPS) / 10_000;
    let pool = PRICE - arbiter_fee;
    let seller_gross = pool * 3_000 / 10_000;
    let platform_fee = seller_gross * Balance::from(FEE_BPS) / 10_000;
    assert_eq!(
        balance!(client, AccountKeyring::Charlie) - buyer_before,
        pool - seller_gross
    );
    // A ruling of less than half without fault: the buyer won the dispute, but the arbiter
    // found the seller not at fault, so the bond goes back to it.
    assert_eq!(
        balance!(client, AccountKeyring::Bob) - seller_before,
        seller_gross - platform_fee + BOND
    );
    // Dave signed: besides the transaction fee it paid the reputation records' deposit.
    let arbiter_after = balance!(client, AccountKeyring::Dave);
    assert!(deposit > 0, "ruling stores reputation records");
    assert!(arbiter_after <= arbiter_before + arbiter_fee - deposit);
    assert!(arbiter_after > arbiter_before + arbiter_fee - deposit - UNIT / 10);
    let deal = read!(client, call.deal(deal_id)).expect("deal exists");
    assert_eq!(
        (deal.state, deal.payout.arbiter_fee),
        (DealState::Ruled, arbiter_fee)
    );
    let arbiter = read!(client, rep.reputation(id(AccountKeyring::Dave)));
    assert_eq!((arbiter.arbitrations, arbiter.arbitrations_in_time), (1, 1));
    let buyer = read!(client, rep.reputation(id(AccountKeyring::Charlie)));
    assert_eq!((buyer.disputes_opened, buyer.disputes_won), (1, 1));
    assert_solvent!(client, escrow, baseline);
    Ok(())
}

/// Only real deals write reputation: an escrow running the genuine code but instantiated by
/// hand, pointed at the real reputation contract, is no reporter. Its deals still pay out by
/// their rules; their reports stay pending and nothing reaches the record.
#[ink_e2e::test]
async fn an_escrow_the_reputation_contract_did_not_create_cannot_write_reputation<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let (_, reputation, _) = deploy!(client);
    let rep = reputation.call_builder::<Reputation>();
    let (escrow, baseline) = escrow_for!(client, Some(reputation.account_id));
    assert!(!read!(client, rep.is_authorized(escrow.account_id)));
    let mut call = escrow.call_builder::<Escrow>();
    let (_, deal_id) = open_deal!(client, call, terms(LONG, LONG, LONG));
    let seller_before = balance!(client, AccountKeyring::Bob);
    let events = tx_events!(client, ink_e2e::charlie(), call.release(deal_id, PRICE));
    assert_eq!(events_of::<ReportPending>(&events).len(), 1);
    assert!(events_of::<DealRecorded>(&events).is_empty());
    let fee = PRICE * Balance::from(FEE_BPS) / 10_000;
    assert_eq!(
        balance!(client, AccountKeyring::Bob) - seller_before,
        PRICE - fee + BOND,
        "the deal still pays by its rules"
    );
    assert_eq!(
        read!(client, rep.deal_record(escrow.account_id, deal_id)),
        None
    );
    let seller = read!(client, rep.reputation(id(AccountKeyring::Bob)));
    assert_eq!(seller.deals_completed_as_seller, 0);
    assert_solvent!(client, escrow, baseline);
    Ok(())
}

#[ink_e2e::test]
async fn a_gas_burning_reputation_contract_cannot_block_any_exit<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut burner_ctor = GasBurnerRef::new(true);
    let burner = client
        .instantiate("gas_burner", &ink_e2e::alice(), &mut burner_ctor)
        .submit()
        .await
        .expect("burner instantiates");
    let (escrow, baseline) = escrow_for!(client, Some(burner.account_id));
    let mut call = escrow.call_builder::<Escrow>();
    let offer_id = tx!(
        client,
        ink_e2e::bob(),
        call.create_offer(terms(MID, MID, MID)),
        3 * BOND
    );
    tx!(
        client,
        ink_e2e::bob(),
        call.update_offer(offer_id, PRICE, 7),
        4 * BOND
    );
    let mut deals = Vec::new();
    for _ in 0..7 {
        deals.push(tx!(
            client,
            ink_e2e::charlie(),
            call.accept_offer(offer_id, 1, 2),
            PRICE
        ));
    }
    let [released, refunded, reclaimed, settled, ruled, finalized, defaulted] =
        <[u64; 7]>::try_from(deals).expect("seven deals");
    // Every exit but the deadline ones, before the deadlines.
    let events = tx_events!(client, ink_e2e::charlie(), call.release(released, PRICE));
    assert_signature_topic_only(&events);
    let pending: Vec<u64> = events_of::<ReportPending>(&events)
        .iter()
        .map(|e| e.deal_id)
        .collect();
    assert_eq!(pending, [released]);
    tx!(client, ink_e2e::bob(), call.refund(refunded));
    tx!(client, ink_e2e::bob(), call.propose_split(settled, 5_000));
    tx!(
        client,
        ink_e2e::charlie(),
        call.accept_split(settled, 5_000, 0)
    );
    tx!(
        client,
        ink_e2e::charlie(),
        call.open_dispute(ruled, Hash::default())
    );
    tx!(
        client,
        ink_e2e::dave(),
        call.rule(ruled, 10_000, false, None)
    );
    tx!(client, ink_e2e::bob(), call.mark_delivered(finalized, None));
    tx!(
        client,
        ink_e2e::bob(),
        call.open_dispute(defaulted, Hash::default())
    );
    // Then the deadline exits.
    wait!(client, MID);
    let buyer_before = balance!(client, AccountKeyring::Charlie);
    tx!(client, ink_e2e::ferdie(), call.reclaim(reclaimed));
    tx!(client, ink_e2e::ferdie(), call.finalize(finalized));
    tx!(client, ink_e2e::ferdie(), call.finalize(defaulted));
    // Reclaimed and the seller's undelivered dispute both pay the buyer price and bond.
    assert_eq!(
        balance!(client, AccountKeyring::Charlie) - buyer_before,
        2 * (PRICE + BOND)
    );
    let expected = [
        (released, DealState::Completed),
        (refunded, DealState::Refunded),
        (reclaimed, DealState::Reclaimed),
        (settled, DealState::Settled),
        (ruled, DealState::Ruled),
        (finalized, DealState::Completed),
        (defaulted, DealState::DefaultRuled),
    ];
    for (deal_id, state) in expected {
        let deal = read!(client, call.deal(deal_id)).expect("deal");
        assert_eq!(
            (deal.state, deal.report_pending),
            (state, true),
            "deal {deal_id}"
        );
    }
    // Five bonds went back to the seller, two to the buyer; the fees wait for the
    // recipient.
    let fees_due = read!(client, call.config()).fees_due;
    assert_eq!(assert_solvent!(client, escrow, baseline), fees_due);

    // A buyer cannot drop its record: no prune while the report is pending (MID is past
    // `prune_after`).
    assert_eq!(
        client
            .call(&ink_e2e::charlie(), &call.prune_deal(refunded))
            .dry_run()
            .await?
            .return_value(),
        Err(Error::ReportStillPending)
    );
    assert!(client
        .call(&ink_e2e::charlie(), &call.prune_deal(refunded))
        .submit()
        .await
        .is_err());
    assert!(read!(client, call.deal(refunded)).is_some());

    // While it burns, a retry fails and changes nothing; once it answers, the report goes.
    let retry = call.retry_report(released);
    assert_eq!(
        client
            .call(&ink_e2e::ferdie(), &retry)
            .dry_run()
            .await?
            .return_value(),
        Err(Error::ReportFailed)
    );
    assert!(client
        .call(&ink_e2e::ferdie(), &retry)
        .submit()
        .await
        .is_err());
    assert!(
        read!(client, call.deal(released))
            .expect("deal")
            .report_pending
    );
    let mut switch = burner.call_builder::<GasBurner>();
    client
        .call(&ink_e2e::alice(), &switch.set_burning(false))
        .submit()
        .await
        .expect("burning off");
    tx!(client, ink_e2e::ferdie(), call.retry_report(released));
    assert!(
        !read!(client, call.deal(released))
            .expect("deal")
            .report_pending
    );
    assert_eq!(
        read!(client, call.retry_report(released)),
        Err(Error::NoPendingReport)
    );
    Ok(())
}

/// Screening reads the buyer's reputation from the reputation contract when the offer asks
/// for it: a newcomer is refused with the rule named, and a buyer whose completed deal the
/// escrow reported passes; the refusal reverts the accept, money included.
#[ink_e2e::test]
async fn an_offer_screens_buyers_by_the_deals_they_completed<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    // Charlie completes a deal: the escrow reports it.
    let (_, first) = open_deal!(client, call, terms(LONG, LONG, LONG));
    tx!(client, ink_e2e::bob(), call.mark_delivered(first, None));
    tx!(client, ink_e2e::charlie(), call.release(first, PRICE));

    let screened = OfferTerms {
        screening: Screening {
            min_deals: 1,
            ..Screening::default()
        },
        ..terms(LONG, LONG, LONG)
    };
    let offer_id = tx!(
        client,
        ink_e2e::bob(),
        call.create_offer(screened),
        3 * BOND
    );
    let accept = call.accept_offer(offer_id, 1, 1);
    let ferdie_before = balance!(client, AccountKeyring::Ferdie);
    let dry = client
        .call(&ink_e2e::ferdie(), &accept)
        .value(PRICE)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(
        dry.return_value(),
        Err(Error::Screened(Refusal::TooFewDeals))
    );
    assert!(client
        .call(&ink_e2e::ferdie(), &accept)
        .value(PRICE)
        .submit()
        .await
        .is_err());
    assert!(ferdie_before - balance!(client, AccountKeyring::Ferdie) < PRICE / 10);

    let deal_id = tx!(client, ink_e2e::charlie(), accept, PRICE);
    let deal = read!(client, call.deal(deal_id)).expect("deal exists");
    assert_eq!(deal.buyer, id(AccountKeyring::Charlie));
    let offer = read!(client, call.offer(offer_id)).expect("offer exists");
    assert_eq!(offer.terms.quantity, 2);
    assert_eq!(offer.terms.screening.min_deals, 1);
    // Held: the open deal's price and bond, both offers' remaining stakes (2 bonds each)
    // and the first deal's platform fee, due to the fee recipient.
    assert_eq!(
        assert_solvent!(client, escrow, baseline),
        PRICE + 5 * BOND + PRICE / 100
    );
    Ok(())
}

#[ink_e2e::test]
async fn a_failing_call_is_reverted_and_leaves_state_untouched<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let (offer_id, deal_id) = open_deal!(client, call, terms(LONG, LONG, LONG));
    tx!(
        client,
        ink_e2e::charlie(),
        call.open_dispute(deal_id, Hash::from([1; 32]))
    );
    let deal_before = read!(client, call.deal(deal_id));
    let config_before = read!(client, call.config());
    let ferdie_before = balance!(client, AccountKeyring::Ferdie);

    // The dry run names the error; submitted anyway, the extrinsic fails (ContractReverted).
    let not_arbiter = call.rule(deal_id, 10_000, false, None);
    let dry = client
        .call(&ink_e2e::ferdie(), &not_arbiter)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(dry.return_value(), Err(Error::NotArbiter));
    assert!(client
        .call(&ink_e2e::ferdie(), &not_arbiter)
        .submit()
        .await
        .is_err());

    // The owner cannot raise the fee.
    let raise = call.set_fee(FEE_BPS + 1);
    assert!(client
        .call(&ink_e2e::alice(), &raise)
        .submit()
        .await
        .is_err());

    // A stale version with money attached: the money stays with the would-be buyer.
    let stale = call.accept_offer(offer_id, 1, 7);
    let submitted = client
        .call(&ink_e2e::ferdie(), &stale)
        .value(PRICE)
        .submit()
        .await;
    assert!(
        submitted.is_err(),
        "a reverted payable message fails its extrinsic"
    );
    let spent = ferdie_before - balance!(client, AccountKeyring::Ferdie);
    assert!(
        spent < PRICE / 10,
        "only fees were spent, not the price ({spent})"
    );

    // An offer naming an account that never agreed to arbitrate.
    let mut unregistered = terms(LONG, LONG, LONG);
    unregistered.arbiter = id(AccountKeyring::Ferdie);
    let refused = call.create_offer(unregistered);
    let dry = client
        .call(&ink_e2e::bob(), &refused)
        .value(3 * BOND)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(dry.return_value(), Err(Error::ArbiterNotRegistered));

    assert_eq!(read!(client, call.deal(deal_id)), deal_before);
    assert_eq!(read!(client, call.config()), config_before);
    let offer = read!(client, call.offer(offer_id)).expect("offer exists");
    assert_eq!((offer.terms.quantity, offer.version), (2, 1));
    assert_eq!(assert_solvent!(client, escrow, baseline), PRICE + 3 * BOND);
    Ok(())
}

#[ink_e2e::test]
async fn a_payout_the_chain_refuses_becomes_a_credit_the_payee_withdraws<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let seller = client
        .create_and_fund_account(&ink_e2e::alice(), UNIT)
        .await;
    let seller_id = AccountId::from(seller.public_key().0);
    // A price below the existential deposit (1 milli-UNIT on this chain).
    let price: Balance = 1_000;
    let mut cheap = terms(LONG, LONG, LONG);
    cheap.price = price;
    cheap.bond_per_unit = 0;
    let offer_id = tx!(client, seller, call.create_offer(cheap));

    // The seller empties its account, so the chain reaps it: pushing it less than the
    // existential deposit now fails.
    let alice = Value::unnamed_variant("Id", [Value::from_bytes(id(AccountKeyring::Alice))]);
    client
        .runtime_call(
            &seller,
            "Balances",
            "transfer_all",
            vec![alice, Value::bool(false)],
        )
        .await
        .expect("transfer_all");
    assert_eq!(client.free_balance(seller_id).await.expect("balance"), 0);

    let deal_id = tx!(
        client,
        ink_e2e::charlie(),
        call.accept_offer(offer_id, 1, 1),
        price
    );
    tx!(client, ink_e2e::charlie(), call.release(deal_id, price));
    let fee = price * Balance::from(FEE_BPS) / 10_000;
    assert_eq!(
        read!(client, call.credit_of(seller_id)),
        price - fee,
        "kept as a credit"
    );
    assert_eq!(client.free_balance(seller_id).await.expect("balance"), 0);
    assert_eq!(
        assert_solvent!(client, escrow, baseline),
        price,
        "the credit and the fee"
    );

    // Funded again, the seller takes its credit.
    let seller_dest = Value::unnamed_variant("Id", [Value::from_bytes(seller_id)]);
    client
        .runtime_call(
            &ink_e2e::alice(),
            "Balances",
            "transfer_keep_alive",
            vec![seller_dest, Value::u128(UNIT)],
        )
        .await
        .expect("fund the seller again");
    assert_eq!(tx!(client, seller, call.withdraw()), price - fee);
    assert_eq!(read!(client, call.credit_of(seller_id)), 0);
    assert_eq!(assert_solvent!(client, escrow, baseline), fee);
    Ok(())
}

#[ink_e2e::test]
async fn a_deal_paid_by_milestones_pays_each_once_and_a_dispute_returns_the_later_ones<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let step = |amount, delivery_window| Milestone {
        amount,
        delivery_window,
    };
    let plan = vec![
        step(2 * UNIT, LONG),
        step(3 * UNIT, LONG),
        step(5 * UNIT, LONG),
    ];
    let staged = OfferTerms {
        delivery_window: 3 * LONG,
        milestones: plan.clone(),
        ..terms(LONG, LONG, LONG)
    };
    let (_, deal_id) = open_deal!(client, call, staged);
    assert_eq!(
        read!(client, call.deal(deal_id)).expect("deal").milestones,
        plan
    );
    let (bob, charlie) = (AccountKeyring::Bob, AccountKeyring::Charlie);

    tx!(client, ink_e2e::bob(), call.mark_delivered(deal_id, None));
    let seller_before = balance!(client, bob);
    let events = tx_events!(
        client,
        ink_e2e::charlie(),
        call.release_milestone(deal_id, 0)
    );
    let started = events_of::<MilestoneStarted>(&events);
    assert_eq!(
        started
            .iter()
            .map(|e| (e.deal_id, e.milestone))
            .collect::<Vec<_>>(),
        vec![(deal_id, 1)]
    );
    let first = 2 * UNIT - 2 * UNIT * u128::from(FEE_BPS) / 10_000;
    assert_eq!(balance!(client, bob) - seller_before, first);

    // The buyer's retry of the same release reverts: it cannot pay the next milestone. Nor
    // can a release that names no step (a seller's finalize landing first would make one
    // pay the next, undelivered step).
    let again = call.release_milestone(deal_id, 0);
    let dry = client
        .call(&ink_e2e::charlie(), &again)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(dry.return_value(), Err(Error::WrongMilestone));
    assert!(client
        .call(&ink_e2e::charlie(), &again)
        .submit()
        .await
        .is_err());
    let unnamed = call.release(deal_id, 2 * UNIT);
    let dry = client
        .call(&ink_e2e::charlie(), &unnamed)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(dry.return_value(), Err(Error::WrongMilestone));
    assert!(client
        .call(&ink_e2e::charlie(), &unnamed)
        .submit()
        .await
        .is_err());
    let deal = read!(client, call.deal(deal_id)).expect("deal");
    assert_eq!(
        (deal.milestone, deal.state, deal.released),
        (1, DealState::Funded, 2 * UNIT)
    );
    assert_eq!(balance!(client, bob) - seller_before, first);

    // A dispute over the second milestone, ruled for the seller: the third comes back.
    tx!(client, ink_e2e::bob(), call.mark_delivered(deal_id, None));
    tx!(
        client,
        ink_e2e::charlie(),
        call.open_dispute(deal_id, Hash::from([2; 32]))
    );
    let buyer_before = balance!(client, charlie);
    tx!(
        client,
        ink_e2e::dave(),
        call.rule(deal_id, 10_000, false, None)
    );
    let deal = read!(client, call.deal(deal_id)).expect("deal");
    assert_eq!(deal.state, DealState::Ruled);
    let arbiter_fee = 3 * UNIT * u128::from(ARBITER_FEE_BPS) / 10_000;
    assert_eq!(
        deal.payout.arbiter_fee, arbiter_fee,
        "a fee on the second milestone only"
    );
    assert_eq!(
        deal.payout.to_buyer,
        5 * UNIT,
        "the third milestone went back"
    );
    assert_eq!(balance!(client, charlie) - buyer_before, 5 * UNIT);
    let fees = escrow::bps_of(2 * UNIT, FEE_BPS)
        + escrow::split(3 * UNIT, 10_000, ARBITER_FEE_BPS, FEE_BPS).platform_fee;
    assert_eq!(read!(client, call.config()).fees_due, fees);
    assert_eq!(assert_solvent!(client, escrow, baseline), 2 * BOND + fees);
    Ok(())
}

/// The farming attack of contracts/README.md ("What a record costs to fake"): Bob (seller),
/// Charlie (buyer) and Dave (their arbiter) trade with each other in an escrow Bob created,
/// whose platform fee goes to Bob himself, and rate each other 5. The fee floor still costs
/// them `floor_bps` of every deal's value, paid to the reputation contract for good, so N deals
/// of value m claim N deals, N * m of volume and a 5.00 rating for at least N * m * floor.
#[ink_e2e::test]
async fn farming_a_record_in_an_escrow_whose_fees_go_to_the_farmer_still_pays_the_floor<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    const FLOOR: u16 = 100;
    const DEALS: u64 = 2;
    let (_, reputation, _) = deploy!(client, FLOOR);
    let mut rep = reputation.call_builder::<Reputation>();
    assert_eq!(read!(client, rep.fee_floor_bps()), FLOOR);
    // Below the floor, or with a prune period shorter than the rating period: refused.
    let bob = id(AccountKeyring::Bob);
    for (fee, settings) in [
        (FLOOR - 1, SETTINGS),
        (
            FLOOR,
            Settings {
                prune_after: PRUNE_AFTER - 1,
                ..SETTINGS
            },
        ),
    ] {
        let create = rep.create_escrow(fee, bob, settings, Hash::from([2; 32]));
        let refused = client.call(&ink_e2e::bob(), &create).dry_run().await?;
        assert_eq!(
            refused.return_value(),
            Err(ReputationError::InvalidSettings)
        );
    }
    let account_id = tx!(
        client,
        ink_e2e::bob(),
        rep.create_escrow(FLOOR, bob, SETTINGS, Hash::from([2; 32]))
    );
    let (escrow, _) = registered!(client, e2e_macros::Created { account_id });
    let mut call = escrow.call_builder::<Escrow>();
    assert_eq!(read!(client, call.config()).settings.fee_floor_bps, FLOOR);
    assert_eq!(
        read!(client, call.set_fee(FLOOR - 1)),
        Err(Error::NotOwner),
        "only Bob owns it"
    );
    assert_eq!(
        client
            .call(&ink_e2e::bob(), &call.set_fee(FLOOR - 1))
            .dry_run()
            .await?
            .return_value(),
        Err(Error::FeeBelowFloor)
    );

    let farmers = [
        AccountKeyring::Bob,
        AccountKeyring::Charlie,
        AccountKeyring::Dave,
    ];
    let mut farmers_before = 0;
    for who in farmers {
        farmers_before += balance!(client, who);
    }
    let burned_before = client.free_balance(reputation.account_id).await?;
    for _ in 0..DEALS {
        let (_, deal_id) = open_deal!(client, call, terms(LONG, LONG, LONG));
        tx!(client, ink_e2e::charlie(), call.release(deal_id, PRICE));
        rate!(
            client,
            rep,
            escrow.account_id,
            deal_id,
            [
                (AccountKeyring::Charlie, ink_e2e::charlie(), 5u8),
                (AccountKeyring::Bob, ink_e2e::bob(), 5u8),
            ]
        );
    }
    // The fee is the floor, so none of it waits for Bob; he takes his offers' bonds back.
    assert_eq!(read!(client, call.config()).fees_due, 0);
    for offer_id in 0..DEALS {
        tx!(client, ink_e2e::bob(), call.withdraw_offer(offer_id));
    }

    let floor_per_deal = escrow::bps_of(PRICE, FLOOR);
    let burned = client.free_balance(reputation.account_id).await? - burned_before;
    assert_eq!(
        burned,
        u128::from(DEALS) * floor_per_deal,
        "the cost formula"
    );
    let mut farmers_after = 0;
    for who in farmers {
        farmers_after += balance!(client, who);
    }
    assert!(
        farmers_before - farmers_after >= burned,
        "the farmers paid at least the floor: {} < {burned}",
        farmers_before - farmers_after
    );
    let seller = read!(client, rep.reputation(bob));
    let value = PRICE - escrow::bps_of(PRICE, FLOOR);
    assert_eq!(
        (
            seller.deals_completed_as_seller,
            seller.volume,
            seller.weighted_average_centi
        ),
        (DEALS as u32, u128::from(DEALS) * value, 500),
        "what the attack claims"
    );
    Ok(())
}

#[ink_e2e::test]
async fn evidence_takes_no_deposit_and_a_strangers_or_one_after_the_ruling_is_reverted<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, _baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let (_, deal_id) = open_deal!(client, call, terms(LONG, LONG, LONG));
    let note = Hash::from([3; 32]);
    let events = tx_events!(
        client,
        ink_e2e::bob(),
        call.mark_delivered(deal_id, Some(note))
    );
    let cited = events_of::<DocumentCited>(&events);
    assert_eq!(cited.len(), 1);
    assert_eq!(
        (cited[0].by, cited[0].kind, cited[0].document),
        (id(AccountKeyring::Bob), Citation::DeliveryNote, note)
    );
    tx!(
        client,
        ink_e2e::charlie(),
        call.open_dispute(deal_id, Hash::from([1; 32]))
    );
    // Evidence only counts in the deal, whose size stays: no deposit for anyone.
    for signer in [ink_e2e::charlie(), ink_e2e::bob(), ink_e2e::dave()] {
        let deposit = tx_deposit!(
            client,
            signer,
            call.submit_evidence(deal_id, Hash::from([2; 32]))
        );
        assert_eq!(deposit, 0);
    }
    // A stranger's evidence reverts, and so does any after the ruling.
    let strangers = call.submit_evidence(deal_id, Hash::from([4; 32]));
    assert!(client
        .call(&ink_e2e::ferdie(), &strangers)
        .submit()
        .await
        .is_err());
    tx!(
        client,
        ink_e2e::dave(),
        call.rule(deal_id, 0, true, Some(Hash::from([5; 32])))
    );
    let late = call.submit_evidence(deal_id, Hash::from([6; 32]));
    assert!(client
        .call(&ink_e2e::charlie(), &late)
        .submit()
        .await
        .is_err());
    let deal = read!(client, call.deal(deal_id)).expect("deal kept");
    assert_eq!(deal.evidence_cited, [1, 1, 1]);
    Ok(())
}
