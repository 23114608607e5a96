//! A connected session: the chain, the settings, the keystore and the deployed contracts;
//! signers, accounts and typed reads. Writes are in [`super::write`].

use std::sync::Arc;
use std::time::Duration;

use subxt::utils::AccountId32;

use crate::chain::Chain;
use crate::contract::{Contract, ContractCodec};
use crate::contract_state::contract_info;
use crate::keystore::{Keystore, KeystoreError, ResolvedAccount};
use crate::signer::Keypair;
use crate::store::ReaderPool;
use crate::types::{EscrowSettings, LangError, Localize};
use crate::units::TokenUnits;

use super::deployment::{genesis_hex, load_bundle, Contracts, DeploymentFile};
use super::dry_run;
use super::error::{usage, OpError, OpResult};
use super::settings::{OutputMode, Settings};

/// How long to wait for a node before calling it unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything a command needs once connected.
pub struct Ctx {
    pub settings: Settings,
    pub chain: Chain,
    pub keystore: Keystore,
    /// A follower keeps the event store in step with the chain (the explorer's): reads open
    /// it without syncing first.
    pub store_followed: bool,
    /// Read connections to the event store, kept open between the reads of this session and
    /// of the sessions [`Self::share`]d from it.
    pub store_readers: Arc<ReaderPool>,
    contracts: Option<Contracts>,
    codecs: Option<(ContractCodec, ContractCodec)>,
    /// The escrow's settings, once read (fixed at its instantiation).
    escrow_settings: Option<EscrowSettings>,
    /// Contract calls this session submitted: a command whose later write changed after the
    /// user's yes must not be run again from the start.
    pub(super) writes_sent: usize,
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
        let tip = flag_amount(chain.units(), "--tip", settings.tip.as_deref())?.unwrap_or(0);
        // Read now so that a bad value stops the command before its first write.
        flag_amount(
            chain.units(),
            "--storage-deposit-limit",
            settings.storage_deposit_limit.as_deref(),
        )?;
        chain.set_tx_choices(crate::chain::TxChoices {
            nonce: settings.nonce,
            tip,
            mortality: settings.mortality,
        });
        Ok(Ctx {
            settings,
            chain,
            keystore,
            store_followed: false,
            store_readers: ReaderPool::new(),
            contracts: None,
            codecs: None,
            escrow_settings: None,
            writes_sent: 0,
        })
    }

    /// Another session over the same connection, so that requests run side by side over it
    /// (the explorer's). It starts with what this one knows of the deployment; the keystore
    /// is read again from its file.
    pub fn share(&self) -> OpResult<Ctx> {
        Ok(Ctx {
            settings: self.settings.clone(),
            chain: self.chain.clone(),
            keystore: self.settings.open_keystore()?,
            store_followed: self.store_followed,
            store_readers: self.store_readers.clone(),
            contracts: self.contracts.clone(),
            codecs: self.codecs.clone(),
            escrow_settings: self.escrow_settings,
            writes_sent: 0,
        })
    }

    /// Keeps what `other` (a [`Self::share`]d session) learnt of the deployment, when this
    /// one has not learnt it yet.
    pub fn learn_from(&mut self, other: &Ctx) {
        if self.contracts.is_none() {
            self.contracts = other.contracts.clone();
        }
        if self.codecs.is_none() {
            self.codecs = other.codecs.clone();
        }
        if self.escrow_settings.is_none() {
            self.escrow_settings = other.escrow_settings;
        }
    }

    /// The escrow's windows and limits: fixed when it was instantiated, so read from its
    /// storage once per session (and the sessions shared from it).
    pub async fn escrow_settings(&mut self) -> OpResult<EscrowSettings> {
        if let Some(s) = self.escrow_settings {
            return Ok(s);
        }
        let trie = self.contracts().await?.escrow_trie;
        let settings = super::stored::read_escrow_root(&self.chain, &trie)
            .await?
            .settings;
        self.escrow_settings = Some(settings);
        Ok(settings)
    }

    /// `--storage-deposit-limit` in plancks, when given.
    pub(crate) fn deposit_limit_flag(&self) -> OpResult<Option<u128>> {
        flag_amount(
            self.units(),
            "--storage-deposit-limit",
            self.settings.storage_deposit_limit.as_deref(),
        )
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
        let requests = match &deployment.requests {
            Some(address) => Some((parse_address(address)?, load_bundle("requests")?)),
            None => None,
        };
        let mut escrow_trie = Vec::new();
        let mut checked = vec![
            ("escrow", &escrow_addr, &escrow_bundle),
            ("reputation", &reputation_addr, &reputation_bundle),
        ];
        if let Some((address, bundle)) = &requests {
            checked.push(("requests", address, bundle));
        }
        for (name, address, bundle) in checked {
            match contract_info(&self.chain, address, None).await? {
                None => {
                    return Err(usage(format!(
                        "no deployment for this chain (genesis {genesis}); the contracts saved \
                         in {} do not exist on it (a reset chain?); run `escrow deploy`",
                        path.display()
                    )))
                }
                Some(on_chain) if on_chain.code_hash != bundle.code_hash => {
                    return Err(OpError::Failed(format!(
                        "the {name} contract at {} runs code 0x{} but the bundle {} is 0x{}: \
                         use the bundles it was deployed from (ESCROW_CONTRACTS_DIR) or run \
                         `escrow deploy` again",
                        self.chain.ss58(&address.0),
                        hex::encode(on_chain.code_hash),
                        crate::node_config::bundle_source(name),
                        hex::encode(bundle.code_hash)
                    )))
                }
                Some(on_chain) if name == "escrow" => escrow_trie = on_chain.trie_id,
                Some(_) => {}
            }
        }
        let (escrow_codec, reputation_codec) = (escrow_bundle.codec()?, reputation_bundle.codec()?);
        self.codecs = Some((escrow_codec.clone(), reputation_codec.clone()));
        let contracts = Contracts {
            escrow: Contract::new(escrow_addr, escrow_codec),
            reputation: Contract::new(reputation_addr, reputation_codec),
            requests: match requests {
                Some((address, bundle)) => Some(Contract::new(address, bundle.codec()?)),
                None => None,
            },
            escrow_trie,
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
    /// `Ok(true)`: the user was asked and said yes, so the caller sends exactly the call shown
    /// (after checking that it still holds); `Ok(false)`: nobody needed asking.
    pub fn stop_before_sending(
        &self,
        report: impl FnOnce() -> Box<dry_run::DryRunReport>,
    ) -> OpResult<bool> {
        if self.settings.dry_run {
            return Err(OpError::DryRun(report()));
        }
        if self.chain.is_development() || self.settings.assume_yes {
            return Ok(false);
        }
        let report = report();
        let chain_type = self.chain.chain_type().to_string();
        match &self.settings.confirm {
            Some(confirm) if confirm.ask(&report, &chain_type) => Ok(true),
            Some(_) => Err(OpError::Declined { call: report.call }),
            None => Err(OpError::NeedsConfirmation { chain_type, report }),
        }
    }

    /// A progress note, as a `tracing` event the binary may show (text output only: a JSON
    /// run's caller wants results, not notes).
    pub fn note(&self, msg: impl AsRef<str>) {
        if self.settings.output == OutputMode::Text {
            tracing::info!("{}", msg.as_ref());
        }
    }

    /// Read-only message: dry-run and decode the return value as `T`.
    pub(crate) async fn read<T: scale::Decode + Localize, A: scale::Encode>(
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

/// An amount flag read with the chain's token units; a bad one names the flag.
fn flag_amount(units: &TokenUnits, flag: &str, text: Option<&str>) -> OpResult<Option<u128>> {
    text.map(|t| units.parse(t).map_err(|e| usage(format!("{flag}: {e}"))))
        .transpose()
}
