//! Load: many deals over 20 accounts at once, pipelined, driven to a mix of endings. At the end
//! the escrow holds exactly what it owes, every deal has ended or can still end, and every
//! account's balance change is explained by the chain's events.
//!
//! `ESCROW_LOAD_DEALS` sets the number of deals (default 1000).

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

mod common;
#[path = "common/load.rs"]
mod load_checks;

use std::collections::BTreeMap;

use common::*;
use escrow_client::bench::load::{self, Ending, LoadPlan, Parties};
use escrow_client::ops::Ctx;
use load_checks::*;

#[test]
fn a_thousand_deals_over_twenty_accounts_lose_nothing() {
    let env = Env::new();
    env.deploy();
    let deals: usize = std::env::var("ESCROW_LOAD_DEALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let plan = LoadPlan {
        accounts: 20,
        deals,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let c = ctx.contracts().await.unwrap();
        let parties = Parties::new(&plan).unwrap();
        let accounts = touched(&parties, &c, &ctx);
        let baseline = ctx.chain.free_balance(&c.escrow.address).await.unwrap();
        assert_eq!(assert_solvent(&mut ctx, &c, baseline).await, 0);
        let before = free_balances(&ctx, &accounts).await;
        let first = ctx.chain.best_block_number().await.unwrap() + 1;

        let report = load::run(env.settings(), plan.clone(), |line| {
            eprintln!("[load] {line}")
        })
        .await
        .unwrap();
        eprintln!(
            "[load] {} deals, {} transactions in {:.1} s",
            deals, report.transactions, report.seconds
        );
        assert_eq!(report.reconnects, 0);

        let mut expected = BTreeMap::new();
        for k in 0..deals {
            *expected
                .entry(Ending::of(k).state().name().to_string())
                .or_insert(0usize) += 1;
        }
        assert_eq!(report.states, expected);
        let all = assert_deals_end_or_can_end(&mut ctx, &c, &plan, &parties).await;
        assert_eq!(all.len(), deals);
        let owed = assert_solvent(&mut ctx, &c, baseline).await;
        // What stays owed: the open deals' money and bonds plus the offers' unspent bonds
        // and credits; at least the open deals' money.
        let open: u128 = all
            .iter()
            .filter(|d| !d.state.is_final())
            .map(|d| d.remaining())
            .sum();
        assert!(owed >= open, "owed {owed} covers the open deals' {open}");
        let last = ctx.chain.best_block_number().await.unwrap();
        assert_balances_accounted(&ctx, &accounts, &before, first, last).await;
    });
}
