//! ink! contracts on pallet-contracts: load a `.contract` bundle, encode/decode through
//! contract-transcode, dry-run, call and instantiate.
//!
//! Every state-changing call is dry-run first (`ContractsApi_call` / `ContractsApi_instantiate`)
//! so that a reverting call is refused with the contract's error name before any fee is spent;
//! the real transaction then uses the dry run's `gas_required` (+10 %) and storage deposit.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use contract_metadata::ContractMetadata;
use contract_transcode::ink_metadata::InkProject;
use contract_transcode::{ContractMessageTranscoder, Value as InkValue};
use scale_info::TypeDef;
use scale_value::Value;
use subxt::ext::scale_decode::DecodeAsType;
use subxt::utils::{AccountId32, MultiAddress};

use crate::chain::{
    describe_dispatch_value, Chain, ChainError, ChainEvent, DispatchFailure, TxOutcome, Weight,
};
use crate::signer::{blake2_256, Keypair};

/// Extra gas over the dry run's `gas_required`, in percent.
pub const GAS_MARGIN_PERCENT: u64 = 10;

/// An error the contract itself returned: `Err(Error::StaleVersion)` from a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} failed: {variant}{}", if details.is_empty() || details == variant { String::new() } else { format!(" ({details})") })]
pub struct ContractError {
    /// The message or constructor called.
    pub message: String,
    /// The error enum variant, e.g. `StaleVersion`.
    pub variant: String,
    /// The whole decoded error value (fields included), for display.
    pub details: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ContractClientError {
    #[error("cannot load contract bundle {path}: {reason}")]
    Bundle { path: PathBuf, reason: String },
    #[error("{0}")]
    Transcode(String),
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error("{message}: ink! could not dispatch the call ({variant})")]
    LangError { message: String, variant: String },
    #[error("{message} reverted (return data 0x{data})")]
    Reverted { message: String, data: String },
    #[error("{message} failed in the runtime: {failure}")]
    Dispatch {
        message: String,
        failure: DispatchFailure,
    },
    #[error("transaction included but no {0} event was found")]
    MissingEvent(&'static str),
    #[error(transparent)]
    Chain(#[from] ChainError),
}

type Result<T, E = ContractClientError> = std::result::Result<T, E>;

fn transcode_err(e: impl std::fmt::Display) -> ContractClientError {
    ContractClientError::Transcode(format!("{e:#}"))
}

/// A `.contract` bundle: metadata plus the Wasm code.
#[derive(Debug, Clone)]
pub struct ContractBundle {
    pub metadata: ContractMetadata,
    pub wasm: Vec<u8>,
    /// `blake2_256(wasm)`, the on-chain code hash.
    pub code_hash: [u8; 32],
}

impl ContractBundle {
    /// Load `target/ink/<name>/<name>.contract` (the `.json` has no code and is refused).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bundle_err = |reason: String| ContractClientError::Bundle {
            path: path.to_path_buf(),
            reason,
        };
        let metadata = ContractMetadata::load(path).map_err(|e| bundle_err(format!("{e:#}")))?;
        Self::from_metadata(metadata).map_err(|e| bundle_err(e.to_string()))
    }

    /// A bundle from the bytes of a `.contract` file (the ones built into the binary).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let bundle_err = |reason: String| ContractClientError::Bundle {
            path: PathBuf::from("<built-in bundle>"),
            reason,
        };
        let metadata: ContractMetadata =
            serde_json::from_slice(bytes).map_err(|e| bundle_err(e.to_string()))?;
        Self::from_metadata(metadata).map_err(|e| bundle_err(e.to_string()))
    }

    pub fn from_metadata(metadata: ContractMetadata) -> Result<Self> {
        let wasm = metadata
            .source
            .wasm
            .as_ref()
            .ok_or_else(|| {
                ContractClientError::Transcode(
                    "no Wasm code in the metadata: use the .contract bundle, not the .json".into(),
                )
            })?
            .0
            .clone();
        let code_hash = blake2_256(&wasm);
        Ok(ContractBundle {
            metadata,
            wasm,
            code_hash,
        })
    }

    pub fn name(&self) -> &str {
        &self.metadata.contract.name
    }

    /// How cargo-contract built the code (`source.build_info.build_mode` of the metadata):
    /// `Release`, `Verifiable` (a release build in cargo-contract's container) or `Debug`
    /// (debug printing and panic messages compiled in: bigger and slower code; ink_e2e and a
    /// plain `cargo contract build` make these). `None` when the bundle does not say.
    pub fn build_mode(&self) -> Option<&str> {
        self.metadata
            .source
            .build_info
            .as_ref()?
            .get("build_mode")?
            .as_str()
    }

    /// Built with `cargo contract build --release` (or `--verifiable`, also a release build).
    pub fn is_release(&self) -> bool {
        matches!(self.build_mode(), Some("Release" | "Verifiable"))
    }

    pub fn codec(&self) -> Result<ContractCodec> {
        ContractCodec::from_metadata(&self.metadata)
    }
}

/// A message's or constructor's signature, from the ink! metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInfo {
    pub label: String,
    pub constructor: bool,
    pub mutates: bool,
    pub payable: bool,
    /// `(name, type as written in the contract)`.
    pub args: Vec<(String, String)>,
    pub docs: String,
}

/// A decoded contract event.
#[derive(Debug, Clone)]
pub struct ContractEvent {
    /// The contract that emitted it.
    pub contract: AccountId32,
    /// The event name, when the emitter's metadata was available.
    pub name: Option<String>,
    /// `(field, value)` in declaration order.
    pub fields: Vec<(String, InkValue)>,
    /// The raw event data (without the length prefix).
    pub data: Vec<u8>,
    pub topics: Vec<[u8; 32]>,
}

impl ContractEvent {
    pub fn field(&self, name: &str) -> Option<&InkValue> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Encoding and decoding for one contract's ink! metadata.
#[derive(Clone)]
pub struct ContractCodec {
    transcoder: Arc<ContractMessageTranscoder>,
}

impl std::fmt::Debug for ContractCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContractCodec").finish_non_exhaustive()
    }
}

impl ContractCodec {
    pub fn from_metadata(metadata: &ContractMetadata) -> Result<Self> {
        let transcoder =
            ContractMessageTranscoder::try_from(metadata.clone()).map_err(transcode_err)?;
        Ok(ContractCodec {
            transcoder: Arc::new(transcoder),
        })
    }

    pub fn from_ink_project(project: InkProject) -> Self {
        ContractCodec {
            transcoder: Arc::new(ContractMessageTranscoder::new(project)),
        }
    }

    /// Load from a `.contract` or `.json` metadata file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let metadata = ContractMetadata::load(path).map_err(|e| ContractClientError::Bundle {
            path: path.to_path_buf(),
            reason: format!("{e:#}"),
        })?;
        Self::from_metadata(&metadata)
    }

    pub fn project(&self) -> &InkProject {
        self.transcoder.metadata()
    }

    /// Selector + SCALE arguments for a message or constructor. Arguments use
    /// contract-transcode's syntax: `42`, `"text"`, `true`, `Some(5Grw...)`, `None`,
    /// `[1, 2]`, `(1, 2)`, `0x00ff`, `OfferTerms { title: "x", price: 5 }`, SS58 for `AccountId`.
    pub fn encode(&self, name: &str, args: &[String]) -> Result<Vec<u8>> {
        self.transcoder.encode(name, args).map_err(transcode_err)
    }

    /// The 4-byte selector of a message or constructor.
    pub fn selector(&self, name: &str) -> Result<[u8; 4]> {
        let spec = self.project().spec();
        let bytes = spec
            .messages()
            .iter()
            .find(|m| m.label() == name)
            .map(|m| m.selector().to_bytes())
            .or_else(|| {
                spec.constructors()
                    .iter()
                    .find(|c| c.label() == name)
                    .map(|c| c.selector().to_bytes())
            })
            .ok_or_else(|| {
                ContractClientError::Transcode(format!("no message or constructor named '{name}'"))
            })?;
        let mut out = [0u8; 4];
        out.copy_from_slice(&bytes[..4]);
        Ok(out)
    }

    /// Selector followed by the SCALE encoding of `args` (a tuple of the message's arguments,
    /// or a single value): for callers that hold typed arguments instead of transcode strings.
    pub fn encode_typed<A: scale::Encode>(&self, name: &str, args: &A) -> Result<Vec<u8>> {
        let mut input = self.selector(name)?.to_vec();
        args.encode_to(&mut input);
        Ok(input)
    }

    /// The signature of a message or constructor.
    pub fn info(&self, name: &str) -> Result<MessageInfo> {
        let spec = self.project().spec();
        let arg_list = |args: &[contract_transcode::ink_metadata::MessageParamSpec<
            scale_info::form::PortableForm,
        >]| {
            args.iter()
                .map(|a| {
                    (
                        a.label().to_string(),
                        a.ty().display_name().segments.join("::"),
                    )
                })
                .collect::<Vec<_>>()
        };
        if let Some(m) = spec.messages().iter().find(|m| m.label() == name) {
            return Ok(MessageInfo {
                label: name.to_string(),
                constructor: false,
                mutates: m.mutates(),
                payable: m.payable(),
                args: arg_list(m.args()),
                docs: m.docs().join("\n"),
            });
        }
        if let Some(c) = spec.constructors().iter().find(|c| c.label() == name) {
            return Ok(MessageInfo {
                label: name.to_string(),
                constructor: true,
                mutates: true,
                payable: *c.payable(),
                args: arg_list(c.args()),
                docs: c.docs().join("\n"),
            });
        }
        Err(ContractClientError::Transcode(format!(
            "no message or constructor named '{name}'"
        )))
    }

    /// Names of all messages.
    pub fn messages(&self) -> Vec<String> {
        self.project()
            .spec()
            .messages()
            .iter()
            .map(|m| m.label().to_string())
            .collect()
    }

    /// Decode a message's return data (`Result<T, LangError>` in ink! 5) and unwrap it:
    /// `Ok(Ok(v))` → `v` for fallible messages, `Ok(v)` → `v` otherwise; `Err(LangError)` and
    /// the contract's `Err(Error::X)` become errors.
    pub fn decode_message_return(&self, message: &str, data: &[u8]) -> Result<InkValue> {
        let value = self
            .transcoder
            .decode_message_return(message, &mut &data[..])
            .map_err(transcode_err)?;
        let fallible = self.message_returns_result(message);
        self.unwrap_return(message, value, fallible)
    }

    /// Decode a constructor's return data (`Result<(), LangError>` or
    /// `Result<Result<(), E>, LangError>`).
    pub fn decode_constructor_return(&self, constructor: &str, data: &[u8]) -> Result<InkValue> {
        let value = self
            .transcoder
            .decode_constructor_return(constructor, &mut &data[..])
            .map_err(transcode_err)?;
        let fallible = self.constructor_returns_result(constructor);
        self.unwrap_return(constructor, value, fallible)
    }

    fn unwrap_return(&self, message: &str, value: InkValue, fallible: bool) -> Result<InkValue> {
        let (outer, inner) = split_variant(&value);
        match outer.as_deref() {
            Some("Ok") => {}
            Some("Err") => {
                return Err(ContractClientError::LangError {
                    message: message.to_string(),
                    variant: inner
                        .as_ref()
                        .map(|v| variant_name(v).unwrap_or_else(|| v.to_string()))
                        .unwrap_or_default(),
                })
            }
            _ => return Ok(value),
        }
        let inner = inner.unwrap_or(InkValue::Unit);
        if !fallible {
            return Ok(inner);
        }
        let (result, payload) = split_variant(&inner);
        match result.as_deref() {
            Some("Ok") => Ok(payload.unwrap_or(InkValue::Unit)),
            Some("Err") => {
                let err = payload.unwrap_or(InkValue::Unit);
                Err(ContractError {
                    message: message.to_string(),
                    variant: variant_name(&err).unwrap_or_else(|| err.to_string()),
                    details: err.to_string(),
                }
                .into())
            }
            _ => Ok(inner),
        }
    }

    /// Whether the message's `T` in `Result<T, LangError>` is itself a `Result`.
    fn message_returns_result(&self, message: &str) -> bool {
        self.project()
            .spec()
            .messages()
            .iter()
            .find(|m| m.label() == message)
            .map(|m| self.ok_type_is_result(m.return_type().ret_type().ty().id))
            .unwrap_or(false)
    }

    fn constructor_returns_result(&self, constructor: &str) -> bool {
        self.project()
            .spec()
            .constructors()
            .iter()
            .find(|c| c.label() == constructor)
            .map(|c| self.ok_type_is_result(c.return_type().ret_type().ty().id))
            .unwrap_or(false)
    }

    fn ok_type_is_result(&self, outer_id: u32) -> bool {
        let registry = self.project().registry();
        let Some(outer) = registry.resolve(outer_id) else {
            return false;
        };
        let TypeDef::Variant(v) = &outer.type_def else {
            return false;
        };
        let Some(ok) = v.variants.iter().find(|v| v.name == "Ok") else {
            return false;
        };
        let Some(field) = ok.fields.first() else {
            return false;
        };
        registry
            .resolve(field.ty.id)
            .map(|t| t.path.segments.last().map(String::as_str) == Some("Result"))
            .unwrap_or(false)
    }

    /// Decode the input of a call (selector + SCALE arguments) into the message's name and
    /// named arguments.
    pub fn decode_message_call(&self, data: &[u8]) -> Result<(String, Vec<(String, InkValue)>)> {
        let value = self
            .transcoder
            .decode_contract_message(&mut &data[..])
            .map_err(transcode_err)?;
        let InkValue::Map(map) = value else {
            return Err(ContractClientError::Transcode(
                "unexpected message shape".into(),
            ));
        };
        let args = map.iter().map(|(k, v)| (map_key(k), v.clone())).collect();
        Ok((map.ident().unwrap_or_default(), args))
    }

    /// Decode a `Contracts::ContractEmitted` payload given the event record's topics
    /// (ink! 5: the first topic is the event's signature topic).
    pub fn decode_event(
        &self,
        contract: &AccountId32,
        topics: &[[u8; 32]],
        data: &[u8],
    ) -> Result<ContractEvent> {
        let sig = topics
            .first()
            .ok_or_else(|| ContractClientError::Transcode("anonymous event".into()))?;
        let mut prefixed = scale::Encode::encode(&scale::Compact(data.len() as u32));
        prefixed.extend_from_slice(data);
        let value = self
            .transcoder
            .decode_contract_event(sig, &mut &prefixed[..])
            .map_err(transcode_err)?;
        let InkValue::Map(map) = value else {
            return Err(ContractClientError::Transcode(
                "unexpected event shape".into(),
            ));
        };
        Ok(ContractEvent {
            contract: *contract,
            name: map.ident(),
            fields: map.iter().map(|(k, v)| (map_key(k), v.clone())).collect(),
            data: data.to_vec(),
            topics: topics.to_vec(),
        })
    }
}

/// A field name of a decoded map.
fn map_key(k: &InkValue) -> String {
    match k {
        InkValue::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `Name(inner)` → `(Some("Name"), Some(inner))`; `Name` → `(Some("Name"), None)`.
fn split_variant(v: &InkValue) -> (Option<String>, Option<InkValue>) {
    match v {
        InkValue::Tuple(t) => {
            let mut values = t.values();
            let first = values.next().cloned();
            if values.next().is_some() {
                (t.ident(), Some(v.clone()))
            } else {
                (t.ident(), first)
            }
        }
        InkValue::Map(m) => (m.ident(), Some(v.clone())),
        _ => (None, None),
    }
}

fn variant_name(v: &InkValue) -> Option<String> {
    match v {
        InkValue::Tuple(t) => t.ident(),
        InkValue::Map(m) => m.ident(),
        InkValue::Literal(s) => Some(s.clone()),
        _ => None,
    }
}

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
struct RawCallResult {
    gas_consumed: Weight,
    gas_required: Weight,
    storage_deposit: StorageDeposit,
    debug_message: Vec<u8>,
    result: std::result::Result<RawExecReturnValue, Value>,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct RawInstantiateResult {
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
}

/// A state-changing call that went through.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// Contract events, decoded when emitted by this contract.
    pub events: Vec<ContractEvent>,
    pub fee_paid: Option<u128>,
    pub weight: Option<Weight>,
    /// The dry run's decoded return value.
    pub return_value: InkValue,
    pub tx: TxOutcome,
}

/// A deployed contract: its address and codec.
#[derive(Debug, Clone)]
pub struct Contract {
    pub address: AccountId32,
    pub codec: ContractCodec,
}

const REVERT_FLAG: u128 = 1;

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
        let at = chain.at_best().await?;
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
        let raw = at
            .runtime_apis()
            .call(payload)
            .await
            .map_err(crate::chain::rpc_err)?;
        let metadata = at.metadata();
        let (reverted, data, result) = match raw.result {
            Ok(ret) => {
                let reverted = flags_revert(&ret.flags);
                let decoded = self.codec.decode_message_return(message, &ret.data);
                let result = match (reverted, decoded) {
                    (_, Err(e)) => Err(e),
                    (true, Ok(_)) => Err(ContractClientError::Reverted {
                        message: message.to_string(),
                        data: hex::encode(&ret.data),
                    }),
                    (false, Ok(v)) => Ok(v),
                };
                (reverted, ret.data, result)
            }
            Err(dispatch) => (
                true,
                Vec::new(),
                Err(ContractClientError::Dispatch {
                    message: message.to_string(),
                    failure: describe_dispatch_value(&metadata, &dispatch),
                }),
            ),
        };
        Ok(DryRun {
            gas_consumed: raw.gas_consumed,
            gas_required: raw.gas_required,
            storage_deposit: raw.storage_deposit,
            reverted,
            data,
            result: result.map_err(Arc::new),
            debug_message: String::from_utf8_lossy(&raw.debug_message).into_owned(),
            address: None,
        })
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
    /// (gas limit = `gas_required` + 10 %, storage deposit limit from the dry run).
    pub async fn prepare_call(
        &self,
        chain: &Chain,
        signer: &Keypair,
        message: &str,
        input: Vec<u8>,
        value: u128,
    ) -> Result<PreparedCall> {
        let dry = self
            .dry_run_input(chain, &signer.account_id(), message, input.clone(), value)
            .await?;
        let gas_limit = dry.gas_required.with_margin(GAS_MARGIN_PERCENT);
        let deposit_limit = dry.storage_deposit.limit();
        let gas_required = dry.gas_required;
        let storage_deposit = dry.storage_deposit;
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
        })
    }

    fn call_payload(&self, prepared: &PreparedCall) -> impl subxt::tx::Payload {
        subxt::dynamic::tx(
            "Contracts",
            "call",
            (
                MultiAddress::<AccountId32, ()>::Id(self.address),
                prepared.value,
                prepared.gas_limit.to_value(),
                Some(prepared.deposit_limit),
                prepared.input.clone(),
            ),
        )
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
        Ok(self.call_outcome(outcome, prepared.return_value))
    }

    /// This contract's decoded events and the costs of an included call.
    fn call_outcome(&self, outcome: TxOutcome, return_value: InkValue) -> CallOutcome {
        CallOutcome {
            events: decode_contract_events(&outcome, &[&self.codec], Some(&self.address)),
            fee_paid: outcome.fee_paid,
            weight: outcome.weight,
            return_value,
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
                Ok(self.call_outcome(outcome, p.return_value))
            })
            .collect())
    }

    /// Dry-run deploying `bundle` with `constructor(args)` (`ContractsApi_instantiate`):
    /// nothing is sent. The result says whether it would succeed and, in `address`, where.
    pub async fn dry_run_deploy(
        chain: &Chain,
        origin: &AccountId32,
        bundle: &ContractBundle,
        constructor: &str,
        args: &[String],
        value: u128,
        salt: &[u8],
    ) -> Result<DryRun> {
        let codec = bundle.codec()?;
        let data = codec.encode(constructor, args)?;
        let code_exists = code_exists(chain, &bundle.code_hash).await?;
        dry_run_instantiate(
            chain,
            origin,
            &codec,
            bundle,
            code_exists,
            constructor,
            &data,
            value,
            salt,
        )
        .await
    }

    /// Deploy `bundle` with `constructor(args)`: dry-run `ContractsApi_instantiate`, then
    /// `instantiate_with_code` (or `instantiate` when the code is already on chain), and read
    /// the address from `Contracts::Instantiated`.
    pub async fn upload_and_instantiate(
        chain: &Chain,
        signer: &Keypair,
        bundle: &ContractBundle,
        constructor: &str,
        args: &[String],
        value: u128,
        salt: &[u8],
    ) -> Result<(Contract, CallOutcome)> {
        let codec = bundle.codec()?;
        let data = codec.encode(constructor, args)?;
        let code_exists = code_exists(chain, &bundle.code_hash).await?;
        let dry = dry_run_instantiate(
            chain,
            &signer.account_id(),
            &codec,
            bundle,
            code_exists,
            constructor,
            &data,
            value,
            salt,
        )
        .await?;
        let gas_limit = dry.gas_required.with_margin(GAS_MARGIN_PERCENT).to_value();
        let deposit_limit = Some(dry.storage_deposit.limit());
        let return_value = dry.into_value()?;
        let outcome = if code_exists {
            let tx = subxt::dynamic::tx(
                "Contracts",
                "instantiate",
                (
                    value,
                    gas_limit,
                    deposit_limit,
                    Value::from_bytes(bundle.code_hash),
                    data,
                    salt.to_vec(),
                ),
            );
            chain.submit(signer, &tx, None).await
        } else {
            let tx = subxt::dynamic::tx(
                "Contracts",
                "instantiate_with_code",
                (
                    value,
                    gas_limit,
                    deposit_limit,
                    bundle.wasm.clone(),
                    data,
                    salt.to_vec(),
                ),
            );
            chain.submit(signer, &tx, None).await
        }
        .map_err(|e| with_message(constructor, e))?;
        let address = outcome
            .find("Contracts", "Instantiated")
            .find_map(|e| e.field("contract").and_then(value_account))
            .ok_or(ContractClientError::MissingEvent("Contracts::Instantiated"))?;
        let contract = Contract::new(address, codec);
        let events = decode_contract_events(&outcome, &[&contract.codec], Some(&contract.address));
        Ok((
            contract,
            CallOutcome {
                events,
                fee_paid: outcome.fee_paid,
                weight: outcome.weight,
                return_value,
                tx: outcome,
            },
        ))
    }
}

/// Is `code_hash` already stored (`Contracts.CodeInfoOf`)?
pub async fn code_exists(chain: &Chain, code_hash: &[u8; 32]) -> Result<bool> {
    let at = chain.at_best().await?;
    let addr = subxt::dynamic::storage::<(Value,), Value>("Contracts", "CodeInfoOf");
    let found = at
        .storage()
        .try_fetch(addr, (Value::from_bytes(code_hash),))
        .await
        .map_err(crate::chain::rpc_err)?;
    Ok(found.is_some())
}

/// The code hash of the contract at `address` (`Contracts.ContractInfoOf`), `None` when there
/// is no contract there.
pub async fn contract_code_hash(chain: &Chain, address: &AccountId32) -> Result<Option<[u8; 32]>> {
    use scale_value::At;
    let at = chain.at_best().await?;
    let addr = subxt::dynamic::storage::<(Value,), Value>("Contracts", "ContractInfoOf");
    let Some(found) = at
        .storage()
        .try_fetch(addr, (Value::from_bytes(address.0),))
        .await
        .map_err(crate::chain::rpc_err)?
    else {
        return Ok(None);
    };
    let info: Value = found
        .decode()
        .map_err(|e| crate::chain::ChainError::Decode(e.to_string()))?;
    let hash = info
        .at("code_hash")
        .and_then(value_account)
        .ok_or_else(|| crate::chain::ChainError::Decode("ContractInfo has no code_hash".into()))?;
    Ok(Some(hash.0))
}

/// Is there a contract at `address` (`Contracts.ContractInfoOf`)?
pub async fn contract_exists(chain: &Chain, address: &AccountId32) -> Result<bool> {
    let at = chain.at_best().await?;
    let addr = subxt::dynamic::storage::<(Value,), Value>("Contracts", "ContractInfoOf");
    let found = at
        .storage()
        .try_fetch(addr, (Value::from_bytes(address.0),))
        .await
        .map_err(crate::chain::rpc_err)?;
    Ok(found.is_some())
}

#[allow(clippy::too_many_arguments)]
async fn dry_run_instantiate(
    chain: &Chain,
    origin: &AccountId32,
    codec: &ContractCodec,
    bundle: &ContractBundle,
    code_exists: bool,
    constructor: &str,
    data: &[u8],
    value: u128,
    salt: &[u8],
) -> Result<DryRun> {
    let code = if code_exists {
        Value::unnamed_variant("Existing", [Value::from_bytes(bundle.code_hash)])
    } else {
        Value::unnamed_variant("Upload", [Value::from_bytes(&bundle.wasm)])
    };
    let at = chain.at_best().await?;
    let payload = subxt::dynamic::runtime_api_call::<_, RawInstantiateResult>(
        "ContractsApi",
        "instantiate",
        (
            *origin,
            value,
            None::<Value>,
            None::<u128>,
            code,
            data.to_vec(),
            salt.to_vec(),
        ),
    );
    let raw = at
        .runtime_apis()
        .call(payload)
        .await
        .map_err(crate::chain::rpc_err)?;
    let metadata = at.metadata();
    let (reverted, ret_data, address, result) = match raw.result {
        Ok(ret) => {
            let reverted = flags_revert(&ret.result.flags);
            // A successful constructor returns nothing to decode in some ink! versions.
            let decoded = if ret.result.data.is_empty() && !reverted {
                Ok(InkValue::Unit)
            } else {
                codec.decode_constructor_return(constructor, &ret.result.data)
            };
            let result = match (reverted, decoded) {
                (_, Err(e)) => Err(e),
                (true, Ok(_)) => Err(ContractClientError::Reverted {
                    message: constructor.to_string(),
                    data: hex::encode(&ret.result.data),
                }),
                (false, Ok(v)) => Ok(v),
            };
            (reverted, ret.result.data, Some(ret.account_id), result)
        }
        Err(dispatch) => (
            true,
            Vec::new(),
            None,
            Err(ContractClientError::Dispatch {
                message: constructor.to_string(),
                failure: describe_dispatch_value(&metadata, &dispatch),
            }),
        ),
    };
    Ok(DryRun {
        gas_consumed: raw.gas_consumed,
        gas_required: raw.gas_required,
        storage_deposit: raw.storage_deposit,
        reverted,
        data: ret_data,
        result: result.map_err(Arc::new),
        debug_message: String::from_utf8_lossy(&raw.debug_message).into_owned(),
        address,
    })
}

/// Decode every `Contracts::ContractEmitted` in `outcome`, trying each codec (e.g. escrow and
/// reputation); `only` restricts decoding attempts to events from that contract. Events no
/// codec understands are kept with `name: None`.
pub fn decode_contract_events(
    outcome: &TxOutcome,
    codecs: &[&ContractCodec],
    only: Option<&AccountId32>,
) -> Vec<ContractEvent> {
    outcome
        .find("Contracts", "ContractEmitted")
        .filter_map(|ev| decode_emitted(ev, codecs, only))
        .collect()
}

/// One `Contracts::ContractEmitted` event decoded with the first codec that understands it
/// (kept with `name: None` if none does); `None` for any other event.
pub fn decode_emitted(
    ev: &ChainEvent,
    codecs: &[&ContractCodec],
    only: Option<&AccountId32>,
) -> Option<ContractEvent> {
    if !ev.is("Contracts", "ContractEmitted") {
        return None;
    }
    let contract = ev.field("contract").and_then(value_account)?;
    // Field bytes: contract id (32) then the SCALE `Vec<u8>` data.
    let mut rest = ev.field_bytes.get(32..)?;
    let data: Vec<u8> = scale::Decode::decode(&mut rest).ok()?;
    let decoded = if only.is_none_or(|a| *a == contract) {
        codecs
            .iter()
            .find_map(|c| c.decode_event(&contract, &ev.topics, &data).ok())
    } else {
        None
    };
    Some(decoded.unwrap_or(ContractEvent {
        contract,
        name: None,
        fields: Vec::new(),
        data,
        topics: ev.topics.clone(),
    }))
}

/// Name the message in a dispatch failure of the real transaction.
fn with_message(message: &str, e: ChainError) -> ContractClientError {
    match e {
        ChainError::Dispatch(failure) => ContractClientError::Dispatch {
            message: message.to_string(),
            failure,
        },
        other => ContractClientError::Chain(other),
    }
}

/// `ReturnFlags { bits }` (or a bare u32) has the REVERT bit set.
fn flags_revert(flags: &Value) -> bool {
    crate::chain::value_u128(flags).is_some_and(|bits| bits & REVERT_FLAG != 0)
}

/// An `AccountId32` decoded as a dynamic value: 32 u8s, possibly wrapped in a newtype.
fn value_account<T>(v: &scale_value::Value<T>) -> Option<AccountId32> {
    use scale_value::ValueDef;
    match &v.value {
        ValueDef::Composite(c) if c.len() == 32 => {
            let bytes: Vec<u8> = c
                .values()
                .map(|b| crate::chain::value_u128(b).and_then(|n| u8::try_from(n).ok()))
                .collect::<Option<_>>()?;
            Some(AccountId32(bytes.try_into().ok()?))
        }
        ValueDef::Composite(c) if c.len() == 1 => c.values().next().and_then(value_account),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
