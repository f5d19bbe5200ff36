//! One connector for every kind of endpoint: the base URL picks TCP, TLS, a
//! proxy, a unix socket or a custom dialer when the client is built, and
//! [`Client`](crate::Client) stays one type with no connector parameter for
//! users to carry (hyper-util's client is generic over its connector).
//! Nothing here re-implements a connector:
//! each kind is dialled by the crate that owns the job: hyper-util's
//! `HttpConnector` for TCP, hyper-rustls for TLS, hyper-util's `Tunnel` for
//! `CONNECT`, hyperlocal's `UnixConnector` for unix sockets. Every socket
//! stays registered with tokio's reactor for its whole life, so a reader
//! and a writer of one upgraded connection may run in different tasks.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
#[cfg(all(feature = "https", feature = "proxy"))]
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::dialer::{BoxedStream, Dialer};
use crate::error::BoxError;

type Connecting = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

/// Opens connections of the kind the client was built for.
#[derive(Clone)]
pub(crate) enum Connector {
    Http(HttpConnector),
    /// Plain HTTP through a proxy: every connection goes to the proxy, and
    /// hyper writes requests in absolute form because the connection says so.
    #[cfg_attr(not(feature = "proxy"), allow(dead_code))]
    HttpViaProxy {
        http: HttpConnector,
        proxy: Uri,
    },
    #[cfg(feature = "https")]
    Https(hyper_rustls::HttpsConnector<HttpConnector>),
    /// TLS inside a `CONNECT` tunnel: the proxy sees the host and port only.
    #[cfg(all(feature = "https", feature = "proxy"))]
    HttpsViaProxy(hyper_rustls::HttpsConnector<Tunnel<HttpConnector>>),
    /// hyperlocal's connector: it reads the socket's path from the request
    /// URI's host (`unix://<hex of the path>:0`, as `Endpoint` writes it).
    /// It has no connect timeout of its own (a listener whose backlog is
    /// full keeps a connect waiting), so its future is bounded here by the
    /// connect timeout.
    #[cfg(all(unix, feature = "unix"))]
    Unix(hyperlocal::UnixConnector, std::time::Duration),
    /// The user's own way to open a connection, bounded by the connect timeout.
    Custom(Dialer, std::time::Duration),
}

impl Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self {
            Connector::Http(c) | Connector::HttpViaProxy { http: c, .. } => {
                c.poll_ready(cx).map_err(Into::into)
            }
            #[cfg(feature = "https")]
            Connector::Https(c) => c.poll_ready(cx),
            #[cfg(all(feature = "https", feature = "proxy"))]
            Connector::HttpsViaProxy(c) => c.poll_ready(cx),
            #[cfg(all(unix, feature = "unix"))]
            Connector::Unix(c, _) => c.poll_ready(cx).map_err(Into::into),
            Connector::Custom(..) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        match self {
            Connector::Http(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::new(Io::Tcp(connecting.await?, false))) })
            }
            Connector::HttpViaProxy { http, proxy } => {
                let connecting = http.call(proxy.clone());
                Box::pin(async move { Ok(Conn::new(Io::Tcp(connecting.await?, true))) })
            }
            #[cfg(feature = "https")]
            Connector::Https(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::new(Io::Tls(Box::new(connecting.await?)))) })
            }
            #[cfg(all(feature = "https", feature = "proxy"))]
            Connector::HttpsViaProxy(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::new(Io::Tls(Box::new(connecting.await?)))) })
            }
            #[cfg(all(unix, feature = "unix"))]
            Connector::Unix(c, timeout) => {
                let (connecting, timeout) = (c.call(uri), *timeout);
                Box::pin(async move {
                    match tokio::time::timeout(timeout, connecting).await {
                        Ok(stream) => Ok(Conn::new(Io::Unix(stream?))),
                        Err(_) => Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("the unix socket did not accept within {timeout:?}"),
                        )
                        .into()),
                    }
                })
            }
            Connector::Custom(dialer, timeout) => {
                let (connecting, timeout) = (dialer.dial(), *timeout);
                Box::pin(async move {
                    match tokio::time::timeout(timeout, connecting).await {
                        Ok(stream) => Ok(Conn::new(Io::Custom(TokioIo::new(stream?)))),
                        Err(_) => Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("the dialer did not connect within {timeout:?}"),
                        )
                        .into()),
                    }
                })
            }
        }
    }
}

/// An open connection of any kind, and what it needs to tell a stale
/// pooled connection from a live one.
///
/// A server may close a kept-alive connection while it sits in the pool;
/// hyper notices when it next reads, and a request handed to it before then
/// is returned unsent (hyper-util sends it again). Two races escape that
/// check, and both fail with [`StaleConnection`], which the client resends
/// whatever the method:
///
/// - the close arrives between hyper's last read and its write of the next
///   request head: before each request head after the first, a TCP or TLS
///   connection's socket is peeked (a real `recv(MSG_PEEK)`), and an end of
///   stream, a reset or bytes nobody asked for fail the write before a byte
///   of the request is sent;
/// - the server closes as the request arrives: its kernel then answers the
///   request's bytes with a reset (a socket closed with unread data, or one
///   that receives data after its close, resets; a server that read the
///   request and then died would close with a FIN). A reset read on a
///   reused connection before any byte or end of the answer therefore means
///   the server's application did not read the whole request.
///
/// hyperlocal's unix stream does not hand out its socket, so unix
/// connections get the second check only.
pub(crate) struct Conn {
    io: Io,
    /// Request heads written so far.
    heads: u32,
    /// Since the last request head, a read came back (bytes or the end of
    /// the stream): a reset from now on is not a reset of an unread request.
    answered: bool,
    /// An upgrade was asked for: from then on the connection carries any
    /// bytes, possibly written and read from two tasks, and its socket is
    /// never peeked (a peek from the writer's task would take the reader's
    /// place in tokio's readiness slot).
    raw: bool,
}

/// The kinds of connection.
pub(crate) enum Io {
    /// Plain TCP, to the server or (`true`) to an HTTP proxy that forwards
    /// plain requests, which hyper then writes in absolute form.
    Tcp(TokioIo<TcpStream>, bool),
    /// Boxed: a TLS session is a kilobyte, the others a few words.
    #[cfg(feature = "https")]
    Tls(Box<hyper_rustls::MaybeHttpsStream<TokioIo<TcpStream>>>),
    #[cfg(all(unix, feature = "unix"))]
    Unix(hyperlocal::UnixStream),
    Custom(TokioIo<BoxedStream>),
}

/// The server closed a kept-alive connection before this request was
/// written on it, or reset it with the request unread: the request never
/// reached the server's application.
#[derive(Debug, thiserror::Error)]
#[error("the server closed the pooled connection without reading the request")]
pub(crate) struct StaleConnection;

impl StaleConnection {
    /// Whether `error`'s chain holds one (inside an `io::Error`).
    pub(crate) fn in_chain(error: &(dyn std::error::Error + 'static)) -> bool {
        let mut cause = Some(error);
        while let Some(e) = cause {
            if let Some(io) = e.downcast_ref::<io::Error>() {
                if io
                    .get_ref()
                    .is_some_and(|inner| inner.is::<StaleConnection>())
                {
                    return true;
                }
            }
            cause = e.source();
        }
        false
    }
}

impl Conn {
    fn new(io: Io) -> Self {
        Conn {
            io,
            heads: 0,
            answered: false,
            raw: false,
        }
    }

    /// The TCP socket under the connection, when there is one to peek.
    fn socket(&self) -> Option<&TcpStream> {
        match &self.io {
            Io::Tcp(s, _) => Some(s.inner()),
            #[cfg(feature = "https")]
            Io::Tls(s) => match &**s {
                hyper_rustls::MaybeHttpsStream::Http(s) => Some(s.inner()),
                hyper_rustls::MaybeHttpsStream::Https(tls) => {
                    Some(tls.inner().get_ref().0.inner().inner())
                }
            },
            _ => None,
        }
    }

    /// Before writing `buf`: when it starts a request head on a connection
    /// that carried one before, whether the server has closed it already.
    fn stale_before(&self, buf: &[u8]) -> Option<io::Error> {
        if self.raw || self.heads == 0 || !starts_request_head(buf) {
            return None;
        }
        let socket = self.socket()?;
        // A real `recv(MSG_PEEK)` on the non-blocking socket, not tokio's
        // cached readiness: a close that arrived since the reactor last
        // looked must be seen now.
        let mut byte = [std::mem::MaybeUninit::<u8>::uninit()];
        match socket2::SockRef::from(socket).peek(&mut byte) {
            // Nothing to read: the connection is as the pool left it.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => None,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => None,
            // An end of stream, a reset, or an answer to no request.
            _ => Some(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                StaleConnection,
            )),
        }
    }

    /// Before reading the answer to a request on a reused connection:
    /// whether the server closed the connection (end of stream) and its
    /// kernel then reset it, which happens when request bytes arrive after
    /// the close. The kernel reports the end of stream first, so it is
    /// looked for here (`SO_ERROR`), not left to the read.
    fn reset_unanswered(&self) -> bool {
        if self.raw || self.answered || self.heads < 2 {
            return false;
        }
        let Some(socket) = self.socket() else {
            return false;
        };
        let socket = socket2::SockRef::from(socket);
        let mut byte = [std::mem::MaybeUninit::<u8>::uninit()];
        match socket.peek(&mut byte) {
            // The end of stream, then (looked for now) the reset.
            Ok(0) => matches!(socket.take_error(), Ok(Some(_))),
            // The reset itself (the peek has taken it: the read will not see it).
            Err(e) => matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ),
            Ok(_) => false,
        }
    }

    /// After `buf` was written (at least in part): counts request heads,
    /// and notes a request that asks for an upgrade.
    fn wrote(&mut self, buf: &[u8]) {
        if self.raw || !starts_request_head(buf) {
            return;
        }
        self.heads = self.heads.saturating_add(1);
        self.answered = false;
        let head = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(buf, |end| &buf[..end]);
        if head
            .windows(10)
            .any(|w| w.eq_ignore_ascii_case(b"\r\nupgrade:"))
        {
            self.raw = true;
        }
    }
}

/// Whether `buf` begins with an HTTP/1 request line (`METHOD target HTTP/1.x`).
fn starts_request_head(buf: &[u8]) -> bool {
    let line_end = buf
        .iter()
        .take(16 * 1024)
        .position(|&b| b == b'\n')
        .unwrap_or(0);
    let line = buf[..line_end]
        .strip_suffix(b"\r")
        .unwrap_or(&buf[..line_end]);
    let method_len = line.iter().take_while(|b| b.is_ascii_uppercase()).count();
    method_len > 0
        && line.get(method_len) == Some(&b' ')
        && (line.ends_with(b" HTTP/1.1") || line.ends_with(b" HTTP/1.0"))
}

/// Runs `$body` with `$io` bound to the pinned inner stream, whatever its kind.
macro_rules! with_io {
    ($conn:expr, $io:ident => $body:expr) => {
        match &mut $conn.io {
            Io::Tcp(s, _) => {
                let $io = Pin::new(s);
                $body
            }
            #[cfg(feature = "https")]
            Io::Tls(s) => {
                let $io = Pin::new(s);
                $body
            }
            #[cfg(all(unix, feature = "unix"))]
            Io::Unix(s) => {
                let $io = Pin::new(s);
                $body
            }
            Io::Custom(s) => {
                let $io = Pin::new(s);
                $body
            }
        }
    };
}

impl Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.reset_unanswered() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                StaleConnection,
            )));
        }
        let read = with_io!(this, io => io.poll_read(cx, buf));
        match &read {
            Poll::Ready(Ok(())) => this.answered = true,
            Poll::Ready(Err(e))
                if !this.raw
                    && !this.answered
                    && this.heads >= 2
                    && matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                    ) =>
            {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    StaleConnection,
                )));
            }
            _ => {}
        }
        read
    }
}

impl Write for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(stale) = this.stale_before(buf) {
            return Poll::Ready(Err(stale));
        }
        let written = with_io!(this, io => io.poll_write(cx, buf));
        if let Poll::Ready(Ok(n)) = written {
            if n > 0 {
                this.wrote(buf);
            }
        }
        written
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        with_io!(this, io => io.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        with_io!(this, io => io.poll_shutdown(cx))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let first: &[u8] = bufs.iter().find(|b| !b.is_empty()).map_or(&[], |b| &**b);
        if let Some(stale) = this.stale_before(first) {
            return Poll::Ready(Err(stale));
        }
        let written = with_io!(this, io => io.poll_write_vectored(cx, bufs));
        if let Poll::Ready(Ok(n)) = written {
            if n > 0 {
                this.wrote(first);
            }
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        match &self.io {
            Io::Tcp(s, _) => s.is_write_vectored(),
            #[cfg(feature = "https")]
            Io::Tls(s) => s.is_write_vectored(),
            #[cfg(all(unix, feature = "unix"))]
            Io::Unix(s) => s.is_write_vectored(),
            Io::Custom(s) => s.is_write_vectored(),
        }
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        match &self.io {
            Io::Tcp(s, proxied) => s.connected().proxy(*proxied),
            #[cfg(feature = "https")]
            Io::Tls(s) => s.connected(),
            #[cfg(all(unix, feature = "unix"))]
            Io::Unix(s) => s.connected(),
            Io::Custom(_) => Connected::new(),
        }
    }
}
