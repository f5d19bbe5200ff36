//! The one error type of every client in the workspace.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

/// A boxed error source, as kept by [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The result type of this crate and of the clients built on it.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Most bytes of an error body kept in an [`ApiError`].
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// Most characters of a body quoted in an error message.
const SNIPPET_CHARS: usize = 256;

/// What went wrong with a call, and whether the request may have reached the server.
///
/// No variant ever holds an API key or a token: secrets live only in
/// sensitive header values, which are not part of any error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was rejected before anything was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The parameter or field path that is wrong, e.g. `container.resources.cpu`.
        field: String,
        /// The rule it breaks.
        reason: String,
    },
    /// No connection could be made; the server has seen nothing.
    #[error("could not connect to {endpoint}: {}", root_cause(.source))]
    Connect {
        /// Host and port, or the unix socket path.
        endpoint: String,
        /// What the operating system or TLS layer said.
        #[source]
        source: BoxError,
    },
    /// A TLS handshake failed on a certificate: the server's (unknown issuer,
    /// name mismatch, expired, ...) or this client's. Never retried: trying
    /// again cannot change the answer. The server has processed nothing.
    #[error("TLS with {host} failed: {failure}")]
    Tls {
        /// The host name the certificate was checked against.
        host: String,
        /// What was wrong, in the terms a person fixes it in.
        failure: crate::tls::TlsFailure,
        /// What rustls said.
        #[source]
        source: BoxError,
    },
    /// No response head arrived in time, or a stream stayed silent too long.
    #[error("{method} {path}: no answer within {after:?}")]
    Timeout {
        /// Method of the request.
        method: Method,
        /// Path of the request, relative to the base URL.
        path: String,
        /// The bound that was exceeded.
        after: Duration,
    },
    /// The server answered with a status that is not a success.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The server answered with a body that does not fit the expected type.
    #[error("{method} {path}: could not decode the answer at `{json_path}`: {source} (body starts: {snippet:?})")]
    Decode {
        /// Method of the request.
        method: Method,
        /// Path of the request, relative to the base URL.
        path: String,
        /// Where in the JSON document decoding failed, e.g. `items[3].state`.
        json_path: String,
        /// The start of the body, at most 256 characters.
        snippet: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// The connection failed after it was made, before a response head arrived.
    #[error("{method} {path}: the connection failed: {}", root_cause(.source))]
    Transport {
        /// Method of the request.
        method: Method,
        /// Path of the request, relative to the base URL.
        path: String,
        /// What hyper said.
        #[source]
        source: BoxError,
    },
    /// A response body broke off or carried an error while it was read.
    #[error("{method} {path}: the response stream failed: {}", root_cause(.source))]
    Stream {
        /// Method of the request.
        method: Method,
        /// Path of the request, relative to the base URL.
        path: String,
        /// Why the stream failed.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// An [`Error::InvalidInput`] naming the field and the rule it breaks.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(ApiError::status)
    }

    /// The API error, when the server answered with a failure status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether trying the same call again may succeed: connect failures,
    /// timeouts, dropped connections, and 408, 429, 502, 503 and 504.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Api(e) => matches!(e.status.as_u16(), 408 | 429 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// The same error without a byte of a successful answer's body: a decode
    /// error loses its snippet and serde's message (which may quote a value);
    /// other errors are returned as they are (an error status's body is the
    /// server's complaint, not the secret it would have sent). For answers
    /// that carry secrets; see [`Request::sensitive`](crate::Request::sensitive).
    pub fn redact_body(self) -> Self {
        match self {
            Error::Decode {
                method,
                path,
                json_path,
                source,
                ..
            } => {
                let what = format!(
                    "{:?} error at line {} column {} (details withheld: the answer is sensitive)",
                    source.classify(),
                    source.line(),
                    source.column()
                );
                Error::Decode {
                    method,
                    path,
                    json_path,
                    snippet: "<withheld>".to_string(),
                    source: <serde_json::Error as serde::de::Error>::custom(what),
                }
            }
            other => other,
        }
    }

    /// Whether the request may have reached the server (and so had an effect).
    pub fn may_have_reached_server(&self) -> bool {
        !matches!(
            self,
            Error::InvalidInput { .. } | Error::Connect { .. } | Error::Tls { .. }
        )
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

/// The server's own account of an error, as read by an API's error parser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorMessage {
    /// A machine-readable code (a problem `type`, an envelope `code`), if the API has one.
    pub code: Option<String>,
    /// A human-readable message.
    pub message: String,
}

/// What an API's error parser gets to look at.
#[derive(Debug, Clone, Copy)]
pub struct ApiErrorBody<'a> {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: &'a HeaderMap,
    /// The start of the body (at most [`MAX_ERROR_BODY`] bytes).
    pub body: &'a [u8],
}

/// A failure status from the server, with its message and the (bounded) raw body.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    method: Method,
    path: String,
    message: String,
    code: Option<String>,
    body: Bytes,
    retry_after: Option<Duration>,
}

impl ApiError {
    /// An API error for `status`, with a message guessed from the body: a
    /// common JSON message field, else the start of the body as text, else the
    /// status's reason phrase. The body is cut to [`MAX_ERROR_BODY`] bytes.
    pub fn new(status: StatusCode, method: Method, path: impl Into<String>, body: Bytes) -> Self {
        let body = if body.len() > MAX_ERROR_BODY {
            body.slice(..MAX_ERROR_BODY)
        } else {
            body
        };
        let message = guess_message(status, &body);
        ApiError {
            status,
            method,
            path: path.into(),
            message,
            code: None,
            body,
            retry_after: None,
        }
    }

    /// Replaces the message and code with what the API's own parser read.
    pub fn with_message(mut self, message: ErrorMessage) -> Self {
        if !message.message.is_empty() {
            self.message = message.message;
        }
        self.code = message.code;
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The method of the failed request.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path of the failed request, relative to the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The server's message (or the best substitute found).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The server's machine-readable error code, if the API has one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The raw body, at most [`MAX_ERROR_BODY`] bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// How long the server asked the client to wait (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed with {}",
            self.method, self.path, self.status
        )?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ApiError {}

/// The innermost error of a chain: hyper wraps the useful part ("connection
/// refused", "no such file") in layers that only say where it happened.
fn root_cause(error: &BoxError) -> &(dyn std::error::Error + 'static) {
    let mut cause: &(dyn std::error::Error + 'static) = error.as_ref();
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause
}

/// The start of `body` as one line of text, at most 256 characters.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(SNIPPET_CHARS * 4)]);
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    match out.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => {
            out.truncate(cut);
            out.push('…');
            out
        }
        None => out,
    }
}

fn guess_message(status: StatusCode, body: &[u8]) -> String {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body) {
        for key in ["message", "detail", "error", "title"] {
            if let Some(serde_json::Value::String(s)) = map.get(key) {
                if !s.is_empty() {
                    return s.clone();
                }
            }
        }
    }
    let text = snippet(body);
    if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string()
    } else {
        text
    }
}
