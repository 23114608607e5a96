//! A connected session: the chain, the settings, the keystore and the deployed contracts;
//! signers, accounts and typed reads. Writes are in [`super::write`].

#[cfg(feature = "store")]
use std::sync::Arc;
use std::time::Duration;

use subxt::utils::AccountId32;

use crate::chain::Chain;
use crate::contract::Contract;
use crate::keystore::{Keystore, KeystoreError, ResolvedAccount};
use crate::signer::Keypair;
#[cfg(feature = "store")]
use crate::store::ReaderPool;
use crate::types::{EscrowSettings, LangError, Localize};
use crate::units::TokenUnits;

use super::deployment::Contracts;
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
    #[cfg(feature = "store")]
    pub store_followed: bool,
    /// Read connections to the event store, kept open between the reads of this session and
    /// of the sessions [`Self::share`]d from it.
    #[cfg(feature = "store")]
    pub store_readers: Arc<ReaderPool>,
    /// The deployment in use, once opened ([`Self::contracts`], in [`super::open`]).
    pub(super) contracts: Option<Contracts>,
    /// The escrow's settings, once read (fixed at its instantiation).
    pub(super) escrow_settings: Option<EscrowSettings>,
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
        if settings.multisig.is_some() && settings.unsigned {
            return Err(usage(
                "--multisig and --unsigned do not go together: a signatory signs its approval here",
            ));
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
            #[cfg(feature = "store")]
            store_followed: false,
            #[cfg(feature = "store")]
            store_readers: ReaderPool::new(),
            contracts: None,
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
            #[cfg(feature = "store")]
            store_followed: self.store_followed,
            #[cfg(feature = "store")]
            store_readers: self.store_readers.clone(),
            contracts: self.contracts.clone(),
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
        if self.escrow_settings.is_none() {
            self.escrow_settings = other.escrow_settings;
        }
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

    /// The signer: `--suri`, else `--as`, else `default` (only deploy/fund/demo have one).
    pub fn signer(&self, default: Option<&str>) -> OpResult<Keypair> {
        if let Some(suri) = &self.settings.suri {
            return suri_signer(suri);
        }
        // An offline signer's address: the transaction is built here and signed there.
        if let (true, Some(arg)) = (self.settings.unsigned, &self.settings.as_account) {
            if let ResolvedAccount::ReadOnly { account } = self.keystore.resolve(arg)? {
                return Ok(Keypair::Offline(account));
            }
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
        ResolvedAccount::Named { name, .. } => Ok(keystore.get(&name)?),
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

/// An amount flag read with the chain's token units; a bad one names the flag.
fn flag_amount(units: &TokenUnits, flag: &str, text: Option<&str>) -> OpResult<Option<u128>> {
    text.map(|t| units.parse(t).map_err(|e| usage(format!("{flag}: {e}"))))
        .transpose()
}
