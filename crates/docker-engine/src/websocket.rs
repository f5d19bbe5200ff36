//! The websocket attach (`GET /containers/{id}/attach/ws`), behind the
//! `websocket` feature: it is the only user of the websocket protocol crates,
//! and the hijacked attach covers the same ground.

use std::pin::Pin;
use std::task::{Context, Poll};

use api_client_transport::bytes::Bytes;
use api_client_transport::futures_core::Stream;
use api_client_transport::http::{HeaderValue, Method};
use api_client_transport::{Error, Request, Result, Upgraded};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::frames::LogStream;
use crate::Docker;

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
            api_client_transport::http::header::CONNECTION,
            HeaderValue::from_static("Upgrade"),
        )
        .header(
            api_client_transport::http::header::UPGRADE,
            HeaderValue::from_static("websocket"),
        )
        .header(
            api_client_transport::http::header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        )
        .header(
            api_client_transport::http::header::SEC_WEBSOCKET_KEY,
            header(&key)?,
        )
        // Some websocket servers refuse a handshake without an origin.
        .header(
            api_client_transport::http::header::ORIGIN,
            HeaderValue::from_static("http://localhost"),
        );
    let (head, upgraded) = docker.upgrade(request).await?;
    let expected = derive_accept_key(key.as_bytes());
    let accepted = head
        .headers
        .get(api_client_transport::http::header::SEC_WEBSOCKET_ACCEPT)
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
