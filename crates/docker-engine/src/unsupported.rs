//! The typed "not supported by this daemon" error of the swarm, plugin and session
//! calls.
//!
//! Podman speaks the Docker API without swarm mode or managed plugins: it answers
//! `/swarm`, `/services`, `/nodes` and friends with a `404 Not Found` in plain text,
//! or a `503` saying "Podman does not support service", and `/plugins` with a
//! `404` saying the path "is not supported". Without this mapping a caller would
//! see a bare 404 (read as "no such service") or a 503 (read as "try again").
//! These answers become an [`Error::Api`] whose code is [`NOT_SUPPORTED`], and
//! [`DaemonErrorExt::not_supported`] reads them back as a [`NotSupported`].

use api_client_transport::http::StatusCode;
use api_client_transport::{ApiError, Error, ErrorMessage};

/// The [`ApiError::code`] of an answer saying the daemon does not implement the
/// operation at all (as opposed to "no such object" or "not a swarm manager").
pub const NOT_SUPPORTED: &str = "docker_engine.not_supported";

/// The daemon does not implement an operation: Podman has no swarm mode and no
/// managed plugins. Read from an [`Error`] with [`DaemonErrorExt::not_supported`].
///
/// The status stays the daemon's own (a `503` one is still
/// [`Error::is_retryable`], as the core reads statuses; only reads are resent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} is not supported by this daemon (status {status}): {message}")]
#[non_exhaustive]
pub struct NotSupported {
    /// The request, e.g. `GET /v1.41/swarm`.
    pub operation: String,
    /// The status the daemon answered with (404, 501 or 503).
    pub status: u16,
    /// What the daemon said.
    pub message: String,
}

/// Readings of an [`Error`] specific to the Docker daemon.
pub trait DaemonErrorExt {
    /// The daemon does not implement the operation (see [`NotSupported`]).
    fn not_supported(&self) -> Option<NotSupported>;

    /// Whether the daemon does not implement the operation.
    fn is_not_supported(&self) -> bool {
        self.not_supported().is_some()
    }
}

impl DaemonErrorExt for Error {
    fn not_supported(&self) -> Option<NotSupported> {
        let api = self.api()?;
        if api.code() != Some(NOT_SUPPORTED) {
            return None;
        }
        Some(NotSupported {
            operation: format!("{} {}", api.method(), api.path()),
            status: api.status().as_u16(),
            message: api.message().to_string(),
        })
    }
}

/// Whether a failure answer of a swarm, plugin or session call means "this daemon
/// has no such API" rather than "no such object".
fn means_unsupported(api: &ApiError) -> bool {
    let message = api.message();
    let lower = message.to_ascii_lowercase();
    let said = lower.contains("does not support") || lower.contains("is not supported");
    match api.status() {
        StatusCode::NOT_IMPLEMENTED => true,
        StatusCode::SERVICE_UNAVAILABLE => said,
        // dockerd's 404s on these paths are JSON `{"message": "... not found"}`;
        // a body that is not such an object means the route itself is unknown.
        StatusCode::NOT_FOUND => said || !is_json_message(api.body()),
        _ => false,
    }
}

fn is_json_message(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Body {
        #[allow(dead_code)]
        message: String,
    }
    serde_json::from_slice::<Body>(body).is_ok()
}

/// Marks an answer that says the daemon lacks the API with [`NOT_SUPPORTED`];
/// any other error is returned as it is.
pub(crate) fn mark(error: Error) -> Error {
    let Error::Api(api) = error else {
        return error;
    };
    if !means_unsupported(&api) {
        return Error::Api(api);
    }
    let said = api.message().trim();
    let said = if said.is_empty() {
        api.status().canonical_reason().unwrap_or("no message")
    } else {
        said
    };
    let message = format!("this daemon does not implement this API ({said})");
    let marked = ApiError::new(
        api.status(),
        api.method().clone(),
        api.path().to_string(),
        api.body().clone(),
    )
    .with_message(ErrorMessage {
        code: Some(NOT_SUPPORTED.to_string()),
        message,
    });
    Error::Api(Box::new(marked))
}

/// Sends a swarm, plugin or session call, marking "no such API" answers.
#[cfg(any(feature = "swarm", feature = "plugins"))]
pub(crate) async fn send(
    docker: &crate::Docker,
    request: api_client_transport::Request,
) -> api_client_transport::Result<api_client_transport::Response> {
    docker.send(request).await.map_err(mark)
}

/// Sends a call whose body holds a secret (a join token, a secret's content):
/// a failure answer is never kept, as it may quote the body back. A "no such
/// API" answer is still marked, with the daemon's words left out.
#[cfg(feature = "swarm")]
pub(crate) async fn send_sensitive(
    docker: &crate::Docker,
    request: api_client_transport::Request,
) -> api_client_transport::Result<api_client_transport::Response> {
    docker.send(request).await.map_err(|e| {
        let e = mark(e);
        let Error::Api(api) = &e else {
            return e.redact_body();
        };
        if api.code() != Some(NOT_SUPPORTED) {
            return e.redact_body();
        }
        let status = api.status();
        let marked = ApiError::new(
            status,
            api.method().clone(),
            api.path().to_string(),
            Default::default(),
        )
        .with_message(ErrorMessage {
            code: Some(NOT_SUPPORTED.to_string()),
            message: format!(
                "this daemon does not implement this API ({})",
                status.canonical_reason().unwrap_or("no reason")
            ),
        });
        Error::Api(Box::new(marked))
    })
}

/// Refuses an empty id or name before anything is sent.
#[cfg(any(feature = "swarm", feature = "plugins"))]
pub(crate) fn non_empty(field: &str, value: &str) -> api_client_transport::Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}
