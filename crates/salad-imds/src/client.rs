//! The metadata service client.

use std::time::Duration;

use api_client_transport::http::{HeaderName, HeaderValue};
use api_client_transport::{ClientConfig, Error, Request, Result, Validate};

use crate::models::{DeletionCost, ReallocatePrototype, Status, Token};
use crate::problem::parse_error;
use crate::IdentityToken;

/// Where the metadata service listens on every SaladCloud node.
pub const DEFAULT_BASE_URL: &str = "http://169.254.169.254";

/// Environment variable [`ImdsClient::from_env`] reads the base URL from
/// (for local testing against a fake service).
pub const BASE_URL_ENV: &str = "SALAD_IMDS_URL";

/// Default bound on opening a connection. The service is on a link-local
/// address of the same node: it either answers at once or is not there.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Default bound on waiting for an answer, per attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default bound on the bytes of an error answer read for its problem
/// document (`max_error_body_bytes`): 1 MiB, where the core reads 64 KiB.
/// The spec lets a problem's `errors` map grow far past 64 KiB; its code,
/// kind and members must survive that.
pub const DEFAULT_MAX_ERROR_BODY_BYTES: usize = 1 << 20;

/// Default pause between two status checks of [`ImdsClient::wait_until_ready`].
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

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

/// Settings for an [`ImdsClient`]; start from [`ImdsClient::builder`] or
/// [`ImdsClient::builder_from_env`]. The knobs are those of the shared
/// [`ClientConfig`], with the names every client of this family uses; there is
/// deliberately no proxy and no TLS knob (see [`ImdsClient`]).
#[derive(Debug, Clone)]
pub struct ImdsClientBuilder {
    config: ClientConfig,
    poll_interval: Duration,
}

impl Default for ImdsClientBuilder {
    fn default() -> Self {
        let mut config = ClientConfig::new(DEFAULT_BASE_URL);
        config.connect_timeout = DEFAULT_CONNECT_TIMEOUT;
        config.timeout = DEFAULT_TIMEOUT;
        config.user_agent = concat!("salad-imds/", env!("CARGO_PKG_VERSION")).to_owned();
        // The service's problem documents may carry an `errors` map far past
        // the core's 64 KiB default; reading up to 1 MiB keeps their code and
        // members (the kept raw body is still cut to 64 KiB).
        config.max_error_body_bytes = DEFAULT_MAX_ERROR_BODY_BYTES;
        Self {
            config,
            poll_interval: DEFAULT_POLL_INTERVAL,
        }
    }
}

impl ImdsClientBuilder {
    /// Sets the base URL (default [`DEFAULT_BASE_URL`]), for example
    /// `http://127.0.0.1:8080` for a local fake.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = url.into();
        self
    }

    api_client_transport::__config_setters!(config);

    /// Pause between status checks of [`ImdsClient::wait_until_ready`]
    /// (default [`DEFAULT_POLL_INTERVAL`]).
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        self
    }

    /// Builds the client. Fails with [`Error::InvalidInput`] on a bad base URL.
    pub fn build(self) -> Result<ImdsClient> {
        let mut config = self.config;
        // Never through a proxy, whatever else changes: it would see the token.
        config.proxy = None;
        let http = api_client_transport::ClientBuilder::from_config(config)
            .header(
                HeaderName::from_static("metadata"),
                HeaderValue::from_static("true"),
            )
            .error_parser(parse_error)
            .build()?;
        Ok(ImdsClient {
            http,
            poll_interval: self.poll_interval,
        })
    }
}

impl ImdsClient {
    /// A client with the default settings: [`DEFAULT_BASE_URL`], short
    /// timeouts, the default retry policy. Reads no environment variable.
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    /// Starts configuring a client from the defaults.
    pub fn builder() -> ImdsClientBuilder {
        ImdsClientBuilder::default()
    }

    /// A client configured from the environment: the base URL from
    /// `SALAD_IMDS_URL` ([`BASE_URL_ENV`]) when it is set and not blank (for
    /// a local fake), else [`DEFAULT_BASE_URL`]. Proxy variables are never read.
    pub fn from_env() -> Result<Self> {
        Self::builder_from_env().build()
    }

    /// The builder [`ImdsClient::from_env`] builds, to change more knobs first.
    pub fn builder_from_env() -> ImdsClientBuilder {
        let builder = Self::builder();
        match std::env::var(BASE_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => builder.base_url(url.trim()),
            _ => builder,
        }
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &ClientConfig {
        self.http.config()
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
        // Sensitive, failures included: no answer to this call is quoted or
        // kept in an error, whatever it holds.
        let request = Request::get(["v1", "token"]).sensitive_errors(true);
        let token: Token = self.http.send(request).await?.json().await?;
        Ok(token.jwt)
    }

    /// Asks to move this container instance to another node
    /// (`POST /v1/reallocate`). `reason` (1 to 1000 characters) is passed on to
    /// SaladCloud; it is checked before anything is sent.
    ///
    /// On success the container will be stopped: finish or hand off work first.
    /// Like every instance action (and like salad-api's), it is resent only
    /// when it cannot have had an effect (no connection, or 429): after a
    /// timeout or a 5xx the node may already be acting on it.
    #[doc(alias = "reallocate")]
    pub async fn reallocate_container(&self, reason: impl Into<String>) -> Result<()> {
        let body = ReallocatePrototype {
            reason: reason.into(),
        };
        self.http
            .send(
                Request::post(["v1", "reallocate"])
                    .json(&body)?
                    .validated(body.validate()),
            )
            .await?;
        Ok(())
    }

    /// Asks to throw this container away and create a fresh one on the same node
    /// (`POST /v1/recreate`). Retried like [`ImdsClient::reallocate_container`].
    #[doc(alias = "recreate")]
    pub async fn recreate_container(&self) -> Result<()> {
        self.http.send(Request::post(["v1", "recreate"])).await?;
        Ok(())
    }

    /// Asks to restart this container on the same node (`POST /v1/restart`).
    /// Retried like [`ImdsClient::reallocate_container`].
    #[doc(alias = "restart")]
    pub async fn restart_container(&self) -> Result<()> {
        self.http.send(Request::post(["v1", "restart"])).await?;
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
    /// [`WaitError::Request`]. The pause between checks is the builder's
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
                Ok(Err(e)) => return Err(WaitError::Request(e)),
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
        Err(WaitError::Timeout {
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
    /// The container was not ready in time (named like salad-api's
    /// `WaitError::Timeout`).
    #[error("the container was not ready after {waited:?}")]
    Timeout {
        /// How long the wait lasted.
        waited: Duration,
        /// The most recent status any check read (`ready` was `false`).
        last_status: Option<Status>,
        /// The failure of the last check, if it failed.
        #[source]
        last_error: Option<Error>,
    },
    /// A check failed with an error that waiting cannot cure (such as 403);
    /// named like salad-api's `WaitError::Request`.
    #[error(transparent)]
    Request(Error),
}
