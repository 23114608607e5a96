//! Reading the node's log file: the part written since a start, for errors that show what the
//! node said before it failed.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

const LOG_TAIL_LINES: usize = 30;

pub(super) fn read_from(path: &Path, offset: u64) -> io::Result<String> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub(super) fn log_tail(path: &Path, offset: u64) -> String {
    match read_from(path, offset) {
        Ok(text) if !text.trim().is_empty() => last_lines(&text, LOG_TAIL_LINES),
        Ok(_) => "  (log is empty)".into(),
        Err(e) => format!("  (cannot read log: {e})"),
    }
}

pub(super) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
