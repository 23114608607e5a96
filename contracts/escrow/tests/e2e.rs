//! End-to-end tests on a real substrate-contracts-node (found through `CONTRACTS_NODE`).
//! Run with `cargo test --features e2e-tests`.
#![cfg(feature = "e2e-tests")]

use escrow::{DealState, Error, Escrow, EscrowRef, OfferTerms};
use ink::primitives::{AccountId, Hash};
use ink_e2e::{subxt::dynamic::Value, AccountKeyring, ChainBackend, ContractsBackend};
use reputation::{DealOutcome, Reputation, ReputationRef};

type E2EResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;
type Balance = u128;

const UNIT: Balance = 1_000_000_000_000;
const PRICE: Balance = 10 * UNIT;
const BOND: Balance = UNIT;
const FEE_BPS: u16 = 100;
const ARBITER_FEE_BPS: u16 = 500;
const RATING_WINDOW: u64 = 60_000;

fn id(k: AccountKeyring) -> AccountId {
    ink_e2e::account_id(k)
}

fn terms(delivery_window: u64, ruling_window: u64) -> OfferTerms {
    OfferTerms {
        title: "Camera".into(),
        description: "Mirrorless body".into(),
        price: PRICE,
        quantity: 3,
        arbiter: id(AccountKeyring::Dave),
        arbiter_fee_bps: ARBITER_FEE_BPS,
        delivery_window,
        review_window: 60_000,
        ruling_window,
        bond_per_unit: BOND,
    }
}

/// Submits a message that must succeed and returns its `Ok` value.
macro_rules! tx {
    ($client:ident, $signer:expr, $msg:expr) => {
        tx!($client, $signer, $msg, 0)
    };
    ($client:ident, $signer:expr, $msg:expr, $value:expr) => {
        $client
            .call(&$signer, &$msg)
            .value($value)
            .submit()
            .await
            .expect("transaction included")
            .return_value()
            .expect("message returned Ok")
    };
}

/// Reads a message's return value through a dry run.
macro_rules! read {
    ($client:ident, $msg:expr) => {
        $client
            .call(&ink_e2e::alice(), &$msg)
            .dry_run()
            .await
            .expect("dry run")
            .return_value()
    };
}

macro_rules! balance {
    ($client:ident, $who:expr) => {
        $client.free_balance(id($who)).await.expect("balance")
    };
}

/// Deploys reputation and escrow (Alice owns both, Eve gets the fees) and authorises the
/// escrow. Returns both contracts and the escrow's free balance while it owes nothing.
macro_rules! deploy {
    ($client:ident) => {{
        let mut rep_ctor = ReputationRef::new(RATING_WINDOW);
        let reputation = $client
            .instantiate("reputation", &ink_e2e::alice(), &mut rep_ctor)
            .submit()
            .await
            .expect("reputation instantiates");
        let mut escrow_ctor = EscrowRef::new(
            FEE_BPS,
            1_000,
            id(AccountKeyring::Eve),
            Some(reputation.account_id),
        );
        let escrow = $client
            .instantiate("escrow", &ink_e2e::alice(), &mut escrow_ctor)
            .submit()
            .await
            .expect("escrow instantiates");
        let mut rep = reputation.call_builder::<Reputation>();
        tx!($client, ink_e2e::alice(), rep.authorize(escrow.account_id));
        let baseline = $client
            .free_balance(escrow.account_id)
            .await
            .expect("balance");
        (escrow, reputation, baseline)
    }};
}

/// The escrow's free balance above its baseline equals what it owes; returns that.
macro_rules! assert_solvent {
    ($client:ident, $escrow:expr, $baseline:expr) => {{
        let owed = read!($client, $escrow.call_builder::<Escrow>().owed());
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

#[ink_e2e::test]
async fn happy_path_pays_the_seller_and_both_rate<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let mut rep = reputation.call_builder::<Reputation>();

    let offer_id = tx!(
        client,
        ink_e2e::bob(),
        call.create_offer(terms(600_000, 600_000)),
        3 * BOND
    );
    let deal_id = tx!(
        client,
        ink_e2e::charlie(),
        call.accept_offer(offer_id, 1, 1),
        PRICE
    );
    assert_eq!(assert_solvent!(client, escrow, baseline), PRICE + 3 * BOND);

    tx!(client, ink_e2e::bob(), call.mark_delivered(deal_id));
    let seller_before = balance!(client, AccountKeyring::Bob);
    tx!(client, ink_e2e::charlie(), call.release(deal_id, PRICE));
    let fee = PRICE * Balance::from(FEE_BPS) / 10_000;
    assert_eq!(
        balance!(client, AccountKeyring::Bob) - seller_before,
        PRICE - fee
    );

    let deal = read!(client, call.deal(deal_id)).expect("deal exists");
    assert_eq!(deal.state, DealState::Completed);
    assert_eq!(deal.payout.to_seller + deal.payout.platform_fee, PRICE);
    assert_eq!(read!(client, call.credit_of(id(AccountKeyring::Eve))), fee);
    assert_eq!(assert_solvent!(client, escrow, baseline), 3 * BOND + fee);

    // The outcome reached the reputation contract; both parties commit blind, then reveal.
    let record = read!(client, rep.deal_record(escrow.account_id, deal_id)).expect("recorded");
    assert_eq!(record.outcome, DealOutcome::Completed);
    let raters = [
        (AccountKeyring::Charlie, ink_e2e::charlie(), 5u8),
        (AccountKeyring::Bob, ink_e2e::bob(), 4u8),
    ];
    for (who, signer, score) in &raters {
        let commitment: Hash = read!(
            client,
            rep.rating_commitment(
                escrow.account_id,
                deal_id,
                id(*who),
                *score,
                None,
                [*score; 32]
            )
        );
        tx!(
            client,
            signer.clone(),
            rep.commit_rating(escrow.account_id, deal_id, commitment)
        );
    }
    for (_, signer, score) in &raters {
        tx!(
            client,
            signer.clone(),
            rep.reveal_rating(escrow.account_id, deal_id, *score, None, [*score; 32])
        );
    }
    let seller = read!(client, rep.reputation(id(AccountKeyring::Bob)));
    assert_eq!(
        (
            seller.ratings_count,
            seller.rating_sum,
            seller.deals_completed_as_seller
        ),
        (1, 5, 1)
    );
    let buyer = read!(client, rep.reputation(id(AccountKeyring::Charlie)));
    assert_eq!(
        (
            buyer.ratings_count,
            buyer.rating_sum,
            buyer.deals_completed_as_buyer
        ),
        (1, 4, 1)
    );

    // The fee recipient takes its credit.
    assert_eq!(tx!(client, ink_e2e::eve(), call.withdraw()), fee);
    assert_eq!(read!(client, call.credit_of(id(AccountKeyring::Eve))), 0);
    assert_eq!(assert_solvent!(client, escrow, baseline), 3 * BOND);
    Ok(())
}

#[ink_e2e::test]
async fn arbiter_rules_a_dispute_and_earns_the_fee<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let rep = reputation.call_builder::<Reputation>();
    let offer_id = tx!(
        client,
        ink_e2e::bob(),
        call.create_offer(terms(600_000, 600_000)),
        3 * BOND
    );
    let deal_id = tx!(
        client,
        ink_e2e::charlie(),
        call.accept_offer(offer_id, 1, 1),
        PRICE
    );
    tx!(
        client,
        ink_e2e::charlie(),
        call.open_dispute(deal_id, Hash::from([9; 32]))
    );

    let buyer_before = balance!(client, AccountKeyring::Charlie);
    let seller_before = balance!(client, AccountKeyring::Bob);
    tx!(client, ink_e2e::dave(), call.rule(deal_id, 3_000));
    let arbiter_fee = PRICE * Balance::from(ARBITER_FEE_BPS) / 10_000;
    let pool = PRICE - arbiter_fee;
    let seller_gross = pool * 3_000 / 10_000;
    let platform_fee = seller_gross * Balance::from(FEE_BPS) / 10_000;
    assert_eq!(
        balance!(client, AccountKeyring::Charlie) - buyer_before,
        pool - seller_gross
    );
    assert_eq!(
        balance!(client, AccountKeyring::Bob) - seller_before,
        seller_gross - platform_fee
    );
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

#[ink_e2e::test]
async fn missed_delivery_lets_anyone_refund_the_buyer_with_the_bond<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let offer_id = tx!(
        client,
        ink_e2e::bob(),
        call.create_offer(terms(2_000, 600_000)),
        3 * BOND
    );
    let deal_id = tx!(
        client,
        ink_e2e::charlie(),
        call.accept_offer(offer_id, 1, 1),
        PRICE
    );
    assert_eq!(read!(client, call.reclaim(deal_id)), Err(Error::TooEarly));

    // Instant seal makes blocks only for transactions: wait, then make one so the chain's
    // clock passes the delivery deadline.
    ink_e2e::tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    client
        .runtime_call(
            &ink_e2e::ferdie(),
            "System",
            "remark",
            vec![Value::from_bytes(b"tick")],
        )
        .await
        .expect("remark");

    let buyer_before = balance!(client, AccountKeyring::Charlie);
    tx!(client, ink_e2e::ferdie(), call.reclaim(deal_id));
    assert_eq!(
        balance!(client, AccountKeyring::Charlie) - buyer_before,
        PRICE + BOND
    );
    let deal = read!(client, call.deal(deal_id)).expect("deal exists");
    assert_eq!(
        (deal.state, deal.payout.bond_to_buyer),
        (DealState::Reclaimed, BOND)
    );
    assert_eq!(assert_solvent!(client, escrow, baseline), 2 * BOND);
    Ok(())
}

#[ink_e2e::test]
async fn a_failing_call_is_reverted_and_leaves_state_untouched<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (escrow, _reputation, baseline) = deploy!(client);
    let mut call = escrow.call_builder::<Escrow>();
    let offer_id = tx!(
        client,
        ink_e2e::bob(),
        call.create_offer(terms(600_000, 600_000)),
        3 * BOND
    );
    let deal_id = tx!(
        client,
        ink_e2e::charlie(),
        call.accept_offer(offer_id, 1, 1),
        PRICE
    );
    tx!(
        client,
        ink_e2e::charlie(),
        call.open_dispute(deal_id, Hash::from([1; 32]))
    );
    let deal_before = read!(client, call.deal(deal_id));
    let ferdie_before = balance!(client, AccountKeyring::Ferdie);

    // The dry run names the error; submitted anyway, the extrinsic fails (ContractReverted).
    let not_arbiter = call.rule(deal_id, 10_000);
    let dry = client
        .call(&ink_e2e::ferdie(), &not_arbiter)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(dry.return_value(), Err(Error::NotArbiter));
    let submitted = client.call(&ink_e2e::ferdie(), &not_arbiter).submit().await;
    assert!(submitted.is_err(), "a reverted message fails its extrinsic");

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

    assert_eq!(read!(client, call.deal(deal_id)), deal_before);
    assert_eq!(read!(client, call.deal_count()), 1);
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
    let mut cheap = terms(600_000, 600_000);
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
    let deal = read!(client, call.deal(deal_id)).expect("deal exists");
    assert_eq!(
        (deal.state, deal.payout.to_seller),
        (DealState::Completed, price - fee)
    );
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
