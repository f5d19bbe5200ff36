//! Client for the SaladCloud instance metadata service (IMDS): what code running
//! inside a container on a SaladCloud node asks the node about itself.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use salad_imds::ImdsClient;
//!
//! let imds = ImdsClient::from_env()?; // $SALAD_IMDS_URL, else http://169.254.169.254
//!
//! // Wait (at most a minute) until the node says the container is ready.
//! imds.wait_until_ready(Duration::from_secs(60)).await?;
//!
//! // Who am I? The token itself prints as `***`.
//! let token = imds.token().await?;
//! let claims = token.claims()?; // NOT verified: a hint, not proof
//! println!("machine {:?}, expired: {}", claims.machine_id(), claims.is_expired());
//!
//! // Keep this instance when the group scales down while it works.
//! imds.set_deletion_cost(1000).await?;
//! # Ok(()) }
//! ```
//!
//! # Operations
//!
//! | method | request | upstream names |
//! | --- | --- | --- |
//! | [`ImdsClient::status`] | `GET /v1/status` | `get_status`, `get_container_status` |
//! | [`ImdsClient::token`] | `GET /v1/token` | `get_token`, `get_container_token` |
//! | [`ImdsClient::reallocate_container`] | `POST /v1/reallocate` | `reallocate`, `reallocate_container` |
//! | [`ImdsClient::recreate_container`] | `POST /v1/recreate` | `recreate` |
//! | [`ImdsClient::restart_container`] | `POST /v1/restart` | `restart` |
//! | [`ImdsClient::deletion_cost`] | `GET /v1/deletion-cost` | `get_deletion_cost` |
//! | [`ImdsClient::set_deletion_cost`] | `PUT /v1/deletion-cost` | `replace_deletion_cost` |
//! | [`ImdsClient::wait_until_ready`] | polls `GET /v1/status` | (ours) |
//!
//! # Behaviour
//!
//! - **Shape**: [`ImdsClient::builder`] and [`ImdsClient::from_env`] like
//!   every client of this family, over the shared [`ClientConfig`] (same knob
//!   names: `timeout`, `connect_timeout`, `retry`, `max_body_bytes`, ...).
//! - **Base URL**: [`DEFAULT_BASE_URL`] (`http://169.254.169.254`);
//!   [`ImdsClient::from_env`] reads [`BASE_URL_ENV`] (`SALAD_IMDS_URL`) when set
//!   and not empty; [`ImdsClientBuilder::base_url`] sets it.
//! - **Header**: every request carries `Metadata: true`; the service refuses
//!   requests without it. The User-Agent is `salad-imds/<version>`.
//! - **No proxy, ever**: `HTTP_PROXY`, `http_proxy`, `ALL_PROXY`, `NO_PROXY` and
//!   friends are ignored, and the builder has no proxy knob. The service only
//!   exists on the node itself, and a proxy would see the token.
//! - **Deadlines and limits**: 2 s to connect and 5 s per attempt, covering
//!   the answer's head and whole body ([`DEFAULT_CONNECT_TIMEOUT`],
//!   [`DEFAULT_TIMEOUT`]); answers over 32 MiB fail with [`Error::Limit`].
//! - **Retries**: the default [`RetryPolicy`] (3 attempts on connect failures,
//!   timeouts, 429, 502, 503 and 504) for the reads and the deletion-cost
//!   `PUT`. The instance actions (reallocate, recreate, restart) follow the
//!   same rule as in salad-api: they are resent only when they cannot have
//!   had an effect (no connection was made, or 429), since a second restart is
//!   a second disruption. A cold start is waited out with
//!   [`ImdsClient::wait_until_ready`].
//! - **Errors** are [`Error`]. When the service answers with a problem body
//!   (the core's [`ProblemDetails`], also used by salad-api), the error
//!   carries its code (snake_case, e.g. `container_not_found`, from either the
//!   old shape, where the code is in `type`, or the current one, with `code`
//!   and a URL in `type`) and its message; [`problem_kind`] and
//!   [`Error::problem`] give the details; [`Error::is_not_found`] and friends
//!   sort errors. Problem bodies up to [`DEFAULT_MAX_ERROR_BODY_BYTES`]
//!   (1 MiB; the builder's `max_error_body_bytes` changes it) keep all of
//!   this, although the raw body kept in the error is cut to 64 KiB.
//! - **Validation**: the reallocation reason must be 1 to 1000 characters; a
//!   bad one fails with `Error::InvalidInput` before anything is sent, unless
//!   the builder's `validate_requests(false)` turns the local checks off.
//!
//! # The identity token
//!
//! [`ImdsClient::token`] returns an [`IdentityToken`], which never shows in
//! `Debug` or `Display` output (it prints `***`); [`IdentityToken::expose`]
//! gives the raw JWT to send to another service. [`IdentityToken::claims`]
//! decodes its claims: `sub` (the machine id), `aud` (the organization id),
//! `iat`, `nbf`, `exp` and every `salad_*` claim.
//!
//! **The claims are decoded without verifying the signature.** Anyone can
//! forge a token with any claims; only a service that checks the signature
//! against SaladCloud's published key set may trust them. Inside the container
//! they are useful for logs and for knowing when to fetch a fresh token
//! ([`Claims::is_expired`], [`Claims::expires_in`]).
//!
//! # Stability of the models
//!
//! Answer models are `#[non_exhaustive]`, so a field the service adds later is
//! not a breaking change; outside this crate they are read, never built with a
//! struct literal:
//!
//! ```compile_fail,E0639
//! let cost = salad_imds::models::DeletionCost { deletion_cost: 5 };
//! ```
//!
//! Models you send have a `new` that takes the required fields:
//!
//! ```
//! let cost = salad_imds::models::DeletionCost::new(5);
//! assert_eq!(cost.deletion_cost, 5);
//! ```
//!
//! # Cargo features
//!
//! - `worker` (off by default): [`worker::Worker`], the SaladCloud job-queue
//!   worker in process (gRPC through tonic and prost, TLS through rustls).
//!
//! Without it the metadata service is plain HTTP on a link-local address, so
//! the crate compiles no TLS stack, no gRPC, and never uses a proxy.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod problem;
mod token;
#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub mod worker;

/// Request and response bodies of the service, generated from this crate's
/// `openapi.json` by `cargo xtask codegen`.
#[path = "generated/models.rs"]
pub mod models;

pub use api_client_transport::{ClientConfig, Error, ProblemDetails, Result, RetryPolicy, Secret};
pub use client::{
    ImdsClient, ImdsClientBuilder, WaitError, BASE_URL_ENV, DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ERROR_BODY_BYTES, DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT,
};
pub use models::Status;
pub use problem::{problem_kind, ProblemKind};
pub use token::{Claims, ClaimsError, IdentityToken, JwtHeader, JwtPart};

// Compiles the README's example as a doctest, so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
