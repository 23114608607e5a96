//! What can go wrong in a command, and how the CLI reports it (exit code, JSON kind).

use crate::chain::ChainError;
use crate::contract::ContractClientError;
use crate::keystore::KeystoreError;
use crate::units::UnitsError;

use super::deployment_error::DeploymentError;
use super::dry_run;
use super::explain;
use super::which::Which;

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
    /// A deployment that could not be joined, chosen or used.
    #[error(transparent)]
    Deployment(#[from] DeploymentError),
    #[error("{0}")]
    Failed(String),
    /// `--dry-run`: the write stopped after its dry run, nothing was sent. Not a failure:
    /// the CLI prints the report and exits 0.
    #[error("dry run of {}: nothing was sent", .0.call)]
    DryRun(Box<dry_run::DryRunReport>),
    /// The write was handed to other signers (a multisig call's first approval is on chain,
    /// or the transaction waits for an offline signature). Not a failure: exit 0.
    #[error("handed to other signers: nothing executed yet")]
    Deferred(Box<super::deferred_views::Deferred>),
    /// Off a Development chain a write waits for the user's yes, and no
    /// [`super::Confirmer`] was given to ask with. Nothing was sent.
    #[error(
        "{} on a {} chain needs confirmation: run it in a terminal to be asked, or pass -y",
        .report.call,
        .chain_type
    )]
    NeedsConfirmation {
        chain_type: String,
        report: Box<dry_run::DryRunReport>,
    },
    /// The user said no to the call shown. Nothing was sent.
    #[error("{call}: declined, nothing was sent")]
    Declined { call: String },
    /// The user said yes, but by then the call shown would do something else (a refusal, another
    /// result, a larger deposit), so it was not sent. When it was the command's first write
    /// (`first_write`), running the command again shows what the chain now holds and asks again.
    #[error("{call} changed after you confirmed it: {why}; nothing was sent")]
    ChangedSinceConfirmed {
        call: String,
        why: String,
        first_write: bool,
    },
}

impl OpError {
    /// 2 for bad usage (nothing was sent), 1 for everything that failed on chain or network.
    pub fn exit_code(&self) -> i32 {
        match self {
            OpError::DryRun(_) | OpError::Deferred(_) => 0,
            OpError::Usage(_) | OpError::Units(_) | OpError::NeedsConfirmation { .. } => 2,
            OpError::Deployment(e) => e.exit_code(),
            OpError::Keystore(
                KeystoreError::UnknownAccount(_)
                | KeystoreError::NotFound(_)
                | KeystoreError::InvalidName(_)
                | KeystoreError::Exists(_)
                | KeystoreError::InvalidSecret { .. }
                | KeystoreError::Signer(_)
                | KeystoreError::WrongPassword(_)
                | KeystoreError::PasswordNeeded { .. }
                | KeystoreError::PasswordSource(_)
                | KeystoreError::EmptyPassword
                | KeystoreError::NoSecretUri(_),
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
            OpError::Deployment(_) => {
                if self.exit_code() == 2 {
                    "usage"
                } else {
                    "deployment"
                }
            }
            OpError::Failed(_) => "failed",
            OpError::DryRun(_) => "dry_run",
            OpError::Deferred(_) => "deferred",
            OpError::NeedsConfirmation { .. } => "usage",
            OpError::Declined { .. } => "declined",
            OpError::ChangedSinceConfirmed { .. } => "changed",
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

pub(super) fn refusal(which: Which, e: ContractClientError) -> OpError {
    match e {
        ContractClientError::Contract(c) => {
            let explanation = match which {
                // The rule the buyer failed, from the decoded `Screened(<Refusal>)`.
                Which::Escrow if c.variant == "Screened" => {
                    Some(explain::screening_refusal(&c.details).to_string())
                }
                Which::Escrow => explain::escrow_error(&c.variant).map(str::to_string),
                Which::Reputation => explain::reputation_error(&c.variant).map(str::to_string),
                Which::Requests => explain::requests_error(&c.variant, &c.details),
            };
            let contract = which.name();
            let mut explanation = explanation.unwrap_or_default();
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
