//! The words on a deal's record as text: each cited document in order, its words only when
//! its bytes match the cited hash.

use std::fmt::Write as _;

use escrow_client::documents::Words;
use escrow_client::ops::deal_words::CitedWords;

use crate::text::ts;

pub fn on_record(s: &mut String, words: &[CitedWords]) {
    if words.is_empty() {
        return;
    }
    let _ = writeln!(s, "  on the record:");
    for w in words {
        let kind = match w.kind {
            "delivery_note" => "delivery note",
            "statement" => "dispute statement",
            "reasons" => "ruling's reasons",
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
        match &w.words {
            Words::OnChain { text } => {
                for line in text.lines() {
                    let _ = writeln!(s, "      | {line}");
                }
            }
            Words::NotOnChain => {
                let _ = writeln!(s, "      (not on chain: its words cannot be checked here)");
            }
            Words::DoesNotMatch => {
                let _ = writeln!(
                    s,
                    "      (the bytes published beside it do not match this hash: not shown)"
                );
            }
        }
    }
}
