//! Library behind the `escrow` CLI.
//!
//! Features (all on by default): `store` (the SQLite event store and its indexer: offer
//! search, deal history and lists, events), `explorer` (the local web explorer and the bench;
//! brings `store`) and `cli` (what only the `escrow` binary needs). A program that only trades
//! takes it with `default-features = false`.
pub mod api;
#[cfg(feature = "explorer")]
pub mod bench;
pub mod blocks;
pub mod chain;
pub mod contract;
pub mod contract_state;
pub mod dev_node;
pub mod documents;
#[cfg(feature = "explorer")]
pub mod explorer;
#[cfg(feature = "store")]
pub mod indexer;
pub mod keystore;
pub mod multisig;
pub mod node_config;
pub mod offline;
pub mod ops;
pub mod session;
pub mod signer;
pub mod storage_key;
#[cfg(feature = "store")]
pub mod store;
pub mod types;
pub mod units;

#[cfg(test)]
mod import_graph;
