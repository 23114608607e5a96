//! The words on a deal's record, in the order they were cited: the delivery note, the dispute
//! statement, each side's evidence, the ruling's reasons and the rating comments, each read
//! from the documents the event store found beside the call, and shown only when its bytes
//! match its hash.

use serde::Serialize;

use crate::documents::Words;
use crate::store::{IndexedEvent, StoreReader, StoreResult};

/// One document cited on a deal.
#[derive(Debug, Clone, Serialize)]
pub struct CitedWords {
    /// `delivery_note`, `statement`, `evidence`, `reasons` or `rating_comment`.
    pub kind: &'static str,
    /// Who cited it (SS58).
    pub by: String,
    /// Its hash, 0x-hex.
    pub document: String,
    pub block: u64,
    /// Its block's timestamp, ms.
    pub timestamp: u64,
    pub words: Words,
}

/// The documents `history` (a deal's events, in chain order) cites, with their words.
pub fn cited_on(store: &StoreReader, history: &[IndexedEvent]) -> StoreResult<Vec<CitedWords>> {
    let mut out = Vec::new();
    for e in history {
        let field = |name: &str| e.event.fields.get(name).and_then(|v| v.as_str());
        let cited = match e.event.name.as_str() {
            "DisputeOpened" => Some(("statement", field("opened_by"), field("evidence"))),
            "RatingRevealed" => Some(("rating_comment", field("rater"), field("comment"))),
            "DocumentCited" => Some((
                kind_name(field("kind").unwrap_or_default()),
                field("by"),
                field("document"),
            )),
            _ => None,
        };
        let Some((kind, Some(by), Some(document))) = cited else {
            continue;
        };
        let Some(hash) = parse_hash(document) else {
            continue;
        };
        // A dispute opened without a statement cites the zero hash: nothing.
        if hash == [0; 32] {
            continue;
        }
        out.push(CitedWords {
            kind,
            by: by.to_string(),
            document: document.to_string(),
            block: e.block_number,
            timestamp: e.timestamp,
            words: words_of(store, e, &hash)?,
        });
    }
    Ok(out)
}

/// The words cited by `e` under `hash`. The remarks of the call's own extrinsic decide: one
/// of them hashing to `hash` is the document, and remarks beside the call that all hash to
/// something else do not match what it cites. A call published without words may cite
/// words published before: then they are looked up by hash.
fn words_of(store: &StoreReader, e: &IndexedEvent, hash: &[u8; 32]) -> StoreResult<Words> {
    let beside = match e.extrinsic {
        Some(x) => store.documents_beside(e.block_number, x)?,
        None => Vec::new(),
    };
    if let Some((_, bytes)) = beside.iter().find(|(h, _)| h == hash) {
        return Ok(Words::check(hash, Some(bytes)));
    }
    if let Some((_, bytes)) = beside.first() {
        return Ok(Words::check(hash, Some(bytes)));
    }
    let published = store.document(hash)?.map(|(bytes, _)| bytes);
    Ok(Words::check(hash, published.as_deref()))
}

/// The escrow's `Citation` variant as the record names it.
fn kind_name(variant: &str) -> &'static str {
    match variant {
        "DeliveryNote" => "delivery_note",
        "Reasons" => "reasons",
        _ => "evidence",
    }
}

fn parse_hash(hex_hash: &str) -> Option<[u8; 32]> {
    hex::decode(hex_hash.strip_prefix("0x")?)
        .ok()?
        .try_into()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_escrows_citation_kinds_read_as_the_record_names_them() {
        assert_eq!(kind_name("DeliveryNote"), "delivery_note");
        assert_eq!(kind_name("Evidence"), "evidence");
        assert_eq!(kind_name("Reasons"), "reasons");
        assert_eq!(parse_hash(&format!("0x{}", "01".repeat(32))), Some([1; 32]));
        assert_eq!(parse_hash("0x01"), None);
    }
}
