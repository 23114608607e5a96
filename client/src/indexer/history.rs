//! Reading earlier history, newest block first: by ranges, or block by block.
//!
//! Why ranges: read one at a time, a block costs its hash, its header, its timestamp, and
//! `Core_version` plus the events (subxt's client at a block), some 57 blocks a second however
//! many go out side by side. One `state_queryStorage` call instead returns the events, number,
//! parent hash, timestamp and runtime of [`RANGE`] blocks at once ([`super::changes`] carries
//! its change sets forward), the events are decoded with the metadata of the range's runtime
//! (read again only where `System.LastRuntimeUpgrade` changes), and only the blocks whose events
//! say that documents were published have their body read. `state_queryStorage` is an unsafe
//! RPC method, which nodes serving the public refuse: then history is read block by block
//! ([`HistoryReader::PerBlock`]), as it always was, at that speed.

use futures::StreamExt;
use subxt::utils::H256;

use super::changes::{carry_forward, runtime_segments, BlockValues, HistoryKeys};
use super::read::{block_events, index_block, ReadResult};
use crate::blocks::decode_events;
use crate::chain::{rpc_err, Chain};
use crate::contract_state::ContractStateError;
use crate::session::Contracts;
use crate::store::{BlockEvent, BlockInfo};

/// A block as the store keeps it.
pub type Block = (BlockInfo, Vec<BlockEvent>);

/// How earlier history is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryReader {
    /// This many blocks per `state_queryStorage` call ([`RANGE`] by default); block by block
    /// from the first refusal.
    Ranges(u64),
    /// Each block on its own: hash, header, timestamp, events.
    PerBlock,
}

impl Default for HistoryReader {
    fn default() -> Self {
        HistoryReader::Ranges(RANGE)
    }
}

/// Blocks per `state_queryStorage` call: a few hundred KB of JSON, well within the node's
/// 15 MB answer limit even for blocks full of events.
pub const RANGE: u64 = 500;
/// Ranges read side by side: the node answers each on a thread of its own.
pub const RANGES_AT_ONCE: usize = 4;
/// Blocks read side by side, one at a time each, by [`HistoryReader::PerBlock`].
pub const BLOCKS_AT_ONCE: usize = 16;
const QUERY_STORAGE: &str = "state_queryStorage";

/// Why a range could not be read in one call.
#[derive(Debug)]
pub enum RangeError {
    /// The node does not serve `state_queryStorage` (to this caller).
    Refused(String),
    Failed(ContractStateError),
}

impl From<ContractStateError> for RangeError {
    fn from(e: ContractStateError) -> Self {
        RangeError::Failed(e)
    }
}

/// Blocks `lowest..=top`, newest first, read as `reader` says; a refusal of the range reads
/// switches `reader` to [`HistoryReader::PerBlock`] for good. Returns what was read down to
/// the first block the node could not give, and why it could not (its pruned state, mostly).
pub async fn read_back(
    chain: &Chain,
    contracts: &Contracts,
    reader: &mut HistoryReader,
    lowest: u64,
    top: u64,
) -> (Vec<Block>, Option<String>) {
    let size = match *reader {
        HistoryReader::PerBlock => return read_blocks(chain, contracts, lowest, top).await,
        HistoryReader::Ranges(size) => size.max(1),
    };
    let ranges = ranges(lowest, top, size);
    let results: Vec<_> = futures::stream::iter(ranges.iter().copied())
        .map(|(lo, hi)| read_range(chain, contracts, lo, hi))
        .buffered(RANGES_AT_ONCE)
        .collect()
        .await;
    let mut blocks = Vec::new();
    for ((lo, hi), result) in ranges.into_iter().zip(results) {
        match result {
            Ok(read) => blocks.extend(read),
            Err(RangeError::Refused(why)) => {
                tracing::info!(
                    "the node refuses {QUERY_STORAGE} ({why}): earlier history is read block \
                     by block, much slower"
                );
                *reader = HistoryReader::PerBlock;
                let (more, gap) = read_blocks(chain, contracts, lowest, hi).await;
                blocks.extend(more);
                return (blocks, gap);
            }
            Err(RangeError::Failed(e)) => {
                // Pruned state, or an answer too large: the blocks one by one say which.
                tracing::debug!("blocks #{lo} to #{hi} in one read: {e}; reading them one by one");
                let (more, gap) = read_blocks(chain, contracts, lo, hi).await;
                blocks.extend(more);
                if gap.is_some() {
                    return (blocks, gap);
                }
            }
        }
    }
    (blocks, None)
}

/// `lowest..=top` in ranges of at most `size` blocks, newest first.
fn ranges(lowest: u64, top: u64, size: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut hi = top;
    while hi >= lowest {
        let lo = hi.saturating_sub(size - 1).max(lowest);
        out.push((lo, hi));
        if lo == 0 {
            break;
        }
        hi = lo - 1;
    }
    out
}

/// Blocks `lo..=hi` of the best chain, newest first, from one `state_queryStorage` call.
pub async fn read_range(
    chain: &Chain,
    contracts: &Contracts,
    lo: u64,
    hi: u64,
) -> Result<Vec<Block>, RangeError> {
    if lo > hi {
        return Ok(Vec::new());
    }
    let hash = |n: u64| async move {
        chain
            .block_hash(n)
            .await?
            .ok_or(ContractStateError::UnknownBlock([0; 32]))
    };
    let (from, to) = futures::future::try_join(hash(lo), hash(hi)).await?;
    let keys = HistoryKeys::new();
    let sets = chain
        .rpc()
        .state_query_storage(keys.all(), H256(from), Some(H256(to)))
        .await
        .map_err(|e| match refusal(&e) {
            Some(why) => RangeError::Refused(why),
            None => RangeError::Failed(ContractStateError::Rpc {
                method: QUERY_STORAGE,
                reason: e.to_string(),
            }),
        })?;
    let values = carry_forward(&keys, &sets, lo, hi - lo + 1, from, to).map_err(|reason| {
        ContractStateError::BadAnswer {
            method: QUERY_STORAGE,
            reason,
        }
    })?;
    let mut decoded = Vec::with_capacity(values.len());
    for segment in runtime_segments(&values) {
        decoded.extend(decode_segment(chain, &values[segment]).await?);
    }
    // Side by side: only blocks with published documents call the node (for their body).
    let mut blocks = futures::future::try_join_all(
        decoded
            .into_iter()
            .map(|(block, all)| index_block(chain, contracts, block, all)),
    )
    .await?;
    blocks.reverse();
    Ok(blocks)
}

/// The events of `blocks`, all run by the same runtime, decoded with its metadata (read at
/// the first of them, as a read of that block alone would).
async fn decode_segment(
    chain: &Chain,
    blocks: &[BlockValues],
) -> ReadResult<Vec<(BlockInfo, Vec<(Option<u32>, crate::chain::ChainEvent)>)>> {
    let Some(first) = blocks.first() else {
        return Ok(Vec::new());
    };
    let at = chain
        .api()
        .at_block_hash_and_number(H256(first.hash), first.number)
        .await
        .map_err(rpc_err)?;
    let events = at.events();
    blocks
        .iter()
        .map(|b| {
            let all = decode_events(&events.from_bytes(b.events.clone()))?;
            let info = BlockInfo {
                number: b.number,
                hash: b.hash,
                parent_hash: b.parent_hash,
                timestamp: b.timestamp,
                extrinsics: 0,
                documents: Vec::new(),
            };
            Ok((info, all))
        })
        .collect()
}

/// Why `e` says the node does not serve the method, if it does: "Method not found" to
/// everyone, or "RPC call is unsafe to be called externally" to callers from elsewhere.
fn refusal(e: &subxt::rpcs::Error) -> Option<String> {
    match e {
        subxt::rpcs::Error::User(u)
            if u.code == -32601 || u.message.to_lowercase().contains("unsafe") =>
        {
            Some(u.message.clone())
        }
        _ => None,
    }
}

/// Blocks `lowest..=top` read one at a time each ([`BLOCKS_AT_ONCE`] side by side), newest
/// first, down to the first one the node cannot give.
pub async fn read_blocks(
    chain: &Chain,
    contracts: &Contracts,
    lowest: u64,
    top: u64,
) -> (Vec<Block>, Option<String>) {
    let numbers: Vec<u64> = (lowest..=top).rev().collect();
    let read = futures::stream::iter(numbers.chunks(BLOCKS_AT_ONCE))
        .then(|chunk| async move {
            let reads = chunk.iter().map(|&n| async move {
                let hash = chain
                    .block_hash(n)
                    .await?
                    .ok_or(ContractStateError::UnknownBlock([0; 32]))?;
                block_events(chain, contracts, hash).await
            });
            futures::future::join_all(reads).await
        })
        .collect::<Vec<_>>()
        .await;
    let mut blocks = Vec::new();
    for result in read.into_iter().flatten() {
        match result {
            Ok(block) => blocks.push(block),
            Err(e) => {
                let missing = top - blocks.len() as u64;
                return (
                    blocks,
                    Some(format!("the node no longer has block #{missing} ({e})")),
                );
            }
        }
    }
    (blocks, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_span_newest_first_without_overlap() {
        assert_eq!(ranges(0, 0, RANGE), [(0, 0)]);
        assert_eq!(ranges(5, 5 + RANGE, RANGE), [(6, 5 + RANGE), (5, 5)]);
        let r = ranges(0, 3 * RANGE - 1, RANGE);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0], (2 * RANGE, 3 * RANGE - 1));
        assert_eq!(r[2], (0, RANGE - 1));
        assert!(ranges(7, 6, RANGE).is_empty());
        assert_eq!(ranges(3, 9, 3), [(7, 9), (4, 6), (3, 3)]);
    }

    #[test]
    fn only_a_missing_or_unsafe_method_is_a_refusal() {
        let user = |code, message: &str| {
            subxt::rpcs::Error::User(subxt::rpcs::UserError {
                code,
                message: message.into(),
                data: None,
            })
        };
        assert!(refusal(&user(-32601, "Method not found")).is_some());
        assert!(refusal(&user(-32000, "RPC call is unsafe to be called externally")).is_some());
        assert_eq!(
            refusal(&user(4003, "State already discarded for 0x12")),
            None
        );
        assert_eq!(
            refusal(&subxt::rpcs::Error::DisconnectedWillReconnect("x".into())),
            None
        );
    }
}
