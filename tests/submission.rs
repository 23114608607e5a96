//! Submission as a wallet user expects it: parallel clients of one account do not trip over
//! each other's nonces, and `--nonce`, `--tip` and `--mortality` are what gets signed.
//! Run: `cargo test -p escrow-client --features node-tests --test submission`.
#![cfg(feature = "node-tests")]

mod common;

use common::*;

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
    let funded = env.ok(&[
        "--nonce",
        &nonce.to_string(),
        "--tip",
        "0.5",
        "--mortality",
        "128",
        "account",
        "fund",
        BOB,
        "--amount",
        "1",
    ]);
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

    env.ok(&[
        "--mortality",
        "immortal",
        "account",
        "fund",
        BOB,
        "--amount",
        "1",
    ]);
    let signed = signed_extrinsic(&env, &best_hash(&env));
    assert_eq!(signed.period, None);
    assert_eq!((signed.nonce, signed.tip), (nonce + 1, 0));
    env.ok(&["--mortality", "4", "account", "fund", BOB, "--amount", "1"]);
    assert_eq!(signed_extrinsic(&env, &best_hash(&env)).period, Some(4));

    // The nonce the user asked for is taken: an error, and nothing is sent with another.
    let bob1 = env.free(BOB);
    let block = env.best_block();
    let reused = env.fails(
        &[
            "--nonce",
            &nonce.to_string(),
            "account",
            "fund",
            BOB,
            "--amount",
            "1",
        ],
        1,
    );
    assert!(
        reused["error"].as_str().unwrap().contains("outdated"),
        "{reused}"
    );
    assert_eq!(env.free(BOB), bob1);
    assert_eq!(env.best_block(), block);
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
