//! Property tests: the streaming decoder agrees with a plain whole-buffer
//! reference decoder however the input is chunked, and never panics.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use api_client_transport::bytes::Bytes;
use api_client_transport::futures_core::Stream;
use docker_engine::frames::{FrameDecoder, FrameError, LogOutput, LogStream};
use proptest::prelude::*;
use proptest::sample::Index;

/// The decoders' default frame cap (the client's `max_frame_bytes`).
const MAX_FRAME: usize = 8 << 20;

type Decoded = (Vec<Result<LogOutput, FrameError>>, Result<(), FrameError>);

/// The format decoded the obvious way, from one contiguous buffer.
fn reference(data: &[u8]) -> Decoded {
    let mut results = Vec::new();
    let mut rest = data;
    loop {
        if rest.is_empty() {
            return (results, Ok(()));
        }
        if rest.len() < 8 {
            let end = Err(FrameError::Truncated {
                expected: 8,
                got: rest.len(),
            });
            return (results, end);
        }
        let kind = rest[0];
        if kind > 3 {
            results.push(Err(FrameError::UnknownStream(kind)));
            return (results, Err(FrameError::UnknownStream(kind)));
        }
        let len = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
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

/// Feeds `data` cut at `cuts` (sorted offsets) into a decoder, draining it
/// after every chunk.
fn streamed(data: &[u8], cuts: &[usize]) -> Decoded {
    let shared = Bytes::copy_from_slice(data);
    let mut decoder = FrameDecoder::new();
    let mut results = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&data.len())) {
        decoder.push(shared.slice(start..cut));
        start = cut;
        loop {
            match decoder.next_frame() {
                Ok(Some(frame)) => results.push(Ok(frame)),
                Ok(None) => break,
                Err(err @ FrameError::Daemon(_)) => results.push(Err(err)),
                Err(err) => {
                    results.push(Err(err.clone()));
                    // A fatal error must repeat, whatever comes next.
                    assert_eq!(decoder.next_frame(), Err(err.clone()));
                    assert_eq!(decoder.finish(), Err(err));
                    return (results, decoder.finish());
                }
            }
        }
    }
    (results, decoder.finish())
}

fn cut_points(len: usize, picks: &[Index]) -> Vec<usize> {
    let mut cuts: Vec<usize> = picks.iter().map(|i| i.index(len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

fn encode(frames: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (kind, payload) in frames {
        out.extend_from_slice(&[*kind, 0, 0, 0]);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(payload);
    }
    out
}

/// Well-formed frames on streams 0..=3, empty payloads included. Payloads
/// are random bytes up to 48 long, or patterned ones up to `max_payload`
/// (generating large random vectors byte by byte is slow).
fn valid_frames(max_payload: usize) -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
    let payload = prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..=48.min(max_payload)),
        1 => (0..=max_payload, any::<u8>()).prop_map(|(len, seed)| {
            (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
        }),
    ];
    prop::collection::vec((0u8..=3, payload), 0..8)
}

/// Input that looks like frames often enough to reach deep states: valid
/// and invalid headers with small lengths, mixed with arbitrary bytes.
fn framish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let segment = prop_oneof![
        (0u8..=5, prop::collection::vec(any::<u8>(), 0..40)).prop_map(|(k, p)| encode(&[(k, p)])),
        (0u8..=4, 0u32..64, prop::collection::vec(any::<u8>(), 0..16)).prop_map(
            |(k, len, tail)| {
                let mut v = vec![k, 0, 0, 0];
                v.extend_from_slice(&len.to_be_bytes());
                v.extend(tail);
                v
            }
        ),
        prop::collection::vec(any::<u8>(), 0..12),
    ];
    prop::collection::vec(segment, 0..8).prop_map(|segments| segments.concat())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_match_reference(
        data in prop::collection::vec(any::<u8>(), 0..512),
        picks in prop::collection::vec(any::<Index>(), 0..16),
    ) {
        let cuts = cut_points(data.len(), &picks);
        prop_assert_eq!(streamed(&data, &cuts), reference(&data));
    }

    #[test]
    fn framish_bytes_match_reference_in_any_chunking(
        data in framish_bytes(),
        picks in prop::collection::vec(any::<Index>(), 0..16),
    ) {
        let cuts = cut_points(data.len(), &picks);
        prop_assert_eq!(streamed(&data, &cuts), reference(&data));
    }

    #[test]
    fn framish_bytes_in_single_byte_chunks(data in framish_bytes()) {
        let cuts: Vec<usize> = (1..data.len()).collect();
        prop_assert_eq!(streamed(&data, &cuts), reference(&data));
    }

    #[test]
    fn valid_stream_split_at_every_boundary(frames in valid_frames(48)) {
        let data = encode(&frames);
        let whole = streamed(&data, &[]);
        prop_assert_eq!(&whole.1, &Ok(()));
        let expected_count = frames.iter().filter(|(k, p)| *k == 3 || !p.is_empty()).count();
        prop_assert_eq!(whole.0.len(), expected_count);
        for cut in 0..=data.len() {
            prop_assert_eq!(&streamed(&data, &[cut]), &whole, "cut at {}", cut);
        }
    }

    #[test]
    fn valid_stream_in_random_chunkings(
        frames in valid_frames(40_000),
        picks in prop::collection::vec(any::<Index>(), 0..64),
    ) {
        let data = encode(&frames);
        let whole = streamed(&data, &[]);
        prop_assert_eq!(&whole, &reference(&data));
        prop_assert_eq!(&streamed(&data, &cut_points(data.len(), &picks)), &whole);
    }

    #[test]
    fn valid_stream_cut_short_is_truncated_exactly_off_boundaries(
        frames in valid_frames(48),
        pick in any::<Index>(),
    ) {
        let data = encode(&frames);
        let end = pick.index(data.len() + 1);
        let mut boundaries = vec![0];
        for (_, payload) in &frames {
            boundaries.push(boundaries.last().unwrap() + 8 + payload.len());
        }
        let (results, finish) = streamed(&data[..end], &[end / 2]);
        prop_assert_eq!(finish.is_ok(), boundaries.contains(&end));
        // What was decoded before the cut is a prefix of the full decode.
        let (all, _) = reference(&data);
        prop_assert_eq!(&all[..results.len()], &results[..]);
    }

    #[test]
    fn log_stream_matches_reference(
        data in framish_bytes(),
        picks in prop::collection::vec(any::<Index>(), 0..16),
    ) {
        let cuts = cut_points(data.len(), &picks);
        let (expected, end) = reference(&data);
        let got = collect(LogStream::multiplexed(Body::cut(&data, &cuts)));
        let mut expected: Vec<Result<LogOutput, FrameError>> = expected;
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
        prop_assert_eq!(got, expected);
    }
}

// ---- LogStream plumbing ----

struct Body(VecDeque<Bytes>);

impl Body {
    fn cut(data: &[u8], cuts: &[usize]) -> Self {
        let shared = Bytes::copy_from_slice(data);
        let mut chunks = VecDeque::new();
        let mut start = 0;
        for &cut in cuts.iter().chain(std::iter::once(&data.len())) {
            chunks.push_back(shared.slice(start..cut));
            start = cut;
        }
        Body(chunks)
    }
}

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

fn collect(mut stream: LogStream) -> Vec<Result<LogOutput, FrameError>> {
    let waker = Waker::from(Arc::new(NoWake));
    let mut cx = Context::from_waker(&waker);
    let mut items = Vec::new();
    while let Poll::Ready(Some(item)) = Pin::new(&mut stream).poll_next(&mut cx) {
        items.push(item.map_err(|err| {
            match err {
                api_client_transport::Error::Stream { source, .. } => source
                    .downcast_ref::<FrameError>()
                    .cloned()
                    .expect("frame errors carry a FrameError"),
                // The cap is reported as the client's limit error, which
                // does not carry the announced length.
                api_client_transport::Error::Limit { max, limit, .. } => {
                    assert_eq!(limit, "max_frame_bytes");
                    FrameError::TooLarge { len: 0, max }
                }
                other => panic!("unexpected error {other:?}"),
            }
        }));
    }
    items
}
