//! `escrow`: parse, run, print, map errors to exit codes (0 ok, 1 failed on chain or network,
//! 2 bad usage).

use std::io::{BufRead, IsTerminal, Write};

mod cli;
mod milestone_output;
mod output;
mod request_output;
mod requests_cli;
mod screening_cli;

use clap::Parser;
use cli::Cli;
use escrow_client::ops::{OpError, OpResult, OutputMode};
use output::Shown;

fn main() {
    let cli = Cli::parse();
    let mode = cli.settings().output;
    show_progress_notes(mode);
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

/// Runs the command; off a Development chain a write stops before sending and, when there is a
/// terminal to ask on, the user sees its value and fee and says yes or no. A yes runs the command
/// again with `-y`. Without a terminal the library's "needs confirmation" error stands (exit 2).
async fn run_confirming(cli: Cli, mode: OutputMode) -> OpResult<Option<Shown>> {
    let again = cli.clone();
    let result = cli::run(cli, &mut |r, u| output::print(&r, mode, u)).await;
    let Err(OpError::NeedsConfirmation { chain_type, report }) = result else {
        return result;
    };
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(OpError::NeedsConfirmation { chain_type, report });
    }
    let mut stderr = std::io::stderr();
    let _ = write!(
        stderr,
        "{}send it? [y/N] ",
        output::render_confirmation(&report, &chain_type, &report.token)
    );
    let _ = stderr.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        return Err(OpError::Failed(format!(
            "{}: declined, nothing was sent",
            report.call
        )));
    }
    let mut again = again;
    again.assume_yes = true;
    cli::run(again, &mut |r, u| output::print(&r, mode, u)).await
}

/// The library reports progress as `tracing` events ("deploy: waiting for inclusion…"); in
/// text mode they go to stderr as plain lines. `ESCROW_LOG` (an env-filter, e.g.
/// `escrow_client=debug,subxt=debug`) overrides what is shown.
fn show_progress_notes(mode: OutputMode) {
    use tracing_subscriber::EnvFilter;
    let default = match mode {
        OutputMode::Text => "escrow_client=info",
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
