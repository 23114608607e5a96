//! `/api/live`: the page's live view, pushed. One task per explorer follows the node's new
//! best blocks over its own connection (so it never waits behind a page request), brings the
//! event store up to each one (the explorer's requests only read the store), and publishes
//! each change; every open page gets it at once as a server-sent event and then fetches what
//! it shows. When the node goes away the task says so and reconnects every second.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::indexer::{Indexer, FOLLOW_BACKFILL};
use crate::ops::{Ctx, OpError, Settings};

/// How long a connection attempt may take, and the pause before the next one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What a page is told: the node's best block, or why there is no node. `escrow bench` reads
/// it back from the stream (hence `Deserialize`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum LiveStatus {
    /// Not connected yet.
    Connecting,
    Up {
        best_block: u64,
        /// The event store's tip: what the API's lists and histories include (none without
        /// a deployment on this chain).
        indexed_block: Option<u64>,
    },
    Down {
        error: String,
    },
}

/// The latest [`LiveStatus`], shared by every `/api/live` stream.
#[derive(Clone)]
pub struct Live {
    status: watch::Receiver<LiveStatus>,
}

impl Live {
    /// Starts following the node of `settings` (on the current tokio runtime) until the
    /// last [`Live`] is dropped.
    pub fn follow(settings: Settings) -> Live {
        let (tx, status) = watch::channel(LiveStatus::Connecting);
        tokio::spawn(follow(settings, tx));
        Live { status }
    }

    /// The status now.
    pub fn status(&self) -> LiveStatus {
        self.status.borrow().clone()
    }

    /// Returns once the task has connected and indexed the best block, or failed to: it
    /// publishes nothing before.
    pub async fn first_sync(&self) {
        let mut rx = self.status.clone();
        // An error means the task ended: nothing to wait for.
        let _ = rx.wait_for(|s| *s != LiveStatus::Connecting).await;
    }

    /// The status now, then every change, as server-sent `status` events.
    pub fn events(&self) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
        let rx = self.status.clone();
        let stream = futures::stream::unfold((rx, true), |(mut rx, first)| async move {
            if !first && rx.changed().await.is_err() {
                return None;
            }
            let status = rx.borrow_and_update().clone();
            let event = Event::default()
                .event("status")
                .json_data(&status)
                .unwrap_or_else(|_| Event::default().event("status"));
            Some((Ok(event), (rx, false)))
        });
        Sse::new(stream).keep_alive(KeepAlive::default())
    }
}

async fn follow(settings: Settings, tx: watch::Sender<LiveStatus>) {
    let url = settings.url();
    // Ends when no page and no router holds a receiver any more.
    while !tx.is_closed() {
        let reason = match tokio::time::timeout(CONNECT_TIMEOUT, Ctx::connect(settings.clone()))
            .await
        {
            Err(_) => format!("node at {url} is unreachable: no answer within {CONNECT_TIMEOUT:?}"),
            Ok(Err(e)) => e.to_string(),
            Ok(Ok(ctx)) => follow_heads(&url, ctx, &tx).await,
        };
        tx.send_if_modified(|s| {
            let down = LiveStatus::Down { error: reason };
            let changed = *s != down;
            *s = down;
            changed
        });
        tokio::time::sleep(RETRY_AFTER).await;
    }
}

/// Indexes and publishes each new best block until the subscription fails; returns why.
async fn follow_heads(url: &str, mut ctx: Ctx, tx: &watch::Sender<LiveStatus>) -> String {
    // Without a deployment on this chain there is nothing to index: blocks only.
    let mut indexer = match ctx.contracts().await {
        Ok(c) => match Indexer::open(&ctx.settings, &ctx.chain, &c) {
            Ok(i) => Some(i),
            Err(e) => return e.to_string(),
        },
        Err(_) => None,
    };
    let chain = ctx.chain.clone();
    let mut heads = match chain.best_heads().await {
        Ok(h) => Box::pin(h),
        Err(e) => return e.to_string(),
    };
    // The block the node has now, before the first new one arrives.
    let mut best = chain.best_block_number().await;
    loop {
        let best_block = match best {
            Ok(n) => n,
            Err(e) => return format!("lost the node at {url}: {e}"),
        };
        let mut more_history = false;
        let indexed_block = match indexer.as_mut() {
            Some(i) => match i.sync(&chain, FOLLOW_BACKFILL).await {
                Ok(report) => {
                    more_history = !report.history_complete && report.history_gap.is_none();
                    Some(report.tip)
                }
                Err(OpError::Failed(e)) => return e,
                Err(e) => return format!("lost the node at {url}: {e}"),
            },
            None => None,
        };
        let up = LiveStatus::Up {
            best_block,
            indexed_block,
        };
        tx.send_if_modified(|s| {
            let changed = *s != up;
            *s = up;
            changed
        });
        if tx.is_closed() {
            return "no page is listening".into();
        }
        // Earlier history still to fill in: go on at once rather than wait for a block.
        if more_history {
            best = chain.best_block_number().await;
            continue;
        }
        best = match heads.next().await {
            Some(head) => head,
            None => return format!("lost the node at {url}: its block subscription ended"),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_node_is_pushed_as_down() {
        let live = Live::follow(Settings {
            url: Some("ws://127.0.0.1:9".into()),
            ..Settings::default()
        });
        let mut rx = live.status.clone();
        let status = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let LiveStatus::Down { error } = rx.borrow_and_update().clone() {
                    return error;
                }
                rx.changed().await.unwrap();
            }
        })
        .await
        .unwrap();
        assert!(status.contains("127.0.0.1:9"), "{status}");
    }
}
