//! The live event stream of a trace, resumed from the last event id after a
//! dropped connection.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use api_client_transport::http::header::{HeaderValue, ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use api_client_transport::http::Method;
use api_client_transport::{ByteStream, Error, Request, Result};
use futures_core::Stream;
use futures_util::stream::{self, StreamExt};

use crate::client::API;
use crate::models::TraceEventData;
use crate::sse::Parser;
use crate::Client;

/// One event of a trace stream.
///
/// `data` is decoded into [`TraceEventData`] when it is a JSON object (the
/// server's usual form); the raw text is always kept.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TraceEvent {
    /// The event's id: give it back as `last_id` to resume after it.
    pub id: Option<String>,
    /// The event's kind (`message` when the server named none).
    pub event: String,
    /// The event's data as sent.
    pub data: String,
    /// `data` decoded, when it is a JSON object.
    pub details: Option<TraceEventData>,
}

/// How a trace stream connects and when it gives up.
///
/// ```
/// use std::time::Duration;
/// use container_registry_client::TraceOptions;
///
/// let options = TraceOptions::new()
///     .last_id("1712345678901-0")
///     .idle_timeout(Duration::from_secs(600));
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TraceOptions {
    /// Only events after this id (default: the whole trace, from `0`).
    pub last_id: Option<String>,
    /// How long to wait for the response head of each connection (default 30 s).
    pub head_timeout: Duration,
    /// How long the stream may stay silent before the connection is taken as
    /// dead and made again (default 10 min: a build step may print nothing
    /// for minutes, and a reconnect resumes without loss anyway).
    pub idle_timeout: Duration,
    /// The wait before reconnecting when the server gave no `retry:` (default
    /// 1 s); it doubles with each failure in a row, up to 30 s.
    pub reconnect_delay: Duration,
    /// Most bytes of one line or one event (default 1 MiB); more is an error.
    pub max_event_bytes: usize,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            last_id: None,
            head_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(600),
            reconnect_delay: Duration::from_secs(1),
            max_event_bytes: 1 << 20,
        }
    }
}

impl TraceOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Resumes after this event id.
    pub fn last_id(mut self, last_id: impl Into<String>) -> Self {
        self.last_id = Some(last_id.into());
        self
    }

    /// Sets the response-head timeout of each connection.
    pub fn head_timeout(mut self, timeout: Duration) -> Self {
        self.head_timeout = timeout;
        self
    }

    /// Sets how long the stream may stay silent.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets the first reconnect delay when the server gives none.
    pub fn reconnect_delay(mut self, delay: Duration) -> Self {
        self.reconnect_delay = delay;
        self
    }

    /// Sets the bound on one line or event.
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = bytes;
        self
    }
}

/// The events of a trace: first those it already has, then new ones as they
/// happen. Made by [`Client::trace_events`].
///
/// A connection that breaks (an I/O error, a body cut short, the idle
/// timeout) is made again with `last_id` set to the last event received, so
/// nothing is lost or repeated; failures in a row are bounded by the client's
/// [`RetryPolicy`](crate::RetryPolicy) attempts, after which the stream
/// yields the error and ends. The stream ends when the server closes it
/// cleanly. It is `Unpin` and cancel-safe.
pub struct TraceEvents {
    inner: Pin<Box<dyn Stream<Item = Result<TraceEvent>> + Send>>,
    last_id: Arc<Mutex<Option<String>>>,
}

impl fmt::Debug for TraceEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceEvents")
            .field("last_id", &self.last_id())
            .finish_non_exhaustive()
    }
}

impl TraceEvents {
    /// The id of the last event yielded (or the `last_id` it started from).
    pub fn last_id(&self) -> Option<String> {
        match self.last_id.lock() {
            Ok(id) => id.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

impl Stream for TraceEvents {
    type Item = Result<TraceEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The state carried between events.
struct State {
    client: Client,
    trace_id: String,
    options: TraceOptions,
    parser: Parser,
    body: Option<ByteStream>,
    /// Failures since the last event (or the start).
    failures: u32,
    last_id: Arc<Mutex<Option<String>>>,
    done: bool,
}

impl State {
    fn remember(&self, id: &str) {
        match self.last_id.lock() {
            Ok(mut l) => *l = Some(id.to_string()),
            Err(p) => *p.into_inner() = Some(id.to_string()),
        }
    }

    fn current_last_id(&self) -> Option<String> {
        match self.last_id.lock() {
            Ok(l) => l.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The wait before the next connection: the server's `retry:` or ours,
    /// doubled for each failure in a row, at most 30 s.
    fn backoff(&self) -> Duration {
        let base = self.parser.retry().unwrap_or(self.options.reconnect_delay);
        let factor = 1u32
            .checked_shl(self.failures.saturating_sub(1))
            .unwrap_or(u32::MAX);
        base.saturating_mul(factor).min(Duration::from_secs(30))
    }

    async fn connect(&mut self) -> Result<ByteStream> {
        let last_id = self.current_last_id();
        let trace_id = self.trace_id.clone();
        let head_timeout = self.options.head_timeout;
        let idle_timeout = self.options.idle_timeout;
        let make = move || {
            let req =
                Request::get(
                    API.iter()
                        .copied()
                        .chain(["traces", trace_id.as_str(), "stream"]),
                )
                .header(ACCEPT, HeaderValue::from_static("text/event-stream"))
                .header(CACHE_CONTROL, HeaderValue::from_static("no-cache"))
                .head_timeout(Some(head_timeout))
                // A silent stream ends in Error::Timeout, which reconnects.
                .idle_timeout(Some(idle_timeout));
            match &last_id {
                Some(id) => Ok(req.query_pair("last_id", id)),
                None => Ok(req),
            }
        };
        let resp = self.client.open(&make).await?;
        // RCABench reports some failures as a JSON envelope with status 200:
        // read it as such instead of parsing it as an (empty) event stream.
        let json = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        if json {
            let status = resp.status();
            let path = self.path();
            let body = resp.bytes().await?;
            crate::envelope::unwrap::<serde_json::Value>(status, &Method::GET, &path, body)?;
            return Err(Error::Stream {
                method: Method::GET,
                path,
                source: "the server answered with JSON, not an event stream".into(),
            });
        }
        Ok(resp.into_stream())
    }

    /// Whether another attempt is allowed after a failure.
    fn may_retry(&mut self, error: &Error) -> bool {
        let transient = error.is_retryable() || matches!(error, Error::Stream { .. });
        self.failures += 1;
        transient && self.failures < self.client.retry.max_attempts()
    }

    async fn next(&mut self) -> Option<Result<TraceEvent>> {
        loop {
            if self.done {
                return None;
            }
            if let Some(raw) = self.parser.next_event() {
                self.failures = 0;
                if let Some(id) = &raw.id {
                    self.remember(id);
                }
                let details = serde_json::from_str::<serde_json::Value>(&raw.data)
                    .ok()
                    .filter(serde_json::Value::is_object)
                    .and_then(|v| serde_json::from_value(v).ok());
                return Some(Ok(TraceEvent {
                    id: raw.id,
                    event: raw.event,
                    data: raw.data,
                    details,
                }));
            }
            let Some(body) = self.body.as_mut() else {
                if self.failures > 0 {
                    tokio::time::sleep(self.backoff()).await;
                }
                match self.connect().await {
                    Ok(body) => {
                        self.parser.reconnected();
                        self.body = Some(body);
                    }
                    Err(e) => {
                        if !self.may_retry(&e) {
                            self.done = true;
                            return Some(Err(e));
                        }
                    }
                }
                continue;
            };
            match body.next().await {
                Some(Ok(bytes)) => {
                    if let Err(too_long) = self.parser.feed(&bytes) {
                        self.done = true;
                        return Some(Err(Error::Stream {
                            method: Method::GET,
                            path: self.path(),
                            source: format!(
                                "an event or line of the trace stream is over {} bytes (raise TraceOptions::max_event_bytes)",
                                too_long.limit
                            )
                            .into(),
                        }));
                    }
                }
                // The server ended the stream: the trace has nothing more to say.
                None => {
                    self.done = true;
                    return None;
                }
                // A broken connection, or silence past the idle timeout.
                Some(Err(e)) => {
                    self.body = None;
                    if !self.may_retry(&e) {
                        self.done = true;
                        return Some(Err(e));
                    }
                }
            }
        }
    }

    fn path(&self) -> String {
        format!("/api/v2/traces/{}/stream", self.trace_id)
    }
}

impl Client {
    /// Follows the events of a trace (a build answer's `trace_id`): those it
    /// already has after `options.last_id`, then new ones as they happen.
    ///
    /// ```no_run
    /// # async fn run(client: container_registry_client::Client) -> container_registry_client::Result<()> {
    /// use container_registry_client::TraceOptions;
    /// use futures_util::TryStreamExt;
    ///
    /// let mut events = client.trace_events("5e2d9b1c", TraceOptions::new());
    /// while let Some(event) = events.try_next().await? {
    ///     let name = event.details.as_ref().and_then(|d| d.event_name.as_deref());
    ///     println!("{:?} {:?} {}", event.id, name, event.data);
    /// }
    /// # Ok(()) }
    /// ```
    #[doc(alias = "stream_trace_events")]
    pub fn trace_events(&self, trace_id: &str, options: TraceOptions) -> TraceEvents {
        let last_id = Arc::new(Mutex::new(options.last_id.clone()));
        let state = State {
            client: self.clone(),
            trace_id: trace_id.to_string(),
            parser: Parser::new(options.max_event_bytes),
            options,
            body: None,
            failures: 0,
            last_id: last_id.clone(),
            done: false,
        };
        let inner = stream::unfold(state, |mut state| async move {
            let item = state.next().await?;
            Some((item, state))
        });
        TraceEvents {
            inner: inner.boxed(),
            last_id,
        }
    }
}
