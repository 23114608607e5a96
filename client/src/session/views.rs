//! What a write did and the events it emitted, as plain serialisable views.

use contract_transcode::Value as InkValue;
use serde::Serialize;

use crate::contract::ContractEvent;
use crate::types::{EventView, NO_OFFER};

use super::deployment::Contracts;

#[derive(Debug, Clone, Default, Serialize)]
pub struct GasView {
    pub ref_time: u64,
    pub proof_size: u64,
}

/// What a submitted transaction did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TxReport {
    pub message: String,
    pub signer: String,
    pub block_hash: String,
    /// The block is finalized (`--wait finalized`); otherwise it was the best block then.
    pub finalized: bool,
    /// Plancks, as estimated by `TransactionPaymentApi_query_info` before submitting.
    pub fee_estimate: Option<String>,
    /// Plancks, from `TransactionPayment::TransactionFeePaid`.
    pub fee_paid: Option<String>,
    pub gas_required: GasView,
    /// Weight the whole extrinsic was charged (`System::ExtrinsicSuccess`).
    pub weight: Option<GasView>,
    /// Storage deposit (plancks) the dry run charged.
    pub storage_deposit: String,
    /// The storage deposit limit sent (plancks): `--storage-deposit-limit`, else the dry
    /// run's charge with a margin.
    pub storage_deposit_limit: String,
    /// Storage deposit the signer actually paid (negative: got back), plancks; from the
    /// `Contracts::StorageDepositTransferredAnd{Held,Released}` events.
    pub storage_deposit_paid: String,
    pub return_value: serde_json::Value,
    /// The same value as the SCALE bytes the contract returned (ink!'s
    /// `Result<Result<T, Error>, LangError>`), which the typed API decodes.
    #[serde(skip)]
    pub return_data: Vec<u8>,
    pub events: Vec<EventView>,
}

pub fn event_view(e: &ContractEvent, contracts: &Contracts) -> EventView {
    let contract = if e.contract == contracts.escrow.address {
        "escrow".to_string()
    } else if e.contract == contracts.reputation.address {
        "reputation".to_string()
    } else if contracts
        .requests
        .as_ref()
        .is_some_and(|r| e.contract == r.address)
    {
        "requests".to_string()
    } else {
        contracts.ss58(&e.contract.0)
    };
    EventView {
        contract,
        name: e.name.clone().unwrap_or_else(|| "<undecoded>".into()),
        fields: e
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), field_json(k, v, contracts.ss58_prefix)))
            .collect(),
        block: None,
    }
}

/// An event field as JSON. The `offer_id` of a deal a task request opened (the escrow's
/// `NO_OFFER`) is null, as in the deal itself: no sentinel that JSON readers misread.
fn field_json(name: &str, v: &InkValue, ss58_prefix: u16) -> serde_json::Value {
    match v {
        InkValue::UInt(id) if name == "offer_id" && *id == u128::from(NO_OFFER) => {
            serde_json::Value::Null
        }
        v => ink_to_json(v, ss58_prefix),
    }
}

/// contract-transcode values as plain JSON: numbers (strings above u64), SS58 strings, 0x-hex,
/// unit variants by name, `Some(x)` as `x`, `None` as null.
pub fn ink_to_json(v: &InkValue, ss58_prefix: u16) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        InkValue::Bool(b) => J::Bool(*b),
        InkValue::Char(c) => J::String(c.to_string()),
        InkValue::UInt(n) => match u64::try_from(*n) {
            Ok(n) => J::from(n),
            Err(_) => J::String(n.to_string()),
        },
        InkValue::Int(n) => match i64::try_from(*n) {
            Ok(n) => J::from(n),
            Err(_) => J::String(n.to_string()),
        },
        InkValue::String(s) => J::String(s.clone()),
        // contract-transcode decodes account ids to SS58 literals with the generic prefix 42:
        // print them in the chain's format like every other address.
        InkValue::Literal(s) => J::String(
            crate::units::parse_account(s)
                .map(|a| crate::units::to_ss58_with_prefix(&a, ss58_prefix))
                .unwrap_or_else(|_| s.clone()),
        ),
        InkValue::Hex(h) => J::String(format!("0x{}", hex::encode(h.bytes()))),
        InkValue::Unit => J::Null,
        InkValue::Seq(s) => J::Array(
            s.elems()
                .iter()
                .map(|v| ink_to_json(v, ss58_prefix))
                .collect(),
        ),
        InkValue::Map(m) => J::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        InkValue::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (key, ink_to_json(v, ss58_prefix))
                })
                .collect(),
        ),
        InkValue::Tuple(t) => {
            let values: Vec<&InkValue> = t.values().collect();
            match (t.ident().as_deref(), values.len()) {
                (Some("None"), 0) => J::Null,
                (Some("Some"), 1) => ink_to_json(values[0], ss58_prefix),
                // An account inside a collection decodes as its composite, `AccountId([u8; 32])`.
                (Some("AccountId"), 1) => match account_bytes(values[0]) {
                    Some(a) => J::String(crate::units::to_ss58_with_prefix(&a, ss58_prefix)),
                    None => ink_to_json(values[0], ss58_prefix),
                },
                (Some(name), 0) => J::String(name.to_string()),
                (Some(name), _) => {
                    let mut m = serde_json::Map::new();
                    m.insert(
                        name.to_string(),
                        if values.len() == 1 {
                            ink_to_json(values[0], ss58_prefix)
                        } else {
                            J::Array(
                                values
                                    .into_iter()
                                    .map(|v| ink_to_json(v, ss58_prefix))
                                    .collect(),
                            )
                        },
                    );
                    J::Object(m)
                }
                (None, _) => J::Array(
                    values
                        .into_iter()
                        .map(|v| ink_to_json(v, ss58_prefix))
                        .collect(),
                ),
            }
        }
    }
}

/// The 32 bytes of a decoded `[u8; 32]` (a sequence of numbers or hex).
fn account_bytes(v: &InkValue) -> Option<[u8; 32]> {
    match v {
        InkValue::Hex(h) => h.bytes().try_into().ok(),
        InkValue::Seq(s) => s
            .elems()
            .iter()
            .map(|b| match b {
                InkValue::UInt(n) => u8::try_from(*n).ok(),
                _ => None,
            })
            .collect::<Option<Vec<u8>>>()?
            .try_into()
            .ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ink_values_become_plain_json() {
        use contract_transcode::Value as V;
        assert_eq!(ink_to_json(&V::UInt(5), 42), serde_json::json!(5));
        assert_eq!(
            ink_to_json(&V::UInt(u128::MAX), 42),
            serde_json::json!(u128::MAX.to_string())
        );
        let none = V::Tuple(contract_transcode::Tuple::new(Some("None"), vec![]));
        assert_eq!(ink_to_json(&none, 42), serde_json::Value::Null);
        let some = V::Tuple(contract_transcode::Tuple::new(
            Some("Some"),
            vec![V::UInt(1)],
        ));
        assert_eq!(ink_to_json(&some, 42), serde_json::json!(1));
        let unit = V::Tuple(contract_transcode::Tuple::new(Some("Completed"), vec![]));
        assert_eq!(ink_to_json(&unit, 42), serde_json::json!("Completed"));
    }
}
