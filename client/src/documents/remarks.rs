//! Finding published documents in a block: the bytes of each `System.remark_with_event` in
//! its body (at the top level or inside a `Utility` batch) that the block's events confirm
//! with a `System.Remarked` of the same hash. A remark in a batch that failed left no event,
//! so the words of a call that did not happen are never taken.

use scale_value::{Composite, Primitive, Value, ValueDef};
use subxt::utils::H256;

use crate::chain::{rpc_err, Chain, ChainError, ChainEvent};
use crate::signer::blake2_256;

use super::REMARK_PALLET;

/// A document as published in a block, its hash checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub hash: [u8; 32],
    /// The extrinsic that published it.
    pub extrinsic: u32,
    pub bytes: Vec<u8>,
}

/// The hashes `System.Remarked` reports among `events` (its fields: sender, then hash).
pub fn remarked_hashes(events: &[(Option<u32>, ChainEvent)]) -> Vec<[u8; 32]> {
    events
        .iter()
        .filter(|(_, e)| e.is(REMARK_PALLET.0, "Remarked"))
        .filter_map(|(_, e)| e.field_bytes.get(32..64)?.try_into().ok())
        .collect()
}

/// The documents of block `hash` whose remarks `events` confirm (none without a read of
/// the body when there is no `System.Remarked`).
pub async fn published_in(
    chain: &Chain,
    hash: [u8; 32],
    events: &[(Option<u32>, ChainEvent)],
) -> Result<Vec<Published>, ChainError> {
    let confirmed = remarked_hashes(events);
    if confirmed.is_empty() {
        return Ok(Vec::new());
    }
    let at = chain.api().at_block(H256(hash)).await.map_err(rpc_err)?;
    let mut found = Vec::new();
    for ext in at.extrinsics().fetch().await.map_err(rpc_err)?.iter() {
        let ext = ext.map_err(|e| ChainError::Decode(e.to_string()))?;
        let Ok(fields) = ext.decode_call_data_fields_unchecked_as::<Composite<()>>() else {
            continue;
        };
        let extrinsic = ext.index() as u32;
        let mut remarks = Vec::new();
        if ext.pallet_name() == REMARK_PALLET.0 && ext.call_name() == REMARK_PALLET.1 {
            remarks.extend(fields.values().next().and_then(bytes_of));
        } else {
            for v in fields.values() {
                remarks_in(v, &mut remarks);
            }
        }
        for bytes in remarks {
            let h = blake2_256(&bytes);
            let seen = |p: &Published| p.hash == h && p.extrinsic == extrinsic;
            if confirmed.contains(&h) && !found.iter().any(seen) {
                found.push(Published {
                    hash: h,
                    extrinsic,
                    bytes,
                });
            }
        }
    }
    Ok(found)
}

/// Every `remark_with_event` call nested in `v` (a batch's calls), by its bytes.
fn remarks_in(v: &Value<()>, out: &mut Vec<Vec<u8>>) {
    match &v.value {
        ValueDef::Variant(variant) if variant.name == REMARK_PALLET.1 => {
            out.extend(variant.values.values().next().and_then(bytes_of));
        }
        ValueDef::Variant(variant) => variant.values.values().for_each(|c| remarks_in(c, out)),
        ValueDef::Composite(c) => c.values().for_each(|c| remarks_in(c, out)),
        _ => {}
    }
}

/// A byte string decoded as a composite of numbers.
fn bytes_of(v: &Value<()>) -> Option<Vec<u8>> {
    let ValueDef::Composite(c) = &v.value else {
        return None;
    };
    c.values()
        .map(|b| match &b.value {
            ValueDef::Primitive(Primitive::U128(n)) => u8::try_from(*n).ok(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remark(bytes: &[u8]) -> Value<()> {
        Value::unnamed_variant(
            "System",
            [Value::named_variant(
                "remark_with_event",
                [("remark", Value::from_bytes(bytes))],
            )],
        )
    }

    #[test]
    fn remarks_are_found_inside_a_batch_next_to_the_call_they_go_with() {
        let call = Value::unnamed_variant(
            "Contracts",
            [Value::named_variant(
                "call",
                [("data", Value::from_bytes([1, 2]))],
            )],
        );
        let calls = Value::unnamed_composite([remark(b"the words"), call]);
        let mut found = Vec::new();
        remarks_in(&calls, &mut found);
        assert_eq!(found, vec![b"the words".to_vec()]);
    }
}
