//! Output for people and for scripts: amounts rounded in text and exact in JSON, progress
//! notes only for a person watching, usage errors as JSON under `--output json`.
//!
//! The node tests need substrate-contracts-node (`bash node-config/setup`).

mod common;

use common::error_json;

/// `escrow ARGS` with no node needed: exit code, stdout, stderr.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = assert_cmd::Command::cargo_bin("escrow")
        .unwrap()
        .env_remove("ESCROW_URL")
        .timeout(std::time::Duration::from_secs(30))
        .args(args)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// Under `--output json`, wherever it stands, clap's usage errors are the same JSON error
/// object as every other error: one line, kind `usage`, exit 2, nothing on stdout.
#[test]
fn usage_errors_are_json_under_output_json() {
    for (args, says) in [
        (&["--output", "json", "deal", "accept"][..], "<OFFER>"),
        (
            &["deal", "accept", "x", "--output=json"],
            "invalid value 'x'",
        ),
        (
            &["--output", "json", "deploy", "--fee-bp", "5"],
            "tip: a similar argument exists: '--fee-bps'",
        ),
        (
            &["deal", "--output", "json", "acept", "0"],
            "unrecognized subcommand 'acept'",
        ),
        (
            &[
                "--as", "//Bob", "--suri", "//Eve", "balance", "x", "--output", "json",
            ],
            "--suri",
        ),
        (&["--output", "json"], "'escrow' requires a subcommand"),
        (
            &["--output", "json", "deal"],
            "'escrow deal' requires a subcommand",
        ),
    ] {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}: errors go to stderr");
        let v = error_json(&stderr, 2);
        assert_eq!(v["kind"], "usage", "{v}");
        let error = v["error"].as_str().unwrap();
        assert!(error.contains(says), "{args:?}: {error}");
        assert!(
            !error.contains('\n') && !error.starts_with("error"),
            "{error}"
        );
    }
}

/// Text output keeps clap's own usage message; help and version print as always.
#[test]
fn usage_errors_in_text_and_help_under_json_are_clap_s_own() {
    let (code, stdout, stderr) = run(&["deal", "accept"]);
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("Usage: escrow deal accept"),
        "{stderr}"
    );
    for flag in ["--help", "-h"] {
        let (code, stdout, stderr) = run(&["--output", "json", "deal", flag]);
        assert_eq!((code, stderr.as_str()), (Some(0), ""), "{flag}");
        assert!(stdout.starts_with("Deals: accept"), "{flag}: {stdout}");
    }
    let (code, stdout, _) = run(&["--version", "--output", "json"]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout, format!("escrow {}\n", env!("CARGO_PKG_VERSION")));
}

#[cfg(feature = "node-tests")]
mod on_a_node {
    use super::common::*;
    use escrow_client::units::format_amount_readable;

    /// The text line's figure after `label` (`sent ~1.2346 UNIT` → `~1.2346 UNIT`).
    fn figure_after<'a>(text: &'a str, label: &str) -> &'a str {
        let start = text
            .find(label)
            .unwrap_or_else(|| panic!("no '{label}' in: {text}"))
            + label.len();
        let rest = &text[start..];
        let end = rest
            .find(" UNIT")
            .unwrap_or_else(|| panic!("no UNIT in: {rest}"));
        &rest[..end + " UNIT".len()]
    }

    /// Text rounds to 4 decimals and marks the rounding with `~`; exact figures stay bare;
    /// JSON keeps every planck.
    #[test]
    fn text_rounds_amounts_for_people_and_json_keeps_plancks() {
        let env = Env::new();
        let sent = env.text(&["account", "fund", FERDIE, "--amount", "1.23456789"]);
        assert_eq!(figure_after(&sent, "sent "), "~1.2346 UNIT", "{sent}");
        let sent = env.text(&["account", "fund", FERDIE, "--amount", "0.5"]);
        assert_eq!(figure_after(&sent, "sent "), "0.5 UNIT", "{sent}");
        let sent = env.text(&["account", "fund", FERDIE, "--amount", "10"]);
        assert_eq!(figure_after(&sent, "sent "), "10 UNIT", "{sent}");
        // A fee of a fraction of a unit: four digits from its first non-zero one.
        let fee = figure_after(&sent, "(fee ");
        let digits = fee
            .trim_start_matches(['~', '0', '.'])
            .trim_end_matches(" UNIT");
        assert!(digits.len() <= 4, "{sent}");

        let json = env.ok(&["account", "fund", FERDIE, "--amount", "1.23456789"]);
        assert_eq!(json["amount"], "1234567890000");
        // Ferdie's balance (2^60 plancks and what came since) in text: its JSON, rounded.
        let free = plancks(&env.ok(&["balance", FERDIE])["free"]);
        let shown = env.text(&["balance", FERDIE]);
        let readable = format_amount_readable(free, 12, "UNIT");
        assert_eq!(figure_after(&shown, "free "), readable, "{shown}");
        assert!(readable.starts_with('~'), "{readable}");
        let decimals = readable
            .split_once('.')
            .unwrap()
            .1
            .trim_end_matches(" UNIT");
        assert_eq!(decimals.len(), 4, "{readable}");
    }

    /// Progress notes are for a person watching: a text run whose stderr is a pipe (a script,
    /// a log) prints none; `-v` asks for them.
    #[test]
    fn progress_notes_show_on_stderr_only_with_verbose_when_it_is_not_a_terminal() {
        let env = Env::new();
        let fund = [
            "account", "fund", FERDIE, "--amount", "1", "--output", "text",
        ];
        let quiet = env.cmd(&fund).env_remove("ESCROW_LOG").output().unwrap();
        assert!(quiet.status.success());
        assert_eq!(
            String::from_utf8_lossy(&quiet.stderr),
            "",
            "no progress notes"
        );
        assert!(String::from_utf8_lossy(&quiet.stdout).starts_with("sent 1 UNIT"));

        for flag in ["-v", "--verbose"] {
            let verbose = env
                .cmd(&[&fund[..], &[flag]].concat())
                .env_remove("ESCROW_LOG")
                .output()
                .unwrap();
            assert!(verbose.status.success());
            let notes = String::from_utf8_lossy(&verbose.stderr);
            assert_eq!(notes, "transfer: waiting for inclusion…\n", "{flag}");
        }
        // ESCROW_LOG still decides when set.
        let logged = env
            .cmd(&fund)
            .env("ESCROW_LOG", "escrow_client=info")
            .output()
            .unwrap();
        let notes = String::from_utf8_lossy(&logged.stderr);
        assert!(notes.contains("waiting for inclusion"), "{notes}");
    }
}
