//! Words on the record through the CLI on a real node: a delivery note, a dispute statement,
//! evidence from both sides and a ruling's reasons are published beside the calls that cite
//! them and read back in order, word for word; evidence the contract refuses sends nothing;
//! `--dry-run` shows the bytes that would go on chain; and a document whose call reverted is
//! never taken as attached.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run`.
#![cfg(feature = "node-tests")]

mod common;

use common::*;
use serde_json::Value;

/// `(kind, by, words)` of each document on the deal's record, in order.
fn record(env: &Env, deal_id: &str) -> Vec<(String, String, Value)> {
    let shown = env.ok(&["deal", "show", deal_id]);
    shown["words"]
        .as_array()
        .unwrap_or_else(|| panic!("{shown}"))
        .iter()
        .map(|w| {
            (
                w["kind"].as_str().unwrap().to_string(),
                w["by"].as_str().unwrap().to_string(),
                w["words"].clone(),
            )
        })
        .collect()
}

/// The home of a second client of the same chain, with a store of its own, joined from the
/// marketplace's export. A later block is finalized first, so that this client's store starts
/// from a snapshot after the documents' blocks and must read those blocks to find them.
fn second_home(env: &Env) -> tempfile::TempDir {
    env.ok(&["account", "fund", FERDIE, "--amount", "1"]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let export = env.home.path().join("marketplace.json");
    let export = export.to_str().unwrap();
    env.ok(&["deployment", "export", "--out", export]);
    let home = tempfile::tempdir().unwrap();
    let import = ["deployment", "import", export];
    succeeds(env.cmd_in(home.path(), &import), &import);
    home
}

/// The escrow's `submit_evidence(deal_id, document)` call data, encoded by hand: the tests
/// that send it past the client's checks.
fn evidence_call(c: &escrow_client::ops::Contracts, deal_id: &str, document: [u8; 32]) -> Vec<u8> {
    let mut input = c.escrow.codec.selector("submit_evidence").unwrap().to_vec();
    input.extend(scale::Encode::encode(&(
        deal_id.parse::<u64>().unwrap(),
        document,
    )));
    input
}

fn on_chain(text: &str) -> Value {
    serde_json::json!({ "status": "on_chain", "text": text })
}

#[test]
fn a_dispute_reads_back_in_order_the_note_the_statement_each_sides_evidence_and_the_reasons() {
    let env = Env::new();
    env.deploy();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    env.ok(&[
        "--as",
        BOB,
        "deal",
        "deliver",
        &deal_id,
        "--note",
        "Shipped, tracking T-1",
        "--link",
        "https://track.example/T-1",
    ]);
    env.ok(&[
        "--as",
        CHARLIE,
        "deal",
        "dispute",
        &deal_id,
        "--statement",
        "The box was empty.",
    ]);
    env.ok(&[
        "--as",
        BOB,
        "deal",
        "evidence",
        "add",
        &deal_id,
        "The scale at the post office read 900 g.",
    ]);
    env.ok(&[
        "--as",
        CHARLIE,
        "deal",
        "evidence",
        "add",
        &deal_id,
        "The carrier's label says 120 g.",
    ]);
    // A document kept elsewhere is cited by its hash, and never shown as words.
    let elsewhere = format!("0x{}", "ab".repeat(32));
    env.ok(&["--as", BOB, "deal", "evidence", "add", &deal_id, &elsewhere]);
    env.ok(&[
        "--as",
        DAVE,
        "deal",
        "rule",
        &deal_id,
        "--seller-share",
        "0",
        "--reasons",
        "120 g is an empty box: refunded, the seller at fault.",
    ]);

    let deal = env.ok(&["deal", "show", &deal_id])["deal"].clone();
    let (buyer, seller, arbiter) = (
        deal["buyer"].as_str().unwrap().to_string(),
        deal["seller"].as_str().unwrap().to_string(),
        deal["arbiter"].as_str().unwrap().to_string(),
    );
    assert_eq!(
        record(&env, &deal_id),
        vec![
            (
                "delivery_note".to_string(),
                seller.clone(),
                on_chain("Shipped, tracking T-1\n\nLinks:\nhttps://track.example/T-1")
            ),
            (
                "statement".to_string(),
                buyer.clone(),
                on_chain("The box was empty.")
            ),
            (
                "evidence".to_string(),
                seller.clone(),
                on_chain("The scale at the post office read 900 g.")
            ),
            (
                "evidence".to_string(),
                buyer,
                on_chain("The carrier's label says 120 g.")
            ),
            (
                "evidence".to_string(),
                seller,
                serde_json::json!({ "status": "not_on_chain" })
            ),
            (
                "reasons".to_string(),
                arbiter,
                on_chain("120 g is an empty box: refunded, the seller at fault.")
            ),
        ]
    );
    let text = env.text(&["deal", "show", &deal_id]);
    assert!(text.contains("dispute statement by"), "{text}");
    assert!(text.contains("| The box was empty."), "{text}");
    assert!(text.contains("not on chain"), "{text}");

    // A second client, with a home and a store of its own, joins from the marketplace's
    // export and reads the same words from the chain.
    let home = second_home(&env);
    let show = ["deal", "show", &deal_id];
    let again = succeeds(env.cmd_in(home.path(), &show), &show);
    assert_eq!(again["words"][1]["words"], on_chain("The box was empty."));
    assert_eq!(again["words"].as_array().map(Vec::len), Some(6));
}

#[test]
fn evidence_from_a_stranger_beyond_the_cap_or_after_the_ruling_is_refused_and_sends_nothing() {
    let env = Env::new();
    env.deploy();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    env.ok(&["--as", CHARLIE, "deal", "dispute", &deal_id]);
    let refused = |who: &str, words: &str, variant: &str| {
        let (balance, block) = (env.free(who), env.best_block());
        let err = env.fails(
            &["--as", who, "deal", "evidence", "add", &deal_id, words],
            1,
        );
        assert_eq!(err["contract_error"], variant, "{err}");
        assert_eq!(env.free(who), balance, "nothing was paid");
        assert_eq!(env.best_block(), block, "nothing was sent");
    };
    env.ok(&["account", "fund", EVE, "--amount", "10"]);
    refused(EVE, "I saw it all", "NotParty");
    for n in 1..=8 {
        env.ok(&[
            "--as",
            BOB,
            "deal",
            "evidence",
            "add",
            &deal_id,
            &format!("Exhibit {n}"),
        ]);
    }
    refused(BOB, "Exhibit 9", "TooMuchEvidence");
    // The buyer still has its say.
    env.ok(&[
        "--as",
        CHARLIE,
        "deal",
        "evidence",
        "add",
        &deal_id,
        "My exhibit",
    ]);
    env.ok(&[
        "--as",
        DAVE,
        "deal",
        "rule",
        &deal_id,
        "--seller-share",
        "50%",
    ]);
    refused(CHARLIE, "Too late", "InvalidState");
    assert_eq!(record(&env, &deal_id).len(), 9);
}

#[test]
fn a_dry_run_shows_the_document_it_would_publish_and_sends_nothing() {
    let env = Env::new();
    env.deploy();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    let (block, bob0) = (env.best_block(), env.free(BOB));
    let shown = env.ok(&[
        "--dry-run",
        "--as",
        BOB,
        "deal",
        "deliver",
        &deal_id,
        "--note",
        "Courier ABC, parcel 7",
    ]);
    assert_eq!(shown["type"], "dry_run", "{shown}");
    assert_eq!(shown["document"], "Courier ABC, parcel 7", "{shown}");
    assert!(
        shown["notes"].to_string().contains("anyone can read it"),
        "{shown}"
    );
    assert_eq!(env.best_block(), block);
    assert_eq!(env.free(BOB), bob0);
    let too_long = "x".repeat(4097);
    let err = env.fails(
        &[
            "--as", BOB, "deal", "deliver", &deal_id, "--note", &too_long,
        ],
        2,
    );
    assert!(
        err["error"].as_str().unwrap().contains("at most 4096"),
        "{err}"
    );
    assert_eq!(env.best_block(), block);
}

#[test]
fn a_document_whose_call_reverts_is_never_taken_as_published() {
    use escrow_client::chain::Weight;
    use escrow_client::contract::{ContractClientError, PreparedCall, StorageDeposit};
    use escrow_client::documents::Document;
    use escrow_client::ops::index::synced_store;
    use escrow_client::ops::Ctx;
    use escrow_client::signer::Keypair;

    let env = Env::new();
    env.deploy();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    let document = Document::new("Words for a call that fails", &[]).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let c = ctx.contracts().await.unwrap();
        // Straight to the chain, past the dry run: a stranger's evidence on a deal that is
        // not disputed, in the same batch as its document.
        let eve = Keypair::sr25519_from_uri(EVE).unwrap();
        let input = evidence_call(&c, &deal_id, document.hash());
        let gas = Weight {
            ref_time: 20_000_000_000,
            proof_size: 1_000_000,
        };
        let prepared = PreparedCall {
            message: "submit_evidence".into(),
            input,
            value: 0,
            gas_required: gas,
            gas_limit: gas,
            storage_deposit: StorageDeposit::Charge(0),
            deposit_limit: UNIT,
            return_value: contract_transcode::Value::Unit,
            return_data: Vec::new(),
            document: Some(document.clone()),
        };
        match c.escrow.submit_prepared(&ctx.chain, &eve, prepared).await {
            Err(ContractClientError::Dispatch { failure, .. }) => {
                assert_eq!(failure.name, "Contracts::ContractReverted")
            }
            other => panic!("the batch went through: {other:?}"),
        }
        let (store, _) = synced_store(&mut ctx, escrow_client::indexer::Backfill::All)
            .await
            .unwrap();
        assert_eq!(store.document(&document.hash()).unwrap(), None);
    });
    // The same words published with a call that goes through are on record.
    env.ok(&["--as", CHARLIE, "deal", "dispute", &deal_id]);
    env.ok(&[
        "--as",
        CHARLIE,
        "deal",
        "evidence",
        "add",
        &deal_id,
        "Words for a call that fails",
    ]);
    assert_eq!(
        record(&env, &deal_id)[0].2,
        on_chain("Words for a call that fails")
    );
}

#[test]
fn a_poster_on_another_client_reads_a_workers_pitch_word_for_word() {
    let env = Env::new();
    env.deploy();
    let posted = env.post_request(CHARLIE, "Logo", "50", &[]);
    let request = id(&posted["request"]["id"]);
    let pitch = "I have drawn 40 logos for bakeries.\nTwo drafts in three days.";
    env.ok(&[
        "--as",
        BOB,
        "proposal",
        "submit",
        &request,
        "--price",
        "40",
        "--message",
        pitch,
    ]);
    let home = second_home(&env);
    let list = ["proposal", "list", &request];
    let listed = succeeds(env.cmd_in(home.path(), &list), &list);
    assert_eq!(listed["proposals"][0]["pitch"], on_chain(pitch), "{listed}");
    // Bob has no rating yet: that is not the worst rating.
    let text = env.text(&["proposal", "list", &request]);
    assert!(text.contains("no rating when proposed"), "{text}");
    assert!(text.contains("| Two drafts in three days."), "{text}");
}

#[test]
fn an_arbiters_profile_is_published_and_read_on_another_client() {
    let env = Env::new();
    env.deploy();
    let profile = "Dave: bikes and cameras, ten years of rulings. Replies within a day.";
    env.ok(&[
        "--as",
        DAVE,
        "arbiter",
        "update",
        "--fee-bps",
        "500",
        "--profile",
        profile,
    ]);
    let home = second_home(&env);
    let show = ["arbiter", "show", DAVE];
    let shown = succeeds(env.cmd_in(home.path(), &show), &show);
    assert_eq!(shown["profile"], on_chain(profile), "{shown}");
    // A profile kept elsewhere is cited by its hash and never shown as words.
    let elsewhere = format!("0x{}", "cd".repeat(32));
    env.ok(&[
        "--as",
        DAVE,
        "arbiter",
        "update",
        "--fee-bps",
        "500",
        "--profile",
        &elsewhere,
    ]);
    let shown = env.ok(&["arbiter", "show", DAVE]);
    assert_eq!(shown["profile"]["status"], "not_on_chain", "{shown}");
}

#[test]
fn a_rating_comment_is_published_at_the_reveal_never_at_the_blind_commit() {
    let env = Env::new();
    env.deploy();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    env.ok(&["--as", BOB, "deal", "deliver", &deal_id]);
    env.ok(&["--as", CHARLIE, "deal", "release", &deal_id]);
    let comment = "Well packed, as described.";
    env.ok(&[
        "--as",
        CHARLIE,
        "rate",
        "commit",
        &deal_id,
        "--score",
        "5",
        "--comment",
        comment,
    ]);
    // The other side has not committed yet: the words would tell it the rating.
    assert!(record(&env, &deal_id).is_empty());
    env.ok(&["--as", BOB, "rate", "commit", &deal_id, "--score", "4"]);
    env.ok(&["--as", CHARLIE, "rate", "reveal", &deal_id]);
    let buyer = env.ok(&["deal", "show", &deal_id])["deal"]["buyer"].clone();
    assert_eq!(
        record(&env, &deal_id),
        vec![(
            "rating_comment".to_string(),
            buyer.as_str().unwrap().to_string(),
            on_chain(comment)
        )]
    );
}

#[test]
fn an_account_is_told_before_its_first_document_that_the_words_are_public_for_good() {
    let env = Env::new();
    env.deploy();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    let stderr_of = |args: &[&str]| {
        let out = env.cmd(args).args(["--output", "text"]).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = stderr_of(&["--as", BOB, "deal", "deliver", &deal_id, "--note", "Sent"]);
    assert!(
        first.contains("for the first time: anyone can read it"),
        "{first}"
    );
    env.ok(&["--as", CHARLIE, "deal", "dispute", &deal_id]);
    let again = stderr_of(&[
        "--as",
        BOB,
        "deal",
        "evidence",
        "add",
        &deal_id,
        "Receipt 12",
    ]);
    assert!(!again.contains("for the first time"), "told once: {again}");
}

#[test]
fn a_remark_whose_bytes_do_not_match_the_cited_hash_is_shown_as_such_never_as_words() {
    use escrow_client::documents::Document;
    use escrow_client::ops::Ctx;
    use escrow_client::signer::Keypair;

    let env = Env::new();
    env.deploy();
    let (_, deal_id) = env.accepted_deal("100", "10", ["3d", "2d", "1d"]);
    env.ok(&["--as", CHARLIE, "deal", "dispute", &deal_id]);
    let cited = Document::new("What the call cites", &[]).unwrap();
    let published = Document::new("Other words in the same batch", &[]).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut ctx = Ctx::connect(env.settings()).await.unwrap();
        let c = ctx.contracts().await.unwrap();
        let charlie = Keypair::sr25519_from_uri(CHARLIE).unwrap();
        // A client that publishes one document and cites another, in one batch that lands.
        let input = evidence_call(&c, &deal_id, cited.hash());
        let mut prepared = c
            .escrow
            .prepare_call(&ctx.chain, &charlie, "submit_evidence", input, 0)
            .await
            .unwrap();
        prepared.document = Some(published.clone());
        c.escrow
            .submit_prepared(&ctx.chain, &charlie, prepared)
            .await
            .unwrap();
    });
    let words = record(&env, &deal_id);
    assert_eq!(words.len(), 1);
    assert_eq!(
        words[0].2,
        serde_json::json!({ "status": "does_not_match" })
    );
    let text = env.text(&["deal", "show", &deal_id]);
    assert!(text.contains("do not match its hash"), "{text}");
    assert!(!text.contains("Other words"), "{text}");
}

#[test]
fn a_description_longer_than_the_terms_hold_is_published_whole_and_read_back() {
    let env = Env::new();
    env.deploy();
    let long = format!(
        "Leica M3, 1957, serviced in 2024. {}",
        "Shutter speeds all accurate, rangefinder bright, no haze. ".repeat(8)
    );
    assert!(long.len() > 256);
    let created = env.ok(&[
        "--as",
        BOB,
        "offer",
        "create",
        "--title",
        "Camera",
        "--description",
        &long,
        "--price",
        "10",
        "--arbiter",
        DAVE,
    ]);
    let kept = created["offer"]["terms"]["description"].as_str().unwrap();
    assert!(
        kept.len() <= 256 && kept.starts_with("Leica M3, 1957"),
        "{kept}"
    );
    let offer_id = id(&created["offer"]["id"]);
    let shown = env.ok(&["offer", "show", &offer_id]);
    assert_eq!(shown["details"], on_chain(&long), "{shown}");
    // The summary is what search finds.
    let found = env.ok(&["offer", "list", "--text", "Leica"]);
    assert_eq!(found["offers"].as_array().map(Vec::len), Some(1));

    let posted = env.post_request(CHARLIE, "Logo", "50", &["--description", &long]);
    let request = id(&posted["request"]["id"]);
    let home = second_home(&env);
    let show = ["request", "show", &request];
    let shown = succeeds(env.cmd_in(home.path(), &show), &show);
    assert_eq!(shown["details"], on_chain(&long), "{shown}");
}
