//! The explorer's connection to the node: made on first use, shared by concurrent requests
//! (each gets its own session over it), dropped when a request fails on the chain, and made
//! again by a later request, so the page outlives node restarts.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use tokio::sync::Mutex;

use super::live::{Live, LiveStatus};
use crate::chain::ChainError;
use crate::ops::{Ctx, OpError, OpResult, Settings};

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest a request may take before the node counts as lost (a request made before the
/// live task's first sync builds the event store itself).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// After a failed attempt, requests within this time get the same error without a new try.
const RETRY_AFTER: Duration = Duration::from_secs(1);

pub struct NodeLink {
    settings: Settings,
    state: Mutex<LinkState>,
    /// The live task, which also keeps the event store in step: requests read the store
    /// once its first sync is done.
    live: Live,
}

#[derive(Default)]
struct LinkState {
    ctx: Option<Ctx>,
    last_failure: Option<(Instant, String)>,
}

/// Why a request could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// No connection to the node (it is down, restarting or the URL is wrong).
    #[error("{0}")]
    NodeDown(String),
    /// The request itself failed (bad input, unknown id, no deployment...).
    #[error(transparent)]
    Op(OpError),
}

impl NodeLink {
    /// Starts the live task too (needs a tokio runtime).
    pub fn new(settings: Settings) -> NodeLink {
        NodeLink {
            live: Live::follow(settings.clone()),
            settings,
            state: Mutex::new(LinkState::default()),
        }
    }

    pub fn live(&self) -> &Live {
        &self.live
    }

    pub fn url(&self) -> String {
        self.settings.url()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs `f` with a connected session, connecting first if needed. The lock is held only
    /// to connect and to share the connection: requests run concurrently. A chain error drops
    /// the connection (the node may have gone away) so the next request reconnects.
    pub async fn with<T>(
        &self,
        f: impl for<'a> FnOnce(&'a mut Ctx) -> BoxFuture<'a, OpResult<T>>,
    ) -> Result<T, LinkError> {
        let mut ctx = self.session().await?;
        let run = async {
            // Until the live task's first sync, the store may hold only part of the state.
            self.live.first_sync().await;
            // Pages read mostly the store, which outlives the node: say the node is gone
            // rather than answer from a store that no longer follows it.
            match self.live.status() {
                LiveStatus::Down { error } => Err(error),
                _ => Ok(f(&mut ctx).await),
            }
        };
        let result = match tokio::time::timeout(REQUEST_TIMEOUT, run).await {
            Ok(Ok(result)) => result,
            Ok(Err(down)) => return Err(self.lost(down).await),
            Err(_) => {
                let reason = format!(
                    "the node at {} did not answer within {REQUEST_TIMEOUT:?}",
                    self.url()
                );
                return Err(self.lost(reason).await);
            }
        };
        match result {
            Ok(v) => {
                if let Some(shared) = self.state.lock().await.ctx.as_mut() {
                    shared.learn_from(&ctx);
                }
                Ok(v)
            }
            Err(e) if lost_node(&e) => {
                let reason = format!("lost the node at {}: {e}", self.url());
                Err(self.lost(reason).await)
            }
            Err(e) => Err(LinkError::Op(e)),
        }
    }

    /// A session over the shared connection, connecting it first if there is none.
    async fn session(&self) -> Result<Ctx, LinkError> {
        let mut state = self.state.lock().await;
        if state.ctx.is_none() {
            if let Some((at, reason)) = &state.last_failure {
                if at.elapsed() < RETRY_AFTER {
                    return Err(LinkError::NodeDown(reason.clone()));
                }
            }
            let settings = self.settings.clone();
            match tokio::time::timeout(CONNECT_TIMEOUT, Ctx::connect(settings)).await {
                Ok(Ok(ctx)) => {
                    state.ctx = Some(ctx);
                    state.last_failure = None;
                }
                Ok(Err(e)) => return Err(state.failed(e.to_string())),
                Err(_) => {
                    let reason = format!(
                        "node at {} is unreachable: no answer within {CONNECT_TIMEOUT:?}",
                        self.url()
                    );
                    return Err(state.failed(reason));
                }
            }
        }
        let shared = state.ctx.as_mut().expect("connected above");
        // Learnt once, under the lock, rather than by each of a burst of first requests:
        // loading the bundles and checking the contracts on chain costs milliseconds. An
        // error (no deployment yet) is the request's to report: it tries again.
        let _ = shared.contracts().await;
        let mut session = shared.share().map_err(LinkError::Op)?;
        // The live task keeps the event store in step: requests only read it.
        session.store_followed = true;
        Ok(session)
    }

    /// The connection is gone: the next request makes a new one.
    async fn lost(&self, reason: String) -> LinkError {
        let mut state = self.state.lock().await;
        state.ctx = None;
        state.failed(reason)
    }
}

impl LinkState {
    fn failed(&mut self, reason: String) -> LinkError {
        self.last_failure = Some((Instant::now(), reason.clone()));
        LinkError::NodeDown(reason)
    }
}

/// Errors that say the connection itself is gone: RPC transport failures and timeouts.
fn lost_node(e: &OpError) -> bool {
    use crate::contract::ContractClientError as C;
    matches!(
        e,
        OpError::Chain(ChainError::Rpc(_) | ChainError::Unreachable { .. })
            | OpError::Client(C::Chain(ChainError::Rpc(_)))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_node_is_reported_as_down_without_retrying_at_once() {
        // Port 9 (discard) on localhost: nothing listens there.
        let link = NodeLink::new(Settings {
            url: Some("ws://127.0.0.1:9".into()),
            ..Settings::default()
        });
        let first = link
            .with(|ctx| {
                Box::pin(async move { ctx.chain.best_block_number().await.map_err(Into::into) })
            })
            .await;
        let Err(LinkError::NodeDown(reason)) = first else {
            panic!("expected NodeDown, got {first:?}");
        };
        assert!(reason.contains("127.0.0.1:9"), "{reason}");
        let started = Instant::now();
        let second = link
            .with(|ctx| {
                Box::pin(async move { ctx.chain.best_block_number().await.map_err(Into::into) })
            })
            .await;
        assert!(matches!(second, Err(LinkError::NodeDown(r)) if r == reason));
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
