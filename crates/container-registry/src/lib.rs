//! Async client for the containers API v2 of [RCABench] (the AegisLab
//! platform): register algorithm, benchmark and pedestal containers and their
//! versions, list and search them, and build their images from GitHub.
//!
//! ```no_run
//! use container_registry_client::{BuildError, Client, ListContainersParams, PageSize, Progress, Secret};
//! use container_registry_client::models::{ContainerType, SubmitBuildContainerReq};
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Log in; the session logs in again by itself when its token expires or
//! // the server answers 401.
//! let anonymous = Client::builder().base_url("http://localhost:8082").build()?;
//! let client = anonymous.session("alice", Secret::new("correct horse")).await?;
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
//! // Build an image and follow the build to its end.
//! let mut build = SubmitBuildContainerReq::new("detector-rca", "opspai/detector-rca");
//! build.tag = Some("1.2.0".into());
//! let mut follow = client.submit_build(&build).await?.follow();
//! loop {
//!     match follow.try_next().await {
//!         Ok(Some(Progress::Event(e))) => println!("{}", e.data),
//!         Ok(Some(Progress::Finished(task))) => println!("built: {:?}", task.id),
//!         Ok(Some(_)) => {}
//!         Ok(None) => break,
//!         Err(BuildError::Failed(failed)) => {
//!             eprintln!("{failed}\n{}", failed.last_logs().join("\n"));
//!             break;
//!         }
//!         Err(e) => return Err(e.into()),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Requests are checked before anything is sent, against what the API
//! defines and nothing stricter; the error is [`Error::InvalidInput`] naming
//! the field (`version.env_vars[0].type`, `filters[0].values`).
//!
//! # What the client takes care of
//!
//! - **The envelope.** Every answer is `{code, message, data, timestamp}`;
//!   methods return `data`. An error status, or a 2xx answer whose `code` is
//!   not a success code, becomes [`Error::Api`] with the envelope's
//!   `code` ([`ApiError::code`]) and `message`.
//! - **Enums.** [`models::ContainerType`], [`models::StatusType`] and
//!   [`models::TaskState`] are sent as integers and read back from the
//!   integers or names the server answers with (`"algorithm"`, `"enabled"`);
//!   a value this client does not know is kept when read, and refused
//!   (naming the known values) before it is sent.
//! - **`null` lists** read as empty ([`List`]).
//! - **Page sizes** of the container list are a [`PageSize`]: 10, 20 or 50,
//!   the spec's enum; the version and task lists take any size.
//! - **Paging.** [`Client::list_containers_stream`],
//!   [`Client::list_container_versions_stream`] and
//!   [`Client::search_containers_stream`] yield items and fetch the next page
//!   only when needed, stopping after the last.
//! - **Tasks and traces.** [`Client::get_task`], [`Client::list_tasks`] and
//!   [`Client::trace_events`] (Server-Sent Events, resumed from the last
//!   event id after a dropped connection); [`Client::submit_build`] and
//!   [`Client::build_and_wait`] follow a build to its final state.
//! - **Sessions.** [`Client::session`] keeps the credentials (as `***`),
//!   reads the token's expiry, and logs in again once on `401`.
//! - **Secrets.** The bearer token, passwords and GitHub tokens print as `***`;
//!   an empty token is never sent as `Bearer `; a token the server echoes is
//!   never quoted in an error, nor is a log-in answer's body.
//!
//! - **Errors** are [`Error`], sorted with [`Error::is_not_found`],
//!   [`Error::is_unauthorized`], [`Error::is_timeout`] and friends.
//!
//! # Configuration
//!
//! [`Client::builder`] and [`Client::from_env`] (reads `RCABENCH_URL` and
//! `RCABENCH_TOKEN`) wrap the shared [`ClientConfig`], with the knob names
//! every client of this family uses: `timeout` (one deadline per attempt,
//! head and whole body: 60 s), `connect_timeout` (10 s), `retry` (3
//! attempts; reads are retried, creating `POST`s only when they cannot have
//! had an effect), `max_body_bytes` (32 MiB), `proxy`, `tls`,
//! `validate_requests`. The User-Agent is `container-registry-client/<version>`.
//! No HTTP proxy is used unless asked for:
//!
//! ```no_run
//! # fn run() -> container_registry_client::Result<()> {
//! use container_registry_client::{Client, Proxy};
//! let client = Client::builder_from_env().proxy(Proxy::from_env()).build()?;
//! # let _ = client; Ok(()) }
//! ```
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
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `https` | yes | `https://` servers through rustls (no OpenSSL), and [`TlsConfig`] for a private CA or a client certificate; without it the client speaks plain HTTP only |
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod builders;
mod client;
mod envelope;
mod follow;
mod paging;
mod params;
mod search;
mod sse;
mod tasks;
mod trace;
mod types;

/// The request and answer types, generated from the crate's `openapi.json`.
#[path = "generated/models.rs"]
pub mod models;

pub use api_client_transport::bytes::Bytes;
pub use api_client_transport::futures_core::Stream;
#[cfg(feature = "https")]
pub use api_client_transport::TlsConfig;
pub use api_client_transport::{
    ApiError, ClientConfig, Error, Proxy, Result, RetryPolicy, Secret, Validate,
};
pub use client::{Client, ClientBuilder, BASE_URL_ENV, DEFAULT_BASE_URL, TOKEN_ENV};
pub use follow::{BuildError, BuildHandle, Follow, FollowOptions, Progress, TaskFailed};
pub use paging::Paginated;
pub use params::{ListContainersParams, ListVersionsParams};
pub use tasks::ListTasksParams;
pub use trace::{TraceEvent, TraceEvents, TraceOptions};
pub use types::{List, PageSize};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
