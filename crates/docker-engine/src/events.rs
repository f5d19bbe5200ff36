//! The daemon's event stream: [`Docker::events`] (feature `system`).

use api_client_transport::http::Method;
use api_client_transport::{Error, Result};

use crate::filters::EventFilters;
use crate::models::EventMessage;
use crate::streams::JsonLines;
use crate::timestamp::Timestamp;
use crate::Docker;

/// Events as they arrive, from [`Docker::events`].
pub type EventStream = JsonLines<EventMessage>;

/// Options of [`Docker::events`].
///
/// Times take the forms of `docker events --since/--until`: Unix seconds
/// (`1700000000`, or with a fraction `1700000000.5`), an RFC 3339 time with a
/// zone, or a Go duration before now (`10m`, `1h30m`); see [`Timestamp`].
/// As the CLI does, they are sent as Unix seconds with the fraction kept
/// (`1700000000.123456789`), the one form every daemon reads; a text in none
/// of these forms is refused before anything is sent.
/// [`EventsOptions::since_time`] and [`EventsOptions::until_time`] write a
/// [`SystemTime`](std::time::SystemTime).
///
/// [`Timestamp`]: crate::Timestamp
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventsOptions {
    /// Replay events from this time on first.
    pub since: Option<String>,
    /// End the stream at this time; without it the stream stays open until dropped.
    pub until: Option<String>,
    /// Which events to report (default: all).
    pub filters: EventFilters,
}

fn unix_time(field: &str, time: std::time::SystemTime) -> Result<String> {
    let d = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::invalid(field, "is before 1970"))?;
    Ok(format!("{}.{:09}", d.as_secs(), d.subsec_nanos()))
}

impl EventsOptions {
    /// Sets `since` from a point in time.
    pub fn since_time(mut self, time: std::time::SystemTime) -> Result<Self> {
        self.since = Some(unix_time("since", time)?);
        Ok(self)
    }

    /// Sets `until` from a point in time.
    pub fn until_time(mut self, time: std::time::SystemTime) -> Result<Self> {
        self.until = Some(unix_time("until", time)?);
        Ok(self)
    }
}

impl Docker {
    /// The daemon's events as a typed stream: past ones from `since`, then new ones
    /// as they happen, until `until` or until the stream is dropped.
    ///
    /// A followed stream may be silent for hours: only its head is bounded (the
    /// daemon sends it at once). Neither the handle's timeout nor its
    /// [`DockerBuilder::stream_idle_timeout`](crate::DockerBuilder::stream_idle_timeout)
    /// cuts it; drop the stream to stop watching.
    ///
    /// ```no_run
    /// use docker_engine::{Docker, EventFilters, EventsOptions};
    /// use docker_engine::models::EventMessageType;
    /// use futures_util::StreamExt;
    ///
    /// # async fn run() -> docker_engine::Result<()> {
    /// let docker = Docker::connect()?;
    /// let options = EventsOptions {
    ///     filters: EventFilters::new().kind(EventMessageType::Container).event("die"),
    ///     ..Default::default()
    /// };
    /// let mut events = docker.events(options).await?;
    /// while let Some(event) = events.next().await {
    ///     let event = event?;
    ///     let actor = event.actor.unwrap_or_default();
    ///     println!("{} died", actor.id.unwrap_or_default());
    /// }
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SystemEvents")]
    #[doc(alias = "system_events")]
    pub async fn events(&self, options: EventsOptions) -> Result<EventStream> {
        let mut times = Vec::new();
        for (field, value) in [("since", &options.since), ("until", &options.until)] {
            if let Some(value) = value {
                if value.trim().is_empty() {
                    return Err(Error::invalid(field, "must not be empty"));
                }
                // Converted as the CLI converts it: dockerd reads only Unix seconds.
                times.push((field, Timestamp::parse_field(field, value)?.to_string()));
            }
        }
        let (mut r, _) = self.request(Method::GET, &["events"]).await?;
        for (field, value) in &times {
            r = r.query_pair(field, value);
        }
        // A followed watch may be silent for hours: only the head is bounded (the
        // daemon sends it at once), never the gaps between events. Its own
        // connection is read in the caller's task, like followed logs, so each
        // event costs no cross-thread wake-up on a multi-thread runtime.
        let r = options
            .filters
            .filters()
            .apply(r)
            .dedicated_connection(true)
            .idle_timeout(None);
        let path = r.path().to_string();
        let body = self.send(r).await?.into_stream();
        Ok(JsonLines::new(body, Method::GET, path))
    }
}
