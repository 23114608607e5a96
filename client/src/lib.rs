//! Library behind the `escrow` CLI.
pub mod chain;
pub mod contract;
pub mod keystore;
pub mod signer;
pub mod units;
