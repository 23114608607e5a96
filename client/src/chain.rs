//! Connection to a substrate-contracts-node: balances, transfers and transaction submission.
//!
//! Uses subxt's legacy RPC backend (`author_submitAndWatchExtrinsic`, `chain_*`, `state_*`),
//! which every Substrate node serves, and dynamic (metadata-driven) calls only.

use std::time::Duration;

use scale_value::{Composite, Value, ValueDef};
use subxt::backend::LegacyBackend;
use subxt::client::OnlineClientAtBlock;
use subxt::config::{RpcConfigFor, SubstrateExtrinsicParamsBuilder};
use subxt::error::DispatchError;
use subxt::ext::scale_decode::DecodeAsType;
use subxt::rpcs::{LegacyRpcMethods, RpcClient};
use subxt::tx::{Payload, TransactionProgress, TransactionStatus};
use subxt::utils::{AccountId32, MultiAddress, H256};
use subxt::{ArcMetadata, Metadata, OnlineClient, SubstrateConfig};

use crate::signer::Keypair;
use crate::units::TokenUnits;

/// The chain configuration used throughout the client.
pub type ChainConfig = SubstrateConfig;
/// A client pinned to one block.
pub type AtBlock = OnlineClientAtBlock<ChainConfig>;
type Progress =
    TransactionProgress<ChainConfig, subxt::client::OnlineClientAtBlockImpl<ChainConfig>>;

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("node at {url} is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("invalid node URL '{url}': expected ws:// or wss://")]
    InvalidUrl { url: String },
    #[error("node RPC failed: {0}")]
    Rpc(String),
    #[error("transaction rejected by the node: {0}")]
    Rejected(String),
    #[error("transaction failed: {}", .0)]
    Dispatch(DispatchFailure),
    #[error("cannot decode chain data: {0}")]
    Decode(String),
    #[error("{0}")]
    Other(String),
}

/// A `DispatchError` in readable form: `Balances::InsufficientBalance` plus its docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchFailure {
    /// `Pallet::Error` for module errors, else the `DispatchError` variant (e.g. `Token::FundsUnavailable`).
    pub name: String,
    /// The error's doc comment from the runtime metadata (may be empty).
    pub docs: String,
}

impl std::fmt::Display for DispatchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.docs.is_empty() {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{} ({})", self.name, self.docs)
        }
    }
}

/// The cause of an RPC client error without its layers: subxt and jsonrpsee each prefix the
/// same words ("RPC error: client error: RPC error: client error: ...") and set no `source`.
fn root_cause(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let mut rest = text.as_str();
    while let Some(stripped) = [
        "RPC error: ",
        "client error: ",
        "Rpc error: ",
        "Client error: ",
    ]
    .iter()
    .find_map(|prefix| rest.strip_prefix(prefix))
    {
        rest = stripped;
    }
    rest.to_string()
}

fn transfer_payload(to: &AccountId32, amount: u128) -> impl Payload {
    subxt::dynamic::tx(
        "Balances",
        "transfer_keep_alive",
        (MultiAddress::<AccountId32, ()>::Id(*to), amount),
    )
}

pub(crate) fn rpc_err(e: impl std::fmt::Display) -> ChainError {
    ChainError::Rpc(e.to_string())
}

/// `ref_time` / `proof_size` weight, as in `sp_weights::Weight`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct Weight {
    pub ref_time: u64,
    pub proof_size: u64,
}

impl Weight {
    /// The weight as a `scale_value::Value`, for dynamic calls.
    pub fn to_value(self) -> Value {
        Value::named_composite([
            ("ref_time", Value::u128(self.ref_time as u128)),
            ("proof_size", Value::u128(self.proof_size as u128)),
        ])
    }

    /// Add `percent` % to both components (rounding up).
    pub fn with_margin(self, percent: u64) -> Weight {
        let up = |v: u64| v.saturating_add(v.saturating_mul(percent).div_ceil(100));
        Weight {
            ref_time: up(self.ref_time),
            proof_size: up(self.proof_size),
        }
    }
}

/// One runtime event, decoded with the runtime metadata.
#[derive(Debug, Clone)]
pub struct ChainEvent {
    pub pallet: String,
    pub variant: String,
    pub fields: Composite<()>,
    /// Raw SCALE bytes of the fields (for decoders that need them, e.g. contract events).
    pub field_bytes: Vec<u8>,
    pub topics: Vec<[u8; 32]>,
}

impl ChainEvent {
    pub fn is(&self, pallet: &str, variant: &str) -> bool {
        self.pallet == pallet && self.variant == variant
    }

    /// A named field of the event.
    pub fn field(&self, name: &str) -> Option<&Value> {
        composite_field(&self.fields, name)
    }
}

/// What an included transaction did.
#[derive(Debug, Clone)]
pub struct TxOutcome {
    pub block_hash: [u8; 32],
    pub extrinsic_hash: [u8; 32],
    /// The extrinsic's events, in order.
    pub events: Vec<ChainEvent>,
    /// `TransactionPayment::TransactionFeePaid.actual_fee`, if the runtime emitted it.
    pub fee_paid: Option<u128>,
    /// The dispatch weight reported by `System::ExtrinsicSuccess`.
    pub weight: Option<Weight>,
    /// Waited for finality ([`WaitFor::Finalized`]); otherwise the block was only the best.
    pub finalized: bool,
}

/// What a submission waits for before it counts as done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WaitFor {
    /// In a best block: quick, but a reorg may still retract it (the Development default).
    #[default]
    InBlock,
    /// In a finalized block: a transaction retracted on the way is waited for again, and one
    /// dropped after a retraction is reported, never counted as done (the default elsewhere).
    Finalized,
}

impl TxOutcome {
    pub fn find(&self, pallet: &str, variant: &str) -> impl Iterator<Item = &ChainEvent> {
        let (pallet, variant) = (pallet.to_string(), variant.to_string());
        self.events.iter().filter(move |e| e.is(&pallet, &variant))
    }
}

/// All events of one block.
#[derive(Debug, Clone)]
pub struct BlockEvents {
    pub number: u64,
    pub hash: [u8; 32],
    /// `(extrinsic index, event)`; the index is `None` for initialization/finalization events.
    pub events: Vec<(Option<u32>, ChainEvent)>,
}

/// A connected node.
#[derive(Clone)]
pub struct Chain {
    url: String,
    api: OnlineClient<ChainConfig>,
    rpc: LegacyRpcMethods<RpcConfigFor<ChainConfig>>,
    /// The connection itself, for RPC methods subxt has no wrapper for (`childstate_*`).
    rpc_client: RpcClient,
    units: TokenUnits,
    ss58_prefix: u16,
    /// `system_chainType`: "Development", "Local", "Live" or a custom name.
    chain_type: String,
    wait: WaitFor,
    tx: TxChoices,
    /// The nonce the user chose for the session's next transaction: `--nonce` numbers a
    /// command's transactions on from there (deploy sends several).
    chosen_nonce: std::sync::Arc<std::sync::Mutex<Option<u64>>>,
}

/// How long a signed transaction stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mortality {
    Immortal,
    /// Valid for this many blocks from the best block at signing: a power of two, 4 to 65536.
    Period(u64),
}

impl Mortality {
    /// `0` or `immortal`, else a period. subxt would silently round any other number up to a
    /// power of two, so a period the era cannot encode exactly is refused instead.
    pub fn parse(text: &str) -> Result<Mortality, String> {
        if text.eq_ignore_ascii_case("immortal") {
            return Ok(Mortality::Immortal);
        }
        match text.parse::<u64>() {
            Ok(0) => Ok(Mortality::Immortal),
            Ok(n) if n.is_power_of_two() && (4..=65536).contains(&n) => Ok(Mortality::Period(n)),
            _ => Err(format!(
                "'{text}' is no mortality: expected 0 or `immortal`, or a period in blocks that \
                 is a power of two from 4 to 65536"
            )),
        }
    }
}

/// What the user chose for every transaction of a session (`--nonce`, `--tip`,
/// `--mortality`); the defaults leave the choice to the client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxChoices {
    /// The nonce of the (first) transaction; `None`: the account's next, from the pool.
    pub nonce: Option<u64>,
    /// Plancks paid to the block author on top of the fee.
    pub tip: u128,
    /// `None`: immortal on Development chains, [`MORTAL_PERIOD`] elsewhere.
    pub mortality: Option<Mortality>,
}

/// The chain type whose conveniences the client keeps (dev accounts, immortal transactions,
/// the remark that moves the clock).
pub const DEVELOPMENT: &str = "Development";

/// `twox_128("System") ++ twox_128("Account")`: the prefix of every `System.Account` key,
/// the same on every FRAME chain.
const SYSTEM_ACCOUNT_PREFIX: [u8; 32] = [
    0x26, 0xaa, 0x39, 0x4e, 0xea, 0x56, 0x30, 0xe0, 0x7c, 0x48, 0xae, 0x0c, 0x95, 0x58, 0xce, 0xf7,
    0xb9, 0x9d, 0x88, 0x0e, 0xc6, 0x81, 0x79, 0x9c, 0x0c, 0xf3, 0x0e, 0x88, 0x86, 0x37, 0x1d, 0xa9,
];
/// How often a transaction whose automatic nonce another one took is sent again with the next.
/// Each clash has a winner, so clients racing on one account need one retry fewer than they
/// are: a single retry left the third of four parallel `account fund` failing.
const NONCE_RETRIES: usize = 7;
/// Blocks a transaction stays valid for off Development chains.
pub const MORTAL_PERIOD: u64 = 64;

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("url", &self.url)
            .field("units", &self.units)
            .field("ss58_prefix", &self.ss58_prefix)
            .finish()
    }
}

impl Chain {
    /// Connect to `url` (ws:// or wss://), reading the genesis hash and token properties.
    /// Gives up with [`ChainError::Unreachable`] after `timeout`; never hangs.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Chain, ChainError> {
        if !(url.starts_with("ws://") || url.starts_with("wss://")) {
            return Err(ChainError::InvalidUrl {
                url: url.to_string(),
            });
        }
        let unreachable = |reason: String| ChainError::Unreachable {
            url: url.to_string(),
            reason,
        };
        let attempt = async {
            let rpc_client = RpcClient::from_insecure_url(url)
                .await
                .map_err(|e| unreachable(root_cause(&e)))?;
            let rpc = LegacyRpcMethods::<RpcConfigFor<ChainConfig>>::new(rpc_client.clone());
            let rpc_client_for_calls = rpc_client.clone();
            let backend = LegacyBackend::<ChainConfig>::builder().build(rpc_client);
            let api = OnlineClient::from_backend_with_config(
                ChainConfig::default(),
                std::sync::Arc::new(backend),
            )
            .await
            .map_err(|e| unreachable(root_cause(&e)))?;
            let props = rpc.system_properties().await.map_err(rpc_err)?;
            let chain_type = rpc.system_chain_type().await.map_err(rpc_err)?;
            let ss58_prefix = ss58_prefix_from_properties(&props);
            Ok::<_, ChainError>(Chain {
                url: url.to_string(),
                api,
                rpc,
                rpc_client: rpc_client_for_calls,
                units: token_units_from_properties(&props),
                ss58_prefix,
                chain_type,
                wait: WaitFor::InBlock,
                tx: TxChoices::default(),
                chosen_nonce: Default::default(),
            })
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(unreachable(format!("no answer within {timeout:?}"))),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// What every submission waits for from now on.
    pub fn set_wait(&mut self, wait: WaitFor) {
        self.wait = wait;
    }

    pub fn wait(&self) -> WaitFor {
        self.wait
    }

    /// Nonce, tip and mortality of every transaction from now on.
    pub fn set_tx_choices(&mut self, tx: TxChoices) {
        self.tx = tx;
        self.chosen_nonce = std::sync::Arc::new(std::sync::Mutex::new(tx.nonce));
    }

    pub fn tx_choices(&self) -> TxChoices {
        self.tx
    }

    /// What the node says it is (`system_chainType`).
    pub fn chain_type(&self) -> &str {
        &self.chain_type
    }

    /// A Development chain: dev accounts may sign by default, transactions are immortal (the
    /// instant-seal node forks under load) and a remark may move the clock.
    pub fn is_development(&self) -> bool {
        self.chain_type == DEVELOPMENT
    }

    /// The underlying subxt client.
    pub fn api(&self) -> &OnlineClient<ChainConfig> {
        &self.api
    }

    /// The raw legacy RPC methods.
    pub fn rpc(&self) -> &LegacyRpcMethods<RpcConfigFor<ChainConfig>> {
        &self.rpc
    }

    /// The raw RPC client, for methods [`Chain::rpc`] does not wrap (`childstate_*`).
    pub fn rpc_client(&self) -> &RpcClient {
        &self.rpc_client
    }

    /// Token decimals and symbol from `system_properties`.
    pub fn units(&self) -> &TokenUnits {
        &self.units
    }

    /// The chain's SS58 address prefix (`ss58Format` of `system_properties`, else 42).
    pub fn ss58_prefix(&self) -> u16 {
        self.ss58_prefix
    }

    /// `account` as an SS58 address of this chain.
    pub fn ss58(&self, account: &[u8; 32]) -> String {
        crate::units::to_ss58_with_prefix(account, self.ss58_prefix)
    }

    pub fn genesis_hash(&self) -> [u8; 32] {
        self.api.genesis_hash().0
    }

    /// A client at the current best block (not just the finalized one).
    pub async fn at_best(&self) -> Result<AtBlock, ChainError> {
        let hash = self
            .rpc
            .chain_get_block_hash(None)
            .await
            .map_err(rpc_err)?
            .ok_or_else(|| ChainError::Rpc("node has no best block".into()))?;
        self.api.at_block(hash).await.map_err(rpc_err)
    }

    /// The runtime metadata at the best block.
    pub async fn metadata(&self) -> Result<ArcMetadata, ChainError> {
        Ok(self.at_best().await?.metadata())
    }

    /// The number of each new best block as the node imports it (`chain_subscribeNewHeads`).
    /// The stream ends, or yields an error, when the connection drops.
    pub async fn best_heads(
        &self,
    ) -> Result<impl futures::Stream<Item = Result<u64, ChainError>> + Send + 'static, ChainError>
    {
        use futures::StreamExt;
        let heads = self
            .rpc
            .chain_subscribe_new_heads()
            .await
            .map_err(rpc_err)?;
        Ok(heads.map(|h| h.map(|h| h.number).map_err(rpc_err)))
    }

    pub async fn best_block_number(&self) -> Result<u64, ChainError> {
        let header = self
            .rpc
            .chain_get_header(None)
            .await
            .map_err(rpc_err)?
            .ok_or_else(|| ChainError::Rpc("node has no best block header".into()))?;
        Ok(header.number)
    }

    /// Free balance of `account` at the best block (0 for an unknown account).
    pub async fn free_balance(&self, account: &AccountId32) -> Result<u128, ChainError> {
        // One `state_getStorage` at the best block. Through subxt's typed storage API the same
        // read costs four calls (the best hash, its header, a `Core_version` runtime call
        // for the metadata, then the value), which the explorer's account pages felt.
        let mut key = SYSTEM_ACCOUNT_PREFIX.to_vec();
        key.extend(crate::storage_key::hash_key(&account.0));
        let Some(value) = self
            .rpc
            .state_get_storage(&key, None)
            .await
            .map_err(rpc_err)?
        else {
            return Ok(0);
        };
        // frame_system's AccountInfo: nonce, consumers, providers, sufficients (u32 each),
        // then pallet_balances' AccountData, whose first field is `free`.
        value
            .get(16..32)
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .map(u128::from_le_bytes)
            .ok_or_else(|| {
                ChainError::Decode(format!(
                    "System.Account of {} is {} bytes, too short for an AccountInfo",
                    self.ss58(&account.0),
                    value.len()
                ))
            })
    }

    /// `Timestamp.Now` of the best block, in ms: the time contracts see.
    pub async fn best_timestamp(&self) -> Result<u64, ChainError> {
        let at = self.at_best().await?;
        let addr = subxt::dynamic::storage::<(), u64>("Timestamp", "Now");
        let value = at.storage().fetch(addr, ()).await.map_err(rpc_err)?;
        value
            .decode()
            .map_err(|e| ChainError::Decode(e.to_string()))
    }

    /// The next nonce for `account`, counting transactions already in the pool.
    pub async fn next_nonce(&self, account: &AccountId32) -> Result<u64, ChainError> {
        self.rpc
            .system_account_next_index(account)
            .await
            .map_err(rpc_err)
    }

    /// `Balances.transfer_keep_alive(to, amount)`, waiting for inclusion.
    pub async fn transfer_keep_alive(
        &self,
        signer: &Keypair,
        to: &AccountId32,
        amount: u128,
    ) -> Result<TxOutcome, ChainError> {
        self.submit(signer, &transfer_payload(to, amount), None)
            .await
    }

    /// The fee the node estimates for [`Chain::transfer_keep_alive`].
    pub async fn transfer_fee_estimate(
        &self,
        signer: &Keypair,
        to: &AccountId32,
        amount: u128,
    ) -> Result<u128, ChainError> {
        self.estimate_fee(signer, &transfer_payload(to, amount))
            .await
    }

    /// Sign and submit `call`, wait until it is in a best block, and return its events.
    /// An `ExtrinsicFailed` becomes [`ChainError::Dispatch`]. `nonce: None` takes `--nonce`,
    /// else the account's next nonce counting the pool; when another transaction of the
    /// account took such an automatic nonce meanwhile (parallel clients), the call is sent
    /// again with the next one, up to [`NONCE_RETRIES`] times. A nonce the caller or the user
    /// chose is never changed.
    pub async fn submit<C: Payload>(
        &self,
        signer: &Keypair,
        call: &C,
        nonce: Option<u64>,
    ) -> Result<TxOutcome, ChainError> {
        let chosen = nonce.or_else(|| self.take_chosen_nonces(1));
        let send = |nonce: u64| async move {
            let progress = self.sign_and_watch(signer, call, nonce).await?;
            wait_for(progress, self.wait).await
        };
        if let Some(nonce) = chosen {
            return send(nonce).await;
        }
        let mut nonce = self.next_nonce(&signer.account_id()).await?;
        let mut retries = 0;
        loop {
            match send(nonce).await {
                Err(ChainError::Rejected(reason))
                    if retries < NONCE_RETRIES && is_nonce_clash(&reason) =>
                {
                    tracing::warn!(
                        "nonce {nonce} taken by another transaction ({reason}); sending again"
                    );
                    retries += 1;
                    // The pool may not list the transaction that took it yet (it is being
                    // sealed), so never the same nonce again.
                    nonce = self.next_nonce(&signer.account_id()).await?.max(nonce + 1);
                }
                other => return other,
            }
        }
    }

    /// Pipeline several calls from one signer: the nonce is fetched once and incremented
    /// locally, every call is submitted before waiting for any inclusion. One result per call,
    /// in order. If the node rejects a submission, later calls are not submitted (their nonces
    /// could never be used) and report that.
    pub async fn submit_many<C: Payload>(
        &self,
        signer: &Keypair,
        calls: &[C],
    ) -> Result<Vec<Result<TxOutcome, ChainError>>, ChainError> {
        let first = match self.take_chosen_nonces(calls.len() as u64) {
            Some(n) => n,
            None => self.next_nonce(&signer.account_id()).await?,
        };
        let mut submitted = Vec::with_capacity(calls.len());
        let mut rejected = false;
        for (i, call) in calls.iter().enumerate() {
            if rejected {
                submitted.push(Err(ChainError::Other(format!(
                    "transaction {i} of the batch not submitted: an earlier one was rejected"
                ))));
                continue;
            }
            let progress = self.sign_and_watch(signer, call, first + i as u64).await;
            rejected = progress.is_err();
            submitted.push(progress);
        }
        // Waited for together: a batch whose transactions the node stops reporting (a fork
        // left them behind) fails after one STATUS_TIMEOUT, not one per transaction.
        let waits = submitted.into_iter().map(|progress| async move {
            match progress {
                Ok(p) => wait_for(p, self.wait).await,
                Err(e) => Err(e),
            }
        });
        Ok(futures::future::join_all(waits).await)
    }

    /// The user's next `count` nonces, from `--nonce` on (`None`: none chosen).
    fn take_chosen_nonces(&self, count: u64) -> Option<u64> {
        let mut next = self.chosen_nonce.lock().unwrap_or_else(|e| e.into_inner());
        let first = (*next)?;
        *next = Some(first + count);
        Some(first)
    }

    /// The fee the node estimates for `call` signed by `signer` (`TransactionPaymentApi_query_info`
    /// partial fee: base + length + weight fee, no tip). Nothing is submitted.
    pub async fn estimate_fee<C: Payload>(
        &self,
        signer: &Keypair,
        call: &C,
    ) -> Result<u128, ChainError> {
        let params = SubstrateExtrinsicParamsBuilder::<ChainConfig>::new()
            .tip(self.tx.tip)
            .build();
        let mut txs = self.at_best().await?.transactions();
        let signed = txs
            .create_signed(call, signer, params)
            .await
            .map_err(|e| ChainError::Rejected(e.to_string()))?;
        signed.partial_fee_estimate().await.map_err(rpc_err)
    }

    /// The events of block `number` of the best chain (`None` past the best block).
    pub async fn block_events(&self, number: u64) -> Result<Option<BlockEvents>, ChainError> {
        let Some(hash) = self
            .rpc
            .chain_get_block_hash(Some(number.into()))
            .await
            .map_err(rpc_err)?
        else {
            return Ok(None);
        };
        let out = self.events_at(hash.0).await?;
        Ok(Some(BlockEvents {
            number,
            hash: hash.0,
            events: out,
        }))
    }

    /// Submit an extrinsic that was signed elsewhere (an offline signer's) and wait for it as
    /// [`Self::submit`] does. Sent once: its nonce is in its signature.
    pub async fn submit_encoded(&self, extrinsic: Vec<u8>) -> Result<TxOutcome, ChainError> {
        let txs = self.at_best().await?.transactions();
        let progress = txs
            .from_bytes(extrinsic)
            .submit_and_watch()
            .await
            .map_err(rejection)?;
        wait_for(progress, self.wait).await
    }

    async fn sign_and_watch<C: Payload>(
        &self,
        signer: &Keypair,
        call: &C,
        nonce: u64,
    ) -> Result<Progress, ChainError> {
        // Immortal on Development: under load the instant-seal dev node can fork, and a mortal
        // transaction signed against a block that a reorg removed fails with "bad signature"
        // (the nonce still prevents replays). Anywhere else mortal, as wallets do: a
        // transaction that was not included soon can never be included later by surprise.
        let mortality = self.tx.mortality.unwrap_or(if self.is_development() {
            Mortality::Immortal
        } else {
            Mortality::Period(MORTAL_PERIOD)
        });
        let params = SubstrateExtrinsicParamsBuilder::<ChainConfig>::new()
            .nonce(nonce)
            .tip(self.tx.tip);
        let params = match mortality {
            Mortality::Immortal => params.immortal(),
            Mortality::Period(blocks) => params.mortal(blocks),
        };
        let mut txs = self.at_best().await?.transactions();
        txs.sign_and_submit_then_watch(call, signer, params.build())
            .await
            .map_err(rejection)
    }
}

/// A submission the node refused, with the pool's reason: subxt shows only the JSON-RPC
/// message ("Invalid Transaction (1010)"), the reason ("Transaction is outdated") is in its
/// data.
fn rejection(e: subxt::error::ExtrinsicError) -> ChainError {
    use subxt::error::{BackendError, ExtrinsicError, RpcError};
    let reason = match &e {
        ExtrinsicError::ErrorSubmittingTransaction(BackendError::Rpc(RpcError::ClientError(
            subxt::rpcs::Error::User(user),
        ))) => user
            .data
            .as_ref()
            .map(|data| data.get().trim_matches('"').to_string()),
        _ => None,
    };
    ChainError::Rejected(match reason {
        Some(reason) => format!("{e}: {reason}"),
        None => e.to_string(),
    })
}

/// The pool's words for "this nonce is taken": another transaction with it is in the pool
/// (1014, priority too low) or in a block (1010, outdated / stale), or the pool dropped ours
/// as invalid once another with its nonce was included. None of these was included.
fn is_nonce_clash(reason: &str) -> bool {
    ["Priority is too low", "outdated", "stale", "bad nonce"]
        .iter()
        .any(|words| reason.contains(words))
}

/// Wait for the transaction to be in a best block ([`WaitFor::InBlock`]) or a finalized one,
/// then collect its events.
/// How long a submitted transaction may go without any status update before we give up on it
/// (e.g. its block was retracted and the node never reports it again).
const STATUS_TIMEOUT: Duration = Duration::from_secs(60);

async fn wait_for(mut progress: Progress, wait: WaitFor) -> Result<TxOutcome, ChainError> {
    let extrinsic_hash = progress.extrinsic_hash();
    let mut retracted = false;
    let after_retraction = |retracted: bool| {
        if retracted {
            " after a reorg retracted the block that had it; it is NOT done"
        } else {
            ""
        }
    };
    loop {
        let status = match tokio::time::timeout(STATUS_TIMEOUT, progress.next()).await {
            Ok(Some(status)) => status,
            Ok(None) => break,
            Err(_) => {
                return Err(ChainError::Rejected(format!(
                    "no news of transaction 0x{} for {STATUS_TIMEOUT:?}: the node dropped or \
                     forgot it; check the account's nonce and state before sending again",
                    hex::encode(extrinsic_hash.0)
                )))
            }
        };
        let in_block = match status.map_err(rpc_err)? {
            TransactionStatus::InBestBlock(b) if wait == WaitFor::InBlock => b,
            TransactionStatus::InFinalizedBlock(b) => b,
            TransactionStatus::NoLongerInBestBlock => {
                retracted = true;
                tracing::warn!(
                    "transaction 0x{} was retracted by a reorg; waiting for it again",
                    hex::encode(extrinsic_hash.0)
                );
                continue;
            }
            TransactionStatus::Error { message } => {
                return Err(ChainError::Rejected(format!(
                    "{message}{}",
                    after_retraction(retracted)
                )))
            }
            TransactionStatus::Invalid { message } => {
                return Err(ChainError::Rejected(format!(
                    "invalid: {message}{}",
                    after_retraction(retracted)
                )))
            }
            TransactionStatus::Dropped { message } => {
                return Err(ChainError::Rejected(format!(
                    "dropped: {message}{}",
                    after_retraction(retracted)
                )))
            }
            _ => continue,
        };
        let events = match in_block.wait_for_success().await {
            Ok(events) => events,
            Err(subxt::error::TransactionEventsError::ExtrinsicFailed(e)) => {
                return Err(ChainError::Dispatch(describe_dispatch_error(&e)))
            }
            Err(e) => return Err(rpc_err(e)),
        };
        let mut out = Vec::new();
        for ev in events.iter() {
            let ev = ev.map_err(|e| ChainError::Decode(e.to_string()))?;
            out.push(chain_event(&ev)?);
        }
        let mut outcome = outcome_from_events(in_block.block_hash().0, extrinsic_hash.0, out);
        outcome.finalized = wait == WaitFor::Finalized;
        return Ok(outcome);
    }
    Err(ChainError::Rejected(
        "the node closed the transaction status stream before inclusion".into(),
    ))
}

pub(crate) fn chain_event(
    ev: &subxt::events::Event<'_, ChainConfig>,
) -> Result<ChainEvent, ChainError> {
    let fields = ev
        .decode_fields_unchecked_as::<Composite<()>>()
        .map_err(|e| ChainError::Decode(e.to_string()))?;
    Ok(ChainEvent {
        pallet: ev.pallet_name().to_string(),
        variant: ev.event_name().to_string(),
        fields,
        field_bytes: ev.field_bytes().to_vec(),
        topics: ev.topics().iter().map(|t: &H256| t.0).collect(),
    })
}

fn outcome_from_events(
    block_hash: [u8; 32],
    extrinsic_hash: [u8; 32],
    events: Vec<ChainEvent>,
) -> TxOutcome {
    let fee_paid = events
        .iter()
        .find(|e| {
            e.is("TransactionPayment", "TransactionFeePaid")
                || e.is("AssetTxPayment", "AssetTxFeePaid")
        })
        .and_then(|e| e.field("actual_fee"))
        .and_then(value_u128);
    let weight = events
        .iter()
        .find(|e| e.is("System", "ExtrinsicSuccess"))
        .and_then(|e| e.field("dispatch_info"))
        .and_then(dispatch_info_weight);
    TxOutcome {
        block_hash,
        extrinsic_hash,
        events,
        fee_paid,
        weight,
        finalized: false,
    }
}

/// `DispatchInfo.weight` (older runtimes) or `call_weight + extension_weight` (newer ones).
fn dispatch_info_weight(info: &Value) -> Option<Weight> {
    let ValueDef::Composite(c) = &info.value else {
        return None;
    };
    let parse = |v: &Value| -> Option<Weight> {
        let ValueDef::Composite(w) = &v.value else {
            return None;
        };
        Some(Weight {
            ref_time: composite_field(w, "ref_time").and_then(value_u128)? as u64,
            proof_size: composite_field(w, "proof_size").and_then(value_u128)? as u64,
        })
    };
    if let Some(w) = composite_field(c, "weight").and_then(parse) {
        return Some(w);
    }
    let call = composite_field(c, "call_weight").and_then(parse)?;
    let ext = composite_field(c, "extension_weight")
        .and_then(parse)
        .unwrap_or_default();
    Some(Weight {
        ref_time: call.ref_time.saturating_add(ext.ref_time),
        proof_size: call.proof_size.saturating_add(ext.proof_size),
    })
}

/// A named field of a composite value.
pub(crate) fn composite_field<'a, T>(c: &'a Composite<T>, name: &str) -> Option<&'a Value<T>> {
    match c {
        Composite::Named(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
        Composite::Unnamed(_) => None,
    }
}

/// A number, looking through single-field wrappers (e.g. `Compact`, newtypes).
pub(crate) fn value_u128<T>(v: &Value<T>) -> Option<u128> {
    match &v.value {
        ValueDef::Primitive(p) => p.as_u128(),
        ValueDef::Composite(c) if c.len() == 1 => c.values().next().and_then(value_u128),
        _ => None,
    }
}

/// Read decimals and symbol from `system_properties`; single values or arrays (multi-token
/// chains, first one wins). Missing values fall back to substrate-contracts-node's 12 / UNIT.
pub fn token_units_from_properties(
    props: &serde_json::Map<String, serde_json::Value>,
) -> TokenUnits {
    let first = |v: &serde_json::Value| match v {
        serde_json::Value::Array(a) => a.first().cloned(),
        other => Some(other.clone()),
    };
    let default = TokenUnits::default();
    let decimals = props
        .get("tokenDecimals")
        .and_then(first)
        .and_then(|v| v.as_u64())
        .and_then(|d| u8::try_from(d).ok())
        .unwrap_or(default.decimals);
    let symbol = props
        .get("tokenSymbol")
        .and_then(first)
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or(default.symbol);
    TokenUnits { decimals, symbol }
}

/// `ss58Format` from `system_properties`; the generic prefix 42 when it is missing or out of
/// SS58's range.
pub fn ss58_prefix_from_properties(props: &serde_json::Map<String, serde_json::Value>) -> u16 {
    props
        .get("ss58Format")
        .and_then(|v| v.as_u64())
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p <= crate::units::MAX_SS58_PREFIX)
        .unwrap_or(crate::units::GENERIC_SS58_PREFIX)
}

/// Query just the SS58 prefix of the node at `url` (one `system_properties` call, no metadata),
/// for commands that otherwise work without a node. `None` when the node does not answer
/// within `timeout`.
pub async fn query_ss58_prefix(url: &str, timeout: Duration) -> Option<u16> {
    if !(url.starts_with("ws://") || url.starts_with("wss://")) {
        return None;
    }
    let attempt = async {
        let rpc_client = RpcClient::from_insecure_url(url).await.ok()?;
        let rpc = LegacyRpcMethods::<RpcConfigFor<ChainConfig>>::new(rpc_client);
        let props = rpc.system_properties().await.ok()?;
        Some(ss58_prefix_from_properties(&props))
    };
    tokio::time::timeout(timeout, attempt).await.ok().flatten()
}

/// Readable name and docs of a transaction's `DispatchError`.
pub fn describe_dispatch_error(e: &DispatchError) -> DispatchFailure {
    match e {
        DispatchError::Module(m) => match m.details() {
            Ok(d) => DispatchFailure {
                name: format!("{}::{}", d.pallet.name(), d.variant.name),
                docs: d.variant.docs.join(" ").trim().to_string(),
            },
            Err(_) => DispatchFailure {
                name: m.to_string(),
                docs: String::new(),
            },
        },
        other => DispatchFailure {
            name: format!("{other:?}").replace('(', "::").replace(')', ""),
            docs: String::new(),
        },
    }
}

/// Readable name and docs of a `DispatchError` decoded as a dynamic value (e.g. from a dry run).
pub fn describe_dispatch_value<T>(metadata: &Metadata, v: &Value<T>) -> DispatchFailure {
    let ValueDef::Variant(variant) = &v.value else {
        return DispatchFailure {
            name: "unknown DispatchError".into(),
            docs: String::new(),
        };
    };
    if variant.name == "Module" {
        let vals: Vec<&Value<T>> = variant.values.values().collect();
        if let Some(ValueDef::Composite(module_err)) = vals.first().map(|v| &v.value) {
            let index = composite_field(module_err, "index").and_then(value_u128);
            let error = composite_field(module_err, "error").and_then(|e| match &e.value {
                ValueDef::Composite(bytes) => bytes.values().next().and_then(value_u128),
                _ => value_u128(e),
            });
            if let (Some(index), Some(error)) = (index, error) {
                if let Some(pallet) = metadata.pallet_by_error_index(index as u8) {
                    if let Some(var) = pallet.error_variant_by_index(error as u8) {
                        return DispatchFailure {
                            name: format!("{}::{}", pallet.name(), var.name),
                            docs: var.docs.join(" ").trim().to_string(),
                        };
                    }
                }
                return DispatchFailure {
                    name: format!("Module(pallet {index}, error {error})"),
                    docs: String::new(),
                };
            }
        }
    }
    let inner = variant.values.values().next().and_then(|v| match &v.value {
        ValueDef::Variant(inner) => Some(inner.name.clone()),
        _ => None,
    });
    DispatchFailure {
        name: match inner {
            Some(inner) => format!("{}::{inner}", variant.name),
            None => variant.name.clone(),
        },
        docs: String::new(),
    }
}

/// An `AccountId32` decoded as a dynamic value: 32 u8s, possibly wrapped in a newtype.
pub fn value_account<T>(v: &scale_value::Value<T>) -> Option<AccountId32> {
    use scale_value::ValueDef;
    match &v.value {
        ValueDef::Composite(c) if c.len() == 32 => {
            let bytes: Vec<u8> = c
                .values()
                .map(|b| value_u128(b).and_then(|n| u8::try_from(n).ok()))
                .collect::<Option<_>>()?;
            Some(AccountId32(bytes.try_into().ok()?))
        }
        ValueDef::Composite(c) if c.len() == 1 => c.values().next().and_then(value_account),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn ss58_prefix_from_chain_properties() {
        let props = |text: &str| -> serde_json::Map<String, serde_json::Value> {
            serde_json::from_str(text).unwrap()
        };
        assert_eq!(
            ss58_prefix_from_properties(&props(r#"{"ss58Format": 0}"#)),
            0
        );
        assert_eq!(
            ss58_prefix_from_properties(&props(r#"{"ss58Format": 1284}"#)),
            1284
        );
        assert_eq!(ss58_prefix_from_properties(&props("{}")), 42);
        assert_eq!(
            ss58_prefix_from_properties(&props(r#"{"ss58Format": 70000}"#)),
            42
        );
    }

    #[test]
    fn token_properties_single_and_array() {
        let props: serde_json::Map<_, _> =
            serde_json::from_str(r#"{"tokenDecimals": 10, "tokenSymbol": "DOT", "ss58Format": 0}"#)
                .unwrap();
        assert_eq!(
            token_units_from_properties(&props),
            TokenUnits::new(10, "DOT")
        );
        let props: serde_json::Map<_, _> =
            serde_json::from_str(r#"{"tokenDecimals": [12, 6], "tokenSymbol": ["KSM", "X"]}"#)
                .unwrap();
        assert_eq!(
            token_units_from_properties(&props),
            TokenUnits::new(12, "KSM")
        );
        assert_eq!(
            token_units_from_properties(&serde_json::Map::new()),
            TokenUnits::default()
        );
    }

    #[test]
    fn weight_margin_rounds_up() {
        let w = Weight {
            ref_time: 1001,
            proof_size: 10,
        };
        assert_eq!(
            w.with_margin(10),
            Weight {
                ref_time: 1102,
                proof_size: 11
            }
        );
    }

    #[test]
    fn dispatch_info_weight_old_and_new_layouts() {
        let w = |r: u128, p: u128| {
            Value::named_composite([("ref_time", Value::u128(r)), ("proof_size", Value::u128(p))])
        };
        let old = Value::named_composite([
            ("weight", w(5, 6)),
            ("class", Value::unnamed_variant("Normal", [])),
        ]);
        assert_eq!(
            dispatch_info_weight(&old),
            Some(Weight {
                ref_time: 5,
                proof_size: 6
            })
        );
        let new = Value::named_composite([("call_weight", w(5, 6)), ("extension_weight", w(1, 1))]);
        assert_eq!(
            dispatch_info_weight(&new),
            Some(Weight {
                ref_time: 6,
                proof_size: 7
            })
        );
    }

    #[tokio::test]
    async fn unreachable_node_fails_fast() {
        // Bind then drop a listener to get a local port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("ws://127.0.0.1:{port}");
        let started = Instant::now();
        let err = Chain::connect(&url, Duration::from_secs(3))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ChainError::Unreachable { url: u, .. } if *u == url),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn silent_node_times_out() {
        // A TCP server that accepts but never answers the websocket handshake.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let _server = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((sock, _)) = listener.accept().await {
                held.push(sock);
            }
        });
        let started = Instant::now();
        let err = Chain::connect(&url, Duration::from_millis(500))
            .await
            .unwrap_err();
        assert!(matches!(err, ChainError::Unreachable { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[tokio::test]
    async fn rejects_non_ws_urls() {
        let err = Chain::connect("http://127.0.0.1:9944", Duration::from_secs(1))
            .await
            .unwrap_err();
        assert!(matches!(err, ChainError::InvalidUrl { .. }));
    }
}
