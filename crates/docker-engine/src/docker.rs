//! The [`Docker`] handle: where the daemon is, which API version to speak, and the
//! system calls (`ping`, `version`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_client_transport::http::{HeaderMap, Method};
use api_client_transport::{
    ApiErrorBody, Client, Error, ErrorMessage, Request, Response, Result, RetryPolicy,
};

use crate::models::SystemVersion;
use crate::version::ApiVersion;

/// The socket used when `DOCKER_HOST` is not set.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// A handle on one Docker daemon.
///
/// Cheap to clone (an [`Arc`] inside); clones share the connection pool and the
/// negotiated API version. Every call is prefixed with the API version: the newest
/// one both sides speak, found on first use (see [`Docker::api_version`]) unless
/// pinned with [`DockerBuilder::api_version`].
#[derive(Clone, Debug)]
pub struct Docker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: Client,
    host: String,
    socket: Option<PathBuf>,
    /// Whether the address came from `DOCKER_HOST` (errors then say so).
    from_env: bool,
    pinned: Option<ApiVersion>,
    negotiated: Mutex<Option<ApiVersion>>,
}

/// Settings for a [`Docker`] handle; start with [`Docker::builder`].
#[derive(Debug, Clone)]
pub struct DockerBuilder {
    host: Option<String>,
    api_version: Option<ApiVersion>,
    connect_timeout: Duration,
    timeout: Duration,
    stream_idle_timeout: Option<Duration>,
    retry: RetryPolicy,
    user_agent: String,
}

/// What `GET /_ping` tells about the daemon (all from response headers).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PingInfo {
    /// Newest API version of the daemon (`Api-Version`).
    pub api_version: Option<ApiVersion>,
    /// Operating system of the daemon, e.g. `linux` (`OSType`).
    pub os_type: Option<String>,
    /// Whether experimental features are on (`Docker-Experimental`).
    pub experimental: Option<bool>,
    /// Default builder version (`Builder-Version`).
    pub builder_version: Option<String>,
}

/// Turns a `DOCKER_HOST` value into a base URL the transport understands:
/// `unix:///path` stays, `tcp://host:port` becomes `http://host:port`, `http://` stays.
pub(crate) fn resolve_host(host: &str) -> Result<(String, Option<PathBuf>)> {
    let host = host.trim();
    let bad = |reason: &str| Error::invalid("DOCKER_HOST", format!("`{host}`: {reason}"));
    if let Some(path) = host.strip_prefix("unix://") {
        if path.is_empty() || !path.starts_with('/') {
            return Err(bad(
                "a unix socket needs an absolute path, like unix:///var/run/docker.sock",
            ));
        }
        return Ok((host.to_string(), Some(PathBuf::from(path))));
    }
    if let Some(rest) = host.strip_prefix("tcp://") {
        if rest.is_empty() {
            return Err(bad("missing host and port"));
        }
        return Ok((format!("http://{}", rest.trim_end_matches('/')), None));
    }
    if host.starts_with("http://") {
        return Ok((host.trim_end_matches('/').to_string(), None));
    }
    if host.starts_with("https://") {
        return Err(bad(
            "TLS to the daemon is not supported; use a unix socket or plain tcp",
        ));
    }
    if host.starts_with('/') {
        return Err(bad("write a socket path as unix:///path"));
    }
    Err(bad("supported schemes are unix://, tcp:// and http://"))
}

fn parse_docker_error(body: &ApiErrorBody<'_>) -> Option<ErrorMessage> {
    #[derive(serde::Deserialize)]
    struct Body {
        message: String,
    }
    let parsed: Body = serde_json::from_slice(body.body).ok()?;
    Some(ErrorMessage {
        code: None,
        message: parsed.message,
    })
}

impl Default for DockerBuilder {
    fn default() -> Self {
        DockerBuilder {
            host: None,
            api_version: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
            stream_idle_timeout: None,
            // A local daemon that refuses a connection will not accept it a moment later
            // either, and retrying a DELETE or a POST hides what happened: opt in instead.
            retry: RetryPolicy::none(),
            user_agent: concat!("docker-engine-rs/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

impl DockerBuilder {
    /// The daemon address: `unix:///path`, `tcp://host:port` or `http://host:port`.
    /// Without it, `DOCKER_HOST` is read, then [`DEFAULT_HOST`].
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Speak exactly this version and skip negotiation.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }

    /// Time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for a response head (default 120 s). Calls that legitimately
    /// take longer (stop and restart with a grace period, uploads) extend it themselves.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Longest silence allowed between chunks of a streamed body (default: none,
    /// since followed logs may be quiet for hours).
    pub fn stream_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }

    /// Retry policy (default: no retries).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Builds the handle. Nothing is sent yet: a daemon that is down shows up on the
    /// first call, as an [`Error::Connect`] naming the socket or address.
    pub fn build(self) -> Result<Docker> {
        let from_env = self.host.is_none();
        let host = match self.host {
            Some(h) => h,
            None => std::env::var("DOCKER_HOST")
                .ok()
                .filter(|h| !h.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_HOST.to_string()),
        };
        let (base, socket) = resolve_host(&host)?;
        // The docker CLI speaks TLS to a tcp host when DOCKER_TLS_VERIFY is set; plain
        // HTTP to that port would fail later with a baffling protocol error.
        let tls_asked = std::env::var_os("DOCKER_TLS_VERIFY").is_some_and(|v| !v.is_empty());
        if from_env && socket.is_none() && tls_asked {
            return Err(Error::invalid(
                "DOCKER_TLS_VERIFY",
                format!(
                    "`{host}` asks for TLS, which this client does not speak; use a unix socket or a plain tcp daemon"
                ),
            ));
        }
        let client = Client::builder(base)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .stream_idle_timeout(self.stream_idle_timeout)
            .retry(self.retry)
            .user_agent(self.user_agent)
            .error_parser(parse_docker_error)
            .build()?;
        Ok(Docker {
            inner: Arc::new(Inner {
                client,
                host,
                socket,
                from_env,
                pinned: self.api_version,
                negotiated: Mutex::new(None),
            }),
        })
    }
}

impl Docker {
    /// Connects to `DOCKER_HOST`, or to [`DEFAULT_HOST`] when it is unset.
    ///
    /// Fails at once, naming the variable, when `DOCKER_HOST` is malformed or when
    /// `DOCKER_TLS_VERIFY` asks for TLS to a tcp daemon (this client speaks no TLS).
    pub fn connect() -> Result<Docker> {
        DockerBuilder::default().build()
    }

    /// Settings for a handle.
    pub fn builder() -> DockerBuilder {
        DockerBuilder::default()
    }

    /// The daemon address this handle talks to, as given.
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// The version in use, if known yet (pinned, or negotiated by an earlier call).
    pub fn current_api_version(&self) -> Option<ApiVersion> {
        self.inner.pinned.or(*self.lock())
    }

    /// The version calls are made with: the pinned one, or the lower of
    /// [`ApiVersion::LATEST`] and the daemon's newest, asked once and remembered.
    pub async fn api_version(&self) -> Result<ApiVersion> {
        match self.current_api_version() {
            Some(v) => Ok(v),
            None => self.negotiate_api_version().await,
        }
    }

    /// Asks the daemon again which version it speaks (`/_ping`, falling back to
    /// `/version`) and uses the lower of that and [`ApiVersion::LATEST`].
    /// A pinned version is kept as it is.
    pub async fn negotiate_api_version(&self) -> Result<ApiVersion> {
        if let Some(v) = self.inner.pinned {
            return Ok(v);
        }
        let daemon = match self.ping().await?.api_version {
            Some(v) => v,
            None => {
                let version = self.version_unversioned().await?;
                version
                    .api_version
                    .as_deref()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| {
                        Error::invalid(
                            "api_version",
                            "the daemon reported no API version on /_ping nor on /version; pin one with DockerBuilder::api_version",
                        )
                    })?
            }
        };
        let chosen = daemon.min(ApiVersion::LATEST);
        *self.lock() = Some(chosen);
        Ok(chosen)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ApiVersion>> {
        // The guarded value is a plain Copy: a panic elsewhere cannot leave it half-written.
        self.inner
            .negotiated
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks that the daemon answers; also reads its API version and OS from the headers.
    #[doc(alias = "SystemPing")]
    #[doc(alias = "system_ping")]
    pub async fn ping(&self) -> Result<PingInfo> {
        let response = self.send(Request::get(["_ping"])).await?;
        Ok(ping_info(response.headers()))
    }

    /// Version information of the daemon and its components.
    #[doc(alias = "SystemVersion")]
    #[doc(alias = "system_version")]
    pub async fn version(&self) -> Result<SystemVersion> {
        self.version_unversioned().await
    }

    async fn version_unversioned(&self) -> Result<SystemVersion> {
        self.send(Request::get(["version"])).await?.json().await
    }

    /// A request for `segments` under the negotiated version prefix, and that version.
    pub(crate) async fn request(
        &self,
        method: Method,
        segments: &[&str],
    ) -> Result<(Request, ApiVersion)> {
        let version = self.api_version().await?;
        let prefix = version.segment();
        let request = Request::new(
            method,
            std::iter::once(prefix.as_str()).chain(segments.iter().copied()),
        );
        Ok((request, version))
    }

    /// Sends, turning a refused or missing unix socket into an error that names it.
    pub(crate) async fn send(&self, request: Request) -> Result<Response> {
        let outcome = self.inner.client.send(request).await;
        outcome.map_err(|e| self.explain(e))
    }

    pub(crate) async fn upgrade(
        &self,
        request: Request,
    ) -> Result<(
        api_client_transport::ResponseHead,
        api_client_transport::Upgraded,
    )> {
        let outcome = self.inner.client.upgrade(request).await;
        outcome.map_err(|e| self.explain(e))
    }

    fn explain(&self, error: Error) -> Error {
        let Error::Connect { endpoint, source } = error else {
            return error;
        };
        let Some(socket) = &self.inner.socket else {
            if !self.inner.from_env {
                return Error::Connect { endpoint, source };
            }
            return Error::Connect {
                endpoint: format!("{endpoint} (DOCKER_HOST={})", self.inner.host),
                source,
            };
        };
        let hint = if !socket.exists() {
            format!(
                "the socket {} does not exist: is dockerd running? (set DOCKER_HOST to reach another daemon)",
                socket.display()
            )
        } else {
            format!(
                "{source} (is dockerd running, and may this user open {}?)",
                socket.display()
            )
        };
        Error::Connect {
            endpoint,
            source: hint.into(),
        }
    }
}

fn ping_info(headers: &HeaderMap) -> PingInfo {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    PingInfo {
        api_version: text("api-version").and_then(|v| v.parse().ok()),
        os_type: text("ostype"),
        experimental: text("docker-experimental").map(|v| v.eq_ignore_ascii_case("true")),
        builder_version: text("builder-version"),
    }
}

#[cfg(test)]
mod tests {

    /// The error and its causes, as an error reporter prints them.
    fn report(err: &(dyn std::error::Error + 'static)) -> String {
        let mut text = err.to_string();
        let mut cause = err.source();
        while let Some(e) = cause {
            text.push_str(": ");
            text.push_str(&e.to_string());
            cause = e.source();
        }
        text
    }
    use super::*;

    #[test]
    fn docker_host_forms() {
        let (base, sock) = resolve_host("unix:///run/user/1000/docker.sock").unwrap();
        assert_eq!(base, "unix:///run/user/1000/docker.sock");
        assert_eq!(sock.unwrap(), PathBuf::from("/run/user/1000/docker.sock"));
        assert_eq!(
            resolve_host("tcp://10.0.0.5:2375").unwrap().0,
            "http://10.0.0.5:2375"
        );
        assert_eq!(resolve_host("tcp://d:2375/").unwrap().0, "http://d:2375");
        assert_eq!(
            resolve_host("http://127.0.0.1:2375").unwrap(),
            ("http://127.0.0.1:2375".into(), None)
        );
        for bad in [
            "unix://",
            "unix://relative.sock",
            "tcp://",
            "ssh://me@host",
            "npipe:////./pipe/docker_engine",
            "https://h:2376",
            "/var/run/docker.sock",
        ] {
            let err = resolve_host(bad).unwrap_err();
            assert!(err.to_string().contains("DOCKER_HOST"), "{bad}: {err}");
        }
    }

    #[tokio::test]
    async fn missing_socket_is_named() {
        let docker = Docker::builder()
            .host("unix:///nonexistent/dir/docker.sock")
            .build()
            .unwrap();
        let err = docker.ping().await.unwrap_err();
        let text = report(&err);
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        assert!(
            text.contains("/nonexistent/dir/docker.sock") && text.contains("does not exist"),
            "{text}"
        );
        // negotiation goes through ping, so every versioned call reports the same
        let err = docker.api_version().await.unwrap_err();
        assert!(err.to_string().contains("/nonexistent/dir/docker.sock"));
    }

    #[tokio::test]
    async fn a_refused_tcp_host_given_in_code_is_not_blamed_on_docker_host() {
        // Port 9 (discard) is closed on any sane test machine.
        let docker = Docker::builder().host("tcp://127.0.0.1:9").build().unwrap();
        let err = docker.ping().await.unwrap_err();
        let text = report(&err);
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        assert!(
            text.contains("127.0.0.1:9") && !text.contains("DOCKER_HOST"),
            "{text}"
        );
    }

    #[test]
    fn clones_share_the_negotiated_version() {
        let docker = Docker::builder()
            .host("http://127.0.0.1:9")
            .build()
            .unwrap();
        let clone = docker.clone();
        *docker.lock() = Some(ApiVersion::new(1, 41));
        assert_eq!(clone.current_api_version(), Some(ApiVersion::new(1, 41)));
        let pinned = Docker::builder()
            .host("http://127.0.0.1:9")
            .api_version(ApiVersion::new(1, 43))
            .build()
            .unwrap();
        assert_eq!(pinned.current_api_version(), Some(ApiVersion::new(1, 43)));
    }
}
