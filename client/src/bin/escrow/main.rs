//! `escrow`: parse, run, print, map errors to exit codes (0 ok, 1 failed on chain or network,
//! 2 bad usage).

use std::io::{BufRead, IsTerminal, Write};

mod cli;
mod deal_output;
mod deployment_cli;
mod deployment_output;
mod milestone_output;
mod multisig_cli;
mod multisig_output;
mod output;
mod parse;
mod password;
mod request_output;
mod requests_cli;
mod screening_cli;
mod text;
mod words_output;

use cli::Cli;
use escrow_client::ops::dry_run::DryRunReport;
use escrow_client::ops::{Confirmer, OpError, OpResult, OutputMode};
use output::Shown;

fn main() {
    let cli = parse::parse();
    let mode = cli.settings().output;
    show_progress_notes(mode, cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let e: anyhow::Error = e.into();
            eprintln!("error: cannot start the async runtime: {e:#}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(run_confirming(cli, mode));
    let code = match result {
        Ok(Some(shown)) => {
            output::print(&shown.report, mode, &shown.units);
            0
        }
        Ok(None) => 0,
        Err(e) => {
            output::print_error(&e, mode);
            e.exit_code()
        }
    };
    // Do not wait for background connection tasks.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    std::process::exit(code);
}

/// How many times a command whose confirmed call changed before it was sent is run again (and
/// asked again) with what the chain then holds.
const CONFIRM_ROUNDS: usize = 3;

/// Runs the command. Off a Development chain, when there is a terminal to ask on, each write
/// shows the exact call (contract, message, arguments, value, fee) and sends that very call on
/// a yes. If it changed before the yes (a seller's new price), nothing is sent and, when nothing
/// else was sent before it, the command runs again, so the user is asked about the new call. Without a terminal the library's
/// "needs confirmation" error stands (exit 2).
async fn run_confirming(cli: Cli, mode: OutputMode) -> OpResult<Option<Shown>> {
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let confirm = terminal.then(|| Confirmer::new(ask_on_terminal));
    let mut print = |r, u: &_| output::print(&r, mode, u);
    let mut round = 1;
    loop {
        match cli::run(cli.clone(), confirm.clone(), &mut print).await {
            Err(
                e @ OpError::ChangedSinceConfirmed {
                    first_write: true, ..
                },
            ) if confirm.is_some() && round < CONFIRM_ROUNDS => {
                eprintln!("{e}: here is the call as it stands now.");
                round += 1;
            }
            other => return other,
        }
    }
}

/// The question on the terminal: the call as it will be sent, then y/N on stdin.
fn ask_on_terminal(report: &DryRunReport, chain_type: &str) -> bool {
    let mut stderr = std::io::stderr();
    let _ = write!(
        stderr,
        "{}send it? [y/N] ",
        output::render_confirmation(report, chain_type, &report.token)
    );
    let _ = stderr.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}

/// The library reports progress as `tracing` events ("deploy: waiting for inclusion…"); in
/// text mode they go to stderr as plain lines when a person watches it (a terminal) or asks
/// for them (`-v`); a script or a log file gets only the warnings. `ESCROW_LOG` (an
/// env-filter, e.g. `escrow_client=debug,subxt=debug`) overrides what is shown.
fn show_progress_notes(mode: OutputMode, verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let default = match mode {
        OutputMode::Text if verbose || std::io::stderr().is_terminal() => "escrow_client=info",
        OutputMode::Text => "escrow_client=warn",
        OutputMode::Json => "off",
    };
    let filter = EnvFilter::try_from_env("ESCROW_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .with_level(false)
        .init();
}
