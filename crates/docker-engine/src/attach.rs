//! Hijacked connections: attach and exec streams, plain (`Upgrade: tcp`) or over a websocket.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use api_client_transport::bytes::Bytes;
use api_client_transport::futures_core::Stream;
use api_client_transport::http::{HeaderMap, HeaderValue, Method};
use api_client_transport::{Request, Result, Upgraded};
use tokio::io::{AsyncWrite, ReadHalf, WriteHalf};

use crate::frames::LogStream;
use crate::streams::ReaderStream;
use crate::version::{since, ApiVersion};
use crate::Docker;

/// Media type of a stream with 8-byte frame headers (no TTY).
pub(crate) const MULTIPLEXED: &str = "application/vnd.docker.multiplexed-stream";
/// Media type of a raw stream (TTY).
pub(crate) const RAW: &str = "application/vnd.docker.raw-stream";

/// How the daemon framed a stream, when its answer says so.
///
/// Daemons before API 1.42 label every stream `raw-stream` (or nothing), whatever
/// the TTY setting, so the label is only believed from 1.42 on; the caller then
/// falls back to the configuration it knows (inspect's `Config.Tty`, or the `Tty`
/// it asked for). The first bytes are never used to guess.
pub(crate) fn framing_from_headers(headers: &HeaderMap, version: ApiVersion) -> Option<bool> {
    if version < since::V1_42 {
        return None;
    }
    let ct = headers
        .get(api_client_transport::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    let media = ct.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case(MULTIPLEXED) {
        Some(true)
    } else if media.eq_ignore_ascii_case(RAW) {
        Some(false)
    } else {
        None
    }
}

/// A decoded output stream over any byte stream: frames or raw console chunks.
/// `max_frame` is the client's `max_frame_bytes`.
pub(crate) fn log_stream<S>(
    bytes: S,
    multiplexed: bool,
    max_frame: usize,
    method: Method,
    path: String,
) -> LogStream
where
    S: Stream<Item = Result<Bytes>> + Send + Unpin + 'static,
{
    let stream = if multiplexed {
        LogStream::multiplexed(bytes).with_max_frame_bytes(max_frame)
    } else {
        LogStream::raw(bytes)
    };
    stream.with_request(method, path)
}

/// An attached container or exec instance: its output, and a writer for its input.
///
/// The two halves are independent: read `output` in one task while writing `input`
/// in another. Call [`AsyncWriteExt::shutdown`](tokio::io::AsyncWriteExt::shutdown) on
/// `input` to close standard input only: the process sees end of input (for
/// containers created with `StdinOnce`) while its remaining output is still read.
/// Dropping both ends the connection.
#[derive(Debug)]
#[non_exhaustive]
pub struct Attached {
    /// Output of the process: stdout/stderr frames, or console chunks with a TTY.
    pub output: LogStream,
    /// Standard input of the process.
    pub input: AttachInput,
}

impl Attached {
    pub(crate) fn new(
        upgraded: Upgraded,
        multiplexed: bool,
        max_frame: usize,
        method: Method,
        path: String,
    ) -> Self {
        let (read, write) = tokio::io::split(upgraded);
        let reader: ReaderStream<ReadHalf<Upgraded>> =
            ReaderStream::new(read, method.clone(), path.clone());
        Attached {
            output: log_stream(reader, multiplexed, max_frame, method, path),
            input: AttachInput { inner: write },
        }
    }

    /// Splits into output and input.
    pub fn into_parts(self) -> (LogStream, AttachInput) {
        (self.output, self.input)
    }
}

/// The writing half of an attached connection: bytes written here reach the
/// process's standard input. `shutdown` half-closes the connection.
#[derive(Debug)]
pub struct AttachInput {
    inner: WriteHalf<Upgraded>,
}

impl AsyncWrite for AttachInput {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Adds the headers that ask the daemon to hijack the connection with a `101` answer.
pub(crate) fn tcp_upgrade(request: Request) -> Request {
    request
        .header(
            api_client_transport::http::header::CONNECTION,
            HeaderValue::from_static("Upgrade"),
        )
        .header(
            api_client_transport::http::header::UPGRADE,
            HeaderValue::from_static("tcp"),
        )
}

/// Hijacks: sends `request` asking for `Upgrade: tcp` and wraps the connection.
/// `fallback_tty` is asked only when the answer's media type cannot be trusted.
pub(crate) async fn hijack<F>(
    docker: &Docker,
    request: Request,
    version: ApiVersion,
    fallback_multiplexed: F,
) -> Result<Attached>
where
    F: std::future::Future<Output = Result<bool>>,
{
    let method = request.method().clone();
    let path = request.path().to_string();
    let (head, upgraded) = docker.upgrade(tcp_upgrade(request)).await?;
    let multiplexed = match framing_from_headers(&head.headers, version) {
        Some(m) => m,
        None => fallback_multiplexed.await?,
    };
    let max_frame = docker.config().max_frame_bytes;
    Ok(Attached::new(
        upgraded,
        multiplexed,
        max_frame,
        method,
        path,
    ))
}
