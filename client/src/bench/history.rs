//! History fill: how fast a new event store fills in the chain's earlier history, from the
//! block it starts at down to the deployment (what `deal show` on a long chain, and the
//! explorer's history task, wait for). The chain is first lengthened to the setting's length
//! with empty remarks, the cheapest transactions; then a store in a directory of its own starts
//! at the tip (untimed: one bulk read of the contracts' state) and only the fill is timed.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::traffic::remarks;
use crate::indexer::{Backfill, HistoryReader, Indexer};
use crate::ops::{Ctx, OpError, OpResult};
use crate::signer::Keypair;

/// Blocks of history filled in per second, at least.
pub const HISTORY_FILL_GOAL: f64 = 2_000.0;
/// The dev accounts whose remarks lengthen the chain, side by side (//Ferdie nudges).
const SENDERS: [&str; 5] = ["//Alice", "//Bob", "//Charlie", "//Dave", "//Eve"];
/// Longest wait for finality to reach the best block.
const FINALITY_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryFill {
    /// The best block when the store started.
    pub chain_blocks: u64,
    /// Blocks the bench added with remarks to reach that length.
    pub added_blocks: u64,
    /// Blocks of history filled in, down to the deployment.
    pub blocks: u64,
    pub seconds: f64,
    pub blocks_per_second: f64,
    /// "by ranges", or "block by block" when the node refused the range reads.
    pub reader: String,
    pub goal: f64,
}

impl HistoryFill {
    pub fn meets_goal(&self) -> bool {
        self.blocks_per_second >= self.goal
    }
}

/// Lengthens `ctx`'s chain to at least `min_blocks` blocks, then times a new store's fill of
/// its history. `progress` gets a line per step.
pub async fn measure(
    ctx: &mut Ctx,
    min_blocks: u64,
    mut progress: impl FnMut(String),
) -> OpResult<HistoryFill> {
    let chain = &ctx.chain;
    let start = chain.best_block_number().await?;
    if start < min_blocks {
        progress(format!(
            "  lengthening the chain from {start} to {min_blocks} blocks with remarks"
        ));
        let senders = SENDERS
            .iter()
            .map(|s| Keypair::sr25519_from_uri(s).map_err(|e| OpError::Failed(format!("{s}: {e}"))))
            .collect::<OpResult<Vec<_>>>()?;
        loop {
            let best = chain.best_block_number().await?;
            if best >= min_blocks {
                break;
            }
            let each = (min_blocks - best).div_ceil(senders.len() as u64) as usize;
            remarks(chain, &senders, each).await?;
        }
    }
    let best = wait_for_finality(ctx).await?;
    let c = ctx.contracts().await?;
    let dir = tempfile::tempdir().map_err(|e| OpError::Failed(e.to_string()))?;
    let mut settings = ctx.settings.clone();
    // A store of its own: a copy of the deployment file in an empty directory.
    let deployment = dir.path().join("deployments.json");
    if let Some(from) = &ctx.settings.deployment {
        std::fs::copy(from, &deployment).map_err(|e| {
            OpError::Failed(format!("cannot copy {} for the store: {e}", from.display()))
        })?;
    }
    settings.deployment = Some(deployment);
    let mut indexer = Indexer::open(&settings, &ctx.chain, &c)?;
    indexer.sync(&ctx.chain, Backfill::Skip).await?;
    progress(format!(
        "  filling in history from block {best} down to the deployment (block {})",
        c.deployment.block
    ));
    let timer = Instant::now();
    let report = indexer.fill_history(&ctx.chain, Backfill::All).await?;
    let seconds = timer.elapsed().as_secs_f64();
    if !report.history_complete {
        return Err(OpError::Failed(format!(
            "history was not filled in down to the deployment: {}",
            report
                .history_gap
                .unwrap_or_else(|| format!("it starts at block {}", report.first_block))
        )));
    }
    Ok(HistoryFill {
        chain_blocks: best,
        added_blocks: best.saturating_sub(start),
        blocks: report.backfilled,
        seconds,
        blocks_per_second: report.backfilled as f64 / seconds.max(1e-9),
        reader: match indexer.history_reader() {
            HistoryReader::Ranges(_) => "by ranges".into(),
            HistoryReader::PerBlock => "block by block".into(),
        },
        goal: HISTORY_FILL_GOAL,
    })
}

/// Waits until the finalized block is the best one (the dev node finalizes a second behind),
/// so that a new store starts at the tip and all the chain before it is history; returns it.
async fn wait_for_finality(ctx: &Ctx) -> OpResult<u64> {
    let deadline = Instant::now() + FINALITY_WAIT;
    loop {
        let best = ctx.chain.best_block_number().await?;
        let hash = ctx
            .chain
            .rpc()
            .chain_get_finalized_head()
            .await
            .map_err(|e| OpError::Failed(format!("chain_getFinalizedHead: {e}")))?;
        let finalized = ctx
            .chain
            .rpc()
            .chain_get_header(Some(hash))
            .await
            .map_err(|e| OpError::Failed(format!("chain_getHeader: {e}")))?
            .map_or(0, |h| h.number);
        if finalized >= best {
            return Ok(best);
        }
        if Instant::now() > deadline {
            return Err(OpError::Failed(format!(
                "the node did not finalize block {best} within {FINALITY_WAIT:?} (finalized: \
                 {finalized})"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_goal_is_met_at_two_thousand_blocks_a_second_and_missed_below() {
        let fill = |bps| HistoryFill {
            chain_blocks: 20_000,
            added_blocks: 0,
            blocks: 20_000,
            seconds: 20_000.0 / bps,
            blocks_per_second: bps,
            reader: "by ranges".into(),
            goal: HISTORY_FILL_GOAL,
        };
        assert!(fill(2_000.0).meets_goal());
        assert!(!fill(1_999.9).meets_goal());
    }
}
