//! `escrow deployment …`: clap definitions and dispatch to [`escrow_client::ops::deployments`]
//! and [`escrow_client::ops::join`].

use std::path::PathBuf;

use clap::Subcommand;

use crate::output::Report;
use escrow_client::ops::{deployments, join, Ctx, OpResult};

#[derive(Debug, Clone, Subcommand)]
pub enum DeploymentCmd {
    /// Join a deployment somebody else made, from its escrow's address: finds its reputation
    /// and requests contracts, checks their code and that the reputation contract created the
    /// escrow, keeps their metadata, and puts it in use.
    Add {
        /// The escrow's address (SS58 in any format, or 0x hex).
        #[arg(long)]
        escrow: String,
        /// The name to save it under [default: the escrow's address, shortened].
        #[arg(long)]
        name: Option<String>,
    },
    /// The deployments saved for this chain, and the one in use.
    List,
    /// Put a deployment in use: the commands that follow talk to its contracts.
    Use {
        /// Its name (or its escrow's address).
        name: String,
    },
    /// Forget a deployment (nothing changes on chain).
    Remove {
        /// Its name (or its escrow's address).
        name: String,
    },
    /// Write a deployment's export: a JSON file others join it from (`deployment import`).
    Export {
        /// Its name (or its escrow's address) [default: the one in use].
        name: Option<String>,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Leave out the contracts' metadata: only clients that know the code can import it.
        #[arg(long)]
        no_metadata: bool,
    },
    /// Join the deployment an export file describes, checked against the chain as `add`
    /// checks; its metadata serves code this client was not built with.
    Import {
        /// The export file.
        file: PathBuf,
        /// The name to save it under [default: the escrow's address, shortened].
        #[arg(long)]
        name: Option<String>,
    },
}

pub async fn run(ctx: &mut Ctx, cmd: DeploymentCmd) -> OpResult<Report> {
    Ok(match cmd {
        DeploymentCmd::Add { escrow, name } => {
            Report::Deployment(join::add(ctx, &escrow, name.as_deref()).await?)
        }
        DeploymentCmd::List => Report::Deployments(deployments::list(ctx)?),
        DeploymentCmd::Use { name } => Report::Deployment(deployments::use_deployment(ctx, &name)?),
        DeploymentCmd::Remove { name } => Report::Deployment(deployments::remove(ctx, &name)?),
        DeploymentCmd::Export {
            name,
            out,
            no_metadata,
        } => Report::DeploymentExport(
            deployments::export(ctx, name.as_deref(), &out, !no_metadata).await?,
        ),
        DeploymentCmd::Import { file, name } => {
            Report::Deployment(join::import(ctx, &file, name.as_deref()).await?)
        }
    })
}
