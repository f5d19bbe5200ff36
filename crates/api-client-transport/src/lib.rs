//! The shared transport of the workspace's API clients.
//!
//! One [`Client`] per API, built over hyper 1 from a [`ClientConfig`] (base
//! URL for `http`, `https` or a `unix` socket, timeouts, a [`RetryPolicy`],
//! limits, the validation switch, an optional [`Dialer`]) plus default
//! headers. Every API crate's builder wraps the same `ClientConfig`. API
//! crates describe each call as a [`Request`] (method, path segments, query,
//! headers, body) and consume the [`Response`] as JSON, bytes, a
//! [`ByteStream`] or, for hijacking endpoints, an [`Upgraded`] connection.
//! Every failure is one [`Error`], which says whether the request may have
//! reached the server and whether it is worth retrying.
//!
//! ```no_run
//! # async fn run() -> api_client_transport::Result<()> {
//! use std::time::Duration;
//! use api_client_transport::{Client, Request, RetryPolicy, Secret};
//!
//! let key = Secret::new(std::env::var("API_KEY").unwrap_or_default());
//! let client = Client::builder("https://api.example.com/v1")
//!     .secret_header(api_client_transport::http::HeaderName::from_static("x-api-key"), &key)
//!     .timeout(Duration::from_secs(20))
//!     .retry(RetryPolicy::new(4))
//!     .build()?;
//!
//! #[derive(serde::Deserialize)]
//! struct Thing { name: String }
//! let thing: Thing = client
//!     .send(Request::get(["things", "a/b"]).query(&[("verbose", "true")])?)
//!     .await?
//!     .json()
//!     .await?;
//! println!("{}", thing.name);
//! # Ok(()) }
//! ```
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `https` | yes | `https://` through rustls with the ring provider and the webpki roots, no OpenSSL; [`TlsConfig`] for private CAs and client certificates |
//! | `native-roots` | no | also trust the operating system's root certificates (`TlsConfig::platform_roots`) |
//! | `proxy` | yes | HTTP proxies: [`Proxy`]'s constructors, hyper-util's `NO_PROXY` matcher and `CONNECT` tunnel |
//! | `unix` | no | `unix:///path/to.sock`, dialled by `hyperlocal` (which has no connect timeout of its own: the client bounds it with `connect_timeout`); compiled only on unix targets |
//!
//! Even with `proxy`, no client uses a proxy unless it is given a [`Proxy`].
//! A client crate that never goes through one (a metadata service, a local
//! daemon) leaves the feature off, and its users do not compile it.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod config;
mod connector;
mod dialer;
mod direct;
mod ecma;
mod error;
pub mod paging;
mod patch;
mod private;
mod problem;
mod proxy;
mod request;
mod response;
mod retry;
mod secret;
mod setters;
mod tls;
mod unknown;
pub mod validate;

/// Helpers for generated code only; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::private::*;
}

pub use bytes;
pub use futures_core;
pub use http;

pub use client::{Client, ClientBuilder, ErrorParser};
pub use config::{ClientConfig, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_FRAME_BYTES};
pub use dialer::{BoxedStream, DialedStream, Dialer};
pub use error::{ApiError, ApiErrorBody, BoxError, Error, ErrorMessage, Result, MAX_ERROR_BODY};
pub use patch::Patch;
pub use problem::ProblemDetails;
pub use proxy::Proxy;
pub use request::Request;
pub use response::{decode_json, ByteStream, Response, ResponseHead, Upgraded};
pub use retry::RetryPolicy;
pub use secret::Secret;
#[cfg(feature = "https")]
pub use tls::TlsConfig;
pub use tls::TlsFailure;
pub use unknown::UnknownValue;
pub use validate::Validate;
