//! `--dry-run`: every write stops after its dry run and reports what it would do. The write
//! functions return [`crate::ops::OpError::DryRun`] at that point, so no write path can go on
//! to submit by mistake; the CLI turns it into a result (exit 0).

use serde::Serialize;

use super::GasView;

/// What one write would do, from its dry run. Nothing was sent.
#[derive(Debug, Clone, Serialize)]
pub struct DryRunReport {
    /// What would be sent: a contract message (`escrow.accept_offer`), a constructor
    /// (`reputation.new`) or a runtime call (`Balances.transfer_keep_alive`).
    pub call: String,
    pub signer: String,
    /// The contract called (SS58), for a contract message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// The message's arguments, decoded from the very bytes that are sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<CallArg>,
    /// The call's input as sent (selector + SCALE arguments), hex with 0x.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_data: Option<String>,
    /// Plancks sent with the call.
    pub value: String,
    /// The decoded return value (`null` for runtime calls).
    pub result: serde_json::Value,
    /// Gas the dry run needed (`None` for runtime calls).
    pub gas_required: Option<GasView>,
    /// Storage deposit (plancks) the dry run would charge the signer.
    pub storage_deposit: String,
    /// The storage deposit limit that would be sent (plancks), for a contract message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_deposit_limit: Option<String>,
    /// Plancks, as `TransactionPaymentApi_query_info` estimates it, when the node answered.
    pub fee_estimate: Option<String>,
    /// Anything the real run would do first or differently.
    pub notes: Vec<String>,
    /// The text of the document published beside the call: the very bytes that go on chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// Further calls of the same write (deploy instantiates two contracts).
    pub then: Vec<DryRunReport>,
    /// The chain's token, which the plancks above count.
    pub token: crate::units::TokenUnits,
}

/// One argument of a contract message, as the chain will read it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CallArg {
    pub name: String,
    pub value: serde_json::Value,
}
