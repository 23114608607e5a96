//! What a dry run (`ContractsApi_call` / `ContractsApi_instantiate`) returns, raw and decoded.
//! Calls and deployments both dry-run before they send anything and read the same shape back,
//! so the types live here, between the two.

use std::sync::Arc;

use contract_transcode::Value as InkValue;
use scale_value::Value;
use subxt::ext::scale_decode::DecodeAsType;
use subxt::utils::AccountId32;

use super::error::{ContractClientError, Result};
use crate::chain::Weight;

/// `StorageDeposit` from a dry run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum StorageDeposit {
    Refund(u128),
    Charge(u128),
}

impl StorageDeposit {
    /// The limit to pass with the real transaction.
    pub fn limit(self) -> u128 {
        match self {
            StorageDeposit::Charge(v) => v,
            StorageDeposit::Refund(_) => 0,
        }
    }
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct RawExecReturnValue {
    pub(super) flags: Value,
    pub(super) data: Vec<u8>,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct RawInstantiateReturnValue {
    pub(super) result: RawExecReturnValue,
    pub(super) account_id: AccountId32,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct RawCallResult {
    pub(super) gas_consumed: Weight,
    pub(super) gas_required: Weight,
    pub(super) storage_deposit: StorageDeposit,
    pub(super) debug_message: Vec<u8>,
    pub(super) result: std::result::Result<RawExecReturnValue, Value>,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct RawInstantiateResult {
    pub(super) gas_consumed: Weight,
    pub(super) gas_required: Weight,
    pub(super) storage_deposit: StorageDeposit,
    pub(super) debug_message: Vec<u8>,
    pub(super) result: std::result::Result<RawInstantiateReturnValue, Value>,
}

/// What a dry run found out.
#[derive(Debug, Clone)]
pub struct DryRun {
    pub gas_consumed: Weight,
    pub gas_required: Weight,
    pub storage_deposit: StorageDeposit,
    /// The contract returned with the REVERT flag.
    pub reverted: bool,
    /// Raw return data.
    pub data: Vec<u8>,
    /// The decoded, unwrapped return value, or why the call would fail.
    pub result: std::result::Result<InkValue, Arc<ContractClientError>>,
    pub debug_message: String,
    /// For instantiation: the address the contract would get.
    pub address: Option<AccountId32>,
}

impl DryRun {
    /// The return value, or the error the call would fail with.
    pub fn into_value(self) -> Result<InkValue> {
        self.result.map_err(|e| {
            Arc::try_unwrap(e).unwrap_or_else(|e| ContractClientError::Transcode(e.to_string()))
        })
    }
}

const REVERT_FLAG: u128 = 1;

/// `ReturnFlags { bits }` (or a bare u32) has the REVERT bit set.
pub(super) fn flags_revert(flags: &Value) -> bool {
    crate::chain::value_u128(flags).is_some_and(|bits| bits & REVERT_FLAG != 0)
}
