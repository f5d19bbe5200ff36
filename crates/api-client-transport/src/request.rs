//! A description of one HTTP call, free of any connection: what API crates build.

use std::fmt;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Everything but RFC 3986's unreserved characters is escaped in a segment, so
/// an id can never add a `/`, `?`, `#` or `%` to the path.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A request body stream, as given to [`Request::stream`].
pub(crate) type BodyStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// The body of a request.
pub(crate) enum Body {
    Empty,
    Bytes(Bytes),
    /// Taken on the first attempt: a streamed body can be sent only once.
    Stream(Option<BodyStream>),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Body::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// One HTTP call: method, path, query, headers and body.
///
/// Paths are built from segments, each percent-encoded on its own, so a value
/// such as `a/../b?c#d` stays one segment:
///
/// ```
/// use api_client_transport::Request;
/// let req = Request::get(["containers", "a/../b?c#d", "json"])
///     .query(&[("all", "true")])
///     .unwrap();
/// assert_eq!(req.path(), "/containers/a%2F..%2Fb%3Fc%23d/json");
/// assert_eq!(req.query_string(), "all=true");
/// ```
#[derive(Debug)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
    pub(crate) retryable: Option<bool>,
    pub(crate) timeout: Option<Duration>,
    /// `Some(None)`: wait for the head as long as the caller does.
    pub(crate) head_timeout: Option<Option<Duration>>,
    /// `Some(None)`: no bound on silence between chunks.
    pub(crate) idle_timeout: Option<Option<Duration>>,
    pub(crate) streaming: bool,
    pub(crate) dedicated: bool,
    pub(crate) sensitive: bool,
    pub(crate) sensitive_errors: bool,
    /// A problem found while building (a bad header, an empty segment),
    /// reported by `send` before anything is sent.
    pub(crate) invalid: Option<Error>,
    /// The first local validation failure; reported like `invalid` unless the
    /// client was configured not to validate requests.
    pub(crate) validation: Option<Error>,
    /// Values this request carries that none of its errors may quote.
    pub(crate) secrets: SecretValues,
}

/// The byte strings an error of one request must never quote (secrets it
/// carries, in each form an echo may show them in); `Debug` shows only how
/// many there are.
#[derive(Clone, Default)]
pub(crate) struct SecretValues(pub(crate) Vec<Vec<u8>>);

impl fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} values, not shown", self.0.len())
    }
}

impl SecretValues {
    /// Adds `value` as it is and as it appears inside a JSON string (quotes,
    /// backslashes and control characters escaped), if that differs.
    pub(crate) fn add_text(&mut self, value: &str) {
        self.add(value.as_bytes());
        if let Ok(quoted) = serde_json::to_string(value) {
            let escaped = &quoted[1..quoted.len() - 1];
            if escaped != value {
                self.add(escaped.as_bytes());
            }
        }
    }

    /// Adds a header value carrying a secret: the whole value, and for
    /// `Scheme token` values the token (and, for `Basic`, the decoded
    /// `user:password` and the password).
    pub(crate) fn add_header_value(&mut self, value: &[u8]) {
        self.add(value);
        let Some(space) = value.iter().position(|&b| b == b' ') else {
            return;
        };
        let (scheme, token) = (&value[..space], value[space + 1..].trim_ascii());
        self.add(token);
        if scheme.eq_ignore_ascii_case(b"basic") {
            use base64::Engine as _;
            if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token) {
                if let Some(colon) = decoded.iter().position(|&b| b == b':') {
                    self.add(&decoded[colon + 1..]);
                }
                self.add(&decoded);
            }
        }
    }

    /// Adds one value; the empty string is skipped (every text holds it).
    fn add(&mut self, value: &[u8]) {
        if !value.is_empty() && !self.0.iter().any(|v| v == value) {
            self.0.push(value.to_vec());
        }
    }
}

impl Request {
    /// A request to the path made of `segments`, below the client's base URL.
    pub fn new<I, S>(method: Method, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut path = String::new();
        let mut invalid = None;
        for segment in segments {
            let segment = segment.as_ref();
            path.push('/');
            match segment {
                "" => {
                    invalid
                        .get_or_insert_with(|| Error::invalid("path", "a path segment is empty"));
                }
                // Dot segments would be collapsed by the server or a proxy.
                "." => path.push_str("%2E"),
                ".." => path.push_str("%2E%2E"),
                _ => path.extend(utf8_percent_encode(segment, SEGMENT)),
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        Request {
            method,
            path,
            query: String::new(),
            headers: HeaderMap::new(),
            body: Body::Empty,
            retryable: None,
            timeout: None,
            head_timeout: None,
            idle_timeout: None,
            streaming: false,
            dedicated: false,
            sensitive: false,
            sensitive_errors: false,
            invalid,
            validation: None,
            secrets: SecretValues::default(),
        }
    }

    /// A `GET` request.
    pub fn get<I: IntoIterator<Item = S>, S: AsRef<str>>(segments: I) -> Self {
        Self::new(Method::GET, segments)
    }

    /// A `POST` request.
    pub fn post<I: IntoIterator<Item = S>, S: AsRef<str>>(segments: I) -> Self {
        Self::new(Method::POST, segments)
    }

    /// A `PUT` request.
    pub fn put<I: IntoIterator<Item = S>, S: AsRef<str>>(segments: I) -> Self {
        Self::new(Method::PUT, segments)
    }

    /// A `PATCH` request.
    pub fn patch<I: IntoIterator<Item = S>, S: AsRef<str>>(segments: I) -> Self {
        Self::new(Method::PATCH, segments)
    }

    /// A `DELETE` request.
    pub fn delete<I: IntoIterator<Item = S>, S: AsRef<str>>(segments: I) -> Self {
        Self::new(Method::DELETE, segments)
    }

    /// A `HEAD` request.
    pub fn head<I: IntoIterator<Item = S>, S: AsRef<str>>(segments: I) -> Self {
        Self::new(Method::HEAD, segments)
    }

    /// Appends the fields of `query` (a struct, map or list of pairs of scalars)
    /// to the query string; `None` fields are left out when the struct skips them.
    pub fn query<T: Serialize + ?Sized>(mut self, query: &T) -> Result<Self> {
        let encoded = serde_urlencoded::to_string(query)
            .map_err(|e| Error::invalid("query", format!("cannot be encoded: {e}")))?;
        self.push_query(&encoded);
        Ok(self)
    }

    /// Appends one `key=value` pair to the query string.
    pub fn query_pair(mut self, key: &str, value: impl AsRef<str>) -> Self {
        let encoded = serde_urlencoded::to_string([(key, value.as_ref())]).unwrap_or_default();
        self.push_query(&encoded);
        self
    }

    fn push_query(&mut self, encoded: &str) {
        if encoded.is_empty() {
            return;
        }
        if !self.query.is_empty() {
            self.query.push('&');
        }
        self.query.push_str(encoded);
    }

    /// Sets a header, replacing one of the same name.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Declares a secret this request carries (a password in its JSON body,
    /// a token in a query or a header set with [`header`](Self::header)):
    /// no error of this request quotes an answer that echoes it. The raw
    /// value and its JSON-string-escaped form are both looked for; an
    /// answer holding either is withheld from [`Error::Api`] and
    /// [`Error::Decode`] as [`Error::redact_body`] does. Any length counts
    /// (the client's own secret headers skip values under 6 bytes), except
    /// the empty string.
    ///
    /// ```
    /// use api_client_transport::{Request, Secret};
    /// let password = Secret::new("hunter2");
    /// let login = Request::post(["login"])
    ///     .json(&serde_json::json!({ "username": "alice", "password": password }))?
    ///     .secret(&password);
    /// # let _ = login; Ok::<(), api_client_transport::Error>(())
    /// ```
    pub fn secret(mut self, value: &Secret) -> Self {
        self.secrets.add_text(value.expose());
        self
    }

    /// Sets a header that carries a secret (`X-Registry-Auth`, a one-off
    /// `Authorization`): the value is marked sensitive (never printed, never
    /// put in HTTP/2 tables) and no error of this request quotes an answer
    /// that echoes it, nor the token of a `Scheme token` value, nor the
    /// `user:password` inside a `Basic` one. A value that is not a valid
    /// header is reported by `send`, naming the header but not the value.
    pub fn secret_header(mut self, name: HeaderName, value: &Secret) -> Self {
        match HeaderValue::from_str(value.expose()) {
            Ok(mut header) => {
                header.set_sensitive(true);
                self.secrets.add_header_value(header.as_bytes());
                self.secrets.add_text(value.expose());
                self.headers.insert(name, header);
            }
            Err(_) => {
                self.headers.remove(&name);
                self.invalid.get_or_insert_with(|| {
                    Error::invalid(name.as_str(), "the secret is not a valid header value")
                });
            }
        }
        self
    }

    /// Adds a header line, keeping the lines already set under `name` (for
    /// headers a server reads as several lines, not one comma-joined value).
    pub fn append_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// A JSON body, sent as `application/json`.
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Result<Self> {
        self.json_with_content_type(body, "application/json")
    }

    /// A JSON body with another content type, such as `application/merge-patch+json`.
    pub fn json_with_content_type<T: Serialize + ?Sized>(
        self,
        body: &T,
        content_type: &'static str,
    ) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid("body", format!("cannot be encoded as JSON: {e}")))?;
        Ok(self.bytes(bytes, content_type))
    }

    /// A body of bytes, which can be sent again when the request is retried.
    pub fn bytes(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Body::Bytes(body.into());
        self.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        self
    }

    /// A body read from a stream as it is sent, never buffered whole and never retried.
    pub fn stream<S>(mut self, body: S, content_type: &'static str) -> Self
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        self.body = Body::Stream(Some(Box::pin(body)));
        self.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        self
    }

    /// Overrides whether the request may be retried (by default: idempotent methods only).
    pub fn retryable(mut self, yes: bool) -> Self {
        self.retryable = Some(yes);
        self
    }

    /// Overrides the client's per-attempt deadline (head and whole body of a
    /// buffered answer) for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Says the answer will be read as a stream ([`Response::into_stream`](crate::Response::into_stream)):
    /// the head is then bounded by the client's stream head timeout and the
    /// body only by its stream idle timeout, not by the per-attempt deadline.
    pub fn streaming(mut self) -> Self {
        self.streaming = true;
        self
    }

    /// Sends the request on a fresh connection of its own, driven by the
    /// task that reads the answer, and implies [`streaming`](Self::streaming).
    ///
    /// For long answers made of many small chunks (log lines, events, stats)
    /// read on a multi-thread runtime: the pooled connections run as tasks of
    /// their own, so every chunk would wake the reader from another thread and
    /// back. Here the connection is polled inside
    /// [`ByteStream::poll_next`](crate::ByteStream), so each chunk costs one
    /// socket read in the reader's task, whichever runtime it runs on. The
    /// price: a connection is opened (and closed after the answer) for every
    /// such request, and the connection only makes progress while the answer
    /// is polled (an unread stream holds the server back, as TCP would).
    /// Not for [`Client::upgrade`](crate::Client::upgrade), which always uses
    /// the pool.
    pub fn dedicated_connection(mut self, yes: bool) -> Self {
        self.dedicated = yes;
        if yes {
            self.streaming = true;
        }
        self
    }

    /// Overrides how long to wait for the answer's head; `None` waits as long
    /// as the caller does (for `wait`-style calls that answer when something
    /// happens). Implies [`streaming`](Self::streaming).
    pub fn head_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.head_timeout = Some(timeout);
        self.streaming = true;
        self
    }

    /// Overrides the longest silence allowed between two chunks of the
    /// streamed answer; `None` allows any (followed logs, events).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// Marks a successful answer as holding secrets (tokens, credentials):
    /// no byte of it is kept or quoted in any error, e.g. when it does not
    /// decode. Failure answers are still kept (they carry the server's
    /// account of the error) unless they echo one of the client's secret
    /// headers or one of this request's [`secret`](Self::secret)s; see [`sensitive_errors`](Self::sensitive_errors) to withhold
    /// them too.
    pub fn sensitive(mut self, yes: bool) -> Self {
        self.sensitive = yes;
        self
    }

    /// Marks every answer as holding secrets, failures included (a log-in
    /// whose error may echo what was sent): an [`Error::Api`] then keeps the
    /// status only, no body, message or code. Implies [`sensitive`](Self::sensitive).
    pub fn sensitive_errors(mut self, yes: bool) -> Self {
        self.sensitive_errors = yes;
        if yes {
            self.sensitive = true;
        }
        self
    }

    /// Records the outcome of checking a request model against the API's
    /// rules (typically `model.validate()`). A failure is reported by `send`
    /// before anything is sent, unless the client's
    /// [`validate_requests`](crate::ClientConfig::validate_requests) is off:
    /// then the request goes out as it is. Only the first failure is kept.
    ///
    /// ```
    /// use api_client_transport::{Error, Request};
    /// let check: Result<(), Error> = Err(Error::invalid("name", "must not be empty"));
    /// let request = Request::post(["things"]).validated(check);
    /// assert!(request.validation_error().is_some());
    /// ```
    pub fn validated(mut self, outcome: Result<()>) -> Self {
        if let Err(error) = outcome {
            self.validation.get_or_insert(error);
        }
        self
    }

    /// The local validation failure recorded by [`validated`](Self::validated), if any.
    pub fn validation_error(&self) -> Option<&Error> {
        self.validation.as_ref()
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The encoded path, relative to the client's base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The encoded query string, without `?`.
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// The headers set on this request (the client adds its defaults when sending).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub(crate) fn may_retry(&self) -> bool {
        let wanted = self
            .retryable
            .unwrap_or_else(|| self.method.is_idempotent());
        wanted && !matches!(self.body, Body::Stream(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_one_by_one() {
        let r = Request::get(["a b", "ü", "x%2Fy", "..", ".", "v1.41"]);
        assert_eq!(r.path(), "/a%20b/%C3%BC/x%252Fy/%2E%2E/%2E/v1.41");
        assert!(r.invalid.is_none());
    }

    #[test]
    fn empty_segment_is_reported() {
        let r = Request::get(["containers", "", "json"]);
        assert!(matches!(r.invalid, Some(Error::InvalidInput { .. })));
    }

    #[test]
    fn query_skips_none_and_encodes() {
        #[derive(Serialize)]
        struct Opts {
            all: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            limit: Option<u32>,
            filters: String,
        }
        let r = Request::get(["c"])
            .query(&Opts {
                all: true,
                limit: None,
                filters: r#"{"a":["b c"]}"#.into(),
            })
            .unwrap()
            .query_pair("x", "1&2");
        assert_eq!(
            r.query_string(),
            "all=true&filters=%7B%22a%22%3A%5B%22b+c%22%5D%7D&x=1%262"
        );
    }

    #[test]
    fn nested_query_is_an_error() {
        let r = Request::get(["c"]).query(&[("a", vec![1, 2])]);
        assert!(matches!(r, Err(Error::InvalidInput { .. })));
    }

    #[test]
    fn idempotency_decides_retries() {
        assert!(Request::get(["a"]).may_retry());
        assert!(!Request::post(["a"]).may_retry());
        assert!(Request::post(["a"]).retryable(true).may_retry());
        assert!(!Request::put(["a"])
            .stream(futures_empty(), "application/x-tar")
            .may_retry());
    }

    fn futures_empty() -> impl Stream<Item = std::io::Result<Bytes>> + Send {
        struct Empty;
        impl Stream for Empty {
            type Item = std::io::Result<Bytes>;
            fn poll_next(
                self: Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::task::Poll::Ready(None)
            }
        }
        Empty
    }
}
