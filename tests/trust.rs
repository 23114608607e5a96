//! The record a deal leaves, through the CLI on a real node: an arbiter rules a refund without
//! fault, a reclaimed seller carries the failure into `reputation`, `offer list`, `proposal list`
//! and screening, withdrawn offers and retired arbiters are removed with their deposits back, and
//! the fee floor is shown and paid to the reputation contract.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run`.
#![cfg(feature = "node-tests")]

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

fn reputation(env: &Env, who: &str) -> Value {
    env.ok(&["reputation", who])["reputation"].clone()
}

#[test]
fn an_arbiter_refunds_the_buyer_without_fault_and_the_seller_keeps_its_bond_and_record() {
    let env = Env::new();
    env.deploy();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    env.ok(&["--as", CHARLIE, "deal", "dispute", &deal_id]);

    let bob0 = env.free(BOB);
    let ruled = env.ok(&[
        "--as",
        DAVE,
        "deal",
        "rule",
        &deal_id,
        "--seller-share",
        "0",
        "--no-fault",
    ]);
    let payout = &ruled["deal"]["payout"];
    assert_eq!(plancks(&payout["bond_returned"]), 10 * UNIT);
    assert_eq!(plancks(&payout["bond_to_buyer"]), 0);
    assert_eq!(delta(bob0, env.free(BOB)), 10 * UNIT as i128);
    assert_eq!(ruled["deal"]["seller_failed"], false);

    let bob = reputation(&env, BOB);
    assert_eq!(
        (
            &bob["deals_as_seller"],
            &bob["deals_failed_as_seller"],
            &bob["disputes_answered"],
            &bob["disputes_answered_lost"]
        ),
        (
            &Value::from(0),
            &Value::from(0),
            &Value::from(1),
            &Value::from(1)
        ),
        "a refund without fault neither paid nor failed the seller; it lost the dispute"
    );
    let charlie = reputation(&env, CHARLIE);
    assert_eq!(
        (&charlie["disputes_opened"], &charlie["disputes_won"]),
        (&Value::from(1), &Value::from(1))
    );

    let both = env.fails(
        &[
            "--as",
            DAVE,
            "deal",
            "rule",
            &deal_id,
            "--seller-share",
            "0",
            "--fault",
            "--no-fault",
        ],
        2,
    );
    assert!(
        both["error"].as_str().unwrap().contains("--no-fault"),
        "{both}"
    );
}

#[test]
fn a_reclaimed_seller_carries_the_failure_into_its_record_the_offer_and_proposal_lists_and_screening(
) {
    let env = Env::new();
    env.deploy();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3s", "1h", "1h"]);
    std::thread::sleep(Duration::from_secs(4));
    let reclaimed = env.ok(&["--as", CHARLIE, "deal", "reclaim", &deal_id]);
    assert_eq!(reclaimed["deal"]["seller_failed"], true);

    let bob = reputation(&env, BOB);
    assert_eq!(
        (&bob["deals_as_seller"], &bob["deals_failed_as_seller"]),
        (&Value::from(1), &Value::from(1))
    );
    let text = env.text(&["reputation", BOB]);
    assert!(text.contains("failed as seller: 1 of 1 deals"), "{text}");
    let listed = env.ok(&["offer", "list", "--seller", BOB]);
    assert_eq!(listed["offers"][0]["seller_deals_failed"], 1, "{listed}");

    // A poster weighing Bob's proposal sees the same failure beside it.
    let posted = env.post_request(CHARLIE, "Logo", "50", &[]);
    let request = id(&posted["request"]["id"]);
    env.ok(&["--as", BOB, "proposal", "submit", &request, "--price", "40"]);
    let proposals = env.ok(&["proposal", "list", &request]);
    let record = &proposals["proposals"][0]["worker_record"];
    assert_eq!(
        (
            &record["deals_as_seller"],
            &record["deals_failed_as_seller"]
        ),
        (&Value::from(1), &Value::from(1)),
        "{proposals}"
    );
    let text = env.text(&["proposal", "list", &request]);
    assert!(text.contains("failed 1 of 1 deals as seller"), "{text}");

    // Ferdie sells only to accounts that failed at most half their deals as seller.
    env.ok(&["account", "fund", FERDIE, "--amount", "500"]);
    env.register_arbiter(EVE, "100");
    let screened = env.ok(&[
        "--as",
        FERDIE,
        "offer",
        "create",
        "--title",
        "Careful seller",
        "--price",
        "10",
        "--arbiter",
        EVE,
        "--max-failed",
        "50",
    ]);
    let screened_id = id(&screened["offer"]["id"]);
    let bob0 = env.free(BOB);
    let refused = env.fails(&["--as", BOB, "deal", "accept", &screened_id], 1);
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("deals as seller failed"),
        "{refused}"
    );
    assert_eq!(env.free(BOB), bob0, "nothing was sent");
    env.ok(&["--as", CHARLIE, "deal", "accept", &screened_id]);
}

#[test]
fn withdrawn_offers_and_retired_arbiters_are_removed_by_their_payers_with_the_deposit_back() {
    let env = Env::new();
    env.deploy();
    let created = env.offer("100", 1, "10", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    let active = env.fails(&["--as", BOB, "offer", "remove", &offer_id], 1);
    assert_eq!(active["contract_error"], "StillActive");
    env.ok(&["--as", BOB, "offer", "withdraw", &offer_id]);
    let stranger = env.fails(&["--as", CHARLIE, "offer", "remove", &offer_id], 1);
    assert_eq!(stranger["contract_error"], "NotSeller");

    let bob0 = env.free(BOB);
    let removed = env.ok(&["--as", BOB, "offer", "remove", &offer_id]);
    assert_eq!(removed["removed"], true);
    assert_eq!(event_names(&removed["tx"]), ["OfferRemoved"]);
    assert!(
        env.free(BOB) > bob0,
        "the storage deposit came back, more than the fee"
    );
    env.fails(&["offer", "show", &offer_id], 2);

    env.register_arbiter(FERDIE, "300");
    let active = env.fails(&["--as", FERDIE, "arbiter", "remove"], 1);
    assert_eq!(active["contract_error"], "StillActive");
    env.ok(&["--as", FERDIE, "arbiter", "retire"]);
    let ferdie0 = env.free(FERDIE);
    let left = env.ok(&["--as", FERDIE, "arbiter", "remove"]);
    assert_eq!(left["removed"], true);
    assert!(env.free(FERDIE) > ferdie0, "the storage deposit came back");
    let listed = env.ok(&["arbiter", "list"]);
    let arbiters = listed["arbiters"].as_array().unwrap();
    assert_eq!(arbiters.len(), 1, "only Dave is left: {listed}");
}

#[test]
fn the_fee_floor_is_shown_refused_above_the_fee_and_paid_to_the_reputation_contract() {
    let env = Env::new();
    let above = env.fails(&["deploy", "--fee-bps", "100", "--fee-floor-bps", "200"], 2);
    assert!(
        above["error"].as_str().unwrap().contains("--fee-floor-bps"),
        "{above}"
    );

    let deployed = env.deploy_with(&["--fee-floor-bps", "100", "--rating-window", "10m"]);
    env.register_arbiter(DAVE, "500");
    let config = env.ok(&["config"]);
    assert_eq!(config["settings"]["fee_floor_bps"], 100, "{config}");
    let text = env.text(&["config"]);
    assert!(text.contains("floor 100 bps"), "{text}");

    let reputation_address = deployed["reputation"].as_str().unwrap().to_string();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    let burned0 = env.free(&reputation_address);
    env.ok(&["--as", CHARLIE, "deal", "release", &deal_id]);
    assert_eq!(
        env.free(&reputation_address) - burned0,
        UNIT,
        "1% of 100 UNIT went to the reputation contract"
    );
    assert_eq!(env.credit(EVE), 0, "the fee was all floor");
}
