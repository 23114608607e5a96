//! Descriptions longer than the contracts keep (256 bytes): the whole text is published as a
//! document beside the call, and the terms keep a summary that ends with the document's hash,
//! `<summary>…\n[details 0x<hash>]`, so that search still finds the summary and every reader
//! finds the rest.

use super::{Document, DocumentError};

const OPEN: &str = "\n[details 0x";
const CLOSE: &str = "]";
/// What the reference to the document takes of the description: the markers and 64 hex digits.
const REFERENCE_BYTES: usize = OPEN.len() + 64 + CLOSE.len();
const ELLIPSIS: &str = "…";

/// `description` as the terms can hold it in `max` bytes: as it is when it fits, else a
/// summary referring to the whole text, returned as the document to publish with the call.
pub fn fit(description: &str, max: usize) -> Result<(String, Option<Document>), DocumentError> {
    if description.len() <= max {
        return Ok((description.to_string(), None));
    }
    let whole = Document::new(description, &[])?;
    let room = max.saturating_sub(REFERENCE_BYTES + ELLIPSIS.len());
    let mut cut = room.min(description.len());
    while !description.is_char_boundary(cut) {
        cut -= 1;
    }
    let summary = format!(
        "{}{ELLIPSIS}{OPEN}{}{CLOSE}",
        description[..cut].trim_end(),
        hex::encode(whole.hash())
    );
    Ok((summary, Some(whole)))
}

/// The hash of the whole text a description refers to, if it ends with a reference.
pub fn referred(description: &str) -> Option<[u8; 32]> {
    let rest = description.strip_suffix(CLOSE)?;
    let at = rest.rfind(OPEN)?;
    let digits = &rest[at + OPEN.len()..];
    if digits.len() != 64 {
        return None;
    }
    hex::decode(digits).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_that_fits_is_kept_as_it_is() {
        let (kept, details) = fit("Leica M3, 1957", 256).unwrap();
        assert_eq!((kept.as_str(), details), ("Leica M3, 1957", None));
        assert_eq!(referred(&kept), None);
    }

    #[test]
    fn a_longer_one_keeps_a_summary_that_refers_to_the_whole_text() {
        let long = "Ω".repeat(300);
        let (summary, details) = fit(&long, 256).unwrap();
        let details = details.expect("published");
        assert!(summary.len() <= 256, "{}", summary.len());
        assert!(summary.starts_with("ΩΩ"));
        assert_eq!(details.text(), long);
        assert_eq!(referred(&summary), Some(details.hash()));
    }

    #[test]
    fn only_a_well_formed_reference_at_the_end_refers() {
        let digits = "ab".repeat(32);
        assert_eq!(
            referred(&format!("x\n[details 0x{digits}]")),
            Some([0xab; 32])
        );
        assert_eq!(referred(&format!("x\n[details 0x{digits}] more")), None);
        assert_eq!(referred("x\n[details 0xabcd]"), None);
        assert_eq!(referred(&format!("x [details 0x{digits}]")), None);
    }

    #[test]
    fn a_description_over_4_kib_cannot_be_published() {
        assert_eq!(
            fit(&"a".repeat(5000), 256),
            Err(DocumentError::TooLong(5000))
        );
    }
}
