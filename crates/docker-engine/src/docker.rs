//! The [`Docker`] handle: where the daemon is, which API version to speak, and the
//! system calls (`ping`, `version`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_client_transport::http::{HeaderMap, Method};
use api_client_transport::{
    ApiErrorBody, Client, ClientConfig, Error, ErrorMessage, Request, Response, Result,
};

use crate::context::{Endpoint, EndpointSource};
use crate::models::SystemVersion;
use crate::version::ApiVersion;

/// The daemon address the docker CLI uses when nothing else is set. Where no
/// socket exists there, [`Docker::from_env`] also looks in the places of
/// [`Discovery`](crate::Discovery) (Docker Desktop, rootless Docker, Podman).
#[cfg(not(windows))]
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// The daemon address the docker CLI uses when nothing else is set: Docker
/// Desktop's named pipe.
#[cfg(windows)]
pub const DEFAULT_HOST: &str = "npipe:////./pipe/docker_engine";

/// The port of a `tcp://` host given without one, with or without TLS: the
/// docker CLI's rule (`DOCKER_HOST=tcp://h` with `DOCKER_TLS_VERIFY` dials
/// `h:2375` there too).
const DEFAULT_PORT: u16 = 2375;

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
    /// Where the address came from (errors say so).
    endpoint: Endpoint,
    pinned: Option<ApiVersion>,
    negotiated: Mutex<Option<ApiVersion>>,
    /// Nothing named a daemon and no socket was found: every place looked at.
    tried: Option<String>,
}

/// Settings for a [`Docker`] handle; start with [`Docker::builder`].
#[derive(Debug, Clone)]
pub struct DockerBuilder {
    endpoint: Option<Endpoint>,
    tls: Option<Tls>,
    api_version: Option<ApiVersion>,
    /// The shared knobs; its `base_url` is replaced by the resolved host.
    config: ClientConfig,
    ssh: crate::ssh::SshOptions,
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
    /// Swarm state of the node, e.g. `inactive` or `active/manager` (`Swarm`, API 1.39+).
    pub swarm: Option<String>,
}

/// How a tcp daemon is reached over TLS.
#[derive(Debug, Clone)]
// Without the `tls` feature only its presence matters: it turns into an error.
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
enum Tls {
    /// `ca.pem`, `cert.pem` and `key.pem` in this directory, as the docker CLI reads them.
    CertPath(PathBuf),
    /// The files a Docker context keeps for its endpoint.
    Files(crate::context::TlsFiles),
    /// Settings made by the caller.
    #[cfg(feature = "tls")]
    Config(api_client_transport::TlsConfig),
}

/// The TLS settings the environment asks for, as the docker CLI reads them:
/// `DOCKER_TLS_VERIFY` (any non-empty value) turns TLS on, with the files in
/// `DOCKER_CERT_PATH`, else `~/.docker`.
fn tls_from_env() -> Result<Option<Tls>> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if !set("DOCKER_TLS_VERIFY") {
        if set("DOCKER_TLS") {
            return Err(Error::invalid(
                "DOCKER_TLS",
                "TLS without verifying the daemon's certificate is not supported; \
                 set DOCKER_TLS_VERIFY=1 with the daemon's CA in DOCKER_CERT_PATH/ca.pem",
            ));
        }
        return Ok(None);
    }
    let dir = match std::env::var_os("DOCKER_CERT_PATH").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            Some(home) => Path::new(&home).join(".docker"),
            None => {
                return Err(Error::invalid(
                    "DOCKER_CERT_PATH",
                    "DOCKER_TLS_VERIFY is set but neither DOCKER_CERT_PATH nor HOME is",
                ))
            }
        },
    };
    Ok(Some(Tls::CertPath(dir)))
}

/// The TLS settings of a `DOCKER_CERT_PATH`-style directory: `ca.pem` as the
/// only trusted root (required, as the docker CLI requires it), and
/// `cert.pem` with `key.pem` as the client certificate when both are there.
#[cfg(feature = "tls")]
fn cert_path_config(dir: &Path) -> Result<api_client_transport::TlsConfig> {
    let existing = |name: &str| Some(dir.join(name)).filter(|p| crate::context::is_present(p));
    let ca = dir.join("ca.pem");
    if !crate::context::is_present(&ca) {
        return Err(Error::invalid(
            "DOCKER_CERT_PATH",
            format!(
                "{} does not exist: DOCKER_TLS_VERIFY needs the daemon's CA there",
                ca.display()
            ),
        ));
    }
    let files = crate::context::TlsFiles {
        ca: Some(ca),
        cert: existing("cert.pem"),
        key: existing("key.pem"),
    };
    files_config(&files, "DOCKER_CERT_PATH")
}

/// The TLS settings of explicit files (a context's, or a certificate directory's):
/// `ca` as the only trusted root (the built-in roots when absent), `cert` with
/// `key` as the client certificate. Errors name `field` and the file.
#[cfg(feature = "tls")]
fn files_config(
    files: &crate::context::TlsFiles,
    field: &str,
) -> Result<api_client_transport::TlsConfig> {
    use api_client_transport::TlsConfig;
    // Name the file in the error: "tls.root_pem" means nothing to a Docker user.
    let in_file = |file: &Path, e: Error| {
        let why = match e {
            Error::InvalidInput { reason, .. } => reason,
            other => other.to_string(),
        };
        Error::invalid(field, format!("{}: {why}", file.display()))
    };
    // Each file is read with the store's cap, and refused unopened when it
    // is not a regular file (a FIFO would block, `/dev/zero` never ends).
    let read = |file: &Path| crate::context::read_capped(file, field);
    let mut tls = TlsConfig::new();
    if let Some(ca) = &files.ca {
        tls = tls
            .built_in_roots(false)
            .add_root_pem(&read(ca)?)
            .map_err(|e| in_file(ca, e))?;
    }
    match (&files.cert, &files.key) {
        (Some(cert), Some(key)) => {
            let chain = read(cert)?;
            let pem = read(key)?;
            tls = tls.identity_pem(&chain, &pem).map_err(|e| match &e {
                Error::InvalidInput { field: f, .. } if f == "tls.client_key" => in_file(key, e),
                _ => in_file(cert, e),
            })?;
        }
        (None, None) => {}
        (Some(cert), None) => {
            return Err(Error::invalid(
                field,
                format!("{} has no key.pem beside it", cert.display()),
            ))
        }
        (None, Some(key)) => {
            return Err(Error::invalid(
                field,
                format!("{} has no cert.pem beside it", key.display()),
            ))
        }
    }
    Ok(tls)
}

/// Turns a `DOCKER_HOST` value into a base URL the transport understands:
/// `unix:///path` stays, `tcp://host[:port]` becomes `http://host:port`, or
/// `https://host:port` when `tls` is set (port 2375 when absent, either way);
/// `http://` stays.
/// `field` names the setting the address came from, for errors.
pub(crate) fn resolve_host(
    host: &str,
    field: &str,
    tls: bool,
) -> Result<(String, Option<PathBuf>)> {
    let host = host.trim();
    let shown = crate::context::redact_host(host);
    let bad = |reason: &str| Error::invalid(field, format!("`{shown}`: {reason}"));
    if let Some(path) = host.strip_prefix("unix://") {
        if cfg!(not(unix)) {
            return Err(bad(
                "unix sockets do not exist on this platform; reach the daemon over tcp://host:port",
            ));
        }
        if path.is_empty() || !path.starts_with('/') {
            return Err(bad(
                "a unix socket needs an absolute path, like unix:///var/run/docker.sock",
            ));
        }
        return Ok((host.to_string(), Some(PathBuf::from(path))));
    }
    if let Some(rest) = host.strip_prefix("tcp://") {
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(bad("missing host and port"));
        }
        if authority.contains('@') {
            return Err(bad("user info is not allowed in a tcp host"));
        }
        authority
            .parse::<api_client_transport::http::uri::Authority>()
            .map_err(|_| bad("not a valid host[:port]"))?;
        // The text after the last colon, unless that colon is inside an IPv6 `[...]`.
        let port = authority
            .rfind(':')
            .filter(|&i| !authority[i..].contains(']'))
            .map(|i| &authority[i + 1..]);
        let authority = match port {
            Some(port) if port.parse::<u16>().map_or(true, |p| p == 0) => {
                return Err(bad("the port must be 1 to 65535"))
            }
            Some(_) => authority.to_string(),
            // As the docker CLI: 2375, whether or not TLS is on.
            None => format!("{authority}:{DEFAULT_PORT}"),
        };
        let scheme = if tls { "https" } else { "http" };
        return Ok((
            format!("{scheme}://{authority}{}", path.trim_end_matches('/')),
            None,
        ));
    }
    if host.starts_with("http://") || host.starts_with("https://") {
        if shown != host
            || host
                .split("://")
                .nth(1)
                .is_some_and(|r| r.split(['/', '?', '#']).next().unwrap_or("").contains('@'))
        {
            return Err(bad("user info is not allowed in the daemon's address"));
        }
        return Ok((host.trim_end_matches('/').to_string(), None));
    }
    if host.starts_with("npipe://") {
        return Err(bad(
            "Windows named pipes are not supported yet; reach the daemon over tcp://host:port",
        ));
    }
    if host.starts_with('/') {
        return Err(bad("write a socket path as unix:///path"));
    }
    Err(bad(
        "supported schemes are unix://, tcp://, ssh:// and http://",
    ))
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

/// Default deadline of a buffered call: longer than the family's 60 s,
/// because a local daemon may take that long to answer a heavy `inspect` or
/// `df` while it is busy.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

impl Default for DockerBuilder {
    fn default() -> Self {
        let mut config = ClientConfig::new(DEFAULT_HOST);
        config.timeout = DEFAULT_TIMEOUT;
        config.user_agent = concat!("docker-engine/", env!("CARGO_PKG_VERSION")).to_string();
        DockerBuilder {
            endpoint: None,
            tls: None,
            api_version: None,
            config,
            ssh: crate::ssh::SshOptions::default(),
        }
    }
}

impl DockerBuilder {
    /// The daemon address: `unix:///path`, `tcp://host:port`, `http://host:port`
    /// or `ssh://[user@]host[:port]` (see [`ssh_args`](Self::ssh_args)).
    /// Without it (or [`DockerBuilder::endpoint`]), the address is found as the docker
    /// CLI finds it: see [`Endpoint::from_env`].
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.endpoint = Some(Endpoint::explicit(host));
        self
    }

    /// The daemon address and TLS material of a resolved [`Endpoint`], e.g. a
    /// context's from [`Endpoint::from_context`].
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// Speaks TLS to a `tcp://` daemon with the files the docker CLI uses:
    /// `ca.pem` (the only root trusted; the built-in roots when absent),
    /// and `cert.pem` with `key.pem` (the client certificate, when both are
    /// there) in `dir`. A `tcp://` host without a port still means 2375, as
    /// in the docker CLI: write the TLS port (usually 2376) in the address.
    ///
    /// Without this or `tls` (same feature), TLS is used when the host comes
    /// from `DOCKER_HOST` and `DOCKER_TLS_VERIFY` is set, with the files in
    /// `DOCKER_CERT_PATH` (default `~/.docker`). Needs the `tls` feature.
    pub fn tls_cert_path(mut self, dir: impl Into<PathBuf>) -> Self {
        self.tls = Some(Tls::CertPath(dir.into()));
        self
    }

    /// Speaks TLS to a `tcp://` daemon with these settings: for files kept
    /// elsewhere than one directory, or extra roots.
    ///
    /// ```
    /// # fn run() -> docker_engine::Result<()> {
    /// use docker_engine::{Docker, TlsConfig};
    /// let tls = TlsConfig::new()
    ///     .built_in_roots(false)
    ///     .add_root_pem_file("/etc/docker-certs/ca.pem")?
    ///     .identity_pem_files("/etc/docker-certs/client.pem", "/etc/docker-certs/client-key.pem")?;
    /// let docker = Docker::builder().host("tcp://build-box:2376").tls(tls).build()?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: api_client_transport::TlsConfig) -> Self {
        self.tls = Some(Tls::Config(tls));
        self
    }

    /// Arguments put before the ones docker-engine gives `ssh` for an
    /// `ssh://` host, e.g. `["-i", "/keys/deploy"]`; added to any given before.
    ///
    /// Each connection runs `ssh ARGS -o BatchMode=yes -o ConnectTimeout=N -T
    /// [-p PORT] [-l USER] -- HOST docker system dial-stdio`, as the docker CLI
    /// does. ssh keeps the first value of an option it is given, so `-o` options
    /// here override those that follow (e.g. a longer `ConnectTimeout`).
    ///
    /// ```
    /// # fn run() -> docker_engine::Result<()> {
    /// use docker_engine::Docker;
    /// let docker = Docker::builder()
    ///     .host("ssh://deploy@build-box:2222")
    ///     .ssh_args(["-i", "/keys/deploy", "-o", "IdentitiesOnly=yes"])
    ///     .build()?;
    /// # let _ = docker; Ok(()) }
    /// ```
    pub fn ssh_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString>,
    {
        self.ssh.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// The ssh client run for an `ssh://` host (default: `ssh`, found on
    /// `PATH`), e.g. a wrapper script or a full path on Windows.
    pub fn ssh_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.ssh.program = Some(program.into());
        self
    }

    /// Speak exactly this version and skip negotiation.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }

    api_client_transport::__config_setters!(config);

    /// Builds the handle. Nothing is sent yet: a daemon that is down shows up on the
    /// first call, as an [`Error::Connect`] naming the socket or address.
    pub fn build(self) -> Result<Docker> {
        let mut endpoint = match self.endpoint {
            Some(endpoint) => endpoint,
            None => Endpoint::from_env()?,
        };
        let mut tried = None;
        if endpoint.source == EndpointSource::Default && cfg!(unix) {
            // Nothing names a daemon: the CLI's socket, else Desktop, rootless, Podman.
            let (host, places) = crate::discovery::default_host();
            endpoint.host = host;
            tried = places;
        }
        let host = endpoint.host.clone();
        let field = endpoint.field();
        let is_tcp = host.trim().starts_with("tcp://");
        if is_tcp && endpoint.skip_tls_verify {
            return Err(Error::invalid(
                field,
                format!(
                    "context `{}` asks for TLS without verifying the daemon's certificate, \
                     which this client does not do; give the context the daemon's CA",
                    endpoint.context
                ),
            ));
        }
        // TLS settings go with the address they came with: the builder's, the
        // context's files, or the environment's with DOCKER_HOST.
        let from_env = endpoint.source == EndpointSource::DockerHost;
        let tls = match self.tls {
            Some(tls) => Some(tls),
            None if is_tcp && endpoint.tls.is_some() => endpoint.tls.clone().map(Tls::Files),
            None if from_env && is_tcp => tls_from_env()?,
            None => None,
        };
        let ssh = crate::ssh::SshTarget::parse(&host)?;
        let pipe = crate::discovery::npipe_path(&host);
        if pipe.is_some() && cfg!(not(windows)) {
            return Err(Error::invalid(
                &field,
                format!("`{host}`: named pipes exist only on Windows"),
            ));
        }
        let (base, socket) = match (&ssh, &pipe) {
            (Some(_), _) | (None, Some(_)) => (crate::ssh::BASE_URL.to_string(), None),
            (None, None) => resolve_host(&host, &field, tls.is_some())?,
        };
        let connect_timeout = self.config.connect_timeout;
        let mut config = self.config;
        config.base_url = base;
        // Never through an HTTP proxy: a socket cannot use one, and the docker
        // CLI's own proxy settings are for the daemon's pulls, not for us.
        config.proxy = None;
        let mut builder = api_client_transport::ClientBuilder::from_config(config);
        if let Some(target) = &ssh {
            builder = builder.dialer(target.dialer(&self.ssh, connect_timeout));
        }
        #[cfg(windows)]
        if let Some(pipe) = pipe {
            builder = builder.dialer(crate::discovery::npipe_dialer(pipe));
        }
        #[cfg(feature = "tls")]
        let builder = match tls {
            // TLS settings mean nothing to a unix socket, an http:// host or ssh.
            Some(_) if socket.is_some() || ssh.is_some() || host.trim().starts_with("http://") => {
                builder
            }
            Some(Tls::CertPath(dir)) => builder.tls(cert_path_config(&dir)?),
            Some(Tls::Files(files)) => builder.tls(files_config(&files, &field)?),
            Some(Tls::Config(config)) => builder.tls(config),
            None => builder,
        };
        #[cfg(not(feature = "tls"))]
        if tls.is_some() && socket.is_none() && ssh.is_none() {
            let field = if from_env && endpoint.tls.is_none() {
                "DOCKER_TLS_VERIFY".to_string()
            } else {
                field
            };
            return Err(Error::invalid(
                field,
                format!("`{host}` asks for TLS, which needs the `tls` feature of docker-engine"),
            ));
        }
        let client = builder.error_parser(parse_docker_error).build()?;
        Ok(Docker {
            inner: Arc::new(Inner {
                client,
                host,
                socket,
                endpoint,
                pinned: self.api_version,
                negotiated: Mutex::new(None),
                tried,
            }),
        })
    }
}

impl Docker {
    /// Connects to the daemon the docker CLI would use: `DOCKER_HOST`, else the
    /// context of `DOCKER_CONTEXT` or of the CLI configuration's `currentContext`,
    /// else [`DEFAULT_HOST`] (see [`Endpoint::from_env`]).
    ///
    /// With `DOCKER_HOST=tcp://...` and `DOCKER_TLS_VERIFY` set, speaks TLS with
    /// the certificates in `DOCKER_CERT_PATH` (see [`DockerBuilder::tls_cert_path`]);
    /// a context's TLS files are used the same way (feature `tls`). Fails at once,
    /// naming the variable or file, when the address is malformed, the context does
    /// not exist, or a certificate file cannot be used.
    pub fn connect() -> Result<Docker> {
        Docker::from_env()
    }

    /// The same as [`Docker::connect`], under the name every client of this
    /// family uses: `DOCKER_HOST` (else [`DEFAULT_HOST`]), `DOCKER_TLS_VERIFY`
    /// and `DOCKER_CERT_PATH`, read as the docker CLI reads them.
    pub fn from_env() -> Result<Docker> {
        DockerBuilder::default().build()
    }

    /// The configuration this handle was built with (its `base_url` is the
    /// resolved address).
    pub fn config(&self) -> &ClientConfig {
        self.inner.client.config()
    }

    /// Settings for a handle.
    pub fn builder() -> DockerBuilder {
        DockerBuilder::default()
    }

    /// The daemon address this handle talks to, as given.
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// The endpoint this handle talks to: its address, context and TLS material.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
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

    /// How long a followed stream may wait for its response head: as long as it may
    /// be quiet between chunks, since some daemons (podman) send the head only with
    /// the first chunk. Unbounded when no idle timeout is set.
    pub(crate) fn quiet_stream_allowance(&self) -> Option<Duration> {
        self.inner.client.config().stream_idle_timeout
    }

    /// Fails, naming `field`, when `v` (from [`Docker::request`]) is older than `needed`.
    pub(crate) fn require(&self, v: ApiVersion, needed: ApiVersion, field: &str) -> Result<()> {
        crate::version::require(v, self.inner.pinned.is_some(), needed, field)
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
        if self.inner.host.trim().starts_with("ssh://") {
            let host = crate::context::redact_host(self.inner.host.trim());
            let endpoint = match &self.inner.endpoint.source {
                EndpointSource::DockerHost => format!("{host} (DOCKER_HOST)"),
                _ => match self.inner.endpoint.origin() {
                    Some(origin) => format!("{host} ({origin})"),
                    None => host,
                },
            };
            return crate::ssh::explain(error, endpoint);
        }
        let Error::Connect { endpoint, source } = error else {
            return error;
        };
        let Some(socket) = &self.inner.socket else {
            return match self.inner.endpoint.origin() {
                None => Error::Connect { endpoint, source },
                Some(origin) => Error::Connect {
                    endpoint: format!("{endpoint} ({origin})"),
                    source,
                },
            };
        };
        let hint = if !socket.exists() {
            let chosen_by = match self.inner.endpoint.origin() {
                Some(origin) => format!("chosen by {origin}; "),
                None => String::new(),
            };
            let also = match &self.inner.tried {
                Some(places) => format!("; no daemon socket in any of {places}"),
                None => String::new(),
            };
            format!(
                "the socket {} does not exist: is dockerd running? ({chosen_by}set DOCKER_HOST to reach another daemon){also}",
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

pub(crate) fn ping_info(headers: &HeaderMap) -> PingInfo {
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
        swarm: text("swarm"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::report;

    #[test]
    fn docker_host_forms() {
        let (base, sock) =
            resolve_host("unix:///run/user/1000/docker.sock", "DOCKER_HOST", false).unwrap();
        assert_eq!(base, "unix:///run/user/1000/docker.sock");
        assert_eq!(sock.unwrap(), PathBuf::from("/run/user/1000/docker.sock"));
        assert_eq!(
            resolve_host("tcp://10.0.0.5:2375", "DOCKER_HOST", false)
                .unwrap()
                .0,
            "http://10.0.0.5:2375"
        );
        assert_eq!(
            resolve_host("tcp://d:2375/", "DOCKER_HOST", false)
                .unwrap()
                .0,
            "http://d:2375"
        );
        // Without a port, as the docker CLI: 2375, with TLS too.
        assert_eq!(
            resolve_host("tcp://10.0.0.5", "DOCKER_HOST", false)
                .unwrap()
                .0,
            "http://10.0.0.5:2375"
        );
        assert_eq!(
            resolve_host("tcp://10.0.0.5", "DOCKER_HOST", true)
                .unwrap()
                .0,
            "https://10.0.0.5:2375"
        );
        assert_eq!(
            resolve_host("tcp://[::1]", "DOCKER_HOST", true).unwrap().0,
            "https://[::1]:2375"
        );
        assert_eq!(
            resolve_host("tcp://d.example:3000/", "DOCKER_HOST", true)
                .unwrap()
                .0,
            "https://d.example:3000"
        );
        assert_eq!(
            resolve_host("http://127.0.0.1:2375", "DOCKER_HOST", false).unwrap(),
            ("http://127.0.0.1:2375".into(), None)
        );
        for bad in [
            "unix://",
            "unix://relative.sock",
            "tcp://",
            "tcp://h:99999",
            "tcp://h:0",
            "tcp://h:",
            "tcp://u:secret@h:2375",
            "ssh://me@host",
            "npipe:////./pipe/docker_engine",
            "/var/run/docker.sock",
        ] {
            let err = resolve_host(bad, "DOCKER_HOST", false).unwrap_err();
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
        let text = err.to_string();
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
