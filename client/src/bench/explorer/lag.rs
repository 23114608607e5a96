//! Index lag: how long after a block reaches the client the explorer has indexed it, so that
//! an open page is told (`/api/live`) and what it then fetches shows the block's changes. Each
//! sample creates an offer through the library, as `escrow offer create` does, and checks
//! that `/api/offers` lists it once `/api/live` says its block is indexed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use subxt::utils::H256;
use tokio::sync::mpsc;

use super::http::{Api, EventStream};
use crate::blocks::BlockRef;
use crate::chain::Chain;
use crate::explorer::LiveStatus;
use crate::ops::offers::{self, CreateOfferArgs};
use crate::ops::{Ctx, OpError, OpResult};

/// Every sample's lag should be at most this: a page shows a new deal within a second.
pub const INDEX_LAG_GOAL_MS: f64 = 1_000.0;

/// Longest wait for the explorer to index a block before the bench gives up on it.
const INDEX_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait for the client's own head subscription to report a block whose inclusion the
/// transaction already reported (it usually comes first).
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// The seller of the sampled offers (//Dave, the arbiter, cannot be).
const SELLER: &str = "//Bob";
const ARBITER: &str = "//Dave";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexLag {
    pub samples: usize,
    pub median_ms: f64,
    pub max_ms: f64,
    /// Every sample should be at most this.
    pub goal_ms: f64,
}

impl IndexLag {
    pub fn meets_goal(&self) -> bool {
        self.max_ms <= self.goal_ms
    }
}

/// Creates `samples` offers one after the other and times how long after its block reached
/// the client (`chain_subscribeNewHeads` on a connection of its own, or the transaction's
/// inclusion if that came first) `live` reported the block indexed. The node notifies its
/// subscribers one after the other, so on busy cores the explorer's own notice can come, and
/// the block be indexed, a few ms before the client's: such a sample counts as 0. `on_sample`
/// gets each lag in ms.
pub async fn measure(
    ctx: &Ctx,
    api: &Api,
    live: &mut EventStream,
    samples: usize,
    mut on_sample: impl FnMut(f64),
) -> OpResult<IndexLag> {
    let mut seller = ctx.share()?;
    seller.settings.as_account = Some(SELLER.into());
    let mut heads = HeadLog::follow(ctx.chain.url()).await?;
    let mut lags = Vec::with_capacity(samples);
    for n in 1..=samples {
        // One word per sample: the text search must find this offer by it.
        let word = format!("lagprobe{n}");
        let created = offers::create(&mut seller, offer_args(&word)).await?;
        let returned = Instant::now();
        let offer = created.offer.id;
        let tx = created
            .tx
            .ok_or_else(|| failed(format!("offer {offer} was created without a transaction")))?;
        let block = block_number(&ctx.chain, &tx.block_hash).await?;
        let known = heads.arrival(block).await.unwrap_or(returned).min(returned);
        let indexed = indexed_at(live, block, INDEX_TIMEOUT).await?;
        let lag_ms = indexed.saturating_duration_since(known).as_secs_f64() * 1e3;
        let path = format!("/api/offers?text={word}&limit=20");
        let listed = api.get_json(&path).await?;
        let ids: Vec<u64> = listed["offers"]
            .as_array()
            .map(|list| list.iter().filter_map(|o| o["id"].as_u64()).collect())
            .unwrap_or_default();
        if !ids.contains(&offer) {
            return Err(failed(format!(
                "/api/live said block {block} is indexed, but GET {path} does not list offer \
                 {offer} created in it (it lists {ids:?})"
            )));
        }
        on_sample(lag_ms);
        lags.push(lag_ms);
    }
    let median_ms = crate::bench::timing::Latency::of(&mut lags)
        .ok_or_else(|| failed("no lag sample to report".into()))?
        .median_ms;
    Ok(IndexLag {
        samples,
        median_ms,
        max_ms: lags.last().copied().unwrap_or_default(),
        goal_ms: INDEX_LAG_GOAL_MS,
    })
}

/// What a seller types for a probe offer: long windows, so nothing about it expires mid-run.
fn offer_args(word: &str) -> CreateOfferArgs {
    CreateOfferArgs {
        title: format!("Index lag probe {word}"),
        description: "created by escrow bench to time the explorer's index lag".into(),
        price: "1".into(),
        quantity: 1,
        arbiter: ARBITER.into(),
        delivery_window: "1h".into(),
        review_window: "1h".into(),
        ruling_window: "1h".into(),
        bond_per_unit: "0".into(),
        screening: Default::default(),
        milestones: Vec::new(),
    }
}

/// The instant `live` reported a status whose `indexed_block` is `block` or later (or the
/// error saying why it did not within `timeout`). Statuses read before the call count: the
/// stream stamped each as it arrived.
pub async fn indexed_at(
    live: &mut EventStream,
    block: u64,
    timeout: Duration,
) -> OpResult<Instant> {
    let mut last: Option<String> = None;
    let wait = async {
        while let Some((at, event)) = live.rx.recv().await {
            if event.event != "status" {
                continue;
            }
            match serde_json::from_str::<LiveStatus>(&event.data) {
                Ok(LiveStatus::Up {
                    indexed_block: Some(indexed),
                    ..
                }) if indexed >= block => return Ok(at),
                Ok(LiveStatus::Up {
                    indexed_block: None,
                    ..
                }) => {
                    return Err(failed(
                        "/api/live says the explorer has no deployment to index on this chain"
                            .into(),
                    ))
                }
                Ok(_) => last = Some(event.data),
                Err(e) => {
                    return Err(failed(format!(
                        "/api/live sent a status that is not one: {e}: {}",
                        event.data
                    )))
                }
            }
        }
        Err(failed("the explorer closed /api/live".into()))
    };
    match tokio::time::timeout(timeout, wait).await {
        Ok(result) => result,
        Err(_) => Err(failed(format!(
            "the explorer did not index block {block} within {timeout:?} (its last status: {})",
            last.as_deref().unwrap_or("none")
        ))),
    }
}

/// Waits (at most `timeout`) until `live` reports the store's earlier history complete, so
/// that the explorer is timed as it serves, not while it fills in a long chain's history.
pub async fn history_complete(live: &mut EventStream, timeout: Duration) -> OpResult<()> {
    let wait = async {
        while let Some((_, event)) = live.rx.recv().await {
            if let Ok(LiveStatus::Up {
                history_complete: true,
                ..
            }) = serde_json::from_str::<LiveStatus>(&event.data)
            {
                return Ok(());
            }
        }
        Err(failed("the explorer closed /api/live".into()))
    };
    tokio::time::timeout(timeout, wait).await.map_err(|_| {
        failed(format!(
            "the explorer did not fill in the store's history within {timeout:?}"
        ))
    })?
}

/// The number of the block `hash` (`0x` hex, as a transaction report gives it).
async fn block_number(chain: &Chain, hash: &str) -> OpResult<u64> {
    let Some(BlockRef::Hash(bytes)) = BlockRef::parse(hash) else {
        return Err(failed(format!("'{hash}' is not a block hash")));
    };
    let header = chain
        .rpc()
        .chain_get_header(Some(H256(bytes)))
        .await
        .map_err(|e| failed(format!("chain_getHeader({hash}): {e}")))?;
    header
        .map(|h| h.number)
        .ok_or_else(|| failed(format!("the node has no header for block {hash}")))
}

/// When each new best block reached the client, from a head subscription on a connection of
/// its own: on the bench's connection the notice waits behind the transaction's own traffic
/// (tens of ms in a debug build), and the explorer, notified on its own connection, would
/// seem to index blocks before they exist.
struct HeadLog {
    rx: mpsc::UnboundedReceiver<(Instant, u64)>,
    first_seen: BTreeMap<u64, Instant>,
    follower: tokio::task::JoinHandle<()>,
}

impl HeadLog {
    async fn follow(url: &str) -> OpResult<HeadLog> {
        use futures::StreamExt;
        let chain = Chain::connect(url, crate::ops::CONNECT_TIMEOUT).await?;
        let mut heads = Box::pin(chain.best_heads().await?);
        let (tx, rx) = mpsc::unbounded_channel();
        let follower = tokio::spawn(async move {
            // Its connection lives as long as the subscription is read.
            let _chain = chain;
            while let Some(Ok(number)) = heads.next().await {
                if tx.send((Instant::now(), number)).is_err() {
                    return;
                }
            }
        });
        Ok(HeadLog {
            rx,
            first_seen: BTreeMap::new(),
            follower,
        })
    }

    /// When block `number` first arrived, waiting for it a little; None if it did not come.
    async fn arrival(&mut self, number: u64) -> Option<Instant> {
        let deadline = tokio::time::Instant::now() + HEAD_TIMEOUT;
        loop {
            if let Some(at) = self.first_seen.get(&number) {
                return Some(*at);
            }
            let (at, n) = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .ok()??;
            self.first_seen.entry(n).or_insert(at);
        }
    }
}

impl Drop for HeadLog {
    fn drop(&mut self) {
        self.follower.abort();
    }
}

fn failed(e: String) -> OpError {
    OpError::Failed(format!("explorer bench: {e}"))
}
