//! A connected session with the two contracts: settings, the deployment in use, typed reads,
//! writes that stop for `--dry-run` and confirmation, and the errors a command can end with.
//! It sits between the contract client ([`crate::contract`]) and the typed contract API
//! ([`crate::api`]); it knows no command and no terminal.

pub mod code_metadata;
pub mod confirm;
pub mod ctx;
pub mod deferred;
pub mod deferred_views;
pub mod deployment;
pub mod deployment_error;
pub mod deployment_file;
pub mod dry_run;
pub mod error;
pub mod explain;
pub mod open;
pub mod settings;
mod stored;
pub mod views;
pub mod which;
mod write;

pub use crate::types::EventView;
pub use code_metadata::{MetadataSource, MetadataStore};
pub use confirm::Confirmer;
pub use ctx::{resolve_account, signer_from, Ctx, CONNECT_TIMEOUT};
pub use deferred::offline_error;
pub use deferred_views::{ContractCallView, Deferred, MultisigCallView};
pub use deployment::{
    genesis_hex, load_bundle, write_json_file, CodeHashes, Contracts, Deployment, Origin,
};
pub use deployment_error::{hash_hex, DeploymentError};
pub use deployment_file::{ChainDeployments, DeploymentFile};
pub use error::{usage, OpError, OpResult};
pub use open::{open_contract, Opened};
pub use settings::{default_url, escrow_home, OutputMode, Settings};
pub use views::{event_view, ink_to_json, GasView, TxReport};
pub use which::Which;
pub use write::net_storage_deposit;
