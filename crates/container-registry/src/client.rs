//! The client: one method per operation, plus streams for the paged ones.

use api_client_transport::http::Method;
#[cfg(feature = "https")]
use api_client_transport::TlsConfig;
use api_client_transport::{
    ClientConfig, Error, Proxy, Request, Response, Result, RetryPolicy, Secret, Validate,
};
use serde::de::DeserializeOwned;

use crate::auth::{self, Auth};

use crate::models::{
    ContainerDetailResp, ContainerResp, ContainerVersionDetailResp, ContainerVersionResp,
    CreateContainerReq, CreateContainerVersionReq, ListContainerResp, ListContainerVersionResp,
    LoginReq, LoginResp, SearchContainerReq, SearchContainerResp, SubmitBuildContainerReq,
    SubmitContainerBuildResp,
};
use crate::paging::{paginate, Page, Paginated};
use crate::{envelope, ListContainersParams, ListVersionsParams};

/// Where a client talks to when no base URL is given.
pub const DEFAULT_BASE_URL: &str = "http://localhost:8082";

pub(crate) const API: [&str; 2] = ["api", "v2"];

/// A failed call, and whether it is worth one re-login: `Some(generation
/// of the token that was refused)` for a 401 inside an envelope.
struct CallError {
    error: Error,
    relogin: Option<u64>,
}

/// A handle on one RCABench server. Cheap to clone; clones share connections.
///
/// Every call but [`Client::login`] needs a bearer token: give it to the
/// builder, or log in and switch with [`Client::with_token`].
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) http: api_client_transport::Client,
    pub(crate) auth: Auth,
    /// Bounds the reconnects of trace streams, as it bounds retries.
    pub(crate) retry: RetryPolicy,
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
        // Trace streams reconnect within the same bounds as retries.
        let retry = self.config.retry.clone();
        let http = api_client_transport::ClientBuilder::from_config(self.config)
            .error_parser(envelope::parse_error)
            .build()?;
        Ok(Client {
            http,
            auth: Auth::fixed(self.token),
            retry,
        })
    }
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
    /// if let Some(token) = login.token {
    ///     let client = anonymous.with_token(token);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// An empty or whitespace-only token is not sent: each call then fails with
    /// [`Error::InvalidInput`] naming `token`. [`Client::session`] also
    /// logs in again when the token expires.
    pub fn with_token(&self, token: impl Into<Secret>) -> Client {
        Client {
            http: self.http.clone(),
            auth: Auth::fixed(Some(token.into())),
            retry: self.retry.clone(),
        }
    }

    /// Whether a token is set.
    pub fn has_token(&self) -> bool {
        self.auth.current().is_some()
    }

    /// Sends the request `make` builds, with the bearer token. A session
    /// client that gets `401` logs in again and sends a fresh copy once.
    pub(crate) async fn open(
        &self,
        make: &(dyn Fn() -> Result<Request> + Send + Sync),
    ) -> Result<Response> {
        let token = self.token_for_request().await?;
        let first = self
            .http
            .send(auth::authorize(make()?, token.as_ref())?)
            .await;
        match first {
            Err(e) if e.is_unauthorized() && self.auth.can_relogin() => {
                let seen = token.as_ref().map_or(0, |t| t.generation);
                let fresh = self.relogin(seen).await?;
                self.http
                    .send(auth::authorize(make()?, Some(&fresh))?)
                    .await
                    .map_err(|e| auth::scrub(e, Some(&fresh)))
            }
            other => other.map_err(|e| auth::scrub(e, token.as_ref())),
        }
    }

    /// Sends the request `make` builds and unwraps the envelope of the answer.
    /// An error code inside a 2xx answer counts as that error, `401` included.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        make: impl Fn() -> Result<Request> + Send + Sync,
    ) -> Result<T> {
        match self.call_once(&make).await {
            // `open` already dealt with a 401 status line; this is a 401
            // inside a 2xx envelope, seen only once the body was read.
            Err(CallError {
                relogin: Some(seen),
                ..
            }) => {
                self.relogin(seen).await?;
                self.call_once(&make).await.map_err(|e| e.error)
            }
            other => other.map_err(|e| e.error),
        }
    }

    async fn call_once<T: DeserializeOwned>(
        &self,
        make: &(dyn Fn() -> Result<Request> + Send + Sync),
    ) -> std::result::Result<T, CallError> {
        let plain = |error| CallError {
            error,
            relogin: None,
        };
        let req = make().map_err(plain)?;
        let method: Method = req.method().clone();
        let path = req.path().to_string();
        drop(req);
        let resp = self.open(make).await.map_err(plain)?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(plain)?;
        let token = self.auth.current();
        envelope::unwrap(status, &method, &path, body).map_err(|e| {
            let relogin = (e.is_unauthorized() && self.auth.can_relogin())
                .then(|| token.as_ref().map_or(0, |t| t.generation));
            CallError {
                error: auth::scrub(e, token.as_ref()),
                relogin,
            }
        })
    }

    /// Logs in and returns a fresh token (with its expiry and owner).
    ///
    /// No token is needed for this call. Use the answer's token with
    /// [`Client::with_token`] or [`ClientBuilder::token`], or let
    /// [`Client::session`] do both and log in again when needed. An answer
    /// without a token (or with an empty one) is an [`Error::Decode`] naming
    /// `data.token`. No error quotes the password, even when the server
    /// echoes the request in its answer.
    pub async fn login(&self, username: &str, password: &Secret) -> Result<LoginResp> {
        let body = LoginReq {
            username: username.to_string(),
            password: password.clone(),
        };
        let req = Request::post(API.iter().chain(&["auth", "login"]))
            .json(&body)?
            // A server that echoes the request in its error must not have
            // the password quoted (raw or JSON-escaped) in ours.
            .secret(password)
            .validated(body.validate());
        // The log-in is sent without the bearer header: an old token must not
        // decide how the server treats a fresh log-in.
        let method = req.method().clone();
        let path = req.path().to_string();
        let resp = self.http.send(req).await?;
        let status = resp.status();
        // A log-in answer carries the fresh token: errors quote none of it.
        let login: LoginResp = envelope::unwrap(status, &method, &path, resp.bytes().await?)
            .map_err(Error::redact_body)?;
        if login
            .token
            .as_ref()
            .map_or(true, |t| t.expose().trim().is_empty())
        {
            return Err(Error::Decode {
                method,
                path,
                json_path: "data.token".to_string(),
                snippet: "<withheld>".to_string(),
                source: <serde_json::Error as serde::de::Error>::custom(
                    "the log-in answer carries no token (or an empty one)",
                ),
            });
        }
        Ok(login)
    }

    /// Queues an image build from a GitHub repository.
    ///
    /// [`Client::submit_build`] returns a handle to follow the build with,
    /// and [`Client::build_and_wait`] waits for its end.
    #[doc(alias = "submit_build")]
    pub async fn build_container_image(
        &self,
        request: &SubmitBuildContainerReq,
    ) -> Result<SubmitContainerBuildResp> {
        self.call(|| {
            Ok(Request::post(API.iter().chain(&["containers", "build"]))
                .json(request)?
                .validated(request.validate()))
        })
        .await
    }

    /// Registers a container, optionally with its first version.
    ///
    /// Checked before sending: the kinds of the container and of the
    /// version's parameters are values the API defines.
    pub async fn create_container(&self, request: &CreateContainerReq) -> Result<ContainerResp> {
        self.call(|| {
            Ok(Request::post(API.iter().chain(&["containers"]))
                .json(request)?
                .validated(request.validate()))
        })
        .await
    }

    /// Adds a version to a container.
    ///
    /// Checked before sending: the kinds of the version's parameters are
    /// values the API defines. Any name is accepted (`1.2.0`, `v1`, `latest`).
    pub async fn create_container_version(
        &self,
        container_id: i64,
        request: &CreateContainerVersionReq,
    ) -> Result<ContainerVersionResp> {
        let id = container_id.to_string();
        self.call(|| {
            Ok(
                Request::post(API.iter().copied().chain(["containers", &id, "versions"]))
                    .json(request)?
                    .validated(request.validate()),
            )
        })
        .await
    }

    /// Fetches a container with its readme and versions.
    #[doc(alias = "get_container_by_id")]
    pub async fn get_container(&self, container_id: i64) -> Result<ContainerDetailResp> {
        let id = container_id.to_string();
        self.call(|| Ok(Request::get(API.iter().copied().chain(["containers", &id]))))
            .await
    }

    /// Fetches one version of a container.
    #[doc(alias = "get_container_version_by_id")]
    pub async fn get_container_version(
        &self,
        container_id: i64,
        version_id: i64,
    ) -> Result<ContainerVersionDetailResp> {
        let id = container_id.to_string();
        let vid = version_id.to_string();
        self.call(|| {
            Ok(Request::get(API.iter().copied().chain([
                "containers",
                &id,
                "versions",
                &vid,
            ])))
        })
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
        let id = container_id.to_string();
        self.call(|| {
            Ok(
                Request::get(API.iter().copied().chain(["containers", &id, "versions"]))
                    .query(params)?
                    .validated(params.check()),
            )
        })
        .await
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
        let size = params.size;
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
        self.call(|| {
            Ok(Request::get(API.iter().chain(&["containers"]))
                .query(params)?
                .validated(params.check()))
        })
        .await
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
    /// Checked before sending: `page` ≥ 1, `size` in 1..=1000 (the spec's
    /// bounds), known operators and directions, a `status` that is an
    /// integer. Operands and dates go as given: the API accepts any.
    pub async fn search_containers(
        &self,
        request: &SearchContainerReq,
    ) -> Result<SearchContainerResp> {
        self.call(|| {
            Ok(Request::post(API.iter().chain(&["containers", "search"]))
                .json(request)?
                .validated(request.check())
                // A search changes nothing on the server: safe to repeat.
                .retryable(true))
        })
        .await
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
