//! Library behind the `escrow` CLI.
pub mod chain;
pub mod contract;
pub mod keystore;
pub mod signer;
pub mod units;
pub mod dev_node;
pub mod node_config;
