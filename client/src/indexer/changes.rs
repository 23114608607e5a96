//! `state_queryStorage`'s answer turned back into each block's values. The node sends, for
//! the first block of the range, every key's value, and for each later block only the keys
//! whose value differs from the block before (a block where none differs is left out). So a
//! key missing from a block's change set holds the value it had in the block before: carried
//! forward here. That holds for `System.Events` too: the runtime rewrites it in every block,
//! and a block whose events are byte for byte the previous block's (two blocks with the same
//! inherent alone) is reported unchanged, so its events are those same bytes.

use std::collections::HashMap;
use std::ops::Range;

use scale::DecodeAll;
use subxt::rpcs::methods::legacy::StorageChangeSet;
use subxt::utils::H256;

/// The storage keys read for each block: plain storage values, so the 32-byte
/// `twox128(pallet) ++ twox128(entry)` prefix is the whole key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryKeys {
    pub events: [u8; 32],
    pub number: [u8; 32],
    pub parent_hash: [u8; 32],
    pub timestamp: [u8; 32],
    /// `System.LastRuntimeUpgrade`: changes with the runtime, and with it the metadata the
    /// events must be decoded with.
    pub runtime: [u8; 32],
}

impl HistoryKeys {
    pub fn new() -> HistoryKeys {
        let key = subxt::ext::frame_decode::storage::encode_storage_key_prefix;
        HistoryKeys {
            events: key("System", "Events"),
            number: key("System", "Number"),
            parent_hash: key("System", "ParentHash"),
            timestamp: key("Timestamp", "Now"),
            runtime: key("System", "LastRuntimeUpgrade"),
        }
    }

    pub fn all(&self) -> [&[u8]; 5] {
        [
            &self.events,
            &self.number,
            &self.parent_hash,
            &self.timestamp,
            &self.runtime,
        ]
    }
}

impl Default for HistoryKeys {
    fn default() -> Self {
        HistoryKeys::new()
    }
}

/// One block's values, as of the end of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockValues {
    pub number: u64,
    pub hash: [u8; 32],
    pub parent_hash: [u8; 32],
    /// `Timestamp.Now`, ms (0 when unset, as in the genesis block).
    pub timestamp: u64,
    /// `System.Events`, SCALE-encoded (empty when unset).
    pub events: Vec<u8>,
    /// `System.LastRuntimeUpgrade`, SCALE-encoded, compared only.
    pub runtime: Option<Vec<u8>>,
}

/// Blocks `first..first + count` (the range asked for, from hash `from` to hash `to`) from
/// the change sets `sets` of `keys`, oldest first. Refuses an answer that does not hold one
/// change set per block, linked parent to child, from `from` to `to`, with `System.Number`
/// (when set) the block's own: the blocks then could not be told apart.
pub fn carry_forward(
    keys: &HistoryKeys,
    sets: &[StorageChangeSet<H256>],
    first: u64,
    count: u64,
    from: [u8; 32],
    to: [u8; 32],
) -> Result<Vec<BlockValues>, String> {
    if sets.len() as u64 != count {
        return Err(format!(
            "{} change sets for {count} blocks: a block is missing",
            sets.len()
        ));
    }
    if sets.first().map(|s| s.block.0) != Some(from) || sets.last().map(|s| s.block.0) != Some(to) {
        return Err("the change sets do not run from the first block asked for to the last".into());
    }
    let mut values: HashMap<&[u8], Option<&[u8]>> = HashMap::new();
    let mut out: Vec<BlockValues> = Vec::with_capacity(sets.len());
    for (set, number) in sets.iter().zip(first..) {
        for (key, value) in &set.changes {
            values.insert(&key.0, value.as_ref().map(|v| &v.0[..]));
        }
        let value = |key: &[u8; 32]| values.get(&key[..]).copied().flatten();
        let block = format!("block #{number}");
        if let Some(bytes) = value(&keys.number) {
            let stored = match bytes.len() {
                4 => u32::decode_all(&mut &bytes[..]).map(u64::from).ok(),
                _ => u64::decode_all(&mut &bytes[..]).ok(),
            };
            if stored != Some(number) {
                return Err(format!(
                    "{block}: System.Number is {stored:?}, so a block was skipped or repeated"
                ));
            }
        }
        let parent_hash = match value(&keys.parent_hash) {
            None => [0; 32],
            Some(bytes) => <[u8; 32]>::decode_all(&mut &bytes[..])
                .map_err(|e| format!("{block}: System.ParentHash: {e}"))?,
        };
        if let Some(previous) = out.last() {
            if previous.hash != parent_hash {
                return Err(format!("{block} is not the child of the block before it"));
            }
        }
        let timestamp = match value(&keys.timestamp) {
            None => 0,
            Some(bytes) => u64::decode_all(&mut &bytes[..])
                .map_err(|e| format!("{block}: Timestamp.Now: {e}"))?,
        };
        out.push(BlockValues {
            number,
            hash: set.block.0,
            parent_hash,
            timestamp,
            events: value(&keys.events).map(<[u8]>::to_vec).unwrap_or_default(),
            runtime: value(&keys.runtime).map(<[u8]>::to_vec),
        });
    }
    Ok(out)
}

/// `blocks` split where `System.LastRuntimeUpgrade` changes: the blocks of one part ran
/// under the same runtime, so one metadata decodes all their events.
pub fn runtime_segments(blocks: &[BlockValues]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..blocks.len() {
        if blocks[i].runtime != blocks[i - 1].runtime {
            out.push(start..i);
            start = i;
        }
    }
    if start < blocks.len() {
        out.push(start..blocks.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use scale::Encode;
    use subxt::rpcs::methods::legacy::Bytes;

    fn hash(n: u64) -> [u8; 32] {
        let mut h = [0u8; 32];
        h[..8].copy_from_slice(&n.to_le_bytes());
        h[31] = 0xbb;
        h
    }

    /// Block `n`'s change set: the keys given, each with its value (`None`: unset).
    fn set(n: u64, changes: Vec<([u8; 32], Option<Vec<u8>>)>) -> StorageChangeSet<H256> {
        StorageChangeSet {
            block: H256(hash(n)),
            changes: changes
                .into_iter()
                .map(|(k, v)| (Bytes(k.to_vec()), v.map(Bytes)))
                .collect(),
        }
    }

    /// What a node sends for block `n` whose number and parent changed (they always do) and
    /// `more` besides.
    fn block(
        keys: &HistoryKeys,
        n: u64,
        more: Vec<([u8; 32], Option<Vec<u8>>)>,
    ) -> StorageChangeSet<H256> {
        let mut changes = vec![
            (keys.number, Some((n as u32).encode())),
            (keys.parent_hash, Some(hash(n - 1).encode())),
        ];
        changes.extend(more);
        set(n, changes)
    }

    #[test]
    fn a_key_missing_from_a_change_set_keeps_the_value_of_the_block_before() {
        let keys = HistoryKeys::new();
        let sets = vec![
            block(
                &keys,
                10,
                vec![
                    (keys.events, Some(vec![4, 1, 2])),
                    (keys.timestamp, Some(1_000u64.encode())),
                    (keys.runtime, Some(vec![7])),
                ],
            ),
            // Same events bytes and runtime: the node leaves them out.
            block(&keys, 11, vec![(keys.timestamp, Some(2_000u64.encode()))]),
            block(&keys, 12, vec![(keys.events, Some(vec![8, 9]))]),
        ];
        let out = carry_forward(&keys, &sets, 10, 3, hash(10), hash(12)).unwrap();
        let events: Vec<&[u8]> = out.iter().map(|b| &b.events[..]).collect();
        assert_eq!(events, [&[4, 1, 2][..], &[4, 1, 2], &[8, 9]]);
        let times: Vec<u64> = out.iter().map(|b| b.timestamp).collect();
        assert_eq!(times, [1_000, 2_000, 2_000]);
        assert!(out.iter().all(|b| b.runtime == Some(vec![7])));
        assert_eq!(out[2].number, 12);
        assert_eq!(out[2].parent_hash, hash(11));
        assert_eq!(out[1].hash, hash(11));
    }

    #[test]
    fn a_value_removed_is_gone_from_that_block_on() {
        let keys = HistoryKeys::new();
        let sets = vec![
            block(&keys, 1, vec![(keys.events, Some(vec![4, 1]))]),
            block(&keys, 2, vec![(keys.events, None)]),
            block(&keys, 3, vec![]),
        ];
        let out = carry_forward(&keys, &sets, 1, 3, hash(1), hash(3)).unwrap();
        assert_eq!(out[0].events, [4, 1]);
        assert!(out[1].events.is_empty() && out[2].events.is_empty());
        assert_eq!(out[0].timestamp, 0, "no Timestamp.Now: 0");
    }

    #[test]
    fn an_answer_that_skips_a_block_is_refused() {
        let keys = HistoryKeys::new();
        // Block 11 left out (as if nothing changed in it): one set short.
        let sets = vec![block(&keys, 10, vec![]), block(&keys, 12, vec![])];
        let short = carry_forward(&keys, &sets, 10, 3, hash(10), hash(12)).unwrap_err();
        assert!(short.contains("2 change sets for 3 blocks"), "{short}");
        // The right count, but the numbers say one was skipped.
        let skipped = carry_forward(&keys, &sets, 10, 2, hash(10), hash(12)).unwrap_err();
        assert!(skipped.contains("System.Number"), "{skipped}");
        // A number left unchanged: the same block twice, or the key unset.
        let mut repeated = vec![block(&keys, 10, vec![])];
        repeated.push(set(11, vec![(keys.parent_hash, Some(hash(10).encode()))]));
        let err = carry_forward(&keys, &repeated, 10, 2, hash(10), hash(11)).unwrap_err();
        assert!(err.contains("System.Number is Some(10)"), "{err}");
    }

    #[test]
    fn an_answer_off_the_chain_asked_for_is_refused() {
        let keys = HistoryKeys::new();
        let sets = vec![block(&keys, 10, vec![]), block(&keys, 11, vec![])];
        let other_end = carry_forward(&keys, &sets, 10, 2, hash(10), hash(99)).unwrap_err();
        assert!(other_end.contains("do not run"), "{other_end}");
        // Block 11 names another parent.
        let mut forked = sets.clone();
        forked[1] = set(
            11,
            vec![
                (keys.number, Some(11u32.encode())),
                (keys.parent_hash, Some([0xaau8; 32].encode())),
            ],
        );
        let err = carry_forward(&keys, &forked, 10, 2, hash(10), hash(11)).unwrap_err();
        assert!(err.contains("not the child"), "{err}");
        assert!(carry_forward(&keys, &sets, 10, 2, hash(10), hash(11)).is_ok());
    }

    #[test]
    fn blocks_are_split_where_the_runtime_changes() {
        let at = |runtime: Option<u8>| BlockValues {
            number: 0,
            hash: [0; 32],
            parent_hash: [0; 32],
            timestamp: 0,
            events: Vec::new(),
            runtime: runtime.map(|r| vec![r]),
        };
        let blocks = vec![at(None), at(Some(1)), at(Some(1)), at(Some(2))];
        assert_eq!(runtime_segments(&blocks), [0..1, 1..3, 3..4]);
        assert_eq!(
            runtime_segments(&blocks[1..3]).len(),
            1,
            "one runtime: one segment"
        );
        assert_eq!(runtime_segments(&blocks[1..3])[0], 0..2);
        assert!(runtime_segments(&[]).is_empty());
    }

    #[test]
    fn the_keys_are_the_well_known_ones() {
        let keys = HistoryKeys::new();
        // twox128("System") ++ twox128("Events"), as every Substrate tool spells it.
        assert_eq!(
            hex::encode(keys.events),
            "26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"
        );
        assert_eq!(
            hex::encode(keys.number),
            "26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac"
        );
    }
}
