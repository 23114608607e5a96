//! The operations behind the `escrow` subcommands: one function per subcommand, each returning a
//! serialisable result struct (printed by [`crate::output`]).

pub mod accounts;
pub mod arbiters;
pub mod deals;
pub mod demo;
pub mod deploy;
pub mod dry_run;
pub mod events;
pub mod explain;
pub mod node;
pub mod offer_index;
pub mod offers;
pub mod ratings;
pub mod types;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use contract_transcode::Value as InkValue;
use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;

use crate::chain::{Chain, ChainError};
use crate::contract::{
    contract_code_hash, decode_contract_events, Contract, ContractBundle, ContractClientError,
    ContractCodec, ContractEvent,
};
use crate::keystore::{Keystore, KeystoreError, ResolvedAccount};
use crate::node_config::contract_bundle;
use crate::signer::Keypair;
use crate::units::{TokenUnits, UnitsError};

use self::types::{LangError, Localize};

/// How long to wait for a node before calling it unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// Bad input caught before anything was sent (exit code 2).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Units(#[from] UnitsError),
    /// The contract refused the call in its dry run (nothing was submitted, no fee spent).
    #[error("{message} refused by the {contract} contract: {variant}: {explanation}")]
    Contract {
        contract: String,
        message: String,
        variant: String,
        explanation: String,
    },
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Client(ContractClientError),
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    #[error("{0}")]
    Failed(String),
    /// `--dry-run`: the write stopped after its dry run, nothing was sent. Not a failure:
    /// the CLI prints the report and exits 0.
    #[error("dry run of {}: nothing was sent", .0.call)]
    DryRun(Box<dry_run::DryRunReport>),
    /// Off a Development chain a write waits for the user's yes: the caller shows the report
    /// (value, fee), asks, and runs the command again with `assume_yes`. Nothing was sent.
    #[error(
        "{} on a {} chain needs confirmation: run it in a terminal to be asked, or pass -y",
        .report.call,
        .chain_type
    )]
    NeedsConfirmation {
        chain_type: String,
        report: Box<dry_run::DryRunReport>,
    },
}

impl OpError {
    /// 2 for bad usage (nothing was sent), 1 for everything that failed on chain or network.
    pub fn exit_code(&self) -> i32 {
        match self {
            OpError::DryRun(_) => 0,
            OpError::Usage(_) | OpError::Units(_) | OpError::NeedsConfirmation { .. } => 2,
            OpError::Keystore(
                KeystoreError::UnknownAccount(_)
                | KeystoreError::NotFound(_)
                | KeystoreError::InvalidName(_)
                | KeystoreError::Exists(_)
                | KeystoreError::InvalidSecret { .. }
                | KeystoreError::Signer(_),
            ) => 2,
            _ => 1,
        }
    }

    /// A short machine-readable kind for `--output json`.
    pub fn kind(&self) -> &'static str {
        match self {
            OpError::Usage(_) | OpError::Units(_) => "usage",
            OpError::Contract { .. } => "contract",
            OpError::Chain(ChainError::Unreachable { .. } | ChainError::InvalidUrl { .. }) => {
                "unreachable"
            }
            OpError::Chain(_) | OpError::Client(_) => "chain",
            OpError::Keystore(_) => {
                if self.exit_code() == 2 {
                    "usage"
                } else {
                    "keystore"
                }
            }
            OpError::Failed(_) => "failed",
            OpError::DryRun(_) => "dry_run",
            OpError::NeedsConfirmation { .. } => "usage",
        }
    }

    /// The contract error variant, if the contract refused.
    pub fn contract_variant(&self) -> Option<&str> {
        match self {
            OpError::Contract { variant, .. } => Some(variant),
            _ => None,
        }
    }
}

impl From<ContractClientError> for OpError {
    fn from(e: ContractClientError) -> Self {
        match e {
            ContractClientError::Chain(c) => OpError::Chain(c),
            other => OpError::Client(other),
        }
    }
}

pub fn usage(msg: impl Into<String>) -> OpError {
    OpError::Usage(msg.into())
}

pub type OpResult<T> = Result<T, OpError>;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputMode {
    #[default]
    Text,
    Json,
}

/// Settings shared by every command (the global flags).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `None`: the node config's rpc_port on localhost.
    pub url: Option<String>,
    pub output: OutputMode,
    pub deployment: Option<PathBuf>,
    pub keystore: Option<PathBuf>,
    pub as_account: Option<String>,
    /// An sr25519 secret URI to sign with (`--suri`, `ESCROW_SURI`); excludes `as_account`.
    pub suri: Option<String>,
    /// Stop every write after its dry run ([`OpError::DryRun`]): nothing is sent.
    pub dry_run: bool,
    /// `--wait`: what a submission waits for; `None`: in-block on Development, finalized
    /// elsewhere.
    pub wait: Option<crate::chain::WaitFor>,
    /// `-y`: off Development chains, send writes without asking
    /// ([`OpError::NeedsConfirmation`] otherwise).
    pub assume_yes: bool,
}

pub use crate::node_config::escrow_home;

pub fn default_url() -> String {
    crate::node_config::NodeConfig::load_default()
        .map(|c| c.rpc_url())
        .unwrap_or_else(|_| "ws://127.0.0.1:9944".to_string())
}

impl Settings {
    pub fn url(&self) -> String {
        self.url.clone().unwrap_or_else(default_url)
    }

    pub fn deployment_path(&self) -> PathBuf {
        self.deployment
            .clone()
            .unwrap_or_else(|| escrow_home().join("deployments.json"))
    }

    /// Where `rate commit` keeps salts: next to the deployment file.
    pub fn ratings_path(&self) -> PathBuf {
        self.beside_deployment("ratings.json")
    }

    /// Where local indexes live: next to the deployment file.
    pub fn index_dir(&self) -> PathBuf {
        self.beside_deployment("index")
    }

    /// `name` in the deployment file's directory (`$ESCROW_HOME` by default).
    fn beside_deployment(&self, name: &str) -> PathBuf {
        match &self.deployment {
            Some(d) => d
                .parent()
                .map(|p| p.join(name))
                .unwrap_or_else(|| PathBuf::from(name)),
            None => escrow_home().join(name),
        }
    }

    pub fn open_keystore(&self) -> OpResult<Keystore> {
        Ok(match &self.keystore {
            Some(p) => Keystore::open(p)?,
            None => Keystore::open_default()?,
        })
    }
}

/// The addresses `escrow deploy` saved for one chain.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Deployment {
    pub escrow: String,
    pub reputation: String,
    pub deployer: String,
    /// Best block number right after the deployment: event scans start here.
    pub block: u64,
}

/// The deployment file: deployments keyed by `0x` + genesis hash.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeploymentFile {
    pub deployments: BTreeMap<String, Deployment>,
}

impl DeploymentFile {
    pub fn load(path: &Path) -> OpResult<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                OpError::Failed(format!(
                    "deployment file {} is not valid: {e}",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(OpError::Failed(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    pub fn save(&self, path: &Path) -> OpResult<()> {
        write_json_file(path, self)
    }
}

/// Write `value` as pretty JSON through a temporary file and rename.
pub fn write_json_file<T: Serialize>(path: &Path, value: &T) -> OpResult<()> {
    let io = |e: std::io::Error| OpError::Failed(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_string_pretty(value).expect("serialisable"),
    )
    .map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

pub fn genesis_hex(chain: &Chain) -> String {
    format!("0x{}", hex::encode(chain.genesis_hash()))
}

/// Loads a contract bundle, with a hint when it is missing.
pub fn load_bundle(name: &str) -> OpResult<ContractBundle> {
    let path = contract_bundle(name);
    if !crate::node_config::contracts_dir_is_explicit() {
        if let Some(bytes) = crate::node_config::embedded_bundle(name) {
            return Ok(ContractBundle::from_json(bytes)?);
        }
    }
    if !path.is_file() {
        return Err(OpError::Failed(format!(
            "contract bundle {} not found: run `bash node-config/setup` (release builds of every \
             contract, copied there) or set ESCROW_CONTRACTS_DIR to a directory of release bundles",
            path.display()
        )));
    }
    Ok(ContractBundle::load(&path)?)
}

/// The two deployed contracts.
#[derive(Debug, Clone)]
pub struct Contracts {
    pub escrow: Contract,
    pub reputation: Contract,
    pub deployment: Deployment,
    /// The chain's SS58 prefix, for the accounts in decoded events.
    pub ss58_prefix: u16,
}

/// Everything a command needs once connected.
pub struct Ctx {
    pub settings: Settings,
    pub chain: Chain,
    pub keystore: Keystore,
    contracts: Option<Contracts>,
    codecs: Option<(ContractCodec, ContractCodec)>,
}

impl Ctx {
    pub async fn connect(settings: Settings) -> OpResult<Ctx> {
        let keystore = settings.open_keystore()?;
        // A malformed --suri is bad usage whether or not the node answers.
        if let Some(suri) = &settings.suri {
            suri_signer(suri)?;
        }
        let mut chain = Chain::connect(&settings.url(), CONNECT_TIMEOUT).await?;
        chain.set_wait(settings.wait.unwrap_or(if chain.is_development() {
            crate::chain::WaitFor::InBlock
        } else {
            crate::chain::WaitFor::Finalized
        }));
        Ok(Ctx {
            settings,
            chain,
            keystore,
            contracts: None,
            codecs: None,
        })
    }

    pub fn units(&self) -> &TokenUnits {
        self.chain.units()
    }

    /// Escrow and reputation codecs from the local bundles.
    pub fn codecs(&mut self) -> OpResult<(ContractCodec, ContractCodec)> {
        if self.codecs.is_none() {
            let escrow = load_bundle("escrow")?.codec()?;
            let reputation = load_bundle("reputation")?.codec()?;
            self.codecs = Some((escrow, reputation));
        }
        Ok(self.codecs.clone().expect("set above"))
    }

    /// The deployment for this chain (by genesis hash), checked to exist on chain.
    pub async fn contracts(&mut self) -> OpResult<Contracts> {
        if let Some(c) = &self.contracts {
            return Ok(c.clone());
        }
        let path = self.settings.deployment_path();
        let file = DeploymentFile::load(&path)?;
        let genesis = genesis_hex(&self.chain);
        let missing = || {
            usage(format!(
                "no deployment for this chain (genesis {genesis}); run `escrow deploy`"
            ))
        };
        let deployment = file
            .deployments
            .get(&genesis)
            .cloned()
            .ok_or_else(missing)?;
        let escrow_addr = parse_address(&deployment.escrow)?;
        let reputation_addr = parse_address(&deployment.reputation)?;
        // Fresh dev chains share their genesis hash: make sure the contracts really exist, and
        // run the code of the bundles whose metadata decodes them (never a wrong decode).
        let escrow_bundle = load_bundle("escrow")?;
        let reputation_bundle = load_bundle("reputation")?;
        for (name, address, bundle) in [
            ("escrow", &escrow_addr, &escrow_bundle),
            ("reputation", &reputation_addr, &reputation_bundle),
        ] {
            match contract_code_hash(&self.chain, address).await? {
                None => {
                    return Err(usage(format!(
                        "no deployment for this chain (genesis {genesis}); the contracts saved \
                         in {} do not exist on it (a reset chain?); run `escrow deploy`",
                        path.display()
                    )))
                }
                Some(on_chain) if on_chain != bundle.code_hash => {
                    return Err(OpError::Failed(format!(
                        "the {name} contract at {} runs code 0x{} but the bundle {} is 0x{}: \
                         use the bundles it was deployed from (ESCROW_CONTRACTS_DIR) or run \
                         `escrow deploy` again",
                        self.chain.ss58(&address.0),
                        hex::encode(on_chain),
                        crate::node_config::bundle_source(name),
                        hex::encode(bundle.code_hash)
                    )))
                }
                Some(_) => {}
            }
        }
        let (escrow_codec, reputation_codec) = (escrow_bundle.codec()?, reputation_bundle.codec()?);
        self.codecs = Some((escrow_codec.clone(), reputation_codec.clone()));
        let contracts = Contracts {
            escrow: Contract::new(escrow_addr, escrow_codec),
            reputation: Contract::new(reputation_addr, reputation_codec),
            deployment,
            ss58_prefix: self.chain.ss58_prefix(),
        };
        self.contracts = Some(contracts.clone());
        Ok(contracts)
    }

    /// The signer: `--suri`, else `--as`, else `default` (only deploy/fund/demo have one).
    pub fn signer(&self, default: Option<&str>) -> OpResult<Keypair> {
        if let Some(suri) = &self.settings.suri {
            return suri_signer(suri);
        }
        // Dev accounts sign by default only where they are meant to: a Development chain.
        let default = default.filter(|_| self.chain.is_development());
        let arg =
            match (&self.settings.as_account, default) {
                (Some(a), _) => a.clone(),
                (None, Some(d)) => d.to_string(),
                (None, None) => return Err(usage(
                    "this command signs a transaction: pass --as ACCOUNT (a keystore name or a \
                     secret URI) or --suri SURI",
                )),
            };
        signer_from(&self.keystore, &arg)
    }

    /// An account argument: keystore name, secret URI, SS58 (any prefix) or 0x-hex.
    pub fn account(&self, arg: &str) -> OpResult<AccountId32> {
        resolve_account(&self.keystore, arg)
    }

    /// Where every write stops before sending: after its dry run with `--dry-run`, or for the
    /// user's yes off a Development chain (unless `-y`). `report` says what would be sent.
    pub fn stop_before_sending(
        &self,
        report: impl FnOnce() -> Box<dry_run::DryRunReport>,
    ) -> OpResult<()> {
        if self.settings.dry_run {
            return Err(OpError::DryRun(report()));
        }
        if !self.chain.is_development() && !self.settings.assume_yes {
            return Err(OpError::NeedsConfirmation {
                chain_type: self.chain.chain_type().to_string(),
                report: report(),
            });
        }
        Ok(())
    }

    /// A progress note, as a `tracing` event the binary may show (text output only: a JSON
    /// run's caller wants results, not notes).
    pub fn note(&self, msg: impl AsRef<str>) {
        if self.settings.output == OutputMode::Text {
            tracing::info!("{}", msg.as_ref());
        }
    }

    /// Read-only message: dry-run and decode the return value as `T`.
    pub async fn read<T: scale::Decode + Localize, A: scale::Encode>(
        &self,
        contract: &Contract,
        message: &str,
        args: &A,
    ) -> OpResult<T> {
        let input = contract.codec.encode_typed(message, args)?;
        let dry = contract
            .dry_run_input(&self.chain, &contract.address, message, input, 0)
            .await?;
        if dry.reverted {
            return Err(OpError::Failed(format!(
                "{message} reverted: {:?}",
                dry.result.err()
            )));
        }
        let decoded: Result<T, LangError> = scale::Decode::decode(&mut &dry.data[..])
            .map_err(|e| OpError::Failed(format!("cannot decode the result of {message}: {e}")))?;
        let mut value = decoded.map_err(|e| OpError::Failed(format!("{message}: {e:?}")))?;
        value.localize(self.chain.ss58_prefix());
        Ok(value)
    }

    /// A state-changing call: dry run (a refusal becomes [`OpError::Contract`]), fee estimate,
    /// submission behind a spinner, decoded events of both contracts.
    pub async fn write<A: scale::Encode>(
        &mut self,
        which: Which,
        signer: &Keypair,
        message: &str,
        args: &A,
        value: u128,
    ) -> OpResult<TxReport> {
        let contracts = self.contracts().await?;
        let contract = match which {
            Which::Escrow => &contracts.escrow,
            Which::Reputation => &contracts.reputation,
        };
        let input = contract.codec.encode_typed(message, args)?;
        let prepared = contract
            .prepare_call(&self.chain, signer, message, input, value)
            .await
            .map_err(|e| refusal(which, e))?;
        let fee_estimate = contract
            .estimate_fee(&self.chain, signer, &prepared)
            .await
            .ok();
        let units = self.units().clone();
        self.note(format!(
            "{message}: dry run ok; gas required ref_time {} / proof_size {}, storage deposit {}{}",
            prepared.gas_required.ref_time,
            prepared.gas_required.proof_size,
            units.format(prepared.storage_deposit.limit()),
            fee_estimate
                .map(|f| format!(", estimated fee {}", units.format(f)))
                .unwrap_or_default()
        ));
        let gas_required = prepared.gas_required;
        let storage_deposit = prepared.storage_deposit.limit();
        let return_value = prepared.return_value.clone();
        let report = || {
            Box::new(dry_run::DryRunReport {
                call: format!("{}.{message}", which.name()),
                signer: self.chain.ss58(&signer.public_key()),
                value: value.to_string(),
                result: ink_to_json(&return_value, contracts.ss58_prefix),
                gas_required: Some(GasView {
                    ref_time: gas_required.ref_time,
                    proof_size: gas_required.proof_size,
                }),
                storage_deposit: storage_deposit.to_string(),
                fee_estimate: fee_estimate.map(|f| f.to_string()),
                notes: Vec::new(),
                then: Vec::new(),
                token: units.clone(),
            })
        };
        self.stop_before_sending(report)?;
        self.note(format!("{message}: waiting for inclusion…"));
        let result = contract
            .submit_prepared(&self.chain, signer, prepared)
            .await;
        let outcome = match result {
            Ok(o) => o,
            Err(ContractClientError::Dispatch { failure, .. })
                if failure.name.ends_with("ContractReverted") =>
            {
                // Passed the dry run, reverted in the block (the fee was paid): say why.
                let input = contract.codec.encode_typed(message, args)?;
                let again = contract
                    .dry_run_input(&self.chain, &signer.account_id(), message, input, value)
                    .await?;
                return Err(match again.into_value() {
                    Err(e) => refusal(which, e),
                    Ok(_) => {
                        OpError::Failed(format!("{message} reverted in its block ({failure})"))
                    }
                });
            }
            Err(e) => return Err(e.into()),
        };
        // A call that passed its dry run can still revert in its block (e.g. a deadline passed
        // in between: the dry run sees the previous block's timestamp). Every write message of
        // the two contracts emits an event when it succeeds, so no event means it reverted.
        if !outcome
            .tx
            .find("Contracts", "ContractEmitted")
            .any(|e| e.field_bytes.get(..32) == Some(&contract.address.0[..]))
        {
            let input = contract.codec.encode_typed(message, args)?;
            let again = contract
                .dry_run_input(&self.chain, &signer.account_id(), message, input, value)
                .await?;
            return Err(match again.into_value() {
                Err(e) => refusal(which, e),
                Ok(_) => OpError::Failed(format!(
                    "{message} was included in block 0x{} but changed nothing (the contract \
                     reverted)",
                    hex::encode(outcome.tx.block_hash)
                )),
            });
        }
        let deposit_net = net_storage_deposit(&outcome.tx, &signer.account_id());
        let events = decode_contract_events(
            &outcome.tx,
            &[&contracts.escrow.codec, &contracts.reputation.codec],
            None,
        );
        Ok(TxReport {
            message: message.to_string(),
            signer: self.chain.ss58(&signer.public_key()),
            block_hash: format!("0x{}", hex::encode(outcome.tx.block_hash)),
            finalized: outcome.tx.finalized,
            fee_estimate: fee_estimate.map(|f| f.to_string()),
            fee_paid: outcome.fee_paid.map(|f| f.to_string()),
            gas_required: GasView {
                ref_time: gas_required.ref_time,
                proof_size: gas_required.proof_size,
            },
            weight: outcome.weight.map(|w| GasView {
                ref_time: w.ref_time,
                proof_size: w.proof_size,
            }),
            storage_deposit: storage_deposit.to_string(),
            storage_deposit_paid: deposit_net.to_string(),
            return_value: ink_to_json(&return_value, contracts.ss58_prefix),
            events: events.iter().map(|e| event_view(e, &contracts)).collect(),
        })
    }
}

/// Net storage deposit moved from `who` by a transaction (held minus released).
pub fn net_storage_deposit(tx: &crate::chain::TxOutcome, who: &AccountId32) -> i128 {
    let account =
        |e: &crate::chain::ChainEvent, field: &str| e.field(field).and_then(account_bytes);
    let mut net: i128 = 0;
    for e in &tx.events {
        if e.pallet != "Contracts" {
            continue;
        }
        let amount = e
            .field("amount")
            .and_then(crate::chain::value_u128)
            .unwrap_or(0) as i128;
        match e.variant.as_str() {
            "StorageDepositTransferredAndHeld" if account(e, "from") == Some(who.0) => {
                net += amount
            }
            "StorageDepositTransferredAndReleased" if account(e, "to") == Some(who.0) => {
                net -= amount
            }
            _ => {}
        }
    }
    net
}

/// 32 bytes of an account id decoded as a dynamic value (possibly newtype-wrapped).
pub(crate) fn account_bytes<T>(v: &scale_value::Value<T>) -> Option<[u8; 32]> {
    use scale_value::ValueDef;
    match &v.value {
        ValueDef::Composite(c) if c.len() == 32 => {
            let bytes: Vec<u8> = c
                .values()
                .map(|b| crate::chain::value_u128(b).and_then(|n| u8::try_from(n).ok()))
                .collect::<Option<_>>()?;
            bytes.try_into().ok()
        }
        ValueDef::Composite(c) if c.len() == 1 => c.values().next().and_then(account_bytes),
        _ => None,
    }
}

impl Contracts {
    /// `account` as an SS58 address of the chain these contracts live on.
    pub fn ss58(&self, account: &[u8; 32]) -> String {
        crate::units::to_ss58_with_prefix(account, self.ss58_prefix)
    }
}

/// Which contract a write goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Escrow,
    Reputation,
}

impl Which {
    pub fn name(self) -> &'static str {
        match self {
            Which::Escrow => "escrow",
            Which::Reputation => "reputation",
        }
    }
}

fn refusal(which: Which, e: ContractClientError) -> OpError {
    match e {
        ContractClientError::Contract(c) => {
            let (contract, explanation) = match which {
                Which::Escrow => ("escrow", explain::escrow_error(&c.variant)),
                Which::Reputation => ("reputation", explain::reputation_error(&c.variant)),
            };
            let mut explanation = explanation.unwrap_or("").to_string();
            if c.variant == "TooEarly" {
                explanation.push_str(
                    " (checks use the latest block's timestamp; a dev chain with instant seal \
                     makes a block only when a transaction comes)",
                );
            }
            OpError::Contract {
                contract: contract.to_string(),
                message: c.message,
                explanation,
                variant: c.variant,
            }
        }
        other => other.into(),
    }
}

/// The sr25519 key of `--suri` (or ESCROW_SURI).
fn suri_signer(suri: &str) -> OpResult<Keypair> {
    Keypair::sr25519_from_uri(suri).map_err(|e| usage(format!("--suri: {e}")))
}

pub fn signer_from(keystore: &Keystore, arg: &str) -> OpResult<Keypair> {
    match keystore.resolve(arg)? {
        ResolvedAccount::Signer { keypair, .. } => Ok(*keypair),
        ResolvedAccount::ReadOnly { .. } => Err(usage(format!(
            "'{arg}' is an address, not a key this client holds: pass a keystore name or a secret URI"
        ))),
    }
}

pub fn resolve_account(keystore: &Keystore, arg: &str) -> OpResult<AccountId32> {
    keystore
        .resolve(arg)
        .map(|r| r.account_id())
        .map_err(|e| match e {
            KeystoreError::UnknownAccount(a) => usage(format!(
                "invalid account '{a}': not a keystore name, an SS58 address or a secret URI"
            )),
            other => other.into(),
        })
}

fn parse_address(s: &str) -> OpResult<AccountId32> {
    crate::units::parse_account(s)
        .map(AccountId32)
        .map_err(OpError::from)
}

#[derive(Debug, Clone, Serialize)]
pub struct GasView {
    pub ref_time: u64,
    pub proof_size: u64,
}

/// What a submitted transaction did.
#[derive(Debug, Clone, Serialize)]
pub struct TxReport {
    pub message: String,
    pub signer: String,
    pub block_hash: String,
    /// The block is finalized (`--wait finalized`); otherwise it was the best block then.
    pub finalized: bool,
    /// Plancks, as estimated by `TransactionPaymentApi_query_info` before submitting.
    pub fee_estimate: Option<String>,
    /// Plancks, from `TransactionPayment::TransactionFeePaid`.
    pub fee_paid: Option<String>,
    pub gas_required: GasView,
    /// Weight the whole extrinsic was charged (`System::ExtrinsicSuccess`).
    pub weight: Option<GasView>,
    /// Storage deposit limit (plancks) from the dry run.
    pub storage_deposit: String,
    /// Storage deposit the signer actually paid (negative: got back), plancks; from the
    /// `Contracts::StorageDepositTransferredAnd{Held,Released}` events.
    pub storage_deposit_paid: String,
    pub return_value: serde_json::Value,
    pub events: Vec<EventView>,
}

/// A decoded contract event.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    /// "escrow", "reputation" or the address of another contract.
    pub contract: String,
    pub name: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
}

pub fn event_view(e: &ContractEvent, contracts: &Contracts) -> EventView {
    let contract = if e.contract == contracts.escrow.address {
        "escrow".to_string()
    } else if e.contract == contracts.reputation.address {
        "reputation".to_string()
    } else {
        contracts.ss58(&e.contract.0)
    };
    EventView {
        contract,
        name: e.name.clone().unwrap_or_else(|| "<undecoded>".into()),
        fields: e
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), ink_to_json(v, contracts.ss58_prefix)))
            .collect(),
        block: None,
    }
}

/// contract-transcode values as plain JSON: numbers (strings above u64), SS58 strings, 0x-hex,
/// unit variants by name, `Some(x)` as `x`, `None` as null.
pub fn ink_to_json(v: &InkValue, ss58_prefix: u16) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        InkValue::Bool(b) => J::Bool(*b),
        InkValue::Char(c) => J::String(c.to_string()),
        InkValue::UInt(n) => match u64::try_from(*n) {
            Ok(n) => J::from(n),
            Err(_) => J::String(n.to_string()),
        },
        InkValue::Int(n) => match i64::try_from(*n) {
            Ok(n) => J::from(n),
            Err(_) => J::String(n.to_string()),
        },
        InkValue::String(s) => J::String(s.clone()),
        // contract-transcode decodes account ids to SS58 literals with the generic prefix 42:
        // print them in the chain's format like every other address.
        InkValue::Literal(s) => J::String(
            crate::units::parse_account(s)
                .map(|a| crate::units::to_ss58_with_prefix(&a, ss58_prefix))
                .unwrap_or_else(|_| s.clone()),
        ),
        InkValue::Hex(h) => J::String(format!("0x{}", hex::encode(h.bytes()))),
        InkValue::Unit => J::Null,
        InkValue::Seq(s) => J::Array(
            s.elems()
                .iter()
                .map(|v| ink_to_json(v, ss58_prefix))
                .collect(),
        ),
        InkValue::Map(m) => J::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        InkValue::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (key, ink_to_json(v, ss58_prefix))
                })
                .collect(),
        ),
        InkValue::Tuple(t) => {
            let values: Vec<&InkValue> = t.values().collect();
            match (t.ident().as_deref(), values.len()) {
                (Some("None"), 0) => J::Null,
                (Some("Some"), 1) => ink_to_json(values[0], ss58_prefix),
                (Some(name), 0) => J::String(name.to_string()),
                (Some(name), _) => {
                    let mut m = serde_json::Map::new();
                    m.insert(
                        name.to_string(),
                        if values.len() == 1 {
                            ink_to_json(values[0], ss58_prefix)
                        } else {
                            J::Array(
                                values
                                    .into_iter()
                                    .map(|v| ink_to_json(v, ss58_prefix))
                                    .collect(),
                            )
                        },
                    );
                    J::Object(m)
                }
                (None, _) => J::Array(
                    values
                        .into_iter()
                        .map(|v| ink_to_json(v, ss58_prefix))
                        .collect(),
                ),
            }
        }
    }
}

/// Current time in ms (the dev node's block timestamps follow the wall clock).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Parse basis points, also accepting a percentage like `60%`.
pub fn parse_bps(input: &str) -> OpResult<u16> {
    let s = input.trim();
    let bad = || {
        usage(format!(
            "invalid basis points '{input}': use 0..=10000 or a percentage like 60%"
        ))
    };
    let bps = if let Some(p) = s.strip_suffix('%') {
        let p: f64 = p.trim().parse().map_err(|_| bad())?;
        if !(0.0..=100.0).contains(&p) {
            return Err(bad());
        }
        (p * 100.0).round() as u32
    } else {
        s.parse::<u32>().map_err(|_| bad())?
    };
    if bps > u32::from(types::BPS) {
        return Err(bad());
    }
    Ok(bps as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_points_and_percentages() {
        assert_eq!(parse_bps("3000").unwrap(), 3000);
        assert_eq!(parse_bps("30%").unwrap(), 3000);
        assert_eq!(parse_bps("12.5%").unwrap(), 1250);
        assert_eq!(parse_bps("0").unwrap(), 0);
        for bad in ["10001", "101%", "-1", "x", ""] {
            assert_eq!(parse_bps(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn ink_values_become_plain_json() {
        use contract_transcode::Value as V;
        assert_eq!(ink_to_json(&V::UInt(5), 42), serde_json::json!(5));
        assert_eq!(
            ink_to_json(&V::UInt(u128::MAX), 42),
            serde_json::json!(u128::MAX.to_string())
        );
        let none = V::Tuple(contract_transcode::Tuple::new(Some("None"), vec![]));
        assert_eq!(ink_to_json(&none, 42), serde_json::Value::Null);
        let some = V::Tuple(contract_transcode::Tuple::new(
            Some("Some"),
            vec![V::UInt(1)],
        ));
        assert_eq!(ink_to_json(&some, 42), serde_json::json!(1));
        let unit = V::Tuple(contract_transcode::Tuple::new(Some("Completed"), vec![]));
        assert_eq!(ink_to_json(&unit, 42), serde_json::json!("Completed"));
    }
}
