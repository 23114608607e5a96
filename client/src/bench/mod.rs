//! `escrow bench`: cost per message, code size, throughput, offer search latency and the
//! explorer under load, measured on a fresh dev node, and the event store's read latency on
//! synthetic rows; written to `BENCHMARKS.md` by the command itself.

pub mod accesses;
pub mod costs;
pub mod explorer;
pub mod goals;
pub mod history;
pub mod ledger;
pub mod load;
pub mod report;
pub mod search;
pub mod store;
pub mod throughput;
pub mod timing;
pub mod traffic;

use std::path::PathBuf;

use serde::Serialize;

use crate::contract::ContractBundle;
use crate::dev_node::{DevNode, DevNodeOptions};
use crate::node_config::NodeConfig;
use crate::ops::deploy::{deploy_bundles, Bundles, DeployArgs};
use crate::ops::{load_bundle, usage, Ctx, OpError, OpResult, Settings};

/// How much to measure.
#[derive(Debug, Clone, Serialize)]
pub struct BenchArgs {
    /// "full" or "small".
    pub setting: String,
    /// Accounts sending deals (and transfers) in parallel.
    pub accounts: usize,
    pub deals: usize,
    /// Offer counts at which search is timed, ascending.
    pub offer_counts: Vec<u64>,
    /// Request counts at which search is timed, ascending.
    pub request_counts: Vec<u64>,
    /// The event store's synthetic rows and runs.
    pub store: store::StoreSizes,
    /// Requests at once and index lag samples against the explorer.
    pub explorer: explorer::ExplorerSizes,
    /// The chain's length (lengthened with remarks if shorter) when history fill is timed.
    pub history_blocks: u64,
    /// Where to write the Markdown report (none: print only).
    #[serde(skip)]
    pub out: Option<PathBuf>,
}

impl BenchArgs {
    /// The numbers in BENCHMARKS.md.
    pub fn full() -> BenchArgs {
        BenchArgs {
            setting: "full".into(),
            accounts: 20,
            deals: 400,
            offer_counts: vec![1_000, 10_000, 100_000],
            request_counts: vec![1_000, 10_000, 100_000],
            store: store::StoreSizes::full(),
            explorer: explorer::ExplorerSizes::full(),
            history_blocks: 20_000,
            out: Some(PathBuf::from("BENCHMARKS.md")),
        }
    }

    /// A quick run for CI: the same measurements, smaller.
    pub fn small() -> BenchArgs {
        BenchArgs {
            setting: "small".into(),
            accounts: 4,
            deals: 12,
            offer_counts: vec![50, 150],
            request_counts: vec![50, 150],
            store: store::StoreSizes::small(),
            explorer: explorer::ExplorerSizes::small(),
            history_blocks: 2_000,
            out: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeSize {
    pub contract: String,
    pub wasm_bytes: usize,
    /// cargo-contract's build mode from the bundle's metadata (`Release` or `Verifiable`: the
    /// bench refuses anything else).
    pub build_mode: String,
}

/// Loads a bundle to measure, refusing anything but a release build: a debug build (what
/// ink_e2e and a plain `cargo contract build` write) carries debug printing and panic messages,
/// so its size, weights and fees are not the contract's.
pub fn load_release_bundle(name: &str) -> OpResult<ContractBundle> {
    let bundle = load_bundle(name)?;
    if bundle.is_release() {
        return Ok(bundle);
    }
    Err(OpError::Failed(format!(
        "contract bundle {} is a {} build ({} bytes of Wasm), not a release build: bench measures \
         only `cargo contract build --release` bundles; run `bash node-config/setup` and use its \
         ESCROW_CONTRACTS_DIR",
        crate::node_config::bundle_source(name),
        bundle
            .build_mode()
            .map(str::to_lowercase)
            .unwrap_or_else(|| "unknown-mode".into()),
        bundle.wasm.len()
    )))
}

/// The profile this binary was built with.
pub fn client_build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub args: BenchArgs,
    pub node_version: String,
    /// How this `escrow` was compiled: the throughput and search timings include the
    /// client's own signing and decoding, many times slower in a debug build.
    pub client_build: String,
    pub costs: costs::Costs,
    pub code_sizes: Vec<CodeSize>,
    pub throughput: throughput::Throughput,
    /// Offer search, then request search.
    pub search: Vec<search::SearchRow>,
    pub explorer: explorer::ExplorerBench,
    pub history: history::HistoryFill,
    pub store: Vec<store::StoreRow>,
    pub markdown: String,
    pub written_to: Option<String>,
}

/// Runs every measurement. Without `--url` it starts its own temporary dev node, so the numbers
/// come from an empty chain; `progress` gets a line per step.
pub async fn run(
    settings: Settings,
    args: BenchArgs,
    mut progress: impl FnMut(String),
) -> OpResult<BenchReport> {
    if args.deals == 0 || args.accounts < 2 {
        return Err(usage("bench needs at least 1 deal and 2 accounts"));
    }
    if settings.as_account.is_some() || settings.suri.is_some() {
        return Err(usage(
            "bench uses the dev accounts; do not pass --as or --suri (nor set ESCROW_SURI)",
        ));
    }
    // A node named by --url that does not answer is said first, whatever else is missing.
    if let Some(url) = &settings.url {
        crate::chain::Chain::connect(url, crate::ops::CONNECT_TIMEOUT).await?;
    }
    // Every bundle is loaded and checked once, before any node is started: the code deployed
    // is the code sized, and a debug build is refused before minutes are spent on it.
    let bundles = Bundles {
        escrow: load_release_bundle("escrow")?,
        reputation: load_release_bundle("reputation")?,
        requests: load_release_bundle("requests")?,
    };
    let floor_bundle = load_release_bundle("floor")?;
    let code_sizes: Vec<CodeSize> = [
        ("escrow", &bundles.escrow),
        ("reputation", &bundles.reputation),
        ("requests", &bundles.requests),
        ("floor", &floor_bundle),
    ]
    .into_iter()
    .map(|(name, b)| CodeSize {
        contract: name.into(),
        wasm_bytes: b.wasm.len(),
        build_mode: b.build_mode().unwrap_or("unknown").into(),
    })
    .collect();
    // First, and on this thread: it needs no node, and no node competes for the CPU while
    // the store is timed.
    progress("event store on synthetic rows".into());
    let store = store::measure(&args.store, |r| {
        progress(format!(
            "  {}, {}: median {:.2} ms, p99 {:.2} ms",
            r.measure, r.size, r.latency.median_ms, r.latency.p99_ms
        ))
    })?;
    let files = tempfile::tempdir().map_err(|e| OpError::Failed(e.to_string()))?;
    let mut settings = settings;
    // Its own deployment and index files: the user's are left alone.
    settings.deployment = Some(files.path().join("deployments.json"));
    // The library's per-transaction notes would drown the progress lines.
    settings.output = crate::ops::OutputMode::Json;
    let mut _node = None;
    if settings.url.is_none() {
        progress("starting a temporary dev node".into());
        let config = NodeConfig::load_default()
            .map_err(|e| OpError::Failed(format!("cannot read the node settings: {e}")))?;
        let node = tokio::task::spawn_blocking(move || {
            DevNode::start(&config, DevNodeOptions::for_tests())
        })
        .await
        .map_err(|e| OpError::Failed(format!("node start was interrupted: {e}")))?
        .map_err(|e| OpError::Failed(format!("cannot start a dev node: {e}")))?;
        settings.url = Some(node.url());
        _node = Some(node);
    }
    let mut ctx = Ctx::connect(settings).await?;
    let node_version = ctx
        .chain
        .rpc()
        .system_version()
        .await
        .map_err(|e| OpError::Failed(format!("system_version: {e}")))?;
    progress(format!("node {node_version} at {}", ctx.chain.url()));
    for c in &code_sizes {
        progress(format!(
            "{}: {} bytes of Wasm, {} build, from {}",
            c.contract,
            c.wasm_bytes,
            c.build_mode.to_lowercase(),
            crate::node_config::bundle_source(&c.contract)
        ));
    }
    deploy_bundles(
        &mut ctx,
        // Short minimum windows (the cost run uses 3 s windows) and a short rating period,
        // so that a rated deal can be pruned (after twice the rating window) within the run.
        DeployArgs {
            award_window_ms: costs::AWARD_WINDOW_MS,
            ..DeployArgs::short_minimums(Some(costs::FEE_RECIPIENT.into()), costs::RATING_WINDOW_MS)
        },
        &bundles,
    )
    .await?;

    progress("cost per message".into());
    let costs = costs::measure(&mut ctx, &floor_bundle, |r| {
        progress(format!(
            "  {}.{}: ref_time {}",
            r.contract, r.message, r.ref_time
        ))
    })
    .await?;
    ctx.settings.as_account = None;

    progress(format!(
        "throughput: {} deals over {} accounts",
        args.deals, args.accounts
    ));
    let throughput = throughput::measure(&mut ctx, args.accounts, args.deals).await?;

    let mut search = Vec::new();
    for (catalogue, counts) in [
        (search::Catalogue::Offers, &args.offer_counts),
        (search::Catalogue::Requests, &args.request_counts),
    ] {
        progress(format!("{catalogue:?} search at {counts:?}").to_lowercase());
        search.extend(
            search::measure(&mut ctx, catalogue, counts, |r| {
                progress(format!(
                    "  {}: cold {:.0} ms, warm {:.1} ms",
                    r.items, r.cold_ms, r.warm_ms
                ))
            })
            .await?,
        );
    }

    progress(format!(
        "explorer: {} API requests at once, index lag over {} new offers",
        args.explorer.concurrent, args.explorer.lag_samples
    ));
    let explorer = explorer::measure(&mut ctx, &args.explorer, |line| {
        progress(format!("  {line}"))
    })
    .await?;

    progress(format!(
        "history fill: a new store down to the deployment, on a chain of {} blocks or more",
        args.history_blocks
    ));
    let history = history::measure(&mut ctx, args.history_blocks, &mut progress).await?;
    progress(format!(
        "  {} blocks in {:.2} s: {:.0} blocks a second ({})",
        history.blocks, history.seconds, history.blocks_per_second, history.reader
    ));

    let mut report = BenchReport {
        markdown: String::new(),
        written_to: None,
        node_version,
        client_build: client_build().into(),
        costs,
        code_sizes,
        throughput,
        search,
        explorer,
        history,
        store,
        args,
    };
    report.markdown = report::markdown(&report, ctx.units());
    if let Some(path) = &report.args.out {
        std::fs::write(path, &report.markdown)
            .map_err(|e| OpError::Failed(format!("cannot write {}: {e}", path.display())))?;
        report.written_to = Some(path.display().to_string());
    }
    Ok(report)
}
