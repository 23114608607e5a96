//! Off a Development chain every write asks first, on a terminal, and the call the user confirms
//! is the call that is paid: the prompt and `--dry-run` show its contract, message, arguments
//! (the offer version among them), call data, value and fee, and a yes sends that very call.
//! When it changed while the prompt waited, nothing is sent and the user is asked again.
//!
//! The CLI runs on a pseudo-terminal (rexpect), as a person would answer it.

#![cfg(feature = "node-tests")]

mod common;

use common::*;
use rexpect::session::{spawn_command, PtySession};

const PROMPT: &str = "send it? [y/N] ";

/// A "Live" chain with the contracts deployed, //Dave an arbiter at 5% and an offer of //Bob's
/// at 10 UNIT. Every write here needs -y: no terminal.
fn live_market() -> (Env, String) {
    let env = Env::live();
    env.ok(&[&["-y", "--suri", ALICE, "deploy"][..], &SHORT_MINIMUMS].concat());
    env.ok(&[
        "-y",
        "--suri",
        DAVE,
        "arbiter",
        "register",
        "--fee-bps",
        "500",
    ]);
    let offer = env.ok(&[
        "-y",
        "--suri",
        BOB,
        "offer",
        "create",
        "--title",
        "Vintage camera",
        "--price",
        "10",
        "--arbiter",
        DAVE,
        "--delivery-window",
        "1h",
        "--review-window",
        "1h",
        "--ruling-window",
        "1h",
    ]);
    let offer_id = id(&offer["offer"]["id"]);
    (env, offer_id)
}

/// `escrow <args>` for `env` on a pseudo-terminal: stdin and stderr are a terminal, so it asks.
fn on_terminal(env: &Env, args: &[&str]) -> PtySession {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("escrow"));
    cmd.env("ESCROW_HOME", env.home.path())
        .env_remove("ESCROW_URL")
        .env_remove("ESCROW_SURI")
        .args(["--url", &env.node.url(), "--output", "json"])
        .args(args);
    spawn_command(cmd, Some(120_000)).expect("spawn escrow on a pty")
}

/// Waits for the process to end and returns its exit code.
fn exit_code(p: &mut PtySession) -> Option<i32> {
    use rexpect::process::WaitStatus;
    match p.process().wait().expect("wait for escrow") {
        WaitStatus::Exited(_, code) => Some(code),
        _ => None,
    }
}

#[test]
fn a_price_raised_while_the_buyer_reads_the_prompt_is_never_paid() {
    let (env, offer_id) = live_market();
    let buyer_before = env.free(CHARLIE);

    let mut buyer = on_terminal(&env, &["--suri", CHARLIE, "deal", "accept", &offer_id]);
    let shown = buyer.exp_string(PROMPT).expect("the first prompt");
    assert!(shown.contains("escrow.accept_offer"), "{shown}");
    assert!(shown.contains("version:         1"), "{shown}");
    assert!(shown.contains("value sent:      10 UNIT"), "{shown}");
    assert!(shown.contains("call data:       0x"), "{shown}");

    // The seller raises the price while the buyer reads.
    env.ok(&[
        "-y", "--suri", BOB, "offer", "update", &offer_id, "--price", "50",
    ]);
    buyer.send_line("y").unwrap();

    // Nothing is sent at the new price without a new yes: the buyer is shown the new call.
    let asked_again = buyer.exp_string(PROMPT).expect("asked again");
    assert!(
        asked_again.contains("changed after you confirmed it")
            && asked_again.contains("StaleVersion"),
        "{asked_again}"
    );
    assert!(asked_again.contains("version:         2"), "{asked_again}");
    assert!(
        asked_again.contains("value sent:      50 UNIT"),
        "{asked_again}"
    );
    buyer.send_line("n").unwrap();
    let rest = buyer.exp_eof().unwrap();
    assert!(rest.contains("declined, nothing was sent"), "{rest}");
    assert_eq!(exit_code(&mut buyer), Some(1));

    assert_eq!(env.free(CHARLIE), buyer_before, "not even a fee was paid");
    let deals = env.ok(&["deal", "list", "--account", CHARLIE]);
    assert!(deals["deals"].as_array().unwrap().is_empty(), "{deals}");
}

#[test]
fn a_yes_sends_the_call_that_was_shown() {
    let (env, offer_id) = live_market();

    // --dry-run shows the same call, argument by argument.
    let dry = env.ok(&["--dry-run", "--suri", CHARLIE, "deal", "accept", &offer_id]);
    let deployment = env.ok(&["config"]);
    assert_eq!(dry["contract"], deployment["escrow"], "{dry}");
    let args = dry["args"].as_array().unwrap();
    let arg = |name: &str| {
        args.iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {dry}"))["value"]
            .clone()
    };
    assert_eq!(arg("offer_id"), 0, "{dry}");
    assert_eq!(arg("quantity"), 1, "{dry}");
    assert_eq!(arg("version"), 1, "{dry}");
    assert_eq!(dry["value"], (10 * UNIT).to_string(), "{dry}");
    assert!(dry["fee_estimate"].is_string(), "{dry}");
    let call_data = dry["call_data"].as_str().unwrap();
    // Selector, then offer_id (u64), quantity (u32) and version (u32), little-endian.
    assert!(
        call_data.ends_with("00000000000000000100000001000000"),
        "{call_data}"
    );

    let buyer_before = env.free(CHARLIE);
    let mut buyer = on_terminal(&env, &["--suri", CHARLIE, "deal", "accept", &offer_id]);
    let shown = buyer.exp_string(PROMPT).expect("the prompt");
    assert!(
        shown.contains(call_data),
        "the prompt shows the dry run's call: {shown}"
    );
    buyer.send_line("y").unwrap();
    buyer.exp_eof().unwrap();
    assert_eq!(exit_code(&mut buyer), Some(0));

    let deal = env.ok(&["deal", "show", "0"]);
    assert_eq!(plancks(&deal["deal"]["amount"]), 10 * UNIT, "{deal}");
    // The price shown, the storage deposit shown, and a fee no larger than twice its estimate.
    let paid = buyer_before - env.free(CHARLIE);
    let fee = paid - 10 * UNIT - plancks(&dry["storage_deposit"]);
    assert!(
        fee > 0 && fee <= 2 * plancks(&dry["fee_estimate"]),
        "paid {paid}: {dry}"
    );
}
