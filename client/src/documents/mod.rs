//! Words on the record: a document is UTF-8 text of at most 4 KiB, with optional links, whose
//! id is its blake2-256 hash. It is published on chain in the same transaction as the contract
//! call that cites it (`Utility.batch_all(System.remark_with_event(document), Contracts.call)`),
//! so the call and its words land together or not at all. A hash given instead of text cites
//! something kept off chain (IPFS, a web page): its words cannot be checked here.

mod batch;
pub mod details;
mod remarks;

pub use batch::{remark_then_call, REMARK_PALLET};
pub use remarks::{published_in, remarked_hashes, Published};

use serde::Serialize;

use crate::signer::blake2_256;

/// Longest document, in bytes: a page of text, cheap enough to publish in a remark.
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024;

/// The line that starts the links of a document.
const LINKS_HEADER: &str = "\n\nLinks:\n";

/// Text someone publishes on chain beside a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    bytes: Vec<u8>,
}

impl Document {
    /// `text`, then each of `links` on a line of its own. Refuses an empty or an oversized
    /// document, naming the limit.
    pub fn new(text: &str, links: &[String]) -> Result<Document, DocumentError> {
        if text.trim().is_empty() {
            return Err(DocumentError::Empty);
        }
        let mut body = text.to_string();
        if !links.is_empty() {
            body.push_str(LINKS_HEADER);
            body.push_str(&links.join("\n"));
        }
        let bytes = body.into_bytes();
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(DocumentError::TooLong(bytes.len()));
        }
        Ok(Document { bytes })
    }

    /// A document read back from chain; `None` unless it is UTF-8 within the limit.
    pub fn from_published(bytes: &[u8]) -> Option<Document> {
        (bytes.len() <= MAX_DOCUMENT_BYTES && std::str::from_utf8(bytes).is_ok()).then(|| {
            Document {
                bytes: bytes.to_vec(),
            }
        })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn text(&self) -> &str {
        // Checked UTF-8 on every way in.
        std::str::from_utf8(&self.bytes).unwrap_or_default()
    }

    /// The document's id: blake2-256 of its bytes, as `System.Remarked` reports it.
    pub fn hash(&self) -> [u8; 32] {
        blake2_256(&self.bytes)
    }
}

/// What a call cites: words published with it, or the hash of something off chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Citation {
    OnChain(Document),
    OffChain([u8; 32]),
}

impl Citation {
    /// `0x` and 64 hex digits cite an off-chain document by its hash; anything else is the
    /// text of a document to publish.
    pub fn parse(input: &str, links: &[String]) -> Result<Citation, DocumentError> {
        if let Some(hex_digits) = input.strip_prefix("0x") {
            if hex_digits.len() == 64 {
                let bytes = hex::decode(hex_digits).map_err(|_| DocumentError::BadHash)?;
                if !links.is_empty() {
                    return Err(DocumentError::LinksOffChain);
                }
                let mut hash = [0u8; 32];
                hash.copy_from_slice(&bytes);
                return Ok(Citation::OffChain(hash));
            }
        }
        Document::new(input, links).map(Citation::OnChain)
    }

    pub fn hash(&self) -> [u8; 32] {
        match self {
            Citation::OnChain(d) => d.hash(),
            Citation::OffChain(h) => *h,
        }
    }

    /// The document to publish beside the call, if any.
    pub fn document(&self) -> Option<&Document> {
        match self {
            Citation::OnChain(d) => Some(d),
            Citation::OffChain(_) => None,
        }
    }
}

/// How a cited document reads back, never shown as text unless its bytes match its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Words {
    /// Published on chain, bytes checked against the hash.
    OnChain { text: String },
    /// Nothing published on chain under this hash (an off-chain document, or not found).
    NotOnChain,
    /// Bytes were published beside the call, but they do not hash to the cited hash.
    DoesNotMatch,
}

impl Words {
    /// What `published` (the bytes found beside the call, if any) says for `hash`.
    pub fn check(hash: &[u8; 32], published: Option<&[u8]>) -> Words {
        match published {
            None => Words::NotOnChain,
            Some(bytes) if blake2_256(bytes) != *hash => Words::DoesNotMatch,
            Some(bytes) => match Document::from_published(bytes) {
                Some(d) => Words::OnChain {
                    text: d.text().to_string(),
                },
                None => Words::DoesNotMatch,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the document is empty")]
    Empty,
    #[error("the document is {0} bytes; at most {MAX_DOCUMENT_BYTES} are published on chain")]
    TooLong(usize),
    #[error("a cited hash must be 0x and 64 hex digits")]
    BadHash,
    #[error("links belong in a document published on chain, not beside a cited hash")]
    LinksOffChain,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_its_text_then_its_links_and_its_id_is_their_hash() {
        let d = Document::new("Shipped by post", &["https://track.example/1".into()]).unwrap();
        assert_eq!(
            d.text(),
            "Shipped by post\n\nLinks:\nhttps://track.example/1"
        );
        assert_eq!(d.hash(), blake2_256(d.bytes()));
    }

    #[test]
    fn a_document_over_4_kib_or_empty_is_refused() {
        assert!(Document::new(&"a".repeat(MAX_DOCUMENT_BYTES), &[]).is_ok());
        assert_eq!(
            Document::new(&"a".repeat(MAX_DOCUMENT_BYTES + 1), &[]),
            Err(DocumentError::TooLong(MAX_DOCUMENT_BYTES + 1))
        );
        assert_eq!(Document::new(" \n", &[]), Err(DocumentError::Empty));
    }

    #[test]
    fn a_hash_cites_an_off_chain_document_and_text_an_on_chain_one() {
        let hash = format!("0x{}", "ab".repeat(32));
        assert_eq!(
            Citation::parse(&hash, &[]),
            Ok(Citation::OffChain([0xab; 32]))
        );
        assert_eq!(
            Citation::parse(&hash, &["https://x".into()]),
            Err(DocumentError::LinksOffChain)
        );
        // Short hex is just text.
        let text = Citation::parse("0x1234", &[]).unwrap();
        assert_eq!(text.document().map(Document::text), Some("0x1234"));
    }

    #[test]
    fn words_are_shown_only_when_the_bytes_match_the_hash() {
        let d = Document::new("The parcel was empty", &[]).unwrap();
        assert_eq!(
            Words::check(&d.hash(), Some(d.bytes())),
            Words::OnChain {
                text: "The parcel was empty".into()
            }
        );
        assert_eq!(
            Words::check(&d.hash(), Some(b"The parcel was full")),
            Words::DoesNotMatch
        );
        assert_eq!(Words::check(&d.hash(), None), Words::NotOnChain);
    }
}
