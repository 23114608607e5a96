//! What a dry run (`ContractsApi_call` / `ContractsApi_instantiate`) returns, raw and decoded.
//! Calls and deployments both dry-run before they send anything and read the same shape back,
//! so the types live here, between the two.

use std::sync::Arc;

use contract_transcode::Value as InkValue;
use scale_value::Value;
use subxt::ext::scale_decode::DecodeAsType;
use subxt::utils::AccountId32;

use super::error::{ContractClientError, Result};
use crate::chain::{describe_dispatch_value, Chain, Weight};

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
struct RawExecReturnValue {
    flags: Value,
    data: Vec<u8>,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct RawInstantiateReturnValue {
    result: RawExecReturnValue,
    account_id: AccountId32,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct RawCallResult {
    gas_consumed: Weight,
    gas_required: Weight,
    storage_deposit: StorageDeposit,
    debug_message: Vec<u8>,
    result: std::result::Result<RawExecReturnValue, Value>,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct RawInstantiateResult {
    gas_consumed: Weight,
    gas_required: Weight,
    storage_deposit: StorageDeposit,
    debug_message: Vec<u8>,
    result: std::result::Result<RawInstantiateReturnValue, Value>,
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

/// Run a `ContractsApi` dry run at the best block and read what it returned as the
/// [`DryRun`] of `message` (see [`RawDryRun::into_dry_run`] for `decode`).
pub(super) async fn run<P>(
    chain: &Chain,
    payload: P,
    message: &str,
    decode: impl FnOnce(bool, &[u8]) -> Result<InkValue>,
) -> Result<DryRun>
where
    P: subxt::runtime_apis::Payload,
    P::ReturnType: Into<RawDryRun>,
{
    let at = chain.at_best().await?;
    let raw = at
        .runtime_apis()
        .call(payload)
        .await
        .map_err(crate::chain::rpc_err)?;
    let metadata = at.metadata();
    Ok(raw.into().into_dry_run(&metadata, message, decode))
}

/// What both runtime APIs return, read the same way: the costs, the debug buffer and either
/// the contract's return (with, for instantiation, the new contract's address) or the error
/// the runtime refused the call with.
pub(super) struct RawDryRun {
    gas_consumed: Weight,
    gas_required: Weight,
    storage_deposit: StorageDeposit,
    debug_message: Vec<u8>,
    result: std::result::Result<(RawExecReturnValue, Option<AccountId32>), Value>,
}

impl From<RawCallResult> for RawDryRun {
    fn from(raw: RawCallResult) -> Self {
        RawDryRun {
            gas_consumed: raw.gas_consumed,
            gas_required: raw.gas_required,
            storage_deposit: raw.storage_deposit,
            debug_message: raw.debug_message,
            result: raw.result.map(|ret| (ret, None)),
        }
    }
}

impl From<RawInstantiateResult> for RawDryRun {
    fn from(raw: RawInstantiateResult) -> Self {
        RawDryRun {
            gas_consumed: raw.gas_consumed,
            gas_required: raw.gas_required,
            storage_deposit: raw.storage_deposit,
            debug_message: raw.debug_message,
            result: raw.result.map(|ret| (ret.result, Some(ret.account_id))),
        }
    }
}

impl RawDryRun {
    /// The [`DryRun`] of `message` (a message or constructor): `decode` reads the return data
    /// (told whether the REVERT flag is set); a revert, an undecodable return or an error of
    /// the runtime (named through `metadata`) becomes the error the call would fail with.
    fn into_dry_run(
        self,
        metadata: &subxt::Metadata,
        message: &str,
        decode: impl FnOnce(bool, &[u8]) -> Result<InkValue>,
    ) -> DryRun {
        let (reverted, data, address, result) = match self.result {
            Ok((ret, address)) => {
                let reverted = flags_revert(&ret.flags);
                let result = match (reverted, decode(reverted, &ret.data)) {
                    (_, Err(e)) => Err(e),
                    (true, Ok(_)) => Err(ContractClientError::Reverted {
                        message: message.to_string(),
                        data: hex::encode(&ret.data),
                    }),
                    (false, Ok(v)) => Ok(v),
                };
                (reverted, ret.data, address, result)
            }
            Err(dispatch) => (
                true,
                Vec::new(),
                None,
                Err(ContractClientError::Dispatch {
                    message: message.to_string(),
                    failure: describe_dispatch_value(metadata, &dispatch),
                }),
            ),
        };
        DryRun {
            gas_consumed: self.gas_consumed,
            gas_required: self.gas_required,
            storage_deposit: self.storage_deposit,
            reverted,
            data,
            result: result.map_err(Arc::new),
            debug_message: String::from_utf8_lossy(&self.debug_message).into_owned(),
            address,
        }
    }
}

const REVERT_FLAG: u128 = 1;

/// `ReturnFlags { bits }` (or a bare u32) has the REVERT bit set.
pub(super) fn flags_revert(flags: &Value) -> bool {
    crate::chain::value_u128(flags).is_some_and(|bits| bits & REVERT_FLAG != 0)
}
