//! A user-supplied way to open connections, for transports the core does not
//! know (a child process speaking HTTP on its stdio, an in-memory pipe, ...).

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};

/// A byte stream opened by a [`Dialer`].
pub trait DialedStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> DialedStream for T {}

/// What a [`Dialer`] hands back: one new connection.
pub type BoxedStream = Box<dyn DialedStream>;

type Dialing = Pin<Box<dyn Future<Output = io::Result<BoxedStream>> + Send>>;

/// Opens every new connection of a client, instead of TCP or a unix socket.
///
/// The client speaks plain HTTP/1.1 over whatever the function returns, and
/// calls it once per connection it needs (idle connections are pooled and
/// reused as usual). The connect timeout bounds each call; an error is
/// reported as [`Error::Connect`](crate::Error::Connect) with the
/// [`io::Error`] as its source.
///
/// ```
/// use api_client_transport::{Client, ClientConfig, Dialer};
///
/// let mut config = ClientConfig::new("http://docker.invalid");
/// config.dialer = Some(Dialer::new(|| async {
///     // E.g. spawn `ssh host docker system dial-stdio` and join its pipes.
///     let (ours, _theirs) = tokio::io::duplex(64 * 1024);
///     Ok(ours)
/// }));
/// let client = Client::from_config(config)?;
/// # let _ = client; Ok::<(), api_client_transport::Error>(())
/// ```
#[derive(Clone)]
pub struct Dialer(Arc<dyn Fn() -> Dialing + Send + Sync>);

impl Dialer {
    /// A dialer calling `connect` for each new connection.
    pub fn new<F, Fut, S>(connect: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<S>> + Send + 'static,
        S: DialedStream,
    {
        Dialer(Arc::new(move || {
            let connecting = connect();
            Box::pin(async move { Ok(Box::new(connecting.await?) as BoxedStream) })
        }))
    }

    pub(crate) fn dial(&self) -> Dialing {
        (self.0)()
    }
}

impl fmt::Debug for Dialer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dialer(..)")
    }
}
