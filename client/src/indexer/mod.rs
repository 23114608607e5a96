//! The indexer: keeps the event store ([`crate::store`]) in step with the chain. One sync
//! brings the store to the node's best block; [`follow`] syncs again on every new best block.
//!
//! Forks: the store follows the **best** chain, not only finalized blocks, so a new event is
//! searchable as soon as its block is imported. A block the node later retracts is rolled
//! back from the store's undo log before the new branch is applied: each sync first walks
//! back from the store's tip until it reaches a block the node's best chain still has
//! (`chain_getBlockHash(n)` equals the stored hash). Finalized blocks can no longer be
//! retracted, so each sync drops their undo log.
//!
//! Cold start (an empty store, or one whose tip can no longer be rolled back): the state as of
//! the node's **finalized** block is read in bulk from the two contracts' child tries, then
//! the best-chain blocks after it are applied one by one. Starting at a finalized block means
//! the snapshot is never on a branch that can be retracted, and it only needs the state of
//! that one block, which a pruning node keeps.
//!
//! History before that block is then filled in backwards, down to the deployment, as far as
//! each sync's caller asks ([`Backfill`]: nothing for a search, everything for a deal's
//! history, a task of its own for the explorer: [`Indexer::fill_history`]): only their events,
//! since the rows already hold their effects. It is read [`history::RANGE`] blocks per call
//! where the node allows it ([`HistoryReader`]), thousands of blocks a second. A node that
//! pruned those blocks' state stops it there: events before the store's first block are not
//! indexed ([`crate::store::StoreReader::first_block`]), which `deal show` and `events` say.

mod changes;
mod history;
mod read;

use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::Serialize;

pub use history::{read_range, HistoryReader, RangeError, BLOCKS_AT_ONCE, RANGE, RANGES_AT_ONCE};
pub use read::{block_changes, snapshot, ReadResult, Tries};

use crate::chain::Chain;
use crate::contract_state::ContractStateError;
use crate::session::{Contracts, OpError, OpResult, Settings};
use crate::store::{Store, StoreError, StoreKey, StoreReader};

/// Times a sync starts over when the chain or another writer moved under it.
const ATTEMPTS: u32 = 8;
/// How much earlier history one sync fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backfill {
    /// None: the caller needs the current state only (offer search).
    Skip,
    /// Up to this many blocks.
    Blocks(u64),
    /// Down to the deployment (or as far as the node still has blocks).
    All,
}

/// Blocks of earlier history written per transaction, read block by block.
const BACKFILL_BATCH: u64 = 500;
/// Blocks before the deployment's recorded block that may still hold its events (the
/// deployment file records the block its transaction was seen in).
const DEPLOYMENT_SLACK: u64 = 3;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The state was rebuilt from a snapshot.
    pub cold: bool,
    /// Blocks applied.
    pub applied: u64,
    /// Retracted blocks rolled back.
    pub rolled_back: u64,
    /// The lowest block number rolled back, if any: the new branch starts there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_back_from: Option<u64>,
    /// The store's tip afterwards.
    pub tip: u64,
    /// Blocks of earlier history filled in.
    pub backfilled: u64,
    /// Where indexed history starts.
    pub first_block: u64,
    /// Indexed history reaches back to the deployment.
    pub history_complete: bool,
    /// Why earlier history stops there, when it does not reach the deployment (the node
    /// pruned those blocks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_gap: Option<String>,
}

/// The writer of one deployment's store, and what it needs to read the chain.
pub struct Indexer {
    store: Store,
    key: StoreKey,
    contracts: Contracts,
    tries: Tries,
    /// Why history cannot be filled in further back, once found.
    history_gap: Option<String>,
    history_reader: HistoryReader,
}

/// Why a sync attempt stopped: start over, or give up.
enum Stop {
    Moved,
    Failed(OpError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Failed(store_error(e))
    }
}

impl From<ContractStateError> for Stop {
    fn from(e: ContractStateError) -> Self {
        match e {
            // The block was there a moment ago: the node switched branches.
            ContractStateError::UnknownBlock(_) => Stop::Moved,
            e => Stop::Failed(OpError::Failed(format!("cannot index the chain: {e}"))),
        }
    }
}

impl From<crate::chain::ChainError> for Stop {
    fn from(e: crate::chain::ChainError) -> Self {
        Stop::Failed(e.into())
    }
}

pub fn store_error(e: StoreError) -> OpError {
    OpError::Failed(e.to_string())
}

/// The key of `contracts` on `chain`: which store file is theirs.
pub fn store_key(chain: &Chain, contracts: &Contracts) -> StoreKey {
    StoreKey {
        genesis: chain.genesis_hash(),
        escrow: contracts.escrow.address.0,
        reputation: contracts.reputation.address.0,
    }
}

/// Where the store of `contracts` on `chain` lives (beside the deployment file).
pub fn store_path(settings: &Settings, chain: &Chain, contracts: &Contracts) -> PathBuf {
    Store::path_for(&settings.data_dir(), &store_key(chain, contracts))
}

impl Indexer {
    /// Opens (or creates) the store of `contracts` on `chain`.
    pub fn open(settings: &Settings, chain: &Chain, contracts: &Contracts) -> OpResult<Indexer> {
        let key = store_key(chain, contracts);
        let path = Store::path_for(&settings.data_dir(), &key);
        let (store, rebuilt) = Store::open_or_rebuild(&path, key).map_err(store_error)?;
        if let Some(why) = rebuilt {
            tracing::info!("{why}: rebuilt it");
        }
        Ok(Indexer {
            store,
            key,
            contracts: contracts.clone(),
            tries: Tries::default(),
            history_gap: None,
            history_reader: HistoryReader::default(),
        })
    }

    /// How earlier history is read from now on (by ranges unless the node refuses them).
    pub fn set_history_reader(&mut self, reader: HistoryReader) {
        self.history_reader = reader;
    }

    /// How earlier history is read now: [`HistoryReader::PerBlock`] once the node refused
    /// the range reads.
    pub fn history_reader(&self) -> HistoryReader {
        self.history_reader
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// A new read-only connection to the store.
    pub fn reader(&self) -> OpResult<StoreReader> {
        Store::open_reader(self.store.path(), self.key).map_err(store_error)
    }

    /// The store, to read.
    pub fn store(&self) -> &StoreReader {
        &self.store
    }

    /// The store's connection, to go on reading once syncing is done (no second
    /// connection to open).
    pub fn into_reader(self) -> StoreReader {
        self.store.into_reader()
    }

    /// Brings the store to the node's best block (see the module's notes on forks).
    pub async fn sync(&mut self, chain: &Chain, backfill: Backfill) -> OpResult<SyncReport> {
        let mut report = SyncReport::default();
        // Most commands find nothing new: one RPC says so, where a full attempt takes four
        // (the finalized block is checked again once a block comes).
        let tip = self.store.tip().map_err(store_error)?;
        if tip.is_some() && tip.map(|t| t.1) == chain.best_block_hash().await? {
            self.backfill(chain, backfill, &mut report).await?;
            return self.with_bounds(report);
        }
        for _ in 0..ATTEMPTS {
            match self.attempt(chain, &mut report).await {
                Ok(()) => {
                    self.backfill(chain, backfill, &mut report).await?;
                    return self.with_bounds(report);
                }
                Err(Stop::Moved) => continue,
                Err(Stop::Failed(e)) => return Err(e),
            }
        }
        Err(OpError::Failed(format!(
            "the chain kept reorganising: the store could not catch up in {ATTEMPTS} attempts"
        )))
    }

    async fn attempt(&mut self, chain: &Chain, report: &mut SyncReport) -> Result<(), Stop> {
        // One after the other, not side by side: requests pipelined on the node's WebSocket
        // met TCP's delayed acknowledgement and made each sync some 40 ms slower (measured by
        // `escrow bench`: warm search 8 → 51 ms, index lag 7 → 50 ms).
        let finalized = read::finalized(chain).await?;
        // Walk back to a block the best chain still has.
        let (mut number, mut hash) = loop {
            let Some((n, h)) = self.store.tip()? else {
                break self.cold_start(chain, finalized, report).await?;
            };
            if chain.block_hash(n).await? == Some(h) {
                break (n, h);
            }
            match self.store.rollback_block(h) {
                Ok(()) => {
                    report.rolled_back += 1;
                    report.rolled_back_from = Some(n);
                }
                Err(StoreError::NotUndoable { .. }) => {
                    break self.cold_start(chain, finalized, report).await?
                }
                // Another writer changed the tip meanwhile.
                Err(StoreError::NotTip { .. }) => return Err(Stop::Moved),
                Err(e) => return Err(e.into()),
            }
        };
        let best = chain.best_block_number().await?;
        while number < best {
            let Some(next) = chain.block_hash(number + 1).await? else {
                return Err(Stop::Moved);
            };
            let changes = block_changes(chain, &self.contracts, &mut self.tries, next).await?;
            if changes.block.parent_hash != hash {
                return Err(Stop::Moved);
            }
            match self.store.apply_block(changes) {
                Ok(()) => report.applied += 1,
                // Another writer applied it first, or a branch switch: start over.
                Err(StoreError::NotChild { .. }) => return Err(Stop::Moved),
                Err(e) => return Err(e.into()),
            }
            number += 1;
            hash = next;
        }
        self.store.finalize(finalized.0.min(number))?;
        Ok(())
    }

    /// Fills in `backfill`'s blocks of earlier history without bringing the store to the
    /// best block (another writer does): what the explorer's history task runs. Nothing to do
    /// until the store exists.
    pub async fn fill_history(
        &mut self,
        chain: &Chain,
        backfill: Backfill,
    ) -> OpResult<SyncReport> {
        let mut report = SyncReport::default();
        self.backfill(chain, backfill, &mut report).await?;
        self.with_bounds(report)
    }

    /// `report` with the store's tip and first block as they are now.
    fn with_bounds(&self, mut report: SyncReport) -> OpResult<SyncReport> {
        report.tip = self.store.tip().map_err(store_error)?.map_or(0, |t| t.0);
        report.first_block = self
            .store
            .first_block()
            .map_err(store_error)?
            .map_or(0, |t| t.0);
        Ok(report)
    }

    /// Fills in `backfill`'s blocks of history before the store's first block, down to the
    /// deployment. A block the node cannot give (pruned) ends it for good (`history_gap`);
    /// the sync itself still succeeds.
    async fn backfill(
        &mut self,
        chain: &Chain,
        backfill: Backfill,
        report: &mut SyncReport,
    ) -> OpResult<()> {
        let stop = self
            .contracts
            .deployment
            .block
            .saturating_sub(DEPLOYMENT_SLACK);
        let mut budget = match backfill {
            Backfill::Skip => 0,
            Backfill::Blocks(n) => n,
            Backfill::All => u64::MAX,
        };
        report.history_gap = self.history_gap.clone();
        loop {
            let Some((first, _)) = self.store.first_block().map_err(store_error)? else {
                return Ok(());
            };
            if first <= stop {
                report.history_complete = true;
                return Ok(());
            }
            if budget == 0 || self.history_gap.is_some() {
                report.history_gap = self.history_gap.clone();
                return Ok(());
            }
            // A batch at a time, so that what was read is kept even if a later read fails.
            let batch = match self.history_reader {
                // All the ranges in flight at once.
                HistoryReader::Ranges(size) => size.max(1) * RANGES_AT_ONCE as u64,
                HistoryReader::PerBlock => BACKFILL_BATCH,
            };
            let lowest = first.saturating_sub(budget.min(batch)).max(stop);
            let (blocks, gap) = history::read_back(
                chain,
                &self.contracts,
                &mut self.history_reader,
                lowest,
                first - 1,
            )
            .await;
            if gap.is_some() {
                self.history_gap = gap;
            }
            budget -= blocks.len() as u64;
            report.backfilled += blocks.len() as u64;
            if blocks.is_empty() {
                continue;
            }
            match self.store.prepend_blocks(&blocks) {
                Ok(()) => {}
                // Another writer filled it in meanwhile, or rebuilt the store: next time.
                Err(StoreError::NotParent { .. }) => return Ok(()),
                Err(e) => return Err(store_error(e)),
            }
        }
    }

    async fn cold_start(
        &mut self,
        chain: &Chain,
        finalized: (u64, [u8; 32]),
        report: &mut SyncReport,
    ) -> Result<(u64, [u8; 32]), Stop> {
        let (snapshot, tries) = snapshot(chain, &self.contracts, finalized.1).await?;
        self.store.replace_state(snapshot)?;
        self.tries = tries;
        self.history_gap = None;
        report.cold = true;
        Ok(finalized)
    }
}

/// Syncs `indexer` now and on every new best block until the node goes away or `on_sync`
/// fails; `on_sync` reads the store after each sync, with the sync's report.
pub async fn follow(
    indexer: &mut Indexer,
    chain: &Chain,
    mut on_sync: impl FnMut(&StoreReader, &SyncReport) -> OpResult<()>,
) -> OpResult<()> {
    let mut heads = Box::pin(chain.best_heads().await?);
    let report = indexer.sync(chain, Backfill::All).await?;
    on_sync(indexer.store(), &report)?;
    while let Some(head) = heads.next().await {
        head?;
        let report = indexer.sync(chain, Backfill::Skip).await?;
        on_sync(indexer.store(), &report)?;
    }
    Err(OpError::Failed(format!(
        "lost the node at {}: its block subscription ended",
        chain.url()
    )))
}
