//! pallet-contracts' `Blake2_128Concat` trie keys, `blake2_128(key) ++ key`: the chain reads
//! accounts' system storage with them and the contract state reader reads ink!'s mappings, so
//! they sit below both.

/// The storage key behind a trie key, if the trie key is `blake2_128(key) ++ key`
/// (`Blake2_128Concat`, how pallet-contracts stores ink!'s variable-length keys).
pub fn unhash_key(trie_key: &[u8]) -> Option<&[u8]> {
    if trie_key.len() < 16 {
        return None;
    }
    let (hash, key) = trie_key.split_at(16);
    (blake2_128(key) == hash).then_some(key)
}

/// The trie key pallet-contracts stores `key` under.
pub fn hash_key(key: &[u8]) -> Vec<u8> {
    let mut out = blake2_128(key).to_vec();
    out.extend_from_slice(key);
    out
}

fn blake2_128(data: &[u8]) -> [u8; 16] {
    use blake2::digest::{Update, VariableOutput};
    let mut hasher = blake2::Blake2bVar::new(16).expect("16 is a valid blake2b output size");
    hasher.update(data);
    let mut out = [0u8; 16];
    hasher
        .finalize_variable(&mut out)
        .expect("the buffer is the output size");
    out
}
