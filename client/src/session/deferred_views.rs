//! What a write handed to other signers shows: the command ends with it in
//! [`super::OpError::Deferred`], so these plain views sit below the error type and the code
//! that starts such writes ([`super::deferred`]).

use serde::Serialize;

use crate::offline::UnsignedTx;
use crate::units::TokenUnits;

use super::dry_run::CallArg;

/// A write handed to other signers; nothing of it executed yet.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deferred {
    /// The first approval of a multisig call is on chain.
    MultisigStarted {
        call: MultisigCallView,
        token: TokenUnits,
    },
    /// The transaction waits for an offline signature (`escrow submit`).
    Unsigned {
        /// The file it was saved to, when `--unsigned FILE` named one.
        saved_to: Option<String>,
        /// The decoded call, for the person who signs.
        call: Option<ContractCallView>,
        transaction: Box<UnsignedTx>,
        token: TokenUnits,
    },
}

impl Deferred {
    /// The chain's token, which the plancks of the call count.
    pub fn token(&self) -> &TokenUnits {
        match self {
            Deferred::MultisigStarted { token, .. } | Deferred::Unsigned { token, .. } => token,
        }
    }
}

/// A contract call decoded from the bytes a multisig executes or an offline signer signs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContractCallView {
    /// The contract (SS58) and its part in the deployment (`escrow`, `reputation`, `requests`).
    pub contract: String,
    pub contract_name: String,
    pub message: String,
    pub args: Vec<CallArg>,
    /// Plancks sent with the call.
    pub value: String,
}

impl ContractCallView {
    /// `escrow.release(deal_id: 3, amount: 100)`.
    pub fn signature(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| format!("{}: {}", a.name, a.value))
            .collect();
        format!(
            "{}.{}({})",
            self.contract_name,
            self.message,
            args.join(", ")
        )
    }
}

/// A multisig call: its hash (what every signer approves, and what executes) and, when its
/// bytes are known, what it does.
#[derive(Debug, Clone, Serialize)]
pub struct MultisigCallView {
    pub multisig: String,
    pub threshold: u16,
    pub signatories: Vec<String>,
    pub call_hash: String,
    /// `0x` hex of the call, when known.
    pub call_data: Option<String>,
    pub call: Option<ContractCallView>,
    /// Who approved so far, the depositor first.
    pub approvals: Vec<String>,
    pub depositor: String,
    /// Plancks reserved from the depositor until the call executes or is cancelled.
    pub deposit: String,
    /// Where the first approval is: `height-index` (later approvals and cancel name it).
    pub timepoint: String,
}
