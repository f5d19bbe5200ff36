//! The client: connectors, default headers, timeouts, retries, and the send loop.

use std::fmt;
#[cfg(all(unix, feature = "unix"))]
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, USER_AGENT};
use http::{HeaderMap, StatusCode, Uri};
use http_body::Frame;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tracing::Instrument;

use crate::connector::Connector;
use crate::error::{ApiError, ApiErrorBody, BoxError, Error, ErrorMessage, Result, MAX_ERROR_BODY};
use crate::request::{Body, BodyStream, Request};
use crate::response::{read_bounded, Response, ResponseHead, Upgraded};
use crate::retry::{parse_retry_after, RetryPolicy};
use crate::secret::Secret;

type ReqBody = UnsyncBoxBody<Bytes, BoxError>;

/// Reads an API's error body into a code and a message.
pub type ErrorParser = fn(&ApiErrorBody<'_>) -> Option<ErrorMessage>;

/// An HTTP client for one API: a base URL, default headers, timeouts and a
/// retry policy over one connection pool.
///
/// Cheap to clone (an `Arc` inside); clones share the pool. No HTTP proxy is
/// ever used, whatever `HTTP_PROXY` and friends say: the clients built on this
/// talk to the endpoint they were given, which the metadata service requires.
///
/// ```no_run
/// # async fn run() -> api_client_transport::Result<()> {
/// use api_client_transport::{Client, Request};
/// let client = Client::builder("https://api.example.com/v1").build()?;
/// let answer: serde_json::Value = client.send(Request::get(["things", "42"])).await?.json().await?;
/// # let _ = answer; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Endpoint,
    transport: LegacyClient<Connector, ReqBody>,
    headers: HeaderMap,
    timeout: Duration,
    stream_idle_timeout: Option<Duration>,
    retry: RetryPolicy,
    error_parser: Option<ErrorParser>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        // Header names only: values may be keys, even though they are marked sensitive.
        let headers: Vec<&str> = inner.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("Client")
            .field("base_url", &inner.endpoint.base)
            .field("headers", &headers)
            .field("timeout", &inner.timeout)
            .field("stream_idle_timeout", &inner.stream_idle_timeout)
            .field("retry", &inner.retry)
            .finish_non_exhaustive()
    }
}

/// Configures and builds a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: String,
    headers: HeaderMap,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
    stream_idle_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    retry: RetryPolicy,
    error_parser: Option<ErrorParser>,
    invalid_secret: Option<HeaderName>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("headers", &headers)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a client for `base_url`: `http://host:port/prefix`,
    /// `https://host/prefix` (feature `https`) or `unix:///path/to.sock`
    /// (feature `unix`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            headers: HeaderMap::new(),
            user_agent: concat!("api-client-transport/", env!("CARGO_PKG_VERSION")).to_string(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            stream_idle_timeout: None,
            pool_idle_timeout: Some(Duration::from_secs(90)),
            retry: RetryPolicy::default(),
            error_parser: None,
            invalid_secret: None,
        }
    }

    /// The base URL the client was built with.
    pub fn base_url(&self) -> &str {
        &self.inner.endpoint.base
    }

    /// Sends the request, retrying as the policy allows; a status other than
    /// 2xx becomes [`Error::Api`].
    pub async fn send(&self, request: Request) -> Result<Response> {
        let method = request.method.clone();
        let path = request.path.clone();
        let sensitive = request.sensitive;
        let response = self.execute(request).await?;
        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
            return Err(Error::Transport {
                method,
                path,
                source: "the server switched protocols; use Client::upgrade".into(),
            });
        }
        Ok(Response::new(
            response,
            method,
            path,
            self.inner.stream_idle_timeout,
            sensitive,
        ))
    }

    /// Sends a request that asks to switch protocols (the caller sets the
    /// `Connection` and `Upgrade` headers) and hands back the raw connection
    /// once the server answers `101 Switching Protocols`.
    pub async fn upgrade(&self, request: Request) -> Result<(ResponseHead, Upgraded)> {
        let method = request.method.clone();
        let path = request.path.clone();
        let response = self.execute(request).await?;
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            return Err(Error::Transport {
                method,
                path,
                source: format!(
                    "expected 101 Switching Protocols, got {}",
                    response.status()
                )
                .into(),
            });
        }
        let head = ResponseHead {
            status: response.status(),
            headers: response.headers().clone(),
        };
        let upgraded = hyper::upgrade::on(response)
            .await
            .map_err(|e| Error::Transport {
                method,
                path,
                source: Box::new(e),
            })?;
        Ok((head, Upgraded::new(upgraded)))
    }

    async fn execute(&self, mut request: Request) -> Result<http::Response<Incoming>> {
        if let Some(invalid) = request.invalid.take() {
            return Err(invalid);
        }
        let inner = &*self.inner;
        let idempotent = request.may_retry();
        let replayable = !matches!(request.body, Body::Stream(_));
        let timeout = request.timeout.unwrap_or(inner.timeout);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let span = tracing::debug_span!(
                "http_request",
                method = %request.method,
                path = %request.path,
                attempt,
                status = tracing::field::Empty,
            );
            let outcome = self
                .attempt(&mut request, timeout)
                .instrument(span.clone())
                .await;
            let (error, retry_after, may_retry) = match outcome {
                Ok(response) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    if status.is_success() || status == StatusCode::SWITCHING_PROTOCOLS {
                        return Ok(response);
                    }
                    let retry_after = parse_retry_after(response.headers());
                    let error = self
                        .api_error(
                            request.method.clone(),
                            request.path.clone(),
                            response,
                            retry_after,
                        )
                        .await;
                    let worth_it = inner.retry.retries_status(status)
                        && !RetryPolicy::retry_after_too_long(retry_after);
                    // A 429 means the server refused the request without acting
                    // on it, so even a non-idempotent call may go again.
                    let refused = status == StatusCode::TOO_MANY_REQUESTS && replayable;
                    (error, retry_after, worth_it && (idempotent || refused))
                }
                // Nothing reached the server: any request with a replayable body may go again.
                Err(error @ Error::Connect { .. }) => (error, None, replayable),
                Err(error @ (Error::Timeout { .. } | Error::Transport { .. })) => {
                    (error, None, idempotent)
                }
                Err(error) => return Err(error),
            };
            if !may_retry || attempt >= inner.retry.max_attempts() {
                return Err(error);
            }
            let delay = inner.retry.delay(attempt, retry_after);
            tracing::debug!(parent: &span, ?delay, %error, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        request: &mut Request,
        timeout: Duration,
    ) -> Result<http::Response<Incoming>> {
        let inner = &*self.inner;
        let uri = inner.endpoint.uri(&request.path, &request.query)?;
        let body: ReqBody = match &mut request.body {
            Body::Empty => Empty::new().map_err(|never| match never {}).boxed_unsync(),
            Body::Bytes(bytes) => Full::new(bytes.clone())
                .map_err(|never| match never {})
                .boxed_unsync(),
            Body::Stream(stream) => match stream.take() {
                Some(stream) => UnsyncBoxBody::new(StreamBody(stream)),
                None => {
                    return Err(Error::invalid(
                        "body",
                        "a streamed body can be sent only once",
                    ))
                }
            },
        };
        let mut http_request = http::Request::new(body);
        *http_request.method_mut() = request.method.clone();
        *http_request.uri_mut() = uri;
        let headers = http_request.headers_mut();
        headers.clone_from(&inner.headers);
        for (name, value) in &request.headers {
            headers.insert(name.clone(), value.clone());
        }
        let error_path = || request.path.clone();
        match tokio::time::timeout(timeout, inner.transport.request(http_request)).await {
            Err(_) => Err(Error::Timeout {
                method: request.method.clone(),
                path: error_path(),
                after: timeout,
            }),
            Ok(Err(e)) if e.is_connect() => Err(Error::Connect {
                endpoint: inner.endpoint.describe(),
                source: Box::new(e),
            }),
            Ok(Err(e)) => Err(Error::Transport {
                method: request.method.clone(),
                path: error_path(),
                source: Box::new(e),
            }),
            Ok(Ok(response)) => Ok(response),
        }
    }

    // Takes the method and path by value: holding `&Request` across an await
    // would make `send` not `Send` (a streamed body is `Send` but not `Sync`).
    async fn api_error(
        &self,
        method: http::Method,
        path: String,
        response: http::Response<Incoming>,
        retry_after: Option<Duration>,
    ) -> Error {
        let (parts, body) = response.into_parts();
        // A body that breaks off still leaves the status worth reporting.
        let body = read_bounded(body, MAX_ERROR_BODY).await.unwrap_or_default();
        let mut error =
            ApiError::new(parts.status, method, path, body.clone()).with_retry_after(retry_after);
        if let Some(parse) = self.inner.error_parser {
            let seen = ApiErrorBody {
                status: parts.status,
                headers: &parts.headers,
                body: &body,
            };
            if let Some(message) = parse(&seen) {
                error = error.with_message(message);
            }
        }
        error.into()
    }
}

impl ClientBuilder {
    /// A header sent with every request.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// A header carrying a secret: marked sensitive, so it is never printed or
    /// compressed into HTTP/2 tables. A value that is not a valid header is
    /// reported by [`ClientBuilder::build`], without the value.
    pub fn secret_header(mut self, name: HeaderName, value: &Secret) -> Self {
        match HeaderValue::from_str(value.expose()) {
            Ok(mut v) => {
                v.set_sensitive(true);
                self.headers.insert(name, v);
            }
            Err(_) => {
                // Remember which header, never the value; build() reports it.
                self.headers.remove(&name);
                self.invalid_secret = Some(name);
            }
        }
        self
    }

    /// `Authorization: Bearer <token>`, marked sensitive.
    pub fn bearer_token(self, token: &Secret) -> Self {
        let value = Secret::new(format!("Bearer {}", token.expose()));
        self.secret_header(AUTHORIZATION, &value)
    }

    /// The `User-Agent` header (default `api-client-transport/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Bound on establishing a TCP connection (default 10 s). A TLS handshake
    /// that stalls after it is bounded by the per-attempt [`timeout`](Self::timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on each attempt, until the response head arrives (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Longest silence allowed between two chunks of a streamed body (default:
    /// none, since a followed log may rightly stay quiet for hours).
    pub fn stream_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }

    /// How long an idle pooled connection is kept (default 90 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = Some(timeout);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How to read this API's error bodies into a code and a message.
    pub fn error_parser(mut self, parser: ErrorParser) -> Self {
        self.error_parser = Some(parser);
        self
    }

    /// Builds the client; a bad URL or socket path is an [`Error::InvalidInput`].
    pub fn build(self) -> Result<Client> {
        if let Some(name) = self.invalid_secret {
            return Err(Error::invalid(
                name.as_str(),
                "the secret is not a valid header value",
            ));
        }
        let endpoint = Endpoint::parse(&self.base_url)?;
        let mut headers = self.headers;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::invalid("user_agent", "not a valid header value"))?;
        headers.insert(USER_AGENT, user_agent);

        let mut builder = LegacyClient::builder(TokioExecutor::new());
        // Without a timer hyper-util silently ignores the idle timeout.
        builder.pool_timer(TokioTimer::new());
        builder.pool_idle_timeout(self.pool_idle_timeout);
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);
        let connector = match &endpoint.kind {
            EndpointKind::Http => Connector::Http(http),
            #[cfg(feature = "https")]
            EndpointKind::Https => {
                http.enforce_http(false);
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_provider_and_webpki_roots(provider)
                    .map_err(|e| Error::invalid("base_url", format!("TLS setup failed: {e}")))?
                    .https_or_http()
                    .enable_http1()
                    .wrap_connector(http);
                Connector::Https(https)
            }
            #[cfg(all(unix, feature = "unix"))]
            EndpointKind::Unix(_) => Connector::Unix(hyperlocal::UnixConnector),
        };
        let transport = builder.build(connector);
        Ok(Client {
            inner: Arc::new(Inner {
                endpoint,
                transport,
                headers,
                timeout: self.timeout,
                stream_idle_timeout: self.stream_idle_timeout,
                retry: self.retry,
                error_parser: self.error_parser,
            }),
        })
    }
}

#[derive(Debug)]
enum EndpointKind {
    Http,
    #[cfg(feature = "https")]
    Https,
    #[cfg(all(unix, feature = "unix"))]
    Unix(PathBuf),
}

/// Where requests go: the parsed base URL.
#[derive(Debug)]
struct Endpoint {
    base: String,
    kind: EndpointKind,
    /// `scheme://authority` for TCP, `unix://<hex of the socket path>:0` for sockets.
    origin: String,
    /// The base URL's path, without a trailing slash.
    prefix: String,
}

impl Endpoint {
    fn parse(base: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::invalid("base_url", format!("{reason}: {base:?}"));
        if let Some(socket) = base.strip_prefix("unix://") {
            return Self::unix(base, socket);
        }
        let uri: Uri = base.parse().map_err(|_| invalid("not a valid URL"))?;
        let authority = uri.authority().ok_or_else(|| invalid("no host in URL"))?;
        if uri.query().is_some() {
            return Err(invalid("a base URL cannot have a query"));
        }
        let kind = match uri.scheme_str() {
            Some("http") => EndpointKind::Http,
            #[cfg(feature = "https")]
            Some("https") => EndpointKind::Https,
            #[cfg(not(feature = "https"))]
            Some("https") => {
                return Err(invalid(
                    "https needs the `https` feature of api-client-transport",
                ))
            }
            _ => return Err(invalid("the scheme must be http, https or unix")),
        };
        let scheme = uri.scheme_str().unwrap_or("http");
        Ok(Endpoint {
            base: base.to_string(),
            kind,
            origin: format!("{scheme}://{authority}"),
            prefix: uri.path().trim_end_matches('/').to_string(),
        })
    }

    #[cfg(all(unix, feature = "unix"))]
    fn unix(base: &str, socket: &str) -> Result<Self> {
        if socket.is_empty() || socket.contains('\0') {
            return Err(Error::invalid(
                "base_url",
                format!("not a usable socket path: {base:?}"),
            ));
        }
        // hyperlocal reads the socket path back from a hex-encoded host.
        let hex: String = socket.bytes().map(|b| format!("{b:02x}")).collect();
        Ok(Endpoint {
            base: base.to_string(),
            kind: EndpointKind::Unix(PathBuf::from(socket)),
            origin: format!("unix://{hex}:0"),
            prefix: String::new(),
        })
    }

    #[cfg(not(all(unix, feature = "unix")))]
    fn unix(base: &str, _socket: &str) -> Result<Self> {
        let why = if cfg!(unix) {
            "unix sockets need the `unix` feature of api-client-transport"
        } else {
            "unix sockets are not available on this platform"
        };
        Err(Error::invalid("base_url", format!("{why}: {base:?}")))
    }

    fn uri(&self, path: &str, query: &str) -> Result<Uri> {
        let mut uri = String::with_capacity(
            self.origin.len() + self.prefix.len() + path.len() + query.len() + 1,
        );
        uri.push_str(&self.origin);
        uri.push_str(&self.prefix);
        uri.push_str(path);
        if !query.is_empty() {
            uri.push('?');
            uri.push_str(query);
        }
        uri.parse()
            .map_err(|_| Error::invalid("path", format!("does not form a valid URL: {path:?}")))
    }

    fn describe(&self) -> String {
        match &self.kind {
            #[cfg(all(unix, feature = "unix"))]
            EndpointKind::Unix(socket) => format!("unix socket {}", socket.display()),
            _ => self.origin.clone(),
        }
    }
}

/// A request body fed from a stream of chunks.
struct StreamBody(BodyStream);

impl http_body::Body for StreamBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, BoxError>>> {
        match self.0.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_base_urls_are_errors_not_panics() {
        for bad in [
            "",
            "not a url",
            "ftp://x",
            "http://",
            "http://h/?q=1",
            "unix://",
            "unix://a\0b",
        ] {
            let err = Client::builder(bad).build().unwrap_err();
            assert!(
                matches!(err, Error::InvalidInput { ref field, .. } if field == "base_url"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn prefix_and_query_join() {
        let e = Endpoint::parse("http://h:1/api/public/").unwrap();
        assert_eq!(
            e.uri("/a/b", "x=1").unwrap().to_string(),
            "http://h:1/api/public/a/b?x=1"
        );
    }

    #[test]
    fn invalid_secret_is_reported_without_its_value() {
        let err = Client::builder("http://h")
            .secret_header(
                HeaderName::from_static("salad-api-key"),
                &Secret::new("bad\nkey"),
            )
            .build()
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("salad-api-key"), "{text}");
        assert!(
            !text.contains("bad\nkey") && !text.contains("bad\\nkey"),
            "{text}"
        );
    }
}
