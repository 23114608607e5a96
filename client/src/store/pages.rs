//! The explorer's pages of indexed blocks, kept as their JSON: the store indexes only the
//! contracts' events, a block page shows every extrinsic and event, so a page is read from
//! the node once and kept here for every later read.

use rusqlite::{params, OptionalExtension};

use super::{Store, StoreReader, StoreResult};

impl StoreReader {
    /// The kept page of the block of hash `hash`, as JSON.
    pub fn block_page(&self, hash: &[u8; 32]) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT json FROM block_pages WHERE hash = ?1")?
            .query_row([hash], |r| r.get(0))
            .optional()?)
    }
}

impl Store {
    /// Keeps `json` as the page of block `hash` if that block is indexed (a page already kept
    /// stays: a block's content never changes). Returns whether the store holds it now.
    pub fn keep_block_page(&mut self, hash: &[u8; 32], json: &str) -> StoreResult<bool> {
        self.reader
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO block_pages (hash, json)
                 SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM blocks WHERE hash = ?1)",
            )?
            .execute(params![hash, json])?;
        Ok(self.block_page(hash)?.is_some())
    }
}
