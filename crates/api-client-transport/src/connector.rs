//! One connector for every kind of endpoint, so hyper-util's client (and
//! hyper's connection machinery under it) is compiled and instantiated once,
//! whatever mix of TCP, TLS, proxies and unix sockets a program uses.

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
use crate::quiet::Quiet;

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
    /// The socket's path, connected to directly.
    #[cfg(all(unix, feature = "unix"))]
    Unix(std::sync::Arc<std::path::Path>),
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
            Connector::Unix(_) => Poll::Ready(Ok(())),
            Connector::Custom(..) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        match self {
            Connector::Http(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::Tcp(quiet_tcp(connecting.await?, false))) })
            }
            Connector::HttpViaProxy { http, proxy } => {
                let connecting = http.call(proxy.clone());
                Box::pin(async move { Ok(Conn::Tcp(quiet_tcp(connecting.await?, true))) })
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
            Connector::Unix(path) => {
                let path = path.clone();
                Box::pin(async move {
                    let socket = tokio::net::UnixStream::connect(&*path).await?;
                    Ok(Conn::Unix(Quiet::new(socket, false)))
                })
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

/// A plain TCP connection from hyper-util's connector, made quiet; `proxied`
/// when it goes to an HTTP proxy that forwards plain requests (hyper then
/// writes requests in absolute form).
fn quiet_tcp(io: TokioIo<TcpStream>, proxied: bool) -> Quiet<TcpStream> {
    Quiet::new(io.into_inner(), proxied)
}

/// An open connection of any kind.
pub(crate) enum Conn {
    /// Plain TCP, to the server or to a plain-HTTP proxy.
    Tcp(Quiet<TcpStream>),
    /// Boxed: a TLS session is a kilobyte, the others a few words.
    #[cfg(feature = "https")]
    Tls(Box<hyper_rustls::MaybeHttpsStream<TokioIo<TcpStream>>>),
    #[cfg(all(unix, feature = "unix"))]
    Unix(Quiet<tokio::net::UnixStream>),
    Custom(TokioIo<BoxedStream>),
}

/// Runs `$body` with `$io` bound to the pinned inner stream, whatever its kind.
macro_rules! with_io {
    ($conn:expr, $io:ident => $body:expr) => {
        match $conn.get_mut() {
            Conn::Tcp(s) => {
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
            Conn::Tcp(s) => s.is_write_vectored(),
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
            Conn::Tcp(s) => s.connected(),
            #[cfg(feature = "https")]
            Conn::Tls(s) => s.connected(),
            #[cfg(all(unix, feature = "unix"))]
            Conn::Unix(s) => s.connected(),
            Conn::Custom(_) => Connected::new(),
        }
    }
}
