//! The client: one method per operation, plus streams for the paged ones.

use std::time::Duration;

use api_client_transport::http::{header::AUTHORIZATION, HeaderValue, Method};
use api_client_transport::{Error, Request, Result, RetryPolicy, Secret, Validate};
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

/// Configures a [`Client`]; made by [`Client::builder`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    token: Option<Secret>,
    user_agent: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_string(),
            token: None,
            user_agent: None,
            timeout: None,
            connect_timeout: None,
            retry: None,
        }
    }
}

impl ClientBuilder {
    /// The server's address, e.g. `https://rcabench.example.org` (default
    /// [`DEFAULT_BASE_URL`]). A path prefix is kept: `http://host/prefix`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The bearer token sent as `Authorization: Bearer <token>`.
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The `User-Agent` header (default: api-client-transport's).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// How long one attempt may wait for the response head (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long connecting may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The retry policy (default: api-client-transport's, which retries only idempotent
    /// calls, i.e. the `GET`s here).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Builds the client. A malformed base URL is an
    /// [`Error::InvalidInput`] naming `base_url`; nothing is sent.
    pub fn build(self) -> Result<Client> {
        let mut http = api_client_transport::Client::builder(self.base_url)
            .error_parser(envelope::parse_error);
        if let Some(ua) = self.user_agent {
            http = http.user_agent(ua);
        }
        if let Some(t) = self.timeout {
            http = http.timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            http = http.connect_timeout(t);
        }
        if let Some(r) = self.retry {
            http = http.retry(r);
        }
        Ok(Client {
            http: http.build()?,
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
