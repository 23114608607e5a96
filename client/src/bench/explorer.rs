//! The block explorer measured in-process over the bench's node and deployment, once the
//! earlier steps have left offers and settled deals on it: its JSON API under many pages at
//! once, and how soon after a block reaches the client its changes are indexed and shown.
//! Both are what a user of the page feels; the store bench times only the queries under them.

mod http;
mod lag;
mod load;
mod mix;
mod sse;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use self::http::Api;
pub use self::lag::{IndexLag, INDEX_LAG_GOAL_MS};
pub use self::load::{EndpointLatency, RequestLoad, REQUEST_P99_GOAL_MS};
use crate::explorer::{router, NodeLink};
use crate::ops::{Ctx, OpError, OpResult};

/// Longest wait for the explorer's first sync of the event store (the search step left the
/// store current, so it has little to do).
const FIRST_SYNC_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest the explorer may take to fill in the history of the bench's chain (thousands of
/// blocks at the full setting).
const HISTORY_TIMEOUT: Duration = Duration::from_secs(600);

/// How hard the explorer is pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplorerSizes {
    /// API requests sent at once, in each round.
    pub concurrent: usize,
    /// Offers created one after the other, each timed until the explorer shows it.
    pub lag_samples: usize,
}

impl ExplorerSizes {
    pub fn full() -> ExplorerSizes {
        ExplorerSizes {
            concurrent: 1_000,
            lag_samples: 10,
        }
    }

    /// Quick enough for CI, even from a debug build.
    pub fn small() -> ExplorerSizes {
        ExplorerSizes {
            concurrent: 200,
            lag_samples: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplorerBench {
    /// A warm round: after an untimed round of the same requests.
    pub requests: RequestLoad,
    pub index_lag: IndexLag,
}

/// Serves the explorer on a free port of 127.0.0.1 over `ctx`'s node and deployment, waits
/// for its first sync, sends an untimed and then a timed round of `sizes.concurrent` requests
/// at once, then times the index lag. The explorer stops when this returns. `progress` gets a
/// line per step.
pub async fn measure(
    ctx: &mut Ctx,
    sizes: &ExplorerSizes,
    mut progress: impl FnMut(String),
) -> OpResult<ExplorerBench> {
    if sizes.concurrent == 0 || sizes.lag_samples == 0 {
        return Err(crate::ops::usage(
            "the explorer bench needs at least one request and one lag sample",
        ));
    }
    let requests = mix::mix(&mix::targets(ctx).await?, sizes.concurrent);
    let mut settings = ctx.settings.clone();
    settings.as_account = None;
    let served = Served::start(NodeLink::new(settings)).await?;
    let api = Api::new(served.addr);
    let mut live = api.events("/api/live").await?;
    let best = ctx.chain.best_block_number().await?;
    progress(format!(
        "explorer at http://{}/: waiting until it has indexed block {best}",
        served.addr
    ));
    lag::indexed_at(&mut live, best, FIRST_SYNC_TIMEOUT).await?;
    progress("waiting until it has filled in the history since the deployment".into());
    lag::history_complete(&mut live, HISTORY_TIMEOUT).await?;
    api.get_json("/api/status").await?;

    let warm_up = load::round(&api, &requests).await?;
    progress(format!(
        "untimed round of {} requests: p99 {:.1} ms",
        warm_up.concurrent, warm_up.latency.p99_ms
    ));
    let load = load::round(&api, &requests).await?;
    progress(format!(
        "{} requests at once: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, all 200",
        load.concurrent, load.latency.median_ms, load.latency.p99_ms, load.max_ms
    ));
    for e in &load.endpoints {
        progress(format!(
            "  {}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, goal {}",
            e.endpoint,
            e.latency.median_ms,
            e.latency.p99_ms,
            e.max_ms,
            if e.meets_goal() { "met" } else { "missed" }
        ));
    }

    let mut sample = 0;
    let index_lag = lag::measure(ctx, &api, &mut live, sizes.lag_samples, |ms| {
        sample += 1;
        progress(format!("index lag, offer {sample}: {ms:.0} ms"));
    })
    .await?;
    Ok(ExplorerBench {
        requests: load,
        index_lag,
    })
}

/// The explorer served from a task of this runtime until dropped.
struct Served {
    addr: SocketAddr,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Served {
    async fn start(link: NodeLink) -> OpResult<Served> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| OpError::Failed(format!("explorer bench: cannot listen: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| OpError::Failed(format!("explorer bench: no listening address: {e}")))?;
        let app = router(Arc::new(link));
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Served { addr, server })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.server.abort();
    }
}
