//! A Server-Sent Events parser for a byte stream that arrives in chunks of
//! any size, following the WHATWG "event stream" interpretation rules.
//!
//! Written here rather than taken from a crate: the ones that parse SSE either
//! bring their own HTTP client or take a `Stream` of a different error type;
//! this one is fed the core's chunks directly and bounds its memory.

use std::time::Duration;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawEvent {
    /// The `event:` field (`message` when none was given).
    pub(crate) event: String,
    /// The `data:` lines joined with `\n`.
    pub(crate) data: String,
    /// The last event id in force when the event was dispatched.
    pub(crate) id: Option<String>,
    /// Whether the event set that id itself (an `id:` line of its own)
    /// rather than inheriting it from an earlier event.
    pub(crate) own_id: bool,
}

/// Why the parser gave up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an event or line of the trace stream is over {limit} bytes (raise TraceOptions::max_event_bytes)")]
pub(crate) struct TooLong {
    pub(crate) limit: usize,
}

/// Incremental parser: [`Parser::feed`] bytes, then take events with
/// [`Parser::next_event`].
#[derive(Debug)]
pub(crate) struct Parser {
    /// Bytes of a line not yet ended.
    line: Vec<u8>,
    /// A `\r` ended the last line; a `\n` right after it belongs to it.
    after_cr: bool,
    /// The first bytes of the stream may be a byte-order mark.
    at_start: bool,
    event: String,
    data: String,
    has_data: bool,
    /// An `id:` line was seen since the last dispatch.
    has_id: bool,
    last_id: Option<String>,
    retry: Option<Duration>,
    ready: std::collections::VecDeque<RawEvent>,
    /// Most bytes of one line, and of one event's data.
    limit: usize,
}

impl Parser {
    pub(crate) fn new(limit: usize) -> Self {
        Parser {
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            event: String::new(),
            data: String::new(),
            has_data: false,
            has_id: false,
            last_id: None,
            retry: None,
            ready: Default::default(),
            limit,
        }
    }

    /// The reconnection delay the server asked for with `retry:`.
    pub(crate) fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Forgets an event cut off by a dropped connection (the spec discards
    /// it: it was never dispatched) and expects a new stream. The last event
    /// id and the retry delay stay.
    pub(crate) fn reconnected(&mut self) {
        self.line.clear();
        self.after_cr = false;
        self.at_start = true;
        self.event.clear();
        self.data.clear();
        self.has_data = false;
        self.has_id = false;
    }

    pub(crate) fn next_event(&mut self) -> Option<RawEvent> {
        self.ready.pop_front()
    }

    pub(crate) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), TooLong> {
        if self.at_start {
            // A UTF-8 byte-order mark may open the stream; it may also arrive
            // split over chunks, so wait until three bytes are known.
            let bom = [0xEF, 0xBB, 0xBF];
            let have = self.line.len();
            let take = bytes.len().min(3 - have);
            let mut head = self.line.clone();
            head.extend_from_slice(&bytes[..take]);
            if bom.starts_with(&head) {
                if head.len() < 3 {
                    self.line = head;
                    return Ok(());
                }
                self.line.clear();
                bytes = &bytes[take..];
            }
            self.at_start = false;
        }
        for &b in bytes {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' => self.end_line()?,
                b'\r' => {
                    self.end_line()?;
                    self.after_cr = true;
                }
                _ => {
                    if self.line.len() >= self.limit {
                        return Err(TooLong { limit: self.limit });
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), TooLong> {
        let line = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&line);
        if text.is_empty() {
            self.dispatch();
            return Ok(());
        }
        if text.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match text.find(':') {
            Some(i) => {
                let v = &text[i + 1..];
                (&text[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (&text[..], ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if self.data.len() + value.len() + 1 > self.limit {
                    return Err(TooLong { limit: self.limit });
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            // An id with NUL is ignored, as the spec says.
            "id" if !value.contains('\0') => {
                self.last_id = Some(value.to_string());
                self.has_id = true;
            }
            // Only ASCII digits: "+5" or " 5" are not a delay.
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse::<u64>() {
                    self.retry = Some(Duration::from_millis(ms));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self) {
        let event = std::mem::take(&mut self.event);
        let own_id = std::mem::take(&mut self.has_id);
        if !self.has_data {
            return;
        }
        self.has_data = false;
        let id = self.last_id.clone().filter(|id| !id.is_empty());
        self.ready.push_back(RawEvent {
            event: if event.is_empty() {
                "message".to_string()
            } else {
                event
            },
            data: std::mem::take(&mut self.data),
            own_id: own_id && id.is_some(),
            id,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<RawEvent> {
        let mut p = Parser::new(1024);
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c).unwrap();
            while let Some(e) = p.next_event() {
                out.push(e);
            }
        }
        out
    }

    fn ev(event: &str, data: &str, id: Option<&str>) -> RawEvent {
        RawEvent {
            event: event.into(),
            data: data.into(),
            id: id.map(Into::into),
            own_id: id.is_some(),
        }
    }

    fn inherited(event: &str, data: &str, id: &str) -> RawEvent {
        RawEvent {
            own_id: false,
            ..ev(event, data, Some(id))
        }
    }

    #[test]
    fn multi_line_data_comments_id_and_event() {
        let got = all(&[b": hello\nid: 7\nevent: update\ndata: a\ndata:b\ndata\n\n"]);
        assert_eq!(got, vec![ev("update", "a\nb\n", Some("7"))]);
    }

    #[test]
    fn crlf_cr_and_lf_all_end_lines() {
        let got = all(&[b"data: 1\r\n\r\ndata: 2\r\rdata: 3\n\n"]);
        assert_eq!(
            got,
            vec![
                ev("message", "1", None),
                ev("message", "2", None),
                ev("message", "3", None)
            ]
        );
        // A CRLF split between chunks is one line end, not two.
        let got = all(&[b"data: 1\r", b"\ndata: 2\r", b"\n\r\n"]);
        assert_eq!(got, vec![ev("message", "1\n2", None)]);
    }

    #[test]
    fn a_line_split_across_chunks() {
        let got = all(&[b"da", b"ta: hel", b"lo\nid", b": 4", b"2\n", b"\n"]);
        assert_eq!(got, vec![ev("message", "hello", Some("42"))]);
        // Split inside a multi-byte character, too.
        let text = "data: é\n\n".as_bytes();
        let got = all(&[&text[..7], &text[7..]]);
        assert_eq!(got, vec![ev("message", "é", None)]);
    }

    #[test]
    fn retry_is_read_and_bad_retry_ignored() {
        let mut p = Parser::new(64);
        p.feed(b"retry: 1500\n\nretry: soon\n\n").unwrap();
        assert_eq!(p.retry(), Some(Duration::from_millis(1500)));
        assert_eq!(p.next_event(), None);
    }

    #[test]
    fn the_id_persists_and_an_event_without_data_is_not_dispatched() {
        let got = all(&[b"id: 1\n\nevent: x\n\ndata: a\n\nid\ndata: b\n\n"]);
        assert_eq!(
            got,
            vec![inherited("message", "a", "1"), ev("message", "b", None)]
        );
        // An id with NUL is ignored.
        let got = all(&[b"id: 3\n\nid: 4\0\ndata: z\n\n"]);
        assert_eq!(got, vec![inherited("message", "z", "3")]);
    }

    #[test]
    fn a_byte_order_mark_is_skipped_even_when_split() {
        let got = all(&[&[0xEF, 0xBB], &[0xBF], b"data: x\n\n"]);
        assert_eq!(got, vec![ev("message", "x", None)]);
    }

    #[test]
    fn an_event_cut_off_by_a_reconnect_is_dropped() {
        let mut p = Parser::new(64);
        p.feed(b"id: 5\ndata: whole\n\nid: 6\ndata: ha").unwrap();
        assert_eq!(p.next_event(), Some(ev("message", "whole", Some("5"))));
        p.reconnected();
        p.feed(b"lf\n\nid: 6\ndata: again\n\n").unwrap();
        // "lf" alone is a field named "lf": ignored; the blank line has no data.
        assert_eq!(p.next_event(), Some(ev("message", "again", Some("6"))));
        assert_eq!(p.next_event(), None);
    }

    #[test]
    fn lines_and_events_are_bounded() {
        let mut p = Parser::new(16);
        assert_eq!(p.feed(&[b'a'; 17]), Err(TooLong { limit: 16 }));
        let mut p = Parser::new(16);
        p.feed(b"data: 0123456789\n").unwrap();
        assert_eq!(p.feed(b"data: 0123456789\n"), Err(TooLong { limit: 16 }));
    }

    proptest::proptest! {
        #[test]
        fn any_split_gives_the_same_events(cut in proptest::collection::vec(0usize..120, 0..6)) {
            let text: &[u8] = b"retry: 5\r\n: c\nid: 1\nevent: e\ndata: x\r\ndata: y\n\nid: 2\rdata: z\r\r";
            let whole = all(&[text]);
            let mut cuts: Vec<usize> = cut.into_iter().map(|c| c % (text.len() + 1)).collect();
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut at = 0;
            for c in cuts {
                pieces.push(&text[at..c]);
                at = c;
            }
            pieces.push(&text[at..]);
            proptest::prop_assert_eq!(all(&pieces), whole);
        }

        #[test]
        fn any_bytes_give_events_or_a_bound_error(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut p = Parser::new(64);
            let _ = p.feed(&bytes);
            while p.next_event().is_some() {}
        }
    }
}
