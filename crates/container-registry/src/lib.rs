//! Async client for the containers API v2 of [RCABench] (the AegisLab
//! platform): register algorithm, benchmark and pedestal containers and their
//! versions, list and search them, and build their images from GitHub.
//!
//! ```no_run
//! use container_registry_client::{Client, ListContainersParams, PageSize, Secret};
//! use container_registry_client::models::{ContainerType, SubmitBuildContainerReq};
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> container_registry_client::Result<()> {
//! // Log in (no token needed for that), then use the token for everything else.
//! let anonymous = Client::builder().base_url("http://localhost:8082").build()?;
//! let login = anonymous.login("alice", &Secret::new("correct horse")).await?;
//! let client = anonymous.with_token(login.token.unwrap_or_default());
//!
//! // Every algorithm, 50 per request; pages are fetched as the stream is read.
//! let params = ListContainersParams::new()
//!     .container_type(ContainerType::Algorithm)
//!     .size(PageSize::Fifty);
//! let mut containers = client.list_containers_stream(params);
//! while let Some(c) = containers.try_next().await? {
//!     println!("{:?} {:?} {:?}", c.id, c.name, c.r#type);
//! }
//!
//! // Queue an image build.
//! let build = SubmitBuildContainerReq {
//!     image_name: "detector-rca".into(),
//!     github_repository: "opspai/detector-rca".into(),
//!     tag: Some("1.2.0".into()),
//!     ..Default::default()
//! };
//! let task = client.build_container_image(&build).await?;
//! println!("build task {:?}", task.task_id);
//! # Ok(()) }
//! ```
//!
//! Requests are checked before anything is sent, and the error names the
//! field:
//!
//! ```
//! use container_registry_client::models::CreateContainerVersionReq;
//! use container_registry_client::{Error, Validate};
//!
//! let version = CreateContainerVersionReq {
//!     name: "latest".into(), // not a semantic version
//!     image_ref: "docker.io/opspai/detector-rca:1.2.0".into(),
//!     ..Default::default()
//! };
//! match version.validate() {
//!     Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "name"),
//!     other => panic!("{other:?}"),
//! }
//! ```
//!
//! # What the client takes care of
//!
//! - **The envelope.** Every answer is `{code, message, data, timestamp}`;
//!   methods return `data`. An error status, or a 2xx answer whose `code` is
//!   not a success code, becomes [`api_client_transport::Error::Api`] with the envelope's
//!   `code` ([`api_client_transport::ApiError::code`]) and `message`.
//! - **Enums.** [`models::ContainerType`] and [`models::StatusType`] are sent
//!   as integers and read back from the names the server answers with
//!   (`"algorithm"`, `"enabled"`); a value this client does not know is kept,
//!   not rejected.
//! - **`null` lists** read as empty ([`List`]).
//! - **Page sizes** of the list operations are a [`PageSize`]: 10, 20 or 50,
//!   the only sizes the server accepts.
//! - **Paging.** [`Client::list_containers_stream`],
//!   [`Client::list_container_versions_stream`] and
//!   [`Client::search_containers_stream`] yield items and fetch the next page
//!   only when needed, stopping after the last.
//! - **Secrets.** The bearer token, passwords and GitHub tokens print as `***`.
//!
//! No HTTP proxy is used (api-client-transport ignores `HTTP_PROXY` and friends).
//!
//! [RCABench]: https://github.com/OperationsPAI/AegisLab
//!
//! # Stability of the models
//!
//! Answer models are `#[non_exhaustive]`, so a field the server adds later is
//! not a breaking change; outside this crate they are read, never built with a
//! struct literal:
//!
//! ```compile_fail,E0639
//! let label = container_registry_client::models::LabelItem { key: None, value: None };
//! ```
//!
//! Models you send have a `new` that takes the required fields; the optional
//! ones are set afterwards:
//!
//! ```
//! let mut label = container_registry_client::models::LabelItem::new();
//! label.key = Some("team".into());
//! assert_eq!(label.value, None);
//! ```

mod builders;
mod client;
mod envelope;
mod paging;
mod params;
mod search;
mod types;

/// The request and answer types, generated from the crate's `openapi.json`.
#[path = "generated/models.rs"]
pub mod models;

pub use api_client_transport::{ApiError, Error, Result, RetryPolicy, Secret, Validate};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL};
pub use paging::Paginated;
pub use params::{ListContainersParams, ListVersionsParams};
pub use types::{List, PageSize};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
