//! Fuzzes the multiplexed-stream decoder.
//!
//! Input layout, so the fuzzer steers the chunking as well as the bytes:
//! byte 0 = `n` (taken mod 16), the next `n` bytes = lengths of the first
//! chunks (0 = an empty chunk), everything after = the stream; whatever the
//! chunk lengths leave over is pushed as one last chunk.
//!
//! Checked: no panic; the chunked decode equals a whole-buffer reference
//! decoder; `LogStream::multiplexed` over the same chunks yields the same.

#![no_main]

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use api_client_transport::bytes::Bytes;
use api_client_transport::futures_core::Stream;
use docker_engine::frames::{FrameDecoder, FrameError, LogOutput, LogStream};
use libfuzzer_sys::fuzz_target;

const MAX_FRAME: usize = 8 << 20;

type Decoded = (Vec<Result<LogOutput, FrameError>>, Result<(), FrameError>);

fn reference(data: &[u8]) -> Decoded {
    let mut results = Vec::new();
    let mut rest = data;
    loop {
        if rest.is_empty() {
            return (results, Ok(()));
        }
        if rest.len() < 8 {
            let got = rest.len();
            return (results, Err(FrameError::Truncated { expected: 8, got }));
        }
        let kind = rest[0];
        if kind > 3 {
            results.push(Err(FrameError::UnknownStream(kind)));
            return (results, Err(FrameError::UnknownStream(kind)));
        }
        let len = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        // The decoders' default cap (the client's `max_frame_bytes`).
        if len > MAX_FRAME {
            let err = FrameError::TooLarge {
                len,
                max: MAX_FRAME,
            };
            results.push(Err(err.clone()));
            return (results, Err(err));
        }
        if rest.len() - 8 < len {
            let end = Err(FrameError::Truncated {
                expected: 8 + len,
                got: rest.len(),
            });
            return (results, end);
        }
        let message = Bytes::copy_from_slice(&rest[8..8 + len]);
        match kind {
            3 => results.push(Err(FrameError::Daemon(
                String::from_utf8_lossy(&message).trim_end().to_owned(),
            ))),
            _ if len == 0 => {}
            0 => results.push(Ok(LogOutput::StdIn { message })),
            1 => results.push(Ok(LogOutput::StdOut { message })),
            _ => results.push(Ok(LogOutput::StdErr { message })),
        }
        rest = &rest[8 + len..];
    }
}

fn streamed(chunks: &[Bytes]) -> Decoded {
    let mut decoder = FrameDecoder::new();
    let mut results = Vec::new();
    for chunk in chunks {
        decoder.push(chunk.clone());
        loop {
            match decoder.next_frame() {
                Ok(Some(frame)) => results.push(Ok(frame)),
                Ok(None) => break,
                Err(err @ FrameError::Daemon(_)) => results.push(Err(err)),
                Err(err) => {
                    results.push(Err(err.clone()));
                    assert_eq!(decoder.next_frame(), Err(err.clone()));
                    return (results, decoder.finish());
                }
            }
        }
    }
    (results, decoder.finish())
}

struct Body(VecDeque<Bytes>);

impl Stream for Body {
    type Item = Result<Bytes, api_client_transport::Error>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.pop_front().map(Ok))
    }
}

struct NoWake;
impl Wake for NoWake {
    fn wake(self: Arc<Self>) {}
}

fn via_log_stream(chunks: &[Bytes]) -> Vec<Result<LogOutput, FrameError>> {
    let mut stream = LogStream::multiplexed(Body(chunks.iter().cloned().collect()));
    let waker = Waker::from(Arc::new(NoWake));
    let mut cx = Context::from_waker(&waker);
    let mut items = Vec::new();
    while let Poll::Ready(Some(item)) = Pin::new(&mut stream).poll_next(&mut cx) {
        items.push(item.map_err(|err| {
            match err {
                // The cap is the client's limit error, without the announced length.
                api_client_transport::Error::Limit { max, .. } => {
                    FrameError::TooLarge { len: 0, max }
                }
                err => std::error::Error::source(&err)
                    .and_then(|s| s.downcast_ref::<FrameError>())
                    .cloned()
                    .expect("LogStream reports frame errors with a FrameError source"),
            }
        }));
    }
    items
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 16).min(rest.len());
    let (sizes, stream) = rest.split_at(n);
    let whole = Bytes::copy_from_slice(stream);
    let mut chunks = Vec::new();
    let mut start = 0;
    for &size in sizes {
        let end = (start + usize::from(size)).min(whole.len());
        chunks.push(whole.slice(start..end));
        start = end;
    }
    chunks.push(whole.slice(start..));

    let (expected, end) = reference(stream);
    let got = streamed(&chunks);
    assert_eq!(got, (expected.clone(), end.clone()));
    assert_eq!(streamed(&[whole]), got);

    let mut expected = expected;
    if let Err(err) = end {
        if expected.last() != Some(&Err(err.clone())) {
            expected.push(Err(err));
        }
    }
    for item in &mut expected {
        if let Err(FrameError::TooLarge { len, .. }) = item {
            *len = 0;
        }
    }
    assert_eq!(via_log_stream(&chunks), expected);
});
