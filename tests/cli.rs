//! End-to-end tests of the `escrow` CLI against a real substrate-contracts-node started per test.
//!
//! Needs the node (`bash node-config/setup`) and the contract bundles
//! ($ESCROW_CONTRACTS_DIR/{escrow,reputation}/*.contract from `cargo contract build --release`).
//! Run: `cargo test -p escrow-client --test cli`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use escrow_client::dev_node::DevNodeOptions;
use serde_json::Value;

fn id(v: &Value) -> String {
    v.as_u64().unwrap().to_string()
}

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
    assert_eq!(event_names(&deployed["authorize"]), ["EscrowAuthorized"]);

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

    let released = env.ok(&["--as", CHARLIE, "deal", "release", &deal_id]);
    assert_eq!(state(&released), "Completed");
    let names = event_names(&released["tx"]);
    assert!(names.contains(&"PaymentReleased".to_string()), "{names:?}");
    assert!(names.contains(&"DealClosed".to_string()), "{names:?}");
    assert!(names.contains(&"DealRecorded".to_string()), "{names:?}");
    assert_eq!(plancks(&released["deal"]["payout"]["to_seller"]), 99 * UNIT);
    assert_eq!(plancks(&released["deal"]["payout"]["platform_fee"]), UNIT);
    let bob3 = env.free(BOB);
    let charlie3 = env.free(CHARLIE);
    assert_eq!(delta(bob2, bob3), 99 * UNIT as i128);
    assert_eq!(delta(charlie1, charlie3), -tx_cost(&released["tx"]));

    // The platform fee is a credit of //Eve until she withdraws it.
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
    assert!(shown["deadlines"].as_array().unwrap().is_empty());
    let mine = env.ok(&["--as", CHARLIE, "deal", "list", "--mine"]);
    assert_eq!(mine["deals"].as_array().unwrap().len(), 1);

    // Withdrawing the offer returns the whole stake (the deal's bond came back to it).
    let bob4 = env.free(BOB);
    let withdrawn = env.ok(&["--as", BOB, "offer", "withdraw", &offer_id]);
    assert!(!withdrawn["offer"]["active"].as_bool().unwrap());
    assert_eq!(
        delta(bob4, env.free(BOB)),
        20 * UNIT as i128 - tx_cost(&withdrawn["tx"])
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
    assert_eq!(
        delta(charlie0, env.free(CHARLIE)),
        (pool - seller_gross) as i128
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
    env.ok(&["--as", BOB, "deal", "dispute", &deal_id]);

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
    assert_eq!(delta(bob0, env.free(BOB)), (half - half / 100) as i128);
    assert_eq!(delta(charlie0, env.free(CHARLIE)), half as i128);
    assert_eq!(env.free(DAVE), dave0);
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
    let genesis = v["deployments"]
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
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "unreachable");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_deal_survives_a_node_restart() {
    require_bundles();
    let base = tempfile::tempdir().unwrap();
    let node = start_node(DevNodeOptions {
        rpc_port: Some(0),
        base_path: Some(base.path().join("chain")),
        ..DevNodeOptions::default()
    });
    let mut env = Env::with_node(node);
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
    assert_eq!(delta(bob0, env.free(BOB)), 99 * UNIT as i128);
    let history = env.ok(&["deal", "show", &deal_id])["history"]
        .as_array()
        .unwrap()
        .len();
    assert!(history >= 4, "{history}");
}
