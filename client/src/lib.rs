//! Library behind the `escrow` CLI.
pub mod chain;
pub mod contract;
pub mod dev_node;
pub mod keystore;
pub mod node_config;
pub mod signer;
pub mod units;
