//! Deals paid by milestones through the CLI against a real dev node: an offer listed in
//! steps, each step delivered and released on its own, and the commands a buyer could
//! repeat or mistype refused before anything is sent.
#![cfg(feature = "node-tests")]

mod common;

use common::*;

/// Runs `args`, expects the bad-input exit (2) and an error saying `needle`.
fn refused(env: &Env, args: &[&str], needle: &str) {
    let err = env.fails(args, 2);
    let text = err["error"].as_str().unwrap();
    assert!(text.contains(needle), "{args:?}: {err}");
}

const DAY_MS: u64 = 86_400_000;

#[test]
fn a_deal_paid_by_milestones_releases_one_milestone_at_a_time_and_never_the_next_by_mistake() {
    let env = Env::new();
    env.deploy();
    let listing = |steps: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec![
            "--as",
            BOB,
            "offer",
            "create",
            "--title",
            "Mural",
            "--price",
            "10",
            "--quantity",
            "2",
            "--arbiter",
            DAVE,
        ];
        for step in steps {
            args.extend(["--milestone", step]);
        }
        args
    };

    // A plan that does not add up to the price is refused before anything is sent.
    let bob = env.free(BOB);
    refused(
        &env,
        &listing(&["4:1d", "5:2d"]),
        "the milestones add up to 9 UNIT, but the price is 10 UNIT",
    );
    refused(
        &env,
        &listing(&["4 UNIT", "6:2d"]),
        "expected AMOUNT:WINDOW",
    );
    assert_eq!(env.free(BOB), bob, "no fee was spent");

    let created = env.ok(&listing(&["4:1d", "6:2d"]));
    let terms = &created["offer"]["terms"];
    assert_eq!(
        terms["delivery_window"],
        3 * DAY_MS,
        "the steps' windows together"
    );
    assert_eq!(terms["milestones"][0]["amount"], (4 * UNIT).to_string());
    let offer = id(&created["offer"]["id"]);
    let shown = env.text(&["offer", "show", &offer]);
    assert!(
        shown.contains("milestones per unit: 1) 4 UNIT within"),
        "{shown}"
    );

    let accepted = env.ok(&["--as", CHARLIE, "deal", "accept", &offer, "--quantity", "2"]);
    let deal = id(&accepted["deal"]["id"]);
    let plan = &accepted["deal"]["milestones"];
    assert_eq!(
        (plan[0]["amount"].clone(), plan[1]["amount"].clone()),
        (
            (8 * UNIT).to_string().into(),
            (12 * UNIT).to_string().into()
        ),
        "the plan for two units"
    );

    // The seller names the milestone it delivers; a wrong one is refused.
    refused(
        &env,
        &["--as", BOB, "deal", "deliver", &deal, "--milestone", "2"],
        "is at milestone 1 of 2, not 2",
    );
    env.ok(&["--as", BOB, "deal", "deliver", &deal, "--milestone", "1"]);

    let bob = env.free(BOB);
    let paid = env.ok(&[
        "--as",
        CHARLIE,
        "deal",
        "release",
        &deal,
        "--milestone",
        "1",
    ]);
    assert_eq!(
        (
            paid["deal"]["state"].clone(),
            paid["deal"]["milestone"].clone()
        ),
        ("Funded".into(), 1.into()),
        "{paid}"
    );
    assert_eq!(paid["deal"]["released"], (8 * UNIT).to_string());
    assert_eq!(
        env.free(BOB) - bob,
        8 * UNIT - 8 * UNIT / 100,
        "the first step less 1%"
    );

    // Repeating the release cannot pay the second milestone; nor can an --amount, even one
    // within it: a release that names no step would pay the next, undelivered one if the
    // seller's finalize landed first.
    let charlie = env.free(CHARLIE);
    refused(
        &env,
        &[
            "--as",
            CHARLIE,
            "deal",
            "release",
            &deal,
            "--milestone",
            "1",
        ],
        "is at milestone 2 of 2, not 1",
    );
    for amount in ["13", "12", "1"] {
        refused(
            &env,
            &[
                "--as", CHARLIE, "deal", "release", &deal, "--amount", amount,
            ],
            "is paid in milestones: release the current one whole",
        );
    }
    // A split accepted for a milestone already paid is refused before it is sent.
    env.ok(&[
        "--as",
        BOB,
        "deal",
        "propose",
        &deal,
        "--seller-share",
        "50%",
    ]);
    refused(
        &env,
        &[
            "--as",
            CHARLIE,
            "deal",
            "accept-settlement",
            &deal,
            "--milestone",
            "1",
        ],
        "is at milestone 2 of 2, not 1",
    );
    assert_eq!(env.free(CHARLIE), charlie);
    let shown = env.text(&["deal", "show", &deal]);
    assert!(
        shown.contains("milestone 2 of 2: 1) 8 UNIT paid, 2) 12 UNIT under way"),
        "{shown}"
    );

    // Without flags the buyer pays the milestone under way: the last one completes the deal.
    env.ok(&["--as", BOB, "deal", "deliver", &deal]);
    let bob = env.free(BOB);
    let done = env.ok(&["--as", CHARLIE, "deal", "release", &deal]);
    assert_eq!(done["deal"]["state"], "Completed", "{done}");
    assert_eq!(env.free(BOB) - bob, 12 * UNIT - 12 * UNIT / 100);
}
