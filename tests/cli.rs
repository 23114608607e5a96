//! End-to-end tests of the `escrow` CLI against a real substrate-contracts-node started per test.
//!
//! Needs the node (`bash node-config/setup`) and the contract bundles
//! ($ESCROW_CONTRACTS_DIR/{escrow,reputation}/*.contract from `cargo contract build --release`).
//! Run: `cargo test -p escrow-client --features node-tests --test cli`.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

mod common;

use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::*;
use serde_json::Value;

fn state(v: &Value) -> &str {
    v["deal"]["state"].as_str().unwrap()
}

/// After the deadline passed in wall-clock time, a transfer makes a block with a newer
/// timestamp (instant seal: blocks only come with transactions), so dry runs see it.
fn make_block(env: &Env) {
    env.ok(&["account", "fund", FERDIE, "--amount", "1"]);
}

#[test]
fn happy_path_with_every_balance_checked() {
    let env = Env::new();
    let deployed = env.deploy();
    assert!(deployed["escrow"].as_str().unwrap().len() > 40);
    // The reputation contract created the escrow, which instantiated its requests contract.
    assert_eq!(event_names(&deployed["create_escrow"]), ["EscrowCreated"]);
    let config = env.ok(&["config"]);
    assert_eq!(config["requests"], deployed["requests"], "{config}");

    let bob0 = env.free(BOB);
    let charlie0 = env.free(CHARLIE);
    let eve0 = env.free(EVE);

    // Bob lists 2 units at 100 with a bond of 10 each.
    let created = env.offer("100", 2, "10", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    assert_eq!(plancks(&created["offer"]["bond_stake"]), 20 * UNIT);
    assert_eq!(created["offer"]["version"], 1);
    assert_eq!(event_names(&created["tx"]), ["OfferCreated"]);
    assert!(plancks(&created["tx"]["fee_estimate"]) > 0);
    let bob1 = env.free(BOB);
    assert_eq!(
        delta(bob0, bob1),
        -(20 * UNIT as i128) - tx_cost(&created["tx"])
    );

    // Listed, findable by text, price and seller.
    let listed = env.ok(&[
        "offer",
        "list",
        "--text",
        "leica",
        "--max-price",
        "150",
        "--seller",
        BOB,
    ]);
    assert_eq!(listed["offers"].as_array().unwrap().len(), 1);
    let none = env.ok(&["offer", "list", "--min-price", "101"]);
    assert!(none["offers"].as_array().unwrap().is_empty());

    // Charlie buys one.
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    assert_eq!(state(&accepted), "Funded");
    assert_eq!(plancks(&accepted["deal"]["amount"]), 100 * UNIT);
    assert_eq!(plancks(&accepted["deal"]["bond"]), 10 * UNIT);
    let charlie1 = env.free(CHARLIE);
    assert_eq!(
        delta(charlie0, charlie1),
        -(100 * UNIT as i128) - tx_cost(&accepted["tx"])
    );

    let delivered = env.ok(&["--as", BOB, "deal", "deliver", &deal_id]);
    assert_eq!(state(&delivered), "Delivered");
    let bob2 = env.free(BOB);
    assert_eq!(delta(bob1, bob2), -tx_cost(&delivered["tx"]));

    // Part first, then the rest (which closes the deal).
    let part = env.ok(&[
        "--as", CHARLIE, "deal", "release", &deal_id, "--amount", "40 UNIT",
    ]);
    assert_eq!(state(&part), "Delivered");
    assert_eq!(event_names(&part["tx"]), ["PaymentReleased"]);
    assert_eq!(plancks(&part["remaining"]), 60 * UNIT);
    let bob_part = env.free(BOB);
    assert_eq!(delta(bob2, bob_part), (40 * UNIT - 40 * UNIT / 100) as i128);
    let charlie2 = env.free(CHARLIE);
    assert_eq!(delta(charlie1, charlie2), -tx_cost(&part["tx"]));
    let too_much = env.fails(
        &[
            "--as", CHARLIE, "deal", "release", &deal_id, "--amount", "61",
        ],
        2,
    );
    assert!(too_much["error"]
        .as_str()
        .unwrap()
        .contains("more than milestone 1 of deal"));

    let released = env.ok(&["--as", CHARLIE, "deal", "release", &deal_id]);
    assert_eq!(state(&released), "Completed");
    let names = event_names(&released["tx"]);
    assert!(names.contains(&"DealClosed".to_string()), "{names:?}");
    assert!(names.contains(&"DealRecorded".to_string()), "{names:?}");
    assert_eq!(plancks(&released["deal"]["payout"]["to_seller"]), 99 * UNIT);
    assert_eq!(plancks(&released["deal"]["payout"]["platform_fee"]), UNIT);
    let bob3 = env.free(BOB);
    let charlie3 = env.free(CHARLIE);
    // The rest of the price, and the delivered deal's bond back.
    assert_eq!(
        delta(bob_part, bob3),
        (60 * UNIT - 60 * UNIT / 100 + 10 * UNIT) as i128
    );
    assert_eq!(delta(charlie2, charlie3), -tx_cost(&released["tx"]));

    // The platform fee is due to //Eve until she withdraws it.
    assert_eq!(env.free(EVE), eve0);
    assert_eq!(env.credit(EVE), UNIT);
    let withdrawn = env.ok(&["--as", EVE, "withdraw"]);
    assert_eq!(plancks(&withdrawn["amount"]), UNIT);
    assert_eq!(
        delta(eve0, env.free(EVE)),
        UNIT as i128 - tx_cost(&withdrawn["tx"])
    );
    assert_eq!(env.credit(EVE), 0);

    // Both rate each other: commit, then reveal.
    let c1 = env.ok(&[
        "--as",
        CHARLIE,
        "rate",
        "commit",
        &deal_id,
        "--score",
        "5",
        "--comment-hash",
        "great",
    ]);
    assert_eq!(event_names(&c1["tx"]), ["RatingCommitted"]);
    let c2 = env.ok(&["--as", BOB, "rate", "commit", &deal_id, "--score", "4"]);
    assert!(c2["record"]["seller_commitment"].is_string());
    let r1 = env.ok(&["--as", CHARLIE, "rate", "reveal", &deal_id]);
    assert_eq!(event_names(&r1["tx"]), ["RatingRevealed"]);
    assert_eq!(r1["record"]["buyer_score"], 5);
    let r2 = env.ok(&["--as", BOB, "rate", "reveal", &deal_id]);
    assert_eq!(r2["record"]["seller_score"], 4);
    let bob_rep = env.ok(&["reputation", BOB]);
    assert_eq!(bob_rep["reputation"]["ratings_count"], 1);
    assert_eq!(bob_rep["reputation"]["average_rating_centi"], 500);
    assert_eq!(bob_rep["reputation"]["deals_completed_as_seller"], 1);
    let charlie_rep = env.ok(&["reputation", CHARLIE]);
    assert_eq!(charlie_rep["reputation"]["average_rating_centi"], 400);
    assert_eq!(charlie_rep["reputation"]["deals_completed_as_buyer"], 1);
    let rated = env.ok(&["offer", "list", "--min-rating", "4.5"]);
    assert_eq!(rated["offers"].as_array().unwrap().len(), 1);
    assert_eq!(rated["offers"][0]["seller_average_rating_centi"], 500);

    // The deal's history, from the chain's events.
    let shown = env.ok(&["deal", "show", &deal_id]);
    let history: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for name in [
        "DealOpened",
        "DealDelivered",
        "PaymentReleased",
        "DealClosed",
        "DealRecorded",
        "RatingCommitted",
        "RatingRevealed",
    ] {
        assert!(history.contains(&name), "{name} missing from {history:?}");
    }
    // Ended: the only deadline left is when the buyer may prune it (twice the rating window).
    let deadlines = shown["deadlines"].as_array().unwrap();
    assert_eq!(deadlines.len(), 1, "{deadlines:?}");
    assert_eq!(deadlines[0]["name"], "prune");
    assert_eq!(
        deadlines[0]["at"].as_u64().unwrap(),
        shown["deal"]["closed_at"].as_u64().unwrap() + 20 * 60 * 1000
    );
    let mine = env.ok(&["--as", CHARLIE, "deal", "list", "--mine"]);
    assert_eq!(mine["deals"].as_array().unwrap().len(), 1);

    // Withdrawing the offer returns the stake of the unsold unit (the deal's bond came back
    // with the release).
    let bob4 = env.free(BOB);
    let withdrawn = env.ok(&["--as", BOB, "offer", "withdraw", &offer_id]);
    assert!(!withdrawn["offer"]["active"].as_bool().unwrap());
    assert_eq!(
        delta(bob4, env.free(BOB)),
        10 * UNIT as i128 - tx_cost(&withdrawn["tx"])
    );
    assert!(env.ok(&["offer", "list"])["offers"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        env.ok(&["offer", "list", "--all"])["offers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let events = env.ok(&["events"]);
    assert!(events["events"].as_array().unwrap().len() >= 10);
}

#[test]
fn arbiter_rules_a_dispute() {
    let env = Env::new();
    env.deploy();
    let created = env.offer("100", 1, "10", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);

    let disputed = env.ok(&[
        "--as",
        CHARLIE,
        "deal",
        "dispute",
        &deal_id,
        "--evidence",
        "never arrived",
    ]);
    assert_eq!(state(&disputed), "Disputed");
    let shown = env.ok(&["deal", "show", &deal_id]);
    assert_eq!(shown["deadlines"][0]["name"], "ruling");

    let (bob0, charlie0, dave0) = (env.free(BOB), env.free(CHARLIE), env.free(DAVE));
    let ruled = env.ok(&[
        "--as",
        DAVE,
        "deal",
        "rule",
        &deal_id,
        "--seller-share",
        "30%",
    ]);
    assert_eq!(state(&ruled), "Ruled");
    // 5% arbiter fee off the top, 30% of the rest to the seller minus 1% platform fee.
    let arbiter_fee = 5 * UNIT;
    let pool = 95 * UNIT;
    let seller_gross = pool * 3 / 10;
    let platform_fee = seller_gross / 100;
    let p = &ruled["deal"]["payout"];
    assert_eq!(plancks(&p["arbiter_fee"]), arbiter_fee);
    assert_eq!(plancks(&p["to_seller"]), seller_gross - platform_fee);
    assert_eq!(plancks(&p["to_buyer"]), pool - seller_gross);
    assert_eq!(
        delta(bob0, env.free(BOB)),
        (seller_gross - platform_fee) as i128
    );
    // Ruled under half for the seller of an undelivered deal: the bond goes to the buyer.
    assert_eq!(plancks(&p["bond_to_buyer"]), 10 * UNIT);
    assert_eq!(
        delta(charlie0, env.free(CHARLIE)),
        (pool - seller_gross + 10 * UNIT) as i128
    );
    assert_eq!(
        delta(dave0, env.free(DAVE)),
        arbiter_fee as i128 - tx_cost(&ruled["tx"])
    );
    assert_eq!(env.credit(EVE), platform_fee);
    let dave = env.ok(&["reputation", DAVE]);
    assert_eq!(dave["reputation"]["arbitrations_in_time"], 1);
}

#[test]
fn missed_ruling_window_applies_the_default_rule() {
    let env = Env::new();
    env.deploy();
    let created = env.offer("100", 1, "10", ["1h", "1h", "3s"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    // Disputed after delivery: the default is an even split.
    env.ok(&["--as", BOB, "deal", "deliver", &deal_id]);
    let disputed = env.ok(&["--as", BOB, "deal", "dispute", &deal_id]);
    assert_eq!(disputed["deal"]["disputed_by"], "Seller");

    // Too early for the default rule.
    let early = env.fails(&["--as", FERDIE, "deal", "finalize", &deal_id], 1);
    assert_eq!(early["contract_error"], "TooEarly");

    std::thread::sleep(Duration::from_secs(4));
    make_block(&env);
    let late = env.fails(
        &[
            "--as",
            DAVE,
            "deal",
            "rule",
            &deal_id,
            "--seller-share",
            "10000",
        ],
        1,
    );
    assert_eq!(late["contract_error"], "TooLate");

    let (bob0, charlie0, dave0) = (env.free(BOB), env.free(CHARLIE), env.free(DAVE));
    let finalized = env.ok(&["--as", FERDIE, "deal", "finalize", &deal_id]);
    assert_eq!(state(&finalized), "DefaultRuled");
    let half = 50 * UNIT;
    assert_eq!(plancks(&finalized["deal"]["payout"]["arbiter_fee"]), 0);
    // Delivered, so the bond went back to the seller with its half.
    assert_eq!(
        delta(bob0, env.free(BOB)),
        (half - half / 100 + 10 * UNIT) as i128
    );
    assert_eq!(delta(charlie0, env.free(CHARLIE)), half as i128);
    assert_eq!(env.free(DAVE), dave0);
    assert_eq!(
        plancks(&finalized["deal"]["payout"]["bond_returned"]),
        10 * UNIT
    );
    assert_eq!(
        plancks(&env.ok(&["offer", "show", &offer_id])["offer"]["bond_stake"]),
        0
    );
}

#[test]
fn a_dispute_before_delivery_defaults_to_the_buyer_with_the_bond() {
    let env = Env::new();
    env.deploy();
    let created = env.offer("100", 1, "10", ["1h", "1h", "3s"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    env.ok(&["--as", BOB, "deal", "dispute", &deal_id]);
    let shown = env.ok(&["deal", "show", &deal_id]);
    assert!(shown["deadlines"][0]["after"]
        .as_str()
        .unwrap()
        .contains("buyer gets everything back"));
    std::thread::sleep(Duration::from_secs(4));
    let (bob0, charlie0) = (env.free(BOB), env.free(CHARLIE));
    let finalized = env.ok(&["--as", FERDIE, "deal", "finalize", &deal_id]);
    assert_eq!(state(&finalized), "DefaultRuled");
    assert_eq!(env.free(BOB), bob0);
    assert_eq!(delta(charlie0, env.free(CHARLIE)), 110 * UNIT as i128);
}

#[test]
fn missed_delivery_lets_the_buyer_reclaim_with_the_bond() {
    let env = Env::new();
    env.deploy();
    let created = env.offer("100", 1, "10", ["3s", "1h", "1h"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    let early = env.fails(&["--as", CHARLIE, "deal", "reclaim", &deal_id], 1);
    assert_eq!(early["contract_error"], "TooEarly");

    std::thread::sleep(Duration::from_secs(4));
    make_block(&env);
    let late = env.fails(&["--as", BOB, "deal", "deliver", &deal_id], 1);
    assert_eq!(late["contract_error"], "TooLate");

    let (bob0, charlie0) = (env.free(BOB), env.free(CHARLIE));
    let reclaimed = env.ok(&["--as", CHARLIE, "deal", "reclaim", &deal_id]);
    assert_eq!(state(&reclaimed), "Reclaimed");
    assert_eq!(
        plancks(&reclaimed["deal"]["payout"]["bond_to_buyer"]),
        10 * UNIT
    );
    assert_eq!(
        delta(charlie0, env.free(CHARLIE)),
        110 * UNIT as i128 - tx_cost(&reclaimed["tx"])
    );
    assert_eq!(env.free(BOB), bob0);
    let offer = env.ok(&["offer", "show", &offer_id]);
    assert_eq!(
        plancks(&offer["offer"]["bond_stake"]),
        0,
        "the bond was forfeited"
    );
}

#[test]
fn stale_offer_version_is_refused() {
    let env = Env::new();
    env.deploy();
    let created = env.offer("100", 2, "0", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    let updated = env.ok(&["--as", BOB, "offer", "update", &offer_id, "--price", "120"]);
    assert_eq!(updated["offer"]["version"], 2);

    let block = env.best_block();
    let charlie0 = env.free(CHARLIE);
    let stale = env.fails(
        &[
            "--as",
            CHARLIE,
            "deal",
            "accept",
            &offer_id,
            "--version",
            "1",
        ],
        1,
    );
    assert_eq!(stale["contract_error"], "StaleVersion");
    assert!(stale["error"]
        .as_str()
        .unwrap()
        .contains("changed since the buyer saw it"));
    assert_eq!(env.best_block(), block, "nothing was submitted");
    assert_eq!(env.free(CHARLIE), charlie0, "no fee was spent");

    let accepted = env.ok(&[
        "--as",
        CHARLIE,
        "deal",
        "accept",
        &offer_id,
        "--version",
        "2",
    ]);
    assert_eq!(plancks(&accepted["deal"]["amount"]), 120 * UNIT);
}

#[test]
fn unauthorised_callers_are_refused_before_any_fee() {
    let env = Env::new();
    env.deploy();
    let created = env.offer("100", 1, "0", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);

    let block = env.best_block();
    let balances = [env.free(BOB), env.free(CHARLIE), env.free(DAVE)];
    for (who, args, error) in [
        (DAVE, vec!["deal", "release", &deal_id], "NotBuyer"),
        (CHARLIE, vec!["deal", "deliver", &deal_id], "NotSeller"),
        (
            CHARLIE,
            vec!["deal", "rule", &deal_id, "--seller-share", "0"],
            "NotArbiter",
        ),
        (DAVE, vec!["deal", "dispute", &deal_id], "NotParty"),
        (BOB, vec!["deal", "accept", &offer_id], "BuyerIsSeller"),
        (CHARLIE, vec!["offer", "withdraw", &offer_id], "NotSeller"),
    ] {
        let mut full = vec!["--as", who];
        full.extend(args);
        let err = env.fails(&full, 1);
        assert_eq!(err["contract_error"], error, "{full:?}");
        assert_eq!(err["kind"], "contract");
    }
    assert_eq!(env.best_block(), block);
    assert_eq!(balances, [env.free(BOB), env.free(CHARLIE), env.free(DAVE)]);
    assert_eq!(state(&env.ok(&["deal", "show", &deal_id])), "Funded");
}

#[test]
fn bad_inputs_exit_2_and_change_nothing() {
    let env = Env::new();
    env.deploy();
    let created = env.offer("100", 1, "0", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    let block = env.best_block();
    let before = env.ok(&["deal", "show", &deal_id])["deal"].clone();

    let offer_create = |field: &str, value: &str| -> Vec<String> {
        let mut opts = vec![("--title", "x"), ("--price", "1"), ("--arbiter", DAVE)];
        opts.retain(|(k, _)| *k != field);
        opts.push((field, value));
        let mut args = vec!["--as", BOB, "offer", "create"];
        for (k, v) in opts {
            args.push(k);
            args.push(v);
        }
        args.into_iter().map(String::from).collect()
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            offer_create("--arbiter", "nobody"),
            "invalid account 'nobody'",
        ),
        (offer_create("--price", "12.5.3"), "invalid amount '12.5.3'"),
        (
            offer_create("--delivery-window", "3x"),
            "invalid duration '3x'",
        ),
        (
            offer_create("--delivery-window", "0s"),
            "invalid delivery window",
        ),
        (
            ["--as", CHARLIE, "deal", "release", &deal_id, "--amount=-1"]
                .map(String::from)
                .to_vec(),
            "invalid amount",
        ),
        (
            ["deal", "show", "99"].map(String::from).to_vec(),
            "unknown deal 99",
        ),
        // Ids the store cannot hold (above i64::MAX) are unknown like any other.
        (
            ["deal", "show", "9223372036854775808"]
                .map(String::from)
                .to_vec(),
            "unknown deal 9223372036854775808",
        ),
        (
            ["deal", "show", "18446744073709551615"]
                .map(String::from)
                .to_vec(),
            "unknown deal 18446744073709551615",
        ),
        (
            ["offer", "show", "9223372036854775808"]
                .map(String::from)
                .to_vec(),
            "unknown offer 9223372036854775808",
        ),
        (
            ["offer", "show", "18446744073709551615"]
                .map(String::from)
                .to_vec(),
            "unknown offer 18446744073709551615",
        ),
        (
            ["--as", CHARLIE, "deal", "accept", "99"]
                .map(String::from)
                .to_vec(),
            "unknown offer 99",
        ),
        (
            ["deal", "deliver", &deal_id].map(String::from).to_vec(),
            "--as",
        ),
        (
            ["--as", CHARLIE, "rate", "commit", &deal_id, "--score", "7"]
                .map(String::from)
                .to_vec(),
            "invalid score 7",
        ),
        (
            ["reputation", "5NotAnAddress"].map(String::from).to_vec(),
            "invalid account",
        ),
        (
            ["deal", "show", "abc"].map(String::from).to_vec(),
            "invalid value 'abc'",
        ),
        (
            [
                "--as",
                "//Bob",
                "deal",
                "propose",
                &deal_id,
                "--seller-share",
                "120%",
            ]
            .map(String::from)
            .to_vec(),
            "invalid basis points",
        ),
    ];
    for (args, message) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = env.fails(&args, 2);
        let text = err["error"].as_str().unwrap();
        assert!(
            text.contains(message),
            "{args:?}: '{text}' lacks '{message}'"
        );
    }

    // A deployment saved for another chain is not used.
    let file = env.deployment_file();
    let text = std::fs::read_to_string(&file).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let genesis = v["chains"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let other = text.replace(
        &genesis,
        "0x1111111111111111111111111111111111111111111111111111111111111111",
    );
    let other_file = env.home.path().join("other.json");
    std::fs::write(&other_file, other).unwrap();
    let err = env.fails(
        &[
            "--deployment",
            other_file.to_str().unwrap(),
            "deal",
            "show",
            &deal_id,
        ],
        2,
    );
    let text = err["error"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            "no deployment for this chain (genesis {genesis}); run `escrow deploy`"
        )),
        "{text}"
    );

    assert_eq!(env.best_block(), block, "no transaction was sent");
    assert_eq!(env.ok(&["deal", "show", &deal_id])["deal"], before);
}

#[test]
fn unreachable_node_fails_fast() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = assert_cmd::Command::cargo_bin("escrow")
        .unwrap()
        .env("ESCROW_HOME", home.path())
        .args([
            "--url",
            &format!("ws://127.0.0.1:{port}"),
            "--output",
            "json",
            "offer",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "errors go to stderr");
    let v = common::error_json(&String::from_utf8_lossy(&out.stderr), 1);
    assert_eq!(v["kind"], "unreachable");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_deal_survives_a_node_restart() {
    let (mut env, _base) = Env::restartable();
    env.deploy();
    let created = env.offer("100", 1, "10", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    env.ok(&["--as", BOB, "deal", "deliver", &deal_id]);
    let block = env.best_block();

    env.node.restart().unwrap();
    assert!(env.best_block() >= block, "the chain kept its blocks");
    let shown = env.ok(&["deal", "show", &deal_id]);
    assert_eq!(shown["deal"]["state"], "Delivered");

    let bob0 = env.free(BOB);
    let released = env.ok(&["--as", CHARLIE, "deal", "release", &deal_id]);
    assert_eq!(state(&released), "Completed");
    // The price less the fee, and the bond back.
    assert_eq!(delta(bob0, env.free(BOB)), 109 * UNIT as i128);
    let history = env.ok(&["deal", "show", &deal_id])["history"]
        .as_array()
        .unwrap()
        .len();
    assert!(history >= 4, "{history}");
}

/// The typed contract API against the built metadata: every message it calls exists with
/// the signature it encodes for, and every message of the three contracts has its function
/// (but `record_deal` and `open_requested_deal`, which only contracts may call). A signature that drifts is refused.
#[test]
fn the_typed_api_covers_every_message_with_its_metadata_signature() {
    use escrow_client::api::spec::Message;
    use escrow_client::api::{escrow, reputation, requests};
    use escrow_client::contract::ContractCodec;
    use escrow_client::node_config::contract_bundle;

    require_bundles();
    for (name, api, not_called) in [
        ("escrow", escrow::MESSAGES, escrow::NOT_CALLED),
        ("reputation", reputation::MESSAGES, reputation::NOT_CALLED),
        ("requests", requests::MESSAGES, requests::NOT_CALLED),
    ] {
        let codec = ContractCodec::load(contract_bundle(name)).unwrap();
        for m in api {
            m.check(name, &codec).unwrap_or_else(|e| panic!("{e}"));
        }
        let mut ours: Vec<&str> = api
            .iter()
            .map(|m| m.name)
            .chain(not_called.iter().copied())
            .collect();
        let mut theirs = codec.messages();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(
            ours, theirs,
            "{name}: messages without a typed function, or gone"
        );
    }
    let codec = ContractCodec::load(contract_bundle("escrow")).unwrap();
    let drifted = [
        Message::write(
            "accept_offer",
            &[("offer_id", "u64"), ("quantity", "u32"), ("version", "u32")],
        ),
        Message::payable("accept_offer", &[("offer_id", "u64"), ("quantity", "u32")]),
        Message::payable(
            "accept_offer",
            &[("offer_id", "u32"), ("quantity", "u32"), ("version", "u32")],
        ),
        Message::read("no_such_message", &[]),
    ];
    for m in drifted {
        let e = m.check("escrow", &codec).unwrap_err().to_string();
        assert!(
            e.contains("the escrow bundle does not match this client"),
            "{e}"
        );
        assert!(e.contains(m.name), "{e}");
    }
}

/// The client's mirrors of the contracts' types (ops/types.rs) against the built metadata:
/// typed argument encoding equals contract-transcode's, and mirrored return values decode
/// through the metadata to the same fields and values. Needs the bundles, not a node.
#[test]
fn contract_types_match_the_metadata() {
    use escrow_client::contract::ContractCodec;
    use escrow_client::node_config::contract_bundle;
    use escrow_client::ops::ink_to_json;
    use escrow_client::ops::types::*;
    use scale::Encode;

    require_bundles();
    let escrow = ContractCodec::load(contract_bundle("escrow")).unwrap();
    let reputation = ContractCodec::load(contract_bundle("reputation")).unwrap();
    let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    let bob = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
    let a = escrow_client::units::parse_account(alice).unwrap();
    let b = escrow_client::units::parse_account(bob).unwrap();
    let h = [7u8; 32];
    let hx = format!("0x{}", hex::encode(h));

    let terms = OfferTerms {
        title: "t".into(),
        description: "d".into(),
        price: 5,
        quantity: 2,
        arbiter: a.into(),
        delivery_window: 1000,
        review_window: 2000,
        ruling_window: 3000,
        bond_per_unit: 7,
        screening: Screening {
            min_deals: 3,
            allow: vec![b.into()],
            ..Screening::default()
        },
        milestones: vec![
            Milestone {
                amount: 2,
                delivery_window: 400,
            },
            Milestone {
                amount: 3,
                delivery_window: 600,
            },
        ],
    };
    let same = |codec: &ContractCodec, msg: &str, args: &[String], typed: Vec<u8>| {
        assert_eq!(codec.encode(msg, args).unwrap(), typed, "{msg}");
    };
    same(
        &escrow,
        "create_offer",
        &[format!(
            "OfferTerms {{ title: \"t\", description: \"d\", price: 5, quantity: 2, arbiter: {alice}, \
             delivery_window: 1000, review_window: 2000, ruling_window: 3000, \
             bond_per_unit: 7, screening: Screening {{ min_deals: 3, min_rating_centi: 0, \
             max_disputes_lost_bps: 10000, max_failed_bps: 10000, min_volume: 0, \
             max_ratings_withheld: 4294967295, allow: [{bob}], \
             block: [] }}, milestones: [Milestone {{ amount: 2, delivery_window: 400 }}, \
             Milestone {{ amount: 3, delivery_window: 600 }}] }}"
        )],
        escrow.encode_typed("create_offer", &terms).unwrap(),
    );
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    same(
        &escrow,
        "update_offer",
        &s(&["1", "9", "3"]),
        escrow
            .encode_typed("update_offer", &(1u64, 9u128, 3u32))
            .unwrap(),
    );
    same(
        &escrow,
        "accept_offer",
        &s(&["1", "2", "3"]),
        escrow
            .encode_typed("accept_offer", &(1u64, 2u32, 3u32))
            .unwrap(),
    );
    same(
        &escrow,
        "release",
        &s(&["4", "5"]),
        escrow.encode_typed("release", &(4u64, 5u128)).unwrap(),
    );
    same(
        &escrow,
        "release_milestone",
        &s(&["4", "1"]),
        escrow
            .encode_typed("release_milestone", &(4u64, 1u8))
            .unwrap(),
    );
    same(
        &escrow,
        "rule",
        &s(&["4", "3000", "true", "None"]),
        escrow
            .encode_typed("rule", &(4u64, 3000u16, true, None::<[u8; 32]>))
            .unwrap(),
    );
    same(
        &escrow,
        "mark_delivered",
        &["4".into(), format!("Some({hx})")],
        escrow
            .encode_typed("mark_delivered", &(4u64, Some(h)))
            .unwrap(),
    );
    same(
        &escrow,
        "submit_evidence",
        &["4".into(), hx.clone()],
        escrow.encode_typed("submit_evidence", &(4u64, h)).unwrap(),
    );
    same(
        &escrow,
        "open_dispute",
        &["4".into(), hx.clone()],
        escrow.encode_typed("open_dispute", &(4u64, h)).unwrap(),
    );
    same(
        &escrow,
        "offers",
        &s(&["4", "100"]),
        escrow.encode_typed("offers", &(4u64, 100u32)).unwrap(),
    );
    same(
        &escrow,
        "deals",
        &s(&["1", "25"]),
        escrow.encode_typed("deals", &(1u64, 25u32)).unwrap(),
    );
    same(
        &escrow,
        "register_arbiter",
        &["500".into(), "7".into(), hx.clone()],
        escrow
            .encode_typed("register_arbiter", &(500u16, 7u128, h))
            .unwrap(),
    );
    same(
        &escrow,
        "arbiters",
        &s(&["2", "25"]),
        escrow.encode_typed("arbiters", &(2u32, 25u32)).unwrap(),
    );
    same(
        &escrow,
        "prune_deal",
        &s(&["4"]),
        escrow.encode_typed("prune_deal", &4u64).unwrap(),
    );
    same(
        &escrow,
        "retry_report",
        &s(&["4"]),
        escrow.encode_typed("retry_report", &4u64).unwrap(),
    );
    let settings = EscrowSettings {
        min_delivery_window: 1,
        min_review_window: 2,
        min_ruling_window: 3,
        prune_after: 4,
        report_ref_time: 5,
        report_proof_size: 6,
        report_deposit_limit: 7,
        requests_code: None,
        award_window: 8,
        fee_floor_bps: 9,
    };
    let settings_text = "EscrowSettings { min_delivery_window: 1, min_review_window: 2, \
                         min_ruling_window: 3, prune_after: 4, report_ref_time: 5, \
                         report_proof_size: 6, report_deposit_limit: 7, requests_code: None, \
                         award_window: 8, fee_floor_bps: 9 }";
    same(
        &escrow,
        "new",
        &[
            alice.into(),
            "100".into(),
            bob.into(),
            format!("Some({alice})"),
            settings_text.into(),
        ],
        escrow
            .encode_typed("new", &(a, 100u16, b, Some(a), settings))
            .unwrap(),
    );
    same(
        &reputation,
        "new",
        &s(&["600000", "1000", &format!("0x{}", hex::encode(h)), "50"]),
        reputation
            .encode_typed("new", &(600_000u64, 1_000u128, h, 50u16))
            .unwrap(),
    );
    same(
        &reputation,
        "create_escrow",
        &[
            "100".into(),
            bob.into(),
            settings_text.into(),
            format!("0x{}", hex::encode(h)),
        ],
        reputation
            .encode_typed("create_escrow", &(100u16, b, settings, h))
            .unwrap(),
    );
    same(
        &reputation,
        "count_withheld",
        &[alice.into(), "3".into()],
        reputation
            .encode_typed("count_withheld", &(a, 3u64))
            .unwrap(),
    );
    same(
        &escrow,
        "withdraw",
        &[],
        escrow.encode_typed("withdraw", &()).unwrap(),
    );
    same(
        &reputation,
        "rating_commitment",
        &[
            alice.into(),
            "3".into(),
            bob.into(),
            "5".into(),
            format!("Some({hx})"),
            hx.clone(),
        ],
        reputation
            .encode_typed("rating_commitment", &(a, 3u64, b, 5u8, Some(h), h))
            .unwrap(),
    );
    same(
        &reputation,
        "commit_rating",
        &[alice.into(), "3".into(), hx.clone()],
        reputation
            .encode_typed("commit_rating", &(a, 3u64, h))
            .unwrap(),
    );
    same(
        &reputation,
        "reveal_rating",
        &[
            alice.into(),
            "3".into(),
            "5".into(),
            "None".into(),
            hx.clone(),
        ],
        reputation
            .encode_typed("reveal_rating", &(a, 3u64, 5u8, None::<[u8; 32]>, h))
            .unwrap(),
    );

    // Return values: numbers written as strings by the client are numbers in the metadata view.
    fn canon(v: Value) -> Value {
        match v {
            Value::String(s) => s
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::String(s)),
            Value::Array(a) => Value::Array(a.into_iter().map(canon).collect()),
            Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, canon(v))).collect()),
            other => other,
        }
    }
    fn check<T: Encode + serde::Serialize>(codec: &ContractCodec, msg: &str, value: T) {
        let bytes = Ok::<_, LangError>(&value).encode();
        let decoded = codec.decode_message_return(msg, &bytes).unwrap();
        assert_eq!(
            canon(ink_to_json(&decoded, 42)),
            canon(serde_json::to_value(&value).unwrap()),
            "{msg}"
        );
    }
    let offer = Offer {
        id: 3,
        seller: b.into(),
        terms,
        version: 2,
        active: true,
        bond_stake: 14,
        created_at: 99,
        platform_fee_bps: 100,
        arbiter_fee_bps: 500,
    };
    check(&escrow, "offer", Some(offer.clone()));
    check(&escrow, "offers", vec![offer]);
    let deal = Deal {
        id: 1,
        offer_id: 3,
        offer_version: 2,
        buyer: a.into(),
        seller: b.into(),
        arbiter: [9; 32].into(),
        quantity: 4,
        unit_price: 11,
        amount: 44,
        released: 6,
        milestones: vec![Milestone {
            amount: 44,
            delivery_window: 15,
        }],
        milestone: 0,
        bond: 8,
        platform_fee_bps: 100,
        arbiter_fee_bps: 500,
        review_window: 12,
        ruling_window: 13,
        created_at: 14,
        delivery_deadline: 15,
        delivered_at: 16,
        review_deadline: 17,
        disputed_by: Party::Buyer,
        evidence: h,
        ruling_deadline: 18,
        proposed_by: Party::Seller,
        proposed_seller_bps: 19,
        state: DealState::DefaultRuled,
        closed_at: 20,
        payout: Payout {
            to_seller: 21,
            to_buyer: 22,
            platform_fee: 23,
            arbiter_fee: 24,
            bond_to_buyer: 25,
            bond_returned: 26,
        },
        report_pending: true,
        seller_failed: true,
        evidence_cited: [27, 28, 29],
    };
    check(&escrow, "deal", Some(deal.clone()));
    check(&escrow, "deals", vec![deal]);
    check(
        &escrow,
        "config",
        Config {
            owner: a.into(),
            fee_bps: 1,
            fee_recipient: b.into(),
            reputation: Some([5; 32].into()),
            requests: Some([6; 32].into()),
            settings,
            fees_due: 2,
            offer_count: 3,
            deal_count: 4,
            arbiter_count: 5,
            owed: 6,
        },
    );
    let arbiter = Arbiter {
        fee_bps: 500,
        min_amount: 9,
        profile: h,
        active: true,
        index: 3,
    };
    check(&escrow, "arbiter", Some(arbiter));
    // `(AccountId, Arbiter)`, with the account shown as SS58 like the metadata view does.
    #[derive(scale::Encode, serde::Serialize)]
    struct Entry(Address, Arbiter);
    check(&escrow, "arbiters", vec![Entry(a.into(), arbiter)]);
    check(&escrow, "credit_of", 77u128);
    let rep = AccountReputation {
        ratings_count: 1,
        rating_sum: 2,
        weighted_rating_sum: 3,
        rating_weight: 4,
        average_rating_centi: 5,
        weighted_average_centi: 6,
        deals_completed_as_buyer: 7,
        deals_completed_as_seller: 8,
        disputes_opened: 9,
        disputes_won: 10,
        disputes_lost: 11,
        disputes_answered: 15,
        disputes_answered_won: 16,
        disputes_answered_lost: 17,
        deals_as_seller: 18,
        deals_failed_as_seller: 19,
        volume: 20,
        arbitrations: 12,
        arbitrations_in_time: 13,
        ratings_withheld: 14,
    };
    check(&reputation, "reputation", rep);
    let record = DealRecord {
        buyer: a.into(),
        seller: b.into(),
        value: 5,
        outcome: DealOutcome::Ruled,
        ended_at: 6,
        buyer_commitment: Some(h),
        seller_commitment: None,
        buyer_score: Some(4),
        seller_score: None,
        rateable: true,
        withheld_counted: false,
    };
    check(&reputation, "deal_record", Some(record));

    // The requests contract: its terms encode as contract-transcode encodes them, and its
    // reads decode through the metadata to the same values.
    let requests = ContractCodec::load(contract_bundle("requests")).unwrap();
    let screening = Screening {
        min_deals: 2,
        min_rating_centi: 450,
        max_disputes_lost_bps: 2500,
        max_failed_bps: 1000,
        min_volume: 77,
        max_ratings_withheld: 1,
        allow: vec![b.into()],
        block: vec![[9; 32].into()],
    };
    let request_terms = RequestTerms {
        title: "t".into(),
        description: "d".into(),
        budget: 50,
        proposal_window: 1000,
        delivery_window: 2000,
        review_window: 3000,
        ruling_window: 4000,
        arbiters: vec![a.into()],
        screening: screening.clone(),
        auto_award: true,
    };
    let nine = format!("0x{}", hex::encode([9u8; 32]));
    same(
        &requests,
        "post_request",
        &[format!(
            "RequestTerms {{ title: \"t\", description: \"d\", budget: 50, proposal_window: 1000, \
             delivery_window: 2000, review_window: 3000, ruling_window: 4000, arbiters: [{alice}], \
             screening: Screening {{ min_deals: 2, min_rating_centi: 450, max_disputes_lost_bps: 2500, \
             max_failed_bps: 1000, min_volume: 77, \
             max_ratings_withheld: 1, allow: [{bob}], block: [{nine}] }}, auto_award: true }}"
        )],
        requests.encode_typed("post_request", &request_terms).unwrap(),
    );
    same(
        &requests,
        "propose",
        &[
            "4".into(),
            "5".into(),
            "6".into(),
            "[Milestone { amount: 5, delivery_window: 6 }]".into(),
            alice.into(),
            "700".into(),
            hx.clone(),
        ],
        requests
            .encode_typed(
                "propose",
                &(
                    4u64,
                    5u128,
                    6u64,
                    vec![Milestone {
                        amount: 5,
                        delivery_window: 6,
                    }],
                    a,
                    700u16,
                    h,
                ),
            )
            .unwrap(),
    );
    same(
        &requests,
        "award",
        &s(&["4", "2"]),
        requests.encode_typed("award", &(4u64, 2u32)).unwrap(),
    );
    same(
        &requests,
        "new",
        &[
            bob.into(),
            format!("Some({alice})"),
            "7".into(),
            "MinWindows { delivery: 1, review: 2, ruling: 3 }".into(),
        ],
        requests
            .encode_typed("new", &(b, Some(a), 7u64, (1u64, 2u64, 3u64)))
            .unwrap(),
    );
    same(
        &requests,
        "reject_proposal",
        &s(&["4", "2"]),
        requests
            .encode_typed("reject_proposal", &(4u64, 2u32))
            .unwrap(),
    );
    let request = Request {
        id: 4,
        poster: a.into(),
        terms: request_terms,
        posted_at: 1,
        proposal_deadline: 2,
        award_deadline: 3,
        state: RequestState::Awarded,
        proposal_count: 5,
        winner: Some(1),
        deal_id: Some(6),
        competing: vec![2, 3],
    };
    check(&requests, "request", Some(request.clone()));
    check(&requests, "requests", vec![request]);
    let proposal = Proposal {
        worker: b.into(),
        price: 40,
        delivery_window: 7,
        milestones: vec![Milestone {
            amount: 40,
            delivery_window: 7,
        }],
        arbiter: a.into(),
        arbiter_fee_bps: 300,
        message: h,
        submitted_at: 8,
        rating_centi: 9,
    };
    check(&requests, "proposal", Some(proposal));

    // Every contract error variant has an explanation.
    let error_variants = |name: &str| -> Vec<String> {
        let path = contract_bundle(name).with_extension("json");
        let meta: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let error = meta["types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| {
                let p = &t["type"]["path"];
                p[0] == name && p.as_array().unwrap().last().unwrap() == "Error"
            })
            .unwrap()
            .clone();
        error["type"]["def"]["variant"]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    for variant in error_variants("requests") {
        assert!(
            escrow_client::ops::explain::requests_error(&variant, &variant).is_some(),
            "requests error {variant} has no explanation"
        );
    }
    for (name, explain) in [
        (
            "escrow",
            escrow_client::ops::explain::escrow_error as fn(&str) -> Option<&'static str>,
        ),
        ("reputation", escrow_client::ops::explain::reputation_error),
    ] {
        for variant in error_variants(name) {
            assert!(
                explain(&variant).is_some(),
                "{name} error {variant} has no explanation"
            );
        }
    }
}

#[test]
fn a_deadline_exit_moves_an_idle_chain_clock_itself() {
    let env = Env::new();
    env.deploy();
    let created = env.offer("100", 1, "10", ["2s", "1h", "1h"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);

    // No transaction after the deadline: the last block still predates it, so `reclaim`
    // first makes a block (a remark) and then succeeds.
    std::thread::sleep(Duration::from_secs(3));
    let block = env.best_block();
    let reclaimed = env.ok(&["--as", FERDIE, "deal", "reclaim", &deal_id]);
    assert_eq!(state(&reclaimed), "Reclaimed");
    assert_eq!(
        env.best_block(),
        block + 2,
        "one remark block, one reclaim block"
    );
}

#[test]
fn a_reveal_after_the_commit_window_moves_an_idle_chain_clock_itself() {
    let env = Env::new();
    env.deploy_with_rating_window("8s");
    env.register_arbiter(DAVE, "500");
    let created = env.offer("100", 1, "0", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    let released = env.ok(&["--as", CHARLIE, "deal", "release", &deal_id]);
    let closed_at = released["deal"]["closed_at"].as_u64().unwrap();

    // Only the buyer commits: its reveal opens when the 8 s commit window ends.
    env.ok(&["--as", CHARLIE, "rate", "commit", &deal_id, "--score", "4"]);
    let early = env.fails(&["--as", CHARLIE, "rate", "reveal", &deal_id], 1);
    assert_eq!(early["contract_error"], "RevealTooEarly");

    // No transaction after the window: the last block still predates its end, so `reveal`
    // first makes a block (a remark) and then succeeds.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    std::thread::sleep(Duration::from_millis(
        (closed_at + 8_500).saturating_sub(now),
    ));
    let block = env.best_block();
    let revealed = env.ok(&["--as", CHARLIE, "rate", "reveal", &deal_id]);
    assert_eq!(revealed["record"]["buyer_score"], 4, "{revealed}");
    assert_eq!(
        env.best_block(),
        block + 2,
        "one remark block, one reveal block"
    );
}

#[test]
fn arbiters_register_update_retire_and_are_listed() {
    let env = Env::new();
    env.deploy_only();
    assert!(env.ok(&["arbiter", "list"])["arbiters"]
        .as_array()
        .unwrap()
        .is_empty());

    let registered = env.ok(&[
        "--as",
        DAVE,
        "arbiter",
        "register",
        "--fee-bps",
        "300",
        "--min-amount",
        "5",
        "--profile",
        "Dave rules within a day",
    ]);
    assert_eq!(event_names(&registered["tx"]), ["ArbiterChanged"]);
    let a = &registered["arbiter"];
    assert_eq!(a["fee_bps"], 300);
    assert_eq!(plancks(&a["min_amount"]), 5 * UNIT);
    assert_eq!(a["active"], true);
    let profile = a["profile"].as_str().unwrap().to_string();
    assert_eq!(profile.len(), 66);

    // Above the 20% cap: refused before anything is sent.
    let err = env.fails(
        &["--as", FERDIE, "arbiter", "register", "--fee-bps", "2001"],
        2,
    );
    assert!(err["error"].as_str().unwrap().contains("at most 2000"));

    // Update: only what is given changes; an unregistered account cannot update.
    let updated = env.ok(&["--as", DAVE, "arbiter", "update", "--fee-bps", "400"]);
    assert_eq!(updated["arbiter"]["fee_bps"], 400);
    assert_eq!(plancks(&updated["arbiter"]["min_amount"]), 5 * UNIT);
    assert_eq!(updated["arbiter"]["profile"], profile.as_str());
    let err = env.fails(&["--as", EVE, "arbiter", "update", "--fee-bps", "100"], 2);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("not a registered arbiter"),
        "{err}"
    );

    env.register_arbiter(FERDIE, "0");
    let shown = env.ok(&["arbiter", "show", DAVE]);
    assert_eq!(shown["arbiter"]["fee_bps"], 400);
    assert!(shown.get("tx").is_none());
    let listed = env.ok(&["arbiter", "list"]);
    let list = listed["arbiters"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["fee_bps"], 400, "in order of registration");
    assert_eq!(list[1]["fee_bps"], 0);

    // An offer records the arbiter's fee; the seller's terms cannot name another.
    let offer = env.offer("100", 1, "0", ["3d", "2d", "1d"]);
    assert_eq!(offer["offer"]["arbiter_fee_bps"], 400);
    assert_eq!(offer["offer"]["platform_fee_bps"], 100);
    let err = env.fails(
        &[
            "--as",
            BOB,
            "offer",
            "create",
            "--title",
            "x",
            "--price",
            "1",
            "--arbiter",
            DAVE,
            "--arbiter-fee-bps",
            "500",
        ],
        2,
    );
    assert!(err["error"].as_str().unwrap().contains("--arbiter-fee-bps"));

    // A deal below the arbiter's minimum is refused.
    let small = env.offer("1", 1, "0", ["3d", "2d", "1d"]);
    let small_id = id(&small["offer"]["id"]);
    let err = env.fails(&["--as", CHARLIE, "deal", "accept", &small_id], 1);
    assert_eq!(err["contract_error"], "BelowArbiterMinimum");

    // Retired: shown as inactive, listed, no longer nameable; retiring twice is refused.
    let retired = env.ok(&["--as", DAVE, "arbiter", "retire"]);
    assert_eq!(retired["arbiter"]["active"], false);
    assert_eq!(event_names(&retired["tx"]), ["ArbiterChanged"]);
    assert_eq!(
        env.ok(&["arbiter", "show", DAVE])["arbiter"]["active"],
        false
    );
    let active = env.ok(&["arbiter", "list", "--active"]);
    assert_eq!(active["arbiters"].as_array().unwrap().len(), 1);
    let err = env.fails(&["--as", DAVE, "arbiter", "retire"], 1);
    assert_eq!(err["contract_error"], "ArbiterNotRegistered");
    let err = env.fails(
        &[
            "--as",
            BOB,
            "offer",
            "create",
            "--title",
            "x",
            "--price",
            "1",
            "--arbiter",
            DAVE,
        ],
        1,
    );
    assert_eq!(err["contract_error"], "ArbiterNotRegistered");
    // Registering again re-activates.
    let back = env.register_arbiter(DAVE, "200");
    assert_eq!(back["arbiter"]["active"], true);
    assert_eq!(
        env.ok(&["arbiter", "list"])["arbiters"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Text output: one line per arbiter.
    let text = env.text(&["arbiter", "list"]);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("[active] fee 200 bps"), "{text}");
    let err = env.fails(&["arbiter", "show", EVE], 2);
    assert!(err["error"]
        .as_str()
        .unwrap()
        .contains("not a registered arbiter"));
}

#[test]
fn an_offer_screens_its_buyers_and_a_refused_one_is_told_the_rule() {
    let env = Env::new();
    env.deploy();
    let created = env.ok(&[
        "--as",
        BOB,
        "offer",
        "create",
        "--title",
        "Lens",
        "--price",
        "10",
        "--quantity",
        "2",
        "--arbiter",
        DAVE,
        "--block",
        CHARLIE,
        "--min-deals",
        "1",
    ]);
    let offer = id(&created["offer"]["id"]);
    let screening = &created["offer"]["terms"]["screening"];
    assert_eq!(screening["min_deals"], 1);
    assert_eq!(
        screening["block"][0],
        env.ok(&["balance", CHARLIE])["account"]
    );

    // Blocked first, then a newcomer below the deal count: each refusal names its rule,
    // costs no fee and leaves the offer as it was.
    let charlie = env.free(CHARLIE);
    let err = env.fails(&["--as", CHARLIE, "deal", "accept", &offer], 1);
    assert_eq!(err["contract_error"], "Screened");
    assert!(
        err["error"].as_str().unwrap().contains("on the block list"),
        "{err}"
    );
    assert_eq!(env.free(CHARLIE), charlie);
    let err = env.fails(&["--as", FERDIE, "deal", "accept", &offer], 1);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("fewer deals completed"),
        "{err}"
    );
    assert_eq!(
        env.ok(&["offer", "show", &offer])["offer"]["terms"]["quantity"],
        2
    );

    // An unscreened offer takes anyone; more than 8 listed accounts is bad input.
    let open = env.offer("10", 1, "0", ["3d", "2d", "1d"]);
    assert!(open["offer"]["terms"]["screening"]["block"]
        .as_array()
        .unwrap()
        .is_empty());
    let deal = env.ok(&["--as", FERDIE, "deal", "accept", &id(&open["offer"]["id"])]);
    assert_eq!(deal["deal"]["state"], "Funded");
    let mut args = vec![
        "--as",
        BOB,
        "offer",
        "create",
        "--title",
        "x",
        "--price",
        "1",
        "--arbiter",
        DAVE,
    ];
    for _ in 0..9 {
        args.extend(["--allow", FERDIE]);
    }
    let err = env.fails(&args, 2);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("--allow names 9 accounts"),
        "{err}"
    );
}

#[test]
fn an_offer_naming_an_unregistered_arbiter_is_refused() {
    let env = Env::new();
    env.deploy_only();
    let block = env.best_block();
    let bob0 = env.free(BOB);
    let out = env
        .cmd(&[
            "--as",
            BOB,
            "offer",
            "create",
            "--title",
            "Road bike",
            "--price",
            "120",
            "--arbiter",
            FERDIE,
        ])
        .args(["--output", "text"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].contains("ArbiterNotRegistered"), "{stderr}");
    assert!(
        lines[0].contains("not a registered, active arbiter"),
        "{stderr}"
    );
    let json = env.fails(
        &[
            "--as",
            BOB,
            "offer",
            "create",
            "--title",
            "x",
            "--price",
            "1",
            "--arbiter",
            FERDIE,
        ],
        1,
    );
    assert_eq!(json["contract_error"], "ArbiterNotRegistered");
    assert_eq!(env.best_block(), block, "nothing was sent");
    assert_eq!(env.free(BOB), bob0, "no fee was spent");
}

#[test]
fn the_buyer_prunes_an_ended_deal_after_the_rating_period_and_gets_the_deposit_back() {
    let env = Env::new();
    // A 10 s rating window: deals are prunable 20 s after they end.
    env.ok(&[
        "deploy",
        "--fee-recipient",
        EVE,
        "--rating-window",
        "10s",
        "--min-delivery-window",
        "1ms",
        "--min-review-window",
        "1ms",
        "--min-ruling-window",
        "1ms",
    ]);
    env.register_arbiter(DAVE, "500");
    let config = env.ok(&["config"]);
    assert_eq!(config["settings"]["prune_after"], 20_000);

    let created = env.offer("100", 1, "0", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    let deposit: i128 = accepted["tx"]["storage_deposit_paid"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(deposit > 0, "the buyer paid the deal's storage deposit");

    // Not before it ended.
    let open = env.fails(&["--as", CHARLIE, "deal", "prune", &deal_id], 1);
    assert_eq!(open["contract_error"], "InvalidState");
    let released = env.ok(&["--as", CHARLIE, "deal", "release", &deal_id]);
    assert_eq!(state(&released), "Completed");
    let closed_at = released["deal"]["closed_at"].as_u64().unwrap();
    assert!(closed_at > 0);

    // Both commit (in the 10 s commit window).
    env.ok(&["--as", CHARLIE, "rate", "commit", &deal_id, "--score", "2"]);
    env.ok(&["--as", BOB, "rate", "commit", &deal_id, "--score", "5"]);

    // Too early, and only the buyer may prune.
    let early = env.fails(&["--as", CHARLIE, "deal", "prune", &deal_id], 1);
    assert_eq!(early["contract_error"], "TooEarly");
    let early = env.fails(&["--as", FERDIE, "rate", "count-withheld", &deal_id], 1);
    assert_eq!(early["contract_error"], "RevealWindowOpen");
    let seller = env.fails(&["--as", BOB, "deal", "prune", &deal_id], 1);
    assert_eq!(seller["contract_error"], "NotBuyer");

    // Only the buyer reveals: the seller's rating is withheld.
    env.ok(&["--as", CHARLIE, "rate", "reveal", &deal_id]);
    let shown = env.ok(&["deal", "show", &deal_id]);
    assert_eq!(shown["deadlines"][0]["name"], "prune");
    assert_eq!(shown["deadlines"][0]["at"], closed_at + 20_000);

    let wait = (closed_at + 20_500).saturating_sub(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64,
    );
    std::thread::sleep(Duration::from_millis(wait));
    make_block(&env);
    let counted = env.ok(&["--as", FERDIE, "rate", "count-withheld", &deal_id]);
    assert_eq!(counted["counted"], 1);
    assert_eq!(event_names(&counted["tx"]), ["RatingsWithheld"]);
    let bob_rep = env.ok(&["reputation", BOB]);
    assert_eq!(bob_rep["reputation"]["ratings_withheld"], 1);
    assert_eq!(
        env.ok(&["reputation", CHARLIE])["reputation"]["ratings_withheld"],
        0
    );
    let again = env.fails(&["--as", FERDIE, "rate", "count-withheld", &deal_id], 1);
    assert_eq!(again["contract_error"], "AlreadyCounted");

    let charlie0 = env.free(CHARLIE);
    let pruned = env.ok(&["--as", CHARLIE, "deal", "prune", &deal_id]);
    assert_eq!(event_names(&pruned["tx"]), ["DealPruned"]);
    let returned: i128 = pruned["tx"]["storage_deposit_paid"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // The deposit the buyer paid at acceptance comes back (but for the chain's rounding of a
    // share of the contract's deposit).
    assert!(
        (returned + deposit).abs() <= 1_000,
        "the deal's deposit came back: paid {deposit}, got {}",
        -returned
    );
    let charlie1 = env.free(CHARLIE);
    let fee = plancks(&pruned["tx"]["fee_paid"]) as i128;
    assert_eq!(delta(charlie0, charlie1), -returned - fee);
    assert!(
        charlie1 > charlie0,
        "the deposit is worth more than the fee"
    );

    // Gone: not shown, not listed.
    let err = env.fails(&["deal", "show", &deal_id], 2);
    assert!(err["error"].as_str().unwrap().contains("unknown deal"));
    let mine = env.ok(&["--as", CHARLIE, "deal", "list", "--mine"]);
    assert!(mine["deals"].as_array().unwrap().is_empty());
    let err = env.fails(&["--as", CHARLIE, "deal", "retry-report", "0"], 2);
    assert!(err["error"].as_str().unwrap().contains("unknown deal"));
}

#[test]
fn deploy_with_defaults_refuses_nothing_and_shows_its_settings() {
    let env = Env::new();
    let deployed = env.ok(&["deploy"]);
    let s = &deployed["settings"];
    assert_eq!(s["min_delivery_window"], 3_600_000);
    assert_eq!(s["min_review_window"], 86_400_000);
    assert_eq!(s["min_ruling_window"], 86_400_000);
    assert_eq!(s["prune_after"], 14 * 86_400_000u64);
    assert_eq!(s["report_ref_time"], 20_000_000_000u64);
    assert_eq!(s["report_proof_size"], 1_000_000);
    assert_eq!(plancks(&s["report_deposit_limit"]), UNIT);
    assert_eq!(deployed["fee_bps"], 100);
    assert_eq!(plancks(&deployed["min_rated_amount"]), UNIT);

    // The same, read back from the chain.
    let config = env.ok(&["config"]);
    assert_eq!(&config["settings"], s);
    assert_eq!(config["rating_window_ms"], 7 * 86_400_000u64);
    assert_eq!(plancks(&config["min_rated_amount"]), UNIT);
    assert_eq!(config["offer_count"], 0);
    assert_eq!(config["arbiter_count"], 0);
    let text = env.text(&["config"]);
    assert!(
        text.contains("minimum windows: delivery 1h, review 1d, ruling 1d"),
        "{text}"
    );

    // Real-world windows pass; shorter than the minimums is refused with the reason.
    env.register_arbiter(DAVE, "500");
    let ok = env.offer("100", 1, "10", ["3d", "2d", "1d"]);
    assert_eq!(ok["offer"]["terms"]["delivery_window"], 3 * 86_400_000u64);
    let short = env
        .cmd(&[
            "--as",
            BOB,
            "offer",
            "create",
            "--title",
            "x",
            "--price",
            "1",
            "--arbiter",
            DAVE,
            "--delivery-window",
            "10m",
        ])
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(1));
    let err = common::error_json(&String::from_utf8_lossy(&short.stderr), 1);
    assert_eq!(err["contract_error"], "InvalidWindow");
    assert!(err["error"]
        .as_str()
        .unwrap()
        .contains("shorter than this escrow's minimum"));
    assert_eq!(config["fee_bps"], 100);
}

#[test]
fn dry_run_prints_what_a_write_would_do_and_sends_nothing() {
    let env = Env::new();
    let (alice0, block0) = (env.free(ALICE), env.best_block());
    let deploy = env.ok(&["--dry-run", "deploy"]);
    assert_eq!(deploy["type"], "dry_run", "{deploy}");
    assert_eq!(deploy["call"], "reputation.new");
    // The escrow is created through the reputation contract once it exists: the dry run names
    // the uploads and that call.
    let notes = deploy["notes"].to_string();
    assert!(
        notes.contains("uploads the escrow code") && notes.contains("reputation.create_escrow"),
        "{deploy}"
    );
    assert!(plancks(&deploy["storage_deposit"]) > 0, "{deploy}");
    assert_eq!(env.best_block(), block0, "deploy --dry-run sent nothing");
    assert_eq!(env.free(ALICE), alice0);
    assert!(
        !env.deployment_file().exists(),
        "no deployment was recorded"
    );

    env.deploy();
    let created = env.offer("100", 2, "1", ["3d", "2d", "1d"]);
    let offer_id = id(&created["offer"]["id"]);
    let (block, bob0, charlie0) = (env.best_block(), env.free(BOB), env.free(CHARLIE));

    let create = env.ok(&[
        "--dry-run",
        "--as",
        BOB,
        "offer",
        "create",
        "--title",
        "Lamp",
        "--price",
        "5",
        "--arbiter",
        DAVE,
        "--bond-per-unit",
        "1",
    ]);
    assert_eq!(create["call"], "escrow.create_offer", "{create}");
    assert_eq!(plancks(&create["value"]), UNIT, "the bond would be sent");
    assert_eq!(create["result"], 1, "it would be offer 1: {create}");

    let accept = env.ok(&["--dry-run", "--as", CHARLIE, "deal", "accept", &offer_id]);
    assert_eq!(accept["call"], "escrow.accept_offer", "{accept}");
    assert_eq!(plancks(&accept["value"]), 100 * UNIT);
    assert!(accept["gas_required"]["ref_time"].as_u64().unwrap() > 0);
    assert!(plancks(&accept["fee_estimate"]) > 0);

    let fund = env.ok(&["--dry-run", "account", "fund", FERDIE, "--amount", "7"]);
    assert_eq!(fund["call"], "Balances.transfer_keep_alive", "{fund}");
    assert_eq!(plancks(&fund["value"]), 7 * UNIT);

    // A write the contract would refuse is still a refusal under --dry-run.
    let refused = env.fails(
        &[
            "--dry-run",
            "--as",
            CHARLIE,
            "offer",
            "update",
            &offer_id,
            "--price",
            "1",
        ],
        1,
    );
    assert_eq!(refused["contract_error"], "NotSeller", "{refused}");

    assert_eq!(env.best_block(), block, "nothing was submitted");
    assert_eq!((env.free(BOB), env.free(CHARLIE)), (bob0, charlie0));
    let offers = env.ok(&["offer", "list", "--all"]);
    assert_eq!(offers["offers"].as_array().unwrap().len(), 1, "{offers}");
    let deals = env.ok(&["deal", "list", "--account", CHARLIE]);
    assert_eq!(deals["deals"].as_array().unwrap().len(), 0, "{deals}");

    // Text output says so.
    let out = Command::cargo_bin("escrow")
        .unwrap()
        .env("ESCROW_HOME", env.home.path())
        .args(["--url", &env.node.url(), "--dry-run", "--as", CHARLIE])
        .args(["deal", "accept", &offer_id])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("dry run only, nothing was sent:"),
        "{text}"
    );
    assert!(text.contains("escrow.accept_offer"), "{text}");
}

/// `offer list` starts from nothing with one bulk read of the contracts' storage (their
/// child tries, at the finalized block) and then follows blocks; a rebuilt store holds
/// exactly what the followed one does.
#[test]
fn a_store_rebuilt_from_the_contracts_storage_equals_the_followed_one() {
    let env = Env::new();
    env.deploy();
    let windows = ["3d", "2d", "1d"];
    let first = env.offer("100", 3, "10", windows)["offer"]["id"].to_string();
    env.offer("50", 1, "0", windows);
    let cold = env.ok(&["offer", "list", "--all"]);
    assert_eq!(cold["index"]["cold"], true, "{cold}");
    assert_eq!(cold["offers"].as_array().unwrap().len(), 2, "{cold}");

    // Changes after the cold read: an update, a withdrawal, a new offer, a deal.
    env.ok(&["--as", BOB, "offer", "update", &first, "--price", "90"]);
    env.offer("70", 2, "0", windows);
    env.ok(&["--as", CHARLIE, "deal", "accept", &first]);
    let followed = env.ok(&["offer", "list", "--all"]);
    assert_eq!(followed["index"]["cold"], false, "{followed}");
    assert!(
        followed["index"]["applied"].as_u64().unwrap() >= 3,
        "the blocks since: {followed}"
    );
    let offers = followed["offers"].as_array().unwrap();
    assert_eq!(offers.len(), 3, "{followed}");
    assert_eq!(offers[0]["terms"]["price"], "90000000000000", "{followed}");
    assert_eq!(
        offers[0]["terms"]["quantity"], 2,
        "one unit sold: {followed}"
    );

    std::fs::remove_dir_all(env.home.path().join("store")).unwrap();
    let rebuilt = env.ok(&["offer", "list", "--all"]);
    assert_eq!(rebuilt["index"]["cold"], true, "{rebuilt}");
    assert_eq!(rebuilt["offers"], followed["offers"]);
}

/// Calls decode with the metadata of the code the deployment runs, kept when it was deployed,
/// not with whatever bundles the client carries now: swapped bundles change nothing. Without
/// that metadata the client refuses before any decode, naming the contract and its code hash.
#[test]
fn a_deployment_decodes_with_the_metadata_of_its_code_not_the_bundles_at_hand() {
    let env = Env::new();
    env.deploy();
    env.offer("100", 1, "0", ["3d", "2d", "1d"]);
    // The escrow's bundle swapped for another contract's: same name, different code.
    let bundle = escrow_client::node_config::contract_bundle;
    let (floor, reputation, requests) = (bundle("floor"), bundle("reputation"), bundle("requests"));
    let swapped = tempfile::tempdir().unwrap();
    for (name, from) in [
        ("escrow", &floor),
        ("reputation", &reputation),
        ("requests", &requests),
    ] {
        let dir = swapped.path().join(name);
        std::fs::create_dir_all(dir.clone()).unwrap();
        std::fs::copy(from, dir.join(format!("{name}.contract"))).unwrap();
    }
    let with_swapped = |args: &[&str]| {
        let mut cmd = env.cmd(args);
        cmd.env("ESCROW_CONTRACTS_DIR", swapped.path());
        cmd
    };
    let listed = succeeds(with_swapped(&["offer", "list"]), &["offer", "list"]);
    assert_eq!(listed["offers"].as_array().unwrap().len(), 1);

    // Without the kept metadata, the swapped bundle is not taken for the escrow's.
    std::fs::remove_dir_all(env.home.path().join("metadata")).unwrap();
    let err = fails_with(with_swapped(&["offer", "list"]), &["offer", "list"], 1);
    let text = err["error"].as_str().unwrap();
    let escrow = env.ok(&["deployment", "list"])["deployments"][0]["escrow"].clone();
    assert!(
        text.starts_with(&format!(
            "the escrow contract at {} runs code 0x",
            escrow.as_str().unwrap()
        )) && text.contains("this client has no metadata for it"),
        "{text}"
    );
    assert_eq!(err["kind"], "deployment");
    // With the right bundles the same command works (and keeps the metadata again).
    assert_eq!(
        env.ok(&["offer", "list"])["offers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(env.home.path().join("metadata").is_dir());
}

/// `cargo install --path client` copies the binary somewhere else; from an empty directory,
/// without ESCROW_CONTRACTS_DIR or a node-config/ to find, it still runs the whole demo: the
/// node settings and the bundles are built in.
#[test]
fn the_installed_binary_runs_the_demo_from_an_empty_directory() {
    let installed = tempfile::tempdir().unwrap();
    let binary = installed.path().join("escrow");
    std::fs::copy(env!("CARGO_BIN_EXE_escrow"), &binary).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(&binary)
        .current_dir(empty.path())
        .env_remove("ESCROW_CONTRACTS_DIR")
        .env_remove("ESCROW_NODE_CONFIG")
        .env_remove("ESCROW_URL")
        .env("ESCROW_HOME", home.path())
        // No default bundle directory either: what it deploys must be built in.
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .args(["--output", "json", "demo"])
        .output()
        .unwrap();
    demo_result(&out);
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "nothing written to the working directory"
    );
}

/// `--wait finalized` returns only once the transaction's block is finalized (the dev node
/// finalizes a second later); the Development default returns at the best block.
#[test]
fn wait_finalized_returns_a_finalized_block_and_in_block_does_not_wait_for_it() {
    let env = Env::new();
    env.deploy();
    let number_of = |hash: &str| {
        let header = env
            .node
            .rpc("chain_getHeader", serde_json::json!([hash]))
            .unwrap();
        u64::from_str_radix(
            header["number"].as_str().unwrap().trim_start_matches("0x"),
            16,
        )
        .unwrap()
    };
    let finalized_number = || {
        let head = env
            .node
            .rpc("chain_getFinalizedHead", serde_json::json!([]))
            .unwrap();
        number_of(head.as_str().unwrap())
    };
    let quick = env.ok(&["--as", BOB, "arbiter", "register", "--fee-bps", "300"]);
    assert_eq!(quick["tx"]["finalized"], false, "{quick}");

    let sure = env.ok(&[
        "--wait",
        "finalized",
        "--as",
        BOB,
        "arbiter",
        "update",
        "--fee-bps",
        "200",
    ]);
    assert_eq!(sure["tx"]["finalized"], true, "{sure}");
    let block = number_of(sure["tx"]["block_hash"].as_str().unwrap());
    assert!(finalized_number() >= block, "block {block} is finalized");
}

/// Signed plancks (`"-100100000000000"`) from the JSON output; `null` counts as zero.
fn signed_plancks(v: &Value) -> i128 {
    match v {
        Value::Null => 0,
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("not plancks: {v}")),
        other => panic!("not plancks: {other}"),
    }
}

/// `escrow demo` reports each party's balance change. Every step's change, the running total
/// and the net per party must equal a model built from what the steps say moved: the actor's
/// fee, storage deposit and value sent, the payouts of closed deals and the fee recipient's
/// withdrawal. The payouts themselves are checked against the deal terms (price 100, bond 10,
/// 1% platform fee, 5% arbiter fee, 30% to the seller in the ruling).
#[test]
fn the_demo_reports_each_partys_balance_change() {
    require_bundles();
    let home = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("escrow")
        .unwrap()
        .env("ESCROW_HOME", home.path())
        .env_remove("ESCROW_URL")
        .env_remove("ESCROW_SURI")
        .timeout(Duration::from_secs(300))
        .args(["--output", "json", "demo"])
        .output()
        .unwrap();
    let demo = demo_result(&out);
    assert_eq!(demo["node_kept"], false, "{demo}");

    let parties = [BOB, CHARLIE, DAVE, EVE];
    let party = |who: &str| parties.iter().position(|p| *p == who);
    let (seller, buyer, arbiter, fee_recipient) = (0, 1, 2, 3);
    let mut total = [0i128; 4];
    // What each party paid in fees and storage deposits, over the whole demo.
    let mut costs = [0i128; 4];
    let mut payouts = Vec::new();
    let mut sent = Vec::new();
    let mut withdrawn = 0;
    let mut refunded = Vec::new();
    let steps = demo["steps"].as_array().unwrap();
    for step in steps {
        let mut expected = [0i128; 4];
        let actor = step["actor"].as_str().unwrap();
        match party(actor) {
            Some(i) => {
                let cost = signed_plancks(&step["fee_paid"])
                    + signed_plancks(&step["storage_deposit_paid"]);
                costs[i] += cost;
                expected[i] -= cost + signed_plancks(&step["sent"]);
                if !step["sent"].is_null() {
                    sent.push((step["step"].as_str().unwrap(), plancks(&step["sent"])));
                }
                if !step["withdrawn"].is_null() {
                    withdrawn = plancks(&step["withdrawn"]);
                    expected[i] += withdrawn as i128;
                }
                if !step["refunded"].is_null() {
                    refunded.push((step["step"].as_str().unwrap(), plancks(&step["refunded"])));
                    expected[i] += plancks(&step["refunded"]) as i128;
                }
            }
            None => assert!(actor == ALICE || actor == "-", "{step}"),
        }
        let p = &step["payout"];
        if !p.is_null() {
            expected[seller] += (plancks(&p["to_seller"]) + plancks(&p["bond_returned"])) as i128;
            expected[buyer] += (plancks(&p["to_buyer"]) + plancks(&p["bond_to_buyer"])) as i128;
            expected[arbiter] += plancks(&p["arbiter_fee"]) as i128;
            payouts.push(p.clone());
        }
        let lines = step["balances"].as_array().unwrap();
        assert_eq!(lines.len(), 4, "{step}");
        for (i, line) in lines.iter().enumerate() {
            assert!(
                line["who"].as_str().unwrap().ends_with(parties[i]),
                "{line}"
            );
            total[i] += expected[i];
            assert_eq!(
                signed_plancks(&line["step_change"]),
                expected[i],
                "{} in step {step}",
                parties[i]
            );
            assert_eq!(
                signed_plancks(&line["change"]),
                total[i],
                "{} in step {step}",
                parties[i]
            );
        }
    }

    // What moved, from the deal terms.
    assert_eq!(
        sent,
        [
            ("offer create", 3 * 10 * UNIT),
            ("deal accept", 100 * UNIT),
            ("deal accept", 100 * UNIT),
            ("request create", 60 * UNIT)
        ]
    );
    // The request's award took //Bob's 45 of the 60 budget and gave //Charlie the rest.
    assert_eq!(refunded, [("request award", 15 * UNIT)]);
    assert_eq!(
        payouts.len(),
        4,
        "a release, a ruling and the request's two milestones"
    );
    let (released, ruled) = (&payouts[0], &payouts[1]);
    // The request's deal pays 20 then 25, each less the 1% platform fee.
    for (milestone, step) in [(&payouts[2], 20 * UNIT), (&payouts[3], 25 * UNIT)] {
        assert_eq!(plancks(&milestone["to_seller"]), step - step / 100);
        assert_eq!(plancks(&milestone["platform_fee"]), step / 100);
        assert_eq!(plancks(&milestone["to_buyer"]), 0);
    }
    assert_eq!(plancks(&released["to_seller"]), 99 * UNIT);
    assert_eq!(plancks(&released["platform_fee"]), UNIT);
    assert_eq!(plancks(&released["to_buyer"]), 0);
    assert_eq!(plancks(&released["bond_to_buyer"]), 0);
    assert_eq!(plancks(&released["bond_returned"]), 10 * UNIT);
    // 5% arbiter fee off the top, 30% of the rest to the seller minus 1% platform fee; the
    // seller never delivered, so the buyer gets the bond.
    let seller_gross = 95 * UNIT * 3 / 10;
    assert_eq!(plancks(&ruled["arbiter_fee"]), 5 * UNIT);
    assert_eq!(
        plancks(&ruled["to_seller"]),
        seller_gross - seller_gross / 100
    );
    assert_eq!(plancks(&ruled["to_buyer"]), 95 * UNIT - seller_gross);
    assert_eq!(plancks(&ruled["bond_to_buyer"]), 10 * UNIT);
    assert_eq!(withdrawn, UNIT + seller_gross / 100 + 45 * UNIT / 100);

    // The net change per party, as a model of the three deals.
    let net = demo["net_changes"].as_array().unwrap();
    assert_eq!(net.len(), 4);
    let change = |i: usize| {
        let n = &net[i];
        assert!(n["who"].as_str().unwrap().ends_with(parties[i]), "{n}");
        assert_eq!(
            plancks(&n["end"]) as i128 - plancks(&n["start"]) as i128,
            signed_plancks(&n["change"]),
            "{n}"
        );
        signed_plancks(&n["change"])
    };
    let u = |plancks: u128| plancks as i128;
    // The seller staked 30 for three units: the released deal's bond came back, the ruled
    // one went to the buyer, the unsold unit's stays staked.
    assert_eq!(
        change(seller),
        u(99 * UNIT) + u(seller_gross - seller_gross / 100) - u(30 * UNIT)
            + u(10 * UNIT)
            + u(45 * UNIT - 45 * UNIT / 100)
            - costs[seller]
    );
    assert_eq!(
        change(buyer),
        -u(200 * UNIT) + u(95 * UNIT - seller_gross) + u(10 * UNIT) - u(45 * UNIT) - costs[buyer]
    );
    assert_eq!(change(arbiter), u(5 * UNIT) - costs[arbiter]);
    assert_eq!(
        change(fee_recipient),
        u(UNIT + seller_gross / 100 + 45 * UNIT / 100) - costs[fee_recipient]
    );
    for (i, t) in total.iter().enumerate() {
        assert_eq!(change(i), *t, "{}", parties[i]);
    }
}

/// `escrow demo --keep` leaves the node and the explorer running, with the demo's deals on
/// show, until SIGINT; then it stops both and exits 0.
#[test]
fn demo_keep_serves_the_explorer_until_stopped() {
    use std::io::BufRead;
    use std::sync::mpsc;

    /// Stops the demo if the test fails: SIGTERM first, so that it stops its node.
    struct Running(std::process::Child);
    impl Drop for Running {
        fn drop(&mut self) {
            if matches!(self.0.try_wait(), Ok(None)) {
                unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
                let deadline = Instant::now() + Duration::from_secs(15);
                while Instant::now() < deadline && matches!(self.0.try_wait(), Ok(None)) {
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
    }

    require_bundles();
    let home = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_escrow"))
        .env("ESCROW_HOME", home.path())
        .env_remove("ESCROW_URL")
        .env_remove("ESCROW_SURI")
        .args(["--output", "json", "demo", "--keep", "--explorer-port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut running = Running(child);
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if lines_tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });

    // The demo's result (a JSON document), then one line when the explorer listens.
    let mut before = String::new();
    let ready: Value = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(300))
            .unwrap_or_else(|e| panic!("no explorer_ready line ({e}); so far:\n{before}"));
        match serde_json::from_str::<Value>(&line) {
            Ok(v) if v["type"] == "explorer_ready" => break v,
            _ => {
                before.push_str(&line);
                before.push('\n');
            }
        }
    };
    let demo: Value = serde_json::from_str(&before).unwrap();
    assert_eq!(demo["type"], "demo", "{demo}");
    assert_eq!(demo["node_kept"], true, "{demo}");
    let explorer = ready["url"].as_str().unwrap().trim_end_matches('/');
    let node_url = ready["node"].as_str().unwrap();
    assert_eq!(node_url, demo["url"].as_str().unwrap());
    let node_port: u16 = node_url.rsplit(':').next().unwrap().parse().unwrap();
    let explorer_port: u16 = explorer.rsplit(':').next().unwrap().parse().unwrap();

    let get = |path: &str| -> Value {
        ureq::get(&format!("{explorer}{path}"))
            .timeout(Duration::from_secs(60))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .into_json()
            .unwrap()
    };
    let status = get("/api/status");
    assert_eq!(status["connected"], true, "{status}");
    // The demo's three deals, as it left them: one completed, one ruled, and the task
    // request's completed in two milestones, with their payouts.
    let payouts: Vec<&Value> = demo["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["payout"].is_null())
        .map(|s| &s["payout"])
        .collect();
    assert_eq!(payouts.len(), 4);
    for (id, state) in [(0, "Completed"), (1, "Ruled")] {
        let page = get(&format!("/api/deals/{id}"));
        assert_eq!(page["deal"]["state"], state, "{page}");
        assert_eq!(&page["deal"]["payout"], payouts[id], "{page}");
    }
    let page = get("/api/deals/2");
    assert_eq!(page["deal"]["state"], "Completed", "{page}");
    assert_eq!(page["deal"]["milestone"], 1, "{page}");
    let to_seller = |p: &Value| p["to_seller"].as_str().unwrap().parse::<u128>().unwrap();
    assert_eq!(
        to_seller(&page["deal"]["payout"]),
        to_seller(payouts[2]) + to_seller(payouts[3]),
        "{page}"
    );
    let offers = get("/api/offers");
    assert_eq!(
        offers["offers"][0]["terms"]["title"], "Vintage camera",
        "{offers}"
    );

    let pid = running.0.id() as i32;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = running.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running 15 s after SIGINT");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status:?}");
    // It says what it stopped: the explorer, then the node.
    let said: Vec<String> = lines
        .iter()
        .map(|line| serde_json::from_str::<Value>(&line).unwrap()["type"].to_string())
        .collect();
    assert_eq!(said, ["\"explorer_stopped\"", "\"node_stopped\""]);
    for port in [node_port, explorer_port] {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still open"
        );
    }
}

/// The result of a successful `escrow --output json demo` run.
fn demo_result(out: &std::process::Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let demo: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(demo["type"], "demo", "{demo}");
    demo
}
