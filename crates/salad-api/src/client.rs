//! The client, its builder, and the organization/project handle.

use std::fmt;
use std::sync::Arc;

use api_client_transport::http::{HeaderName, Method};
use api_client_transport::{
    ClientConfig, Error, ProblemDetails, Proxy, Request, Response, Result, Secret, TlsConfig,
};

use crate::container_groups::ContainerGroups;
use crate::names::check_name;

/// Where the SaladCloud public API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.salad.com/api/public";
/// The header that carries the API key.
pub const DEFAULT_API_KEY_HEADER: &str = "Salad-Api-Key";
/// The environment variable [`Client::from_env`] reads the API key from.
pub const API_KEY_ENV: &str = "SALAD_API_KEY";
/// The environment variable [`Client::from_env`] reads an optional base URL from.
pub const BASE_URL_ENV: &str = "SALAD_API_BASE_URL";

/// A SaladCloud API client: an API key, a base URL, timeouts and a retry
/// policy over one connection pool.
///
/// Cheap to clone (the connection pool is shared) and `Send + Sync`. Reach the
/// container groups of a project through [`Client::project`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: api_client_transport::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("http", &self.inner.http)
            .finish()
    }
}

impl Client {
    /// A client for the public API with the default settings.
    pub fn new(api_key: impl Into<Secret>) -> Result<Self> {
        Self::builder(api_key).build()
    }

    /// Starts configuring a client that authenticates with `api_key`.
    pub fn builder(api_key: impl Into<Secret>) -> ClientBuilder {
        let mut config = ClientConfig::new(DEFAULT_BASE_URL);
        config.user_agent = concat!("salad-api/", env!("CARGO_PKG_VERSION")).to_owned();
        ClientBuilder {
            api_key: api_key.into(),
            api_key_header: DEFAULT_API_KEY_HEADER.to_owned(),
            config,
        }
    }

    /// A client configured from the environment: the key from
    /// `SALAD_API_KEY` ([`API_KEY_ENV`], required) and the base URL from
    /// `SALAD_API_BASE_URL` ([`BASE_URL_ENV`]) when that is set.
    ///
    /// No proxy is read from the environment unless asked for: use
    /// [`Client::builder_from_env`] and
    /// [`.proxy(Proxy::from_env())`](ClientBuilder::proxy).
    /// An unset or empty key is an [`Error::InvalidInput`] naming the variable.
    pub fn from_env() -> Result<Self> {
        Self::builder_from_env()?.build()
    }

    /// The builder [`Client::from_env`] builds, to change more knobs first.
    ///
    /// ```no_run
    /// # fn run() -> salad_api::Result<()> {
    /// use salad_api::{Client, Proxy};
    /// // Through HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as the environment says.
    /// let client = Client::builder_from_env()?.proxy(Proxy::from_env()).build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn builder_from_env() -> Result<ClientBuilder> {
        Self::builder_from(|name| std::env::var(name).ok())
    }

    /// [`Client::builder_from_env`] with the variables read through `var`.
    pub(crate) fn builder_from(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder> {
        let key = var(API_KEY_ENV)
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                Error::invalid(API_KEY_ENV, "is not set; export your SaladCloud API key")
            })?;
        let mut builder = Self::builder(key.trim());
        if let Some(url) = var(BASE_URL_ENV).filter(|u| !u.trim().is_empty()) {
            builder = builder.base_url(url.trim());
        }
        Ok(builder)
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &ClientConfig {
        self.inner.http.config()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.http.base_url()
    }

    /// A handle on one project of one organization, so later calls need not
    /// repeat them. Both names are checked here (2 to 63 characters of
    /// `a-z`, `0-9` and `-`, starting with a letter, not ending with `-`).
    ///
    /// ```
    /// let client = salad_api::Client::new("key").unwrap();
    /// assert!(client.project("acme-corp", "dev-env").is_ok());
    /// let err = client.project("Acme Corp", "dev-env").unwrap_err();
    /// assert!(err.to_string().contains("organization_name"));
    /// ```
    pub fn project(&self, organization_name: &str, project_name: &str) -> Result<Project> {
        check_name("organization_name", organization_name)?;
        check_name("project_name", project_name)?;
        Ok(Project {
            client: self.clone(),
            organization: organization_name.into(),
            project: project_name.into(),
        })
    }

    /// Sends with the transport's retry policy.
    pub(crate) async fn send(&self, request: Request) -> Result<Response> {
        self.inner.http.send(request).await
    }
}

/// Configures and builds a [`Client`]: the API key and the knobs of the
/// shared [`ClientConfig`], with the same names as in every client of this
/// family.
///
/// ```
/// use std::time::Duration;
/// use salad_api::{Client, RetryPolicy};
/// let client = Client::builder("my-api-key")
///     .base_url("https://api.salad.com/api/public")
///     .timeout(Duration::from_secs(30))
///     .retry(RetryPolicy::new(5))
///     .max_body_bytes(64 << 20)
///     .build()
///     .unwrap();
/// assert_eq!(client.config().timeout, Duration::from_secs(30));
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: Secret,
    api_key_header: String,
    config: ClientConfig,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key)
            .field("api_key_header", &self.api_key_header)
            .field("config", &self.config)
            .finish()
    }
}

impl ClientBuilder {
    /// The API's base URL (default [`DEFAULT_BASE_URL`]); a mock server in tests.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = url.into();
        self
    }

    /// The header that carries the key (default `Salad-Api-Key`).
    pub fn api_key_header(mut self, name: impl Into<String>) -> Self {
        self.api_key_header = name.into();
        self
    }

    api_client_transport::__config_setters!(config);

    /// Sends every request through this HTTP proxy; by default none is used,
    /// whatever the environment says. `Proxy::from_env()` opts in to
    /// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.config.proxy = Some(proxy);
        self
    }

    /// What to trust and present over TLS: extra root CAs, the platform's
    /// roots, a client certificate (default: the built-in Mozilla roots).
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.config.tls = tls;
        self
    }

    /// Builds the client. An empty key, a bad header name or a bad URL is an
    /// [`Error::InvalidInput`].
    pub fn build(self) -> Result<Client> {
        if self.api_key.expose().trim().is_empty() {
            return Err(Error::invalid("api_key", "must not be empty"));
        }
        let header = HeaderName::from_bytes(self.api_key_header.as_bytes())
            .map_err(|_| Error::invalid("api_key_header", "not a valid HTTP header name"))?;
        let mut config = self.config;
        config.base_url = config.base_url.trim_end_matches('/').to_owned();
        let http = api_client_transport::ClientBuilder::from_config(config)
            .secret_header(header, &self.api_key)
            .error_parser(ProblemDetails::error_parser)
            .build()?;
        Ok(Client {
            inner: Arc::new(Inner { http }),
        })
    }
}

/// A project of an organization, checked once and reused for every call.
///
/// ```no_run
/// # async fn run() -> salad_api::Result<()> {
/// let client = salad_api::Client::from_env()?;
/// let project = client.project("acme-corp", "dev-env")?;
/// for group in project.container_groups().list().await?.items {
///     println!("{}", group.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Project {
    client: Client,
    organization: Arc<str>,
    project: Arc<str>,
}

impl Project {
    /// The organization name.
    pub fn organization_name(&self) -> &str {
        &self.organization
    }

    /// The project name.
    pub fn project_name(&self) -> &str {
        &self.project
    }

    /// The client this handle sends through.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The container groups of this project.
    pub fn container_groups(&self) -> ContainerGroups {
        ContainerGroups::new(self.clone())
    }

    /// A request to `/organizations/{org}/projects/{project}/containers/...`.
    pub(crate) fn request(&self, method: Method, rest: &[&str]) -> Request {
        let base = [
            "organizations",
            &self.organization,
            "projects",
            &self.project,
            "containers",
        ];
        Request::new(method, base.iter().copied().chain(rest.iter().copied()))
    }
}
