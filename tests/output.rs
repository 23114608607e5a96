//! Output for people and for scripts: amounts rounded in text and exact in JSON, progress
//! notes only for a person watching.
//!
//! The node tests need substrate-contracts-node (`bash node-config/setup`).

mod common;

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
        let end = rest.find(" UNIT").unwrap_or_else(|| panic!("no UNIT in: {rest}"));
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
        let digits = fee.trim_start_matches(['~', '0', '.']).trim_end_matches(" UNIT");
        assert!(digits.len() <= 4, "{sent}");

        let json = env.ok(&["account", "fund", FERDIE, "--amount", "1.23456789"]);
        assert_eq!(json["amount"], "1234567890000");
        // Ferdie's balance (2^60 plancks and what came since) in text: its JSON, rounded.
        let free = plancks(&env.ok(&["balance", FERDIE])["free"]);
        let shown = env.text(&["balance", FERDIE]);
        let readable = format_amount_readable(free, 12, "UNIT");
        assert_eq!(figure_after(&shown, "free "), readable, "{shown}");
        assert!(readable.starts_with('~'), "{readable}");
        let decimals = readable.split_once('.').unwrap().1.trim_end_matches(" UNIT");
        assert_eq!(decimals.len(), 4, "{readable}");
    }

    /// Progress notes are for a person watching: a text run whose stderr is a pipe (a script,
    /// a log) prints none; `-v` asks for them.
    #[test]
    fn progress_notes_show_on_stderr_only_with_verbose_when_it_is_not_a_terminal() {
        let env = Env::new();
        let fund = ["account", "fund", FERDIE, "--amount", "1", "--output", "text"];
        let quiet = env.cmd(&fund).env_remove("ESCROW_LOG").output().unwrap();
        assert!(quiet.status.success());
        assert_eq!(String::from_utf8_lossy(&quiet.stderr), "", "no progress notes");
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
