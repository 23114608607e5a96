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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::indexer::{Backfill, HistoryReader, Indexer};
use crate::ops::{Ctx, OpError, Settings};

/// How long a connection attempt may take, and the pause before the next one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Longest the first requests wait for the store's earlier history.
pub const HISTORY_WAIT: Duration = Duration::from_secs(10);
/// Blocks of earlier history filled in per round by the history task, after which the page
/// is told how far it got: a second or two of range reads, or ten seconds read block by block
/// (a node that refuses the range reads).
fn history_round(reader: HistoryReader) -> Backfill {
    match reader {
        HistoryReader::Ranges(_) => Backfill::Blocks(4_000),
        HistoryReader::PerBlock => Backfill::Blocks(500),
    }
}

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
        /// The store's history reaches back to the deployment (or to the oldest block the
        /// node still has); until then deal histories may lack their first events.
        history_complete: bool,
        /// Where indexed history starts now (the store's first block), as it is filled in
        /// backwards towards `deployment_block` (none without a store).
        #[serde(default)]
        history_from: Option<u64>,
        /// The block the deployment was recorded in: where filling in history stops.
        #[serde(default)]
        deployment_block: Option<u64>,
    },
    Down {
        error: String,
    },
}

/// The latest [`LiveStatus`], shared by every `/api/live` stream.
#[derive(Clone)]
pub struct Live {
    status: watch::Receiver<LiveStatus>,
    /// [`HISTORY_WAIT`] after the first sync: requests after it no longer wait for history.
    history_deadline: Arc<OnceLock<tokio::time::Instant>>,
}

impl Live {
    /// Starts following the node of `settings` (on the current tokio runtime) until the
    /// last [`Live`] is dropped.
    pub fn follow(settings: Settings) -> Live {
        let (tx, status) = watch::channel(LiveStatus::Connecting);
        tokio::spawn(follow(settings, tx));
        Live {
            status,
            history_deadline: Arc::default(),
        }
    }

    /// The status now.
    pub fn status(&self) -> LiveStatus {
        self.status.borrow().clone()
    }

    /// Returns once the task has connected and indexed the best block, or failed to (it
    /// publishes nothing before), and the store's earlier history is filled in or
    /// [`HISTORY_WAIT`] has passed since the first request got here (a long chain's history
    /// keeps filling in afterwards, and later requests do not wait for it).
    pub async fn first_sync(&self) {
        let mut rx = self.status.clone();
        // An error means the task ended: nothing to wait for.
        let _ = rx.wait_for(|s| *s != LiveStatus::Connecting).await;
        let deadline = *self
            .history_deadline
            .get_or_init(|| tokio::time::Instant::now() + HISTORY_WAIT);
        let _ = tokio::time::timeout_at(
            deadline,
            rx.wait_for(|s| {
                !matches!(
                    s,
                    LiveStatus::Up {
                        indexed_block: Some(_),
                        history_complete: false,
                        ..
                    }
                )
            }),
        )
        .await;
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
/// Earlier history is filled in by a task of its own ([`fill_history`]), so that a long
/// chain's history never delays a new block.
async fn follow_heads(url: &str, mut ctx: Ctx, tx: &watch::Sender<LiveStatus>) -> String {
    // Without a deployment on this chain there is nothing to index: blocks only.
    let mut deployment_block = None;
    let mut indexer = match ctx.contracts().await {
        Ok(c) => match Indexer::open(&ctx.settings, &ctx.chain, &c) {
            Ok(i) => {
                deployment_block = Some(c.deployment.block);
                Some(i)
            }
            Err(e) => return e.to_string(),
        },
        Err(_) => None,
    };
    let history_done = Arc::new(AtomicBool::new(false));
    let chain = ctx.chain.clone();
    let mut heads = match chain.best_heads().await {
        Ok(h) => Box::pin(h),
        Err(e) => return e.to_string(),
    };
    // The block the node has now, before the first new one arrives.
    let mut best = chain.best_block_number().await;
    let mut history_task = None;
    let reason = loop {
        let best_block = match best {
            Ok(n) => n,
            Err(e) => break format!("lost the node at {url}: {e}"),
        };
        let (indexed_block, history_from) = match indexer.as_mut() {
            Some(i) => match i.sync(&chain, Backfill::Skip).await {
                Ok(report) => (Some(report.tip), Some(report.first_block)),
                Err(OpError::Failed(e)) => break e,
                Err(e) => break format!("lost the node at {url}: {e}"),
            },
            None => (None, None),
        };
        // Once the store exists: its history, on the side.
        if indexed_block.is_some() && history_task.is_none() {
            history_task = Some(tokio::spawn(fill_history(
                ctx.settings.clone(),
                tx.clone(),
                history_done.clone(),
            )));
        }
        publish(
            tx,
            LiveStatus::Up {
                best_block,
                indexed_block,
                history_complete: history_done.load(Ordering::SeqCst),
                history_from,
                deployment_block,
            },
        );
        if tx.is_closed() {
            break "no page is listening".into();
        }
        best = match heads.next().await {
            Some(head) => head,
            None => break format!("lost the node at {url}: its block subscription ended"),
        };
    };
    if let Some(task) = history_task {
        task.abort();
    }
    reason
}

/// Sends `status` if it differs from the last one.
fn publish(tx: &watch::Sender<LiveStatus>, status: LiveStatus) {
    tx.send_if_modified(|s| {
        let changed = *s != status;
        *s = status;
        changed
    });
}

/// Fills in the store's earlier history, a [`history_round`] at a time, over a connection and
/// a store writer of its own; publishes where history starts after each round, and that it is
/// complete once it is (or the node has pruned the rest). Gives up quietly on any error: the
/// pages still work, with shorter histories.
async fn fill_history(settings: Settings, tx: watch::Sender<LiveStatus>, done: Arc<AtomicBool>) {
    let Ok(Ok(mut ctx)) = tokio::time::timeout(CONNECT_TIMEOUT, Ctx::connect(settings)).await
    else {
        return;
    };
    let Ok(c) = ctx.contracts().await else {
        return;
    };
    let Ok(mut indexer) = Indexer::open(&ctx.settings, &ctx.chain, &c) else {
        return;
    };
    while !tx.is_closed() {
        let round = history_round(indexer.history_reader());
        let round = indexer.fill_history(&ctx.chain, round).await;
        if let Ok(report) = &round {
            let complete = report.history_complete || report.history_gap.is_some();
            done.store(complete, Ordering::SeqCst);
            tx.send_if_modified(|s| history_filled(s, report.first_block, complete));
        }
        match round {
            Ok(report) if report.history_complete || report.history_gap.is_some() => return,
            // Another writer is filling it in, or rebuilding the store: look again soon.
            Ok(report) if report.backfilled == 0 => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("filling in the event store's history stopped: {e}");
                return;
            }
        }
    }
}

/// `status` told that indexed history now starts at block `first` (and is `complete`);
/// whether that changed it.
fn history_filled(status: &mut LiveStatus, first: u64, complete: bool) -> bool {
    let LiveStatus::Up {
        history_complete,
        history_from,
        ..
    } = status
    else {
        return false;
    };
    let changed = *history_from != Some(first) || *history_complete != complete;
    *history_from = Some(first);
    *history_complete = complete;
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_wait_for_history_only_until_the_first_ones_gave_up_on_it() {
        let (tx, status) = watch::channel(LiveStatus::Connecting);
        let live = Live {
            status,
            history_deadline: Arc::default(),
        };
        tx.send(LiveStatus::Up {
            best_block: 9,
            indexed_block: Some(9),
            history_complete: false,
            history_from: Some(9),
            deployment_block: Some(2),
        })
        .unwrap();
        let first = tokio::time::Instant::now();
        live.first_sync().await;
        assert_eq!(first.elapsed(), HISTORY_WAIT);
        // History is still being filled in: later requests answer from what is indexed.
        let later = tokio::time::Instant::now();
        live.first_sync().await;
        assert_eq!(later.elapsed(), Duration::ZERO);
    }

    #[test]
    fn each_history_round_moves_where_history_starts_on_the_page() {
        let mut status = LiveStatus::Up {
            best_block: 9_000,
            indexed_block: Some(9_000),
            history_complete: false,
            history_from: Some(9_000),
            deployment_block: Some(2),
        };
        assert!(history_filled(&mut status, 5_000, false));
        assert!(!history_filled(&mut status, 5_000, false), "nothing new");
        assert!(history_filled(&mut status, 1, true));
        let LiveStatus::Up {
            history_complete,
            history_from,
            ..
        } = status
        else {
            unreachable!()
        };
        assert!(history_complete);
        assert_eq!(history_from, Some(1));
        let mut down = LiveStatus::Connecting;
        assert!(!history_filled(&mut down, 1, true));
        assert_eq!(down, LiveStatus::Connecting);
    }

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
