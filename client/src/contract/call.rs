//! Calling a deployed contract: dry runs and read-only queries (`ContractsApi_call`), and
//! state-changing calls that are dry-run first, then sent as `Contracts.call` with the dry
//! run's gas (+10 %) and storage deposit, one at a time or pipelined.

use contract_transcode::Value as InkValue;
use scale_value::{Composite, Value};
use subxt::utils::AccountId32;

use super::dry_run::{self, RawCallResult};
use super::error::{with_message, Result};
use super::{decode_contract_events, ContractCodec, ContractEvent, DryRun, StorageDeposit};
use crate::chain::{Chain, TxOutcome, Weight};
use crate::signer::Keypair;

/// Extra gas over the dry run's `gas_required`, in percent.
pub const GAS_MARGIN_PERCENT: u64 = 10;
/// Storage deposit limit over the dry run's charge, in percent, and at least
/// [`DEPOSIT_MARGIN_MIN`]: the deposit may grow a little between the dry run and the block
/// (another write to the same storage), and an exact limit would then refuse the call.
pub const DEPOSIT_MARGIN_PERCENT: u128 = 10;
/// The smallest storage deposit margin, in plancks (0.001 UNIT on a 12-decimal chain).
pub const DEPOSIT_MARGIN_MIN: u128 = 1_000_000_000;

/// The default storage deposit limit of a call whose dry run charged `need`.
pub fn deposit_limit_with_margin(need: u128) -> u128 {
    let margin = need.saturating_mul(DEPOSIT_MARGIN_PERCENT).div_ceil(100);
    need.saturating_add(margin.max(DEPOSIT_MARGIN_MIN))
}

/// A state-changing call that passed its dry run, ready to submit.
#[derive(Debug, Clone)]
pub struct PreparedCall {
    pub message: String,
    /// Selector + SCALE arguments.
    pub input: Vec<u8>,
    pub value: u128,
    pub gas_required: Weight,
    pub gas_limit: Weight,
    pub storage_deposit: StorageDeposit,
    pub deposit_limit: u128,
    /// The dry run's decoded return value.
    pub return_value: InkValue,
    /// The same, as the SCALE bytes the contract returned.
    pub return_data: Vec<u8>,
    /// Words the call cites, published beside it in the same transaction.
    pub document: Option<crate::documents::Document>,
}

/// A state-changing call that went through.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// Contract events, decoded when emitted by this contract.
    pub events: Vec<ContractEvent>,
    pub fee_paid: Option<u128>,
    pub weight: Option<Weight>,
    /// The storage deposit limit sent with the call.
    pub deposit_limit: u128,
    /// The dry run's decoded return value.
    pub return_value: InkValue,
    /// The same, as the SCALE bytes the contract returned.
    pub return_data: Vec<u8>,
    pub tx: TxOutcome,
}

/// A deployed contract: its address and codec.
#[derive(Debug, Clone)]
pub struct Contract {
    pub address: AccountId32,
    pub codec: ContractCodec,
}

impl Contract {
    pub fn new(address: AccountId32, codec: ContractCodec) -> Self {
        Contract { address, codec }
    }

    /// Dry-run `message` as `origin` (`ContractsApi_call` with no gas/deposit limit).
    pub async fn dry_run(
        &self,
        chain: &Chain,
        origin: &AccountId32,
        message: &str,
        args: &[String],
        value: u128,
    ) -> Result<DryRun> {
        let input = self.codec.encode(message, args)?;
        self.dry_run_input(chain, origin, message, input, value)
            .await
    }

    /// [`Contract::dry_run`] with already encoded input (selector + SCALE arguments).
    pub async fn dry_run_input(
        &self,
        chain: &Chain,
        origin: &AccountId32,
        message: &str,
        input: Vec<u8>,
        value: u128,
    ) -> Result<DryRun> {
        let payload = subxt::dynamic::runtime_api_call::<_, RawCallResult>(
            "ContractsApi",
            "call",
            (
                *origin,
                self.address,
                value,
                None::<Value>,
                None::<u128>,
                input,
            ),
        );
        dry_run::run(chain, payload, message, |_, data| {
            self.codec.decode_message_return(message, data)
        })
        .await
    }

    /// Read-only query: dry-run and return the decoded value (or the contract's error).
    pub async fn query(
        &self,
        chain: &Chain,
        origin: &AccountId32,
        message: &str,
        args: &[String],
    ) -> Result<InkValue> {
        self.dry_run(chain, origin, message, args, 0)
            .await?
            .into_value()
    }

    /// Dry-run, refuse if it would fail, then submit `Contracts.call` with the dry run's gas
    /// (+10 %) and storage deposit, wait for inclusion and decode the contract's events.
    pub async fn call(
        &self,
        chain: &Chain,
        signer: &Keypair,
        message: &str,
        args: &[String],
        value: u128,
    ) -> Result<CallOutcome> {
        let input = self.codec.encode(message, args)?;
        let prepared = self
            .prepare_call(chain, signer, message, input, value)
            .await?;
        self.submit_prepared(chain, signer, prepared).await
    }

    /// Dry-run a state-changing call and refuse it if it would fail; on success the returned
    /// [`PreparedCall`] holds the dry run, the decoded return value and the transaction to send
    /// (gas limit = `gas_required` + 10 %, storage deposit limit = the dry run's charge plus
    /// [`deposit_limit_with_margin`]'s margin; a caller may set another).
    pub async fn prepare_call(
        &self,
        chain: &Chain,
        signer: &Keypair,
        message: &str,
        input: Vec<u8>,
        value: u128,
    ) -> Result<PreparedCall> {
        self.prepare_call_from(chain, &signer.account_id(), message, input, value)
            .await
    }

    /// [`Self::prepare_call`] dry-run as `origin`, the account the call will come from when
    /// it is not the signer's (a multisig account's call, which a signatory sends).
    pub async fn prepare_call_from(
        &self,
        chain: &Chain,
        origin: &AccountId32,
        message: &str,
        input: Vec<u8>,
        value: u128,
    ) -> Result<PreparedCall> {
        let dry = self
            .dry_run_input(chain, origin, message, input.clone(), value)
            .await?;
        let gas_limit = dry.gas_required.with_margin(GAS_MARGIN_PERCENT);
        let deposit_limit = deposit_limit_with_margin(dry.storage_deposit.limit());
        let gas_required = dry.gas_required;
        let storage_deposit = dry.storage_deposit;
        let return_data = dry.data.clone();
        let return_value = dry.into_value()?;
        Ok(PreparedCall {
            message: message.to_string(),
            input,
            value,
            gas_required,
            gas_limit,
            storage_deposit,
            deposit_limit,
            return_value,
            return_data,
            document: None,
        })
    }

    /// The `Contracts.call` transaction of a prepared call; with a document, the batch that
    /// publishes it in the same transaction ([`crate::documents::remark_then_call`]).
    pub fn call_payload(
        &self,
        prepared: &PreparedCall,
    ) -> subxt::tx::DynamicPayload<Composite<()>> {
        let fields = Composite::named([
            (
                "dest",
                Value::unnamed_variant("Id", [Value::from_bytes(self.address.0)]),
            ),
            ("value", Value::u128(prepared.value)),
            ("gas_limit", prepared.gas_limit.to_value()),
            (
                "storage_deposit_limit",
                Value::unnamed_variant("Some", [Value::u128(prepared.deposit_limit)]),
            ),
            ("data", Value::from_bytes(&prepared.input)),
        ]);
        match &prepared.document {
            Some(document) => {
                crate::documents::remark_then_call(document.bytes(), "Contracts", "call", fields)
            }
            None => subxt::dynamic::tx("Contracts", "call", fields),
        }
    }

    /// The fee the node estimates for the prepared transaction
    /// (`TransactionPaymentApi_query_info`, the partial fee without tip).
    pub async fn estimate_fee(
        &self,
        chain: &Chain,
        signer: &Keypair,
        prepared: &PreparedCall,
    ) -> Result<u128> {
        Ok(chain
            .estimate_fee(signer, &self.call_payload(prepared))
            .await?)
    }

    /// Submit a prepared call, wait for inclusion and decode the contract's events.
    pub async fn submit_prepared(
        &self,
        chain: &Chain,
        signer: &Keypair,
        prepared: PreparedCall,
    ) -> Result<CallOutcome> {
        let tx = self.call_payload(&prepared);
        let outcome = chain
            .submit(signer, &tx, None)
            .await
            .map_err(|e| with_message(&prepared.message, e))?;
        Ok(self.call_outcome(
            outcome,
            prepared.deposit_limit,
            prepared.return_value,
            prepared.return_data,
        ))
    }

    /// This contract's decoded events and the costs of an included call.
    pub(super) fn call_outcome(
        &self,
        outcome: TxOutcome,
        deposit_limit: u128,
        return_value: InkValue,
        return_data: Vec<u8>,
    ) -> CallOutcome {
        CallOutcome {
            events: decode_contract_events(&outcome, &[&self.codec], Some(&self.address)),
            fee_paid: outcome.fee_paid,
            weight: outcome.weight,
            deposit_limit,
            return_value,
            return_data,
            tx: outcome,
        }
    }

    /// Submit several prepared calls from one signer pipelined: nonces are assigned by the
    /// client and every call is in the pool before the first inclusion is awaited. One result
    /// per call, in order.
    pub async fn submit_prepared_many(
        &self,
        chain: &Chain,
        signer: &Keypair,
        prepared: Vec<PreparedCall>,
    ) -> Result<Vec<Result<CallOutcome>>> {
        let payloads: Vec<_> = prepared.iter().map(|p| self.call_payload(p)).collect();
        let results = chain.submit_many(signer, &payloads).await?;
        Ok(results
            .into_iter()
            .zip(prepared)
            .map(|(result, p)| {
                let outcome = result.map_err(|e| with_message(&p.message, e))?;
                Ok(self.call_outcome(outcome, p.deposit_limit, p.return_value, p.return_data))
            })
            .collect())
    }
}
