//! `escrow explorer` against a real dev node on which a deal was settled and rated: the JSON
//! API, then the page in headless Chromium (blocks, the deal's timeline, reputation, search),
//! then the node going away and coming back. Screenshots land in tests/artifacts/.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::time::Duration;

use browser::{start_explorer, Browser};
use common::*;
use escrow_client::indexer::{store_key, store_path};
use escrow_client::ops::Ctx;
use escrow_client::store::{Store, StoreKey};
use serde_json::Value;

/// Offer by //Bob, bought by //Charlie, delivered, released, rated 5 (by Charlie) and 4 (by Bob).
fn settled_deal(env: &Env) -> String {
    env.deploy();
    let created = env.offer("100", 2, "10", ["3d", "2d", "1d"]);
    let offer_id = created["offer"]["id"].to_string();
    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
    let deal_id = accepted["deal"]["id"].to_string();
    env.ok(&["--as", BOB, "deal", "deliver", &deal_id]);
    let released = env.ok(&["--as", CHARLIE, "deal", "release", &deal_id]);
    assert_eq!(released["deal"]["state"], "Completed");
    env.ok(&["--as", CHARLIE, "rate", "commit", &deal_id, "--score", "5"]);
    env.ok(&["--as", BOB, "rate", "commit", &deal_id, "--score", "4"]);
    env.ok(&["--as", CHARLIE, "rate", "reveal", &deal_id]);
    env.ok(&["--as", BOB, "rate", "reveal", &deal_id]);
    deal_id
}

/// Offer by //Ferdie bought by //Eve, disputed with a statement, one piece of evidence from
/// each side, and ruled with reasons by //Dave. Other accounts than the settled deal's, whose
/// pages the test reads.
fn disputed_deal(env: &Env) -> String {
    let created = env.ok(&[
        "--as",
        FERDIE,
        "offer",
        "create",
        "--title",
        "Lamp",
        "--price",
        "10",
        "--arbiter",
        DAVE,
    ]);
    let offer_id = id(&created["offer"]["id"]);
    let accepted = env.ok(&["--as", EVE, "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    let said = [
        (
            EVE,
            vec![
                "deal",
                "dispute",
                &deal_id,
                "--statement",
                "The lamp never came.",
            ],
        ),
        (
            FERDIE,
            vec![
                "deal",
                "evidence",
                "add",
                &deal_id,
                "Posted on Monday, parcel L-7.",
            ],
        ),
        (
            EVE,
            vec![
                "deal",
                "evidence",
                "add",
                &deal_id,
                "L-7 was never scanned.",
            ],
        ),
        (
            DAVE,
            vec![
                "deal",
                "rule",
                &deal_id,
                "--seller-share",
                "0",
                "--reasons",
                "Never scanned, never sent.",
            ],
        ),
    ];
    for (who, args) in said {
        let mut all = vec!["--as", who];
        all.extend(args);
        env.ok(&all);
    }
    deal_id
}

fn get(base: &str, path: &str) -> (u16, Value) {
    let url = format!("{base}{}", path.trim_start_matches('/'));
    match ureq::get(&url).timeout(Duration::from_secs(60)).call() {
        Ok(r) => (r.status(), r.into_json().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

fn ss58(env: &Env, who: &str) -> String {
    env.ok(&["balance", who])["account"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn explorer_shows_a_settled_deal_and_survives_a_node_restart() {
    let (mut env, _base) = Env::restartable();
    let deal_id = settled_deal(&env);
    let bob = ss58(&env, BOB);
    let (_explorer, page) = start_explorer(env.home.path(), &env.node.url());

    check_json_api(&env, &page, &deal_id, &bob);
    new_blocks_are_pushed(&env, &page);
    concurrent_requests_all_get_their_answer(&page, &deal_id);
    let disputed = disputed_deal(&env);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let browser = Browser::start().await;
        check_pages(&env, &browser, &page, &deal_id, &bob).await;
        dispute_reads_as_a_thread(&browser, &page, &disputed).await;
        no_rating_is_none_not_zero(&env, &browser, &page).await;

        // The node goes away: the page says so instead of failing.
        env.node.stop().unwrap();
        browser.goto(&format!("{page}#/")).await;
        let down = browser.wait_text("#node-status", "unreachable").await;
        assert!(down.contains(&env.node.url()), "{down}");
        browser.screenshot("node-down").await;
        let (code, body) = get(&page, "/api/blocks");
        assert_eq!(code, 503, "{body}");
        assert_eq!(body["kind"], "node_down");

        // ...and comes back on the same chain: the page reconnects by itself.
        env.node.restart().unwrap();
        let best = env.best_block();
        browser.wait_text("#node-status", "Connected to").await;
        browser
            .wait_text("[data-testid=blocks] tbody tr", &format!("#{best}"))
            .await;
        browser.screenshot("node-back").await;
        browser.close().await;
    });
}

/// Requests are served side by side over one node connection: 48 at once, deal pages and
/// block lists mixed, all answered with the right data.
fn concurrent_requests_all_get_their_answer(page: &str, deal_id: &str) {
    let answers: Vec<(u16, Value, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..48)
            .map(|i| {
                scope.spawn(move || {
                    let is_deal = i % 2 == 0;
                    let path = if is_deal {
                        format!("/api/deals/{deal_id}")
                    } else {
                        "/api/blocks?limit=3".to_string()
                    };
                    let (code, body) = get(page, &path);
                    (code, body, is_deal)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (code, body, is_deal) in answers {
        assert_eq!(code, 200, "{body}");
        if is_deal {
            assert_eq!(body["deal"]["id"].to_string(), deal_id, "{body}");
        } else {
            assert_eq!(body["blocks"].as_array().map(Vec::len), Some(3), "{body}");
        }
    }
}

/// The `data:` of each server-sent `status` event of `/api/live`, as they come (a read
/// that waits 15 s fails the test instead of hanging it).
fn live_events(page: &str) -> impl Iterator<Item = Value> {
    use std::io::BufRead;
    let agent = ureq::AgentBuilder::new()
        .timeout_read(Duration::from_secs(15))
        .build();
    let response = agent.get(&format!("{page}api/live")).call().unwrap();
    assert_eq!(response.content_type(), "text/event-stream");
    std::io::BufReader::new(response.into_reader())
        .lines()
        .map(|l| l.expect("an event within 15 s"))
        .filter_map(|l| {
            l.strip_prefix("data:")
                .map(|d| serde_json::from_str(d.trim()).unwrap())
        })
}

/// The page's live view is pushed: `/api/live` says at once which block is best and sends
/// the next one when the node makes it, without being asked again, once the event store has
/// indexed it: what the API answers then includes the block's changes.
fn new_blocks_are_pushed(env: &Env, page: &str) {
    let offers = |page: &str| {
        let (code, body) = get(page, "/api/offers?include_inactive=true&limit=100");
        assert_eq!(code, 200, "{body}");
        body["offers"].as_array().unwrap().len()
    };
    let mut events = live_events(page);
    let best = env.best_block();
    let first = events.find(|e| e["node"] != "connecting").unwrap();
    assert_eq!(first["node"], "up", "{first}");
    assert_eq!(first["best_block"], best, "{first}");
    let before = offers(page);
    env.offer("5", 1, "0", ["3d", "2d", "1d"]);
    let next = events.find(|e| e["indexed_block"] == best + 1).unwrap();
    assert_eq!(next["node"], "up", "{next}");
    assert_eq!(next["best_block"], best + 1, "{next}");
    // Where indexed history starts, and where it is filled in down to.
    let deployed = env.ok(&["deployment", "list"])["deployments"][0]["block"].as_u64();
    let from = next["history_from"]
        .as_u64()
        .unwrap_or_else(|| panic!("{next}"));
    let deployment = next["deployment_block"]
        .as_u64()
        .unwrap_or_else(|| panic!("{next}"));
    assert!(from <= best + 1, "{next}");
    assert_eq!(Some(deployment), deployed, "{next}");
    if next["history_complete"] == true {
        assert!(from <= deployment, "{next}");
    }
    assert_eq!(
        offers(page),
        before + 1,
        "the new offer is listed once pushed"
    );
}

fn check_json_api(env: &Env, page: &str, deal_id: &str, bob: &str) {
    let (code, status) = get(page, "/api/status");
    assert_eq!(code, 200);
    assert_eq!(status["connected"], true, "{status}");
    assert_eq!(status["status"]["symbol"], "UNIT");
    assert!(
        status["status"]["deployment"]["escrow"].is_string(),
        "{status}"
    );

    let best = env.best_block();
    let (_, blocks) = get(page, "/api/blocks?limit=5");
    assert_eq!(blocks["best"], best);
    let listed = blocks["blocks"].as_array().unwrap();
    assert_eq!(listed.len(), 5);
    assert_eq!(listed[0]["number"], best);
    assert_eq!(listed[1]["number"], best - 1);
    // Instant seal: every block but genesis holds the timestamp inherent and one transaction.
    assert_eq!(listed[0]["extrinsics"], 2);

    // The deal: state, amounts, the whole history in order, both ratings.
    let (code, deal) = get(page, &format!("/api/deals/{deal_id}"));
    assert_eq!(code, 200, "{deal}");
    assert_eq!(deal["deal"]["state"], "Completed");
    assert_eq!(deal["is_final"], true);
    assert_eq!(deal["remaining"], "0");
    assert_eq!(plancks(&deal["deal"]["amount"]), 100 * UNIT);
    let names: Vec<&str> = deal["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "DealOpened",
            "DealDelivered",
            "DealClosed",
            "DealRecorded",
            "RatingCommitted",
            "RatingCommitted",
            "RatingRevealed",
            "RatingRevealed"
        ]
    );
    let blocks_in_order: Vec<u64> = deal["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["block"].as_u64().unwrap())
        .collect();
    assert!(blocks_in_order.windows(2).all(|w| w[0] <= w[1]));
    assert!(deal["timeline"][0]["time"].as_u64().unwrap() > 0);
    assert_eq!(deal["record"]["buyer_score"], 5);
    assert_eq!(deal["record"]["seller_score"], 4);

    // The block of the release (it closed the deal): the extrinsic decoded as an ink! message,
    // events by name, the reputation contract's among them.
    let release_block = deal["timeline"][2]["block"].as_u64().unwrap();
    let (_, block) = get(page, &format!("/api/blocks/{release_block}"));
    let calls: Vec<&Value> = block["extrinsics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x.get("contract_call").filter(|c| !c.is_null()))
        .collect();
    assert_eq!(calls.len(), 1, "{block}");
    assert_eq!(calls[0]["contract"], "escrow");
    assert_eq!(calls[0]["message"], "release_milestone");
    let ink: Vec<&str> = block["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["contract_event"]["name"].as_str())
        .collect();
    assert!(
        ink.contains(&"DealClosed") && ink.contains(&"DealRecorded"),
        "{ink:?}"
    );
    // The same block by hash.
    let hash = block["hash"].as_str().unwrap();
    let (_, by_hash) = get(page, &format!("/api/blocks/{hash}"));
    assert_eq!(by_hash["number"], release_block);
    block_pages_of_indexed_blocks_come_from_the_store(env, page, &block);

    // The account: balance, reputation earned by the deal, its offers and deals.
    let (_, account) = get(page, &format!("/api/accounts/{bob}"));
    assert_eq!(account["reputation"]["ratings_count"], 1);
    assert_eq!(account["reputation"]["average_rating_centi"], 500);
    assert_eq!(account["reputation"]["deals_completed_as_seller"], 1);
    assert_eq!(account["deals"].as_array().unwrap().len(), 1);
    assert_eq!(account["offers"].as_array().unwrap().len(), 1);
    assert_eq!(
        (&account["deal_count"], &account["offer_count"]),
        (&1.into(), &1.into())
    );
    assert_eq!(plancks(&account["free"]), env.free(BOB));

    // Offers: the filters of `offer list`.
    let (_, found) = get(page, "/api/offers?text=leica&max_price=150");
    assert_eq!(found["offers"].as_array().unwrap().len(), 1);
    let (_, none) = get(page, "/api/offers?min_price=101");
    assert!(none["offers"].as_array().unwrap().is_empty());
    let (_, rated) = get(page, "/api/offers?min_rating=4.5");
    assert_eq!(rated["offers"][0]["seller_average_rating_centi"], 500);

    // Search: a bare 0 is a deal, an offer and a block; prefixes and accounts are exact.
    let (_, zero) = get(page, "/api/search?q=0");
    let kinds: Vec<&str> = zero["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["deal", "offer", "block"]);
    let (_, deal_only) = get(page, &format!("/api/search?q=deal%20{deal_id}"));
    assert_eq!(deal_only["matches"].as_array().unwrap().len(), 1);
    let (_, by_account) = get(page, &format!("/api/search?q={bob}"));
    assert_eq!(by_account["matches"][0]["kind"], "account");
    assert_eq!(by_account["matches"][0]["id"], bob);
    let (_, nothing) = get(page, "/api/search?q=nonsense");
    assert!(nothing["matches"].as_array().unwrap().is_empty());

    // Bad input: one clear error each, with the right status.
    let (code, e) = get(page, "/api/deals/999");
    assert_eq!((code, e["kind"].as_str()), (404, Some("not_found")), "{e}");
    assert!(e["error"].as_str().unwrap().contains("unknown deal 999"));
    let (code, e) = get(page, "/api/deals/abc");
    assert_eq!(code, 400, "{e}");
    assert!(e["error"]
        .as_str()
        .unwrap()
        .contains("invalid deal id 'abc'"));
    let (code, e) = get(page, "/api/blocks/99999");
    assert_eq!(code, 404, "{e}");
    let (code, e) = get(page, "/api/accounts/nobody");
    assert_eq!(code, 400, "{e}");
    assert!(e["error"]
        .as_str()
        .unwrap()
        .contains("invalid account 'nobody'"));
    ids_no_row_can_have_are_unknown(page);
}

/// The explorer's event store: its file and key, as the explorer finds them.
fn explorer_store(env: &Env) -> (std::path::PathBuf, StoreKey) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let c = ctx.contracts().await.unwrap();
        (
            store_path(&ctx.settings, &ctx.chain, &c),
            store_key(&ctx.chain, &c),
        )
    })
}

fn hash_bytes(v: &Value) -> [u8; 32] {
    let h = v.as_str().unwrap().trim_start_matches("0x");
    hex::decode(h).unwrap().try_into().unwrap()
}

/// An indexed block's page, once read, is kept in the store and served from there (a page
/// put in the store is what the API answers, by number and by hash); a block the store has not
/// indexed (the genesis block, before the deployment) is read from the node and not kept.
fn block_pages_of_indexed_blocks_come_from_the_store(env: &Env, page: &str, served: &Value) {
    let (path, key) = explorer_store(env);
    let reader = Store::open_reader(&path, key).unwrap();
    let kept = reader.block_page(&hash_bytes(&served["hash"])).unwrap();
    let kept: Value = serde_json::from_str(&kept.expect("the page read is kept")).unwrap();
    assert_eq!(&kept, served);

    // The block before: indexed, not read yet. What the store holds for it is what is served.
    let number = served["number"].as_u64().unwrap() - 1;
    let info = reader.block(number).unwrap().expect("indexed");
    assert_eq!(reader.block_page(&info.hash).unwrap(), None);
    let hash = format!("0x{}", hex::encode(info.hash));
    let marked = serde_json::json!({"number": number, "hash": hash, "marked": "in the store"});
    let mut writer = Store::open(&path, key).unwrap();
    assert!(writer
        .keep_block_page(&info.hash, &marked.to_string())
        .unwrap());
    for id in [number.to_string(), hash] {
        let (code, body) = get(page, &format!("/api/blocks/{id}"));
        assert_eq!((code, &body), (200, &marked), "/api/blocks/{id}");
    }

    // The genesis block, before the deployment, is not indexed: from the node, and not kept.
    let first = reader.first_block().unwrap().expect("indexed").0;
    assert!(first > 0, "the deployment is not in the genesis block");
    let (code, body) = get(page, "/api/blocks/0");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["number"], 0);
    assert!(
        body["extrinsics"].is_array() && body.get("marked").is_none(),
        "{body}"
    );
    let unindexed = hash_bytes(&body["hash"]);
    assert_eq!(reader.block_by_hash(&unindexed).unwrap(), None);
    assert_eq!(reader.block_page(&unindexed).unwrap(), None);
}

/// Ids above i64::MAX (which SQLite cannot hold) answer 404 like any other unknown id, on
/// every page that takes one, and the explorer goes on answering.
fn ids_no_row_can_have_are_unknown(page: &str) {
    for id in ["9223372036854775808", "18446744073709551615"] {
        for (path, what) in [
            ("/api/offers/", "offer"),
            ("/api/deals/", "deal"),
            ("/api/requests/", "request"),
            ("/api/blocks/", "block"),
        ] {
            let (code, e) = get(page, &format!("{path}{id}"));
            assert_eq!(
                (code, e["kind"].as_str()),
                (404, Some("not_found")),
                "{path}{id}: {e}"
            );
            let error = e["error"].as_str().unwrap();
            assert!(error.contains(&format!("unknown {what} {id}")), "{error}");
        }
        let (code, found) = get(page, &format!("/api/search?q={id}"));
        assert_eq!(code, 200, "{found}");
        assert_eq!(found["matches"], serde_json::json!([]), "{found}");
    }
    let (code, status) = get(page, "/api/status");
    assert_eq!((code, &status["connected"]), (200, &Value::Bool(true)));
}

/// //Ferdie sold the disputed deal's lamp and was never rated: "none" on the pages and in the
/// CLI's text, `null` in the JSON, never 0.00 (which reads as the worst rating).
async fn no_rating_is_none_not_zero(env: &Env, browser: &Browser, page: &str) {
    let ferdie = ss58(env, FERDIE);
    let (_, account) = get(page, &format!("/api/accounts/{ferdie}"));
    let rep = &account["reputation"];
    assert_eq!(rep["ratings_count"], 0, "{account}");
    assert_eq!(rep["average_rating_centi"], Value::Null, "{account}");
    assert_eq!(rep["weighted_average_centi"], Value::Null, "{account}");
    let (_, offers) = get(
        page,
        &format!("/api/offers?seller={ferdie}&include_inactive=true"),
    );
    let lamp = &offers["offers"][0];
    assert_eq!(lamp["seller_average_rating_centi"], Value::Null, "{offers}");
    let (_, offer) = get(page, &format!("/api/offers/{}", lamp["id"]));
    assert_eq!(
        offer["seller_reputation"]["average_rating_centi"],
        Value::Null,
        "{offer}"
    );

    browser.goto(&format!("{page}#/account/{ferdie}")).await;
    let shown = browser
        .wait_text("[data-testid=average-rating]", "none")
        .await;
    assert_eq!(shown.trim(), "none");
    let weighted = browser
        .wait_text("[data-testid=weighted-rating]", "none")
        .await;
    assert_eq!(weighted.trim(), "none");
    browser.goto(&format!("{page}#/offer/{}", lamp["id"])).await;
    browser
        .wait_text("[data-testid=seller-rating]", "none")
        .await;
    browser
        .goto(&format!(
            "{page}#/offers?seller={ferdie}&include_inactive=true"
        ))
        .await;
    let row = browser.wait_text("[data-testid=offers]", "Lamp").await;
    assert!(!row.contains("0.00"), "{row}");

    let text = env.text(&["reputation", FERDIE]);
    assert!(
        text.contains("average none (value-weighted none)"),
        "{text}"
    );
    let listed = env.text(&["offer", "list", "--seller", FERDIE, "--all"]);
    assert!(listed.contains("rating none"), "{listed}");
    assert!(!listed.contains("0.00"), "{listed}");
}

/// The disputed deal's page: the statement, each side's evidence in order, then the ruling
/// with its reasons.
async fn dispute_reads_as_a_thread(browser: &Browser, page: &str, deal_id: &str) {
    browser.goto(&format!("{page}#/deal/{deal_id}")).await;
    let thread = browser
        .wait_text("[data-testid=words]", "Never scanned, never sent.")
        .await;
    let order = [
        "Dispute statement",
        "The lamp never came.",
        "Posted on Monday, parcel L-7.",
        "L-7 was never scanned.",
        "The ruling's reasons",
        "Never scanned, never sent.",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|t| {
            thread
                .find(t)
                .unwrap_or_else(|| panic!("{t} missing: {thread}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "out of order: {thread}");
    browser.screenshot("dispute-thread").await;
}

async fn check_pages(env: &Env, browser: &Browser, page: &str, deal_id: &str, bob: &str) {
    // Latest blocks, newest first, updated live.
    browser.goto(page).await;
    browser.wait_text("#node-status", "Connected to").await;
    // How far back the store's history reaches: all of it, down to the deployment.
    let history = browser.wait_text("#history-status", ": complete").await;
    assert!(
        history.contains("History indexed from block #"),
        "{history}"
    );
    assert!(
        history.contains("the deployment is at block #"),
        "{history}"
    );
    let best = env.best_block();
    browser
        .wait_text("[data-testid=blocks] tbody tr", &format!("#{best}"))
        .await;
    browser.screenshot("blocks").await;
    env.ok(&["account", "fund", "//Ferdie", "--amount", "1"]);
    browser
        .wait_text("[data-testid=blocks] tbody tr", &format!("#{}", best + 1))
        .await;

    // The settled deal: state, timeline, ratings.
    browser.goto(&format!("{page}#/deal/{deal_id}")).await;
    browser
        .wait_text("[data-testid=deal-state]", "Completed")
        .await;
    let timeline = browser
        .wait_text("[data-testid=timeline]", "RatingRevealed")
        .await;
    for name in ["DealOpened", "DealDelivered", "DealRecorded", "DealClosed"] {
        assert!(timeline.contains(name), "{name} missing: {timeline}");
    }
    browser
        .wait_text("[data-testid=deadlines]", "The deal ended")
        .await;
    browser.wait_text("[data-testid=remaining]", "0 UNIT").await;
    browser
        .wait_text("[data-testid=ratings]", "Completed")
        .await;
    browser.screenshot("settled-deal").await;

    // Bob's reputation, earned by that deal.
    browser.goto(&format!("{page}#/account/{bob}")).await;
    let rep = browser.wait_text("[data-testid=reputation]", "5.00").await;
    assert!(rep.contains("1 rating(s)"), "{rep}");
    assert!(rep.contains("1 as seller"), "{rep}");
    browser
        .wait_text("[data-testid=account-deals]", "Completed")
        .await;
    browser.screenshot("account").await;

    // A block with decoded ink! events.
    browser.goto(&format!("{page}#/deal/{deal_id}")).await;
    browser
        .wait_text("[data-testid=timeline]", "DealClosed")
        .await;
    let (_, deal) = get(page, &format!("/api/deals/{deal_id}"));
    let release_block = deal["timeline"][2]["block"].as_u64().unwrap();
    browser
        .goto(&format!("{page}#/block/{release_block}"))
        .await;
    browser
        .wait_text("[data-testid=block-title]", &format!("#{release_block}"))
        .await;
    browser
        .wait_text("[data-testid=events]", "DealClosed")
        .await;
    browser
        .wait_text("[data-testid=extrinsics]", "escrow.release_milestone")
        .await;
    browser.screenshot("block").await;

    // Offers with a filter, typed into the form.
    browser.goto(&format!("{page}#/offers?text=leica")).await;
    browser
        .wait_text("[data-testid=offers]", "Vintage camera")
        .await;
    browser.goto(&format!("{page}#/offers?text=bicycle")).await;
    browser
        .wait_text("[data-testid=offers-empty]", "No offer matches")
        .await;

    task_request_pages(env, browser, page).await;

    // The search box: an account goes straight to its page; a bare 0 lists what it may be.
    search(browser, bob).await;
    browser.wait_text("[data-testid=reputation]", "5.00").await;
    search(browser, "0").await;
    let results = browser
        .wait_text("[data-testid=search-results]", "deal 0")
        .await;
    assert!(
        results.contains("offer 0") && results.contains("block #0"),
        "{results}"
    );
}

/// A task request //Charlie posts with screening rules, //Bob proposes for and //Charlie
/// awards: its JSON, the requests table with a filter, and its page with the proposal, the
/// rules and the deal it opened.
async fn task_request_pages(env: &Env, browser: &Browser, page: &str) {
    let posted = env.ok(&[
        "--as",
        CHARLIE,
        "request",
        "create",
        "--title",
        "Logo for a bakery",
        "--budget",
        "60",
        "--arbiter",
        DAVE,
        "--max-disputes-lost",
        "25",
        "--block",
        EVE,
    ]);
    let request = posted["request"]["id"].to_string();
    env.ok(&[
        "--as",
        BOB,
        "proposal",
        "submit",
        &request,
        "--price",
        "45",
        "--milestone",
        "20:1d",
        "--milestone",
        "25:2d",
    ]);
    let awarded = env.ok(&[
        "--as",
        CHARLIE,
        "request",
        "award",
        &request,
        "--proposal",
        "0",
    ]);
    let deal = awarded["deal"]["id"].to_string();
    // //Bob delivers the first milestone and //Charlie pays it.
    env.ok(&["--as", BOB, "deal", "deliver", &deal, "--milestone", "1"]);
    let paid = env.ok(&[
        "--as",
        CHARLIE,
        "deal",
        "release",
        &deal,
        "--milestone",
        "1",
    ]);
    assert_eq!(paid["deal"]["milestone"], 1, "{paid}");

    let (code, body) = get(page, &format!("/api/requests/{request}"));
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["request"]["state"], "Awarded");
    assert_eq!(body["proposals"][0]["price"], (45 * UNIT).to_string());
    assert_eq!(
        body["proposals"][0]["milestones"][1]["amount"],
        (25 * UNIT).to_string()
    );
    assert_eq!(body["deal"]["id"].to_string(), deal);
    assert!(body["deal"]["offer_id"].is_null(), "{body}");
    // The deal's own page names the request, and no sentinel offer id (u64::MAX reads as
    // 18446744073709552000 in JavaScript).
    let (code, body) = get(page, &format!("/api/deals/{deal}"));
    assert_eq!(code, 200, "{body}");
    assert!(body["deal"]["offer_id"].is_null(), "{body}");
    assert_eq!(body["request_id"].to_string(), request);
    assert_eq!(body["timeline"][0]["name"], "DealOpened", "{body}");
    assert!(
        body["timeline"][0]["fields"]["offer_id"].is_null(),
        "{body}"
    );
    let (code, body) = get(page, "/api/requests?text=bakery&include_ended=true");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["requests"][0]["id"].to_string(), request);
    let (code, body) = get(page, "/api/requests?text=bakery");
    assert_eq!(
        body["requests"].as_array().unwrap().len(),
        0,
        "awarded: not open ({code})"
    );
    let (code, body) = get(page, "/api/requests?include_ended=true&sort=budget&limit=1");
    assert_eq!(code, 200, "{body}");
    assert!(body["next_cursor"].is_null(), "one request: {body}");
    assert!(body["requests"][0]["changed_in"].is_u64(), "{body}");
    let (code, body) = get(page, "/api/requests?cursor=o.x");
    assert_eq!(code, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("invalid cursor"),
        "{body}"
    );
    let (code, body) = get(page, "/api/requests/99");
    assert_eq!(code, 404, "{body}");
    let (code, body) = get(page, "/api/requests/x");
    assert_eq!(code, 400, "{body}");

    browser
        .goto(&format!("{page}#/requests?text=bakery&include_ended=true"))
        .await;
    browser
        .wait_text("[data-testid=requests]", "Logo for a bakery")
        .await;
    browser
        .goto(&format!("{page}#/requests?text=plumbing"))
        .await;
    browser
        .wait_text("[data-testid=requests-empty]", "No request matches")
        .await;
    browser.goto(&format!("{page}#/request/{request}")).await;
    browser
        .wait_text("[data-testid=request-state]", "Awarded")
        .await;
    let proposals = browser
        .wait_text("[data-testid=proposals]", "0 awarded")
        .await;
    assert!(proposals.contains("45 UNIT"), "{proposals}");
    assert!(
        proposals.contains("1) 20 UNIT within 1 d, 2) 25 UNIT within 2 d"),
        "{proposals}"
    );
    let rules = browser
        .wait_text("[data-testid=screening]", "at most 25% of disputes lost")
        .await;
    assert!(rules.contains("never"), "{rules}");
    browser
        .wait_text("[data-testid=request-deal]", &format!("deal {deal}"))
        .await;
    browser.screenshot("request").await;
    // The deal page says where the deal came from.
    browser.goto(&format!("{page}#/deal/{deal}")).await;
    browser
        .wait_text("main", &format!("opened by the award of request {request}"))
        .await;
    browser
        .wait_text(
            "[data-testid=milestone-progress]",
            "Milestone 2 of 2 under way",
        )
        .await;
    let steps = browser
        .wait_text("[data-testid=milestones]", "under way")
        .await;
    assert!(
        steps.contains("20 UNIT") && steps.contains("paid"),
        "{steps}"
    );
    browser.screenshot("deal-milestones").await;
}

async fn search(browser: &Browser, q: &str) {
    use fantoccini::Locator;
    let input = browser
        .client
        .find(Locator::Css("#search-input"))
        .await
        .unwrap();
    input.clear().await.unwrap();
    input.send_keys(q).await.unwrap();
    browser
        .client
        .find(Locator::Css("#search button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}
