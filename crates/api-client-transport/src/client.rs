//! The client: connectors, default headers, timeouts, retries, and the send loop.

use std::fmt;
use std::future::Future;
#[cfg(all(unix, feature = "unix"))]
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, USER_AGENT};
use http::{HeaderMap, Method, StatusCode, Uri};
use http_body::Frame;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
#[cfg(all(feature = "https", feature = "proxy"))]
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tracing::Instrument;

/// A future boxed where it is made. An `async fn` of a library is compiled
/// in each crate that polls it, with everything it awaits; behind a box made
/// inside this crate, it is compiled here once and called through the box's
/// vtable (one allocation per request).
pub(crate) type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

use crate::config::{redact_userinfo, ClientConfig};
use crate::connector::Connector;
use crate::dialer::Dialer;
use crate::direct::{self, DirectFailure, Driver};
use crate::error::{ApiError, ApiErrorBody, BoxError, Error, ErrorMessage, Result, MAX_ERROR_BODY};
use crate::proxy::Proxy;
use crate::request::{Body, BodyStream, Request, SecretValues};
use crate::response::{read_bounded, Redaction, Response, ResponseHead, ResponseLimits, Upgraded};
use crate::retry::{parse_retry_after, RetryPolicy};
use crate::secret::Secret;
#[cfg(feature = "https")]
use crate::tls::TlsConfig;
use crate::tls::TlsFailure;

type ReqBody = UnsyncBoxBody<Bytes, BoxError>;

/// Reads an API's error body into a code and a message.
pub type ErrorParser = fn(&ApiErrorBody<'_>) -> Option<ErrorMessage>;

/// An HTTP client for one API: a base URL, default headers, timeouts and a
/// retry policy over one connection pool.
///
/// Cheap to clone (an `Arc` inside); clones share the pool. No HTTP proxy is
/// used unless the configuration names a [`Proxy`], whatever `HTTP_PROXY`
/// and friends say: a metadata service must be reached directly.
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
    /// `proxy host:port` when connections go through one (never credentials).
    via: Option<String>,
    transport: LegacyClient<Connector, ReqBody>,
    /// The pool's connector, for requests on a connection of their own.
    connector: Connector,
    headers: HeaderMap,
    config: ClientConfig,
    error_parser: Option<ErrorParser>,
    secrets: Secrets,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        // Header names only: values may be keys, even though they are marked sensitive.
        let headers: Vec<&str> = inner.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("Client")
            .field("config", &inner.config)
            .field("via", &inner.via)
            .field("headers", &headers)
            .finish_non_exhaustive()
    }
}

/// Configures and builds a [`Client`].
///
/// It holds a [`ClientConfig`] plus what only an API crate knows: default
/// headers (keys, tokens) and how to read the API's error bodies. The knob
/// setters below are shorthands for the config's fields.
#[derive(Clone)]
pub struct ClientBuilder {
    config: ClientConfig,
    headers: HeaderMap,
    error_parser: Option<ErrorParser>,
    invalid_secret: Option<HeaderName>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("headers", &headers)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a client for `base_url`: `http://host:port/prefix`,
    /// `https://host/prefix` (feature `https`) or `unix:///path/to.sock`
    /// (feature `unix`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::from_config(ClientConfig::new(base_url))
    }

    /// Builds a client from a whole configuration, with no default headers
    /// and no error parser: the same as `ClientBuilder::from_config(config).build()`.
    pub fn from_config(config: ClientConfig) -> Result<Client> {
        ClientBuilder::from_config(config).build()
    }

    /// The base URL the client was built with.
    pub fn base_url(&self) -> &str {
        &self.inner.endpoint.base
    }

    /// The configuration the client was built with, e.g. for a stream
    /// decoder's [`max_frame_bytes`](ClientConfig::max_frame_bytes).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Sends the request, retrying as the policy allows; a status other than
    /// 2xx becomes [`Error::Api`].
    ///
    /// Unless the request is [`streaming`](Request::streaming), one deadline
    /// per attempt ([`ClientConfig::timeout`]) covers the head here and the
    /// body read later by [`Response::json`] or [`Response::bytes`].
    pub fn send(&self, request: Request) -> impl Future<Output = Result<Response>> + Send + '_ {
        // Boxed here so that the whole client stack (this state machine,
        // hyper's and the pool's) is compiled once, in this crate, instead of
        // in every crate that awaits a request (see `Boxed`).
        let sending: Boxed<'_, Result<Response>> = Box::pin(self.send_unboxed(request));
        sending
    }

    async fn send_unboxed(&self, request: Request) -> Result<Response> {
        let method = request.method.clone();
        let path = request.path.clone();
        let sensitive = request.sensitive;
        let idle_timeout = request
            .idle_timeout
            .unwrap_or(self.inner.config.stream_idle_timeout);
        let secrets = self.inner.secrets.with(&request.secrets);
        let (response, driver, deadline) = self.execute(request, &secrets).await?;
        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
            return Err(Error::Transport {
                method,
                path,
                source: "the server switched protocols; use Client::upgrade".into(),
            });
        }
        let redaction = if sensitive {
            Redaction::All
        } else {
            Redaction::Secrets(secrets)
        };
        Ok(Response::new(
            response,
            driver,
            ResponseLimits {
                method,
                path,
                idle_timeout,
                deadline,
                max_body_bytes: self.inner.config.max_body_bytes,
                redaction,
            },
        ))
    }

    /// Sends a request that asks to switch protocols (the caller sets the
    /// `Connection` and `Upgrade` headers) and hands back the raw connection
    /// once the server answers `101 Switching Protocols`.
    pub fn upgrade(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<(ResponseHead, Upgraded)>> + Send + '_ {
        let upgrading: Boxed<'_, Result<(ResponseHead, Upgraded)>> =
            Box::pin(self.upgrade_unboxed(request));
        upgrading
    }

    async fn upgrade_unboxed(&self, mut request: Request) -> Result<(ResponseHead, Upgraded)> {
        let method = request.method.clone();
        let path = request.path.clone();
        // The upgraded connection outlives the answer: it needs the pool's
        // spawned connection task, not one driven by a body reader.
        request.dedicated = false;
        let secrets = self.inner.secrets.with(&request.secrets);
        let (response, _, _) = self.execute(request, &secrets).await?;
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

    /// Runs the attempts; on success also returns the deadline for reading
    /// a buffered body (`None` for streaming requests).
    async fn execute(
        &self,
        mut request: Request,
        secrets: &Secrets,
    ) -> Result<(
        http::Response<Incoming>,
        Option<Driver>,
        Option<(Instant, Duration)>,
    )> {
        if let Some(invalid) = request.invalid.take() {
            return Err(invalid);
        }
        let inner = &*self.inner;
        if let Some(invalid) = request.validation.take() {
            if inner.config.validate_requests {
                return Err(invalid);
            }
            tracing::debug!(%invalid, "sending a request that fails local validation, as configured");
        }
        let idempotent = request.may_retry();
        let replayable = !matches!(request.body, Body::Stream(_));
        // Whether the head wait is bounded, and the deadline for the whole answer.
        let (head_timeout, whole_answer) = if request.streaming {
            (
                request
                    .head_timeout
                    .unwrap_or(Some(inner.config.stream_head_timeout)),
                false,
            )
        } else {
            (Some(request.timeout.unwrap_or(inner.config.timeout)), true)
        };
        let mut attempt = 0;
        // A request that never left the client may go once more, whatever its
        // method, on top of the policy's attempts.
        let mut unsent_resends = 0;
        loop {
            attempt += 1;
            let span = tracing::debug_span!(
                "http_request",
                method = %request.method,
                path = %request.path,
                attempt,
                status = tracing::field::Empty,
            );
            // A bound too far away to represent (Duration::MAX, say) is no bound.
            let deadline = head_timeout.and_then(|t| Instant::now().checked_add(t));
            let outcome = self
                .attempt(&mut request, head_timeout, deadline)
                .instrument(span.clone())
                .await;
            let (error, retry_after, may_retry) = match outcome {
                Ok((response, driver)) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    if status.is_success() || status == StatusCode::SWITCHING_PROTOCOLS {
                        let body_deadline = match (deadline, head_timeout) {
                            (Some(deadline), Some(bound)) if whole_answer => {
                                Some((deadline, bound))
                            }
                            _ => None,
                        };
                        return Ok((response, driver, body_deadline));
                    }
                    // The client reads the error body itself, without a stream.
                    if let Some(driver) = driver {
                        driver.detach();
                    }
                    let retry_after = parse_retry_after(response.headers());
                    let error = self
                        .api_error(
                            request.method.clone(),
                            request.path.clone(),
                            response,
                            retry_after,
                            deadline,
                            // A request whose failures may echo it keeps no byte of them.
                            (!request.sensitive_errors).then_some(secrets),
                        )
                        .await;
                    let worth_it = inner.config.retry.retries_status(status)
                        && !RetryPolicy::retry_after_too_long(retry_after);
                    // A 429 means the server refused the request without acting
                    // on it, so even a non-idempotent call may go again.
                    let refused = status == StatusCode::TOO_MANY_REQUESTS && replayable;
                    (error, retry_after, worth_it && (idempotent || refused))
                }
                Err(Failure::Unsent(error)) => {
                    if replayable && unsent_resends == 0 {
                        unsent_resends += 1;
                        attempt -= 1;
                        tracing::debug!(parent: &span, %error, "resending a request that was never sent");
                        continue;
                    }
                    (error, None, replayable)
                }
                // A certificate the client refuses now it will refuse again.
                Err(Failure::Certificate(error)) => return Err(error),
                // Nothing reached the server: any request with a replayable body may go again.
                Err(Failure::Error(error @ Error::Connect { .. })) => (error, None, replayable),
                Err(Failure::Error(error @ (Error::Timeout { .. } | Error::Transport { .. }))) => {
                    (error, None, idempotent)
                }
                Err(Failure::Error(error)) => return Err(error),
            };
            if !may_retry || attempt >= inner.config.retry.max_attempts() {
                return Err(error);
            }
            let delay = inner.config.retry.delay(attempt, retry_after);
            tracing::debug!(parent: &span, ?delay, %error, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        request: &mut Request,
        head_timeout: Option<Duration>,
        deadline: Option<Instant>,
    ) -> std::result::Result<(http::Response<Incoming>, Option<Driver>), Failure> {
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
                    return Err(
                        Error::invalid("body", "a streamed body can be sent only once").into(),
                    )
                }
            },
        };
        let mut http_request = http::Request::new(body);
        *http_request.method_mut() = request.method.clone();
        *http_request.uri_mut() = uri;
        let headers = http_request.headers_mut();
        headers.clone_from(&inner.headers);
        // A request's header replaces the client's default of that name; a name the
        // request sets on several lines (`Request::append_header`) keeps them all.
        for name in request.headers.keys() {
            headers.remove(name);
        }
        for (name, value) in &request.headers {
            headers.append(name.clone(), value.clone());
        }
        // Some servers and proxies answer 411 to a body-less POST without
        // a length; hyper sends none for an empty body.
        if matches!(request.body, Body::Empty)
            && matches!(
                request.method,
                Method::POST | Method::PUT | Method::PATCH | Method::DELETE
            )
            && !headers.contains_key(CONTENT_LENGTH)
        {
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        // The head must arrive before the attempt's deadline, whichever way it is sent.
        let head_timed_out = || -> Failure {
            Error::Timeout {
                method: request.method.clone(),
                path: request.path.clone(),
                after: head_timeout.unwrap_or_default(),
            }
            .into()
        };
        if request.dedicated {
            let sending = direct::send(&inner.connector, http_request);
            let outcome = within(deadline, sending).await.ok_or_else(head_timed_out)?;
            return match outcome {
                Ok((response, driver)) => Ok((response, Some(driver))),
                Err(DirectFailure::Connect(e)) => Err(self.direct_failure(request, e, true)),
                Err(DirectFailure::Exchange(e)) => {
                    Err(self.direct_failure(request, Box::new(e), false))
                }
            };
        }
        let sending = inner.transport.request(http_request);
        let outcome = within(deadline, sending).await.ok_or_else(head_timed_out)?;
        match outcome {
            Ok(response) => Ok((response, None)),
            // Before `is_connect`: a client certificate the server refuses
            // shows up only once the request is written (TLS 1.3).
            Err(e) => match TlsFailure::find(&e) {
                Some(failure) => Err(Failure::Certificate(Error::Tls {
                    host: inner.endpoint.host.clone(),
                    failure,
                    source: Box::new(e),
                })),
                // Another TLS failure (say, a server that does not speak
                // TLS) keeps its variant but is not retried either.
                None if TlsFailure::any_in(&e) => Err(Failure::Certificate(
                    self.plain_failure(request, e).into_error(),
                )),
                None => Err(self.plain_failure(request, e)),
            },
        }
    }

    /// How a request on a dedicated connection failed: the same variants
    /// as through the pool (a fresh connection is never stale, so nothing
    /// counts as unsent once it is open).
    fn direct_failure(&self, request: &Request, e: BoxError, connecting: bool) -> Failure {
        let inner = &*self.inner;
        if let Some(failure) = TlsFailure::find(&*e) {
            return Failure::Certificate(Error::Tls {
                host: inner.endpoint.host.clone(),
                failure,
                source: e,
            });
        }
        let tls = TlsFailure::any_in(&*e);
        let error = if connecting {
            Error::Connect {
                endpoint: match &inner.via {
                    Some(via) => format!("{} via {via}", inner.endpoint.describe()),
                    None => inner.endpoint.describe(),
                },
                source: inner.endpoint.explain_connect_failure(e),
            }
        } else {
            Error::Transport {
                method: request.method.clone(),
                path: request.path.clone(),
                source: e,
            }
        };
        if tls {
            Failure::Certificate(error)
        } else {
            Failure::Error(error)
        }
    }

    /// A failure that is not about a certificate: connect or transport.
    fn plain_failure(&self, request: &Request, e: hyper_util::client::legacy::Error) -> Failure {
        let inner = &*self.inner;
        match e {
            e if e.is_connect() => Failure::Error(Error::Connect {
                endpoint: match &inner.via {
                    Some(via) => format!("{} via {via}", inner.endpoint.describe()),
                    None => inner.endpoint.describe(),
                },
                source: inner.endpoint.explain_connect_failure(Box::new(e)),
            }),
            e => {
                let unsent = never_sent(&e)
                    || failed_before_sending(&e)
                    || crate::connector::StaleConnection::in_chain(&e);
                let error = Error::Transport {
                    method: request.method.clone(),
                    path: request.path.clone(),
                    source: Box::new(e),
                };
                if unsent {
                    Failure::Unsent(error)
                } else {
                    Failure::Error(error)
                }
            }
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
        deadline: Option<Instant>,
        secrets: Option<&Secrets>,
    ) -> Error {
        let (parts, body) = response.into_parts();
        let Some(secrets) = secrets else {
            // Not a byte of it is read, so none can end up anywhere.
            drop(body);
            return Error::from(
                ApiError::new(parts.status, method, path, Bytes::new())
                    .with_retry_after(retry_after),
            )
            .redact_body();
        };
        // A body that breaks off or stalls still leaves the status worth reporting.
        let cap = self.inner.config.max_error_body_bytes.max(MAX_ERROR_BODY);
        let reading = read_bounded(body, cap);
        let body = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), reading)
                .await
                .ok()
                .and_then(|r| r.ok()),
            None => reading.await.ok(),
        }
        .unwrap_or_default();
        let mut error =
            ApiError::new(parts.status, method, path, body.clone()).with_retry_after(retry_after);
        if body.len() > MAX_ERROR_BODY {
            // The kept body is cut short, so the problem document is read now.
            error = error.with_problem(crate::ProblemDetails::from_body(&body));
        }
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
        // The parser's message and code come from the body, and may come
        // from the headers too: what the error would print is looked at.
        let echoed = secrets.found_in(&body)
            || secrets.found_in(error.message().as_bytes())
            || error.code().is_some_and(|c| secrets.found_in(c.as_bytes()));
        let error = Error::from(error);
        if echoed {
            error.redact_body()
        } else {
            error
        }
    }
}

/// How an attempt failed, as far as retrying is concerned.
enum Failure {
    /// The request never left the client (a pooled connection found closed
    /// before a byte was written): safe to send again whatever the method.
    Unsent(Error),
    /// A certificate was refused ([`Error::Tls`]) or the TLS handshake
    /// failed otherwise: trying again cannot help.
    Certificate(Error),
    Error(Error),
}

impl Failure {
    fn into_error(self) -> Error {
        match self {
            Failure::Unsent(e) | Failure::Certificate(e) | Failure::Error(e) => e,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Error(error)
    }
}

/// Whether the failure came before the request was handed to a connection:
/// hyper-util attaches the connection's info to every error that happened
/// on one, so an error without it (other than a connect error) arose while
/// the connection was still being set up, e.g. a server that closed it at
/// once. Such a request was never written.
fn failed_before_sending(error: &hyper_util::client::legacy::Error) -> bool {
    error.connect_info().is_none()
}

/// Whether hyper gave the request back unsent (its dispatcher was closed
/// before the request was written).
/// `future`'s output, or `None` if `deadline` (when there is one) passes first.
async fn within<F: Future>(deadline: Option<Instant>, future: F) -> Option<F::Output> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline.into(), future).await.ok(),
        None => Some(future.await),
    }
}

fn never_sent(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(hyper_error) = e.downcast_ref::<hyper::Error>() {
            if hyper_error.is_canceled() {
                return true;
            }
        }
        cause = e.source();
    }
    false
}

impl ClientBuilder {
    /// A builder over a whole configuration; add headers and an error parser, then build.
    pub fn from_config(config: ClientConfig) -> Self {
        ClientBuilder {
            config,
            headers: HeaderMap::new(),
            error_parser: None,
            invalid_secret: None,
        }
    }

    /// The configuration so far.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The configuration so far, to change any of its fields.
    pub fn config_mut(&mut self) -> &mut ClientConfig {
        &mut self.config
    }

    /// A header sent with every request.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// A header carrying a secret: marked sensitive, so it is never printed or
    /// compressed into HTTP/2 tables, and any answer that echoes it is
    /// withheld from errors. A value that is not a valid header is reported
    /// by [`ClientBuilder::build`], without the value.
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

    /// Sets [`ClientConfig::user_agent`].
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.config.user_agent = user_agent.into();
        self
    }

    /// Sets [`ClientConfig::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Sets [`ClientConfig::timeout`]: one deadline per attempt, head and body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Sets [`ClientConfig::stream_idle_timeout`].
    pub fn stream_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.stream_idle_timeout = timeout;
        self
    }

    /// Sets [`ClientConfig::pool_idle_timeout`].
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.pool_idle_timeout = timeout;
        self
    }

    /// Sets [`ClientConfig::retry`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// Sets [`ClientConfig::tls`]: what to trust and present over TLS.
    #[cfg(feature = "https")]
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.config.tls = tls;
        self
    }

    /// Sets [`ClientConfig::proxy`]: send requests through an HTTP proxy.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.config.proxy = Some(proxy);
        self
    }

    /// Sets [`ClientConfig::dialer`]: every new connection is opened by it.
    pub fn dialer(mut self, dialer: Dialer) -> Self {
        self.config.dialer = Some(dialer);
        self
    }

    /// How to read this API's error bodies into a code and a message.
    pub fn error_parser(mut self, parser: ErrorParser) -> Self {
        self.error_parser = Some(parser);
        self
    }

    /// Builds the client; a bad URL, socket path or header is an
    /// [`Error::InvalidInput`] naming it.
    pub fn build(self) -> Result<Client> {
        if let Some(name) = self.invalid_secret {
            return Err(Error::invalid(
                name.as_str(),
                "the secret is not a valid header value",
            ));
        }
        let config = self.config;
        let endpoint = Endpoint::parse(&config.base_url)?;
        let mut headers = self.headers;
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| Error::invalid("user_agent", "not a valid header value"))?;
        headers.insert(USER_AGENT, user_agent);

        let mut builder = LegacyClient::builder(TokioExecutor::new());
        // Without a timer hyper-util silently ignores the idle timeout.
        builder.pool_timer(TokioTimer::new());
        builder.pool_idle_timeout(config.pool_idle_timeout);
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_nodelay(true);
        // A proxy applies to TCP endpoints opened by the client itself: never
        // to a unix socket, never around a custom dialer.
        // (Without the `proxy` feature no `Proxy` can be made, so there is none.)
        #[cfg(feature = "proxy")]
        let route = match (&config.proxy, &config.dialer, &endpoint.kind) {
            (Some(proxy), None, EndpointKind::Http) => proxy.route(&endpoint.origin_uri()?)?,
            #[cfg(feature = "https")]
            (Some(proxy), None, EndpointKind::Https) => proxy.route(&endpoint.origin_uri()?)?,
            _ => None,
        };
        #[cfg(not(feature = "proxy"))]
        let route: Option<crate::proxy::NoRoute> = None;
        let via = route.as_ref().map(|r| r.describe());
        #[cfg(feature = "proxy")]
        let proxy_auth = route.as_ref().and_then(|r| r.authorization.clone());
        #[cfg(not(feature = "proxy"))]
        let proxy_auth: Option<HeaderValue> = None;
        let connector = match (&config.dialer, &endpoint.kind) {
            (Some(dialer), EndpointKind::Http) => {
                Connector::Custom(dialer.clone(), config.connect_timeout)
            }
            #[cfg(all(unix, feature = "unix"))]
            (Some(dialer), EndpointKind::Unix(_)) => {
                Connector::Custom(dialer.clone(), config.connect_timeout)
            }
            #[cfg(feature = "https")]
            (Some(_), EndpointKind::Https) => {
                return Err(Error::invalid(
                    "dialer",
                    "a custom dialer carries plain HTTP; use an http:// base URL with it",
                ))
            }
            (None, EndpointKind::Http) => match route {
                None => Connector::Http(http),
                #[cfg(not(feature = "proxy"))]
                Some(route) => match route {},
                #[cfg(feature = "proxy")]
                Some(route) => {
                    if let Some(auth) = route.authorization {
                        headers.insert(http::header::PROXY_AUTHORIZATION, auth);
                    }
                    Connector::HttpViaProxy {
                        http,
                        proxy: route.proxy,
                    }
                }
            },
            #[cfg(feature = "https")]
            (None, EndpointKind::Https) => {
                http.enforce_http(false);
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(config.tls.rustls_config()?)
                    .https_only()
                    .enable_http1();
                match route {
                    None => Connector::Https(https.wrap_connector(http)),
                    #[cfg(not(feature = "proxy"))]
                    Some(route) => match route {},
                    #[cfg(feature = "proxy")]
                    Some(route) => {
                        let mut tunnel = Tunnel::new(route.proxy, http);
                        if let Some(auth) = route.authorization {
                            tunnel = tunnel.with_auth(auth);
                        }
                        Connector::HttpsViaProxy(https.wrap_connector(tunnel))
                    }
                }
            }
            #[cfg(all(unix, feature = "unix"))]
            (None, EndpointKind::Unix(_)) => {
                Connector::Unix(hyperlocal::UnixConnector, config.connect_timeout)
            }
        };
        // After the proxy's credentials are known: an echo of them (a proxy
        // that quotes the request it refuses) must be withheld too.
        let secrets = Secrets::for_client(&headers, proxy_auth.as_ref());
        let transport = builder.build(connector.clone());
        Ok(Client {
            inner: Arc::new(Inner {
                endpoint,
                via,
                transport,
                connector,
                headers,
                config,
                error_parser: self.error_parser,
                secrets,
            }),
        })
    }
}

/// The values no error may quote: a client's sensitive headers (with the
/// token of a `Scheme token` value and the `user:password` of a `Basic`
/// one), its proxy credentials, and, per request, the secrets that request
/// declared ([`Request::secret`], [`Request::secret_header`]). An answer
/// that holds one is withheld from errors.
#[derive(Clone, Default)]
pub(crate) struct Secrets(Arc<[Vec<u8>]>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} values, not shown)", self.0.len())
    }
}

impl Secrets {
    /// Shorter header values are skipped: they would match ordinary text.
    const MIN_LEN: usize = 6;

    /// The client's: its sensitive headers, whose values under
    /// [`MIN_LEN`](Self::MIN_LEN) bytes are skipped, and its proxy
    /// credentials (`proxy`: the `Proxy-Authorization` value, sent in the
    /// headers or in the `CONNECT` of a tunnel), kept whatever their length.
    fn for_client(headers: &HeaderMap, proxy: Option<&HeaderValue>) -> Self {
        let mut values = SecretValues::default();
        for value in headers.values().filter(|v| v.is_sensitive()) {
            values.add_header_value(value.as_bytes());
        }
        values.0.retain(|s| s.len() >= Self::MIN_LEN);
        if let Some(proxy) = proxy {
            values.add_header_value(proxy.as_bytes());
        }
        Secrets(values.0.into())
    }

    /// These and the secrets one request declared.
    pub(crate) fn with(&self, request: &SecretValues) -> Secrets {
        if request.0.is_empty() {
            return self.clone();
        }
        Secrets(self.0.iter().chain(&request.0).cloned().collect())
    }

    /// Whether `body` holds one of the secrets.
    pub(crate) fn found_in(&self, body: &[u8]) -> bool {
        self.0
            .iter()
            .any(|secret| body.windows(secret.len()).any(|w| w == secret.as_slice()))
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
    /// The host name TLS checks the certificate against (empty for sockets).
    host: String,
    /// `scheme://authority` for TCP, `unix://<hex of the socket path>:0` for sockets.
    origin: String,
    /// The base URL's path, without a trailing slash.
    prefix: String,
}

impl Endpoint {
    fn parse(base: &str) -> Result<Self> {
        let shown = redact_userinfo(base);
        let invalid = |reason: &str| Error::invalid("base_url", format!("{reason}: {shown:?}"));
        if let Some(socket) = base.strip_prefix("unix://") {
            return Self::unix(base, socket);
        }
        let uri: Uri = base.parse().map_err(|_| invalid("not a valid URL"))?;
        let authority = uri.authority().ok_or_else(|| invalid("no host in URL"))?;
        if authority.as_str().contains('@') {
            // Credentials in a URL end up in logs and error messages; keys
            // and tokens go in headers, through the API crate's builder.
            return Err(invalid(
                "a base URL cannot carry user info (`user:password@`); pass credentials to the client builder",
            ));
        }
        // `http` parses any digits as a port and reads one over 65535 as
        // none, which would silently mean port 80.
        if let Some(port) = authority.as_str().rsplit_once(':').map(|(_, p)| p) {
            if !port.is_empty() && !authority.as_str().ends_with(']') {
                match port.parse::<u16>() {
                    Ok(p) if p > 0 => {}
                    _ => {
                        return Err(invalid(&format!(
                            "the port must be a number from 1 to 65535, not {port:?}"
                        )))
                    }
                }
            }
        }
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
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        Ok(Endpoint {
            base: base.to_string(),
            kind,
            host: host.to_string(),
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
        // The connector dials the path itself; the origin only has to be a
        // valid authority of its own per socket, since the pool keys
        // connections by it: the path, hex-encoded.
        let hex: String = socket.bytes().map(|b| format!("{b:02x}")).collect();
        Ok(Endpoint {
            base: base.to_string(),
            kind: EndpointKind::Unix(PathBuf::from(socket)),
            host: String::new(),
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

    /// Adds what the OS error alone does not say: connecting to a unix path
    /// that is a regular file, a directory or a device fails with a bare
    /// "connection refused", so the path's kind is named.
    fn explain_connect_failure(&self, error: BoxError) -> BoxError {
        #[cfg(all(unix, feature = "unix"))]
        if let EndpointKind::Unix(path) = &self.kind {
            use std::os::unix::fs::FileTypeExt;
            if let Ok(meta) = std::fs::metadata(path) {
                let kind = meta.file_type();
                let what = if kind.is_socket() {
                    return error;
                } else if kind.is_dir() {
                    "a directory"
                } else if kind.is_file() {
                    "a regular file"
                } else if kind.is_char_device() || kind.is_block_device() {
                    "a device"
                } else {
                    "a special file"
                };
                return Box::new(NotASocket {
                    path: path.clone(),
                    what,
                    source: error,
                });
            }
        }
        error
    }

    /// `scheme://authority/`, what a proxy matcher looks at.
    #[cfg(feature = "proxy")]
    fn origin_uri(&self) -> Result<Uri> {
        format!("{}/", self.origin)
            .parse()
            .map_err(|_| Error::invalid("base_url", "not a valid URL"))
    }

    fn describe(&self) -> String {
        match &self.kind {
            #[cfg(all(unix, feature = "unix"))]
            EndpointKind::Unix(socket) => format!("unix socket {}", socket.display()),
            _ => self.origin.clone(),
        }
    }
}

/// A unix socket path that names something else.
#[cfg(all(unix, feature = "unix"))]
#[derive(Debug, thiserror::Error)]
#[error("{} is {what}, not a unix socket", .path.display())]
struct NotASocket {
    path: PathBuf,
    what: &'static str,
    source: BoxError,
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

    #[cfg(all(unix, feature = "unix", feature = "proxy"))]
    #[test]
    fn unix_sockets_never_go_through_a_proxy() {
        let client = Client::builder("unix:///tmp/never.sock")
            .proxy(Proxy::url("http://127.0.0.1:3128").unwrap())
            .build()
            .unwrap();
        assert!(client.inner.via.is_none());
        assert!(matches!(client.inner.endpoint.kind, EndpointKind::Unix(_)));
    }

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
