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
    /// It has no connect timeout of its own; connecting to a local socket
    /// either succeeds or fails at once (a listener with a full backlog is
    /// the exception, bounded only by the caller's deadline).
    #[cfg(all(unix, feature = "unix"))]
    Unix(hyperlocal::UnixConnector),
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
            Connector::Unix(c) => c.poll_ready(cx).map_err(Into::into),
            Connector::Custom(..) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        match self {
            Connector::Http(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::Tcp(connecting.await?, false)) })
            }
            Connector::HttpViaProxy { http, proxy } => {
                let connecting = http.call(proxy.clone());
                Box::pin(async move { Ok(Conn::Tcp(connecting.await?, true)) })
            }
            #[cfg(feature = "https")]
            Connector::Https(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::Tls(Box::new(connecting.await?))) })
            }
            #[cfg(all(feature = "https", feature = "proxy"))]
            Connector::HttpsViaProxy(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::Tls(Box::new(connecting.await?))) })
            }
            #[cfg(all(unix, feature = "unix"))]
            Connector::Unix(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::Unix(connecting.await?)) })
            }
            Connector::Custom(dialer, timeout) => {
                let (connecting, timeout) = (dialer.dial(), *timeout);
                Box::pin(async move {
                    match tokio::time::timeout(timeout, connecting).await {
                        Ok(stream) => Ok(Conn::Custom(TokioIo::new(stream?))),
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

/// An open connection of any kind.
pub(crate) enum Conn {
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

/// Runs `$body` with `$io` bound to the pinned inner stream, whatever its kind.
macro_rules! with_io {
    ($conn:expr, $io:ident => $body:expr) => {
        match $conn.get_mut() {
            Conn::Tcp(s, _) => {
                let $io = Pin::new(s);
                $body
            }
            #[cfg(feature = "https")]
            Conn::Tls(s) => {
                let $io = Pin::new(s);
                $body
            }
            #[cfg(all(unix, feature = "unix"))]
            Conn::Unix(s) => {
                let $io = Pin::new(s);
                $body
            }
            Conn::Custom(s) => {
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
        with_io!(self, io => io.poll_read(cx, buf))
    }
}

impl Write for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_io!(self, io => io.poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_io!(self, io => io.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_io!(self, io => io.poll_shutdown(cx))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_io!(self, io => io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Tcp(s, _) => s.is_write_vectored(),
            #[cfg(feature = "https")]
            Conn::Tls(s) => s.is_write_vectored(),
            #[cfg(all(unix, feature = "unix"))]
            Conn::Unix(s) => s.is_write_vectored(),
            Conn::Custom(s) => s.is_write_vectored(),
        }
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        match self {
            Conn::Tcp(s, proxied) => s.connected().proxy(*proxied),
            #[cfg(feature = "https")]
            Conn::Tls(s) => s.connected(),
            #[cfg(all(unix, feature = "unix"))]
            Conn::Unix(s) => s.connected(),
            Conn::Custom(_) => Connected::new(),
        }
    }
}
