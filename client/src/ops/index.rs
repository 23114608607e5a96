//! The event store as the commands read it: brought up to the best block first, or, in a
//! session whose store a follower keeps in step (the explorer's), just opened.

use super::{Ctx, OpResult};
use crate::indexer::{store_error, store_key, store_path, Backfill, Indexer, SyncReport};
use crate::store::{PooledReader, StoreError};

/// A reader of this deployment's store, synced to the best block unless
/// [`Ctx::store_followed`] (and the store exists), with as much earlier history as `backfill`
/// asks; and what the sync did.
pub async fn synced_store(
    ctx: &mut Ctx,
    backfill: Backfill,
) -> OpResult<(PooledReader, Option<SyncReport>)> {
    let c = ctx.contracts().await?;
    let path = store_path(&ctx.settings, &ctx.chain, &c);
    if ctx.store_followed {
        match ctx.store_readers.get(&path, store_key(&ctx.chain, &c)) {
            Ok(reader) => return Ok((reader, None)),
            // The follower has not made it yet: sync here this once.
            Err(StoreError::Missing { .. }) => {}
            Err(e) => return Err(store_error(e)),
        }
    } else if backfill == Backfill::Skip {
        // A store already at the best block needs no writer: a pooled read-only connection
        // and one RPC say so (opening the writer checks and tunes the file each time).
        if let Ok(reader) = ctx.store_readers.get(&path, store_key(&ctx.chain, &c)) {
            let tip = reader.tip().map_err(store_error)?;
            if tip.is_some() && tip.map(|t| t.1) == ctx.chain.best_block_hash().await? {
                let report = SyncReport {
                    tip: tip.map_or(0, |t| t.0),
                    first_block: reader
                        .first_block()
                        .map_err(store_error)?
                        .map_or(0, |f| f.0),
                    ..SyncReport::default()
                };
                return Ok((reader, Some(report)));
            }
        }
    }
    let mut indexer = Indexer::open(&ctx.settings, &ctx.chain, &c)?;
    let report = indexer.sync(&ctx.chain, backfill).await?;
    Ok((PooledReader::unpooled(indexer.into_reader()), Some(report)))
}
