//! Decoding of the output streams of `attach`, `logs` and `exec`.
//!
//! When a container (or exec instance) runs **without** a TTY, the daemon
//! multiplexes stdin, stdout and stderr over one byte stream by prefixing every
//! chunk of output with an 8-byte header:
//!
//! | byte  | meaning                                                     |
//! |-------|-------------------------------------------------------------|
//! | 0     | stream: `0` stdin, `1` stdout, `2` stderr, `3` daemon error  |
//! | 1..=3 | reserved (zero)                                             |
//! | 4..=7 | payload length, big-endian `u32`                            |
//!
//! With a TTY the stream is raw terminal output and has no headers at all.
//! Which of the two applies is known only from the container's (or exec's)
//! configuration, so the caller decides: [`LogStream::multiplexed`] or
//! [`LogStream::raw`]. Nothing here guesses from the first bytes, since raw
//! output may legitimately start with `0x01`.
//!
//! [`FrameDecoder`] is the sans-IO core: push chunks in, pull frames out. It
//! never copies a payload that lies inside one pushed chunk (the frame's
//! message is a [`Bytes::slice`](api_client_transport::bytes::Bytes::slice)-style view of
//! that chunk); only payloads split across chunks are copied, into a buffer
//! that grows with the data that actually arrives, never with the length a
//! header merely claims.
//!
//! ```
//! use docker_engine::frames::{FrameDecoder, LogOutput};
//! use api_client_transport::bytes::Bytes;
//!
//! let mut decoder = FrameDecoder::new();
//! decoder.push(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n"));
//! assert_eq!(
//!     decoder.next_frame(),
//!     Ok(Some(LogOutput::StdOut { message: Bytes::from_static(b"hi\n") }))
//! );
//! assert_eq!(decoder.next_frame(), Ok(None));
//! assert_eq!(decoder.finish(), Ok(()));
//! ```

use std::collections::VecDeque;
use std::fmt;

use api_client_transport::DEFAULT_MAX_FRAME_BYTES;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use api_client_transport::bytes::{Buf, Bytes, BytesMut};
use api_client_transport::futures_core::Stream;
use api_client_transport::http::Method;

/// Size of a frame header in bytes.
const HEADER_LEN: usize = 8;

/// One piece of output from a container or exec instance.
///
/// The daemon splits long lines into several frames (about 16 KiB each), so a
/// message is not necessarily a whole line, nor valid UTF-8 on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogOutput {
    /// Data echoed from the process's standard input.
    StdIn {
        /// The payload bytes.
        message: Bytes,
    },
    /// Data the process wrote to standard output.
    StdOut {
        /// The payload bytes.
        message: Bytes,
    },
    /// Data the process wrote to standard error.
    StdErr {
        /// The payload bytes.
        message: Bytes,
    },
    /// Raw output of a TTY, where stdout and stderr are not told apart.
    Console {
        /// The payload bytes.
        message: Bytes,
    },
}

impl LogOutput {
    /// The payload bytes, whichever stream they came from.
    pub fn message(&self) -> &Bytes {
        match self {
            LogOutput::StdIn { message }
            | LogOutput::StdOut { message }
            | LogOutput::StdErr { message }
            | LogOutput::Console { message } => message,
        }
    }

    /// Consumes the output, returning its payload bytes (no copy).
    pub fn into_bytes(self) -> Bytes {
        match self {
            LogOutput::StdIn { message }
            | LogOutput::StdOut { message }
            | LogOutput::StdErr { message }
            | LogOutput::Console { message } => message,
        }
    }
}

/// Writes the payload as text; invalid UTF-8 sequences become `U+FFFD`.
impl fmt::Display for LogOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.message()))
    }
}

/// Why a multiplexed stream could not be decoded.
///
/// Inside a [`LogStream`] these reach the caller as
/// [`api_client_transport::Error::Stream`] whose `source` is this type, so it can be
/// recovered with `downcast_ref::<FrameError>()`; except [`FrameError::TooLarge`],
/// which a [`LogStream`] reports as [`api_client_transport::Error::Limit`] naming
/// `max_frame_bytes`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A header named a stream other than 0..=3. The framing can no longer
    /// be trusted, so decoding stops; this usually means a raw (TTY) stream
    /// was read as multiplexed.
    #[error("unknown stream type {0} in multiplexed frame header (a TTY stream must be read raw)")]
    UnknownStream(u8),
    /// The daemon sent an error message in-band (stream type 3). The framing
    /// stays intact, so frames after it can still be read.
    #[error("daemon reported an error in the stream: {0}")]
    Daemon(String),
    /// The stream ended inside a frame. Both counts include the 8-byte
    /// header: a stream cut after 3 header bytes gives `expected: 8, got: 3`;
    /// one cut 10 bytes into a 100-byte payload gives `expected: 108, got: 18`.
    #[error("multiplexed stream ended inside a frame: expected {expected} bytes, got {got}")]
    Truncated {
        /// Length of the whole frame (header included), or 8 if the stream
        /// ended inside the header.
        expected: usize,
        /// Bytes of that frame that did arrive.
        got: usize,
    },
    /// A header announced a payload longer than the decoder accepts
    /// ([`FrameDecoder::with_max_frame_bytes`]). Reported as soon as the
    /// header is read, before any of the payload is kept; decoding stops.
    #[error("a multiplexed frame announces {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Payload length the header announced.
        len: usize,
        /// The decoder's limit.
        max: usize,
    },
}

impl FrameError {
    /// Whether decoding can go on after this error.
    fn is_fatal(&self) -> bool {
        !matches!(self, FrameError::Daemon(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    StdIn,
    StdOut,
    StdErr,
    Daemon,
}

#[derive(Debug, Clone, Default)]
enum State {
    /// Waiting for the next 8-byte header.
    #[default]
    Header,
    /// Header read; `partial` holds the payload bytes copied so far (only
    /// used when the payload spans chunks).
    Payload {
        kind: Kind,
        len: usize,
        partial: BytesMut,
    },
    /// A fatal error happened; it is reported again on every call.
    Failed(FrameError),
}

/// Sans-IO decoder for Docker's multiplexed stream format.
///
/// Feed it the body chunks as they arrive with [`push`](Self::push), take
/// frames with [`next_frame`](Self::next_frame) until it returns `Ok(None)`,
/// and when the body has ended call [`finish`](Self::finish) to learn whether
/// it stopped cleanly at a frame boundary.
///
/// Decisions worth knowing:
///
/// - Frames with an empty payload carry nothing and are skipped (except on
///   stream 3, where even an empty daemon error is reported).
/// - The reserved header bytes 1..=3 are ignored, as the daemon's own client
///   does.
/// - A payload is handed out as soon as it is complete; the decoder never
///   waits for a newline.
/// - A header announcing a payload longer than the limit (by default
///   [`DEFAULT_MAX_FRAME_BYTES`], 8 MiB, the client's
///   [`max_frame_bytes`](api_client_transport::ClientConfig::max_frame_bytes))
///   is [`FrameError::TooLarge`] at once, before any of its payload is kept.
///   Below the limit, memory grows only as payload bytes actually arrive,
///   never with the length a header merely claims.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    /// Pushed chunks not yet consumed; never holds an empty chunk.
    chunks: VecDeque<Bytes>,
    /// Total length of `chunks`.
    buffered: usize,
    state: State,
    /// Longest payload accepted.
    max_frame: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder positioned at the start of a stream, accepting payloads of
    /// up to [`DEFAULT_MAX_FRAME_BYTES`] (8 MiB).
    pub fn new() -> Self {
        Self {
            chunks: VecDeque::new(),
            buffered: 0,
            state: State::Header,
            max_frame: DEFAULT_MAX_FRAME_BYTES,
        }
    }

    /// Sets the longest payload accepted: a header announcing more is
    /// [`FrameError::TooLarge`] as soon as it is read.
    pub fn with_max_frame_bytes(mut self, max: usize) -> Self {
        self.max_frame = max;
        self
    }

    /// Appends a chunk of the stream. Chunk boundaries need not match frame
    /// boundaries in any way.
    pub fn push(&mut self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.buffered += chunk.len();
            self.chunks.push_back(chunk);
        }
    }

    /// Number of pushed bytes not yet consumed by [`next_frame`](Self::next_frame)
    /// (not counting payload bytes already copied into a pending frame).
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// Decodes the next complete frame.
    ///
    /// Returns `Ok(None)` when more data is needed. A stream-3 frame yields
    /// `Err(FrameError::Daemon(..))` and decoding may continue afterwards; an
    /// unknown stream type yields `Err(FrameError::UnknownStream(..))` now and
    /// on every later call.
    pub fn next_frame(&mut self) -> Result<Option<LogOutput>, FrameError> {
        loop {
            let (kind, message) = match &mut self.state {
                State::Failed(err) => return Err(err.clone()),
                State::Header => {
                    let mut header = [0u8; HEADER_LEN];
                    if !self.take_exact(&mut header) {
                        return Ok(None);
                    }
                    let kind = match header[0] {
                        0 => Kind::StdIn,
                        1 => Kind::StdOut,
                        2 => Kind::StdErr,
                        3 => Kind::Daemon,
                        other => {
                            let err = FrameError::UnknownStream(other);
                            self.state = State::Failed(err.clone());
                            return Err(err);
                        }
                    };
                    let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
                    // Saturation only matters on 16-bit targets, where such a
                    // payload could never be buffered anyway.
                    let len = usize::try_from(len).unwrap_or(usize::MAX);
                    if len > self.max_frame {
                        let err = FrameError::TooLarge {
                            len,
                            max: self.max_frame,
                        };
                        // Nothing of this frame is kept; what is buffered goes too.
                        self.chunks.clear();
                        self.buffered = 0;
                        self.state = State::Failed(err.clone());
                        return Err(err);
                    }
                    self.state = State::Payload {
                        kind,
                        len,
                        partial: BytesMut::new(),
                    };
                    continue;
                }
                State::Payload { kind, len, partial } => {
                    let (kind, len) = (*kind, *len);
                    let message = if partial.is_empty()
                        && self.chunks.front().map_or(len == 0, |c| c.len() >= len)
                    {
                        // Whole payload inside the first chunk: hand out a
                        // view of it, no copy.
                        self.buffered -= len;
                        Self::split_front(&mut self.chunks, len)
                    } else {
                        let need = len - partial.len();
                        // Reserve what is already here (not what the header
                        // promises) so one payload costs at most a few
                        // allocations even when it arrives in many chunks.
                        partial.reserve(need.min(self.buffered));
                        while partial.len() < len {
                            let Some(front) = self.chunks.front_mut() else {
                                return Ok(None);
                            };
                            let take = front.len().min(len - partial.len());
                            partial.extend_from_slice(&front[..take]);
                            front.advance(take);
                            self.buffered -= take;
                            if front.is_empty() {
                                self.chunks.pop_front();
                            }
                        }
                        std::mem::take(partial).freeze()
                    };
                    (kind, message)
                }
            };
            self.state = State::Header;
            match kind {
                Kind::Daemon => {
                    let text = String::from_utf8_lossy(&message);
                    return Err(FrameError::Daemon(text.trim_end().to_owned()));
                }
                _ if message.is_empty() => continue,
                Kind::StdIn => return Ok(Some(LogOutput::StdIn { message })),
                Kind::StdOut => return Ok(Some(LogOutput::StdOut { message })),
                Kind::StdErr => return Ok(Some(LogOutput::StdErr { message })),
            }
        }
    }

    /// Checks that the stream may end here: `Ok(())` if everything pushed
    /// ends exactly on a frame boundary, `Err(FrameError::Truncated { .. })`
    /// if a header or payload is incomplete.
    ///
    /// Meant to be called once the body has ended and
    /// [`next_frame`](Self::next_frame) returned `Ok(None)`; complete frames
    /// that were pushed but not yet taken are walked over (and an unknown
    /// stream type among them is reported), not counted as truncation.
    pub fn finish(&self) -> Result<(), FrameError> {
        let mut offset = match &self.state {
            State::Failed(err) => return Err(err.clone()),
            State::Header => 0,
            State::Payload { len, partial, .. } => {
                let need = len - partial.len();
                if self.buffered < need {
                    return Err(FrameError::Truncated {
                        expected: HEADER_LEN.saturating_add(*len),
                        got: HEADER_LEN + partial.len() + self.buffered,
                    });
                }
                need
            }
        };
        loop {
            let remaining = self.buffered - offset;
            if remaining == 0 {
                return Ok(());
            }
            if remaining < HEADER_LEN {
                return Err(FrameError::Truncated {
                    expected: HEADER_LEN,
                    got: remaining,
                });
            }
            let mut header = [0u8; HEADER_LEN];
            self.copy_at(offset, &mut header);
            if header[0] > 3 {
                return Err(FrameError::UnknownStream(header[0]));
            }
            let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            if len > self.max_frame {
                return Err(FrameError::TooLarge {
                    len,
                    max: self.max_frame,
                });
            }
            if remaining - HEADER_LEN < len {
                return Err(FrameError::Truncated {
                    expected: HEADER_LEN.saturating_add(len),
                    got: remaining,
                });
            }
            offset += HEADER_LEN + len;
        }
    }

    /// Removes the first `len` bytes of the queue, all of which lie in its
    /// first chunk, without copying.
    fn split_front(chunks: &mut VecDeque<Bytes>, len: usize) -> Bytes {
        let Some(front) = chunks.front_mut() else {
            return Bytes::new();
        };
        if front.len() == len {
            // Taking the whole chunk avoids even a reference-count update.
            chunks.pop_front().unwrap_or_default()
        } else {
            front.split_to(len)
        }
    }

    /// Moves exactly `dst.len()` bytes from the queue into `dst`, or nothing
    /// at all if fewer are buffered.
    fn take_exact(&mut self, dst: &mut [u8]) -> bool {
        if self.buffered < dst.len() {
            return false;
        }
        let mut filled = 0;
        while filled < dst.len() {
            let Some(front) = self.chunks.front_mut() else {
                // Unreachable while `buffered` is accurate.
                break;
            };
            let take = front.len().min(dst.len() - filled);
            dst[filled..filled + take].copy_from_slice(&front[..take]);
            front.advance(take);
            filled += take;
            if front.is_empty() {
                self.chunks.pop_front();
            }
        }
        self.buffered -= filled;
        filled == dst.len()
    }

    /// Copies `dst.len()` bytes starting `offset` bytes into the queue,
    /// without consuming them. The caller checks that they are buffered.
    fn copy_at(&self, mut offset: usize, dst: &mut [u8]) {
        let mut filled = 0;
        for chunk in &self.chunks {
            if filled == dst.len() {
                break;
            }
            if offset >= chunk.len() {
                offset -= chunk.len();
                continue;
            }
            let avail = &chunk[offset..];
            offset = 0;
            let take = avail.len().min(dst.len() - filled);
            dst[filled..filled + take].copy_from_slice(&avail[..take]);
            filled += take;
        }
    }
}

type ChunkStream =
    Box<dyn Stream<Item = Result<Bytes, api_client_transport::Error>> + Send + Unpin>;

/// The output of `attach`, `logs` or `exec` as a stream of [`LogOutput`].
///
/// Built from a body stream with [`LogStream::multiplexed`] (no TTY) or
/// [`LogStream::raw`] (TTY). It ends after the first error, except for
/// in-band daemon errors ([`FrameError::Daemon`]), after which frames keep
/// coming if the daemon sends more. Frame errors are reported as
/// [`api_client_transport::Error::Stream`] with a [`FrameError`] as source; errors of the
/// underlying body stream are passed through unchanged.
///
/// # Runtimes
///
/// [`Containers::logs`](crate::Containers::logs) opens a connection of its
/// own that this stream drives as it is polled, so each of the daemon's small
/// per-line chunks costs one socket read in the reader's task, on a
/// `#[tokio::main]` multi-thread runtime as on `current_thread`. `attach` and
/// `exec` read their hijacked socket in the reader's task too. Poll the stream
/// steadily: while it is not polled, nothing is read and the daemon waits.
pub struct LogStream {
    inner: ChunkStream,
    /// `None` for a raw stream.
    decoder: Option<FrameDecoder>,
    method: Method,
    path: String,
    done: bool,
}

impl LogStream {
    /// Decodes a stream in the multiplexed (8-byte header) format, used when
    /// the container or exec instance has no TTY.
    pub fn multiplexed<S>(s: S) -> Self
    where
        S: Stream<Item = Result<Bytes, api_client_transport::Error>> + Send + Unpin + 'static,
    {
        Self::build(Box::new(s), Some(FrameDecoder::new()))
    }

    /// Passes a TTY stream through: every non-empty chunk becomes one
    /// [`LogOutput::Console`], exactly as received.
    pub fn raw<S>(s: S) -> Self
    where
        S: Stream<Item = Result<Bytes, api_client_transport::Error>> + Send + Unpin + 'static,
    {
        Self::build(Box::new(s), None)
    }

    /// Names the request the stream belongs to, for the `method` and `path`
    /// of the errors this stream reports itself (default: `GET` and an
    /// empty path).
    pub fn with_request(mut self, method: Method, path: impl Into<String>) -> Self {
        self.method = method;
        self.path = path.into();
        self
    }

    /// Sets the longest frame payload accepted (default
    /// [`DEFAULT_MAX_FRAME_BYTES`], 8 MiB): a header announcing more ends
    /// the stream with [`api_client_transport::Error::Limit`] naming
    /// `max_frame_bytes`, before any of that payload is read. The streams of
    /// [`Docker`](crate::Docker) use the client's
    /// [`max_frame_bytes`](api_client_transport::ClientConfig::max_frame_bytes).
    /// No effect on a raw stream.
    pub fn with_max_frame_bytes(mut self, max: usize) -> Self {
        self.decoder = self.decoder.map(|d| d.with_max_frame_bytes(max));
        self
    }

    /// Whether this stream decodes the multiplexed format.
    pub fn is_multiplexed(&self) -> bool {
        self.decoder.is_some()
    }

    fn build(inner: ChunkStream, decoder: Option<FrameDecoder>) -> Self {
        Self {
            inner,
            decoder,
            method: Method::GET,
            path: String::new(),
            done: false,
        }
    }

    fn frame_error(&self, err: FrameError) -> api_client_transport::Error {
        if let FrameError::TooLarge { max, .. } = err {
            return api_client_transport::Error::Limit {
                method: self.method.clone(),
                path: self.path.clone(),
                limit: "max_frame_bytes",
                max,
            };
        }
        api_client_transport::Error::Stream {
            method: self.method.clone(),
            path: self.path.clone(),
            source: Box::new(err),
        }
    }
}

impl fmt::Debug for LogStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogStream")
            .field("multiplexed", &self.decoder.is_some())
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "buffered",
                &self.decoder.as_ref().map_or(0, FrameDecoder::buffered),
            )
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Stream for LogStream {
    type Item = Result<LogOutput, api_client_transport::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(decoder) = &mut this.decoder {
                match decoder.next_frame() {
                    Ok(Some(frame)) => return Poll::Ready(Some(Ok(frame))),
                    Ok(None) => {}
                    Err(err) => {
                        this.done = err.is_fatal();
                        if this.done {
                            // Let the connection go now: nothing more is read.
                            this.inner = Box::new(futures_util::stream::empty());
                        }
                        return Poll::Ready(Some(Err(this.frame_error(err))));
                    }
                }
            }
            match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                Some(Ok(chunk)) => match &mut this.decoder {
                    Some(decoder) => decoder.push(chunk),
                    None if chunk.is_empty() => {}
                    None => return Poll::Ready(Some(Ok(LogOutput::Console { message: chunk }))),
                },
                Some(Err(err)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(err)));
                }
                None => {
                    this.done = true;
                    let end = this.decoder.as_ref().map_or(Ok(()), FrameDecoder::finish);
                    return Poll::Ready(match end {
                        Ok(()) => None,
                        Err(err) => Some(Err(this.frame_error(err))),
                    });
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            (0, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header may claim up to 4 GiB; the buffer must follow the bytes that
    /// arrived, not the claim. (Checked from inside: capacity is not public.)
    #[test]
    fn declared_length_is_not_allocated_up_front() {
        let mut decoder = FrameDecoder::new().with_max_frame_bytes(usize::MAX);
        decoder.push(Bytes::from_static(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
        decoder.push(Bytes::from(vec![b'a'; 1000]));
        assert_eq!(decoder.next_frame(), Ok(None));
        decoder.push(Bytes::from(vec![b'b'; 1000]));
        assert_eq!(decoder.next_frame(), Ok(None));
        match &decoder.state {
            State::Payload { len, partial, .. } => {
                assert_eq!(*len, u32::MAX as usize);
                assert_eq!(partial.len(), 2000);
                assert!(partial.capacity() < 64 * 1024, "{}", partial.capacity());
            }
            other => panic!("unexpected state {other:?}"),
        }
    }
}
