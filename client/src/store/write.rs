//! Writing: applying a block's changes, rolling the tip back, finalizing, and replacing the
//! whole state for a cold start. Each in one transaction.

use std::collections::BTreeMap;

use rusqlite::types::FromSql;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::query::tip_in;
use super::schema;
use super::tables::{
    Arbiters, Deals, Offers, ProposalKey, Proposals, Records, Reputations, Requests, Table,
};
use super::{BlockInfo, Store, StoreError, StoreResult};
use crate::types::{
    AccountBytes, AccountReputation, Arbiter, Deal, DealRecord, EventView, Offer, Proposal,
    ProposalStatus, Request, StoredArbiter, StoredProposal, StoredRequest,
};

/// A contract event of a block and its index among the block's events.
#[derive(Debug, Clone)]
pub struct BlockEvent {
    pub index: u32,
    /// The extrinsic that emitted it (none for initialization and finalization).
    pub extrinsic: Option<u32>,
    pub event: EventView,
}

/// Everything one block changed: its events, and the offers, deals, reputations, deal
/// records (outcome and ratings, by deal id), requests, proposals and arbiters it created,
/// changed (`Some`: the contract's value as of the end of the block) or removed (`None`). A
/// proposal gone from the contract stays a row, as withdrawn or as it ended.
#[derive(Debug, Clone)]
pub struct BlockChanges {
    pub block: BlockInfo,
    pub events: Vec<BlockEvent>,
    pub offers: BTreeMap<u64, Option<Offer>>,
    pub deals: BTreeMap<u64, Option<Deal>>,
    pub reputations: BTreeMap<AccountBytes, Option<AccountReputation>>,
    pub records: BTreeMap<u64, Option<DealRecord>>,
    pub requests: BTreeMap<u64, Option<Request>>,
    pub proposals: BTreeMap<ProposalKey, Option<Proposal>>,
    pub arbiters: BTreeMap<AccountBytes, Option<Arbiter>>,
}

impl BlockChanges {
    /// A block that changed nothing (yet).
    pub fn new(block: BlockInfo) -> BlockChanges {
        BlockChanges {
            block,
            events: Vec::new(),
            offers: BTreeMap::new(),
            deals: BTreeMap::new(),
            reputations: BTreeMap::new(),
            records: BTreeMap::new(),
            requests: BTreeMap::new(),
            proposals: BTreeMap::new(),
            arbiters: BTreeMap::new(),
        }
    }
}

/// The whole state as of the end of one block, for a cold start, and that block's events.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub block: BlockInfo,
    pub events: Vec<BlockEvent>,
    pub offers: Vec<Offer>,
    pub deals: Vec<Deal>,
    pub reputations: Vec<(AccountBytes, AccountReputation)>,
    /// The reputation contract's records of this deployment's deals, by deal id.
    pub records: Vec<(u64, DealRecord)>,
    /// The requests contract's requests and proposals (none before it exists).
    pub requests: Vec<Request>,
    pub proposals: Vec<(ProposalKey, Proposal)>,
    /// The escrow's arbiter registry.
    pub arbiters: Vec<(AccountBytes, Arbiter)>,
}

impl Snapshot {
    /// The state of `block` holding nothing (yet).
    pub fn empty(block: BlockInfo) -> Snapshot {
        Snapshot {
            block,
            events: Vec::new(),
            offers: Vec::new(),
            deals: Vec::new(),
            reputations: Vec::new(),
            records: Vec::new(),
            requests: Vec::new(),
            proposals: Vec::new(),
            arbiters: Vec::new(),
        }
    }
}

/// The rows of the proposals a block changed: each with its status as of the end of the
/// block (its request's row is already the block's). A proposal that left the contract keeps
/// its row ([`ProposalStatus::after_removal`]); one the store never saw is left out.
fn proposal_rows(
    conn: &Connection,
    block: u64,
    reads: &BTreeMap<ProposalKey, Option<Proposal>>,
) -> StoreResult<BTreeMap<ProposalKey, Option<StoredProposal>>> {
    let mut rows = BTreeMap::new();
    for (key, value) in reads {
        let previous = stored::<Proposals>(conn, *key)?;
        let row = match value {
            Some(proposal) => {
                let request = stored::<Requests>(conn, key.request_id)?;
                StoredProposal {
                    request_id: key.request_id,
                    index: key.index,
                    status: ProposalStatus::of_stored(
                        request.as_ref().map(|r| &r.request),
                        key.index,
                        previous.as_ref().map(|p| p.status),
                    ),
                    proposal: proposal.clone(),
                    changed_in: block,
                }
            }
            None => match previous {
                Some(p) => StoredProposal {
                    status: ProposalStatus::after_removal(p.status),
                    changed_in: block,
                    ..p
                },
                None => continue,
            },
        };
        rows.insert(*key, Some(row));
    }
    Ok(rows)
}

/// The row `key` of `T` as `conn` sees it now.
fn stored<T: Table>(conn: &Connection, key: T::Key) -> StoreResult<Option<T::Value>> {
    T::scale_of(conn, key)?
        .map(|bytes| T::decode(&bytes))
        .transpose()
}

/// `changes` as the rows of block `block`.
fn stamped<K: Ord + Copy, V, R>(
    changes: &BTreeMap<K, Option<V>>,
    row: impl Fn(K, &V) -> R,
) -> BTreeMap<K, Option<R>> {
    changes
        .iter()
        .map(|(k, v)| (*k, v.as_ref().map(|v| row(*k, v))))
        .collect()
}

/// Applies `changes` of the block `block_hash`, first logging each row's previous value.
fn apply_changes<T: Table>(
    conn: &Connection,
    block_hash: &[u8; 32],
    seq: &mut u64,
    changes: &BTreeMap<T::Key, Option<T::Value>>,
) -> StoreResult<()> {
    let mut log = conn.prepare_cached(
        "INSERT INTO undo (block_hash, seq, kind, key, previous) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (key, value) in changes {
        if let Some(v) = value {
            T::check(*key, v)?;
        }
        log.execute(params![
            block_hash,
            *seq,
            T::KIND,
            key,
            T::scale_of(conn, *key)?
        ])?;
        *seq += 1;
        match value {
            Some(v) => T::put(conn, *key, v)?,
            None => T::delete(conn, *key)?,
        }
    }
    Ok(())
}

/// Puts back the row `key` as it was before a block: `previous`, or no row.
fn restore<T: Table>(
    conn: &Connection,
    key: rusqlite::types::Value,
    previous: Option<Vec<u8>>,
) -> StoreResult<()> {
    let key = T::Key::column_result(rusqlite::types::ValueRef::from(&key)).map_err(|e| {
        StoreError::Corrupt {
            what: "undo log entry",
            detail: format!("{} key: {e}", T::KIND),
        }
    })?;
    match previous {
        Some(bytes) => T::put(conn, key, &T::decode(&bytes)?),
        None => T::delete(conn, key),
    }
}

fn insert_block(conn: &Connection, b: &BlockInfo, undoable: bool) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO blocks (number, hash, parent_hash, timestamp, extrinsics, undoable)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            b.number,
            b.hash,
            b.parent_hash,
            b.timestamp,
            b.extrinsics,
            undoable
        ],
    )?;
    // Deleted with the block (a rollback), like its events.
    for (hash, extrinsic, bytes) in &b.documents {
        conn.execute(
            "INSERT OR IGNORE INTO documents (hash, block_number, extrinsic, bytes)
             VALUES (?1, ?2, ?3, ?4)",
            params![hash, b.number, extrinsic, bytes],
        )?;
    }
    Ok(())
}

fn insert_event(conn: &Connection, block: &BlockInfo, e: &BlockEvent) -> StoreResult<()> {
    let fields = &e.event.fields;
    // An id SQLite's integers cannot hold is no row's id: the escrow's NO_OFFER (u64::MAX)
    // on a deal a task request opened.
    let id_field = |name: &str| {
        fields
            .get(name)
            .and_then(|v| v.as_u64())
            .and_then(|id| i64::try_from(id).ok())
    };
    let json = serde_json::to_string(fields).map_err(|source| StoreError::Json {
        what: "event",
        source,
    })?;
    conn.prepare_cached(
        "INSERT INTO events (block_number, block_hash, idx, contract, name, fields, deal_id,
            offer_id, extrinsic, request_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        block.number,
        block.hash,
        e.index,
        e.event.contract,
        e.event.name,
        json,
        id_field("deal_id"),
        id_field("offer_id"),
        e.extrinsic,
        id_field("request_id"),
    ])?;
    let event_id = conn.last_insert_rowid();
    let accounts = event_accounts(fields);
    let mut put = conn.prepare_cached(
        "INSERT OR IGNORE INTO event_accounts (account, event_id) VALUES (?1, ?2)",
    )?;
    for a in accounts {
        put.execute(params![a, event_id])?;
    }
    Ok(())
}

/// The accounts an event's fields name (SS58 anywhere in them), in order, repeats included.
pub fn event_accounts(fields: &serde_json::Map<String, serde_json::Value>) -> Vec<AccountBytes> {
    let mut accounts = Vec::new();
    for v in fields.values() {
        collect_accounts(v, &mut accounts);
    }
    accounts
}

/// The SS58 addresses anywhere in an event field. Not `0x` hex: those are hashes (evidence,
/// commitments), which would read as accounts too.
fn collect_accounts(v: &serde_json::Value, out: &mut Vec<AccountBytes>) {
    use serde_json::Value as J;
    match v {
        J::String(s) if !s.starts_with("0x") => {
            if let Ok(a) = crate::units::parse_account(s) {
                out.push(a);
            }
        }
        J::Array(items) => items.iter().for_each(|i| collect_accounts(i, out)),
        J::Object(m) => m.values().for_each(|i| collect_accounts(i, out)),
        _ => {}
    }
}

impl Store {
    /// Records `changes.block` as the new tip, with its events and the rows it changed, and
    /// logs each changed row's previous value (or absence) so [`Store::rollback_block`] can
    /// undo it; all in one transaction. The block must extend the tip (next number, parent
    /// hash = tip's hash); on an empty store it becomes the start of indexed history.
    pub fn apply_block(&mut self, changes: BlockChanges) -> StoreResult<()> {
        let tx = self
            .reader
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let b = &changes.block;
        let tip = tip_in(&tx)?;
        if let Some((number, hash)) = tip {
            if b.number != number + 1 || b.parent_hash != hash {
                return Err(StoreError::NotChild {
                    number: b.number,
                    hash: b.hash,
                    tip,
                });
            }
        }
        insert_block(&tx, b, true)?;
        for e in &changes.events {
            insert_event(&tx, b, e)?;
        }
        let mut seq = 0;
        apply_changes::<Offers>(&tx, &b.hash, &mut seq, &changes.offers)?;
        apply_changes::<Deals>(&tx, &b.hash, &mut seq, &changes.deals)?;
        apply_changes::<Reputations>(&tx, &b.hash, &mut seq, &changes.reputations)?;
        apply_changes::<Records>(&tx, &b.hash, &mut seq, &changes.records)?;
        let number = b.number;
        let requests = stamped(&changes.requests, |_, r| StoredRequest {
            request: r.clone(),
            changed_in: number,
        });
        apply_changes::<Requests>(&tx, &b.hash, &mut seq, &requests)?;
        let proposals = proposal_rows(&tx, number, &changes.proposals)?;
        apply_changes::<Proposals>(&tx, &b.hash, &mut seq, &proposals)?;
        let arbiters = stamped(&changes.arbiters, |account, a| StoredArbiter {
            account: account.into(),
            arbiter: *a,
            changed_in: number,
        });
        apply_changes::<Arbiters>(&tx, &b.hash, &mut seq, &arbiters)?;
        tx.commit()?;
        Ok(())
    }

    /// Extends indexed history backwards: each of `blocks` (newest first) must be the parent
    /// of the store's first block at that point, as must its number. They are recorded with
    /// their events as finalized (no undo log, no rows changed: the current rows already hold
    /// their effects), all in one transaction. A block that does not fit refuses the lot
    /// ([`StoreError::NotParent`]).
    pub fn prepend_blocks(&mut self, blocks: &[(BlockInfo, Vec<BlockEvent>)]) -> StoreResult<()> {
        let tx = self
            .reader
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut first = tx
            .query_row(
                "SELECT number, parent_hash FROM blocks ORDER BY number LIMIT 1",
                [],
                |r| Ok((r.get::<_, u64>(0)?, r.get::<_, [u8; 32]>(1)?)),
            )
            .optional()?;
        for (b, events) in blocks {
            match first {
                Some((number, parent)) if b.number + 1 == number && b.hash == parent => {}
                _ => {
                    return Err(StoreError::NotParent {
                        number: b.number,
                        hash: b.hash,
                    })
                }
            }
            insert_block(&tx, b, false)?;
            for e in events {
                insert_event(&tx, b, e)?;
            }
            first = Some((b.number, b.parent_hash));
        }
        tx.commit()?;
        Ok(())
    }

    /// Undoes the tip `hash`: puts back every row it changed as it was before, and deletes
    /// the block, its events and its undo log, in one transaction. Refuses any other block
    /// ([`StoreError::NotTip`]), and a tip without an undo log ([`StoreError::NotUndoable`]).
    pub fn rollback_block(&mut self, hash: [u8; 32]) -> StoreResult<()> {
        let tx = self
            .reader
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let tip = tip_in(&tx)?;
        let number = match tip {
            Some((number, tip_hash)) if tip_hash == hash => number,
            _ => return Err(StoreError::NotTip { hash, tip }),
        };
        let undoable: bool = tx.query_row(
            "SELECT undoable FROM blocks WHERE number = ?1",
            [number],
            |r| r.get(0),
        )?;
        if !undoable {
            return Err(StoreError::NotUndoable { number, hash });
        }
        let entries = tx
            .prepare(
                "SELECT kind, key, previous FROM undo WHERE block_hash = ?1 ORDER BY seq DESC",
            )?
            .query_map([hash], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, rusqlite::types::Value>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (kind, key, previous) in entries {
            match kind.as_str() {
                Offers::KIND => restore::<Offers>(&tx, key, previous)?,
                Deals::KIND => restore::<Deals>(&tx, key, previous)?,
                Reputations::KIND => restore::<Reputations>(&tx, key, previous)?,
                Records::KIND => restore::<Records>(&tx, key, previous)?,
                Requests::KIND => restore::<Requests>(&tx, key, previous)?,
                Proposals::KIND => restore::<Proposals>(&tx, key, previous)?,
                Arbiters::KIND => restore::<Arbiters>(&tx, key, previous)?,
                other => {
                    return Err(StoreError::Corrupt {
                        what: "undo log entry",
                        detail: format!("unknown kind '{other}'"),
                    })
                }
            }
        }
        // Cascades to the block's events (and their accounts) and its undo log.
        tx.execute("DELETE FROM blocks WHERE number = ?1", [number])?;
        tx.commit()?;
        Ok(())
    }

    /// Blocks up to `number` can no longer be rolled back: drops their undo log, which
    /// otherwise grows with every block. Call it with the finalized block's number.
    pub fn finalize(&mut self, number: u64) -> StoreResult<()> {
        // Most syncs find nothing new to finalize: no write transaction for them.
        let pending: bool = self.reader.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM blocks WHERE number <= ?1 AND undoable)",
            [number],
            |r| r.get(0),
        )?;
        if !pending {
            return Ok(());
        }
        let tx = self
            .reader
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM undo WHERE block_hash IN
                (SELECT hash FROM blocks WHERE number <= ?1 AND undoable)",
            [number],
        )?;
        tx.execute(
            "UPDATE blocks SET undoable = 0 WHERE number <= ?1 AND undoable",
            [number],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Cold start: replaces every offer, deal, reputation, request, proposal and arbiter with
    /// `snapshot`'s, forgets all
    /// blocks and events, and records `snapshot.block` as the tip and the start of indexed
    /// history (it cannot be rolled back); in one transaction.
    pub fn replace_state(&mut self, snapshot: Snapshot) -> StoreResult<()> {
        let tx = self
            .reader
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Deleting blocks cascades to events, their accounts and the undo log. The offers'
        // text index is rebuilt once at the end, without the row triggers (see
        // TEXT_TRIGGERS); readers never see the gap (one transaction).
        tx.execute_batch(schema::DROP_TEXT_TRIGGERS)?;
        tx.execute_batch(
            "DELETE FROM blocks; DELETE FROM offers; DELETE FROM deals; DELETE FROM reputation;
             DELETE FROM deal_records; DELETE FROM requests; DELETE FROM request_arbiters;
             DELETE FROM proposals; DELETE FROM arbiters;
             INSERT INTO offers_fts(offers_fts) VALUES ('delete-all');
             INSERT INTO requests_fts(requests_fts) VALUES ('delete-all');",
        )?;
        insert_block(&tx, &snapshot.block, false)?;
        for e in &snapshot.events {
            insert_event(&tx, &snapshot.block, e)?;
        }
        for o in &snapshot.offers {
            Offers::put(&tx, o.id, o)?;
        }
        let number = snapshot.block.number;
        for r in &snapshot.requests {
            let row = StoredRequest {
                request: r.clone(),
                changed_in: number,
            };
            Requests::put(&tx, r.id, &row)?;
        }
        let by_id: BTreeMap<u64, &Request> = snapshot.requests.iter().map(|r| (r.id, r)).collect();
        for (key, p) in &snapshot.proposals {
            let request = by_id.get(&key.request_id).copied();
            let row = StoredProposal {
                request_id: key.request_id,
                index: key.index,
                status: ProposalStatus::of_stored(request, key.index, None),
                proposal: p.clone(),
                changed_in: number,
            };
            Proposals::put(&tx, *key, &row)?;
        }
        for (account, a) in &snapshot.arbiters {
            let row = StoredArbiter {
                account: (*account).into(),
                arbiter: *a,
                changed_in: number,
            };
            Arbiters::put(&tx, *account, &row)?;
        }
        tx.execute_batch(
            "INSERT INTO offers_fts(offers_fts) VALUES ('rebuild');
             INSERT INTO requests_fts(requests_fts) VALUES ('rebuild');",
        )?;
        tx.execute_batch(schema::TEXT_TRIGGERS)?;
        for d in &snapshot.deals {
            Deals::put(&tx, d.id, d)?;
        }
        for (account, r) in &snapshot.reputations {
            Reputations::put(&tx, *account, r)?;
        }
        for (deal_id, r) in &snapshot.records {
            Records::put(&tx, *deal_id, r)?;
        }
        tx.commit()?;
        // Statistics for the query planner (which index a filtered search starts from), now
        // that the tables have their real size; cheap (SQLite samples at most a few hundred
        // rows per index).
        super::refresh_statistics(&self.reader.conn, "PRAGMA optimize;")?;
        Ok(())
    }
}
