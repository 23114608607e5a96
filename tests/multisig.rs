//! Signing as a group or offline (issue 26, point 4): a 2-of-3 shop account of
//! pallet-multisig sells through the escrow, and a buyer whose key is offline releases a deal
//! with a transaction signed away from the client.
//! Run: `cargo test -p escrow-client --features node-tests --test multisig`.
#![cfg(feature = "node-tests")]

mod common;

use common::*;
use serde_json::Value;

/// The shop: //Bob, //Charlie and //Ferdie, any two of them.
const SHOP: &str = "//Bob,//Charlie,//Ferdie";

fn shop(signer: &str) -> Vec<&str> {
    vec!["--as", signer, "--multisig", SHOP, "--threshold", "2"]
}

fn with<'a>(mut flags: Vec<&'a str>, args: &[&'a str]) -> Vec<&'a str> {
    flags.extend_from_slice(args);
    flags
}

fn state(v: &Value) -> &str {
    v["deal"]["state"].as_str().unwrap()
}

/// A write of the shop as `signer`: its first approval is on chain, nothing executed.
fn start(env: &Env, signer: &str, args: &[&str], message: &str) -> Value {
    let started = env.ok(&with(shop(signer), args));
    assert_eq!(started["type"], "deferred", "{started}");
    assert_eq!(started["kind"], "multisig_started", "{started}");
    let call = &started["call"];
    assert_eq!(call["call"]["message"], message, "{started}");
    assert_eq!(call["call"]["contract_name"], "escrow");
    assert_eq!(call["approvals"].as_array().unwrap().len(), 1);
    call.clone()
}

#[test]
#[ignore = "the pinned substrate-contracts-node 0.42.0 has no pallet-multisig; run with --ignored \
            against a node whose runtime has it"]
fn a_two_of_three_shop_sells_through_its_multisig_account() {
    let env = Env::new();
    env.deploy();
    let shop_address = env.ok(&with(shop(BOB), &["multisig", "pending"]))["multisig"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(env.ok(&with(shop(BOB), &["multisig", "pending"]))["calls"]
        .as_array()
        .unwrap()
        .is_empty());
    env.ok(&["account", "fund", &shop_address, "--amount", "1000"]);
    let shop0 = env.free(&shop_address);

    // //Bob starts the listing: the pallet names the account derived here, and reserves
    // //Bob's deposit while the call waits.
    let bob0 = env.free(BOB);
    let listing = start(
        &env,
        BOB,
        &[
            "offer",
            "create",
            "--title",
            "Shop lamp",
            "--description",
            "brass",
            "--price",
            "100",
            "--quantity",
            "2",
            "--arbiter",
            DAVE,
            "--delivery-window",
            "3d",
            "--review-window",
            "2d",
            "--ruling-window",
            "1d",
            "--bond-per-unit",
            "10",
        ],
        "create_offer",
    );
    assert_eq!(listing["multisig"], shop_address.as_str());
    let hash = listing["call_hash"].as_str().unwrap().to_string();
    let deposit = plancks(&listing["deposit"]);
    assert!(deposit > 0);
    let bob1 = env.free(BOB);
    assert!(bob0 - bob1 > deposit, "//Bob paid the deposit and a fee");
    assert!(env.ok(&["offer", "list"])["offers"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(env.free(&shop_address), shop0, "nothing executed yet");

    // Every signatory sees the waiting call: its hash and what it does.
    let pending = env.ok(&with(shop(FERDIE), &["multisig", "pending"]));
    let calls = pending["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["call_hash"], hash.as_str());
    assert_eq!(calls[0]["call"]["message"], "create_offer");
    assert_eq!(calls[0]["call"]["value"], (20 * UNIT).to_string());
    let text = env.text(&with(shop(FERDIE), &["multisig", "pending"]));
    assert!(
        text.contains(&hash) && text.contains("escrow.create_offer("),
        "{text}"
    );

    // A signatory that already approved cannot approve again.
    env.fails(&with(shop(BOB), &["multisig", "approve", &hash]), 2);

    // //Charlie's approval is the second: it executes the listing.
    let done = env.ok(&with(shop(CHARLIE), &["multisig", "approve", &hash]));
    assert_eq!(done["outcome"], "executed", "{done}");
    assert!(done["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "OfferCreated"));
    let offers = env.ok(&["offer", "list"]);
    let offer = &offers["offers"][0];
    assert_eq!(
        offer["seller"],
        shop_address.as_str(),
        "the shop account sells"
    );
    let offer_id = id(&offer["id"]);
    let shop1 = env.free(&shop_address);
    assert!(
        shop0 - shop1 >= 20 * UNIT,
        "the shop account staked the bond (and the storage deposit)"
    );
    assert_eq!(env.free(BOB), bob1 + deposit, "//Bob's deposit came back");
    assert!(env.ok(&with(shop(BOB), &["multisig", "pending"]))["calls"]
        .as_array()
        .unwrap()
        .is_empty());

    // A buyer accepts; the shop delivers through the multisig; the buyer releases and the
    // shop account is paid (99 UNIT after the 1 % fee) and gets the unit's bond back.
    let deal = env.ok(&["--as", ALICE, "deal", "accept", &offer_id]);
    let deal_id = id(&deal["deal"]["id"]);
    let deliver = start(
        &env,
        CHARLIE,
        &["deal", "deliver", &deal_id],
        "mark_delivered",
    );
    let hash = deliver["call_hash"].as_str().unwrap().to_string();
    let done = env.ok(&with(shop(FERDIE), &["multisig", "approve", &hash]));
    assert_eq!(done["outcome"], "executed");
    assert_eq!(
        env.ok(&["deal", "show", &deal_id])["deal"]["state"],
        "Delivered"
    );
    let shop2 = env.free(&shop_address);
    let released = env.ok(&["--as", ALICE, "deal", "release", &deal_id]);
    assert_eq!(state(&released), "Completed");
    assert_eq!(env.free(&shop_address) - shop2, 99 * UNIT + 10 * UNIT);

    // A call nobody else approved is cancelled by its first signer only; the offer stays.
    let withdraw = start(
        &env,
        FERDIE,
        &["offer", "withdraw", &offer_id],
        "withdraw_offer",
    );
    let hash = withdraw["call_hash"].as_str().unwrap().to_string();
    let ferdie0 = env.free(FERDIE);
    let refused = env.fails(&with(shop(CHARLIE), &["multisig", "cancel", &hash]), 2);
    assert!(
        refused["error"].as_str().unwrap().contains("first signer"),
        "{refused}"
    );
    let cancelled = env.ok(&with(shop(FERDIE), &["multisig", "cancel", &hash]));
    assert_eq!(cancelled["outcome"], "cancelled");
    assert!(
        env.free(FERDIE) > ferdie0,
        "//Ferdie's deposit came back (less the fee)"
    );
    assert!(env.ok(&with(shop(BOB), &["multisig", "pending"]))["calls"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        env.ok(&["offer", "show", &offer_id])["offer"]["active"],
        true
    );
}

/// The pinned node's runtime has no pallet-multisig: every multisig command says so in one
/// line and sends nothing.
#[test]
fn a_chain_without_pallet_multisig_is_named_and_nothing_is_sent() {
    let env = Env::new();
    env.deploy();
    let offer = env.offer("5", 1, "1", ["3d", "2d", "1d"]);
    let offer_id = id(&offer["offer"]["id"]);
    let bob0 = env.free(BOB);
    let e = env.fails(&with(shop(BOB), &["multisig", "pending"]), 2);
    assert!(
        e["error"].as_str().unwrap().contains("no Multisig pallet"),
        "{e}"
    );
    let e = env.fails(&with(shop(BOB), &["offer", "withdraw", &offer_id]), 2);
    assert!(
        e["error"].as_str().unwrap().contains("no Multisig pallet"),
        "{e}"
    );
    assert_eq!(env.free(BOB), bob0);
}

#[test]
fn bad_multisig_flags_are_refused_before_anything_is_sent() {
    let env = Env::new();
    env.deploy();
    let bob0 = env.free(BOB);
    let create = [
        "offer",
        "create",
        "--title",
        "t",
        "--description",
        "d",
        "--price",
        "1",
        "--arbiter",
        DAVE,
        "--bond-per-unit",
        "0",
    ];
    // A threshold above the signatories, or of one.
    for (threshold, words) in [("4", "more than the 3 signatories"), ("1", "at least 2")] {
        let mut args = vec!["--as", BOB, "--multisig", SHOP, "--threshold", threshold];
        args.extend_from_slice(&create);
        let e = env.fails(&args, 2);
        assert!(e["error"].as_str().unwrap().contains(words), "{e}");
    }
    assert_eq!(env.free(BOB), bob0);
}

/// The offline buyer's key: the test stands in for the device that holds it.
fn offline_key() -> subxt_signer::sr25519::Keypair {
    use std::str::FromStr;
    let uri = subxt_signer::SecretUri::from_str("//OfflineBuyer").unwrap();
    subxt_signer::sr25519::Keypair::from_uri(&uri).unwrap()
}

fn sign(key: &subxt_signer::sr25519::Keypair, file: &std::path::Path) -> String {
    let tx: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let payload = hex::decode(
        tx["signer_payload"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    hex::encode(key.sign(&payload).0)
}

#[test]
fn an_offline_signed_release_is_sent_and_a_wrong_signature_is_refused() {
    let env = Env::new();
    env.deploy();
    let key = offline_key();
    let buyer = format!("0x{}", hex::encode(key.public_key().0));
    env.ok(&["account", "fund", &buyer, "--amount", "500"]);
    let offer = env.offer("100", 1, "10", ["3d", "2d", "1d"]);
    let offer_id = id(&offer["offer"]["id"]);
    let accepted = env.ok(&["--suri", "//OfflineBuyer", "deal", "accept", &offer_id]);
    let deal_id = id(&accepted["deal"]["id"]);
    env.ok(&["--as", BOB, "deal", "deliver", &deal_id]);

    // The release is made here, unsigned: the client holds no key of the buyer.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("release.json");
    let file_arg = file.to_str().unwrap();
    let unsigned = env.ok(&[
        "--as",
        &buyer,
        "--unsigned-file",
        file_arg,
        "deal",
        "release",
        &deal_id,
    ]);
    assert_eq!(unsigned["kind"], "unsigned", "{unsigned}");
    assert_eq!(unsigned["call"]["message"], "release_milestone");
    let tx = &unsigned["transaction"];
    for field in ["signer_payload", "call_data", "genesis_hash"] {
        assert!(
            tx[field].as_str().unwrap().starts_with("0x"),
            "{field}: {tx}"
        );
    }
    assert!(tx["nonce"].is_u64() && tx["spec_version"].is_u64());
    let text = env.text(&["--as", &buyer, "--unsigned", "deal", "release", &deal_id]);
    assert!(
        text.contains("signer payload") && text.contains("nonce"),
        "{text}"
    );
    let buyer0 = env.free(&buyer);

    // A signature by another key is refused: one line, exit 2, nothing sent.
    let ferdie = {
        use std::str::FromStr;
        let uri = subxt_signer::SecretUri::from_str("//Ferdie").unwrap();
        subxt_signer::sr25519::Keypair::from_uri(&uri).unwrap()
    };
    let wrong = sign(&ferdie, &file);
    let out = env
        .cmd(&["submit", "--payload", file_arg, "--signature", &wrong])
        .args(["--output", "text"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not a signature"), "{stderr}");
    assert_eq!(env.free(&buyer), buyer0, "nothing was sent");
    assert_eq!(
        env.ok(&["deal", "show", &deal_id])["deal"]["state"],
        "Delivered"
    );

    // The buyer's own signature: sent, and the deal is released.
    let right = sign(&key, &file);
    let sent = env.ok(&["submit", "--payload", file_arg, "--signature", &right]);
    assert_eq!(sent["type"], "submitted", "{sent}");
    let closed = &sent["events"][0];
    assert_eq!(closed["name"], "DealClosed", "{sent}");
    assert_eq!(closed["fields"]["outcome"], "Completed");
    assert_eq!(
        env.ok(&["deal", "show", &deal_id])["deal"]["state"],
        "Completed"
    );
    assert!(env.free(&buyer) < buyer0, "the buyer paid the fee");
}
