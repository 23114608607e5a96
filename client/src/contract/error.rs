//! The errors of the contract client: what a contract returned, and everything else that can
//! stop a dry run, call or deployment. Apart so that every part of the client (and its callers)
//! names failures the same way.

use std::path::PathBuf;

use crate::chain::{ChainError, DispatchFailure};

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

pub(super) type Result<T, E = ContractClientError> = std::result::Result<T, E>;

pub(super) fn transcode_err(e: impl std::fmt::Display) -> ContractClientError {
    ContractClientError::Transcode(format!("{e:#}"))
}

/// Name the message in a dispatch failure of the real transaction.
pub(super) fn with_message(message: &str, e: ChainError) -> ContractClientError {
    match e {
        ChainError::Dispatch(failure) => ContractClientError::Dispatch {
            message: message.to_string(),
            failure,
        },
        other => ContractClientError::Chain(other),
    }
}
