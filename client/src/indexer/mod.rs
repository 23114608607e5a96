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
//! that one block, which a pruning node keeps. Indexed history starts there: events before it
//! are not indexed ([`crate::store::StoreReader::first_block`]).

mod read;

use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::Serialize;

pub use read::{block_changes, snapshot, ReadResult, Tries};

use crate::chain::Chain;
use crate::contract_state::ContractStateError;
use crate::session::{Contracts, OpError, OpResult, Settings};
use crate::store::{Store, StoreError, StoreKey, StoreReader};

/// Times a sync starts over when the chain or another writer moved under it.
const ATTEMPTS: u32 = 8;

/// What one sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The state was rebuilt from a snapshot.
    pub cold: bool,
    /// Blocks applied.
    pub applied: u64,
    /// Retracted blocks rolled back.
    pub rolled_back: u64,
    /// The store's tip afterwards.
    pub tip: u64,
    /// Where indexed history starts.
    pub first_block: u64,
}

/// The writer of one deployment's store, and what it needs to read the chain.
pub struct Indexer {
    store: Store,
    key: StoreKey,
    contracts: Contracts,
    tries: Tries,
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
        let store = Store::open(&path, key).map_err(store_error)?;
        Ok(Indexer {
            store,
            key,
            contracts: contracts.clone(),
            tries: Tries::default(),
        })
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

    /// Brings the store to the node's best block (see the module's notes on forks).
    pub async fn sync(&mut self, chain: &Chain) -> OpResult<SyncReport> {
        let mut report = SyncReport::default();
        for _ in 0..ATTEMPTS {
            match self.attempt(chain, &mut report).await {
                Ok(()) => {
                    report.tip = self.store.tip().map_err(store_error)?.map_or(0, |t| t.0);
                    report.first_block = self
                        .store
                        .first_block()
                        .map_err(store_error)?
                        .map_or(0, |t| t.0);
                    return Ok(report);
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
                Ok(()) => report.rolled_back += 1,
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

    async fn cold_start(
        &mut self,
        chain: &Chain,
        finalized: (u64, [u8; 32]),
        report: &mut SyncReport,
    ) -> Result<(u64, [u8; 32]), Stop> {
        let (snapshot, tries) = snapshot(chain, &self.contracts, finalized.1).await?;
        self.store.replace_state(snapshot)?;
        self.tries = tries;
        report.cold = true;
        Ok(finalized)
    }
}

/// Syncs `indexer` now and on every new best block until the node goes away; `on_sync` hears
/// each sync's report (and the best block it reached for).
pub async fn follow(
    indexer: &mut Indexer,
    chain: &Chain,
    mut on_sync: impl FnMut(&SyncReport),
) -> OpResult<()> {
    let mut heads = Box::pin(chain.best_heads().await?);
    on_sync(&indexer.sync(chain).await?);
    while let Some(head) = heads.next().await {
        head?;
        on_sync(&indexer.sync(chain).await?);
    }
    Err(OpError::Failed(format!(
        "lost the node at {}: its block subscription ended",
        chain.url()
    )))
}
