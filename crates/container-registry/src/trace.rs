//! The live event stream of a trace, resumed from the last event id after a
//! dropped connection.

use std::collections::{HashSet, VecDeque};
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
    /// 1 s); it doubles with each failure in a row, up to 30 s. A server's
    /// `retry:` below 500 ms is read as 500 ms, so a stream that asks for
    /// `retry: 0` cannot make the client reconnect in a tight loop.
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
/// timeout, a `408`/`502`/`503`/`504` answer) is made again with `last_id`
/// set to the last event received, so nothing is lost. Nothing is repeated
/// either: an event whose id was already handed out (a server that replays
/// what it sent before) is dropped, and so are the events without an id of
/// their own that follow it.
///
/// Connections are bounded by one budget, the client's
/// [`RetryPolicy`](crate::RetryPolicy) attempts: the transport does not retry
/// a trace request on its own (it only redials a connection that could not
/// be made, and a `429`, as for any call), and failures in a row count until
/// an event with a new id arrives — replayed events do not reset the count.
/// Once the budget is spent the stream yields the error and ends. The wait
/// between connections is the server's `retry:` (at least 500 ms) or
/// [`TraceOptions::reconnect_delay`], doubled for each failure in a row (up
/// to 30 s), and never shorter than a `Retry-After` the server sent.
///
/// The stream ends when the server closes it cleanly. It is `Unpin` and
/// cancel-safe.
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
    /// Failures since the last event with a new id (or the start).
    failures: u32,
    /// The `Retry-After` of the last failed answer.
    retry_after: Option<Duration>,
    /// The ids handed out, to drop what a server sends again.
    seen: SeenIds,
    /// The last event with an id of its own on this connection was a replay:
    /// the id-less events after it belong to it and are dropped too.
    replaying: bool,
    last_id: Arc<Mutex<Option<String>>>,
    done: bool,
}

/// The shortest `retry:` a server may set: `retry: 0` from a hostile or
/// broken server must not turn into thousands of connections a second.
const MIN_SERVER_RETRY: Duration = Duration::from_millis(500);

/// The longest wait between two connections (a `Retry-After` may ask for
/// more, up to [`MAX_RETRY_AFTER`]).
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(30);

/// The longest `Retry-After` honoured; a server asking for more gets the
/// error back, as the transport does for any call.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Most bytes of event ids remembered for spotting replays (the oldest are
/// forgotten first; ids of RCABench's `<ms>-<seq>` form are compared by
/// order too, so forgetting them loses nothing there).
const SEEN_IDS_BYTES: usize = 1 << 20;

/// The wait before connection number `failures + 1` after `failures`
/// failures in a row: the server's `retry:` (at least [`MIN_SERVER_RETRY`])
/// or ours, doubled for each failure after the first, at most
/// [`MAX_RECONNECT_DELAY`], and never shorter than `retry_after`.
fn reconnect_wait(
    server_retry: Option<Duration>,
    ours: Duration,
    failures: u32,
    retry_after: Option<Duration>,
) -> Duration {
    let base = server_retry.map_or(ours, |d| d.max(MIN_SERVER_RETRY));
    let factor = 1u32
        .checked_shl(failures.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let wait = base.saturating_mul(factor).min(MAX_RECONNECT_DELAY);
    wait.max(retry_after.unwrap_or_default())
}

/// The ids of the events already handed out.
#[derive(Default)]
struct SeenIds {
    set: HashSet<String>,
    order: VecDeque<String>,
    bytes: usize,
    /// The greatest id of the `<ms>-<seq>` form seen: anything at or before
    /// it is a replay, however long ago it was handed out.
    newest: Option<(u64, u64)>,
}

impl SeenIds {
    /// Records `id`; `false` when it was seen before.
    fn insert(&mut self, id: &str) -> bool {
        let ordered = stream_id(id);
        if let (Some(this), Some(newest)) = (ordered, self.newest) {
            if this <= newest {
                return false;
            }
        }
        if self.set.contains(id) {
            return false;
        }
        if ordered.is_some() {
            self.newest = ordered;
        }
        self.set.insert(id.to_string());
        self.order.push_back(id.to_string());
        self.bytes += id.len();
        while self.bytes > SEEN_IDS_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            self.bytes -= old.len();
            self.set.remove(&old);
        }
        true
    }
}

/// Reads a Redis stream id, `<ms>` or `<ms>-<seq>` (RCABench's event ids).
fn stream_id(id: &str) -> Option<(u64, u64)> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    if !digits(ms) || !digits(seq) {
        return None;
    }
    Some((ms.parse().ok()?, seq.parse().ok()?))
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

    /// The wait before the next connection.
    fn backoff(&self) -> Duration {
        reconnect_wait(
            self.parser.retry(),
            self.options.reconnect_delay,
            self.failures,
            self.retry_after,
        )
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
                .idle_timeout(Some(idle_timeout))
                // One budget for the stream: this loop retries, the transport
                // does not retry on top of it (3 × 3 requests for one 503).
                .retryable(false);
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
        self.failures += 1;
        self.retry_after = error.api().and_then(|api| api.retry_after());
        let ours = match error {
            // The transport already spent the policy's attempts on these
            // (a connection never made, a request refused with 429): another
            // round here would multiply them.
            Error::Connect { .. } => false,
            Error::Api(api) if api.status().as_u16() == 429 => false,
            Error::Stream { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            other => other.is_retryable(),
        };
        let waitable = self.retry_after.map_or(true, |d| d <= MAX_RETRY_AFTER);
        ours && waitable && self.failures < self.client.retry.max_attempts()
    }

    /// Whether an event is new, and so to be handed out. An event with an id
    /// of its own that was handed out before is a replay; id-less events
    /// after a replay belong to it.
    fn is_new(&mut self, raw: &crate::sse::RawEvent) -> bool {
        if raw.own_id {
            let id = raw.id.as_deref().unwrap_or_default();
            self.replaying = !self.seen.insert(id);
        }
        !self.replaying
    }

    async fn next(&mut self) -> Option<Result<TraceEvent>> {
        loop {
            if self.done {
                return None;
            }
            if let Some(raw) = self.parser.next_event() {
                if !self.is_new(&raw) {
                    continue;
                }
                // Only an event with a new id of its own shows progress: a
                // server that replays old events (or sends id-less ones it
                // cannot resume) and drops the connection spends the budget.
                if raw.own_id {
                    self.failures = 0;
                    self.retry_after = None;
                }
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
                        self.replaying = false;
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
                            source: Box::new(too_long),
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
        let mut seen = SeenIds::default();
        if let Some(id) = options.last_id.as_deref().filter(|id| !id.is_empty()) {
            // Asked for what comes after it: it, and anything before it, is old.
            seen.insert(id);
        }
        let state = State {
            client: self.clone(),
            trace_id: trace_id.to_string(),
            parser: Parser::new(options.max_event_bytes),
            options,
            body: None,
            failures: 0,
            retry_after: None,
            seen,
            replaying: false,
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

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_server_retry_is_clamped_to_the_floor_and_waits_double_to_a_cap() {
        let ours = Duration::from_secs(1);
        assert_eq!(
            reconnect_wait(Some(Duration::ZERO), ours, 1, None),
            MIN_SERVER_RETRY
        );
        assert_eq!(
            reconnect_wait(Some(5 * MS), ours, 1, None),
            MIN_SERVER_RETRY
        );
        assert_eq!(
            reconnect_wait(Some(Duration::ZERO), ours, 3, None),
            MIN_SERVER_RETRY * 4
        );
        assert_eq!(reconnect_wait(Some(2 * ours), ours, 1, None), 2 * ours);
        // The caller's own delay is taken as given.
        assert_eq!(reconnect_wait(None, MS, 1, None), MS);
        assert_eq!(reconnect_wait(None, MS, 2, None), 2 * MS);
        assert_eq!(reconnect_wait(None, ours, 40, None), MAX_RECONNECT_DELAY);
        assert_eq!(
            reconnect_wait(Some(Duration::from_secs(1 << 40)), ours, 1, None),
            MAX_RECONNECT_DELAY
        );
        // A Retry-After lengthens the wait.
        assert_eq!(
            reconnect_wait(None, MS, 1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn seen_ids_drop_repeats_and_anything_at_or_before_an_ordered_id() {
        let mut seen = SeenIds::default();
        assert!(seen.insert("1712345678901-0"));
        assert!(seen.insert("1712345678901-1"));
        assert!(!seen.insert("1712345678901-1"));
        assert!(!seen.insert("1712345678901-0"));
        assert!(!seen.insert("1712345678900-9"));
        assert!(seen.insert("1712345678902"));
        // Opaque ids: remembered one by one.
        assert!(seen.insert("abc"));
        assert!(!seen.insert("abc"));
        assert!(seen.insert("abd"));
        assert_eq!(stream_id("12-3"), Some((12, 3)));
        assert_eq!(stream_id("12"), Some((12, 0)));
        for bad in [
            "",
            "-",
            "1-",
            "-1",
            "1-2-3",
            "+1",
            "a-1",
            "99999999999999999999",
        ] {
            assert_eq!(stream_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn remembered_ids_are_bounded() {
        let mut seen = SeenIds::default();
        let id = |i: usize| format!("{i:0>1000}x");
        for i in 0..3000 {
            assert!(seen.insert(&id(i)));
        }
        assert!(seen.bytes <= SEEN_IDS_BYTES);
        assert_eq!(seen.set.len(), seen.order.len());
        assert!(!seen.insert(&id(2999)));
    }
}
