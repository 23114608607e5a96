//! Integration tests of escrow_client::chain against a real substrate-contracts-node 0.42.
//!
//! Like tests/dev_node.rs they need the node binary (`bash node-config/setup`) and FAIL without
//! it. Run: `cargo test -p escrow-client --features node-tests --test chain`.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

use std::time::{Duration, Instant};

use escrow_client::chain::{Chain, ChainError};
use escrow_client::dev_node::{DevNode, DevNodeOptions};
use escrow_client::keystore::Keystore;
use escrow_client::node_config::NodeConfig;
use escrow_client::signer::Keypair;

fn start_node() -> DevNode {
    let config = NodeConfig::load_default().unwrap_or_else(|e| panic!("node config: {e}"));
    DevNode::start(&config, DevNodeOptions::for_tests()).unwrap_or_else(|e| {
        panic!("{e}\nThese tests need substrate-contracts-node 0.42.0 (`bash node-config/setup`).")
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn transfer_to_a_keystore_key_and_back() {
    let node = start_node();
    let dir = tempfile::tempdir().unwrap();
    let passwords = escrow_client::keystore::Passwords::fixed("chain test");
    let mut keystore = Keystore::open(dir.path().join("keys.json"), Some(passwords)).unwrap();
    // ed25519 on purpose: the signer the CLI uses for `--scheme ed25519` keys, on chain.
    let info = keystore
        .new_key("buyer", escrow_client::signer::Scheme::Ed25519, 12)
        .unwrap()
        .info;
    let buyer = keystore.get("buyer").unwrap();
    assert_eq!(buyer.scheme(), "ed25519");
    let alice = Keypair::sr25519_from_uri("//Alice").unwrap();

    runtime().block_on(async {
        let chain = Chain::connect(&node.url(), Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(chain.units().symbol, "UNIT");
        assert_eq!(chain.units().decimals, 12);
        assert_ne!(chain.genesis_hash(), [0u8; 32]);
        let start_block = chain.best_block_number().await.unwrap();

        let unit = 10u128.pow(chain.units().decimals as u32);
        let alice_before = chain.free_balance(&alice.account_id()).await.unwrap();
        assert_eq!(chain.free_balance(&buyer.account_id()).await.unwrap(), 0);

        // Fund the ed25519 keystore key from //Alice.
        let funded = chain
            .transfer_keep_alive(&alice, &buyer.account_id(), 100 * unit)
            .await
            .unwrap();
        assert!(funded.find("Balances", "Transfer").next().is_some());
        let fee = funded.fee_paid.expect("TransactionFeePaid");
        assert!(fee > 0);
        assert!(funded.weight.is_some());
        assert_eq!(
            chain.free_balance(&buyer.account_id()).await.unwrap(),
            100 * unit
        );
        assert_eq!(
            chain.free_balance(&alice.account_id()).await.unwrap(),
            alice_before - 100 * unit - fee
        );
        assert!(chain.best_block_number().await.unwrap() > start_block);

        // The ed25519 key signs a transfer back.
        let back = chain
            .transfer_keep_alive(&buyer, &alice.account_id(), 40 * unit)
            .await
            .unwrap();
        let fee_back = back.fee_paid.unwrap();
        assert_eq!(
            chain.free_balance(&buyer.account_id()).await.unwrap(),
            60 * unit - fee_back
        );
        assert_eq!(info.account, buyer.public_key());

        // Spending more than the balance is a readable dispatch/validity error, not a panic.
        let err = chain
            .transfer_keep_alive(&buyer, &alice.account_id(), 1_000 * unit)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ChainError::Dispatch(_) | ChainError::Rejected(_)),
            "{err}"
        );

        // Pipelined transfers with locally managed nonces.
        let bob = Keypair::sr25519_from_uri("//Bob").unwrap();
        let bob_before = chain.free_balance(&bob.account_id()).await.unwrap();
        let calls: Vec<_> = (0..3)
            .map(|_| {
                subxt::dynamic::tx(
                    "Balances",
                    "transfer_keep_alive",
                    (
                        subxt::utils::MultiAddress::<subxt::utils::AccountId32, ()>::Id(
                            bob.account_id(),
                        ),
                        unit,
                    ),
                )
            })
            .collect();
        let results = chain.submit_many(&alice, &calls).await.unwrap();
        assert_eq!(results.len(), 3);
        for r in &results {
            assert!(r.is_ok(), "{:?}", r.as_ref().err());
        }
        assert_eq!(
            chain.free_balance(&bob.account_id()).await.unwrap(),
            bob_before + 3 * unit
        );
    });
}

#[test]
fn unreachable_node_is_a_clear_error() {
    let node = start_node();
    let url = node.url();
    drop(node);
    runtime().block_on(async {
        let started = Instant::now();
        let err = Chain::connect(&url, Duration::from_secs(3))
            .await
            .unwrap_err();
        assert!(matches!(err, ChainError::Unreachable { .. }), "{err}");
        assert!(err.to_string().contains(&url), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    });
}
