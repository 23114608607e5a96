//! `escrow request …` and `escrow proposal …` against a real dev node: a task request posted,
//! proposed for, screened, awarded into an escrow deal, cancelled, auto-awarded and closed,
//! with the balances, states, events and refusals read back.
#![cfg(feature = "node-tests")]

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

fn ids(list: &Value, key: &str) -> Vec<u64> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

fn propose(env: &Env, who: &str, request: &str, price: &str) -> Value {
    env.ok(&["--as", who, "proposal", "submit", request, "--price", price])
}

/// The storage deposit a write's signer paid (negative: got back).
fn deposit(tx: &Value) -> i128 {
    tx["storage_deposit_paid"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Waits until the chain's clock has passed `deadline_ms`: instant seal makes a block only
/// for a transaction, so one is sent once the wall clock is past it.
fn pass(env: &Env, deadline_ms: u64) {
    let now = escrow_client::ops::now_ms();
    if deadline_ms >= now {
        std::thread::sleep(Duration::from_millis(deadline_ms - now + 200));
    }
    env.ok(&["account", "fund", FERDIE, "--amount", "1"]);
}

#[test]
fn a_request_is_proposed_for_and_its_award_opens_a_deal_with_every_balance_checked() {
    let env = Env::new();
    env.deploy();

    // Posting pays the budget in.
    let charlie_before = env.free(CHARLIE);
    let posted = env.post_request(
        CHARLIE,
        "Logo design",
        "100",
        &["--description", "A vector logo for a bakery"],
    );
    let request = id(&posted["request"]["id"]);
    assert_eq!(posted["request"]["state"], "Open");
    assert_eq!(
        posted["request"]["terms"]["budget"],
        (100 * UNIT).to_string()
    );
    assert_eq!(event_names(&posted["tx"]), ["RequestPosted"]);
    assert_eq!(
        delta(charlie_before, env.free(CHARLIE)),
        -((100 * UNIT) as i128) - tx_cost(&posted["tx"])
    );
    let dave = posted["request"]["terms"]["arbiters"][0].clone();

    // Two workers propose; each pays its proposal's storage deposit.
    let bob = env.ok(&[
        "--as",
        BOB,
        "proposal",
        "submit",
        &request,
        "--price",
        "80",
        "--delivery-window",
        "2d",
        "--message",
        "I draw logos",
    ]);
    assert_eq!(bob["index"], 0);
    assert_eq!(bob["proposal"]["price"], (80 * UNIT).to_string());
    assert_eq!(bob["proposal"]["delivery_window"], 2 * 24 * 3_600_000u64);
    assert_eq!(bob["proposal"]["arbiter"], dave);
    assert_eq!(event_names(&bob["tx"]), ["ProposalSubmitted"]);
    let ferdie_before = env.free(FERDIE);
    let ferdie = propose(&env, FERDIE, &request, "90");
    assert_eq!(ferdie["index"], 1);
    assert_eq!(
        ferdie["proposal"]["delivery_window"],
        3 * 24 * 3_600_000u64,
        "the request's window by default"
    );
    let proposal_deposit = deposit(&ferdie["tx"]);
    assert!(proposal_deposit > 0, "{proposal_deposit}");

    // Refusals: each names its rule, and nothing changes.
    for (who, price, extra, variant) in [
        (CHARLIE, "50", vec![], "PosterCannotPropose"),
        (BOB, "70", vec![], "AlreadyProposed"),
        (EVE, "100.000000000001", vec![], "OverBudget"),
        (EVE, "50", vec!["--arbiter", BOB], "ArbiterNotAccepted"),
        (
            EVE,
            "50",
            vec!["--delivery-window", "4d"],
            "DeliveryTooLong",
        ),
    ] {
        let mut args = vec![
            "--as", who, "proposal", "submit", &request, "--price", price,
        ];
        args.extend(extra);
        let err = env.fails(&args, 1);
        assert_eq!(err["contract_error"], variant, "{err}");
    }
    for (args, words) in [
        (
            vec![
                "--as",
                CHARLIE,
                "request",
                "create",
                "--title",
                "x",
                "--budget",
                "0",
                "--arbiter",
                DAVE,
            ],
            "budget must be above zero",
        ),
        (
            vec![
                "--as",
                CHARLIE,
                "request",
                "create",
                "--title",
                "x",
                "--budget",
                "1",
                "--arbiter",
                DAVE,
                "--max-disputes-lost",
                "101",
            ],
            "--max-disputes-lost",
        ),
        (
            vec!["--as", EVE, "proposal", "submit", &request, "--price", "0"],
            "price must be above zero",
        ),
    ] {
        let err = env.fails(&args, 2);
        assert!(err["error"].as_str().unwrap().contains(words), "{err}");
    }
    let listed = env.ok(&["proposal", "list", &request]);
    let indexes: Vec<u64> = listed["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [0, 1]);
    let config = env.ok(&["config"]);
    assert_eq!(config["requests_contract"]["request_count"], 1);
    assert_eq!(
        config["requests_contract"]["held"],
        (100 * UNIT).to_string()
    );

    // Search by text, budget, poster, arbiter and the poster's rating.
    let other = env.post_request(EVE, "Website copy", "30", &[]);
    let other_id = other["request"]["id"].as_u64().unwrap();
    let request_id = posted["request"]["id"].as_u64().unwrap();
    let search = |flags: &[&str]| {
        let mut args = vec!["request", "list"];
        args.extend_from_slice(flags);
        ids(&env.ok(&args), "requests")
    };
    assert_eq!(search(&[]), [request_id, other_id]);
    assert_eq!(search(&["--text", "bak"]), [request_id]);
    assert_eq!(search(&["--max-budget", "50"]), [other_id]);
    assert_eq!(search(&["--min-budget", "50"]), [request_id]);
    assert_eq!(search(&["--poster", CHARLIE]), [request_id]);
    assert_eq!(search(&["--arbiter", DAVE]), [request_id, other_id]);
    assert_eq!(search(&["--arbiter", BOB]), Vec::<u64>::new());
    assert_eq!(search(&["--min-rating", "1"]), Vec::<u64>::new());
    assert_eq!(search(&["--limit", "1"]), [request_id]);
    // Orders, and the next page from the cursor the first printed.
    assert_eq!(search(&["--sort", "newest"]), [other_id, request_id]);
    assert_eq!(search(&["--sort", "budget"]), [request_id, other_id]);
    let first = env.ok(&["request", "list", "--sort", "budget", "--limit", "1"]);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(
        search(&["--sort", "budget", "--limit", "1", "--cursor", &cursor]),
        [other_id]
    );
    let last = env.ok(&["request", "list", "--sort", "budget", "--cursor", &cursor]);
    assert!(last["next_cursor"].is_null(), "{last}");
    let err = env.fails(
        &["request", "list", "--sort", "newest", "--cursor", &cursor],
        2,
    );
    assert!(
        err["error"].as_str().unwrap().contains("another order"),
        "{err}"
    );
    let err = env.fails(&["request", "list", "--cursor", "b.x"], 2);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("invalid cursor 'b.x'"),
        "{err}"
    );
    // Nobody rated the posters: no rating, not the worst one.
    let listed = env.ok(&["request", "list"]);
    assert!(
        listed["requests"][0]["poster_weighted_rating_centi"].is_null(),
        "{listed}"
    );
    assert!(env.text(&["request", "list"]).contains("no rating"));

    // A withdrawn proposal gives its deposit back, all but the small one of the place the
    // worker keeps on the open request (one proposal per worker: no propose-withdraw cycle
    // through the slots).
    let withdrawn = env.ok(&["--as", FERDIE, "proposal", "withdraw", &request]);
    assert_eq!(withdrawn["index"], 1);
    assert!(withdrawn["proposal"].is_null());
    assert_eq!(event_names(&withdrawn["tx"]), ["ProposalWithdrawn"]);
    let returned = -deposit(&withdrawn["tx"]);
    assert!(
        returned > proposal_deposit / 2 && returned < proposal_deposit,
        "paid {proposal_deposit}, got back {returned}"
    );
    let err = env.fails(&["--as", FERDIE, "proposal", "withdraw", &request], 2);
    assert!(err["error"].as_str().unwrap().contains("no live proposal"));
    let err = env.fails(
        &[
            "--as", FERDIE, "proposal", "submit", &request, "--price", "70",
        ],
        1,
    );
    assert_eq!(err["contract_error"], "AlreadyProposed", "{err}");

    // Only the poster awards; the award opens the deal and returns the rest of the budget.
    let err = env.fails(
        &["--as", EVE, "request", "award", &request, "--proposal", "0"],
        1,
    );
    assert_eq!(err["contract_error"], "NotPoster");
    let charlie_before = env.free(CHARLIE);
    let awarded = env.ok(&[
        "--as",
        CHARLIE,
        "request",
        "award",
        &request,
        "--proposal",
        "0",
    ]);
    assert_eq!(awarded["request"]["state"], "Awarded");
    assert_eq!(awarded["request"]["winner"], 0);
    let deal = &awarded["deal"];
    assert_eq!(deal["buyer"], posted["request"]["poster"]);
    assert_eq!(deal["seller"], bob["proposal"]["worker"]);
    assert_eq!(deal["arbiter"], dave);
    assert_eq!(deal["amount"], (80 * UNIT).to_string());
    assert_eq!(deal["state"], "Funded");
    assert!(
        deal["offer_id"].is_null(),
        "no offer, and no sentinel number: {deal}"
    );
    assert!(event_names(&awarded["tx"]).contains(&"RequestAwarded".to_string()));
    assert_eq!(
        delta(charlie_before, env.free(CHARLIE)),
        (20 * UNIT) as i128 - tx_cost(&awarded["tx"])
    );
    let err = env.fails(
        &[
            "--as",
            CHARLIE,
            "request",
            "award",
            &request,
            "--proposal",
            "0",
        ],
        1,
    );
    assert_eq!(err["contract_error"], "NotOpen");
    // The request ended: the worker frees its place, and has its whole deposit back but
    // for the chain's rounding of the contract's deposit shares (a few plancks).
    let freed = env.ok(&["--as", FERDIE, "proposal", "withdraw", &request]);
    assert!(freed["index"].is_null(), "{freed}");
    assert_eq!(event_names(&freed["tx"]), ["ProposalWithdrawn"]);
    let returned = returned - deposit(&freed["tx"]);
    assert!(
        (returned - proposal_deposit).abs() <= 1_000,
        "paid {proposal_deposit}, got back {returned}"
    );
    let fees: u128 = [&ferdie["tx"], &withdrawn["tx"], &freed["tx"]]
        .iter()
        .map(|tx| plancks(&tx["fee_paid"]))
        .sum();
    assert_eq!(
        delta(ferdie_before, env.free(FERDIE)),
        returned - proposal_deposit - fees as i128
    );
    let err = env.fails(&["--as", FERDIE, "proposal", "withdraw", &request], 1);
    assert_eq!(err["contract_error"], "ProposalNotFound", "{err}");
    let shown = env.ok(&["request", "show", &request]);
    assert_eq!(shown["deal"]["id"], deal["id"]);
    assert_eq!(shown["request"]["deal_id"], deal["id"]);
    assert!(shown["deal"]["offer_id"].is_null(), "{shown}");
    // The deal on its own names the request it came from; its opening event has no offer.
    let deal_shown = env.ok(&["deal", "show", &id(&deal["id"])]);
    assert!(deal_shown["deal"]["offer_id"].is_null(), "{deal_shown}");
    assert_eq!(deal_shown["request_id"], posted["request"]["id"]);
    let opened = &deal_shown["history"][0];
    assert_eq!(opened["name"], "DealOpened", "{deal_shown}");
    assert!(opened["fields"]["offer_id"].is_null(), "{opened}");
    let listed = env.ok(&["deal", "list", "--account", CHARLIE]);
    assert!(listed["deals"][0]["offer_id"].is_null(), "{listed}");
    let text = env.text(&["deal", "show", &id(&deal["id"])]);
    assert!(
        text.contains(&format!("from task request {request},")),
        "{text}"
    );
    assert_eq!(
        env.ok(&["config"])["requests_contract"]["held"],
        (30 * UNIT).to_string(),
        "only the other request's budget is still held"
    );

    // The deal then runs as any deal: delivered, released, the worker paid less the 1% fee.
    let deal_id = id(&deal["id"]);
    let bob_before = env.free(BOB);
    let delivered = env.ok(&["--as", BOB, "deal", "deliver", &deal_id]);
    let released = env.ok(&["--as", CHARLIE, "deal", "release", &deal_id]);
    assert_eq!(released["deal"]["state"], "Completed");
    assert_eq!(
        delta(bob_before, env.free(BOB)),
        (80 * UNIT - 80 * UNIT / 100) as i128 - tx_cost(&delivered["tx"])
    );
}

#[test]
fn screening_cancel_auto_award_and_close_each_return_or_place_the_budget() {
    let env = Env::new();
    env.ok(&[
        "deploy",
        "--fee-bps",
        "100",
        "--fee-recipient",
        EVE,
        "--rating-window",
        "10m",
        "--min-delivery-window",
        "1ms",
        "--min-review-window",
        "1ms",
        "--min-ruling-window",
        "1ms",
        "--award-window",
        // Long enough for the steps before the close to fit in it on a loaded machine.
        "15s",
    ]);
    env.register_arbiter(DAVE, "500");

    // Screening refuses with the rule named; a worker the rules let through proposes.
    let newcomers_out = env.post_request(CHARLIE, "Translation", "10", &["--min-deals", "1"]);
    let newcomers_out = id(&newcomers_out["request"]["id"]);
    let err = env.fails(
        &[
            "--as",
            BOB,
            "proposal",
            "submit",
            &newcomers_out,
            "--price",
            "5",
        ],
        1,
    );
    assert_eq!(err["contract_error"], "Screened");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("fewer deals completed"),
        "{err}"
    );
    let blocked = env.post_request(
        CHARLIE,
        "Proofreading",
        "10",
        &["--block", BOB, "--proposal-window", "2s"],
    );
    let blocked_request = blocked["request"].clone();
    let blocked = id(&blocked_request["id"]);
    let err = env.fails(
        &["--as", BOB, "proposal", "submit", &blocked, "--price", "5"],
        1,
    );
    assert!(
        err["error"].as_str().unwrap().contains("block list"),
        "{err}"
    );
    propose(&env, FERDIE, &blocked, "5");

    // Cancel: the whole budget comes back, once.
    let before = env.free(CHARLIE);
    let cancelled = env.ok(&["--as", CHARLIE, "request", "cancel", &newcomers_out]);
    assert_eq!(cancelled["request"]["state"], "Cancelled");
    assert_eq!(event_names(&cancelled["tx"]), ["RequestCancelled"]);
    assert_eq!(
        delta(before, env.free(CHARLIE)),
        (10 * UNIT) as i128 - tx_cost(&cancelled["tx"])
    );
    let err = env.fails(&["--as", CHARLIE, "request", "cancel", &newcomers_out], 1);
    assert_eq!(err["contract_error"], "NotOpen");

    // Auto-award: anyone, only after the proposal deadline, to the lowest price.
    let auto = env.post_request(
        CHARLIE,
        "Data entry",
        "100",
        &["--auto-award", "--proposal-window", "4s"],
    );
    let auto_request = auto["request"].clone();
    let auto = id(&auto_request["id"]);
    propose(&env, BOB, &auto, "50");
    let cheapest = propose(&env, FERDIE, &auto, "40");
    let err = env.fails(&["--as", EVE, "request", "award", &auto], 1);
    assert_eq!(err["contract_error"], "TooEarly");
    pass(&env, auto_request["proposal_deadline"].as_u64().unwrap());
    let before = env.free(CHARLIE);
    let awarded = env.ok(&["--as", EVE, "request", "award", &auto]);
    assert_eq!(awarded["request"]["state"], "Awarded");
    assert_eq!(awarded["request"]["winner"], 1);
    assert_eq!(awarded["deal"]["seller"], cheapest["proposal"]["worker"]);
    assert_eq!(awarded["deal"]["amount"], (40 * UNIT).to_string());
    assert_eq!(
        delta(before, env.free(CHARLIE)),
        (60 * UNIT) as i128,
        "the poster gets the rest of the budget and pays nothing for Eve's award"
    );

    // Close: nobody awarded the blocked-Bob request in its award window; anyone closes it
    // and the budget goes back to the poster.
    let err = env.fails(&["--as", EVE, "request", "close", &blocked], 1);
    assert_eq!(err["contract_error"], "TooEarly");
    pass(&env, blocked_request["award_deadline"].as_u64().unwrap());
    let err = env.fails(
        &[
            "--as",
            CHARLIE,
            "request",
            "award",
            &blocked,
            "--proposal",
            "0",
        ],
        1,
    );
    assert_eq!(err["contract_error"], "TooLate");
    let before = env.free(CHARLIE);
    let closed = env.ok(&["--as", EVE, "request", "close", &blocked]);
    assert_eq!(closed["request"]["state"], "Closed");
    assert_eq!(event_names(&closed["tx"]), ["RequestClosed"]);
    assert_eq!(delta(before, env.free(CHARLIE)), (10 * UNIT) as i128);
    let config = env.ok(&["config"]);
    assert_eq!(config["requests_contract"]["held"], "0");
}

/// Issue 25, holes 7, 9 and 13 through the CLI: on a deployment with the default minimum
/// windows (a day of review), a request below them is refused before anything is sent; the
/// poster rejects a proposal, whose worker removes it and gets its deposit back; the poster
/// removes its ended request and gets that deposit back.
#[test]
fn a_request_below_the_minimums_is_refused_before_sending_and_what_ended_is_removed_by_its_payer() {
    let env = Env::new();
    // Every default: minimum windows of 1h (delivery), 1d (review) and 1d (ruling).
    env.ok(&["deploy"]);
    env.register_arbiter(DAVE, "500");

    // Hole 9: refused before sending, naming the window and the minimum.
    let charlie_before = env.free(CHARLIE);
    for (flag, value, line) in [
        (
            "--review-window",
            "1h",
            "the review window 1h is below this escrow's minimum of 1d",
        ),
        (
            "--ruling-window",
            "12h",
            "the ruling window 12h is below this escrow's minimum of 1d",
        ),
        (
            "--delivery-window",
            "30m",
            "the delivery window 30m is below this escrow's minimum of 1h",
        ),
    ] {
        let err = env.fails(
            &[
                "--as",
                CHARLIE,
                "request",
                "create",
                "--title",
                "Quick fix",
                "--budget",
                "10",
                "--arbiter",
                DAVE,
                flag,
                value,
            ],
            2,
        );
        assert_eq!(err["error"], line, "{err}");
    }
    assert_eq!(env.free(CHARLIE), charlie_before, "nothing was sent");
    assert_eq!(env.ok(&["config"])["requests_contract"]["request_count"], 0);

    // Hole 7: the poster rejects a proposal; its slot is free, its worker stays out.
    let posted = env.post_request(CHARLIE, "Logo design", "100", &[]);
    let request = id(&posted["request"]["id"]);
    let request_deposit = deposit(&posted["tx"]);
    let bob = propose(&env, BOB, &request, "50");
    let bob_deposit = deposit(&bob["tx"]);
    propose(&env, FERDIE, &request, "60");
    let ferdie_before = env.free(FERDIE);
    let err = env.fails(&["--as", EVE, "proposal", "reject", &request, "0"], 1);
    assert_eq!(err["contract_error"], "NotPoster", "{err}");
    let rejected = env.ok(&["--as", CHARLIE, "proposal", "reject", &request, "0"]);
    assert_eq!(rejected["rejected"], true, "{rejected}");
    assert_eq!(rejected["index"], 0);
    assert_eq!(rejected["proposal"]["worker"], bob["proposal"]["worker"]);
    assert_eq!(event_names(&rejected["tx"]), ["ProposalRejected"]);
    assert!(
        -deposit(&rejected["tx"]) < bob_deposit / 100,
        "the poster took none of the worker's deposit: {rejected}"
    );
    // The competing proposal first; the rejected one stays on the record, saying so.
    let listed = env.ok(&["proposal", "list", &request]);
    let statuses: Vec<(u64, &str)> = listed["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["index"].as_u64().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [(1, "Open"), (0, "Rejected")], "{listed}");
    let text = env.text(&["proposal", "list", &request]);
    assert!(text.contains("rejected by the poster"), "{text}");
    let err = env.fails(&["--as", CHARLIE, "proposal", "reject", &request, "0"], 2);
    assert!(
        err["error"].as_str().unwrap().contains("does not compete"),
        "{err}"
    );
    let err = env.fails(
        &["--as", BOB, "proposal", "submit", &request, "--price", "40"],
        1,
    );
    assert_eq!(err["contract_error"], "AlreadyProposed", "{err}");
    // The rejected worker removes its proposal and gets that deposit back (its place on
    // the open request stays, a few bytes).
    let removed = env.ok(&["--as", BOB, "proposal", "withdraw", &request]);
    assert_eq!(removed["index"], 0, "{removed}");
    assert_eq!(event_names(&removed["tx"]), ["ProposalWithdrawn"]);
    let returned = -deposit(&removed["tx"]);
    assert!(
        returned > bob_deposit / 2 && returned < bob_deposit,
        "paid {bob_deposit}, got back {returned}"
    );
    let shown = env.ok(&["request", "show", &request]);
    assert_eq!(shown["proposals"][0]["status"], "Rejected", "{shown}");

    // Hole 13: only the poster removes, once the request ended, and gets the deposit back.
    let err = env.fails(&["--as", CHARLIE, "request", "remove", &request], 2);
    assert!(
        err["error"].as_str().unwrap().contains("still open"),
        "{err}"
    );
    env.ok(&["--as", CHARLIE, "request", "cancel", &request]);
    let err = env.fails(&["--as", EVE, "request", "remove", &request], 1);
    assert_eq!(err["contract_error"], "NotPoster", "{err}");
    let charlie_before = env.free(CHARLIE);
    let gone = env.ok(&["--as", CHARLIE, "request", "remove", &request]);
    assert_eq!(gone["removed"]["state"], "Cancelled", "{gone}");
    assert_eq!(event_names(&gone["tx"]), ["RequestRemoved"]);
    // The whole deposit, and the 4 bytes Ferdie's index still takes in the request's list of
    // competing proposals (paid by Ferdie, 0.00002 UNIT here; see contracts/README.md).
    let refund = -deposit(&gone["tx"]);
    assert!(
        refund >= request_deposit - 1_000 && refund - request_deposit < request_deposit / 1_000,
        "paid {request_deposit}, got back {refund}"
    );
    assert_eq!(
        delta(charlie_before, env.free(CHARLIE)),
        -tx_cost(&gone["tx"])
    );
    let err = env.fails(&["request", "show", &request], 2);
    assert!(
        err["error"].as_str().unwrap().contains("unknown request"),
        "{err}"
    );
    assert!(ids(&env.ok(&["request", "list", "--all"]), "requests").is_empty());
    // A worker still frees its proposal and place on the removed request.
    let freed = env.ok(&["--as", FERDIE, "proposal", "withdraw", &request]);
    assert_eq!(event_names(&freed["tx"]), ["ProposalWithdrawn"]);
    assert!(
        env.free(FERDIE) > ferdie_before,
        "the deposit came back, more than the fee"
    );
}
