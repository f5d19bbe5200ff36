//! The metadata service client.

use std::time::Duration;

use api_client_transport::http::{HeaderName, HeaderValue};
use api_client_transport::{Error, Request, Result, RetryPolicy, Validate};

use crate::models::{DeletionCost, ReallocatePrototype, Status, Token};
use crate::problem::parse_error;
use crate::IdentityToken;

/// Where the metadata service listens on every SaladCloud node.
pub const DEFAULT_BASE_URL: &str = "http://169.254.169.254";

/// Environment variable that overrides [`DEFAULT_BASE_URL`] when no base URL
/// is set on the builder (for local testing against a fake service).
pub const BASE_URL_ENV: &str = "SALAD_IMDS_URL";

/// Default bound on opening a connection. The service is on a link-local
/// address of the same node: it either answers at once or is not there.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Default bound on waiting for an answer, per attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default pause between two status checks of [`ImdsClient::wait_until_ready`].
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Statuses retried by the default policy: rate limiting and server-side failures.
pub const RETRY_STATUSES: &[u16] = &[429, 500, 502, 503, 504];

/// Client of the SaladCloud instance metadata service (IMDS).
///
/// Cheap to clone; clones share one connection pool. Every request carries
/// `Metadata: true`. No HTTP proxy is ever used: `HTTP_PROXY`, `http_proxy`,
/// `ALL_PROXY` and `NO_PROXY` are ignored, because the service is only
/// reachable directly from inside the container, and a proxy would see (and
/// could keep) the identity token.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let imds = salad_imds::ImdsClient::new()?;
/// let status = imds.status().await?;
/// println!("ready: {}, started: {}", status.ready, status.started);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ImdsClient {
    http: api_client_transport::Client,
    poll_interval: Duration,
}

/// Settings for an [`ImdsClient`]; start from [`ImdsClient::builder`].
#[derive(Debug, Clone)]
pub struct ImdsClientBuilder {
    base_url: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    poll_interval: Duration,
    user_agent: String,
}

impl Default for ImdsClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: default_retry_policy(),
            poll_interval: DEFAULT_POLL_INTERVAL,
            user_agent: concat!("salad-imds-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// The default retry policy: 5 attempts, 200 ms doubling to at most 2 s, with
/// jitter, on connect failures, timeouts and [`RETRY_STATUSES`]. A container
/// often starts before the node's metadata service answers; these retries
/// cover a few seconds of that.
pub fn default_retry_policy() -> RetryPolicy {
    RetryPolicy::new(5)
        .base_delay(Duration::from_millis(200))
        .max_delay(Duration::from_secs(2))
        .retry_on_status(RETRY_STATUSES)
}

impl ImdsClientBuilder {
    /// Sets the base URL, for example `http://127.0.0.1:8080` for a local fake.
    /// Without this, the builder uses `$SALAD_IMDS_URL` if set and not empty,
    /// else [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Bound on opening a connection (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Bound on waiting for an answer, per attempt (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The retry policy (default [`default_retry_policy`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Pause between status checks of [`ImdsClient::wait_until_ready`]
    /// (default [`DEFAULT_POLL_INTERVAL`]).
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        self
    }

    /// Replaces the `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Builds the client. Fails with [`Error::InvalidInput`] on a bad base URL.
    pub fn build(self) -> Result<ImdsClient> {
        let base_url = match self.base_url {
            Some(url) => url,
            None => base_url_from_env(),
        };
        let http = api_client_transport::Client::builder(base_url)
            .header(
                HeaderName::from_static("metadata"),
                HeaderValue::from_static("true"),
            )
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .retry(self.retry)
            .error_parser(parse_error)
            .build()?;
        Ok(ImdsClient {
            http,
            poll_interval: self.poll_interval,
        })
    }
}

fn base_url_from_env() -> String {
    match std::env::var(BASE_URL_ENV) {
        Ok(url) if !url.trim().is_empty() => url.trim().to_owned(),
        _ => DEFAULT_BASE_URL.to_owned(),
    }
}

impl ImdsClient {
    /// A client with the default settings: `$SALAD_IMDS_URL` or
    /// [`DEFAULT_BASE_URL`], short timeouts, retries for a cold start.
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    /// Starts configuring a client.
    pub fn builder() -> ImdsClientBuilder {
        ImdsClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.http.base_url()
    }

    /// Whether the container has started and whether it is ready
    /// (`GET /v1/status`).
    #[doc(alias = "get_status")]
    #[doc(alias = "get_container_status")]
    pub async fn status(&self) -> Result<Status> {
        self.http
            .send(Request::get(["v1", "status"]))
            .await?
            .json()
            .await
    }

    /// The container's identity token (`GET /v1/token`).
    ///
    /// The token is kept secret (see [`IdentityToken`]); even a malformed answer
    /// is reported without quoting the body, which could hold the token.
    #[doc(alias = "get_token")]
    #[doc(alias = "get_container_token")]
    pub async fn token(&self) -> Result<IdentityToken> {
        // Sensitive: a malformed answer is reported without quoting a byte of it.
        let request = Request::get(["v1", "token"]).sensitive(true);
        let token: Token = self.http.send(request).await?.json().await?;
        Ok(token.jwt)
    }

    /// Asks to move this container instance to another node
    /// (`POST /v1/reallocate`). `reason` (1 to 1000 characters) is passed on to
    /// SaladCloud; it is checked before anything is sent.
    ///
    /// On success the container will be stopped: finish or hand off work first.
    /// The request is retried on connect failures and 5xx answers: asking twice
    /// to move the same instance has the same effect as asking once.
    #[doc(alias = "reallocate")]
    pub async fn reallocate_container(&self, reason: impl Into<String>) -> Result<()> {
        let body = ReallocatePrototype {
            reason: reason.into(),
        };
        body.validate()?;
        self.http
            .send(
                Request::post(["v1", "reallocate"])
                    .json(&body)?
                    .retryable(true),
            )
            .await?;
        Ok(())
    }

    /// Asks to throw this container away and create a fresh one on the same node
    /// (`POST /v1/recreate`). Retried like [`ImdsClient::reallocate_container`].
    #[doc(alias = "recreate")]
    pub async fn recreate_container(&self) -> Result<()> {
        self.http
            .send(Request::post(["v1", "recreate"]).retryable(true))
            .await?;
        Ok(())
    }

    /// Asks to restart this container on the same node (`POST /v1/restart`).
    /// Retried like [`ImdsClient::reallocate_container`].
    #[doc(alias = "restart")]
    pub async fn restart_container(&self) -> Result<()> {
        self.http
            .send(Request::post(["v1", "restart"]).retryable(true))
            .await?;
        Ok(())
    }

    /// This instance's deletion cost (`GET /v1/deletion-cost`): when the group
    /// scales down, instances with the lowest cost are removed first.
    #[doc(alias = "get_deletion_cost")]
    pub async fn deletion_cost(&self) -> Result<i32> {
        let cost: DeletionCost = self
            .http
            .send(Request::get(["v1", "deletion-cost"]))
            .await?
            .json()
            .await?;
        Ok(cost.deletion_cost)
    }

    /// Sets this instance's deletion cost (`PUT /v1/deletion-cost`); for example
    /// raise it while a long job runs, lower it when idle.
    #[doc(alias = "replace_deletion_cost")]
    pub async fn set_deletion_cost(&self, deletion_cost: i32) -> Result<()> {
        self.http
            .send(Request::put(["v1", "deletion-cost"]).json(&DeletionCost { deletion_cost })?)
            .await?;
        Ok(())
    }

    /// Polls [`ImdsClient::status`] until the container reports ready, for at
    /// most `within`. Not part of the official SDKs.
    ///
    /// Failures that time may cure (no connection yet, timeouts, 404 while the
    /// node registers the container, 429, 5xx) are waited out; any other
    /// failure (such as 403) ends the wait at once with
    /// [`WaitError::Failed`]. The pause between checks is the builder's
    /// [`poll_interval`](ImdsClientBuilder::poll_interval). An attempt still
    /// running at the deadline is abandoned.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let imds = salad_imds::ImdsClient::new()?;
    /// let status = imds.wait_until_ready(Duration::from_secs(60)).await?;
    /// assert!(status.ready);
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_ready(&self, within: Duration) -> Result<Status, WaitError> {
        let start = tokio::time::Instant::now();
        let deadline = start + within;
        let mut last_status = None;
        let mut last_error = None;
        loop {
            match tokio::time::timeout_at(deadline, self.status()).await {
                Ok(Ok(status)) if status.ready => return Ok(status),
                Ok(Ok(status)) => {
                    last_status = Some(status);
                    last_error = None;
                }
                Ok(Err(e)) if worth_waiting(&e) => last_error = Some(e),
                Ok(Err(e)) => return Err(WaitError::Failed(e)),
                Err(_elapsed) => break,
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break;
            }
            tokio::time::sleep_until(deadline.min(now + self.poll_interval)).await;
            if tokio::time::Instant::now() >= deadline {
                break;
            }
        }
        Err(WaitError::Deadline {
            waited: start.elapsed(),
            last_status,
            last_error,
        })
    }
}

fn worth_waiting(error: &Error) -> bool {
    match error {
        Error::Connect { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
        Error::Api(api) => {
            let status = api.status();
            status.as_u16() == 404 || status.as_u16() == 429 || status.is_server_error()
        }
        _ => false,
    }
}

/// Why [`ImdsClient::wait_until_ready`] gave up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The container was not ready in time.
    #[error("the container was not ready after {waited:?}")]
    Deadline {
        /// How long the wait lasted.
        waited: Duration,
        /// The most recent status any check read (`ready` was `false`).
        last_status: Option<Status>,
        /// The failure of the last check, if it failed.
        #[source]
        last_error: Option<Error>,
    },
    /// A failure that waiting cannot cure.
    #[error(transparent)]
    Failed(Error),
}
