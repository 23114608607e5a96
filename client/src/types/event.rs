//! A decoded contract event as plain JSON fields: what a write reports and what the event store
//! keeps, so it sits with the other shared types, below both.

use serde::Serialize;

/// A decoded contract event.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    /// "escrow", "reputation" or the address of another contract.
    pub contract: String,
    pub name: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
}
