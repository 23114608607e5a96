//! Words published on chain under a hash (a pitch, an arbiter's profile), found among the
//! documents the event store keeps, and shown only when their bytes match the hash.

use super::{Ctx, OpResult};
use crate::documents::Words;

/// For each of `hashes`, what was published under it; `None` for the zero hash (nothing
/// cited), and for every hash without the `store` feature (nowhere to look them up).
#[cfg(feature = "store")]
pub async fn words_of(ctx: &mut Ctx, hashes: &[[u8; 32]]) -> OpResult<Vec<Option<Words>>> {
    if hashes.iter().all(|h| *h == [0; 32]) {
        return Ok(vec![None; hashes.len()]);
    }
    let (store, _) = super::index::synced_store(ctx, crate::indexer::Backfill::Skip).await?;
    hashes
        .iter()
        .map(|hash| {
            if *hash == [0; 32] {
                return Ok(None);
            }
            let published = store
                .document(hash)
                .map_err(crate::indexer::store_error)?
                .map(|(bytes, _)| bytes);
            Ok(Some(Words::check(hash, published.as_deref())))
        })
        .collect()
}

#[cfg(not(feature = "store"))]
pub async fn words_of(_: &mut Ctx, hashes: &[[u8; 32]]) -> OpResult<Vec<Option<Words>>> {
    Ok(vec![None; hashes.len()])
}
