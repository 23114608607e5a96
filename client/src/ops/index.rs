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
    if ctx.store_followed {
        let path = store_path(&ctx.settings, &ctx.chain, &c);
        match ctx.store_readers.get(&path, store_key(&ctx.chain, &c)) {
            Ok(reader) => return Ok((reader, None)),
            // The follower has not made it yet: sync here this once.
            Err(StoreError::Missing { .. }) => {}
            Err(e) => return Err(store_error(e)),
        }
    }
    let mut indexer = Indexer::open(&ctx.settings, &ctx.chain, &c)?;
    let report = indexer.sync(&ctx.chain, backfill).await?;
    Ok((PooledReader::unpooled(indexer.into_reader()), Some(report)))
}
