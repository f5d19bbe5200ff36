//! Edge cases of the multiplexed-stream decoder and of `LogStream`.

use std::collections::VecDeque;
use std::error::Error as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use api_client_transport::bytes::Bytes;
use api_client_transport::futures_core::Stream;
use docker_engine::frames::{FrameDecoder, FrameError, LogOutput, LogStream};

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![kind, 0, 0, 0];
    out.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn out(s: &'static [u8]) -> LogOutput {
    LogOutput::StdOut {
        message: Bytes::from_static(s),
    }
}

fn err_out(s: &'static [u8]) -> LogOutput {
    LogOutput::StdErr {
        message: Bytes::from_static(s),
    }
}

/// Pushes `chunks` one by one, draining after each, and returns every result
/// plus what `finish` said.
fn decode_chunks(chunks: &[&[u8]]) -> (Vec<Result<LogOutput, FrameError>>, Result<(), FrameError>) {
    let mut decoder = FrameDecoder::new();
    let mut results = Vec::new();
    for chunk in chunks {
        decoder.push(Bytes::copy_from_slice(chunk));
        drain(&mut decoder, &mut results);
    }
    (results, decoder.finish())
}

fn drain(decoder: &mut FrameDecoder, results: &mut Vec<Result<LogOutput, FrameError>>) {
    loop {
        match decoder.next_frame() {
            Ok(Some(frame)) => results.push(Ok(frame)),
            Ok(None) => return,
            Err(err) => {
                let fatal = !matches!(err, FrameError::Daemon(_));
                results.push(Err(err));
                if fatal {
                    return;
                }
            }
        }
    }
}

#[test]
fn decodes_each_stream_type() {
    let mut bytes = frame(0, b"in");
    bytes.extend(frame(1, b"out"));
    bytes.extend(frame(2, b"err"));
    let (results, end) = decode_chunks(&[&bytes]);
    assert_eq!(
        results,
        vec![
            Ok(LogOutput::StdIn {
                message: Bytes::from_static(b"in")
            }),
            Ok(out(b"out")),
            Ok(err_out(b"err")),
        ]
    );
    assert_eq!(end, Ok(()));
}

#[test]
fn payload_inside_one_chunk_is_not_copied() {
    let mut bytes = frame(1, b"first");
    bytes.extend(frame(2, b"second"));
    let chunk = Bytes::from(bytes);
    let range = chunk.as_ptr_range();
    let mut decoder = FrameDecoder::new();
    decoder.push(chunk.clone());
    for expected in [&b"first"[..], b"second"] {
        let message = decoder.next_frame().unwrap().unwrap().into_bytes();
        assert_eq!(message, expected);
        assert!(
            range.contains(&message.as_ptr()),
            "payload was copied out of the pushed chunk"
        );
    }
    assert_eq!(decoder.next_frame(), Ok(None));
    assert_eq!(decoder.buffered(), 0);
}

#[test]
fn payload_spanning_chunks_is_reassembled() {
    let payload: Vec<u8> = (0..=255u8).cycle().take(40_000).collect();
    let bytes = frame(1, &payload);
    let chunks: Vec<&[u8]> = bytes.chunks(16 * 1024 + 3).collect();
    let (results, end) = decode_chunks(&chunks);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].as_ref().unwrap().message(), &payload[..]);
    assert_eq!(end, Ok(()));
}

#[test]
fn header_split_at_every_position() {
    let mut bytes = frame(2, b"abc");
    bytes.extend(frame(1, b"def"));
    for cut in 1..8 {
        let (results, end) = decode_chunks(&[&bytes[..cut], &bytes[cut..]]);
        assert_eq!(
            results,
            vec![Ok(err_out(b"abc")), Ok(out(b"def"))],
            "cut at {cut}"
        );
        assert_eq!(end, Ok(()));
    }
}

#[test]
fn header_in_single_byte_chunks() {
    let bytes = frame(1, b"xyz");
    let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
    let (results, end) = decode_chunks(&chunks);
    assert_eq!(results, vec![Ok(out(b"xyz"))]);
    assert_eq!(end, Ok(()));
}

#[test]
fn zero_length_frames_are_skipped() {
    let mut bytes = frame(1, b"");
    bytes.extend(frame(2, b""));
    bytes.extend(frame(0, b""));
    bytes.extend(frame(1, b"after"));
    bytes.extend(frame(2, b""));
    let (results, end) = decode_chunks(&[&bytes]);
    assert_eq!(results, vec![Ok(out(b"after"))]);
    assert_eq!(end, Ok(()));
}

#[test]
fn empty_chunks_change_nothing() {
    let bytes = frame(1, b"hello");
    let (results, end) = decode_chunks(&[b"", &bytes[..3], b"", b"", &bytes[3..], b""]);
    assert_eq!(results, vec![Ok(out(b"hello"))]);
    assert_eq!(end, Ok(()));
}

#[test]
fn empty_stream_finishes_cleanly() {
    let (results, end) = decode_chunks(&[]);
    assert!(results.is_empty());
    assert_eq!(end, Ok(()));
}

#[test]
fn end_inside_header_is_truncated() {
    let mut bytes = frame(1, b"ok");
    bytes.extend(&frame(2, b"lost")[..5]);
    let (results, end) = decode_chunks(&[&bytes]);
    assert_eq!(results, vec![Ok(out(b"ok"))]);
    assert_eq!(
        end,
        Err(FrameError::Truncated {
            expected: 8,
            got: 5
        })
    );
}

#[test]
fn end_inside_payload_is_truncated() {
    let bytes = frame(1, &[b'x'; 100]);
    // Once with the partial payload still queued, once with part of it
    // already copied into the pending frame.
    for chunks in [vec![&bytes[..18]], vec![&bytes[..12], &bytes[12..18]]] {
        let (results, end) = decode_chunks(&chunks);
        assert!(results.is_empty());
        assert_eq!(
            end,
            Err(FrameError::Truncated {
                expected: 108,
                got: 18
            })
        );
    }
}

#[test]
fn end_right_after_header_is_truncated() {
    let bytes = frame(2, b"abc");
    let (results, end) = decode_chunks(&[&bytes[..8]]);
    assert!(results.is_empty());
    assert_eq!(
        end,
        Err(FrameError::Truncated {
            expected: 11,
            got: 8
        })
    );
}

#[test]
fn a_declared_length_over_the_cap_is_refused_at_the_header() {
    let mut bytes = vec![1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
    bytes.extend_from_slice(&[b'a'; 4096]);
    let (results, end) = decode_chunks(&[&bytes]);
    let err = FrameError::TooLarge {
        len: u32::MAX as usize,
        max: 8 << 20,
    };
    assert_eq!(results, vec![Err(err.clone())]);
    assert_eq!(end, Err(err));
}

#[test]
fn daemon_error_carries_text_and_decoding_goes_on() {
    let mut bytes = frame(1, b"before");
    bytes.extend(frame(3, b"container has no logs: driver \"none\"\n"));
    bytes.extend(frame(2, b"after"));
    let (results, end) = decode_chunks(&[&bytes]);
    assert_eq!(
        results,
        vec![
            Ok(out(b"before")),
            Err(FrameError::Daemon(
                "container has no logs: driver \"none\"".to_owned()
            )),
            Ok(err_out(b"after")),
        ]
    );
    assert_eq!(end, Ok(()));
}

#[test]
fn empty_daemon_error_is_still_reported() {
    let (results, _) = decode_chunks(&[&frame(3, b"")]);
    assert_eq!(results, vec![Err(FrameError::Daemon(String::new()))]);
}

#[test]
fn daemon_error_with_invalid_utf8_is_lossy() {
    let (results, _) = decode_chunks(&[&frame(3, b"bad \xff byte")]);
    assert_eq!(
        results,
        vec![Err(FrameError::Daemon("bad \u{fffd} byte".to_owned()))]
    );
}

#[test]
fn unknown_stream_type_is_fatal_and_sticky() {
    let mut bytes = frame(1, b"ok");
    bytes.extend(frame(7, b"??"));
    bytes.extend(frame(1, b"never"));
    let mut decoder = FrameDecoder::new();
    decoder.push(Bytes::from(bytes));
    assert_eq!(decoder.next_frame(), Ok(Some(out(b"ok"))));
    assert_eq!(decoder.next_frame(), Err(FrameError::UnknownStream(7)));
    assert_eq!(decoder.next_frame(), Err(FrameError::UnknownStream(7)));
    decoder.push(Bytes::from(frame(1, b"more")));
    assert_eq!(decoder.next_frame(), Err(FrameError::UnknownStream(7)));
    assert_eq!(decoder.finish(), Err(FrameError::UnknownStream(7)));
}

#[test]
fn raw_text_read_as_multiplexed_fails_loudly() {
    let (results, _) = decode_chunks(&[b"hello world\n"]);
    assert_eq!(results, vec![Err(FrameError::UnknownStream(b'h'))]);
}

#[test]
fn reserved_header_bytes_are_ignored() {
    let mut bytes = frame(1, b"x");
    bytes[1..4].copy_from_slice(&[9, 9, 9]);
    let (results, end) = decode_chunks(&[&bytes]);
    assert_eq!(results, vec![Ok(out(b"x"))]);
    assert_eq!(end, Ok(()));
}

#[test]
fn finish_walks_over_undrained_frames() {
    let mut bytes = frame(1, b"a");
    bytes.extend(frame(2, b"b"));
    let mut decoder = FrameDecoder::new();
    decoder.push(Bytes::from(bytes.clone()));
    assert_eq!(decoder.finish(), Ok(()));

    bytes.extend(&frame(1, b"cut")[..9]);
    let mut decoder = FrameDecoder::new();
    decoder.push(Bytes::from(bytes.clone()));
    assert_eq!(
        decoder.finish(),
        Err(FrameError::Truncated {
            expected: 11,
            got: 9
        })
    );

    let mut decoder = FrameDecoder::new();
    decoder.push(Bytes::from(frame(1, b"a")));
    decoder.push(Bytes::from_static(b"\x09\x00\x00\x00"));
    assert_eq!(
        decoder.finish(),
        Err(FrameError::Truncated {
            expected: 8,
            got: 4
        })
    );
    decoder.push(Bytes::from_static(b"\x00\x00\x00\x00"));
    assert_eq!(decoder.finish(), Err(FrameError::UnknownStream(9)));
}

#[test]
fn log_output_accessors_and_display() {
    let frame = LogOutput::StdErr {
        message: Bytes::from_static(b"caf\xc3\xa9 \xff"),
    };
    assert_eq!(frame.message(), &b"caf\xc3\xa9 \xff"[..]);
    assert_eq!(frame.to_string(), "caf\u{e9} \u{fffd}");
    assert_eq!(
        frame.clone().into_bytes(),
        Bytes::from_static(b"caf\xc3\xa9 \xff")
    );
    let console = LogOutput::Console {
        message: Bytes::from_static(b"$ "),
    };
    assert_eq!(console.to_string(), "$ ");
}

#[test]
fn frame_errors_display() {
    assert_eq!(
        FrameError::Truncated {
            expected: 108,
            got: 18
        }
        .to_string(),
        "multiplexed stream ended inside a frame: expected 108 bytes, got 18"
    );
    assert!(FrameError::UnknownStream(7).to_string().contains("type 7"));
    assert!(FrameError::Daemon("boom".into())
        .to_string()
        .ends_with(": boom"));
}

// ---- LogStream ----

/// A body stream that answers `Pending` (and wakes itself) before every
/// item, so `LogStream` has to cope with partial progress.
struct Body {
    items: VecDeque<Result<Bytes, api_client_transport::Error>>,
    pending_next: bool,
}

impl Body {
    fn new(items: Vec<Result<Bytes, api_client_transport::Error>>) -> Self {
        Self {
            items: items.into(),
            pending_next: true,
        }
    }

    fn chunks(chunks: &[&[u8]]) -> Self {
        Self::new(
            chunks
                .iter()
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect(),
        )
    }
}

impl Stream for Body {
    type Item = Result<Bytes, api_client_transport::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.pending_next {
            self.pending_next = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.pending_next = true;
        Poll::Ready(self.items.pop_front())
    }
}

struct Flag;
impl Wake for Flag {
    fn wake(self: Arc<Self>) {}
}

/// Polls to the end; also checks the stream stays ended afterwards.
fn collect(mut stream: LogStream) -> Vec<Result<LogOutput, api_client_transport::Error>> {
    let waker = Waker::from(Arc::new(Flag));
    let mut cx = Context::from_waker(&waker);
    let mut items = Vec::new();
    for _ in 0..10_000 {
        match Pin::new(&mut stream).poll_next(&mut cx) {
            Poll::Ready(Some(item)) => items.push(item),
            Poll::Ready(None) => {
                assert!(matches!(
                    Pin::new(&mut stream).poll_next(&mut cx),
                    Poll::Ready(None)
                ));
                return items;
            }
            Poll::Pending => {}
        }
    }
    panic!("stream did not end");
}

fn frame_error(err: &api_client_transport::Error) -> Option<&FrameError> {
    match err {
        api_client_transport::Error::Stream { source, .. } => source.downcast_ref::<FrameError>(),
        _ => None,
    }
}

fn ok_frames(items: &[Result<LogOutput, api_client_transport::Error>]) -> Vec<LogOutput> {
    items
        .iter()
        .filter_map(|i| i.as_ref().ok().cloned())
        .collect()
}

#[test]
fn log_stream_is_send_unpin_debug() {
    fn check<T: Send + Unpin + std::fmt::Debug + Stream>() {}
    check::<LogStream>();
    let stream = LogStream::multiplexed(Body::chunks(&[]));
    let debug = format!("{stream:?}");
    assert!(debug.contains("multiplexed: true"), "{debug}");
    assert!(stream.is_multiplexed());
    assert!(!LogStream::raw(Body::chunks(&[])).is_multiplexed());
}

#[test]
fn log_stream_multiplexed_decodes_across_chunks() {
    let mut bytes = frame(1, b"one\n");
    bytes.extend(frame(2, b"two\n"));
    bytes.extend(frame(1, b"three\n"));
    let chunks: Vec<&[u8]> = bytes.chunks(5).collect();
    let items = collect(LogStream::multiplexed(Body::chunks(&chunks)));
    assert_eq!(items.len(), 3);
    assert_eq!(
        ok_frames(&items),
        vec![out(b"one\n"), err_out(b"two\n"), out(b"three\n")]
    );
}

#[test]
fn log_stream_raw_passes_chunks_through() {
    let header_like = frame(1, b"not a frame");
    let items = collect(LogStream::raw(Body::chunks(&[
        b"$ ls\r\n",
        b"",
        &header_like,
    ])));
    assert_eq!(items.len(), 2);
    assert_eq!(
        ok_frames(&items),
        vec![
            LogOutput::Console {
                message: Bytes::from_static(b"$ ls\r\n")
            },
            LogOutput::Console {
                message: Bytes::from(header_like)
            },
        ]
    );
}

#[test]
fn log_stream_reports_daemon_error_and_continues() {
    let mut bytes = frame(1, b"a");
    bytes.extend(frame(3, b"boom"));
    bytes.extend(frame(1, b"b"));
    let items = collect(
        LogStream::multiplexed(Body::chunks(&[&bytes])).with_request(
            api_client_transport::http::Method::POST,
            "/containers/x/attach",
        ),
    );
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap(), &out(b"a"));
    let err = items[1].as_ref().unwrap_err();
    assert_eq!(frame_error(err), Some(&FrameError::Daemon("boom".into())));
    match err {
        api_client_transport::Error::Stream { method, path, .. } => {
            assert_eq!(method, api_client_transport::http::Method::POST);
            assert_eq!(path, "/containers/x/attach");
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(err.source().is_some());
    assert_eq!(items[2].as_ref().unwrap(), &out(b"b"));
}

#[test]
fn log_stream_truncated_at_end() {
    let bytes = frame(1, b"abcdef");
    let items = collect(LogStream::multiplexed(Body::chunks(&[&bytes[..10]])));
    assert_eq!(items.len(), 1);
    assert_eq!(
        frame_error(items[0].as_ref().unwrap_err()),
        Some(&FrameError::Truncated {
            expected: 14,
            got: 10
        })
    );
}

#[test]
fn log_stream_stops_after_unknown_stream() {
    let mut bytes = frame(1, b"a");
    bytes.extend(frame(5, b"x"));
    let after = frame(1, b"b");
    let items = collect(LogStream::multiplexed(Body::chunks(&[&bytes, &after])));
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap(), &out(b"a"));
    assert_eq!(
        frame_error(items[1].as_ref().unwrap_err()),
        Some(&FrameError::UnknownStream(5))
    );
}

#[test]
fn log_stream_passes_body_errors_through_and_stops() {
    let items = collect(LogStream::multiplexed(Body::new(vec![
        Ok(Bytes::from(frame(1, b"a"))),
        Err(api_client_transport::Error::invalid("body", "broken")),
        Ok(Bytes::from(frame(1, b"never"))),
    ])));
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap(), &out(b"a"));
    assert!(matches!(
        items[1],
        Err(api_client_transport::Error::InvalidInput { .. })
    ));
}
