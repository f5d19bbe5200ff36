//! Client for the SaladCloud instance metadata service (IMDS): what code running
//! inside a container on a SaladCloud node asks the node about itself.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use salad_imds::ImdsClient;
//!
//! let imds = ImdsClient::new()?; // http://169.254.169.254, or $SALAD_IMDS_URL
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
//! - **Base URL**: [`DEFAULT_BASE_URL`] (`http://169.254.169.254`), or the
//!   environment variable [`BASE_URL_ENV`] (`SALAD_IMDS_URL`) when set and not
//!   empty, or [`ImdsClientBuilder::base_url`], which wins over both.
//! - **Header**: every request carries `Metadata: true`; the service refuses
//!   requests without it.
//! - **No proxy, ever**: `HTTP_PROXY`, `http_proxy`, `ALL_PROXY`, `NO_PROXY` and
//!   friends are ignored (the transport, `api-client-transport`, never uses a proxy). The
//!   service only exists on the node itself, and a proxy would see the token.
//! - **Cold start**: short timeouts (2 s to connect, 5 s per answer) and
//!   retries with backoff on connect failures, timeouts, 429 and 5xx
//!   ([`default_retry_policy`]), because a container may start before the
//!   node's service answers. The `POST` operations are retried too: asking
//!   twice to restart or move the same instance does what asking once does.
//! - **Errors** are [`api_client_transport::Error`]. When the service answers with a problem
//!   body, the `ApiError` carries its code (snake_case, e.g. `container_not_found`,
//!   from either the old shape, where the code is in `type`, or the current one,
//!   with `code` and a URL in `type`) and its message; [`problem_kind`] and
//!   [`Problem::from_error`](models::Problem::from_error) give the details.
//! - **Validation**: the reallocation reason must be 1 to 1000 characters; a
//!   bad one fails with `Error::InvalidInput` before anything is sent.
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

mod client;
mod problem;
mod token;

/// Request and response bodies of the service, generated from this crate's
/// `openapi.json` by `cargo xtask codegen`.
#[path = "generated/models.rs"]
pub mod models;

pub use api_client_transport::{Error, Result, RetryPolicy, Secret};
pub use client::{
    default_retry_policy, ImdsClient, ImdsClientBuilder, WaitError, BASE_URL_ENV, DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT, RETRY_STATUSES,
};
pub use models::{Problem, Status};
pub use problem::{problem_kind, ProblemKind};
pub use token::{Claims, ClaimsError, IdentityToken, JwtHeader, JwtPart};

// Compiles the README's example as a doctest, so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
