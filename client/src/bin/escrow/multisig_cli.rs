//! `escrow multisig …` and `escrow submit`: clap definitions and dispatch to
//! [`escrow_client::ops::multisig`].

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::output::Report;
use escrow_client::ops::{multisig, Ctx, OpResult};

#[derive(Debug, Clone, Subcommand)]
pub enum MultisigCmd {
    /// The calls of the multisig account (--multisig, --threshold) waiting for approvals:
    /// hash, approvals, and the decoded contract call when its bytes are on chain.
    Pending,
    /// Approve a waiting call as the signer (--as): `approve_as_multi`, or `as_multi` with the
    /// call for the last approval, which executes it.
    Approve {
        /// The call hash `multisig pending` and the first signer showed.
        hash: String,
        /// The call's bytes (hex), when the first approval did not put them on chain.
        #[arg(long, value_name = "HEX")]
        call_data: Option<String>,
    },
    /// Cancel a waiting call (only its first signer can); its deposit is returned.
    Cancel {
        /// The call hash.
        hash: String,
    },
}

/// `escrow submit`: send a transaction made with `--unsigned`, signed offline.
#[derive(Debug, Clone, Args)]
pub struct SubmitCmd {
    /// The offline signer's signature of the file's `signer_payload` (hex: 64 bytes, or 65
    /// with the MultiSignature scheme byte first, as Polkadot Vault gives it).
    #[arg(long, value_name = "HEX")]
    pub signature: String,
    /// The unsigned transaction file that `--unsigned-file` wrote.
    #[arg(long, value_name = "FILE")]
    pub payload: PathBuf,
}

pub async fn run(ctx: &mut Ctx, cmd: MultisigCmd) -> OpResult<Report> {
    Ok(match cmd {
        MultisigCmd::Pending => Report::MultisigPending(multisig::pending(ctx).await?),
        MultisigCmd::Approve { hash, call_data } => {
            Report::MultisigDone(multisig::approve(ctx, &hash, call_data.as_deref()).await?)
        }
        MultisigCmd::Cancel { hash } => Report::MultisigDone(multisig::cancel(ctx, &hash).await?),
    })
}

pub async fn submit(ctx: &mut Ctx, cmd: SubmitCmd) -> OpResult<Report> {
    Ok(Report::Submitted(
        multisig::submit(ctx, &cmd.payload, &cmd.signature).await?,
    ))
}
