//! Library behind the `escrow` CLI.
pub mod keystore;
pub mod signer;
pub mod units;
