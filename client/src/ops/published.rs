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
    use crate::indexer::{store_error, Backfill};
    let (store, _) = super::index::synced_store(ctx, Backfill::Skip).await?;
    let found = |store: &crate::store::StoreReader| -> OpResult<Vec<Option<Option<Vec<u8>>>>> {
        hashes
            .iter()
            .map(|hash| {
                if *hash == [0; 32] {
                    return Ok(None);
                }
                Ok(Some(
                    store.document(hash).map_err(store_error)?.map(|(b, _)| b),
                ))
            })
            .collect()
    };
    let mut published = found(&store)?;
    // A store that started from a snapshot holds no block before it: read the earlier blocks
    // (once; the store keeps them) before saying a document is not on chain.
    if published.iter().any(|p| matches!(p, Some(None))) {
        drop(store);
        let (store, _) = super::index::synced_store(ctx, Backfill::All).await?;
        published = found(&store)?;
    }
    Ok(hashes
        .iter()
        .zip(published)
        .map(|(hash, p)| p.map(|bytes| Words::check(hash, bytes.as_deref())))
        .collect())
}

/// The whole text a description refers to, when it keeps only a summary.
pub async fn details_of(ctx: &mut Ctx, description: &str) -> OpResult<Option<Words>> {
    match crate::documents::details::referred(description) {
        Some(hash) => Ok(words_of(ctx, &[hash]).await?.remove(0)),
        None => Ok(None),
    }
}

#[cfg(not(feature = "store"))]
pub async fn words_of(_: &mut Ctx, hashes: &[[u8; 32]]) -> OpResult<Vec<Option<Words>>> {
    Ok(vec![None; hashes.len()])
}
