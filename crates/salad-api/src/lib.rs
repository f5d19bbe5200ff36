//! A typed async client for the [SaladCloud](https://salad.com) public API:
//! container groups and their instances, job queues and their jobs,
//! inference endpoints, GPU classes, quotas, capacity, the webhook key and
//! container logs: all 36 operations of API 0.9.0-alpha.17.
//!
//! The whole life of a queue-backed GPU workload: pick a GPU class by name,
//! create a queue, create a group that takes its jobs, submit jobs, wait for
//! their results, tear down. (`examples/queue_flow.rs` is this flow as a
//! program; `tests/flow.rs` runs it against a local mock server.)
//!
//! ```no_run
//! use std::time::Duration;
//! use salad_api::models::{
//!     ContainerGroupQueueConnection, ContainerGroupStatus, ContainerResourceRequirements,
//!     ContainerRestartPolicy, CreateContainer, CreateContainerGroup, CreateQueue, JobStatus,
//! };
//! use salad_api::{Client, WaitOptions};
//!
//! #[derive(serde::Serialize)]
//! struct Tile { x: f64, y: f64, zoom: u32 }
//! #[derive(serde::Deserialize)]
//! struct Rendered { image: String }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Reads SALAD_API_KEY (and SALAD_API_BASE_URL, if set).
//! let client = Client::from_env()?;
//! let org = client.organization("acme-corp")?;
//! let project = client.project("acme-corp", "dev-env")?;
//! let (queues, groups) = (project.queues(), project.container_groups());
//!
//! // GPU classes are ids in a group body: look them up by name.
//! let gpus = org.gpu_classes_by_name(&["RTX 4090 (24 GB)"]).await?;
//! queues.create(&CreateQueue::new("render-jobs")).await?;
//!
//! let mut resources = ContainerResourceRequirements::new(4, 16 * 1024);
//! resources.gpu_classes = Some(gpus.iter().map(|g| g.id).collect());
//! let image = CreateContainer::new("ghcr.io/acme/mandelbrot:1.4.2", resources);
//! let mut group = CreateContainerGroup::new("mandelbrot", image, true, ContainerRestartPolicy::Always, 2);
//! group.queue_connection = Some(ContainerGroupQueueConnection::new("/render", 8080, "render-jobs"));
//! groups.create(&group).await?;
//! let wait = WaitOptions::new().timeout(Duration::from_secs(1800));
//! groups.wait_for_status("mandelbrot", ContainerGroupStatus::Running, wait.clone()).await?;
//!
//! let job = queues.submit("render-jobs", &Tile { x: -0.75, y: 0.1, zoom: 2000 }).await?;
//! let job = queues.wait_for_job("render-jobs", job.id, wait).await?;
//! if job.status == JobStatus::Succeeded {
//!     println!("{}", job.output_as::<Rendered>()?.image);
//! }
//!
//! groups.delete("mandelbrot").await?;
//! queues.delete("render-jobs").await?;
//! # Ok(()) }
//! ```
//!
//! Where things are:
//!
//! - [`Project::container_groups`] ([`ContainerGroups`]): groups and their
//!   instances, system logs, [`ContainerGroups::wait_for_status`].
//! - [`Project::queues`] ([`Queues`]): queues and their jobs, job waits,
//!   [`Queues::submit`] for any serializable input, [`Queues::jobs_stream`].
//! - [`Client::organization`] ([`Organization`]): GPU classes (and
//!   [`Organization::gpu_classes_by_name`]), quotas, CPU and GPU capacity,
//!   the webhook key, the log-entries query, and
//!   [`Organization::inference_endpoints`] ([`InferenceEndpoints`]).
//! - `webhooks::Verifier` (feature `webhooks`): checks the signature of the
//!   job webhooks SaladCloud sends.
//!
//! Searching these docs for an operation name of the official SDKs
//! (`list_container_groups`, `create_queue_job`, `get_gpu_availability`, ...)
//! finds the method that implements it.
//!
//! Ids are [`uuid::Uuid`] and timestamps [`time::OffsetDateTime`], both
//! re-exported; methods that take a job id accept anything that prints as
//! one (a `Uuid` or a `&str`) and check it before sending. Job input and
//! output are arbitrary JSON (`serde_json::Value`), written from and read
//! into your own types with [`Queues::submit`], `output_as` and `input_as`.
//! Lists that page ([`Queues::list_jobs`], [`InferenceEndpoints::list`],
//! [`InferenceEndpoints::list_jobs`]) take [`PageOptions`]; their `*stream`
//! twins are [`Paginated`] streams that read the next page only when needed.
//!
//! Request bodies are plain structs of [`models`]; the ones whose required
//! fields have no sensible default start from a constructor
//! ([`CreateContainerGroup::new`](models::CreateContainerGroup::new),
//! [`CreateContainer::new`](models::CreateContainer::new),
//! [`ContainerResourceRequirements::new`](models::ContainerResourceRequirements::new)),
//! merge patches from `Default`. Credentials inside bodies are
//! [`Secret`]s, which `Debug` prints as `***`.
//!
//! # Checked before sending
//!
//! Organization, project and group names (2 to 63 characters,
//! `^[a-z][a-z0-9-]{0,61}[a-z0-9]$`), instance ids (UUIDs) and every bound of a
//! request body (replicas, CPU, memory, display name, probe and autoscaler
//! ranges, country codes, ...) are checked before anything leaves the
//! process. A broken rule is an [`Error::InvalidInput`] whose `field` is the
//! path of the offending value:
//!
//! ```
//! use salad_api::{models::UpdateContainerGroup, Client, Error};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let groups = Client::new("key").unwrap().project("acme-corp", "dev-env").unwrap().container_groups();
//! let patch = UpdateContainerGroup { replicas: 501.into(), ..Default::default() };
//! match groups.update("mandelbrot", &patch).await {
//!     Err(Error::InvalidInput { field, reason }) => {
//!         assert_eq!(field, "replicas");
//!         println!("rejected locally: {reason}");
//!     }
//!     other => panic!("expected a local rejection, got {other:?}"),
//! }
//! # }
//! ```
//!
//! # Merge patches
//!
//! [`ContainerGroups::update`] and [`ContainerGroups::update_instance`] send
//! `application/merge-patch+json`. A field the API lets you clear is a
//! [`Patch`]: leave it [`Patch::Absent`] to keep the server's value, set a
//! [`Patch::Value`], or send [`Patch::Null`] to remove it, something the
//! official SDKs cannot say. Any other field is an `Option`: `None` leaves it,
//! `Some` sets it (the API refuses `null` there, so the type cannot send it).
//!
//! ```
//! use salad_api::{models::UpdateContainerGroup, Patch};
//! let patch = UpdateContainerGroup {
//!     replicas: Patch::Value(3),        // set
//!     display_name: Patch::Null,        // remove
//!     ..Default::default()              // everything else: leave as it is
//! };
//! assert_eq!(
//!     serde_json::to_string(&patch).unwrap(),
//!     r#"{"display_name":null,"replicas":3}"#
//! );
//! ```
//!
//! # Retries
//!
//! The policy of [`ClientBuilder::retry`] (default: 3 attempts, waits growing
//! from 200 ms, `Retry-After` honoured up to 60 s) follows the rule every
//! client of this family shares (reads and idempotent writes are retried;
//! calls that create or disrupt are resent only when they cannot have had an
//! effect). Here it applies as follows:
//!
//! | call | retried on 429, 502, 503, 504, timeouts, dropped connections | why |
//! | --- | --- | --- |
//! | reads (`list`, `get`, `system_logs`, `list_instances`, `get_instance`) | yes | no effect on the server |
//! | `update`, `update_instance` (merge patch) | yes | the same patch applied twice is applied once |
//! | `start`, `stop` | yes | starting a running group, or stopping a stopped one, changes nothing |
//! | `delete` | yes | deleting twice leaves the group deleted; a retry after a lost answer may report 404 |
//! | `create` | only 429 and failed connections | after a timeout or a 5xx the group may exist; a blind resend would fail on the taken name and hide the success |
//! | `reallocate_instance`, `recreate_instance`, `restart_instance` | only 429 and failed connections | each disrupts the workload; a second one is a second disruption |
//! | queues: `list`, `get`, `list_jobs`, `get_job`; inference endpoints: `list`, `get`, `list_jobs`, `get_job` | yes | no effect on the server |
//! | `Queues::update` (merge patch) | yes | the same patch applied twice is applied once |
//! | `Queues::delete`, `delete_job` (queues and endpoints) | yes | deleting or cancelling twice leaves the same result; a retry may report 404 |
//! | `Queues::create` | only 429 and failed connections | after a lost answer the queue may exist; a resend would fail on the taken name |
//! | `create_job`, `submit` (queues and endpoints) | only 429 and failed connections | a resend after a lost answer would run the job twice |
//! | `list_gpu_classes`, `quotas`, `cpu_availability`, `gpu_availability`, `query_log_entries` | yes | questions (the last three are POSTs that change nothing) |
//! | `webhook_secret_key`, `rotate_webhook_secret_key` | yes | a repeated rotation rotates again, and its answer carries the key in force |
//!
//! A 429 is always safe to resend: the server rejected the request without
//! acting on it. So is a request whose connection could not be made.
//!
//! # Errors
//!
//! A failure status becomes [`Error::Api`], whose message is read from the
//! server's RFC 9457 problem document (`title: detail`) and whose code is the
//! problem `type`. [`Error::problem`] returns the whole document as a
//! [`ProblemDetails`] (the type salad-imds uses too). When a proxy answers
//! with an HTML page instead, the error keeps its status and says so in a
//! short note; the page itself is not quoted. [`Error::is_not_found`],
//! [`Error::is_conflict`], [`Error::is_rate_limited`], [`Error::is_timeout`]
//! and friends sort errors without matching on variants.
//!
//! # Tolerant decoding
//!
//! New response fields are ignored and new enum values are kept in the
//! `Unknown(String)` variant of each `#[non_exhaustive]` enum, so a server
//! that grows does not break a deployed client.
//!
//! # Waiting
//!
//! [`ContainerGroups::wait_for_status`] polls a group until it reaches a
//! status, with a deadline and a poll interval, and stops early when the
//! group fails. [`Queues::wait_for_job`] and [`InferenceEndpoints::wait_for_job`]
//! take the same [`WaitOptions`] and poll a job until it is over
//! (`succeeded`, `failed` or `cancelled`), returning it; the deadline ends
//! them with [`WaitError::JobTimeout`].
//!
//!
//! # Stability of the models
//!
//! Answer models are `#[non_exhaustive]`, so a field the API adds later is not
//! a breaking change; outside this crate they are read, never built with a
//! struct literal:
//!
//! ```compile_fail,E0639
//! use salad_api::models::ContainerGroupQueueAutoscaler;
//! let scaler = ContainerGroupQueueAutoscaler {
//!     min_replicas: 0,
//!     max_replicas: 10,
//!     desired_queue_length: 2,
//!     polling_period: None,
//!     max_upscale_per_minute: None,
//!     max_downscale_per_minute: None,
//! };
//! ```
//!
//! Models you send have a `new` that takes the fields the API requires; the
//! optional ones are set afterwards:
//!
//! ```
//! use salad_api::models::ContainerGroupQueueAutoscaler;
//! let mut scaler = ContainerGroupQueueAutoscaler::new(0, 10, 2);
//! scaler.polling_period = Some(30);
//! assert_eq!(scaler.max_replicas, 10);
//! ```
//!
//! Ids are [`uuid::Uuid`] and timestamps [`time::OffsetDateTime`] (both
//! re-exported): a malformed id cannot be sent, and times compare and
//! convert without string handling.
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `webhooks` | no | `webhooks::Verifier`, which checks the signatures of the job webhooks SaladCloud sends (hmac, sha2, base64) |
//!
//! HTTPS (rustls, no OpenSSL) is always on: the API is only served over it.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[path = "generated/models.rs"]
pub mod models;

mod client;
mod container_groups;
mod inference;
mod jobs;
mod logs;
mod names;
mod organization;
mod paging;
mod queues;
mod wait;
pub mod webhooks;

pub use api_client_transport::bytes::Bytes;
pub use api_client_transport::futures_core::Stream;
pub use api_client_transport::http;
pub use api_client_transport::{
    ApiError, ClientConfig, Error, Patch, ProblemDetails, Proxy, Result, RetryPolicy, Secret,
    TlsConfig, Validate,
};
pub use client::{
    Client, ClientBuilder, Project, API_KEY_ENV, BASE_URL_ENV, DEFAULT_API_KEY_HEADER,
    DEFAULT_BASE_URL,
};
pub use container_groups::ContainerGroups;
pub use inference::InferenceEndpoints;
pub use organization::Organization;
pub use paging::{PageOptions, Paginated};
pub use queues::Queues;
/// The `time` crate, whose `OffsetDateTime` holds the API's timestamps.
pub use time;
/// The `uuid` crate, whose `Uuid` holds the API's ids.
pub use uuid;
pub use wait::{WaitError, WaitOptions};

/// Runs the examples of README.md as doctests, so the README cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_key_is_required_and_trimmed() {
        let err = Client::builder_from(|_| None).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == API_KEY_ENV),
            "{err}"
        );
        let err = Client::builder_from(|_| Some("  ".into())).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == API_KEY_ENV),
            "{err}"
        );
        let client = Client::builder_from(|name| match name {
            API_KEY_ENV => Some(" k ".into()),
            BASE_URL_ENV => Some("http://127.0.0.1:9/api/".into()),
            _ => None,
        })
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9/api");
    }

    #[test]
    fn types_are_send_and_sync() {
        fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
        check::<Client>();
        check::<Project>();
        check::<ContainerGroups>();
        check::<Queues>();
        check::<Organization>();
        check::<InferenceEndpoints>();
        check::<PageOptions>();
        check::<models::QueueJob>();
        check::<models::CreateQueueJob>();
        #[cfg(feature = "webhooks")]
        check::<webhooks::Verifier>();
        fn send<T: Send>() {}
        send::<Paginated<models::QueueJob>>();
        check::<WaitOptions>();
        check::<Secret>();
        check::<models::CreateContainerGroup>();
        check::<models::UpdateContainerGroup>();
    }

    #[test]
    fn builder_rejects_bad_settings() {
        let err = Client::builder("k")
            .api_key_header("bad header")
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "api_key_header"),
            "{err}"
        );
        let err = Client::builder("").build().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "api_key"),
            "{err}"
        );
        let err = Client::builder("k")
            .base_url("ftp://x")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
        let debug = format!("{:?}", Client::builder("super-secret"));
        assert!(!debug.contains("super-secret"), "{debug}");
    }
}
