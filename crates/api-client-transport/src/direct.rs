//! Requests sent on a connection of their own, driven by the task that reads
//! the answer (hyper's `client::conn` API instead of hyper-util's pool).
//!
//! What users gain, measured (bench/ANALYSIS.md): reading 1,000,000 log lines
//! of a real dockerd on `#[tokio::main]` took 15.4-19.9 s through the pool
//! and 3.4 s on a dedicated connection (bollard: 10.1 s, `docker logs`:
//! 4.5 s), with 133 k context switches instead of 1.8-1.9 M; CPU 1.27 s.
//!
//! hyper-util's pooled client spawns every connection onto the runtime as a
//! task of its own. A streamed answer then crosses threads twice per HTTP
//! chunk on a multi-thread runtime (the connection task wakes the reader,
//! the reader wakes the connection task for the next chunk: hyper's body
//! channel holds one item). For answers made of many small chunks (dockerd
//! flushes every log line) those wake-ups cost more than the bytes. Here the
//! connection future is polled by whoever polls the answer's body, so reading
//! a chunk is one `read` on the socket in the reader's own task.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use http::header::HOST;
use http::{HeaderValue, Uri};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::Connection as _;
use tower_service::Service;

use crate::connector::Connector;
use crate::error::BoxError;

type ConnFuture = Pin<Box<dyn Future<Output = hyper::Result<()>> + Send>>;

/// The connection of one request, polled by the reader of its answer.
///
/// The `Mutex` only makes the holder `Sync`: the future is polled through
/// `&mut self` (`Mutex::get_mut`), so it is never locked.
pub(crate) struct Driver {
    conn: Option<Mutex<ConnFuture>>,
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("open", &self.conn.is_some())
            .finish()
    }
}

impl Driver {
    /// Moves the connection along (writes the request, reads the socket into
    /// the body channel); once it has finished it is not polled again.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) {
        if let Some(conn) = &mut self.conn {
            let conn = conn
                .get_mut()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Poll::Ready(outcome) = conn.as_mut().poll(cx) {
                // A failure reaches the reader through the body (hyper hands
                // the body channel the error); nothing more to report here.
                if let Err(e) = outcome {
                    tracing::debug!(error = %e, "dedicated connection ended with an error");
                }
                self.conn = None;
            }
        }
    }

    /// Hands the connection to the runtime, for an answer nobody will read
    /// as a stream (an error body, read by the client itself).
    pub(crate) fn detach(mut self) {
        if let Some(conn) = self.conn.take() {
            let conn = conn.into_inner().unwrap_or_else(|p| p.into_inner());
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
    }
}

/// How sending on a dedicated connection failed.
pub(crate) enum DirectFailure {
    /// No connection could be opened.
    Connect(BoxError),
    /// The connection opened, then the exchange failed.
    Exchange(hyper::Error),
}

/// Opens a fresh connection with `connector`, sends `request` on it and waits
/// for the answer's head, polling the connection alongside. The returned
/// [`Driver`] must be polled by whoever reads the body; the connection closes
/// once the answer has been read or the body is dropped (it is never reused).
pub(crate) async fn send<B>(
    connector: &Connector,
    mut request: http::Request<B>,
) -> Result<(http::Response<Incoming>, Driver), DirectFailure>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let mut connector = connector.clone();
    std::future::poll_fn(|cx| connector.poll_ready(cx))
        .await
        .map_err(DirectFailure::Connect)?;
    let io = connector
        .call(request.uri().clone())
        .await
        .map_err(DirectFailure::Connect)?;
    let proxied = io.connected().is_proxied();
    // What hyper-util's client does for every request: a Host header, and
    // origin form unless a plain-HTTP proxy needs the absolute form.
    if !request.headers().contains_key(HOST) {
        if let Some(host) = host_header(request.uri()) {
            request.headers_mut().insert(HOST, host);
        }
    }
    if !proxied {
        let origin = request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/")
            .parse::<Uri>()
            .unwrap_or_else(|_| Uri::from_static("/"));
        *request.uri_mut() = origin;
    }
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .handshake(io)
        .await
        .map_err(DirectFailure::Exchange)?;
    let mut driver = Driver {
        conn: Some(Mutex::new(Box::pin(conn))),
    };
    let mut answer = std::pin::pin!(sender.send_request(request));
    let response = std::future::poll_fn(|cx| {
        driver.poll(cx);
        answer.as_mut().poll(cx)
    })
    .await
    .map_err(DirectFailure::Exchange)?;
    // Dropping the sender now: with no request waiting, the connection
    // closes once this answer is done instead of idling.
    drop(sender);
    Ok((response, driver))
}

fn host_header(uri: &Uri) -> Option<HeaderValue> {
    let host = uri.host()?;
    let value = match uri.port_u16() {
        Some(port) if !default_port(uri, port) => format!("{host}:{port}"),
        _ => host.to_string(),
    };
    HeaderValue::from_str(&value).ok()
}

fn default_port(uri: &Uri, port: u16) -> bool {
    matches!(
        (uri.scheme_str(), port),
        (Some("http"), 80) | (Some("https"), 443)
    )
}
