//! Hijacked connections: attach and exec streams, plain (`Upgrade: tcp`) or over a websocket.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use sdk_core::bytes::Bytes;
use sdk_core::futures_core::Stream;
use sdk_core::http::{HeaderMap, HeaderValue, Method};
use sdk_core::{Error, Request, Result, Upgraded};
use tokio::io::{AsyncWrite, ReadHalf, WriteHalf};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

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
        .get(sdk_core::http::header::CONTENT_TYPE)?
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
pub(crate) fn log_stream<S>(bytes: S, multiplexed: bool, method: Method, path: String) -> LogStream
where
    S: Stream<Item = Result<Bytes>> + Send + Unpin + 'static,
{
    let stream = if multiplexed {
        LogStream::multiplexed(bytes)
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
    pub(crate) fn new(upgraded: Upgraded, multiplexed: bool, method: Method, path: String) -> Self {
        let (read, write) = tokio::io::split(upgraded);
        let reader: ReaderStream<ReadHalf<Upgraded>> =
            ReaderStream::new(read, method.clone(), path.clone());
        Attached {
            output: log_stream(reader, multiplexed, method, path),
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
            sdk_core::http::header::CONNECTION,
            HeaderValue::from_static("Upgrade"),
        )
        .header(
            sdk_core::http::header::UPGRADE,
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
    Ok(Attached::new(upgraded, multiplexed, method, path))
}

/// A container attached over a websocket: raw output (never multiplexed: stdout
/// and stderr arrive interleaved) and a message sender for its input.
#[derive(Debug)]
#[non_exhaustive]
pub struct WebSocketAttached {
    /// Output as [`LogOutput::Console`](crate::frames::LogOutput::Console) chunks.
    pub output: LogStream,
    /// Standard input.
    pub input: WebSocketInput,
}

/// The sending half of a websocket attach.
///
/// A websocket cannot half-close: [`WebSocketInput::close`] ends the whole
/// session (the daemon then closes standard input and the output).
pub struct WebSocketInput {
    sink: SplitSink<WebSocketStream<Upgraded>, Message>,
    path: String,
}

impl std::fmt::Debug for WebSocketInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketInput")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn ws_error(path: &str, e: tokio_tungstenite::tungstenite::Error) -> Error {
    Error::Stream {
        method: Method::GET,
        path: path.to_string(),
        source: Box::new(e),
    }
}

impl WebSocketInput {
    /// Sends bytes to the process's standard input (as one binary message).
    pub async fn send(&mut self, data: impl Into<Bytes>) -> Result<()> {
        let data: Bytes = data.into();
        let path = self.path.clone();
        self.sink
            .send(Message::Binary(data))
            .await
            .map_err(|e| ws_error(&path, e))
    }

    /// Closes the websocket (and with it the attach session).
    pub async fn close(&mut self) -> Result<()> {
        let path = self.path.clone();
        match self.sink.close().await {
            Ok(()) | Err(tokio_tungstenite::tungstenite::Error::ConnectionClosed) => Ok(()),
            Err(e) => Err(ws_error(&path, e)),
        }
    }
}

/// Output messages of a websocket attach as byte chunks.
struct WsBytes {
    inner: SplitStream<WebSocketStream<Upgraded>>,
    path: String,
    done: bool,
}

impl Stream for WsBytes {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match this.inner.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) | Poll::Ready(Some(Ok(Message::Close(_)))) => {
                    this.done = true;
                }
                Poll::Ready(Some(Ok(Message::Binary(b)))) => return Poll::Ready(Some(Ok(b))),
                Poll::Ready(Some(Ok(Message::Text(t)))) => {
                    return Poll::Ready(Some(Ok(Bytes::copy_from_slice(t.as_bytes()))))
                }
                Poll::Ready(Some(Ok(_))) => continue,
                // The daemon closing the TCP stream without a close frame is its normal way to end.
                Poll::Ready(Some(Err(
                    tokio_tungstenite::tungstenite::Error::ConnectionClosed
                    | tokio_tungstenite::tungstenite::Error::Protocol(
                        tokio_tungstenite::tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
                    ),
                ))) => this.done = true,
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(ws_error(&this.path, e))));
                }
            }
        }
    }
}

/// Upgrades `request` (a GET) to a websocket and wraps both directions.
pub(crate) async fn websocket(docker: &Docker, request: Request) -> Result<WebSocketAttached> {
    use tokio_tungstenite::tungstenite::handshake::client::generate_key;
    use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
    use tokio_tungstenite::tungstenite::protocol::Role;

    let path = request.path().to_string();
    let key = generate_key();
    let header = |v: &str| {
        HeaderValue::from_str(v).map_err(|_| Error::invalid("websocket", "bad header value"))
    };
    let request = request
        .header(
            sdk_core::http::header::CONNECTION,
            HeaderValue::from_static("Upgrade"),
        )
        .header(
            sdk_core::http::header::UPGRADE,
            HeaderValue::from_static("websocket"),
        )
        .header(
            sdk_core::http::header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        )
        .header(sdk_core::http::header::SEC_WEBSOCKET_KEY, header(&key)?)
        // Some websocket servers refuse a handshake without an origin.
        .header(
            sdk_core::http::header::ORIGIN,
            HeaderValue::from_static("http://localhost"),
        );
    let (head, upgraded) = docker.upgrade(request).await?;
    let expected = derive_accept_key(key.as_bytes());
    let accepted = head
        .headers
        .get(sdk_core::http::header::SEC_WEBSOCKET_ACCEPT)
        .and_then(|v| v.to_str().ok());
    if accepted != Some(expected.as_str()) {
        return Err(Error::Transport {
            method: Method::GET,
            path,
            source: "the daemon's Sec-WebSocket-Accept does not match the key sent".into(),
        });
    }
    let ws = WebSocketStream::from_raw_socket(upgraded, Role::Client, None).await;
    let (sink, stream) = ws.split();
    let bytes = WsBytes {
        inner: stream,
        path: path.clone(),
        done: false,
    };
    Ok(WebSocketAttached {
        output: LogStream::raw(bytes).with_request(Method::GET, path.clone()),
        input: WebSocketInput { sink, path },
    })
}
