//! The state tables (offers, deals, reputations, records, requests, proposals, arbiters): how
//! a row is written, read back and removed. Writing blocks and the queries both use them.

use rusqlite::types::{FromSql, ToSql};
use rusqlite::{params, Connection, OptionalExtension};
use scale::{Decode, Encode};
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::types::{
    AccountBytes, AccountReputation, Deal, DealRecord, Offer, StoredArbiter, StoredProposal,
    StoredRequest,
};

/// A key of a state table.
pub trait TableKey: ToSql + FromSql + Copy + std::fmt::Debug {
    /// Whether a row can have this key: SQLite's integers are i64, so an id above
    /// `i64::MAX` is no row's id (and binding it would fail).
    fn storable(&self) -> bool;
}

impl TableKey for u64 {
    fn storable(&self) -> bool {
        sql_id(*self).is_some()
    }
}

impl TableKey for AccountBytes {
    fn storable(&self) -> bool {
        true
    }
}

/// `id` as SQLite holds it; `None` for an id above `i64::MAX`, which no row can have.
pub fn sql_id(id: u64) -> Option<i64> {
    i64::try_from(id).ok()
}

/// One of the state tables: how its rows are written, read back for the undo log and removed.
pub trait Table {
    /// In the undo log's `kind`, and errors.
    const KIND: &'static str;
    type Key: TableKey;
    type Value: Encode + Decode + Serialize;

    /// Inserts or replaces the row of `value`.
    fn put(conn: &Connection, key: Self::Key, value: &Self::Value) -> StoreResult<()>;

    /// The key's table and key column, to read and delete single rows.
    const KEY_COLUMN: &'static str;
    const TABLE: &'static str;

    /// Refuses a value filed under another key.
    fn check(_key: Self::Key, _value: &Self::Value) -> StoreResult<()> {
        Ok(())
    }

    /// The row's SCALE bytes; none for a key no row can have.
    fn scale_of(conn: &Connection, key: Self::Key) -> StoreResult<Option<Vec<u8>>> {
        if !key.storable() {
            return Ok(None);
        }
        let sql = format!(
            "SELECT scale FROM {} WHERE {} = ?1",
            Self::TABLE,
            Self::KEY_COLUMN
        );
        Ok(conn
            .prepare_cached(&sql)?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// Removes the row; a key no row can have removes nothing.
    fn delete(conn: &Connection, key: Self::Key) -> StoreResult<()> {
        if !key.storable() {
            return Ok(());
        }
        let sql = format!(
            "DELETE FROM {} WHERE {} = ?1",
            Self::TABLE,
            Self::KEY_COLUMN
        );
        conn.prepare_cached(&sql)?.execute([key])?;
        Ok(())
    }

    fn decode(bytes: &[u8]) -> StoreResult<Self::Value> {
        Self::Value::decode(&mut &bytes[..]).map_err(|e| StoreError::Corrupt {
            what: Self::KIND,
            detail: e.to_string(),
        })
    }

    fn json(value: &Self::Value) -> StoreResult<String> {
        serde_json::to_string(value).map_err(|source| StoreError::Json {
            what: Self::KIND,
            source,
        })
    }
}

pub struct Offers;
pub struct Deals;
pub struct Reputations;
pub struct Records;
pub struct Requests;
pub struct Proposals;
pub struct Arbiters;

/// A proposal's key: its request's id and its index there, stored as 12 bytes big-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProposalKey {
    pub request_id: u64,
    pub index: u32,
}

impl TableKey for ProposalKey {
    fn storable(&self) -> bool {
        // 12 bytes, whatever the ids.
        true
    }
}

impl ToSql for ProposalKey {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        let mut bytes = self.request_id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.index.to_be_bytes());
        Ok(bytes.into())
    }
}

impl FromSql for ProposalKey {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let bytes = value.as_blob()?;
        let (id, index) = bytes
            .split_first_chunk::<8>()
            .and_then(|(id, rest)| Some((id, <[u8; 4]>::try_from(rest).ok()?)))
            .ok_or(rusqlite::types::FromSqlError::InvalidBlobSize {
                expected_size: 12,
                blob_size: bytes.len(),
            })?;
        Ok(ProposalKey {
            request_id: u64::from_be_bytes(*id),
            index: u32::from_be_bytes(index),
        })
    }
}

fn id_mismatch(what: &'static str, key: u64, id: u64) -> StoreResult<()> {
    if key == id {
        Ok(())
    } else {
        Err(StoreError::KeyMismatch { what, key, id })
    }
}

impl Table for Offers {
    const KIND: &'static str = "offer";
    const TABLE: &'static str = "offers";
    const KEY_COLUMN: &'static str = "id";
    type Key = u64;
    type Value = Offer;

    fn check(key: u64, value: &Offer) -> StoreResult<()> {
        id_mismatch(Self::KIND, key, value.id)
    }

    fn put(conn: &Connection, id: u64, o: &Offer) -> StoreResult<()> {
        let t = &o.terms;
        conn.prepare_cached(
            "INSERT INTO offers (id, seller, arbiter, price, quantity, active, version, title,
                description, scale, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO UPDATE SET seller = excluded.seller, arbiter = excluded.arbiter,
                price = excluded.price, quantity = excluded.quantity, active = excluded.active,
                version = excluded.version, title = excluded.title,
                description = excluded.description, scale = excluded.scale, json = excluded.json",
        )?
        .execute(params![
            id,
            o.seller.id(),
            t.arbiter.id(),
            t.price.to_be_bytes(),
            t.quantity,
            o.active,
            o.version,
            t.title,
            t.description,
            o.encode(),
            Self::json(o)?,
        ])?;
        Ok(())
    }
}

impl Table for Deals {
    const KIND: &'static str = "deal";
    const TABLE: &'static str = "deals";
    const KEY_COLUMN: &'static str = "id";
    type Key = u64;
    type Value = Deal;

    fn check(key: u64, value: &Deal) -> StoreResult<()> {
        id_mismatch(Self::KIND, key, value.id)
    }

    fn put(conn: &Connection, id: u64, d: &Deal) -> StoreResult<()> {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO deals (id, offer_id, buyer, seller, arbiter, state, amount,
                scale, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            id,
            (!d.from_request()).then_some(d.offer_id),
            d.buyer.id(),
            d.seller.id(),
            d.arbiter.id(),
            d.state.name(),
            d.amount.to_be_bytes(),
            d.encode(),
            Self::json(d)?,
        ])?;
        Ok(())
    }
}

impl Table for Reputations {
    const KIND: &'static str = "reputation";
    const TABLE: &'static str = "reputation";
    const KEY_COLUMN: &'static str = "account";
    type Key = AccountBytes;
    type Value = AccountReputation;

    fn put(conn: &Connection, account: AccountBytes, r: &AccountReputation) -> StoreResult<()> {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO reputation (account, average_rating_centi,
                weighted_rating_centi, scale, json)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            account,
            r.average_rating_centi,
            r.weighted_average_centi,
            r.encode(),
            Self::json(r)?
        ])?;
        Ok(())
    }
}

impl Table for Records {
    const KIND: &'static str = "record";
    const TABLE: &'static str = "deal_records";
    const KEY_COLUMN: &'static str = "deal_id";
    type Key = u64;
    type Value = DealRecord;

    fn put(conn: &Connection, deal_id: u64, r: &DealRecord) -> StoreResult<()> {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO deal_records (deal_id, scale, json) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![deal_id, r.encode(), Self::json(r)?])?;
        Ok(())
    }
}

impl Table for Requests {
    const KIND: &'static str = "request";
    const TABLE: &'static str = "requests";
    const KEY_COLUMN: &'static str = "id";
    type Key = u64;
    type Value = StoredRequest;

    fn check(key: u64, value: &StoredRequest) -> StoreResult<()> {
        id_mismatch(Self::KIND, key, value.request.id)
    }

    fn put(conn: &Connection, id: u64, stored: &StoredRequest) -> StoreResult<()> {
        let r = &stored.request;
        conn.prepare_cached(
            "INSERT INTO requests (id, poster, state, budget, proposal_deadline, title,
                description, changed_in, scale, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET poster = excluded.poster, state = excluded.state,
                budget = excluded.budget, proposal_deadline = excluded.proposal_deadline,
                title = excluded.title, description = excluded.description,
                changed_in = excluded.changed_in, scale = excluded.scale, json = excluded.json",
        )?
        .execute(params![
            id,
            r.poster.id(),
            r.state.name(),
            r.terms.budget.to_be_bytes(),
            r.proposal_deadline,
            r.terms.title,
            r.terms.description,
            stored.changed_in,
            stored.encode(),
            Self::json(stored)?,
        ])?;
        // The arbiters it accepts are fixed at posting, but a rollback may put back a request
        // that was never stored: write them with every row.
        conn.prepare_cached("DELETE FROM request_arbiters WHERE request_id = ?1")?
            .execute([id])?;
        let mut accept = conn.prepare_cached(
            "INSERT OR IGNORE INTO request_arbiters (arbiter, request_id) VALUES (?1, ?2)",
        )?;
        for a in &r.terms.arbiters {
            accept.execute(params![a.id(), id])?;
        }
        Ok(())
    }

    fn delete(conn: &Connection, id: u64) -> StoreResult<()> {
        conn.prepare_cached("DELETE FROM requests WHERE id = ?1")?
            .execute([id])?;
        conn.prepare_cached("DELETE FROM request_arbiters WHERE request_id = ?1")?
            .execute([id])?;
        Ok(())
    }
}

impl Table for Proposals {
    const KIND: &'static str = "proposal";
    const TABLE: &'static str = "proposals";
    const KEY_COLUMN: &'static str = "key";
    type Key = ProposalKey;
    type Value = StoredProposal;

    fn check(key: ProposalKey, value: &StoredProposal) -> StoreResult<()> {
        id_mismatch(Self::KIND, key.request_id, value.request_id)?;
        id_mismatch(Self::KIND, key.index.into(), value.index.into())
    }

    fn put(conn: &Connection, key: ProposalKey, p: &StoredProposal) -> StoreResult<()> {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO proposals (key, request_id, idx, worker, status, changed_in,
                scale, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            key,
            p.request_id,
            p.index,
            p.proposal.worker.id(),
            p.status.name(),
            p.changed_in,
            p.encode(),
            Self::json(p)?,
        ])?;
        Ok(())
    }
}

impl Table for Arbiters {
    const KIND: &'static str = "arbiter";
    const TABLE: &'static str = "arbiters";
    const KEY_COLUMN: &'static str = "account";
    type Key = AccountBytes;
    type Value = StoredArbiter;

    fn put(conn: &Connection, account: AccountBytes, a: &StoredArbiter) -> StoreResult<()> {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO arbiters (account, idx, active, changed_in, scale, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            account,
            a.arbiter.index,
            a.arbiter.active,
            a.changed_in,
            a.encode(),
            Self::json(a)?,
        ])?;
        Ok(())
    }
}
