//! Reading whole blocks for the explorer: header, timestamp, extrinsics and events.

use serde::Serialize;
use subxt::utils::H256;

use crate::chain::{chain_event, rpc_err, Chain, ChainConfig, ChainError, ChainEvent};

/// One line of the latest-blocks list.
#[derive(Debug, Clone, Serialize)]
pub struct BlockSummary {
    pub number: u64,
    pub hash: String,
    /// `Timestamp.Now` at the block, ms (none for the genesis block).
    pub timestamp: Option<u64>,
    pub extrinsics: usize,
}

/// A signed or inherent extrinsic of a block.
#[derive(Debug, Clone, Serialize)]
pub struct ExtrinsicView {
    pub index: u32,
    pub pallet: String,
    pub call: String,
    /// SS58 of the signer (`MultiAddress::Id`), none for inherents.
    pub signer: Option<String>,
    /// The call's fields, decoded with the runtime metadata.
    pub args: String,
    /// Raw call data, for decoders that know more (e.g. ink! messages).
    #[serde(skip)]
    pub call_fields: Option<scale_value::Composite<()>>,
    /// `System::ExtrinsicSuccess` (true) or `ExtrinsicFailed` (false) was emitted for it.
    pub success: Option<bool>,
}

/// A block with everything in it.
#[derive(Debug, Clone)]
pub struct BlockDetail {
    pub number: u64,
    pub hash: [u8; 32],
    pub parent_hash: [u8; 32],
    pub timestamp: Option<u64>,
    pub extrinsics: Vec<ExtrinsicView>,
    /// `(extrinsic index, event)`; no index for initialization/finalization events.
    pub events: Vec<(Option<u32>, ChainEvent)>,
}

/// A block given by number or by `0x` hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockRef {
    Number(u64),
    Hash([u8; 32]),
}

impl BlockRef {
    /// `12` or `0x` + 64 hex digits.
    pub fn parse(s: &str) -> Option<BlockRef> {
        let s = s.trim();
        if let Some(h) = s.strip_prefix("0x") {
            let bytes = hex::decode(h).ok()?;
            return bytes.try_into().ok().map(BlockRef::Hash);
        }
        s.parse().ok().map(BlockRef::Number)
    }
}

impl Chain {
    /// Hash of block `number` of the best chain, if it exists.
    pub async fn block_hash(&self, number: u64) -> Result<Option<[u8; 32]>, ChainError> {
        Ok(self
            .rpc()
            .chain_get_block_hash(Some(number.into()))
            .await
            .map_err(rpc_err)?
            .map(|h| h.0))
    }

    /// The best block's hash, in one RPC.
    pub async fn best_block_hash(&self) -> Result<Option<[u8; 32]>, ChainError> {
        Ok(self
            .rpc()
            .chain_get_block_hash(None)
            .await
            .map_err(rpc_err)?
            .map(|h| h.0))
    }

    /// `Timestamp.Now` as of block `hash`.
    pub async fn block_timestamp(&self, hash: [u8; 32]) -> Result<Option<u64>, ChainError> {
        let at = self.api().at_block(H256(hash)).await.map_err(rpc_err)?;
        let addr = subxt::dynamic::storage::<(), u64>("Timestamp", "Now");
        match at.storage().try_fetch(addr, ()).await.map_err(rpc_err)? {
            Some(v) => Ok(Some(
                v.decode().map_err(|e| ChainError::Decode(e.to_string()))?,
            )),
            None => Ok(None),
        }
    }

    /// The events of block `hash` with the index of the extrinsic that emitted each (none for
    /// initialization/finalization events).
    pub async fn events_at(
        &self,
        hash: [u8; 32],
    ) -> Result<Vec<(Option<u32>, ChainEvent)>, ChainError> {
        let at = self.api().at_block(H256(hash)).await.map_err(rpc_err)?;
        decode_events(&at.events().fetch().await.map_err(rpc_err)?)
    }

    /// Blocks `numbers` of the best chain, in that order (a number past the best block is
    /// left out); their reads go out side by side.
    pub async fn block_summaries(
        &self,
        numbers: impl IntoIterator<Item = u64>,
    ) -> Result<Vec<BlockSummary>, ChainError> {
        let summaries =
            futures::future::join_all(numbers.into_iter().map(|n| self.block_summary(n))).await;
        Ok(summaries
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect())
    }

    /// One line of the latest-blocks list (`None`: no block `number` on the best chain).
    async fn block_summary(&self, number: u64) -> Result<Option<BlockSummary>, ChainError> {
        let Some(hash) = self.block_hash(number).await? else {
            return Ok(None);
        };
        let (body, timestamp) = futures::future::join(
            self.rpc().chain_get_block(Some(H256(hash))),
            self.block_timestamp(hash),
        )
        .await;
        Ok(Some(BlockSummary {
            number,
            hash: format!("0x{}", hex::encode(hash)),
            timestamp: timestamp?,
            extrinsics: body
                .map_err(rpc_err)?
                .map(|b| b.block.extrinsics.len())
                .unwrap_or(0),
        }))
    }

    /// Everything in one block (`None` if the node does not know it).
    pub async fn block_detail(&self, block: BlockRef) -> Result<Option<BlockDetail>, ChainError> {
        let hash = match block {
            BlockRef::Number(n) => match self.block_hash(n).await? {
                Some(h) => h,
                None => return Ok(None),
            },
            BlockRef::Hash(h) => h,
        };
        let Some(header) = self
            .rpc()
            .chain_get_header(Some(H256(hash)))
            .await
            .map_err(rpc_err)?
        else {
            return Ok(None);
        };
        let events = self.events_at(hash).await?;
        let at = self.api().at_block(H256(hash)).await.map_err(rpc_err)?;
        let mut extrinsics = Vec::new();
        for ext in at.extrinsics().fetch().await.map_err(rpc_err)?.iter() {
            let ext = ext.map_err(|e| ChainError::Decode(e.to_string()))?;
            let index = ext.index() as u32;
            let call_fields = ext
                .decode_call_data_fields_unchecked_as::<scale_value::Composite<()>>()
                .ok();
            let mine = || events.iter().filter(|(i, _)| *i == Some(index));
            let success = if mine().any(|(_, e)| e.is("System", "ExtrinsicSuccess")) {
                Some(true)
            } else if mine().any(|(_, e)| e.is("System", "ExtrinsicFailed")) {
                Some(false)
            } else {
                None
            };
            extrinsics.push(ExtrinsicView {
                index,
                pallet: ext.pallet_name().to_string(),
                call: ext.call_name().to_string(),
                signer: ext
                    .address_bytes()
                    .and_then(multi_address_id)
                    .map(|a| self.ss58(&a)),
                args: call_fields
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "<undecodable>".into()),
                call_fields,
                success,
            });
        }
        let timestamp = self.block_timestamp(hash).await?;
        Ok(Some(BlockDetail {
            number: header.number,
            hash,
            parent_hash: header.parent_hash.0,
            timestamp,
            extrinsics,
            events,
        }))
    }
}

/// Every event of `events` (one block's, as the runtime stored them) with the index of the
/// extrinsic that emitted it (none for initialization/finalization events).
pub fn decode_events(
    events: &subxt::events::Events<ChainConfig>,
) -> Result<Vec<(Option<u32>, ChainEvent)>, ChainError> {
    let mut out = Vec::with_capacity(events.len() as usize);
    for ev in events.iter() {
        let ev = ev.map_err(|e| ChainError::Decode(e.to_string()))?;
        let index = match ev.phase() {
            subxt::events::Phase::ApplyExtrinsic(i) => Some(i),
            _ => None,
        };
        out.push((index, chain_event(&ev)?));
    }
    Ok(out)
}

/// The account of a SCALE `MultiAddress::Id` (variant 0 then 32 bytes).
fn multi_address_id(bytes: &[u8]) -> Option<[u8; 32]> {
    match bytes.split_first() {
        Some((0, rest)) => rest.try_into().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_refs_are_numbers_or_32_byte_hashes() {
        assert_eq!(BlockRef::parse("12"), Some(BlockRef::Number(12)));
        let h = format!("0x{}", "ab".repeat(32));
        assert_eq!(BlockRef::parse(&h), Some(BlockRef::Hash([0xab; 32])));
        assert_eq!(BlockRef::parse("0xabcd"), None);
        assert_eq!(BlockRef::parse("twelve"), None);
    }

    #[test]
    fn only_id_addresses_name_a_signer() {
        let mut id = vec![0u8];
        id.extend([7u8; 32]);
        assert_eq!(multi_address_id(&id), Some([7u8; 32]));
        let mut index = vec![1u8];
        index.extend([7u8; 32]);
        assert_eq!(multi_address_id(&index), None);
        assert_eq!(multi_address_id(&[0u8; 5]), None);
    }
}
