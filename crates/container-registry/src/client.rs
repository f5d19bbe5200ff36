//! The client: one method per operation, plus streams for the paged ones.

use api_client_transport::http::{header::AUTHORIZATION, HeaderValue, Method};
#[cfg(feature = "https")]
use api_client_transport::TlsConfig;
use api_client_transport::{ClientConfig, Error, Proxy, Request, Result, Secret, Validate};
use serde::de::DeserializeOwned;

use crate::models::{
    ContainerDetailResp, ContainerResp, ContainerVersionDetailResp, ContainerVersionResp,
    CreateContainerReq, CreateContainerVersionReq, ListContainerResp, ListContainerVersionResp,
    LoginReq, LoginResp, SearchContainerReq, SearchContainerResp, SubmitBuildContainerReq,
    SubmitContainerBuildResp,
};
use crate::paging::{paginate, Page, Paginated};
use crate::{builders, envelope, ListContainersParams, ListVersionsParams};

/// Where a client talks to when no base URL is given.
pub const DEFAULT_BASE_URL: &str = "http://localhost:8082";

const API: [&str; 2] = ["api", "v2"];

/// A handle on one RCABench server. Cheap to clone; clones share connections.
///
/// Every call but [`Client::login`] needs a bearer token: give it to the
/// builder, or log in and switch with [`Client::with_token`].
#[derive(Clone, Debug)]
pub struct Client {
    http: api_client_transport::Client,
    token: Option<Secret>,
}

/// The environment variable [`Client::from_env`] reads the server's address from.
pub const BASE_URL_ENV: &str = "RCABENCH_URL";
/// The environment variable [`Client::from_env`] reads the bearer token from.
pub const TOKEN_ENV: &str = "RCABENCH_TOKEN";

/// Configures a [`Client`]: the token and the knobs of the shared
/// [`ClientConfig`], with the same names as in every client of this family.
/// Made by [`Client::builder`] or [`Client::builder_from_env`].
///
/// ```
/// use std::time::Duration;
/// use container_registry_client::{Client, RetryPolicy};
/// let client = Client::builder()
///     .base_url("https://rcabench.example.org")
///     .token("eyJhbGciOi...")
///     .timeout(Duration::from_secs(20))
///     .retry(RetryPolicy::new(4))
///     .build()
///     .unwrap();
/// assert_eq!(client.config().timeout, Duration::from_secs(20));
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    config: ClientConfig,
    token: Option<Secret>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        let mut config = ClientConfig::new(DEFAULT_BASE_URL);
        config.user_agent =
            concat!("container-registry-client/", env!("CARGO_PKG_VERSION")).to_string();
        ClientBuilder {
            config,
            token: None,
        }
    }
}

impl ClientBuilder {
    /// The server's address, e.g. `https://rcabench.example.org` (default
    /// [`DEFAULT_BASE_URL`]). A path prefix is kept: `http://host/prefix`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.config.base_url = base_url.into();
        self
    }

    /// The bearer token sent as `Authorization: Bearer <token>`.
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
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

    /// What to trust and present over TLS: extra root CAs (a server behind
    /// an internal CA), the platform's roots, a client certificate.
    #[cfg(feature = "https")]
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.config.tls = tls;
        self
    }

    /// Builds the client. A malformed base URL is an
    /// [`Error::InvalidInput`] naming `base_url`; nothing is sent.
    pub fn build(self) -> Result<Client> {
        let http = api_client_transport::ClientBuilder::from_config(self.config)
            .error_parser(envelope::parse_error)
            .build()?;
        Ok(Client {
            http,
            token: self.token,
        })
    }
}

/// Checks a path id: the server numbers from 1.
fn check_id(name: &str, id: i64) -> Result<String> {
    if id < 1 {
        return Err(Error::invalid(name, format!("ids start at 1, got {id}")));
    }
    Ok(id.to_string())
}

impl Client {
    /// A builder with the default base URL and no token.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for [`DEFAULT_BASE_URL`] using `token`.
    pub fn new(token: impl Into<Secret>) -> Result<Client> {
        Client::builder().token(token).build()
    }

    /// A client configured from the environment: the address from
    /// `RCABENCH_URL` ([`BASE_URL_ENV`], default [`DEFAULT_BASE_URL`]) and the
    /// token from `RCABENCH_TOKEN` ([`TOKEN_ENV`], none when unset: log in
    /// with [`Client::login`] then). No proxy is read from the environment
    /// unless asked for on [`Client::builder_from_env`].
    pub fn from_env() -> Result<Client> {
        Client::builder_from_env().build()
    }

    /// The builder [`Client::from_env`] builds, to change more knobs first.
    ///
    /// ```no_run
    /// # fn run() -> container_registry_client::Result<()> {
    /// use container_registry_client::{Client, Proxy};
    /// let client = Client::builder_from_env().proxy(Proxy::from_env()).build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn builder_from_env() -> ClientBuilder {
        Client::builder_from(|name| std::env::var(name).ok())
    }

    /// [`Client::builder_from_env`] with the variables read through `var`.
    pub(crate) fn builder_from(var: impl Fn(&str) -> Option<String>) -> ClientBuilder {
        let set = |name| var(name).filter(|v: &String| !v.trim().is_empty());
        let mut builder = Client::builder();
        if let Some(url) = set(BASE_URL_ENV) {
            builder = builder.base_url(url.trim());
        }
        if let Some(token) = set(TOKEN_ENV) {
            builder = builder.token(token.trim());
        }
        builder
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &ClientConfig {
        self.http.config()
    }

    /// The server's address.
    pub fn base_url(&self) -> &str {
        self.http.base_url()
    }

    /// A clone of this client that sends `token` (sharing the connections).
    ///
    /// ```no_run
    /// # async fn run() -> container_registry_client::Result<()> {
    /// use container_registry_client::{Client, Secret};
    ///
    /// let anonymous = Client::builder().build()?;
    /// let login = anonymous.login("alice", &Secret::new("correct horse")).await?;
    /// let client = anonymous.with_token(login.token.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub fn with_token(&self, token: impl Into<Secret>) -> Client {
        Client {
            http: self.http.clone(),
            token: Some(token.into()),
        }
    }

    /// Whether a token is set.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    fn authorized(&self, req: Request) -> Result<Request> {
        let Some(token) = &self.token else {
            return Ok(req);
        };
        let mut value =
            HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
                Error::invalid(
                    "token",
                    "the token contains characters a header cannot carry",
                )
            })?;
        value.set_sensitive(true);
        Ok(req.header(AUTHORIZATION, value))
    }

    /// Sends `req` and unwraps the envelope of the answer.
    async fn call<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        let req = self.authorized(req)?;
        let method: Method = req.method().clone();
        let path = req.path().to_string();
        let resp = self.http.send(req).await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        envelope::unwrap(status, &method, &path, body)
    }

    /// Logs in and returns a fresh token (with its expiry and owner).
    ///
    /// No token is needed for this call. Use the answer's token with
    /// [`Client::with_token`] or [`ClientBuilder::token`].
    pub async fn login(&self, username: &str, password: &Secret) -> Result<LoginResp> {
        let body = LoginReq {
            username: username.to_string(),
            password: password.clone(),
        };
        body.validate()?;
        if username.is_empty() {
            return Err(Error::invalid("username", "must not be empty"));
        }
        if password.is_empty() {
            return Err(Error::invalid("password", "must not be empty"));
        }
        let req = Request::post(API.iter().chain(&["auth", "login"])).json(&body)?;
        // The log-in is sent without the bearer header: an old token must not
        // decide how the server treats a fresh log-in.
        let method = req.method().clone();
        let path = req.path().to_string();
        let resp = self.http.send(req).await?;
        let status = resp.status();
        // A log-in answer carries the fresh token: errors quote none of it.
        envelope::unwrap(status, &method, &path, resp.bytes().await?).map_err(Error::redact_body)
    }

    /// Queues an image build from a GitHub repository.
    ///
    /// Checked before sending: `image_name` is not empty and
    /// `github_repository` is `owner/repo`.
    #[doc(alias = "submit_build")]
    pub async fn build_container_image(
        &self,
        request: &SubmitBuildContainerReq,
    ) -> Result<SubmitContainerBuildResp> {
        request.validate()?;
        let req = Request::post(API.iter().chain(&["containers", "build"])).json(request)?;
        self.call(req).await
    }

    /// Registers a container, optionally with its first version.
    ///
    /// Checked before sending: `name` is not empty and the version, if any,
    /// has a semantic-version name and an image.
    pub async fn create_container(&self, request: &CreateContainerReq) -> Result<ContainerResp> {
        request.validate()?;
        builders::check_container(request)?;
        let req = Request::post(API.iter().chain(&["containers"])).json(request)?;
        self.call(req).await
    }

    /// Adds a version to a container.
    ///
    /// Checked before sending: `container_id` is positive, `name` is a
    /// semantic version (`1.2.0`, `v1.2.0-rc.1`) and `image_ref` is not empty.
    pub async fn create_container_version(
        &self,
        container_id: i64,
        request: &CreateContainerVersionReq,
    ) -> Result<ContainerVersionResp> {
        let id = check_id("container_id", container_id)?;
        request.validate()?;
        builders::check_version("", request)?;
        let req = Request::post(API.iter().copied().chain(["containers", &id, "versions"]))
            .json(request)?;
        self.call(req).await
    }

    /// Fetches a container with its readme and versions.
    #[doc(alias = "get_container_by_id")]
    pub async fn get_container(&self, container_id: i64) -> Result<ContainerDetailResp> {
        let id = check_id("container_id", container_id)?;
        self.call(Request::get(API.iter().copied().chain(["containers", &id])))
            .await
    }

    /// Fetches one version of a container.
    #[doc(alias = "get_container_version_by_id")]
    pub async fn get_container_version(
        &self,
        container_id: i64,
        version_id: i64,
    ) -> Result<ContainerVersionDetailResp> {
        let id = check_id("container_id", container_id)?;
        let vid = check_id("version_id", version_id)?;
        self.call(Request::get(API.iter().copied().chain([
            "containers",
            &id,
            "versions",
            &vid,
        ])))
        .await
    }

    /// Fetches one page of a container's versions.
    ///
    /// [`Client::list_container_versions_stream`] walks all pages.
    pub async fn list_container_versions(
        &self,
        container_id: i64,
        params: &ListVersionsParams,
    ) -> Result<ListContainerVersionResp> {
        let id = check_id("container_id", container_id)?;
        params.check()?;
        let req = Request::get(API.iter().copied().chain(["containers", &id, "versions"]))
            .query(params)?;
        self.call(req).await
    }

    /// Every version of a container, fetched page by page as the stream is read.
    ///
    /// `params.page` is the first page fetched (default 1). Invalid parameters
    /// end the stream with their error before anything is sent.
    #[doc(alias = "list_container_versions")]
    pub fn list_container_versions_stream(
        &self,
        container_id: i64,
        params: ListVersionsParams,
    ) -> Paginated<ContainerVersionResp> {
        let client = self.clone();
        let first = params.page.unwrap_or(1);
        let size = params.size.map(|s| s.get());
        paginate(first, size, move |page| {
            let client = client.clone();
            let params = ListVersionsParams {
                page: Some(page),
                ..params.clone()
            };
            async move {
                let got = client
                    .list_container_versions(container_id, &params)
                    .await?;
                Ok(Page {
                    items: got.items.into_vec(),
                    pagination: got.pagination,
                })
            }
        })
    }

    /// Fetches one page of containers.
    ///
    /// [`Client::list_containers_stream`] walks all pages.
    pub async fn list_containers(
        &self,
        params: &ListContainersParams,
    ) -> Result<ListContainerResp> {
        params.check()?;
        let req = Request::get(API.iter().chain(&["containers"])).query(params)?;
        self.call(req).await
    }

    /// Every container matching `params`, fetched page by page as the stream is read.
    ///
    /// `params.page` is the first page fetched (default 1). Invalid parameters
    /// end the stream with their error before anything is sent.
    #[doc(alias = "list_containers")]
    pub fn list_containers_stream(&self, params: ListContainersParams) -> Paginated<ContainerResp> {
        let client = self.clone();
        let first = params.page.unwrap_or(1);
        let size = params.size.map(|s| s.get());
        paginate(first, size, move |page| {
            let client = client.clone();
            let params = ListContainersParams {
                page: Some(page),
                ..params.clone()
            };
            async move {
                let got = client.list_containers(&params).await?;
                Ok(Page {
                    items: got.items.into_vec(),
                    pagination: got.pagination,
                })
            }
        })
    }

    /// Runs one page of a search. The body is sent as JSON.
    ///
    /// Checked before sending: `page` ≥ 1, `size` in 1..=1000, each filter has
    /// a field and the operands its operator needs, dates look like dates.
    pub async fn search_containers(
        &self,
        request: &SearchContainerReq,
    ) -> Result<SearchContainerResp> {
        request.check()?;
        let req = Request::post(API.iter().chain(&["containers", "search"]))
            .json(request)?
            // A search changes nothing on the server: safe to repeat.
            .retryable(true);
        self.call(req).await
    }

    /// Every container a search finds, fetched page by page as the stream is read.
    ///
    /// `request.page` is the first page fetched (default 1).
    #[doc(alias = "search_containers")]
    pub fn search_containers_stream(
        &self,
        request: SearchContainerReq,
    ) -> Paginated<ContainerResp> {
        let client = self.clone();
        // An out-of-range page becomes 0, which the first fetch rejects by name.
        let first = match request.page {
            Some(p) => u32::try_from(p).unwrap_or(0),
            None => 1,
        };
        let size = request.size.and_then(|s| u32::try_from(s).ok());
        paginate(first, size, move |page| {
            let client = client.clone();
            let mut request = request.clone();
            request.page = Some(i64::from(page));
            async move {
                let got = client.search_containers(&request).await?;
                Ok(Page {
                    items: got.items.into_vec(),
                    pagination: got.pagination,
                })
            }
        })
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;

    #[test]
    fn from_env_reads_the_address_and_token_and_ignores_blanks() {
        let client = Client::builder_from(|name| match name {
            BASE_URL_ENV => Some(" http://127.0.0.1:9/rca ".into()),
            TOKEN_ENV => Some("tok".into()),
            _ => None,
        })
        .build()
        .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9/rca");
        assert!(client.has_token());
        let client = Client::builder_from(|_| Some("  ".into())).build().unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        assert!(!client.has_token());
        assert!(client.config().proxy.is_none());
    }
}
