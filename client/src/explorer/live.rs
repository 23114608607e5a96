//! `/api/live`: the page's live view, pushed. One task per explorer follows the node's new
//! best blocks over its own connection (so it never waits behind a page request) and
//! publishes each change; every open page gets it at once as a server-sent event and then
//! fetches what it shows. When the node goes away the task says so and reconnects every
//! second.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use serde::Serialize;
use tokio::sync::watch;

use crate::chain::Chain;

/// How long a connection attempt may take, and the pause before the next one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What a page is told: the node's best block, or why there is no node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum LiveStatus {
    /// Not connected yet.
    Connecting,
    Up {
        best_block: u64,
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
    /// Starts following the node at `url` (on the current tokio runtime) until the last
    /// [`Live`] is dropped.
    pub fn follow(url: String) -> Live {
        let (tx, status) = watch::channel(LiveStatus::Connecting);
        tokio::spawn(follow(url, tx));
        Live { status }
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

async fn follow(url: String, tx: watch::Sender<LiveStatus>) {
    // Ends when no page and no router holds a receiver any more.
    while !tx.is_closed() {
        let reason = match tokio::time::timeout(
            CONNECT_TIMEOUT,
            Chain::connect(&url, CONNECT_TIMEOUT),
        )
        .await
        {
            Err(_) => format!("node at {url} is unreachable: no answer within {CONNECT_TIMEOUT:?}"),
            Ok(Err(e)) => e.to_string(),
            Ok(Ok(chain)) => follow_heads(&url, &chain, &tx).await,
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

/// Publishes each new best block until the subscription fails; returns why.
async fn follow_heads(url: &str, chain: &Chain, tx: &watch::Sender<LiveStatus>) -> String {
    let mut heads = match chain.best_heads().await {
        Ok(h) => Box::pin(h),
        Err(e) => return e.to_string(),
    };
    // The block the node has now, before the first new one arrives.
    if let Ok(best_block) = chain.best_block_number().await {
        tx.send_replace(LiveStatus::Up { best_block });
    }
    while let Some(head) = heads.next().await {
        match head {
            Ok(best_block) => {
                tx.send_replace(LiveStatus::Up { best_block });
            }
            Err(e) => return format!("lost the node at {url}: {e}"),
        }
        if tx.is_closed() {
            break;
        }
    }
    format!("lost the node at {url}: its block subscription ended")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_node_is_pushed_as_down() {
        let live = Live::follow("ws://127.0.0.1:9".into());
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
