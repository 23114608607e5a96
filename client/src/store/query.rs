//! Reading: offer search, single rows, deal histories and events.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::tables::{sql_id, Deals, Offers, Records, Reputations, Table};
use super::{BlockInfo, IndexedEvent, StoreError, StoreReader, StoreResult};
use crate::types::EventView;
use crate::types::{AccountBytes, AccountReputation, Deal, DealRecord, Offer, MAX_PAGE};

/// What `search_offers` looks for; every filter given must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferQuery {
    /// Words of the title or description, any text: each whitespace-separated word must
    /// start a word of the offer (`bik` finds "e-bike"), case and accents ignored. Quotes and
    /// FTS5 operators are taken as plain words. Text without letters or digits finds nothing;
    /// empty or blank text filters nothing.
    pub text: Option<String>,
    /// Plancks, inclusive.
    pub min_price: Option<u128>,
    pub max_price: Option<u128>,
    pub seller: Option<AccountBytes>,
    pub arbiter: Option<AccountBytes>,
    /// Only offers whose seller's average rating (×100) is at least this; a seller without
    /// ratings has 0.
    pub min_rating_centi: Option<u32>,
    /// Only offers with this id or above (paging by id).
    pub from_id: u64,
    /// Also withdrawn and sold-out (inactive) offers.
    pub include_inactive: bool,
    pub limit: u32,
    /// Matches to skip (in id order) before the first returned.
    pub offset: u64,
}

impl Default for OfferQuery {
    /// Every active offer, the first page of [`MAX_PAGE`].
    fn default() -> Self {
        OfferQuery {
            text: None,
            min_price: None,
            max_price: None,
            seller: None,
            arbiter: None,
            min_rating_centi: None,
            from_id: 0,
            include_inactive: false,
            limit: MAX_PAGE,
            offset: 0,
        }
    }
}

/// `text` as an FTS5 query matching it word by word: each word a quoted phrase (its own `"`
/// doubled, so nothing in it is an operator) with a prefix `*`, all of them required. Control
/// characters separate words like whitespace (a NUL would end the query string). `None` for
/// blank text.
pub(super) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The tip in `conn`'s view (inside a transaction: the transaction's).
pub(super) fn tip_in(conn: &Connection) -> StoreResult<Option<(u64, [u8; 32])>> {
    Ok(conn
        .query_row(
            "SELECT number, hash FROM blocks ORDER BY number DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The columns [`event_from_row`] reads, of `events e JOIN blocks b`.
const BLOCK_COLUMNS: &str = "number, hash, parent_hash, timestamp, extrinsics";

fn block_info(r: &Row) -> rusqlite::Result<BlockInfo> {
    Ok(BlockInfo {
        number: r.get(0)?,
        hash: r.get(1)?,
        parent_hash: r.get(2)?,
        timestamp: r.get(3)?,
        extrinsics: r.get(4)?,
        documents: Vec::new(),
    })
}

const EVENT_COLUMNS: &str =
    "e.block_number, e.block_hash, b.timestamp, e.idx, e.contract, e.name, e.fields, e.extrinsic";

fn event_from_row(r: &Row) -> rusqlite::Result<(IndexedEvent, String)> {
    let block_number: u64 = r.get(0)?;
    Ok((
        IndexedEvent {
            block_number,
            block_hash: r.get(1)?,
            timestamp: r.get(2)?,
            index: r.get(3)?,
            extrinsic: r.get(7)?,
            event: EventView {
                contract: r.get(4)?,
                name: r.get(5)?,
                fields: serde_json::Map::new(),
                block: Some(block_number),
            },
        },
        r.get(6)?,
    ))
}

impl StoreReader {
    /// The bytes published under `hash` in an indexed block, and that block's number.
    pub fn document(&self, hash: &[u8; 32]) -> StoreResult<Option<(Vec<u8>, u64)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT bytes, block_number FROM documents WHERE hash = ?1
                 ORDER BY block_number LIMIT 1",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The documents extrinsic `extrinsic` of block `block` published: hash and bytes.
    pub fn documents_beside(
        &self,
        block: u64,
        extrinsic: u32,
    ) -> StoreResult<Vec<([u8; 32], Vec<u8>)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT hash, bytes FROM documents WHERE block_number = ?1 AND extrinsic = ?2",
            )?
            .query_map(params![block, extrinsic], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// The last indexed block: (number, hash).
    pub fn tip(&self) -> StoreResult<Option<(u64, [u8; 32])>> {
        tip_in(&self.conn)
    }

    /// Where indexed history starts: events before this block are not in the store.
    pub fn first_block(&self) -> StoreResult<Option<(u64, [u8; 32])>> {
        Ok(self
            .conn
            .query_row(
                "SELECT number, hash FROM blocks ORDER BY number LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The indexed block `number` (none above `i64::MAX`: no block has such a number).
    pub fn block(&self, number: u64) -> StoreResult<Option<BlockInfo>> {
        let Some(number) = sql_id(number) else {
            return Ok(None);
        };
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks WHERE number = ?1"
            ))?
            .query_row([number], block_info)
            .optional()?)
    }

    /// The indexed block of hash `hash`.
    pub fn block_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<BlockInfo>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks WHERE hash = ?1"
            ))?
            .query_row([hash], block_info)
            .optional()?)
    }

    /// The last `limit` indexed blocks, newest first.
    pub fn latest_blocks(&self, limit: u32) -> StoreResult<Vec<BlockInfo>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks ORDER BY number DESC LIMIT ?1"
            ))?
            .query_map([limit], block_info)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// Every indexed block from `from` on, oldest first, each with the documents published in
    /// it (by extrinsic, then hash): the store's `blocks` and `documents` rows, whole.
    pub fn blocks_from(&self, from: u64) -> StoreResult<Vec<BlockInfo>> {
        let mut blocks = self
            .conn
            .prepare_cached(&format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks WHERE number >= ?1 ORDER BY number"
            ))?
            .query_map([from], block_info)?
            .collect::<Result<Vec<_>, _>>()?;
        let mut documents = self.conn.prepare_cached(
            "SELECT block_number, hash, extrinsic, bytes FROM documents WHERE block_number >= ?1
             ORDER BY block_number, extrinsic, hash",
        )?;
        let rows = documents.query_map([from], |r| {
            Ok((r.get::<_, u64>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
        })?;
        let mut at = 0;
        for row in rows {
            let (number, document) = row?;
            while blocks.get(at).is_some_and(|b| b.number < number) {
                at += 1;
            }
            if let Some(b) = blocks.get_mut(at).filter(|b| b.number == number) {
                b.documents.push(document);
            }
        }
        Ok(blocks)
    }

    pub(super) fn one<T: Table>(&self, key: T::Key) -> StoreResult<Option<T::Value>> {
        T::scale_of(&self.conn, key)?
            .map(|bytes| T::decode(&bytes))
            .transpose()
    }

    pub(super) fn decode_all<T: Table>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> StoreResult<Vec<T::Value>> {
        let rows = self
            .conn
            .prepare_cached(sql)?
            .query_map(params, |r| r.get::<_, Vec<u8>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter().map(|bytes| T::decode(bytes)).collect()
    }

    pub fn offer(&self, id: u64) -> StoreResult<Option<Offer>> {
        self.one::<Offers>(id)
    }

    pub fn deal(&self, id: u64) -> StoreResult<Option<Deal>> {
        self.one::<Deals>(id)
    }

    pub fn reputation(&self, account: &AccountBytes) -> StoreResult<Option<AccountReputation>> {
        self.one::<Reputations>(*account)
    }

    /// The reputation contract's record of deal `id`: none until the deal has ended and been
    /// reported.
    pub fn deal_record(&self, id: u64) -> StoreResult<Option<DealRecord>> {
        self.one::<Records>(id)
    }

    /// The offers matching `q`, by id.
    pub fn search_offers(&self, q: &OfferQuery) -> StoreResult<Vec<Offer>> {
        let mut args: Vec<Value> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, v: Value| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        // With text, the scan starts from the text index, in its rowid (= offer id) order,
        // and stops at the page's end: a word in every offer costs a page, not a sort of
        // every match (3.5 → 0.4 ms for a word in each of 10,000 offers).
        let (mut sql, id) = match q.text.as_deref().and_then(fts_query) {
            Some(text) => {
                let mut sql = String::from(
                    "SELECT o.scale FROM offers_fts f JOIN offers o ON o.id = f.rowid WHERE 1",
                );
                arg(&mut sql, " AND f.offers_fts MATCH ?", Value::Text(text));
                (sql, "f.rowid")
            }
            None => (String::from("SELECT o.scale FROM offers o WHERE 1"), "o.id"),
        };
        if !q.include_inactive {
            sql.push_str(" AND o.active = 1");
        }
        if let Some(p) = q.min_price {
            arg(
                &mut sql,
                " AND o.price >= ?",
                Value::Blob(p.to_be_bytes().to_vec()),
            );
        }
        if let Some(p) = q.max_price {
            arg(
                &mut sql,
                " AND o.price <= ?",
                Value::Blob(p.to_be_bytes().to_vec()),
            );
        }
        if let Some(a) = q.seller {
            arg(&mut sql, " AND o.seller = ?", Value::Blob(a.to_vec()));
        }
        if let Some(a) = q.arbiter {
            arg(&mut sql, " AND o.arbiter = ?", Value::Blob(a.to_vec()));
        }
        // A seller without ratings has 0: a minimum of 0 filters nothing.
        if let Some(min) = q.min_rating_centi.filter(|m| *m > 0) {
            arg(
                &mut sql,
                " AND o.seller IN (SELECT account FROM reputation WHERE average_rating_centi >= ?)",
                Value::Integer(min.into()),
            );
        }
        if q.from_id > 0 {
            // From past i64::MAX on, no id is left: NULL compares to nothing.
            let from = sql_id(q.from_id).map_or(Value::Null, Value::Integer);
            arg(&mut sql, &format!(" AND {id} >= ?"), from);
        }
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        arg(
            &mut sql,
            &format!(" ORDER BY {id} LIMIT ?"),
            Value::Integer(q.limit.into()),
        );
        arg(&mut sql, " OFFSET ?", Value::Integer(offset));
        self.decode_all::<Offers>(&sql, params_from_iter(args))
    }

    /// The latest `limit` deals where `account` is the buyer, the seller or the arbiter,
    /// newest first, and how many there are in all.
    pub fn latest_deals_of(
        &self,
        account: &AccountBytes,
        limit: u32,
    ) -> StoreResult<(Vec<Deal>, u64)> {
        const IDS: &str = "SELECT id FROM deals WHERE buyer = ?1
            UNION SELECT id FROM deals WHERE seller = ?1
            UNION SELECT id FROM deals WHERE arbiter = ?1";
        let deals = self.decode_all::<Deals>(
            &format!("SELECT scale FROM deals WHERE id IN ({IDS}) ORDER BY id DESC LIMIT ?2"),
            params![account, limit],
        )?;
        let count = self
            .conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM ({IDS})"))?
            .query_row([account], |r| r.get(0))?;
        Ok((deals, count))
    }

    /// The latest `limit` offers of `seller`, active or not, newest first, and how many
    /// there are in all.
    pub fn latest_offers_of(
        &self,
        seller: &AccountBytes,
        limit: u32,
    ) -> StoreResult<(Vec<Offer>, u64)> {
        let offers = self.decode_all::<Offers>(
            "SELECT scale FROM offers WHERE seller = ?1 ORDER BY id DESC LIMIT ?2",
            params![seller, limit],
        )?;
        let count = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM offers WHERE seller = ?1")?
            .query_row([seller], |r| r.get(0))?;
        Ok((offers, count))
    }

    /// Deals where `account` is the buyer, the seller or the arbiter, by id.
    pub fn deals_of(&self, account: &AccountBytes) -> StoreResult<Vec<Deal>> {
        self.decode_all::<Deals>(
            "SELECT scale FROM deals WHERE id IN (
                SELECT id FROM deals WHERE buyer = ?1
                UNION SELECT id FROM deals WHERE seller = ?1
                UNION SELECT id FROM deals WHERE arbiter = ?1)
             ORDER BY id",
            [account],
        )
    }

    pub(super) fn events_where(
        &self,
        condition: &str,
        params: impl rusqlite::Params,
    ) -> StoreResult<Vec<IndexedEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN blocks b ON b.number = e.block_number
             WHERE {condition}"
        );
        let rows = self
            .conn
            .prepare_cached(&sql)?
            .query_map(params, event_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(mut e, fields)| {
                e.event.fields =
                    serde_json::from_str(&fields).map_err(|err| StoreError::Corrupt {
                        what: "event",
                        detail: err.to_string(),
                    })?;
                Ok(e)
            })
            .collect()
    }

    /// Up to `limit` events from block `from_block` on, in chain order.
    pub fn events(&self, from_block: u64, limit: u32) -> StoreResult<Vec<IndexedEvent>> {
        self.events_from((from_block, 0), limit)
    }

    /// Up to `limit` events at or after the position `from` (block number, index among the
    /// block's events), in chain order. The next page starts just after the last event
    /// returned: `(block_number, index + 1)`.
    pub fn events_from(&self, from: (u64, u32), limit: u32) -> StoreResult<Vec<IndexedEvent>> {
        // No block is numbered above i64::MAX: from there on there is nothing.
        let Some(block) = sql_id(from.0) else {
            return Ok(Vec::new());
        };
        self.events_where(
            "(e.block_number, e.idx) >= (?1, ?2) ORDER BY e.block_number, e.idx LIMIT ?3",
            params![block, from.1, limit],
        )
    }

    /// Every indexed event of deal `deal_id` (the events with that `deal_id` field), in chain
    /// order.
    pub fn deal_timeline(&self, deal_id: u64) -> StoreResult<Vec<IndexedEvent>> {
        let Some(deal_id) = sql_id(deal_id) else {
            return Ok(Vec::new());
        };
        self.events_where("e.deal_id = ?1 ORDER BY e.block_number, e.idx", [deal_id])
    }

    /// Up to `limit` events naming `account` in their fields, from block `from_block` on, in
    /// chain order.
    pub fn account_events(
        &self,
        account: &AccountBytes,
        from_block: u64,
        limit: u32,
    ) -> StoreResult<Vec<IndexedEvent>> {
        let Some(from_block) = sql_id(from_block) else {
            return Ok(Vec::new());
        };
        self.events_where(
            "e.id IN (SELECT event_id FROM event_accounts WHERE account = ?1)
             AND e.block_number >= ?2 ORDER BY e.block_number, e.idx LIMIT ?3",
            params![account, from_block, limit],
        )
    }
}
