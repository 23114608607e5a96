//! Contract events out of an included transaction: every `Contracts::ContractEmitted`, decoded
//! with whichever contract's codec understands it. Apart because transactions that are not
//! calls through [`super::Contract`] (deployments, the explorer, event listings) need it too.

use contract_transcode::Value as InkValue;
use subxt::utils::AccountId32;

use super::ContractCodec;
use crate::chain::value_account;
use crate::chain::{ChainEvent, TxOutcome};

/// A decoded contract event.
#[derive(Debug, Clone)]
pub struct ContractEvent {
    /// The contract that emitted it.
    pub contract: AccountId32,
    /// The event name, when the emitter's metadata was available.
    pub name: Option<String>,
    /// `(field, value)` in declaration order.
    pub fields: Vec<(String, InkValue)>,
    /// The raw event data (without the length prefix).
    pub data: Vec<u8>,
    pub topics: Vec<[u8; 32]>,
}

impl ContractEvent {
    pub fn field(&self, name: &str) -> Option<&InkValue> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Decode every `Contracts::ContractEmitted` in `outcome`, trying each codec (e.g. escrow and
/// reputation); `only` restricts decoding attempts to events from that contract. Events no
/// codec understands are kept with `name: None`.
pub fn decode_contract_events(
    outcome: &TxOutcome,
    codecs: &[&ContractCodec],
    only: Option<&AccountId32>,
) -> Vec<ContractEvent> {
    outcome
        .find("Contracts", "ContractEmitted")
        .filter_map(|ev| decode_emitted(ev, codecs, only))
        .collect()
}

/// One `Contracts::ContractEmitted` event decoded with the first codec that understands it
/// (kept with `name: None` if none does); `None` for any other event.
pub fn decode_emitted(
    ev: &ChainEvent,
    codecs: &[&ContractCodec],
    only: Option<&AccountId32>,
) -> Option<ContractEvent> {
    if !ev.is("Contracts", "ContractEmitted") {
        return None;
    }
    let contract = ev.field("contract").and_then(value_account)?;
    // Field bytes: contract id (32) then the SCALE `Vec<u8>` data.
    let mut rest = ev.field_bytes.get(32..)?;
    let data: Vec<u8> = scale::Decode::decode(&mut rest).ok()?;
    let decoded = if only.is_none_or(|a| *a == contract) {
        codecs
            .iter()
            .find_map(|c| c.decode_event(&contract, &ev.topics, &data).ok())
    } else {
        None
    };
    Some(decoded.unwrap_or(ContractEvent {
        contract,
        name: None,
        fields: Vec::new(),
        data,
        topics: ev.topics.clone(),
    }))
}
