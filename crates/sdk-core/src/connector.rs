//! One connector for every kind of endpoint, so hyper-util's client (and
//! hyper's connection machinery under it) is compiled and instantiated once,
//! whatever mix of TCP, TLS and unix sockets a program uses.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::error::BoxError;

type Connecting = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

/// Opens connections of the kind the client was built for.
#[derive(Clone)]
pub(crate) enum Connector {
    Http(HttpConnector),
    #[cfg(feature = "https")]
    Https(hyper_rustls::HttpsConnector<HttpConnector>),
    #[cfg(all(unix, feature = "unix"))]
    Unix(hyperlocal::UnixConnector),
}

impl Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self {
            Connector::Http(c) => c.poll_ready(cx).map_err(Into::into),
            #[cfg(feature = "https")]
            Connector::Https(c) => c.poll_ready(cx),
            #[cfg(all(unix, feature = "unix"))]
            Connector::Unix(c) => c.poll_ready(cx).map_err(Into::into),
        }
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        match self {
            Connector::Http(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::Tcp(connecting.await?)) })
            }
            #[cfg(feature = "https")]
            Connector::Https(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::Tls(Box::new(connecting.await?))) })
            }
            #[cfg(all(unix, feature = "unix"))]
            Connector::Unix(c) => {
                let connecting = c.call(uri);
                Box::pin(async move { Ok(Conn::Unix(connecting.await?)) })
            }
        }
    }
}

/// An open connection of any kind.
pub(crate) enum Conn {
    Tcp(TokioIo<TcpStream>),
    /// Boxed: a TLS session is a kilobyte, the others a few words.
    #[cfg(feature = "https")]
    Tls(Box<hyper_rustls::MaybeHttpsStream<TokioIo<TcpStream>>>),
    #[cfg(all(unix, feature = "unix"))]
    Unix(hyperlocal::UnixStream),
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
        }
    }
}
