//! escrow_client::contract_state against a real substrate-contracts-node 0.42: the escrow's
//! state read in bulk from its child trie equals, entry for entry, what the contract's own
//! paged reads return.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

mod common;

use common::*;
use escrow_client::api::Escrow;
use escrow_client::contract_state::{self, ContractStateError, EscrowLayout};
use escrow_client::ops::types::{Address, Arbiter, Config, Deal, DealState, Offer, MAX_PAGE};
use escrow_client::ops::{self, Ctx};
use serde_json::Value;

fn id(v: &Value) -> String {
    v.as_u64()
        .map(|n| n.to_string())
        .unwrap_or_else(|| v.as_str().unwrap().to_string())
}

/// All offers, deals and arbiters through the contract's paged messages, 25 per dry run.
async fn paged(ctx: &mut Ctx) -> (Config, Vec<Offer>, Vec<Deal>, Vec<(Address, Arbiter)>) {
    let config = Escrow::new(ctx).config().await.unwrap();
    let mut offers = Vec::new();
    let mut from = 0u64;
    while from < config.offer_count {
        offers.extend(Escrow::new(ctx).offers(from, MAX_PAGE).await.unwrap());
        from += u64::from(MAX_PAGE);
    }
    let deals = ops::deals::all_deals(ctx).await.unwrap();
    let mut arbiters = Vec::new();
    let mut from = 0u32;
    while from < config.arbiter_count {
        arbiters.extend(Escrow::new(ctx).arbiters(from, MAX_PAGE).await.unwrap());
        from += MAX_PAGE;
    }
    (config, offers, deals, arbiters)
}

#[test]
fn the_child_trie_snapshot_equals_the_contracts_paged_reads() {
    let env = Env::new();
    env.deploy(); // //Dave: arbiter at 5%.
    env.register_arbiter(FERDIE, "300");
    env.ok(&["--as", FERDIE, "arbiter", "retire"]);

    let windows = ["1h", "1h", "1h"];
    let main = id(&env.offer("100", 10, "10", windows)["offer"]["id"]);
    let withdrawn = id(&env.offer("5", 2, "1", windows)["offer"]["id"]);
    let updated = id(&env.offer("7", 3, "0", windows)["offer"]["id"]);
    let before_changes = env.best_block();
    env.ok(&["--as", BOB, "offer", "withdraw", &withdrawn]);
    env.ok(&["--as", BOB, "offer", "update", &updated, "--price", "8"]);

    let accept = |who: &str| id(&env.ok(&["--as", who, "deal", "accept", &main])["deal"]["id"]);
    let _funded = accept(CHARLIE);
    let delivered = accept(CHARLIE);
    env.ok(&["--as", BOB, "deal", "deliver", &delivered]);
    let disputed = accept(ALICE);
    env.ok(&[
        "--as",
        ALICE,
        "deal",
        "dispute",
        &disputed,
        "--evidence",
        "never arrived",
    ]);
    let completed = accept(CHARLIE);
    env.ok(&["--as", CHARLIE, "deal", "release", &completed]);
    let _on_updated = id(&env.ok(&["--as", CHARLIE, "deal", "accept", &updated])["deal"]["id"]);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let c = ctx.contracts().await.unwrap();
        let bundle = ops::load_bundle("escrow").unwrap();
        let layout = EscrowLayout::from_metadata(&bundle.metadata).unwrap();
        assert_eq!(layout, EscrowLayout::ESCROW, "the bundle's storage layout");

        let snap = contract_state::snapshot(&ctx.chain, &c.escrow.address, &layout, None)
            .await
            .unwrap();
        let (config, offers, deals, arbiters) = paged(&mut ctx).await;
        // Nothing was written in between: both read the same block.
        assert_eq!(ctx.chain.best_block_number().await.unwrap(), snap.block.0);
        assert_eq!(
            ctx.chain.block_hash(snap.block.0).await.unwrap(),
            Some(snap.block.1)
        );

        assert_eq!(snap.config(), config);
        assert_eq!(snap.offers, offers);
        assert_eq!(snap.deals, deals);
        assert_eq!(snap.arbiters, arbiters);
        assert!(snap.unlisted_arbiters.is_empty());
        assert!(snap.credits.is_empty());
        assert_eq!(snap.unknown_entries, 0);
        // The root, one entry per offer and deal, two per arbiter (registry and list slot).
        assert_eq!(
            snap.entries,
            1 + offers.len() + deals.len() + 2 * arbiters.len()
        );

        // The scenario really is in there.
        assert_eq!(snap.offers.len(), 3);
        let offer = |id: &str| snap.offers.iter().find(|o| o.id.to_string() == id).unwrap();
        assert!(!offer(&withdrawn).active);
        assert_eq!(offer(&updated).version, 2);
        let states: Vec<DealState> = snap.deals.iter().map(|d| d.state).collect();
        assert_eq!(
            states,
            [
                DealState::Funded,
                DealState::Delivered,
                DealState::Disputed,
                DealState::Completed,
                DealState::Funded
            ]
        );
        assert_eq!(snap.arbiters.len(), 2);
        assert!(snap.arbiters[0].1.active && !snap.arbiters[1].1.active);
        assert!(
            snap.root.fees_due > 0,
            "the completed deal paid a platform fee"
        );

        // What the explorer reads straight from storage equals what the messages answer.
        let recipient = config.fee_recipient.id();
        let credit = Escrow::new(&mut ctx).credit_of(&recipient).await.unwrap();
        assert_eq!(
            ctx.stored_config_and_credit(&recipient, None)
                .await
                .unwrap(),
            (config.clone(), credit)
        );
        assert_eq!(ctx.escrow_settings().await.unwrap(), config.settings);
        let reputation = ops::load_bundle("reputation").unwrap();
        let abi = &reputation.metadata.abi;
        assert_eq!(
            contract_state::mapping_root_key(abi, "deals").unwrap(),
            contract_state::REPUTATION_DEALS
        );
        assert_eq!(
            contract_state::mapping_root_key(abi, "stats").unwrap(),
            contract_state::REPUTATION_STATS
        );

        // At an earlier block: the offers as they were, no deals yet.
        let earlier = ctx.chain.block_hash(before_changes).await.unwrap().unwrap();
        let old = contract_state::snapshot(&ctx.chain, &c.escrow.address, &layout, Some(earlier))
            .await
            .unwrap();
        assert_eq!(old.block, (before_changes, earlier));
        assert_eq!(old.offers.len(), 3);
        assert!(old.offers.iter().all(|o| o.active && o.version == 1));
        assert!(old.deals.is_empty());
        assert_eq!(old.root.offer_count, 3);

        // The reputation contract is no escrow: its root entry (same root key) does not decode
        // as the escrow's, which is an error rather than a wrong or empty escrow.
        let other = contract_state::snapshot(&ctx.chain, &c.reputation.address, &layout, None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                other,
                ContractStateError::Decode {
                    what: "the root",
                    ..
                }
            ),
            "{other}"
        );

        // An account that is no contract.
        let alice = ctx.account(ALICE).unwrap();
        let none = contract_state::snapshot(&ctx.chain, &alice, &layout, None)
            .await
            .unwrap_err();
        assert!(
            matches!(none, ContractStateError::NoContract { .. }),
            "{none}"
        );
    });
}
