//! The one configuration value every API client wraps: where to connect, how
//! long to wait, how often to retry, how much to accept.

use std::fmt;
use std::time::Duration;

use crate::dialer::Dialer;
use crate::proxy::Proxy;
use crate::retry::RetryPolicy;
#[cfg(feature = "https")]
use crate::tls::TlsConfig;

/// Default cap on a buffered answer (JSON or bytes): 32 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Default cap on one frame or line of a streamed answer: 8 MiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 8 * 1024 * 1024;

/// Everything a [`Client`](crate::Client) is built from, shared by every API
/// crate: each crate's builder holds one and forwards its knobs to it, so the
/// same setting has the same name and default in every client.
///
/// Fields are public so a wrapper can forward a setter in one line; the type
/// is `#[non_exhaustive]` so new knobs can be added, which means it is made
/// with [`ClientConfig::new`] and then adjusted field by field.
///
/// ```
/// use std::time::Duration;
/// use api_client_transport::{Client, ClientConfig, RetryPolicy};
///
/// let mut config = ClientConfig::new("http://127.0.0.1:8080/api");
/// config.timeout = Duration::from_secs(5);
/// config.retry = RetryPolicy::new(4);
/// config.user_agent = "my-tool/1.0".into();
/// let client = Client::from_config(config)?;
/// assert_eq!(client.config().timeout, Duration::from_secs(5));
/// # Ok::<(), api_client_transport::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// `http://host:port/prefix`, `https://host/prefix` (feature `https`) or
    /// `unix:///path/to.sock` (feature `unix`). A port outside 1-65535 and a
    /// `user:password@` part are refused when the client is built.
    pub base_url: String,
    /// Bound on opening a connection (TCP, unix socket or the custom
    /// [`dialer`](Self::dialer)). Default: 10 s.
    pub connect_timeout: Duration,
    /// One deadline per attempt of a buffered call, covering the answer's head
    /// *and* its whole body. Default: 60 s. A request may override it with
    /// [`Request::timeout`](crate::Request::timeout).
    pub timeout: Duration,
    /// Bound on waiting for the head of an answer that is read as a stream
    /// ([`Request::streaming`](crate::Request::streaming)). Default: 60 s.
    /// A request may override it ([`Request::head_timeout`](crate::Request::head_timeout)).
    pub stream_head_timeout: Duration,
    /// Longest silence allowed between two chunks of a streamed answer.
    /// Default: `None` (no bound), because a followed log or event stream may
    /// rightly stay quiet for hours. A request may override it
    /// ([`Request::idle_timeout`](crate::Request::idle_timeout)).
    pub stream_idle_timeout: Option<Duration>,
    /// How long an idle pooled connection is kept. Default: 90 s.
    pub pool_idle_timeout: Duration,
    /// When and how often a failed attempt is tried again. Default:
    /// [`RetryPolicy::default`].
    pub retry: RetryPolicy,
    /// The `User-Agent` header. Default: `api-client-transport/<version>`;
    /// API crates set `<crate>/<version>`.
    pub user_agent: String,
    /// Most bytes of an answer read whole ([`Response::json`](crate::Response::json),
    /// [`Response::bytes`](crate::Response::bytes)). A bigger answer fails with
    /// [`Error::Limit`](crate::Error::Limit) and its connection is dropped.
    /// Default: [`DEFAULT_MAX_BODY_BYTES`] (32 MiB).
    pub max_body_bytes: usize,
    /// Most bytes of one frame or line of a streamed answer that an API
    /// crate's decoder will hold (Docker's multiplexed frames, JSON lines).
    /// The core only carries it; decoders read it from
    /// [`Client::config`](crate::Client::config). Default:
    /// [`DEFAULT_MAX_FRAME_BYTES`] (8 MiB).
    pub max_frame_bytes: usize,
    /// Most bytes of an error answer read to find the server's message, code
    /// and problem document. The raw body kept in the error is cut to
    /// [`MAX_ERROR_BODY`](crate::MAX_ERROR_BODY) either way; a larger value
    /// lets a long problem document (one with a big `errors` map) still
    /// yield its code and members. Values below `MAX_ERROR_BODY` count as
    /// `MAX_ERROR_BODY`. Default: [`MAX_ERROR_BODY`](crate::MAX_ERROR_BODY) (64 KiB).
    pub max_error_body_bytes: usize,
    /// Whether request models are checked against the API's rules before
    /// sending. Default: `true`. Turn it off when a server accepts what the
    /// published spec forbids: the request is then sent as it is.
    pub validate_requests: bool,
    /// A custom way to open every new connection, replacing TCP and unix
    /// sockets (for example a process speaking HTTP on its stdin and stdout).
    /// Default: `None`.
    pub dialer: Option<Dialer>,
    /// What an `https://` client trusts and presents: extra root CAs, the
    /// platform's roots, a client certificate. Default: the built-in Mozilla
    /// roots, no client certificate. A refused certificate is
    /// [`Error::Tls`](crate::Error::Tls), never retried.
    #[cfg(feature = "https")]
    pub tls: TlsConfig,
    /// The HTTP proxy to go through, if any. Default: `None`, whatever the
    /// environment says; [`Proxy::from_env`] opts in to `HTTPS_PROXY` and
    /// friends. Never used for unix sockets or a custom dialer.
    pub proxy: Option<Proxy>,
}

impl ClientConfig {
    /// The defaults documented on each field, for `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            stream_head_timeout: Duration::from_secs(60),
            stream_idle_timeout: None,
            pool_idle_timeout: Duration::from_secs(90),
            retry: RetryPolicy::default(),
            user_agent: concat!("api-client-transport/", env!("CARGO_PKG_VERSION")).to_string(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            max_error_body_bytes: crate::MAX_ERROR_BODY,
            validate_requests: true,
            dialer: None,
            #[cfg(feature = "https")]
            tls: TlsConfig::default(),
            proxy: None,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ClientConfig");
        d.field("base_url", &redact_userinfo(&self.base_url))
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("stream_head_timeout", &self.stream_head_timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_error_body_bytes", &self.max_error_body_bytes)
            .field("max_frame_bytes", &self.max_frame_bytes)
            .field("validate_requests", &self.validate_requests)
            .field("dialer", &self.dialer);
        #[cfg(feature = "https")]
        d.field("tls", &self.tls);
        // Proxy's Debug shows host and port only, never credentials.
        d.field("proxy", &self.proxy).finish_non_exhaustive()
    }
}

/// `base` with any `user:password@` part replaced by `***@`, for messages and
/// `Debug`: such URLs are refused, but the refusal must not quote them.
pub(crate) fn redact_userinfo(base: &str) -> std::borrow::Cow<'_, str> {
    let Some(scheme_end) = base.find("://") else {
        return base.into();
    };
    let rest = &base[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://***{}", &base[..scheme_end], &rest[at..]).into(),
        None => base.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_redacted() {
        assert_eq!(redact_userinfo("http://u:p@h:1/x@y"), "http://***@h:1/x@y");
        assert_eq!(redact_userinfo("http://h/x@y"), "http://h/x@y");
        assert_eq!(redact_userinfo("no scheme"), "no scheme");
        let text = format!("{:?}", ClientConfig::new("https://me:hunter2@h"));
        assert!(!text.contains("hunter2"), "{text}");
    }
}
