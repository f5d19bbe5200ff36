//! A typed async client for the container groups of the
//! [SaladCloud](https://salad.com) public API.
//!
//! ```no_run
//! use salad_api::Client;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Reads SALAD_API_KEY (and SALAD_API_BASE_URL, if set).
//! let client = Client::from_env()?;
//! let groups = client.project("acme-corp", "dev-env")?.container_groups();
//! for group in groups.list().await?.items {
//!     println!("{} {:?} ({} replicas)", group.name, group.current_state.status, group.replicas);
//!     for instance in groups.list_instances(&group.name).await?.instances {
//!         println!("  {} {:?}", instance.id, instance.state);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Every container-group operation of the API is here: [`ContainerGroups`]
//! lists, creates, reads, changes, starts, stops and deletes groups, reads
//! their system logs, and lists, reads, changes, reallocates, recreates and
//! restarts their instances. Searching these docs for an operation name of the
//! official SDKs (`list_container_groups`, `get_container_group_instance`, ...)
//! finds the method that implements it.
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
//! from 200 ms, `Retry-After` honoured up to 60 s) applies as follows:
//!
//! | call | retried on 429, 502, 503, 504, timeouts, dropped connections | why |
//! | --- | --- | --- |
//! | reads (`list`, `get`, `system_logs`, `list_instances`, `get_instance`) | yes | no effect on the server |
//! | `update`, `update_instance` (merge patch) | yes | the same patch applied twice is applied once |
//! | `start`, `stop` | yes | starting a running group, or stopping a stopped one, changes nothing |
//! | `delete` | yes | deleting twice leaves the group deleted; a retry after a lost answer may report 404 |
//! | `create` | only 429 and failed connections | after a timeout or a 5xx the group may exist; a blind resend would fail on the taken name and hide the success |
//! | `reallocate_instance`, `recreate_instance`, `restart_instance` | only 429 and failed connections | each disrupts the workload; a second one is a second disruption |
//!
//! A 429 is always safe to resend: the server rejected the request without
//! acting on it. So is a request whose connection could not be made.
//!
//! # Errors
//!
//! A failure status becomes [`Error::Api`], whose message is read from the
//! server's RFC 9457 problem document (`title: detail`) and whose code is the
//! problem `type`. [`ProblemExt::problem`] returns the whole document, typed.
//! When a proxy answers with an HTML page instead, the page title takes the
//! place of the problem title, so the message still says what happened.
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
//! group fails.
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

#[path = "generated/models.rs"]
pub mod models;

mod client;
mod container_groups;
mod names;
mod problem;
mod wait;

pub use api_client_transport::{ApiError, Error, Patch, Result, RetryPolicy, Secret, Validate};
pub use client::{
    Client, ClientBuilder, Project, API_KEY_ENV, BASE_URL_ENV, DEFAULT_API_KEY_HEADER,
    DEFAULT_BASE_URL,
};
pub use container_groups::ContainerGroups;
pub use problem::ProblemExt;
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
