//! The command line, parsed. Under `--output json` a usage error clap finds is a JSON error
//! object on stderr too, as every other error is, so a script parses one shape.

use std::ffi::OsString;

use clap::error::ErrorKind;
use clap::Parser;

use crate::cli::Cli;
use escrow_client::ops::{OpError, OutputMode};

/// Parses the arguments. `--help` and `--version` print as usual and exit 0; a usage error
/// exits 2 with clap's text, or with a JSON error object when the arguments ask for JSON.
pub fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout: not errors.
        Err(e) if e.use_stderr() && wants_json(std::env::args_os().skip(1)) => {
            crate::output::print_error(&OpError::Usage(one_line(&e)), OutputMode::Json);
            std::process::exit(e.exit_code());
        }
        Err(e) => e.exit(),
    }
}

/// Whether `--output json` (or `--output=json`) is among the options, the last one winning
/// as it does in clap; what follows `--` is no option. Read by hand because clap refused
/// the command line.
fn wants_json(args: impl IntoIterator<Item = OsString>) -> bool {
    let mut json = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--") => break,
            Some("--output") => json = args.next().is_some_and(|v| v == "json"),
            Some(a) => {
                if let Some(format) = a.strip_prefix("--output=") {
                    json = format == "json";
                }
            }
            None => {}
        }
    }
    json
}

/// clap's message without its `error: ` prefix, usage and help hint, on one line (a tip,
/// such as a similar argument's name, kept after a `;`).
fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // A command of commands given alone: clap shows its whole help, too long for a line.
        let command = text
            .split("Usage: ")
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .take_while(|w| !w.starts_with(['[', '<']))
            .collect::<Vec<_>>()
            .join(" ");
        return format!(
            "'{command}' requires a subcommand but one was not provided; `{command} --help` \
             lists them"
        );
    }
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with("Usage:") && !p.starts_with("For more"))
        .map(|p| {
            let p = p.strip_prefix("error: ").unwrap_or(p);
            p.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(args: &[&str]) -> bool {
        wants_json(args.iter().map(OsString::from))
    }

    #[test]
    fn json_is_asked_for_anywhere_before_a_double_dash() {
        assert!(json(&["--output", "json", "deal", "accept"]));
        assert!(json(&["deal", "accept", "--output=json"]));
        assert!(json(&["--output", "text", "deal", "--output", "json"]));
        assert!(!json(&["--output", "json", "deal", "--output=text"]));
        assert!(!json(&["deal", "accept"]));
        assert!(!json(&["--output"]));
        assert!(!json(&["offer", "create", "--", "--output", "json"]));
    }

    #[test]
    fn a_clap_error_is_one_line_with_its_tip() {
        let e = Cli::try_parse_from(["escrow", "deal", "accept", "--quantity", "x"]).unwrap_err();
        let line = one_line(&e);
        assert!(
            line.starts_with("invalid value 'x' for '--quantity"),
            "{line}"
        );
        assert!(!line.contains('\n') && !line.contains("Usage"), "{line}");
        let e = Cli::try_parse_from(["escrow", "deploy", "--fee-bp", "5"]).unwrap_err();
        let line = one_line(&e);
        assert!(line.contains("unexpected argument '--fee-bp'"), "{line}");
        assert!(
            line.contains("; tip: a similar argument exists: '--fee-bps'"),
            "{line}"
        );
        let e = Cli::try_parse_from(["escrow", "deal"]).unwrap_err();
        assert_eq!(
            one_line(&e),
            "'escrow deal' requires a subcommand but one was not provided; `escrow deal --help` \
             lists them"
        );
    }
}
