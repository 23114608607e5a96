//! Submission as a wallet user expects it: parallel clients of one account do not trip over
//! each other's nonces, and `--nonce`, `--tip` and `--mortality` are what gets signed.
//! Run: `cargo test -p escrow-client --features node-tests --test submission`.
#![cfg(feature = "node-tests")]

mod common;

use common::*;

/// One unit from //Alice to //Bob.
const FUND_BOB: [&str; 5] = ["account", "fund", BOB, "--amount", "1"];

/// Six `account fund` from //Alice at once (issue 26 measured four): each process takes the next nonce, and one whose
/// nonce a parallel one took fetches it again instead of failing with "Priority is too low".
#[test]
fn parallel_funds_from_one_account_all_land() {
    let env = Env::new();
    let recipients = [BOB, CHARLIE, DAVE, EVE, FERDIE, "//Alice//stash"];
    let before: Vec<u128> = recipients.iter().map(|who| env.free(who)).collect();
    let runs: Vec<_> = recipients
        .iter()
        .enumerate()
        .map(|(i, who)| {
            let amount = (i + 1).to_string();
            env.cmd(&["account", "fund", who, "--amount", &amount])
        })
        .collect();
    let outputs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = runs
            .into_iter()
            .map(|mut cmd| s.spawn(move || cmd.output().unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (who, out) in recipients.iter().zip(&outputs) {
        assert!(
            out.status.success(),
            "fund {who}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (i, (who, before)) in recipients.iter().zip(before).enumerate() {
        assert_eq!(
            env.free(who) - before,
            (i as u128 + 1) * UNIT,
            "{who} got its amount"
        );
    }
}

/// `--nonce`, `--tip` and `--mortality` are the nonce, tip and era of the extrinsic in the
/// block, the tip is part of the fee paid, and an explicit nonce already used is an error,
/// never silently replaced.
#[test]
fn nonce_tip_and_mortality_are_what_is_signed() {
    let env = Env::new();
    let nonce = next_nonce(&env, ALICE);
    let bob0 = env.free(BOB);
    let first = nonce.to_string();
    let flags = ["--nonce", &first, "--tip", "0.5", "--mortality", "128"];
    let funded = env.ok(&[&flags[..], &FUND_BOB].concat());
    let signed = signed_extrinsic(&env, &best_hash(&env));
    assert_eq!(
        signed,
        SignedChoices {
            period: Some(128),
            nonce,
            tip: UNIT / 2
        }
    );
    assert!(plancks(&funded["fee_paid"]) > UNIT / 2, "{funded}");
    assert_eq!(env.free(BOB) - bob0, UNIT);

    env.ok(&[&["--mortality", "immortal"][..], &FUND_BOB].concat());
    let signed = signed_extrinsic(&env, &best_hash(&env));
    assert_eq!(signed.period, None);
    assert_eq!((signed.nonce, signed.tip), (nonce + 1, 0));
    env.ok(&[&["--mortality", "4"][..], &FUND_BOB].concat());
    assert_eq!(signed_extrinsic(&env, &best_hash(&env)).period, Some(4));

    // The nonce the user asked for is taken: an error, and nothing is sent with another.
    let bob1 = env.free(BOB);
    let block = env.best_block();
    let reused = env.fails(&[&["--nonce", &first][..], &FUND_BOB].concat(), 1);
    assert!(
        reused["error"].as_str().unwrap().contains("outdated"),
        "{reused}"
    );
    assert_eq!(env.free(BOB), bob1);
    assert_eq!(env.best_block(), block);
}

/// `--nonce` is the first transaction's: a command that sends several (deploy uploads and
/// instantiates) numbers the others on from it.
#[test]
fn a_chosen_nonce_numbers_a_commands_transactions_on() {
    require_bundles();
    let env = Env::new();
    let first = next_nonce(&env, ALICE);
    let deployed = env.ok(&[
        "--nonce",
        &first.to_string(),
        "deploy",
        "--min-delivery-window",
        "1ms",
    ]);
    let hash = deployed["create_escrow"]["block_hash"].as_str().unwrap();
    let sent = signed_extrinsic(&env, hash).nonce - first + 1;
    assert!(sent > 1, "deploy sent {sent} transactions: {deployed}");
    assert_eq!(next_nonce(&env, ALICE), first + sent);
}

/// Values that cannot be signed as given stop before anything is sent, with one line naming
/// the flag.
#[test]
fn bad_nonce_tip_or_mortality_is_refused() {
    let env = Env::new();
    let block = env.best_block();
    for (args, named) in [
        (&["--mortality", "3"][..], "--mortality"),
        (&["--mortality", "100"], "--mortality"),
        (&["--mortality", "131072"], "--mortality"),
        (&["--tip", "-1"], "--tip"),
        (&["--tip", "1 DOT"], "--tip"),
        (&["--nonce", "x"], "--nonce"),
    ] {
        let err = env.fails(
            &[args, &["account", "fund", BOB, "--amount", "1"]].concat(),
            2,
        );
        let line = err["error"].as_str().unwrap();
        assert!(line.contains(named), "{args:?}: {err}");
        assert!(!line.contains('\n'), "{args:?}: one line: {err}");
    }
    assert_eq!(env.best_block(), block, "nothing was sent");
}

/// A contract call's storage deposit limit is the dry run's charge plus a margin, shown in the
/// dry run and the report; `--storage-deposit-limit` replaces it, and one below the charge is
/// refused before anything is sent.
#[test]
fn storage_deposit_limit_has_a_margin_and_can_be_set() {
    require_bundles();
    let env = Env::new();
    env.deploy();
    let register = ["arbiter", "register", "--fee-bps", "300"];
    let dry = env.ok(&[&["--as", CHARLIE, "--dry-run"], &register[..]].concat());
    let need = plancks(&dry["storage_deposit"]);
    assert!(need > 0, "{dry}");
    let with_margin = escrow_client::contract::deposit_limit_with_margin(need);
    assert!(
        with_margin >= need + need / 10 && with_margin > need,
        "{dry}"
    );
    assert_eq!(plancks(&dry["storage_deposit_limit"]), with_margin, "{dry}");

    let block = env.best_block();
    let too_low = format!("{}.{:012}", (need - 1) / UNIT, (need - 1) % UNIT);
    let err = env.fails(
        &[
            &["--as", CHARLIE, "--storage-deposit-limit", &too_low],
            &register[..],
        ]
        .concat(),
        2,
    );
    let line = err["error"].as_str().unwrap();
    assert!(line.contains("--storage-deposit-limit"), "{err}");
    assert!(line.contains("below"), "{err}");
    assert_eq!(env.best_block(), block, "nothing was sent");

    let registered = env.ok(&[&["--as", CHARLIE], &register[..]].concat());
    assert_eq!(
        plancks(&registered["tx"]["storage_deposit_limit"]),
        with_margin,
        "{registered}"
    );
    let chosen = env.ok(&[
        &["--as", EVE, "--storage-deposit-limit", "1"],
        &register[..],
    ]
    .concat());
    assert_eq!(
        plancks(&chosen["tx"]["storage_deposit_limit"]),
        UNIT,
        "{chosen}"
    );
}
