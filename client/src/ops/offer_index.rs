//! A local copy of the escrow's offers, so `offer list` and the explorer search without
//! fetching every offer over RPC each time.
//!
//! Lives next to the deployment file, by default `$ESCROW_HOME/index/offers-<genesis>-<escrow>.json`
//! (one file per deployment); deleting it only costs one cold sync.
//! A cold sync reads all offers at once from the escrow's child trie
//! ([`crate::contract_state`]); a warm sync reads only what changed
//! since the last synced block: it scans those blocks' escrow events and re-reads the offers they
//! name (every event that changes an offer carries its `offer_id`, `DealClosed` included).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::events::block_contract_events;
use super::types::{Config, Offer, MAX_PAGE};
use super::{write_json_file, Ctx, OpError, OpResult, Settings};
use crate::api::Escrow;
use crate::contract_state::{self, EscrowLayout};

/// Bumped when the file layout changes: an index of another version is rebuilt.
const FORMAT: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfferIndex {
    format: u32,
    pub escrow: String,
    /// Every offer's state as of this block.
    pub synced_block: u64,
    /// Its hash, to notice a chain that was reset or reorganised below it.
    pub synced_hash: String,
    #[serde(with = "scale_hex_map")]
    pub offers: BTreeMap<u64, Offer>,
}

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncStats {
    /// Full rebuild (no usable index on disk).
    pub cold: bool,
    /// Blocks whose events were scanned.
    pub blocks_scanned: u64,
    /// Contract reads (pages and single offers or deals).
    pub reads: u64,
}

impl OfferIndex {
    fn empty(escrow: &str) -> OfferIndex {
        OfferIndex {
            format: FORMAT,
            escrow: escrow.to_string(),
            synced_block: 0,
            synced_hash: String::new(),
            offers: BTreeMap::new(),
        }
    }

    /// Where the index of `escrow` on chain `genesis` lives.
    pub fn path(settings: &Settings, genesis: &str, escrow: &str) -> PathBuf {
        settings
            .index_dir()
            .join(format!("offers-{genesis}-{escrow}.json"))
    }

    /// The index at `path`, or an empty one if there is none (or it is unreadable or stale:
    /// it is only a cache of the chain).
    pub fn load(path: &Path, escrow: &str) -> OfferIndex {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<OfferIndex>(&text).ok())
            .filter(|i| i.format == FORMAT && i.escrow == escrow)
            .unwrap_or_else(|| OfferIndex::empty(escrow))
    }

    pub fn save(&self, path: &Path) -> OpResult<()> {
        write_json_file(path, self)
    }

    /// Brings the index up to the best block.
    pub async fn sync(&mut self, ctx: &mut Ctx) -> OpResult<SyncStats> {
        let c = ctx.contracts().await?;
        let best = ctx.chain.best_block_number().await?;
        let mut stats = SyncStats::default();
        let known_hash = match ctx.chain.block_hash(self.synced_block).await? {
            Some(h) => format!("0x{}", hex::encode(h)),
            None => String::new(),
        };
        if self.synced_hash.is_empty() || known_hash != self.synced_hash || best < self.synced_block
        {
            *self = OfferIndex::empty(&self.escrow);
            stats.cold = true;
        }
        if stats.cold {
            // Everything at once from the contract's storage, not 25 offers per dry run.
            let snapshot = contract_state::snapshot(
                &ctx.chain,
                &c.escrow.address,
                &EscrowLayout::ESCROW,
                None,
            )
            .await
            .map_err(|e| OpError::Failed(format!("cannot read the escrow's offers: {e}")))?;
            stats.reads += 1;
            self.offers = snapshot.offers.into_iter().map(|o| (o.id, o)).collect();
            self.synced_block = snapshot.block.0;
            self.synced_hash = format!("0x{}", hex::encode(snapshot.block.1));
            return Ok(stats);
        }
        let mut changed = BTreeSet::new();
        {
            for n in self.synced_block + 1..=best {
                stats.blocks_scanned += 1;
                let Some(events) = block_contract_events(ctx, &c, n).await? else {
                    continue;
                };
                for e in events.iter().filter(|e| e.contract == "escrow") {
                    let field = |name: &str| e.fields.get(name).and_then(|v| v.as_u64());
                    // Every event that changes an offer names it: `OfferCreated`,
                    // `OfferUpdated`, `OfferWithdrawn`, `DealOpened` (quantity and stake) and
                    // `DealClosed` (a returned bond goes back into the offer's stake).
                    if let Some(offer) = field("offer_id") {
                        changed.insert(offer);
                    }
                }
            }
        }
        // Offers created since in pages; then the changed ones.
        let config: Config = Escrow::new(ctx).config().await?;
        let count = config.offer_count;
        stats.reads += 1;
        let mut from = self.offers.keys().next_back().map_or(0, |last| last + 1);
        while from < count {
            let page: Vec<Offer> = Escrow::new(ctx).offers(from, MAX_PAGE).await?;
            stats.reads += 1;
            let Some(last) = page.last().map(|o| o.id) else {
                break;
            };
            for offer in page {
                changed.remove(&offer.id);
                self.offers.insert(offer.id, offer);
            }
            from = last + 1;
        }
        for id in changed {
            let offer: Option<Offer> = Escrow::new(ctx).offer(id).await?;
            stats.reads += 1;
            match offer {
                Some(o) => self.offers.insert(id, o),
                None => self.offers.remove(&id),
            };
        }
        self.synced_block = best;
        self.synced_hash = match ctx.chain.block_hash(best).await? {
            Some(h) => format!("0x{}", hex::encode(h)),
            None => {
                return Err(OpError::Failed(format!(
                    "block {best} vanished while syncing"
                )))
            }
        };
        Ok(stats)
    }
}

/// Offers stored as `0x` SCALE, exactly as the contract returns them: compact and lossless.
mod scale_hex_map {
    use std::collections::BTreeMap;

    use scale::{Decode, Encode};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Encode, S: Serializer>(
        map: &BTreeMap<u64, T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        map.iter()
            .map(|(k, v)| (*k, format!("0x{}", hex::encode(v.encode()))))
            .collect::<BTreeMap<u64, String>>()
            .serialize(s)
    }

    pub fn deserialize<'de, T: Decode, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<u64, T>, D::Error> {
        use serde::de::Error;
        BTreeMap::<u64, String>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| {
                let bytes = hex::decode(v.trim_start_matches("0x")).map_err(D::Error::custom)?;
                let value = T::decode(&mut &bytes[..]).map_err(D::Error::custom)?;
                Ok((k, value))
            })
            .collect()
    }
}

/// The index of this chain's deployment, loaded, synced to the best block and saved.
pub async fn synced(ctx: &mut Ctx) -> OpResult<(OfferIndex, SyncStats)> {
    let c = ctx.contracts().await?;
    let path = OfferIndex::path(
        &ctx.settings,
        &super::genesis_hex(&ctx.chain),
        &c.deployment.escrow,
    );
    let mut index = OfferIndex::load(&path, &c.deployment.escrow);
    let stats = index.sync(ctx).await?;
    index.save(&path)?;
    Ok((index, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_round_trips_and_one_of_another_escrow_or_format_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.json");
        let mut index = OfferIndex::empty("5Escrow");
        index.synced_block = 7;
        index.synced_hash = "0x01".into();
        let offer = Offer {
            id: 3,
            seller: [1; 32].into(),
            terms: super::super::types::OfferTerms {
                title: "Ünïcode ✓".into(),
                description: String::new(),
                price: u128::MAX,
                quantity: 2,
                arbiter: [2; 32].into(),
                delivery_window: 1,
                review_window: 2,
                ruling_window: 3,
                bond_per_unit: 0,
            },
            version: 1,
            active: true,
            bond_stake: 0,
            created_at: 9,
            platform_fee_bps: 100,
            arbiter_fee_bps: 500,
        };
        index.offers.insert(3, offer.clone());
        index.save(&path).unwrap();
        let loaded = OfferIndex::load(&path, "5Escrow");
        assert_eq!(loaded.synced_block, 7);
        assert_eq!(loaded.offers.get(&3), Some(&offer));
        assert_eq!(OfferIndex::load(&path, "5Other").synced_block, 0);
        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(OfferIndex::load(&path, "5Escrow").synced_block, 0);
    }
}
