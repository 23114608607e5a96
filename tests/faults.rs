//! Faults: the node killed mid-run and restarted, a node that is not there, and malformed or
//! oversized input, from the CLI and as raw bytes sent straight to the contract.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

mod common;
#[path = "common/load.rs"]
mod load_checks;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use escrow_client::api::Escrow;
use escrow_client::bench::load::{self, LoadPlan, Parties};
use escrow_client::chain::Weight;
use escrow_client::contract::{ContractClientError, PreparedCall, StorageDeposit};
use escrow_client::ops::types::{Config, OfferTerms, MAX_TITLE_BYTES};
use escrow_client::ops::Ctx;
use escrow_client::signer::Keypair;
use load_checks::*;

#[test]
fn a_node_killed_mid_run_is_reported_and_the_run_carries_on_losing_nothing() {
    let (mut env, _base) = Env::restartable();
    env.deploy();
    let plan = LoadPlan {
        accounts: 6,
        deals: 60,
    };
    let notes = Arc::new(Mutex::new(Vec::<String>::new()));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (ctx, c, parties, accounts, before, baseline, first) = runtime.block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let c = ctx.contracts().await.unwrap();
        let parties = Parties::new(&plan).unwrap();
        let accounts = touched(&parties, &c, &ctx);
        let baseline = ctx.chain.free_balance(&c.escrow.address).await.unwrap();
        let before = free_balances(&ctx, &accounts).await;
        let first = ctx.chain.best_block_number().await.unwrap() + 1;
        (ctx, c, parties, accounts, before, baseline, first)
    });

    let run = {
        let notes = notes.clone();
        runtime.spawn(load::run(env.settings(), plan.clone(), move |line| {
            eprintln!("[load] {line}");
            notes.lock().unwrap().push(line);
        }))
    };
    // Kill the node hard once the deals are being opened, then bring it back on the same
    // base path and port.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !notes
        .lock()
        .unwrap()
        .iter()
        .any(|n| n.starts_with("opening"))
    {
        assert!(
            Instant::now() < deadline,
            "the run never started opening deals"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pid = env.node.pid().expect("node runs") as i32;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    std::thread::sleep(Duration::from_secs(2));
    env.node.restart().unwrap();

    let report = runtime.block_on(run).unwrap().unwrap();
    let notes = notes.lock().unwrap().clone();
    assert!(
        notes.iter().any(|n| n.starts_with("lost the node")),
        "the run said it lost the node: {notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with("reconnected to")),
        "the run said it reconnected: {notes:?}"
    );
    assert!(report.reconnects >= 1);

    runtime.block_on(async {
        // A new connection: the old one died with the node.
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let all = assert_deals_end_or_can_end(&mut ctx, &c, &plan, &parties).await;
        assert_eq!(all.len(), plan.deals, "no deal lost, none doubled");
        assert_solvent(&mut ctx, &c, baseline).await;
        let last = ctx.chain.best_block_number().await.unwrap();
        assert_balances_accounted(&ctx, &accounts, &before, first, last).await;
    });
    drop(ctx);
}

#[test]
fn malformed_and_oversized_input_is_refused_and_changes_nothing() {
    let env = Env::new();
    env.deploy();
    let offer = env.offer("100", 1, "10", ["3d", "2d", "1d"]);
    let offer_id = offer["offer"]["id"].to_string();

    // Through the CLI: one clear line, exit 2, nothing sent.
    let huge = "x".repeat(10_000);
    let long_unicode = "ü".repeat(MAX_TITLE_BYTES / 2 + 1); // 2 bytes each: over the limit
    let max = u128::MAX.to_string();
    let bob0 = env.free(BOB);
    let create = |title: &str, price: &str, quantity: &str| -> Vec<String> {
        [
            "--as",
            BOB,
            "offer",
            "create",
            "--arbiter",
            DAVE,
            "--title",
            title,
        ]
        .into_iter()
        .chain(["--price", price, "--quantity", quantity])
        .map(String::from)
        .collect()
    };
    let accept = |quantity: &str| -> Vec<String> {
        [
            "--as",
            CHARLIE,
            "deal",
            "accept",
            &offer_id,
            "--quantity",
            quantity,
        ]
        .map(String::from)
        .to_vec()
    };
    for (args, needle) in [
        (create(&huge, "5", "1"), "title"),
        (create(&long_unicode, "5", "1"), "title"),
        (create("ok", "0", "1"), "price"),
        (create("ok", &max, "1"), "price"),
        (create("ok", "5", "0"), "quantity"),
        (accept("0"), "quantity"),
        (accept("4294967296"), "quantity"),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let e = env.fails(&args, 2);
        let msg = e["error"].as_str().unwrap().to_lowercase();
        // The first line names what was wrong (clap adds a hint to try --help below it).
        let first = msg.trim().lines().next().unwrap_or_default();
        assert!(first.contains(needle), "{args:?}: {msg}");
    }
    assert_eq!(env.free(BOB), bob0, "nothing was sent, no fee paid");

    // Unicode within the limit is kept byte for byte.
    let title = "Ω camera – 東京 ✓";
    let created = env.ok(&[
        "--as",
        BOB,
        "offer",
        "create",
        "--title",
        title,
        "--description",
        "ß",
        "--price",
        "5",
        "--quantity",
        "1",
        "--arbiter",
        DAVE,
    ]);
    let id = created["offer"]["id"].to_string();
    assert_eq!(
        env.ok(&["offer", "show", &id])["offer"]["terms"]["title"],
        title
    );

    // Straight to the contract, without the client's checks or a dry run: each is executed
    // on chain and refused there; only the fee is spent.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let c = ctx.contracts().await.unwrap();
        let bob = Keypair::sr25519_from_uri(BOB).unwrap();
        let dave = ctx.account(DAVE).unwrap().0;
        let config: Config = Escrow::new(&mut ctx).config().await.unwrap();
        let (baseline_offers, baseline_deals, owed) =
            (config.offer_count, config.deal_count, config.owed);
        let escrow_balance = ctx.chain.free_balance(&c.escrow.address).await.unwrap();

        let encode = |m: &str, args: Vec<u8>| {
            let mut input = c.escrow.codec.selector(m).unwrap().to_vec();
            input.extend(args);
            input
        };
        let mut garbage = encode("create_offer", vec![0xff; 7]);
        garbage.extend([0x13, 0x37]);
        let cases: Vec<(&str, Vec<u8>, u128)> = vec![
            ("unknown selector", vec![0xde, 0xad, 0xbe, 0xef, 1, 2, 3], 0),
            ("truncated arguments", garbage, 0),
            (
                "random bytes",
                (0..64u8).map(|b| b.wrapping_mul(37)).collect(),
                0,
            ),
            ("oversized input", encode("offer", vec![0u8; 60_000]), 0),
            (
                "title over the limit",
                encode(
                    "create_offer",
                    scale::Encode::encode(&OfferTerms::new(
                        &huge[..MAX_TITLE_BYTES + 1],
                        1,
                        1,
                        dave,
                    )),
                ),
                0,
            ),
            (
                "zero price",
                encode(
                    "create_offer",
                    scale::Encode::encode(&OfferTerms::new("zero", 0, 1, dave)),
                ),
                0,
            ),
            (
                "largest u128 price, bond overflow",
                encode(
                    "create_offer",
                    scale::Encode::encode(&OfferTerms {
                        bond_per_unit: u128::MAX,
                        ..OfferTerms::new("max", u128::MAX, 2, dave)
                    }),
                ),
                0,
            ),
            (
                "accepting more than the u128 total",
                encode(
                    "accept_offer",
                    scale::Encode::encode(&(0u64, u32::MAX, 1u32)),
                ),
                0,
            ),
            (
                "unknown deal",
                encode("release", scale::Encode::encode(&(999_999u64, 1u128))),
                0,
            ),
        ];
        for (what, input, value) in cases {
            let bob_before = ctx.chain.free_balance(&bob.account_id()).await.unwrap();
            let prepared = PreparedCall {
                message: what.into(),
                input,
                value,
                gas_required: Weight {
                    ref_time: 20_000_000_000,
                    proof_size: 1_000_000,
                },
                gas_limit: Weight {
                    ref_time: 20_000_000_000,
                    proof_size: 1_000_000,
                },
                storage_deposit: StorageDeposit::Charge(0),
                deposit_limit: 10 * UNIT,
                return_value: contract_transcode::Value::Unit,
                return_data: Vec::new(),
                document: None,
            };
            let result = c.escrow.submit_prepared(&ctx.chain, &bob, prepared).await;
            let failure = match result {
                Err(ContractClientError::Dispatch { failure, .. }) => failure.name,
                Err(e) => panic!("{what}: refused before the chain: {e}"),
                Ok(o) => panic!("{what}: was accepted: {:?}", o.events),
            };
            assert!(
                [
                    "Contracts::ContractReverted",
                    "Contracts::ContractTrapped",
                    "Contracts::DecodingFailed",
                    "Contracts::OutputBufferTooSmall"
                ]
                .contains(&failure.as_str()),
                "{what}: {failure}"
            );
            let paid = bob_before - ctx.chain.free_balance(&bob.account_id()).await.unwrap();
            assert!(
                paid > 0 && paid < UNIT,
                "{what}: only a fee was spent ({paid})"
            );
            let config: Config = Escrow::new(&mut ctx).config().await.unwrap();
            let (offers, deals, now_owed) = (config.offer_count, config.deal_count, config.owed);
            assert_eq!(
                (offers, deals, now_owed),
                (baseline_offers, baseline_deals, owed),
                "{what}: state unchanged"
            );
            assert_eq!(
                ctx.chain.free_balance(&c.escrow.address).await.unwrap(),
                escrow_balance,
                "{what}: the escrow's balance is unchanged"
            );
        }
    });
}
