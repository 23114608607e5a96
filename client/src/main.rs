//! `escrow`: parse, run, print, map errors to exit codes (0 ok, 1 failed on chain or network,
//! 2 bad usage).

use clap::Parser;
use escrow_client::cli::{self, Cli};
use escrow_client::output;

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
    let result = runtime.block_on(cli::run(cli, &mut |r| output::print(&r, mode)));
    let code = match result {
        Ok(Some(report)) => {
            output::print(&report, mode);
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

/// The library reports progress as `tracing` events ("deploy: waiting for inclusion…"); in
/// text mode they go to stderr as plain lines. `ESCROW_LOG` (an env-filter, e.g.
/// `escrow_client=debug,subxt=debug`) overrides what is shown.
fn show_progress_notes(mode: escrow_client::ops::OutputMode) {
    use tracing_subscriber::EnvFilter;
    let default = match mode {
        escrow_client::ops::OutputMode::Text => "escrow_client=info",
        escrow_client::ops::OutputMode::Json => "off",
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
