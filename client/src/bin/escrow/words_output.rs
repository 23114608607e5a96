//! The words on a deal's record as text: each cited document in order, its words only when
//! its bytes match the cited hash.

use std::fmt::Write as _;

use escrow_client::documents::Words;
use escrow_client::ops::deal_words::CitedWords;

use crate::text::ts;

pub fn on_record(s: &mut String, cited: &[CitedWords]) {
    if cited.is_empty() {
        return;
    }
    let _ = writeln!(s, "  on the record:");
    for w in cited {
        let kind = match w.kind {
            "delivery_note" => "delivery note",
            "statement" => "dispute statement",
            "reasons" => "ruling's reasons",
            "rating_comment" => "rating comment",
            _ => "evidence",
        };
        let _ = writeln!(
            s,
            "    {kind} by {}, block {} ({}), document {}",
            w.by,
            w.block,
            ts(w.timestamp),
            w.document
        );
        words(s, "      ", &w.words);
    }
}

/// A cited document's words, each line under `indent`, or why they are not shown.
pub fn words(s: &mut String, indent: &str, words: &Words) {
    match words {
        Words::OnChain { text } => {
            for line in text.lines() {
                let _ = writeln!(s, "{indent}| {line}");
            }
        }
        Words::NotOnChain => {
            let _ = writeln!(
                s,
                "{indent}(not on chain: its words cannot be checked here)"
            );
        }
        Words::DoesNotMatch => {
            let _ = writeln!(
                s,
                "{indent}(the bytes published for it do not match its hash: not shown)"
            );
        }
    }
}
