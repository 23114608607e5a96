//! escrow_client::indexer against a real substrate-contracts-node 0.42: the event store
//! follows the best chain, rolls back what a retracted block applied, and starts on a pruning
//! node from the finalized state alone.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

mod common;

use common::*;
use escrow_client::api::{Escrow, Reputation};
use escrow_client::dev_node::DevNodeOptions;
use escrow_client::indexer::{store_key, Backfill, HistoryReader, Indexer, RangeError};
use escrow_client::ops::types::{AccountReputation, Offer};
use escrow_client::ops::{Ctx, EventView};
use escrow_client::store::{BlockChanges, BlockEvent, BlockInfo, Store};
use serde_json::Value;

/// Every stored block is the best chain's block of that number.
async fn assert_store_on_the_best_chain(ctx: &Ctx, indexer: &Indexer) {
    let store = indexer.store();
    let (first, _) = store.first_block().unwrap().unwrap();
    let (tip, _) = store.tip().unwrap().unwrap();
    for n in first..=tip {
        let stored = store.block(n).unwrap().unwrap();
        assert_eq!(
            ctx.chain.block_hash(n).await.unwrap(),
            Some(stored.hash),
            "block #{n}"
        );
    }
}

/// Block `tip + 1` of a branch the node never had (hash 0xee…), on top of the store's tip.
fn retracted_block(tip: u64, tip_hash: [u8; 32]) -> BlockInfo {
    BlockInfo {
        number: tip + 1,
        hash: [0xee; 32],
        parent_hash: tip_hash,
        timestamp: 1,
        extrinsics: 2,
        documents: Vec::new(),
    }
}

/// The dev node has no `engine_createBlock` (its instant seal offers no RPC to build on an
/// older parent), so the retracted branch is written into the store directly: a block on
/// top of the tip that the node never had, with an event and an offer of its own. The next
/// sync must find that the best chain does not hold it, roll it back, and apply the real
/// block of that number instead.
#[test]
fn a_block_the_best_chain_no_longer_holds_is_rolled_back_and_nothing_of_it_remains() {
    let env = Env::new();
    env.deploy();
    let offer = id(&env.offer("100", 1, "0", ["3d", "2d", "1d"])["offer"]["id"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let c = ctx.contracts().await.unwrap();
        let mut indexer = Indexer::open(&ctx.settings, &ctx.chain, &c).unwrap();
        indexer.sync(&ctx.chain, Backfill::All).await.unwrap();
        let (tip, tip_hash) = indexer.store().tip().unwrap().unwrap();

        // The retracted branch: block tip+1 with a fake offer and its event.
        let mut changes = BlockChanges::new(retracted_block(tip, tip_hash));
        let real: Offer = Escrow::new(&mut ctx)
            .offer(offer.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        let fake = Offer {
            id: 99,
            ..real.clone()
        };
        changes.offers.insert(99, Some(fake));
        let mut fields = serde_json::Map::new();
        fields.insert("offer_id".into(), 99.into());
        changes.events.push(BlockEvent {
            index: 0,
            extrinsic: None,
            event: EventView {
                contract: "escrow".into(),
                name: "OfferCreated".into(),
                fields,
                block: Some(tip + 1),
            },
        });
        let mut writer = Store::open(indexer.path(), store_key(&ctx.chain, &c)).unwrap();
        writer.apply_block(changes).unwrap();
        assert!(indexer.store().offer(99).unwrap().is_some());

        // The real block tip+1, and another: the sync swaps the branches.
        env.ok(&["--as", BOB, "offer", "update", &offer, "--price", "90"]);
        env.ok(&["account", "fund", FERDIE, "--amount", "1"]);
        let report = indexer.sync(&ctx.chain, Backfill::All).await.unwrap();
        assert_eq!(report.rolled_back, 1, "{report:?}");
        assert_eq!(report.rolled_back_from, Some(tip + 1), "{report:?}");
        assert!(!report.cold, "the undo log sufficed: {report:?}");
        let store = indexer.store();
        assert_eq!(store.offer(99).unwrap(), None, "the retracted offer");
        assert!(
            store
                .events(0, 1_000)
                .unwrap()
                .iter()
                .all(|e| e.block_hash != [0xee; 32]),
            "no event of the retracted block"
        );
        let updated = store.offer(real.id).unwrap().unwrap();
        assert_eq!(updated.terms.price, 90 * UNIT, "the real block's change");
        let names: Vec<String> = store
            .events(tip + 1, 100)
            .unwrap()
            .into_iter()
            .map(|e| e.event.name)
            .collect();
        assert_eq!(names, ["OfferUpdated"]);
        assert_store_on_the_best_chain(&ctx, &indexer).await;
    });
}

/// A node that keeps the state of only the last 8 finalized blocks: a store made long after
/// the deployment starts from the finalized state, says that earlier history is not
/// indexed, and holds what the contracts hold, reputations included.
#[test]
fn on_a_pruning_node_a_new_store_starts_from_the_finalized_state_and_earlier_history_is_not_indexed(
) {
    require_bundles();
    let env = Env::with_node(start_node(DevNodeOptions {
        state_pruning: Some(8),
        ..DevNodeOptions::for_tests()
    }));
    env.deploy();
    let deal = settle_a_rated_deal(&env);
    // Well past the pruning window.
    for _ in 0..12 {
        env.ok(&["account", "fund", FERDIE, "--amount", "1"]);
    }
    std::thread::sleep(std::time::Duration::from_secs(2)); // finality: 1 s behind
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        // The deployment block's state is gone from this node.
        let deployed = ctx.contracts().await.unwrap().deployment.block;
        let old = ctx.chain.block_hash(deployed).await.unwrap().unwrap();
        assert!(
            ctx.chain.block_timestamp(old).await.is_err(),
            "the node pruned the state of block #{deployed}"
        );
    });

    let shown = env.ok(&["deal", "show", &deal]);
    assert_eq!(shown["deal"]["state"], "Completed", "{shown}");
    assert_eq!(shown["history_complete"], false, "{shown}");
    assert!(shown["history_indexed_from"].as_u64().unwrap() > 0);
    let out = assert_cmd::Command::cargo_bin("escrow")
        .unwrap()
        .env("ESCROW_HOME", env.home.path())
        .args(["--url", &env.node.url(), "deal", "show", &deal])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("are not indexed: the store started there"),
        "{text}"
    );
    let events = env.ok(&["events", "--from-block", "0"]);
    assert!(events["indexed_from"].as_u64().unwrap() > 0, "{events}");

    // Reputations came from the reputation contract's storage: the same as its own reads.
    for who in [BOB, CHARLIE] {
        let stored = env.ok(&["reputation", who]);
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let read: AccountReputation = runtime.block_on(async {
            let mut ctx = Ctx::connect(env.settings()).await.unwrap();
            let account = ctx.account(who).unwrap();
            Reputation::new(&mut ctx)
                .reputation(&account.0)
                .await
                .unwrap()
        });
        assert_eq!(
            stored["reputation"]["ratings_count"], read.ratings_count,
            "{who}: {stored}"
        );
        assert_eq!(read.ratings_count, 1, "{who} was rated");
        assert_eq!(
            stored["reputation"]["average_rating_centi"], read.average_rating_centi,
            "{who}: {stored}"
        );
    }
    // So did the deal's record, both ratings in it.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let id: u64 = deal.parse().unwrap();
        let stored = escrow_client::ops::stored_deals::stored(&mut ctx, id)
            .await
            .unwrap()
            .record;
        let read = Reputation::new(&mut ctx).deal_record(id).await.unwrap();
        assert!(
            read.as_ref()
                .is_some_and(|r| r.buyer_score.is_some() && r.seller_score.is_some()),
            "{read:?}"
        );
        assert_eq!(stored, read);
    });
}

/// Bob sells to Charlie, Charlie releases, both rate: returns the deal id.
fn settle_a_rated_deal(env: &Env) -> String {
    let offer = id(&env.offer("100", 1, "0", ["3d", "2d", "1d"])["offer"]["id"]);
    let deal = id(&env.ok(&["--as", CHARLIE, "deal", "accept", &offer])["deal"]["id"]);
    env.ok(&["--as", BOB, "deal", "deliver", &deal]);
    env.ok(&["--as", CHARLIE, "deal", "release", &deal]);
    env.ok(&["--as", CHARLIE, "rate", "commit", &deal, "--score", "5"]);
    env.ok(&["--as", BOB, "rate", "commit", &deal, "--score", "4"]);
    env.ok(&["--as", CHARLIE, "rate", "reveal", &deal]);
    env.ok(&["--as", BOB, "rate", "reveal", &deal]);
    deal
}

/// `events --follow` prints the indexed history, then each new block's events as the store
/// follows the chain, without being asked again.
#[test]
fn events_follow_prints_the_history_then_each_new_event() {
    use std::io::BufRead;
    let env = Env::new();
    env.deploy();
    env.offer("100", 1, "0", ["3d", "2d", "1d"]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("escrow"))
        .env("ESCROW_HOME", env.home.path())
        .args([
            "--url",
            &env.node.url(),
            "--output",
            "json",
            "events",
            "--follow",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Ok(v) = serde_json::from_str(&line) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        }
    });
    let next = |what: &str| {
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no {what} within 60 s"))
    };
    // The history, down to the deployment: the reputation contract creating the escrow first,
    // the first offer last.
    let mut history = Vec::new();
    while history
        .last()
        .is_none_or(|e: &Value| e["name"] != "OfferCreated")
    {
        history.push(next("history"));
    }
    assert_eq!(history[0]["name"], "EscrowCreated", "{history:?}");
    // A new offer while it follows.
    let second = id(&env.offer("5", 1, "0", ["3d", "2d", "1d"])["offer"]["id"]);
    let pushed = next("new event");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(pushed["name"], "OfferCreated", "{pushed}");
    assert_eq!(pushed["fields"]["offer_id"].to_string(), second, "{pushed}");
}

/// Requests, proposals and arbiters as rows: applied block by block from the requests and
/// escrow events, rolled back with a block the best chain no longer holds, and the same as a
/// cold start's bulk read of the same state (but for a withdrawn proposal, which only the rows
/// kept block by block remember).
#[test]
fn request_proposal_and_arbiter_rows_follow_the_chain_roll_back_and_match_a_cold_start() {
    let env = Env::new();
    env.deploy();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut ctx = runtime.block_on(Ctx::connect(env.settings())).unwrap();
    let c = runtime.block_on(ctx.contracts()).unwrap();
    let mut indexer = Indexer::open(&ctx.settings, &ctx.chain, &c).unwrap();
    runtime
        .block_on(indexer.sync(&ctx.chain, Backfill::Skip))
        .unwrap();

    let posted = env.post_request(CHARLIE, "Logo design", "100", &[]);
    let request = id(&posted["request"]["id"]);
    let request_id: u64 = request.parse().unwrap();
    for (who, price) in [(BOB, "50"), (FERDIE, "60"), (EVE, "70")] {
        env.ok(&[
            "--as", who, "proposal", "submit", &request, "--price", price,
        ]);
    }
    runtime
        .block_on(indexer.sync(&ctx.chain, Backfill::Skip))
        .unwrap();
    let status = |indexer: &Indexer| -> Vec<(u32, String)> {
        indexer
            .store()
            .proposals_of(request_id)
            .unwrap()
            .iter()
            .map(|p| (p.index, p.status.name().to_string()))
            .collect()
    };
    assert_eq!(
        status(&indexer),
        [(0, "Open".into()), (1, "Open".into()), (2, "Open".into())]
    );

    // The retracted branch: the request cancelled, a proposal that never was, the arbiter
    // retired.
    let (tip, tip_hash) = indexer.store().tip().unwrap().unwrap();
    let real = indexer
        .store()
        .request(request_id)
        .unwrap()
        .unwrap()
        .request;
    let mut changes = BlockChanges::new(retracted_block(tip, tip_hash));
    let mut cancelled = real.clone();
    cancelled.state = escrow_client::ops::types::RequestState::Cancelled;
    changes.requests.insert(request_id, Some(cancelled));
    let bob_proposal = indexer.store().proposal(request_id, 0).unwrap().unwrap();
    changes.proposals.insert(
        escrow_client::store::ProposalKey {
            request_id,
            index: 9,
        },
        Some(bob_proposal.proposal.clone()),
    );
    let dave = bob_proposal.proposal.arbiter.id();
    let mut retired = indexer.store().arbiter(&dave).unwrap().unwrap().arbiter;
    retired.active = false;
    changes.arbiters.insert(dave, Some(retired));
    let mut writer = Store::open(indexer.path(), store_key(&ctx.chain, &c)).unwrap();
    writer.apply_block(changes).unwrap();
    assert_eq!(status(&indexer).len(), 4);

    // The real blocks: Ferdie withdraws, the poster rejects Bob.
    env.ok(&["--as", FERDIE, "proposal", "withdraw", &request]);
    env.ok(&["--as", CHARLIE, "proposal", "reject", &request, "0"]);
    let report = runtime
        .block_on(indexer.sync(&ctx.chain, Backfill::Skip))
        .unwrap();
    assert_eq!(report.rolled_back, 1, "{report:?}");
    assert!(!report.cold, "{report:?}");
    assert_eq!(
        status(&indexer),
        [
            (0, "Rejected".into()),
            (1, "Withdrawn".into()),
            (2, "Open".into())
        ]
    );
    let stored = indexer.store().request(request_id).unwrap().unwrap();
    assert_eq!(stored.request.competing, [2]);
    assert!(stored.changed_in > tip, "{stored:?}");
    assert!(
        indexer
            .store()
            .arbiter(&dave)
            .unwrap()
            .unwrap()
            .arbiter
            .active
    );
    let timeline: Vec<String> = indexer
        .store()
        .request_timeline(request_id)
        .unwrap()
        .into_iter()
        .map(|e| e.event.name)
        .collect();
    assert_eq!(
        timeline,
        [
            "RequestPosted",
            "ProposalSubmitted",
            "ProposalSubmitted",
            "ProposalSubmitted",
            "ProposalWithdrawn",
            "ProposalRejected"
        ]
    );

    // A cold start at the same block reads the same rows from the contracts' tries.
    let (tip, tip_hash) = indexer.store().tip().unwrap().unwrap();
    let (snapshot, _) = runtime
        .block_on(escrow_client::indexer::snapshot(&ctx.chain, &c, tip_hash))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cold = Store::open(&dir.path().join("cold.sqlite"), store_key(&ctx.chain, &c)).unwrap();
    cold.replace_state(snapshot).unwrap();
    let warm = indexer.store();
    let cold_request = cold.request(request_id).unwrap().unwrap();
    assert_eq!(cold_request.request, stored.request);
    assert_eq!(cold_request.changed_in, tip);
    let rows = |r: &escrow_client::store::StoreReader| -> Vec<(u32, String, u128)> {
        r.proposals_of(request_id)
            .unwrap()
            .iter()
            .filter(|p| p.status.name() != "Withdrawn")
            .map(|p| (p.index, p.status.name().to_string(), p.proposal.price))
            .collect()
    };
    assert_eq!(rows(&cold), rows(warm));
    assert_eq!(
        rows(&cold).len(),
        2,
        "the withdrawn one is gone from the contract"
    );
    let registry = |r: &escrow_client::store::StoreReader| -> Vec<_> {
        r.arbiters(false)
            .unwrap()
            .into_iter()
            .map(|a| (a.account.id(), a.arbiter))
            .collect::<Vec<_>>()
    };
    assert_eq!(registry(&cold), registry(warm));
    assert!(!registry(&cold).is_empty());
}

/// An indexer of `env`'s deployment whose store lives in `dir` (its own copy of the
/// deployment file beside it), reading history as `reader` says.
async fn indexer_in(env: &Env, dir: &std::path::Path, reader: HistoryReader) -> (Ctx, Indexer) {
    std::fs::copy(env.deployment_file(), dir.join("deployments.json")).unwrap();
    let settings = escrow_client::ops::Settings {
        deployment: Some(dir.join("deployments.json")),
        ..env.settings()
    };
    let mut ctx = Ctx::connect(settings).await.unwrap();
    let c = ctx.contracts().await.unwrap();
    let mut indexer = Indexer::open(&ctx.settings, &ctx.chain, &c).unwrap();
    indexer.set_history_reader(reader);
    (ctx, indexer)
}

/// Rule: history filled by ranges indexes the same blocks, events and documents as a
/// block-by-block read of the same chain. A chain with a rated deal and a delivery note (a
/// document published beside the call), all of it below the finalized block a new store starts
/// from, is filled in three times: block by block, in ranges of 7 blocks (so that ranges end
/// inside the deal's blocks), and in the default ranges. Every row must be the same.
#[test]
fn history_filled_by_ranges_indexes_the_same_blocks_events_and_documents_as_a_block_by_block_read()
{
    let env = Env::new();
    env.deploy();
    let (_, deal) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    env.ok(&[
        "--as",
        BOB,
        "deal",
        "deliver",
        &deal,
        "--note",
        "Shipped, tracking T-1",
    ]);
    env.ok(&["--as", CHARLIE, "deal", "release", &deal]);
    env.ok(&["--as", CHARLIE, "rate", "commit", &deal, "--score", "5"]);
    env.ok(&["--as", BOB, "rate", "commit", &deal, "--score", "4"]);
    env.ok(&["--as", CHARLIE, "rate", "reveal", &deal]);
    env.ok(&["--as", BOB, "rate", "reveal", &deal]);
    for _ in 0..3 {
        env.ok(&["account", "fund", FERDIE, "--amount", "1"]);
    }
    std::thread::sleep(std::time::Duration::from_secs(2)); // finality: 1 s behind
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut stores = Vec::new();
        let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        let readers = [
            HistoryReader::PerBlock,
            HistoryReader::Ranges(7),
            HistoryReader::default(),
        ];
        for (dir, reader) in dirs.iter().zip(readers) {
            let (ctx, mut indexer) = indexer_in(&env, dir.path(), reader).await;
            let report = indexer.sync(&ctx.chain, Backfill::All).await.unwrap();
            assert!(report.history_complete, "{reader:?}: {report:?}");
            assert_eq!(
                indexer.history_reader(),
                reader,
                "the node served every range"
            );
            let store = indexer.store();
            let blocks = store.blocks_from(0).unwrap();
            let events: Vec<Value> = store
                .events(0, 10_000)
                .unwrap()
                .iter()
                .map(|e| serde_json::to_value(e).unwrap())
                .collect();
            stores.push((reader, report, blocks, events));
        }
        let (_, per_block, blocks, events) = &stores[0];
        // Not a comparison of nothing: the deal's events and its note are in the history
        // filled in, below the block the store started from.
        let started = per_block.tip - per_block.applied;
        assert!(per_block.backfilled >= 10, "{per_block:?}");
        let documents: Vec<u64> = blocks
            .iter()
            .filter(|b| !b.documents.is_empty())
            .map(|b| b.number)
            .collect();
        assert_eq!(documents.len(), 1, "the delivery note: {documents:?}");
        assert!(documents[0] < started, "{documents:?} {per_block:?}");
        let names: Vec<&str> = events
            .iter()
            .filter(|e| e["block_number"].as_u64().unwrap() < started)
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        for name in [
            "DealOpened",
            "DealDelivered",
            "DealClosed",
            "DealRecorded",
            "RatingRevealed",
        ] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        for (reader, report, other_blocks, other_events) in &stores[1..] {
            assert_eq!(report.backfilled, per_block.backfilled, "{reader:?}");
            assert_eq!(other_blocks.len(), blocks.len(), "{reader:?}");
            for (a, b) in blocks.iter().zip(other_blocks) {
                assert_eq!(a, b, "{reader:?}: block #{}", a.number);
                assert_eq!(a.documents, b.documents, "{reader:?}: block #{}", a.number);
            }
            assert_eq!(other_events.len(), events.len(), "{reader:?}");
            for (a, b) in events.iter().zip(other_events) {
                assert_eq!(a, b, "{reader:?}");
            }
        }
        // The range reader itself, over the whole history at once: it must not have fallen
        // back to reading block by block.
        let (mut ctx, _) = indexer_in(&env, dirs[0].path(), HistoryReader::PerBlock).await;
        let c = ctx.contracts().await.unwrap();
        let (first, tip) = (stores[0].2[0].number, stores[0].1.tip);
        let read = escrow_client::indexer::read_range(&ctx.chain, &c, first, tip)
            .await
            .unwrap_or_else(|e| panic!("blocks #{first} to #{tip} in one read: {e:?}"));
        let numbers: Vec<u64> = read.iter().map(|(b, _)| b.number).collect();
        assert_eq!(numbers, (first..=tip).rev().collect::<Vec<_>>());
        for (info, _) in &read {
            assert_eq!(Some(info), stores[0].2.get((info.number - first) as usize));
        }
    });
}

/// Rule: a node that refuses range reads (a public node serves only the safe RPC methods,
/// `state_queryStorage` not among them) still has its history filled in, block by block, from
/// the first refusal on.
#[test]
fn on_a_node_that_refuses_range_reads_history_is_filled_block_by_block() {
    require_bundles();
    let env = Env::with_node(start_node(DevNodeOptions {
        safe_rpc: true,
        ..DevNodeOptions::for_tests()
    }));
    env.deploy();
    settle_a_rated_deal(&env);
    std::thread::sleep(std::time::Duration::from_secs(2)); // finality: 1 s behind
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (mut ctx, mut indexer) = indexer_in(&env, dir.path(), HistoryReader::default()).await;
        let c = ctx.contracts().await.unwrap();
        let refused = escrow_client::indexer::read_range(&ctx.chain, &c, 1, 2).await;
        assert!(
            matches!(refused, Err(RangeError::Refused(_))),
            "{refused:?}"
        );
        let report = indexer.sync(&ctx.chain, Backfill::All).await.unwrap();
        assert!(report.history_complete, "{report:?}");
        assert!(report.backfilled > 0, "{report:?}");
        assert_eq!(indexer.history_reader(), HistoryReader::PerBlock);
        let names: Vec<String> = indexer
            .store()
            .events(0, 1_000)
            .unwrap()
            .into_iter()
            .map(|e| e.event.name)
            .collect();
        for name in [
            "EscrowCreated",
            "OfferCreated",
            "DealOpened",
            "RatingRevealed",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
    });
}
