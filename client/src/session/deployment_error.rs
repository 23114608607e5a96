//! Why a deployment could not be joined, chosen or used: each names the contract, address,
//! code hash or name at fault, on one line. Apart from [`super::error`] so that the files that
//! keep and check deployments share them without importing the session's error.

/// What went wrong with a deployment.
#[derive(Debug, thiserror::Error)]
pub enum DeploymentError {
    #[error(
        "no deployment for this chain (genesis {genesis}); run `escrow deploy`, or join one with \
         `escrow deployment add --escrow ADDRESS` or `escrow deployment import FILE`"
    )]
    NoneOnChain { genesis: String },
    #[error(
        "no deployment is in use on this chain (genesis {genesis}): pick one of {names} with \
         `escrow deployment use NAME`"
    )]
    NoneInUse { genesis: String, names: String },
    #[error(
        "no deployment for this chain (genesis {genesis}); the contracts saved in {file} do not \
         exist on it (a reset chain?); run `escrow deploy`"
    )]
    Vanished { genesis: String, file: String },
    #[error(
        "no deployment named '{name}' on this chain (genesis {genesis}); `escrow deployment \
         list` shows them"
    )]
    UnknownName { name: String, genesis: String },
    #[error("invalid deployment name '{0}': use 1-64 letters, digits, '-', '_' or '.'")]
    InvalidName(String),
    #[error("the name '{name}' is taken by the deployment of escrow {escrow}: choose another")]
    NameTaken { name: String, escrow: String },
    #[error("the {role} address {address} holds no contract on this chain")]
    NotAContract { role: &'static str, address: String },
    #[error(
        "the {role} contract at {address} runs code {code_hash}, which this client does not \
         know: import the deployment's export (`escrow deployment import FILE`), which carries \
         its metadata, or point ESCROW_CONTRACTS_DIR at the bundles it was built from"
    )]
    UnknownCode {
        role: &'static str,
        address: String,
        code_hash: String,
    },
    #[error(
        "the {role} contract at {address} runs code {code_hash} and this client has no metadata \
         for it: import the deployment's export (`escrow deployment import FILE`) or point \
         ESCROW_CONTRACTS_DIR at the bundles it was deployed from"
    )]
    NoMetadata {
        role: &'static str,
        address: String,
        code_hash: String,
    },
    #[error(
        "the {role} address {address} runs code {code_hash} of the {actual} contract, not of \
         the {role}"
    )]
    WrongContract {
        role: &'static str,
        address: String,
        code_hash: String,
        actual: String,
    },
    #[error("the escrow {escrow} names no reputation contract, so no marketplace vouches for it")]
    NoReputation { escrow: String },
    #[error(
        "the escrow {escrow} was not created by the reputation contract {reputation} it names \
         (is_authorized is false): refused"
    )]
    NotCreatedBy { escrow: String, reputation: String },
    #[error(
        "the {role} contract at {address} runs code {on_chain} but the deployment recorded \
         {recorded}: join it again (`escrow deployment add --escrow ESCROW`)"
    )]
    CodeChanged {
        role: &'static str,
        address: String,
        on_chain: String,
        recorded: String,
    },
    #[error(
        "the {role} contract runs code {on_chain} on chain, but the export says {exported}: \
         refused"
    )]
    ExportMismatch {
        role: &'static str,
        on_chain: String,
        exported: String,
    },
    #[error("the export is of chain {exported}, but the node is chain {chain}")]
    OtherChain { exported: String, chain: String },
    #[error("deployment export {path}: {reason}")]
    BadExport { path: String, reason: String },
    #[error("deployment file {path}: {reason}")]
    File { path: String, reason: String },
}

impl DeploymentError {
    /// 2 when the input (an address, a name, an export) was refused and nothing changed; 1 when
    /// the deployment in use cannot be used as the chain and this client now stand.
    pub fn exit_code(&self) -> i32 {
        match self {
            DeploymentError::NoMetadata { .. }
            | DeploymentError::CodeChanged { .. }
            | DeploymentError::File { .. } => 1,
            _ => 2,
        }
    }
}

/// `0x` + the hex of a 32-byte hash, as the errors and files show it.
pub fn hash_hex(hash: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(hash))
}
