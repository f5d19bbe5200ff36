//! The four ways to consume an answer: JSON, bytes, a stream of chunks, an upgraded connection.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::{HeaderMap, Method, StatusCode};
use http_body::Body as _;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use crate::client::Secrets;
use crate::direct::Driver;
use crate::error::{snippet, BoxError, Error, Result};

/// A successful answer whose body has not been read yet.
#[derive(Debug)]
pub struct Response {
    head: ResponseHead,
    body: Incoming,
    /// The connection, when the request had one of its own.
    driver: Option<Driver>,
    limits: ResponseLimits,
}

/// What bounds the reading of one answer, from the client and the request.
#[derive(Debug)]
pub(crate) struct ResponseLimits {
    pub(crate) method: Method,
    pub(crate) path: String,
    /// Silence allowed between chunks of a stream.
    pub(crate) idle_timeout: Option<Duration>,
    /// When the attempt's time is up for a buffered read (head and body),
    /// and the bound it came from, for the error.
    pub(crate) deadline: Option<(Instant, Duration)>,
    pub(crate) max_body_bytes: usize,
    pub(crate) redaction: Redaction,
}

/// Which answers an error may quote.
#[derive(Debug, Clone)]
pub(crate) enum Redaction {
    /// None: the request was marked sensitive.
    All,
    /// Any that does not hold one of these.
    Secrets(Secrets),
}

impl Redaction {
    fn hides(&self, body: &[u8]) -> bool {
        match self {
            Redaction::All => true,
            Redaction::Secrets(secrets) => secrets.found_in(body),
        }
    }
}

/// The status and headers of an answer.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
}

impl Response {
    pub(crate) fn new(
        response: http::Response<Incoming>,
        driver: Option<Driver>,
        limits: ResponseLimits,
    ) -> Self {
        let (parts, body) = response.into_parts();
        Response {
            head: ResponseHead {
                status: parts.status,
                headers: parts.headers,
            },
            body,
            driver,
            limits,
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.head.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }

    /// The status and headers.
    pub fn head(&self) -> &ResponseHead {
        &self.head
    }

    /// Reads the whole body and decodes it as JSON; a decode error names the
    /// JSON path that failed and quotes the start of the body (unless the
    /// request was marked [`sensitive`](crate::Request::sensitive) or the
    /// body echoes one of the client's secrets). Bounded like [`bytes`](Self::bytes).
    pub async fn json<T: DeserializeOwned>(self) -> Result<T> {
        let method = self.limits.method.clone();
        let path = self.limits.path.clone();
        let redaction = self.limits.redaction.clone();
        let body = self.bytes().await?;
        decode(&method, &path, &body, Some(&redaction))
    }

    /// Reads the whole body.
    ///
    /// It must arrive before the attempt's deadline
    /// ([`ClientConfig::timeout`](crate::ClientConfig::timeout), counted from
    /// when the request was sent; [`Error::Timeout`] otherwise) and hold at most
    /// [`ClientConfig::max_body_bytes`](crate::ClientConfig::max_body_bytes)
    /// ([`Error::Limit`] otherwise, with the connection dropped; at most the
    /// cap of answer is held, in a buffer that grows to at most twice that).
    pub fn bytes(self) -> impl Future<Output = Result<Bytes>> + Send {
        // Boxed here: see `client::Boxed`.
        let reading: crate::client::Boxed<'static, Result<Bytes>> = Box::pin(self.bytes_unboxed());
        reading
    }

    async fn bytes_unboxed(self) -> Result<Bytes> {
        let ResponseLimits {
            method,
            path,
            deadline,
            max_body_bytes: max,
            ..
        } = &self.limits;
        let (method, path, deadline, max) = (method.clone(), path.clone(), *deadline, *max);
        let over = || Error::Limit {
            method: method.clone(),
            path: path.clone(),
            limit: "max_body_bytes",
            max,
        };
        // A declared length over the cap fails before a byte is read.
        let declared = self
            .head
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > max as u64) {
            return Err(over());
        }
        let mut stream = self.into_stream();
        let reading = async move {
            // Most answers arrive in one chunk: hand it back without a copy.
            let Some(first) = next_chunk(&mut stream).await.transpose()? else {
                return Ok(Bytes::new());
            };
            if first.len() > max {
                return Err(over());
            }
            let Some(second) = next_chunk(&mut stream).await.transpose()? else {
                return Ok(first);
            };
            let mut buf = BytesMut::with_capacity(first.len() + second.len());
            buf.extend_from_slice(&first);
            let mut chunk = second;
            loop {
                if buf.len() + chunk.len() > max {
                    return Err(over());
                }
                buf.extend_from_slice(&chunk);
                match next_chunk(&mut stream).await {
                    Some(next) => chunk = next?,
                    None => return Ok(buf.freeze()),
                }
            }
        };
        match deadline {
            Some((deadline, bound)) => tokio::time::timeout_at(deadline.into(), reading)
                .await
                .unwrap_or_else(|_| {
                    Err(Error::Timeout {
                        method: method.clone(),
                        path: path.clone(),
                        after: bound,
                    })
                }),
            None => reading.await,
        }
    }

    /// The body as a stream of chunks, read as the caller polls, with the
    /// stream idle timeout (the request's, else the client's) between chunks.
    /// No overall deadline applies: a stream lasts as long as the caller reads.
    pub fn into_stream(self) -> ByteStream {
        ByteStream {
            body: self.body,
            driver: self.driver,
            method: self.limits.method,
            path: self.limits.path,
            idle_timeout: self.limits.idle_timeout,
            idle: None,
            done: false,
        }
    }
}

async fn next_chunk(stream: &mut ByteStream) -> Option<Result<Bytes>> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// Decodes a JSON body with errors that name the failing path, e.g. `items[2].state`.
pub fn decode_json<T: DeserializeOwned>(method: &Method, path: &str, body: &[u8]) -> Result<T> {
    decode(method, path, body, None)
}

/// Decodes with plain serde_json; only a body that fails is decoded a second
/// time, through serde_path_to_error, for the JSON path of the error. A good
/// answer pays nothing for the path.
fn decode<T: DeserializeOwned>(
    method: &Method,
    path: &str,
    body: &[u8],
    redaction: Option<&Redaction>,
) -> Result<T> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(source) => {
            let json_path = json_path_of::<T>(body);
            Err(explain_decode_error(
                method, path, body, json_path, source, redaction,
            ))
        }
    }
}

/// Most characters of one key of a JSON path quoted in an error (escaped).
pub(crate) const MAX_PATH_KEY_CHARS: usize = 256;

/// Most bytes of a whole JSON path quoted in an error.
pub(crate) const MAX_PATH_BYTES: usize = 1024;

/// Where decoding `body` as `T` stops, as `items[2].state` (`.` for the
/// whole document), found by decoding again through serde_path_to_error.
#[cold]
fn json_path_of<T: DeserializeOwned>(body: &[u8]) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(error) => render_json_path(error.path()),
        // The value fit; what failed is the document (trailing characters).
        Ok(_) => ".".to_string(),
    }
}

/// A path as error messages show it. Keys come from the server, so each is
/// escaped (`escape_debug`: control characters, newlines, ESC, quotes and
/// other non-printables become visible escapes) and cut to
/// [`MAX_PATH_KEY_CHARS`]; the whole path is cut to [`MAX_PATH_BYTES`],
/// keeping its start and its end. A cut shows as `…`.
pub(crate) fn render_json_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        let key = match segment {
            Segment::Seq { index } => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
                continue;
            }
            Segment::Map { key } => key.as_str(),
            Segment::Enum { variant } => variant.as_str(),
            Segment::Unknown => "?",
        };
        if !out.is_empty() {
            out.push('.');
        }
        let mut escaped = key.escape_debug();
        out.extend(escaped.by_ref().take(MAX_PATH_KEY_CHARS - 1));
        // The last character is kept if it ends the key, else marks the cut.
        match (escaped.next(), escaped.next()) {
            (Some(c), None) => out.push(c),
            (Some(_), Some(_)) => out.push('…'),
            (None, _) => {}
        }
    }
    if out.is_empty() {
        return ".".to_string();
    }
    if out.len() > MAX_PATH_BYTES {
        let ellipsis = '…'.len_utf8();
        let mut head = (MAX_PATH_BYTES - ellipsis) / 2;
        while !out.is_char_boundary(head) {
            head -= 1;
        }
        let mut tail = out.len() - (MAX_PATH_BYTES - ellipsis - head);
        while !out.is_char_boundary(tail) {
            tail += 1;
        }
        out = format!("{}…{}", &out[..head], &out[tail..]);
    }
    out
}

/// Most characters of serde's message kept in a decode error.
pub(crate) const MAX_SERDE_MESSAGE_CHARS: usize = 512;

/// serde's message quotes the server's values (`invalid type: string "…"`,
/// `unknown variant …`): a hostile answer could make it as long as the body
/// or put a newline or a terminal escape into a log line. Such a message is
/// rebuilt escaped (`escape_debug`) and cut to [`MAX_SERDE_MESSAGE_CHARS`],
/// with its position said again at the end; an ordinary one is kept as is.
fn bounded_serde_message(source: serde_json::Error) -> serde_json::Error {
    let text = source.to_string();
    if text.chars().count() <= MAX_SERDE_MESSAGE_CHARS && !text.chars().any(char::is_control) {
        return source;
    }
    let mut escaped = text.escape_debug();
    let mut kept: String = escaped.by_ref().take(MAX_SERDE_MESSAGE_CHARS).collect();
    if escaped.next().is_some() {
        kept.push('…');
    }
    <serde_json::Error as serde::de::Error>::custom(format!(
        "{kept} (at line {} column {})",
        source.line(),
        source.column()
    ))
}

/// The error for a body that did not decode. Not generic: it is compiled
/// once, whatever the answer's type.
#[cold]
fn explain_decode_error(
    method: &Method,
    path: &str,
    body: &[u8],
    json_path: String,
    source: serde_json::Error,
    redaction: Option<&Redaction>,
) -> Error {
    let error = Error::Decode {
        method: method.clone(),
        path: path.to_string(),
        json_path,
        snippet: snippet(body),
        source: bounded_serde_message(source),
    };
    // Whether the body echoes a secret is looked at only now, for an error
    // that would quote it: a decoded answer is never scanned.
    if redaction.is_some_and(|r| r.hides(body)) {
        error.redact_body()
    } else {
        error
    }
}

/// A response body as a [`Stream`] of chunks.
///
/// A connection dropped mid-body ends the stream with [`Error::Stream`]; a
/// stream silent for longer than the client's stream idle timeout ends with
/// [`Error::Timeout`]. Dropping the stream closes the connection.
///
/// # Runtimes
///
/// For a request sent with
/// [`dedicated_connection`](crate::Request::dedicated_connection), the
/// connection is polled inside `poll_next`: reading costs the same on every
/// runtime, and nothing is read while the stream is not polled. Otherwise the
/// connection is a pooled task of the runtime, and each chunk wakes the
/// reader from it; on a multi-thread runtime, an answer of many small chunks
/// is read fastest from a spawned task (`tokio::spawn`), not from the
/// `block_on` of `#[tokio::main]`, where every chunk crosses threads twice.
pub struct ByteStream {
    body: Incoming,
    driver: Option<Driver>,
    method: Method,
    path: String,
    idle_timeout: Option<Duration>,
    idle: Option<Pin<Box<Sleep>>>,
    done: bool,
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        // A dedicated connection runs here, in the reader's task: its socket
        // read fills the body channel polled just below, with no wake-up
        // crossing threads.
        if let Some(driver) = &mut this.driver {
            driver.poll(cx);
        }
        loop {
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    this.idle = None;
                    match frame.into_data() {
                        Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                        // Empty chunks and trailers carry nothing a caller wants.
                        _ => continue,
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    this.driver = None;
                    return Poll::Ready(Some(Err(Error::Stream {
                        method: this.method.clone(),
                        path: this.path.clone(),
                        source: Box::new(e),
                    })));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    // The answer is whole: close a dedicated connection now
                    // rather than when the caller drops the stream.
                    this.driver = None;
                    return Poll::Ready(None);
                }
                Poll::Pending => break,
            }
        }
        if let Some(limit) = this.idle_timeout {
            let sleep = this
                .idle
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
            if sleep.as_mut().poll(cx).is_ready() {
                this.done = true;
                return Poll::Ready(Some(Err(Error::Timeout {
                    method: this.method.clone(),
                    path: this.path.clone(),
                    after: limit,
                })));
            }
        }
        Poll::Pending
    }
}

/// Reads at most `limit` bytes of a body, for error messages; the rest is dropped.
pub(crate) async fn read_bounded(
    mut body: Incoming,
    limit: usize,
) -> std::result::Result<Bytes, BoxError> {
    let mut buf = BytesMut::new();
    while buf.len() < limit {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            Some(frame) => {
                if let Ok(data) = frame?.into_data() {
                    let room = limit - buf.len();
                    buf.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            None => break,
        }
    }
    Ok(buf.freeze())
}

/// A connection taken over after `101 Switching Protocols`: read the server's
/// bytes and write yours; `shutdown` closes only the writing half.
pub struct Upgraded(TokioIo<hyper::upgrade::Upgraded>);

impl Upgraded {
    pub(crate) fn new(inner: hyper::upgrade::Upgraded) -> Self {
        Upgraded(TokioIo::new(inner))
    }
}

impl fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Upgraded")
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        items: Vec<Item>,
        labels: Option<BTreeMap<String, u32>>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        state: String,
    }

    fn decode_error(body: &[u8]) -> Error {
        decode_json::<Doc>(&Method::GET, "/things", body).expect_err("must fail")
    }

    fn json_path(e: &Error) -> &str {
        match e {
            Error::Decode { json_path, .. } => json_path,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn a_decode_error_names_the_json_path() {
        let e = decode_error(br#"{"items": [{"state": "a"}, {"state": 7}]}"#);
        assert_eq!(json_path(&e), "items[1].state");
        let e = decode_error(br#"{"items": [], "labels": {"k": "x"}}"#);
        assert_eq!(json_path(&e), "labels.k");
        // Not JSON at all, and trailing bytes after a good document.
        assert_eq!(json_path(&decode_error(b"<html>")), ".");
        assert_eq!(json_path(&decode_error(br#"{"items": []} x"#)), ".");
        // The error's cause is the plain decode's, position included.
        match decode_error(br#"{"items": 1}"#) {
            Error::Decode { source, .. } => assert_eq!((source.line(), source.column()), (1, 11)),
            other => panic!("{other:?}"),
        }
        assert!(decode_json::<Doc>(&Method::GET, "/", br#"{"items": []}"#).is_ok());
    }

    #[test]
    fn hostile_keys_are_escaped_and_cut() {
        // A 1 MB key: the message stays small, with a visible cut.
        let key = "k".repeat(1 << 20);
        let body = format!(r#"{{"items": [], "labels": {{"{key}": "x"}}}}"#);
        let e = decode_error(body.as_bytes());
        let path = json_path(&e);
        assert!(path.starts_with("labels.kkk"), "{path}");
        assert!(path.ends_with('…'), "{path}");
        assert_eq!(path.chars().count(), "labels.".len() + MAX_PATH_KEY_CHARS);
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(text.len() < 4 * 1024, "{} bytes", text.len());
            assert!(text.contains('…'), "{text}");
        }
        // Newline, ESC, quotes and other controls in keys are escaped.
        let body = br#"{"items": [], "labels": {"a\nb\u001b[31mred\"'\u0000\u202e": "x"}}"#;
        let e = decode_error(body);
        assert_eq!(json_path(&e), r#"labels.a\nb\u{1b}[31mred\"\'\0\u{202e}"#);
        for text in [e.to_string(), format!("{e:?}")] {
            for raw in ['\n', '\u{1b}', '\0', '\u{202e}'] {
                assert!(!text.contains(raw), "{raw:?} in {text:?}");
            }
        }
        // A key that escapes to exactly the cap is kept whole.
        let exact = "e".repeat(MAX_PATH_KEY_CHARS);
        let body = format!(r#"{{"items": [], "labels": {{"{exact}": "x"}}}}"#);
        assert_eq!(
            json_path(&decode_error(body.as_bytes())),
            format!("labels.{exact}")
        );
    }

    /// Every link of the error's chain, as `Display` shows it.
    fn chain(e: &Error) -> Vec<String> {
        let mut links = vec![e.to_string()];
        let mut next = std::error::Error::source(e);
        while let Some(cause) = next {
            links.push(cause.to_string());
            next = cause.source();
        }
        links
    }

    #[test]
    fn hostile_values_in_serde_message_are_escaped_and_cut() {
        // serde quotes a value of the wrong type whole: a 1 MB string.
        let value = "v".repeat(1 << 20);
        let body = format!(r#"{{"items": [{{"state": "s"}}], "labels": {{"k": "{value}"}}}}"#);
        let e = decode_error(body.as_bytes());
        for text in chain(&e).into_iter().chain([format!("{e:?}")]) {
            assert!(text.len() < 4 * 1024, "{} bytes", text.len());
        }
        let cause = chain(&e).pop().unwrap();
        assert!(
            cause.contains('…') && cause.contains("line 1 column"),
            "{cause}"
        );
        // A newline and a terminal escape inside the value are escaped.
        let e = decode_error(br#"{"items": [], "labels": {"k": "a\nb\u001b[31m"}}"#);
        let cause = chain(&e).pop().unwrap();
        assert!(
            cause.contains(r"\n") && cause.contains(r"\u{1b}"),
            "{cause}"
        );
        for text in chain(&e).into_iter().chain([format!("{e:?}")]) {
            assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text:?}");
        }
        // An ordinary message is serde's own, position and all.
        match decode_error(br#"{"items": 1}"#) {
            Error::Decode { source, .. } => {
                assert_eq!((source.line(), source.column()), (1, 11));
                assert!(source.to_string().starts_with("invalid type: integer `1`"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_deep_path_is_cut_to_its_start_and_end() {
        // Ten levels of 200-character keys: 2 KB of path, cut to 1 KiB.
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Nest(BTreeMap<String, Box<Option<Nest>>>);
        let mut body = String::from("1");
        for i in 0..10 {
            body = format!(r#"{{"{}{}": {body}}}"#, i, "x".repeat(199));
        }
        let e = decode_json::<Nest>(&Method::GET, "/", body.as_bytes()).unwrap_err();
        let path = json_path(&e);
        assert!(path.len() <= MAX_PATH_BYTES, "{}", path.len());
        assert!(path.starts_with("9xxx"), "{path}");
        assert!(path.ends_with(&format!(".0{}", "x".repeat(199))), "{path}");
        assert!(path.contains('…'), "{path}");
    }
}
