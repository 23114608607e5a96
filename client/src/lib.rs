//! Library behind the `escrow` CLI.
pub mod bench;
pub mod blocks;
pub mod chain;
pub mod cli;
pub mod contract;
pub mod contract_state;
pub mod dev_node;
pub mod explorer;
pub mod keystore;
pub mod node_config;
pub mod ops;
pub mod output;
pub mod signer;
pub mod units;
