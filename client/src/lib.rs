//! Library behind the `escrow` CLI.
pub mod api;
pub mod bench;
pub mod blocks;
pub mod chain;
pub mod contract;
pub mod contract_state;
pub mod dev_node;
pub mod explorer;
pub mod indexer;
pub mod keystore;
pub mod multisig;
pub mod node_config;
pub mod offline;
pub mod ops;
pub mod session;
pub mod signer;
pub mod storage_key;
pub mod store;
pub mod types;
pub mod units;

#[cfg(test)]
mod import_graph;
