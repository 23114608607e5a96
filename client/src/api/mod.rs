//! The typed contract API: one function per contract message, typed arguments and results,
//! each checked against the bundle's metadata before it is encoded. Commands ([`crate::ops`])
//! call these; these call [`crate::session::Ctx`], which talks to the chain.

pub mod escrow;
pub mod reputation;
pub mod spec;

pub use escrow::Escrow;
pub use reputation::Reputation;
