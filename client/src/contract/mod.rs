//! ink! contracts on pallet-contracts: load a `.contract` bundle, encode/decode through
//! contract-transcode, dry-run, call and instantiate.
//!
//! Every state-changing call is dry-run first (`ContractsApi_call` / `ContractsApi_instantiate`)
//! so that a reverting call is refused with the contract's error name before any fee is spent;
//! the real transaction then uses the dry run's `gas_required` (+10 %) and storage deposit.
//!
//! One job a file: `bundle` loads the code and metadata, `codec` encodes and decodes with
//! them, `dry_run` holds what a dry run returns, `call` calls a deployed contract,
//! `deploy` deploys one, `events` decodes what contracts emitted and `error` says what
//! went wrong. Everything public is re-exported here: callers use `crate::contract::X`.

mod bundle;
mod call;
mod codec;
mod deploy;
mod dry_run;
mod error;
mod events;

pub use bundle::ContractBundle;
pub use call::{
    deposit_limit_with_margin, CallOutcome, Contract, PreparedCall, DEPOSIT_MARGIN_MIN,
    DEPOSIT_MARGIN_PERCENT, GAS_MARGIN_PERCENT,
};
pub use codec::{ContractCodec, MessageInfo};
pub use deploy::{code_exists, contract_exists, instantiated_by};
pub use dry_run::{DryRun, StorageDeposit};
pub use error::{ContractClientError, ContractError};
pub use events::{decode_contract_events, decode_emitted, ContractEvent};

#[cfg(test)]
mod tests;
