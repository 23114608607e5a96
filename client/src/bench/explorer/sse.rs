//! Server-sent events cut out of a byte stream: `/api/live` arrives in whatever chunks TCP
//! delivers, so an event (or a UTF-8 character) may be split across two of them, and two
//! events may share one.

/// One event: its `event:` name ("message" when it gives none) and its `data:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
}

/// The bytes received but not yet ended by a blank line.
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
}

impl SseParser {
    /// Adds `chunk` and returns the events it completes, in order. Comments (the keep-alive
    /// `:` lines) and events without data are dropped, as a browser drops them.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        // CR LF and LF both end a line; the explorer sends LF.
        self.pending.extend(chunk.iter().filter(|&&b| b != b'\r'));
        let mut events = Vec::new();
        while let Some(end) = self.pending.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = self.pending.drain(..end + 2).collect();
            if let Some(event) = parse_block(&String::from_utf8_lossy(&block)) {
                events.push(event);
            }
        }
        events
    }
}

fn parse_block(block: &str) -> Option<SseEvent> {
    let mut event = None;
    let mut data: Option<String> = None;
    for line in block.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => event = Some(value.to_string()),
            "data" => match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_string()),
            },
            // A comment (empty field name), `id`, `retry` or an unknown field.
            _ => {}
        }
    }
    Some(SseEvent {
        event: event.unwrap_or_else(|| "message".into()),
        data: data?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(data: &str) -> SseEvent {
        SseEvent {
            event: "status".into(),
            data: data.into(),
        }
    }

    #[test]
    fn events_split_across_chunks_and_sharing_one_come_out_whole_and_in_order() {
        let mut p = SseParser::default();
        assert_eq!(p.push(b"event: status\ndata: {\"node\":"), []);
        assert_eq!(
            p.push(b"\"up\"}\n\nevent: status\ndata: 1\n\nevent: sta"),
            [status("{\"node\":\"up\"}"), status("1")]
        );
        assert_eq!(p.push(b"tus\r\ndata: 2\r\n\r\n"), [status("2")]);
    }

    #[test]
    fn comments_and_events_without_data_are_dropped_and_data_lines_join() {
        let mut p = SseParser::default();
        assert_eq!(p.push(b":\n\nevent: status\n\n"), []);
        assert_eq!(
            p.push(b"data: a\ndata:b\nid: 7\n\n"),
            [SseEvent {
                event: "message".into(),
                data: "a\nb".into(),
            }]
        );
    }

    #[test]
    fn a_character_split_between_chunks_is_kept() {
        let mut p = SseParser::default();
        let text = "data: é\n\n".as_bytes();
        assert_eq!(p.push(&text[..7]), []);
        assert_eq!(p.push(&text[7..])[0].data, "é");
    }
}
