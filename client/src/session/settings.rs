//! The global flags every command shares, and where its files live.

use std::path::PathBuf;

use crate::keystore::{Keystore, Passwords};

use super::confirm::Confirmer;
use super::error::OpResult;

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
    /// `-y`: off Development chains, send writes without asking.
    pub assume_yes: bool,
    /// Off Development chains and without `-y`, how to ask the user before a write is sent;
    /// `None`: such a write ends in [`OpError::NeedsConfirmation`], nothing sent.
    pub confirm: Option<Confirmer>,
    /// `--nonce`: the nonce of the (first) transaction; no retry with another.
    pub nonce: Option<u64>,
    /// `--tip`, as typed: read with the chain's token units once connected.
    pub tip: Option<String>,
    /// `--storage-deposit-limit`, as typed: the limit of every contract call instead of the
    /// dry run's charge with a margin; below that charge the call is refused.
    pub storage_deposit_limit: Option<String>,
    /// `--mortality`; `None`: immortal on Development chains, mortal elsewhere.
    pub mortality: Option<crate::chain::Mortality>,
    /// Where the keystore gets the password of a key (the binary: a prompt on the terminal,
    /// `--password-file` or `ESCROW_PASSWORD`); `None`: nowhere, so encrypted keys cannot
    /// be made or unlocked.
    pub passwords: Option<Passwords>,
    /// `--multisig`: the signatories (keystore names, secret URIs or addresses) of the
    /// multisig account every write comes from; the signer is one of them.
    pub multisig: Option<Vec<String>>,
    /// `--threshold`: how many signatories of `multisig` must approve a call.
    pub threshold: Option<u16>,
    /// `--unsigned`: writes stop after the dry run with the transaction for an offline
    /// signer ([`super::Deferred::Unsigned`]); `--as` may be an address.
    pub unsigned: bool,
    /// `--unsigned-file`: where to save that transaction as well.
    pub unsigned_out: Option<PathBuf>,
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

    /// The accounts that have published a document from this client (`published.json`): each
    /// is told once, before its first, that the words are public and permanent.
    pub fn published_path(&self) -> PathBuf {
        self.beside_deployment("published.json")
    }

    /// Where the metadata of every code hash used is kept: next to the deployment file.
    pub fn metadata_dir(&self) -> PathBuf {
        self.beside_deployment("metadata")
    }

    /// Where local indexes live: next to the deployment file.
    pub fn index_dir(&self) -> PathBuf {
        self.beside_deployment("index")
    }

    /// The deployment file's directory (`$ESCROW_HOME` by default): the event store lives
    /// under it.
    pub fn data_dir(&self) -> PathBuf {
        match self.deployment.as_deref().map(|d| d.parent()) {
            Some(Some(dir)) => dir.to_path_buf(),
            Some(None) => PathBuf::new(),
            None => escrow_home(),
        }
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
            Some(p) => Keystore::open(p, self.passwords.clone())?,
            None => Keystore::open_default(self.passwords.clone())?,
        })
    }
}
