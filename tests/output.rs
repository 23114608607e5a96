//! Output for people and for scripts: amounts rounded in text and exact in JSON.
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
}
