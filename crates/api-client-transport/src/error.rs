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
///
/// Each variant either prints a cause or returns it from `source()`, never
/// both, so a report that walks the chain (as `anyhow` and `eyre` do) says
/// each cause once: print the chain to see, say, the OS error under
/// [`Error::Connect`] or serde's message under [`Error::Decode`].
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
    #[error("could not connect to {endpoint}")]
    Connect {
        /// Host and port, or the unix socket path.
        endpoint: String,
        /// What the operating system or TLS layer said.
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
        /// The error as rustls and hyper gave it, returned by `source()`;
        /// `Display` prints [`failure`](Self::Tls::failure), its reading.
        source: BoxError,
    },
    /// The answer (its head, or the whole body of a buffered call) did not
    /// arrive in time, or a stream stayed silent too long.
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
    #[error(
        "{method} {path}: could not decode the answer at `{json_path}` (body starts: {snippet:?})"
    )]
    Decode {
        /// Method of the request.
        method: Method,
        /// Path of the request, relative to the base URL.
        path: String,
        /// Where in the JSON document decoding failed, e.g. `items[3].state`
        /// (`.` for the whole document). Keys are the server's, so each is
        /// escaped (`escape_debug`) and cut to 256 characters, and the whole
        /// path to 1 KiB; a cut shows as `…`.
        json_path: String,
        /// The start of the body, at most 256 characters.
        snippet: String,
        /// What serde said, returned by `source()`.
        source: serde_json::Error,
    },
    /// The connection failed after it was made, before a response head arrived.
    #[error("{method} {path}: the connection failed")]
    Transport {
        /// Method of the request.
        method: Method,
        /// Path of the request, relative to the base URL.
        path: String,
        /// What hyper said.
        source: BoxError,
    },
    /// A response body broke off or carried an error while it was read.
    #[error("{method} {path}: the response stream failed")]
    Stream {
        /// Method of the request.
        method: Method,
        /// Path of the request, relative to the base URL.
        path: String,
        /// Why the stream failed.
        source: BoxError,
    },
    /// An answer, or one frame or line of a stream, is bigger than the
    /// client accepts; the connection was dropped without reading the rest.
    #[error(
        "{method} {path}: the answer is over the {limit} limit of {max} bytes \
         (raise ClientConfig::{limit} to accept it)"
    )]
    Limit {
        /// Method of the request.
        method: Method,
        /// Path of the request, relative to the base URL.
        path: String,
        /// The [`ClientConfig`](crate::ClientConfig) field that sets the
        /// limit, e.g. `max_body_bytes` or `max_frame_bytes`.
        limit: &'static str,
        /// The limit in bytes.
        max: usize,
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

    /// Whether the server answered `404 Not Found`.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the server answered `409 Conflict`.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }

    /// Whether the server answered `401 Unauthorized` (missing or bad credentials).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// Whether the server answered `403 Forbidden` (credentials without the right).
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN)
    }

    /// Whether the server answered `429 Too Many Requests`; see
    /// [`ApiError::retry_after`] for how long it asked to wait.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// The RFC 9457 problem document of a failed call ([`Error::Api`] whose
    /// body is one), as both SaladCloud APIs send; `None` for any other error
    /// or body (an HTML page from a proxy keeps only its status and message).
    pub fn problem(&self) -> Option<crate::ProblemDetails> {
        self.api().and_then(ApiError::problem)
    }

    /// Whether the client gave up waiting ([`Error::Timeout`]): for an answer's
    /// head, a buffered body, or a silent stream. A server's own `408` or
    /// `504` is an [`Error::Api`] instead.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// The same error without a byte of the answer's body: a decode error
    /// loses its snippet and serde's message (which may quote a value); an API
    /// error loses its raw body, its message and its code (a failed log-in may
    /// still echo the credentials). Other errors hold no body and are returned
    /// as they are. The client applies it to decode errors of a request marked
    /// [`sensitive`](crate::Request::sensitive), to failure answers of one
    /// marked [`sensitive_errors`](crate::Request::sensitive_errors), and to
    /// any answer that echoes one of its secret header values. API crates
    /// apply it to errors they build from a sensitive answer themselves (an
    /// error code inside a `200` log-in answer that also holds the token).
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
            Error::Api(api) => Error::Api(Box::new(api.redacted())),
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
    /// The start of the body: at most the client's
    /// [`max_error_body_bytes`](crate::ClientConfig::max_error_body_bytes)
    /// (by default [`MAX_ERROR_BODY`]).
    pub body: &'a [u8],
}

/// A failure status from the server, with its message and the (bounded) raw body.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{method} {path} failed with {status}{code}: {message}", code = CodeTag(.code))]
pub struct ApiError {
    status: StatusCode,
    method: Method,
    path: String,
    message: String,
    code: Option<String>,
    body: Bytes,
    retry_after: Option<Duration>,
    /// The problem document read from a body longer than the kept one.
    problem: Option<Box<crate::ProblemDetails>>,
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
            problem: None,
        }
    }

    /// Keeps a problem document read from the whole body when the kept body
    /// is cut short. Extension members are kept while they fit in
    /// [`MAX_ERROR_BODY`] bytes of JSON, so an error stays small whatever
    /// the server sent.
    pub(crate) fn with_problem(mut self, problem: Option<crate::ProblemDetails>) -> Self {
        self.problem = problem.map(|mut p| {
            let mut room = MAX_ERROR_BODY;
            p.extensions.retain(|name, value| {
                let size = name.len() + value.to_string().len();
                let keep = size <= room;
                if keep {
                    room -= size;
                }
                keep
            });
            Box::new(p)
        });
        self
    }

    /// Replaces the message and code with what the API's own parser read.
    pub fn with_message(mut self, message: ErrorMessage) -> Self {
        if !message.message.is_empty() {
            self.message = message.message;
        }
        self.code = message.code;
        self
    }

    /// Without body, message or code: for answers that may hold secrets.
    fn redacted(self) -> Self {
        ApiError {
            message: format!(
                "{} (the answer is withheld: it may hold secrets)",
                self.status.canonical_reason().unwrap_or("no reason")
            ),
            code: None,
            body: Bytes::new(),
            problem: None,
            ..self
        }
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

    /// The body read as an RFC 9457 problem document, if it is one. For a
    /// body longer than the kept [`MAX_ERROR_BODY`] bytes, the document read
    /// when the error was made (see
    /// [`max_error_body_bytes`](crate::ClientConfig::max_error_body_bytes)).
    pub fn problem(&self) -> Option<crate::ProblemDetails> {
        match &self.problem {
            Some(p) => Some((**p).clone()),
            None => crate::ProblemDetails::from_body(&self.body),
        }
    }

    /// How long the server asked the client to wait (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

/// ` [code]` after the status when the API gave a code, else nothing.
struct CodeTag<'a>(&'a Option<String>);

impl fmt::Display for CodeTag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => write!(f, " [{code}]"),
            None => Ok(()),
        }
    }
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
    let reason = status.canonical_reason().unwrap_or("no message");
    // An HTML page is a proxy's or a load balancer's, not the API's: its markup
    // says nothing a caller can use, so the status stands with a short note.
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    if start.is_some_and(|i| body[i] == b'<') {
        return format!("{reason} (the answer was an HTML page, not the API's)");
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    fn chain(err: &Error) -> Vec<String> {
        let mut out = vec![err.to_string()];
        let mut cause = err.source();
        while let Some(e) = cause {
            out.push(e.to_string());
            cause = e.source();
        }
        out
    }

    #[test]
    fn every_variant_says_each_cause_once() {
        let io = || -> BoxError {
            Box::new(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "connection refused by the peer",
            ))
        };
        let serde = serde_json::from_str::<u32>("\"x\"").unwrap_err();
        let serde_text = serde.to_string();
        let cases = [
            Error::invalid("name", "must not be empty"),
            Error::Connect {
                endpoint: "127.0.0.1:1".into(),
                source: io(),
            },
            Error::Tls {
                host: "example.com".into(),
                failure: crate::TlsFailure::UnknownIssuer,
                source: io(),
            },
            Error::Timeout {
                method: Method::GET,
                path: "/a".into(),
                after: Duration::from_secs(1),
            },
            Error::from(ApiError::new(
                StatusCode::CONFLICT,
                Method::POST,
                "/a",
                Bytes::from_static(br#"{"message":"name taken"}"#),
            )),
            Error::Decode {
                method: Method::GET,
                path: "/a".into(),
                json_path: "items[0]".into(),
                snippet: "\"x\"".into(),
                source: serde,
            },
            Error::Transport {
                method: Method::GET,
                path: "/a".into(),
                source: io(),
            },
            Error::Stream {
                method: Method::GET,
                path: "/a".into(),
                source: io(),
            },
            Error::Limit {
                method: Method::GET,
                path: "/a".into(),
                limit: "max_body_bytes",
                max: 10,
            },
        ];
        for err in &cases {
            let links = chain(err);
            for pair in links.windows(2) {
                assert!(!pair[0].contains(&pair[1]), "{links:?}");
            }
            match err {
                Error::Connect { .. }
                | Error::Tls { .. }
                | Error::Transport { .. }
                | Error::Stream { .. } => {
                    assert_eq!(links.last().unwrap(), "connection refused by the peer")
                }
                Error::Decode { .. } => assert_eq!(links[1], serde_text),
                _ => assert_eq!(links.len(), 1, "{links:?}"),
            }
        }
        assert_eq!(
            cases[4].to_string(),
            "POST /a failed with 409 Conflict: name taken"
        );
        let coded = ApiError::new(StatusCode::CONFLICT, Method::POST, "/a", Bytes::new())
            .with_message(ErrorMessage {
                code: Some("E42".into()),
                message: "taken".into(),
            });
        assert_eq!(
            coded.to_string(),
            "POST /a failed with 409 Conflict [E42]: taken"
        );
    }
}
