//! Read connections kept open between requests. A fresh connection parses the whole schema
//! (FTS5 tables, triggers, indexes) before its first query and starts with an empty page
//! cache; under the explorer's bursts that cost more than the queries themselves. A reader
//! in WAL mode sees every transaction committed before each of its reads, so one left open
//! is as current as a new one.

use std::ops::Deref;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::{Store, StoreKey, StoreReader, StoreResult};

/// Most idle connections kept: more than the requests one explorer usually runs at once on
/// a small machine; a burst beyond it opens (and later drops) extra ones.
const MAX_IDLE: usize = 32;

/// Idle read connections, by the store file they read.
#[derive(Default)]
pub struct ReaderPool {
    idle: Mutex<Vec<StoreReader>>,
}

impl ReaderPool {
    pub fn new() -> Arc<ReaderPool> {
        Arc::new(ReaderPool::default())
    }

    /// An idle connection to the store at `path`, or a new one checked against `key` as
    /// [`Store::open_reader`] does. It comes back to the pool when dropped.
    pub fn get(self: &Arc<Self>, path: &Path, key: StoreKey) -> StoreResult<PooledReader> {
        let idle = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            idle.iter()
                .rposition(|r| r.path == path)
                .map(|i| idle.swap_remove(i))
        };
        let reader = match idle {
            Some(r) => r,
            None => Store::open_reader(path, key)?,
        };
        Ok(PooledReader {
            reader: Some(reader),
            pool: Some(self.clone()),
        })
    }

    fn put_back(&self, reader: StoreReader) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(reader);
        }
    }

    /// Idle connections now held (for tests).
    pub fn idle(&self) -> usize {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// A read connection, from a pool (returned to it on drop) or of its own.
pub struct PooledReader {
    reader: Option<StoreReader>,
    pool: Option<Arc<ReaderPool>>,
}

impl PooledReader {
    /// A connection that belongs to no pool: closed when dropped.
    pub fn unpooled(reader: StoreReader) -> PooledReader {
        PooledReader {
            reader: Some(reader),
            pool: None,
        }
    }
}

impl Deref for PooledReader {
    type Target = StoreReader;

    fn deref(&self) -> &StoreReader {
        self.reader.as_ref().expect("present until dropped")
    }
}

impl Drop for PooledReader {
    fn drop(&mut self) {
        if let (Some(pool), Some(reader)) = (self.pool.take(), self.reader.take()) {
            // A connection left inside a transaction would hold an old snapshot: drop it.
            if reader.conn.is_autocommit() {
                pool.put_back(reader);
            }
        }
    }
}
