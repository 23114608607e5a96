//! The event store: an embedded SQLite index of one escrow deployment on one chain, behind
//! search, deal history and the explorer (issue #12).
//!
//! One file per chain and deployment ([`Store::path_for`]), recording which ones
//! ([`StoreKey`]): a file of another chain or deployment is refused, never used. It holds the
//! indexed blocks and their contract events, the current offers, deals and reputations, and an
//! undo log, so the block at the tip can be rolled back when the chain reorganises.
//!
//! Indexed history starts at the first block: the snapshot of a cold start
//! ([`Store::replace_state`]) or the first block applied to an empty store. Events before it
//! are not indexed.
//!
//! Concurrency: the file is in WAL mode. One [`Store`] writes (SQLite allows one writer at a
//! time; another waits up to [`BUSY_TIMEOUT`]); any number of [`StoreReader`]s
//! ([`Store::open_reader`], read-only connections) read meanwhile and see each block once its
//! transaction commits. Opening a reader is cheap (a file open and a few small reads): open
//! one per request or per thread, and keep one [`Store`] open in the sync loop. A [`Store`]
//! reads too (it dereferences to its own [`StoreReader`]). Both are `Send`, neither is `Sync`:
//! share the path, not the connection.

mod pages;
mod pool;
mod query;
mod request_query;
mod schema;
pub mod synthetic;
mod tables;
mod write;

#[cfg(test)]
mod request_tests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;

pub use pool::{PooledReader, ReaderPool};
pub use query::OfferQuery;
pub use request_query::{RequestCursor, RequestQuery, RequestSort};
pub use schema::SCHEMA_VERSION;
pub use tables::ProposalKey;
pub use write::{event_accounts, BlockChanges, BlockEvent, Snapshot};

use crate::types::{ser_hash, AccountBytes, EventView};

/// How long a connection waits for another's lock before giving up with "database is locked".
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Which chain and deployment a store indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreKey {
    pub genesis: [u8; 32],
    pub escrow: AccountBytes,
    pub reputation: AccountBytes,
}

impl fmt::Display for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "genesis {}, escrow {}, reputation {}",
            hex0x(&self.genesis),
            hex0x(&self.escrow),
            hex0x(&self.reputation)
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store {} indexes {stored}, not {wanted}: it is not used", path.display())]
    OtherChain {
        path: PathBuf,
        stored: Box<StoreKey>,
        wanted: Box<StoreKey>,
    },
    #[error(
        "the store {} has schema version {found}, this client knows {expected}: delete it to rebuild it",
        path.display()
    )]
    UnknownVersion {
        path: PathBuf,
        found: i64,
        expected: i64,
    },
    #[error("the file {} is not a store of this client (no identity recorded): delete it to rebuild it", path.display())]
    NotAStore { path: PathBuf },
    #[error("there is no store at {}", path.display())]
    Missing { path: PathBuf },
    #[error("cannot create the directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "block #{number} ({}) does not extend the store's tip {}",
        hex0x(hash),
        tip_text(tip)
    )]
    NotChild {
        number: u64,
        hash: [u8; 32],
        tip: Option<(u64, [u8; 32])>,
    },
    #[error(
        "block #{number} ({}) is not the parent of the store's first block",
        hex0x(hash)
    )]
    NotParent { number: u64, hash: [u8; 32] },
    #[error(
        "block {} is not the store's tip {}: only the tip can be rolled back",
        hex0x(hash),
        tip_text(tip)
    )]
    NotTip {
        hash: [u8; 32],
        tip: Option<(u64, [u8; 32])>,
    },
    #[error("block #{number} ({}) cannot be rolled back: it is finalized or the snapshot the store started from; rebuild the store", hex0x(hash))]
    NotUndoable { number: u64, hash: [u8; 32] },
    #[error("{what} {key} of a block's changes holds {what} {id}")]
    KeyMismatch {
        what: &'static str,
        key: u64,
        id: u64,
    },
    #[error("the store holds a {what} it cannot decode: {detail}; delete it to rebuild it")]
    Corrupt { what: &'static str, detail: String },
    #[error("cannot write a {what} as JSON: {source}")]
    Json {
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("cannot open the store {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// A file of an older layout or no store at all, which [`Store::open_or_rebuild`]
    /// replaces.
    fn is_rebuildable(&self) -> bool {
        match self {
            StoreError::UnknownVersion { .. } | StoreError::NotAStore { .. } => true,
            StoreError::Open { source, .. } => {
                source.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase)
            }
            _ => false,
        }
    }

    /// An SQLite error while opening `path` says which file.
    fn opening(self, path: &Path) -> StoreError {
        match self {
            StoreError::Sqlite(source) => StoreError::Open {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

fn hex0x(h: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(h))
}

fn tip_text(tip: &Option<(u64, [u8; 32])>) -> String {
    match tip {
        Some((n, h)) => format!("#{n} ({})", hex0x(h)),
        None => "(the store is empty)".to_string(),
    }
}

/// An indexed block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockInfo {
    pub number: u64,
    #[serde(serialize_with = "ser_hash")]
    pub hash: [u8; 32],
    #[serde(serialize_with = "ser_hash")]
    pub parent_hash: [u8; 32],
    /// The block's timestamp (`Timestamp::Now`), ms.
    pub timestamp: u64,
    /// How many extrinsics it holds, inherents included.
    pub extrinsics: u32,
    /// The documents published in it (`System.remark_with_event`, confirmed by their
    /// `System.Remarked`): hash, the extrinsic that published it, bytes.
    #[serde(skip)]
    pub documents: Vec<([u8; 32], u32, Vec<u8>)>,
}

/// A stored contract event, where it happened.
#[derive(Debug, Clone, Serialize)]
pub struct IndexedEvent {
    pub block_number: u64,
    #[serde(serialize_with = "ser_hash")]
    pub block_hash: [u8; 32],
    /// Its block's timestamp, ms.
    pub timestamp: u64,
    /// Its index among the block's events.
    pub index: u32,
    /// The extrinsic that emitted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extrinsic: Option<u32>,
    /// `block` is the block number.
    #[serde(flatten)]
    pub event: EventView,
}

/// A read-only connection to a store: every query, no writes.
pub struct StoreReader {
    conn: Connection,
    path: PathBuf,
}

/// The writer of a store (one at a time per file); reads too, through [`StoreReader`].
pub struct Store {
    reader: StoreReader,
}

impl std::ops::Deref for Store {
    type Target = StoreReader;

    fn deref(&self) -> &StoreReader {
        &self.reader
    }
}

impl Store {
    /// The store's file for this chain and deployment under `home`:
    /// `<home>/store/<genesis>-<escrow>-<reputation>.sqlite`, 8 hex digits of each. Two
    /// deployments sharing all three prefixes would share the file; [`Store::open`] then
    /// refuses the second one.
    pub fn path_for(home: &Path, key: &StoreKey) -> PathBuf {
        home.join("store").join(format!(
            "{}-{}-{}.sqlite",
            hex::encode(&key.genesis[..4]),
            hex::encode(&key.escrow[..4]),
            hex::encode(&key.reputation[..4])
        ))
    }

    /// Opens the store at `path`, creating it (and its directory) if there is none.
    /// Refuses one of another chain or deployment ([`StoreError::OtherChain`]) or of another
    /// schema version ([`StoreError::UnknownVersion`]).
    pub fn open(path: &Path, key: StoreKey) -> StoreResult<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = create_or_check(path, &key).map_err(|e| e.opening(path))?;
        Ok(Store {
            reader: StoreReader {
                conn,
                path: path.to_path_buf(),
            },
        })
    }

    /// [`Store::open`], but a file there of another schema version, or that is no store at
    /// all, is deleted and a new store made in its place: the store is a cache of the chain,
    /// and `path` ([`Store::path_for`]) is the store's own name. Returns why it rebuilt. A
    /// store of another chain or deployment is still refused, never deleted.
    pub fn open_or_rebuild(path: &Path, key: StoreKey) -> StoreResult<(Store, Option<StoreError>)> {
        match Store::open(path, key) {
            Ok(store) => Ok((store, None)),
            Err(e) if e.is_rebuildable() => {
                Store::remove_files(path);
                Ok((Store::open(path, key)?, Some(e)))
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes the store at `path` with its WAL files, whatever they hold (what is not there
    /// is no error): the next open starts from nothing.
    pub fn remove_files(path: &Path) {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }

    /// A read-only connection to the existing store at `path` (see the module's notes on
    /// concurrency); checked like [`Store::open`]. [`StoreError::Missing`] if there is none.
    pub fn open_reader(path: &Path, key: StoreKey) -> StoreResult<StoreReader> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        let open = || -> StoreResult<Connection> {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            check_identity(&conn, path, &key)?;
            Ok(conn)
        };
        Ok(StoreReader {
            conn: open().map_err(|e| e.opening(path))?,
            path: path.to_path_buf(),
        })
    }
}

/// The writer's connection to the store at `path`: created with the schema and `key` if the
/// file is new or empty, else checked.
fn create_or_check(path: &Path, key: &StoreKey) -> StoreResult<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Create the schema and record the identity unless there is one: checked and written in
    // one write transaction, so two processes creating the file do not both do it.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !has_meta(&tx)? {
        let empty: bool =
            tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM sqlite_schema)", [], |r| {
                r.get(0)
            })?;
        if !empty {
            return Err(StoreError::NotAStore {
                path: path.to_path_buf(),
            });
        }
        tx.execute_batch(schema::SCHEMA)?;
        tx.execute_batch(schema::TEXT_TRIGGERS)?;
        let mut put = tx.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
        put.execute(rusqlite::params!["schema_version", SCHEMA_VERSION])?;
        put.execute(rusqlite::params!["genesis", key.genesis])?;
        put.execute(rusqlite::params!["escrow", key.escrow])?;
        put.execute(rusqlite::params!["reputation", key.reputation])?;
    }
    tx.commit()?;
    check_identity(&conn, path, key)?;
    // Only now that the file is known to be this store (the journal mode stays with the
    // file). WAL: readers on other connections while this one writes. NORMAL is durable
    // enough for a cache: a crash may lose the last blocks, which the next sync applies again.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // As SQLite advises for long-lived connections: refresh the planner's statistics where
    // they are missing or stale, within a bounded effort.
    refresh_statistics(&conn, "PRAGMA optimize = 0x10002;")?;
    Ok(conn)
}

/// Runs `optimize` (a `PRAGMA optimize`), then keeps only the per-index averages
/// (`sqlite_stat1`) it gathered. The bundled SQLite is built with STAT4, whose samples of
/// column values make SQLite re-prepare a statement whenever a value bound to a range
/// constraint changes: 11% of the explorer's CPU under a burst of requests, for plans the
/// averages choose as well.
fn refresh_statistics(conn: &Connection, optimize: &str) -> StoreResult<()> {
    conn.execute_batch(optimize)?;
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4')",
        [],
        |r| r.get(0),
    )?;
    // Only when `optimize` sampled anew: a write on every open would cost each command.
    let has_samples = has_table
        && conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_stat4)", [], |r| {
            r.get::<_, bool>(0)
        })?;
    if has_samples {
        // `ANALYZE sqlite_schema` makes this connection reload the statistics now.
        conn.execute_batch("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")?;
    }
    Ok(())
}

fn has_meta(conn: &Connection) -> StoreResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta')",
        [],
        |r| r.get(0),
    )?)
}

fn meta<T: rusqlite::types::FromSql>(conn: &Connection, key: &str) -> StoreResult<Option<T>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// The version first (a later layout may record the identity otherwise), then the identity.
fn check_identity(conn: &Connection, path: &Path, wanted: &StoreKey) -> StoreResult<()> {
    let not_a_store = || StoreError::NotAStore {
        path: path.to_path_buf(),
    };
    if !has_meta(conn)? {
        return Err(not_a_store());
    }
    let found: i64 = meta(conn, "schema_version")?.ok_or_else(not_a_store)?;
    if found != SCHEMA_VERSION {
        return Err(StoreError::UnknownVersion {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
        });
    }
    let part = |name: &str| -> StoreResult<[u8; 32]> {
        meta::<[u8; 32]>(conn, name)
            .map_err(|_| not_a_store())?
            .ok_or_else(not_a_store)
    };
    let stored = StoreKey {
        genesis: part("genesis")?,
        escrow: part("escrow")?,
        reputation: part("reputation")?,
    };
    if stored != *wanted {
        return Err(StoreError::OtherChain {
            path: path.to_path_buf(),
            stored: Box::new(stored),
            wanted: Box::new(*wanted),
        });
    }
    Ok(())
}

impl Store {
    /// This writer's connection, to read with from now on.
    pub fn into_reader(self) -> StoreReader {
        self.reader
    }
}

impl StoreReader {
    /// The file this connection reads.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
