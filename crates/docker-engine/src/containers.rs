//! The container operations: [`Containers`], reached with [`Docker::containers`].

use std::time::Duration;

use api_client_transport::bytes::Bytes;
use api_client_transport::futures_core::Stream;
use api_client_transport::http::{Method, StatusCode};
use api_client_transport::{ByteStream, Error, Request, Result, Validate};

use crate::archive::path_stat_from_headers;
use crate::attach::{self, Attached};
use crate::filters::{ContainerFilters, PruneFilters};
use crate::frames::LogStream;
use crate::models::{
    ContainerCreateRequest, ContainerCreateResponse, ContainerInspectResponse,
    ContainerPruneResponse, ContainerStats, ContainerSummary, ContainerTopResponse,
    ContainerUpdateRequest, ContainerUpdateResponse, ContainerWaitResponse, FilesystemChange,
    PathStat, WaitCondition,
};
use crate::streams::JsonLines;
use crate::timestamp::Timestamp;
use crate::version::{since, ApiVersion};
use crate::Docker;

/// Head timeout for calls whose answer comes only after the daemon has done the work
/// (extracting an upload, importing an image).
pub(crate) const LONG_CALL: Duration = Duration::from_secs(60 * 60);

/// Samples of [`Containers::stats_stream`], one per second.
pub type StatsStream = JsonLines<ContainerStats>;

/// Options of [`Containers::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListContainersOptions {
    /// Include stopped containers (by default only running ones are listed).
    pub all: bool,
    /// Only the newest this many containers, stopped ones included.
    pub limit: Option<u32>,
    /// Compute the sizes `SizeRw` and `SizeRootFs` (slow).
    pub size: bool,
    /// Which containers to list.
    pub filters: ContainerFilters,
}

/// Options of [`Containers::create`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateContainerOptions {
    /// Name of the container (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`); the daemon picks one otherwise.
    pub name: Option<String>,
    /// Platform of the image, `os[/arch[/variant]]` (API 1.41+).
    pub platform: Option<String>,
}

/// Options of [`Containers::inspect`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectContainerOptions {
    /// Compute the sizes `SizeRw` and `SizeRootFs`.
    pub size: bool,
}

/// Options of [`Containers::top`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopOptions {
    /// Arguments for `ps` (the daemon's default is `-ef`).
    pub ps_args: Option<String>,
}

/// Options of [`Containers::logs`].
///
/// The default reads both stdout and stderr, everything logged so far, and stops.
///
/// ```
/// use docker_engine::LogsOptions;
/// # fn main() -> docker_engine::Result<()> {
/// let mut options = LogsOptions::default();
/// options.follow = true;
/// options.since = Some("10m".parse()?); // ten minutes ago by the local clock
/// options.until = Some("2030-01-01T00:00:00.000000001Z".parse()?);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsOptions {
    /// Keep streaming new output until the container stops (or the stream is dropped).
    pub follow: bool,
    /// Include standard output.
    pub stdout: bool,
    /// Include standard error.
    pub stderr: bool,
    /// Only output after this time: parse it from any form `docker logs --since`
    /// takes (`"10m".parse()`, RFC 3339 with nanoseconds, Unix seconds with a fraction).
    pub since: Option<Timestamp>,
    /// Only output before this time, in the same forms as `since`.
    pub until: Option<Timestamp>,
    /// Prefix every line with an RFC 3339 timestamp.
    pub timestamps: bool,
    /// Only this many of the last lines (`None`: all).
    pub tail: Option<u64>,
}

impl Default for LogsOptions {
    fn default() -> Self {
        LogsOptions {
            follow: false,
            stdout: true,
            stderr: true,
            since: None,
            until: None,
            timestamps: false,
            tail: None,
        }
    }
}

/// Options of [`Containers::stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsOptions {
    /// Answer at once, without the second sample that fills `precpu_stats` (API 1.41+).
    pub one_shot: bool,
}

/// Options of [`Containers::start`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartContainerOptions {
    /// Key sequence that detaches from the container, e.g. `ctrl-p,ctrl-q`.
    pub detach_keys: Option<String>,
}

/// Options of [`Containers::stop`] and [`Containers::restart`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopContainerOptions {
    /// Signal to stop with instead of the container's stop signal, e.g. `SIGINT` (API 1.42+).
    pub signal: Option<String>,
    /// Seconds to wait before killing (`None`: the container's `StopTimeout`, usually 10;
    /// `-1`: wait forever).
    pub timeout: Option<i64>,
}

/// Options of [`Containers::kill`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KillContainerOptions {
    /// Signal name or number (the daemon's default is `SIGKILL`).
    pub signal: Option<String>,
}

/// Options of [`Containers::attach`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachOptions {
    /// Key sequence that detaches, e.g. `ctrl-p,ctrl-q`.
    pub detach_keys: Option<String>,
    /// Replay the output logged so far first.
    pub logs: bool,
    /// Stream output from now on.
    pub stream: bool,
    /// Attach standard input.
    pub stdin: bool,
    /// Attach standard output.
    pub stdout: bool,
    /// Attach standard error.
    pub stderr: bool,
}

/// Options of [`Containers::attach_websocket`] (feature `websocket`).
///
/// Before API 1.42 the daemon always attaches all three streams: choosing them
/// (`Some(..)`) then fails with an error instead of being ignored.
#[cfg(feature = "websocket")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebSocketAttachOptions {
    /// Key sequence that detaches.
    pub detach_keys: Option<String>,
    /// Replay the output logged so far first.
    pub logs: bool,
    /// Stream output from now on.
    pub stream: bool,
    /// Attach standard input (API 1.42+).
    pub stdin: Option<bool>,
    /// Attach standard output (API 1.42+).
    pub stdout: Option<bool>,
    /// Attach standard error (API 1.42+).
    pub stderr: Option<bool>,
}

/// Options of [`Containers::wait`] and [`Containers::wait_begin`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitOptions {
    /// State to wait for (the daemon's default is `not-running`).
    pub condition: Option<WaitCondition>,
}

/// Options of [`Containers::remove`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoveContainerOptions {
    /// Also remove the container's anonymous volumes.
    pub volumes: bool,
    /// Kill the container first if it is running.
    pub force: bool,
    /// Remove the legacy link named by the id instead of a container.
    pub link: bool,
}

/// Options of [`Containers::put_archive`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutArchiveOptions {
    /// Fail rather than replace a directory with a non-directory, or the reverse.
    pub no_overwrite_dir_non_dir: bool,
    /// Give the extracted files the uid and gid of the container's user.
    pub copy_uid_gid: bool,
}

/// Options of [`Containers::prune`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneContainersOptions {
    /// Which stopped containers to remove (default: all of them).
    pub filters: PruneFilters,
}

/// A tar archive of a path in a container, as it streams in, with the path's stat.
#[derive(Debug)]
#[non_exhaustive]
pub struct Archive {
    /// File information of the requested path.
    pub stat: PathStat,
    /// The tar archive.
    pub body: ByteStream,
}

/// A wait registered with the daemon, whose result has not come yet.
///
/// Returned by [`Containers::wait_begin`] as soon as the daemon has sent the
/// answer's head, that is once the wait is in place: a `next-exit` wait begun
/// before [`Containers::start`] cannot miss the exit.
#[derive(Debug)]
pub struct PendingWait {
    response: api_client_transport::Response,
}

impl PendingWait {
    /// Waits for the condition and returns how the container ended.
    pub async fn result(self) -> Result<ContainerWaitResponse> {
        self.response.json().await
    }
}

/// The container operations of a [`Docker`] handle.
#[derive(Debug, Clone)]
pub struct Containers {
    docker: Docker,
}

fn flag(request: Request, key: &str, on: bool) -> Request {
    if on {
        request.query_pair(key, "true")
    } else {
        request
    }
}

fn opt<T: ToString>(request: Request, key: &str, value: Option<T>) -> Request {
    match value {
        Some(v) => request.query_pair(key, v.to_string()),
        None => request,
    }
}

/// Whether a call answered 304 Not Modified, which start and stop use for "already so".
fn not_modified(result: &Result<api_client_transport::Response>) -> bool {
    matches!(result, Err(e) if e.status() == Some(StatusCode::NOT_MODIFIED))
}

fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

/// Rejects create-body fields the version in use does not know.
fn check_create_body(docker: &Docker, body: &ContainerCreateRequest, v: ApiVersion) -> Result<()> {
    if let Some(health) = &body.healthcheck {
        if health.start_interval.is_some() {
            docker.require(v, since::V1_44, "healthcheck.start_interval")?;
        }
    }
    if let Some(host) = &body.host_config {
        if host.annotations.is_some() {
            docker.require(v, since::V1_43, "host_config.annotations")?;
        }
        for (i, mount) in host.mounts.iter().flatten().enumerate() {
            if let Some(b) = &mount.bind_options {
                let field = |name: &str| format!("host_config.mounts[{i}].bind_options.{name}");
                if b.create_mountpoint.is_some() {
                    docker.require(v, since::V1_44, &field("create_mountpoint"))?;
                }
                if b.read_only_non_recursive.is_some() {
                    docker.require(v, since::V1_44, &field("read_only_non_recursive"))?;
                }
                if b.read_only_force_recursive.is_some() {
                    docker.require(v, since::V1_44, &field("read_only_force_recursive"))?;
                }
            }
            if let Some(vo) = &mount.volume_options {
                if vo.subpath.is_some() {
                    docker.require(
                        v,
                        since::V1_45,
                        &format!("host_config.mounts[{i}].volume_options.subpath"),
                    )?;
                }
            }
        }
    }
    Ok(())
}

impl Docker {
    /// The container operations.
    pub fn containers(&self) -> Containers {
        Containers {
            docker: self.clone(),
        }
    }
}

impl Containers {
    async fn req(&self, method: Method, segments: &[&str]) -> Result<(Request, ApiVersion)> {
        self.docker.request(method, segments).await
    }

    async fn req_id(
        &self,
        method: Method,
        id: &str,
        tail: &[&str],
    ) -> Result<(Request, ApiVersion)> {
        non_empty("id", id)?;
        let mut segments = vec!["containers", id];
        segments.extend_from_slice(tail);
        self.req(method, &segments).await
    }

    async fn send_empty(&self, request: Request) -> Result<()> {
        self.docker.send(request).await.map(drop)
    }

    /// Lists containers (running ones only unless `all`).
    #[doc(alias = "ContainerList")]
    #[doc(alias = "container_list")]
    pub async fn list(&self, options: ListContainersOptions) -> Result<Vec<ContainerSummary>> {
        let (mut r, _) = self.req(Method::GET, &["containers", "json"]).await?;
        r = flag(r, "all", options.all);
        r = opt(r, "limit", options.limit);
        r = flag(r, "size", options.size);
        r = options.filters.filters().apply(r);
        crate::tolerant::list(&self.docker, r).await
    }

    /// Creates a container from `config` (its `image` must exist locally).
    ///
    /// The body is validated first, and fields newer than the negotiated API
    /// version are refused with an error naming them.
    #[doc(alias = "ContainerCreate")]
    #[doc(alias = "container_create")]
    pub async fn create(
        &self,
        config: &ContainerCreateRequest,
        options: CreateContainerOptions,
    ) -> Result<ContainerCreateResponse> {
        config.validate()?;
        if let Some(name) = &options.name {
            api_client_transport::validate::pattern(
                "name",
                name,
                "^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$",
            )?;
        }
        // Stricter than the spec (which leaves `Image` optional) on purpose: every
        // daemon refuses a container without an image, and dockerd does so with the
        // misleading "No command specified".
        if config.image.as_deref().map_or(true, str::is_empty) {
            return Err(Error::invalid(
                "image",
                "must name the image the container is made from",
            ));
        }
        let (mut r, v) = self.req(Method::POST, &["containers", "create"]).await?;
        check_create_body(&self.docker, config, v)?;
        if options.platform.is_some() {
            self.docker.require(v, since::V1_41, "platform")?;
        }
        r = opt(r, "name", options.name);
        r = opt(r, "platform", options.platform);
        self.docker.send(r.json(config)?).await?.json().await
    }

    /// Full detail of one container.
    #[doc(alias = "ContainerInspect")]
    #[doc(alias = "container_inspect")]
    pub async fn inspect(
        &self,
        id: &str,
        options: InspectContainerOptions,
    ) -> Result<ContainerInspectResponse> {
        let (r, _) = self.req_id(Method::GET, id, &["json"]).await?;
        let r = flag(r, "size", options.size);
        self.docker.send(r).await?.json().await
    }

    /// The processes running in a container.
    #[doc(alias = "ContainerTop")]
    #[doc(alias = "container_top")]
    pub async fn top(&self, id: &str, options: TopOptions) -> Result<ContainerTopResponse> {
        let (r, _) = self.req_id(Method::GET, id, &["top"]).await?;
        let r = opt(r, "ps_args", options.ps_args);
        self.docker.send(r).await?.json().await
    }

    /// Whether the container's output is multiplexed, i.e. it has no TTY.
    async fn multiplexed(&self, id: &str) -> Result<bool> {
        let info = self.inspect(id, InspectContainerOptions::default()).await?;
        Ok(!info.config.and_then(|c| c.tty).unwrap_or(false))
    }

    /// The container's logged output as a stream of stdout/stderr frames (console
    /// chunks when it has a TTY). With `follow` the stream runs until the container
    /// stops or the stream is dropped.
    ///
    /// A followed stream waits for the answer as long as it would wait between two
    /// lines ([`DockerBuilder::stream_idle_timeout`](crate::DockerBuilder::stream_idle_timeout),
    /// unbounded by default), not for the builder's `timeout`: podman sends nothing,
    /// not even the response head, until the container writes its first line.
    ///
    /// Whether the output is multiplexed is read from the answer's media type where the
    /// daemon sends a trustworthy one (API 1.42+), else from the container's
    /// `Config.Tty`; never guessed from the bytes.
    #[doc(alias = "ContainerLogs")]
    #[doc(alias = "container_logs")]
    pub async fn logs(&self, id: &str, options: LogsOptions) -> Result<LogStream> {
        if !options.stdout && !options.stderr {
            return Err(Error::invalid("stdout", "choose stdout, stderr or both"));
        }
        let (r, v) = self.req_id(Method::GET, id, &["logs"]).await?;
        // dockerd flushes every log line as its own small chunk: read them on
        // a connection driven by the stream's reader (see `LogStream`).
        let mut r = r.dedicated_connection(true);
        // Old daemons do not label the stream: look the TTY up while the container surely exists.
        let known = if v < since::V1_42 {
            Some(self.multiplexed(id).await?)
        } else {
            None
        };
        r = flag(r, "follow", options.follow);
        r = flag(r, "stdout", options.stdout);
        r = flag(r, "stderr", options.stderr);
        r = opt(r, "since", options.since);
        r = opt(r, "until", options.until);
        r = flag(r, "timestamps", options.timestamps);
        r = opt(r, "tail", options.tail);
        if options.follow {
            r = r.head_timeout(self.docker.quiet_stream_allowance());
        }
        let path = r.path().to_string();
        let response = self.docker.send(r).await?;
        let multiplexed =
            match known.or_else(|| attach::framing_from_headers(response.headers(), v)) {
                Some(m) => m,
                None => self.multiplexed(id).await?,
            };
        Ok(attach::log_stream(
            response.into_stream(),
            multiplexed,
            self.docker.config().max_frame_bytes,
            Method::GET,
            path,
        ))
    }

    /// Paths changed in the container's filesystem since it was created from its image.
    #[doc(alias = "ContainerChanges")]
    #[doc(alias = "container_changes")]
    pub async fn changes(&self, id: &str) -> Result<Vec<FilesystemChange>> {
        let (r, _) = self.req_id(Method::GET, id, &["changes"]).await?;
        crate::tolerant::list(&self.docker, r).await
    }

    /// The container's whole filesystem as a tar stream.
    #[doc(alias = "ContainerExport")]
    #[doc(alias = "container_export")]
    pub async fn export(&self, id: &str) -> Result<ByteStream> {
        let (r, _) = self.req_id(Method::GET, id, &["export"]).await?;
        Ok(self.docker.send(r).await?.into_stream())
    }

    /// One resource usage sample.
    #[doc(alias = "ContainerStats")]
    #[doc(alias = "container_stats")]
    pub async fn stats(&self, id: &str, options: StatsOptions) -> Result<ContainerStats> {
        let (r, v) = self.req_id(Method::GET, id, &["stats"]).await?;
        let mut r = r.query_pair("stream", "false");
        if options.one_shot {
            self.docker.require(v, since::V1_41, "one_shot")?;
            r = r.query_pair("one-shot", "true");
        }
        self.docker.send(r).await?.json().await
    }

    /// A stream of resource usage samples, about one per second (podman: one every
    /// 5 s), until the stream is dropped (or the container is removed).
    ///
    /// Like a followed log, it waits for its answer as long as it may be quiet between
    /// samples, since a daemon may send the head only with the first sample.
    #[doc(alias = "container_stats_stream")]
    pub async fn stats_stream(&self, id: &str) -> Result<StatsStream> {
        let (r, _) = self.req_id(Method::GET, id, &["stats"]).await?;
        let r = r
            .query_pair("stream", "true")
            .head_timeout(self.docker.quiet_stream_allowance())
            .dedicated_connection(true);
        let path = r.path().to_string();
        let body = self.docker.send(r).await?.into_stream();
        Ok(JsonLines::new(body, Method::GET, path))
    }

    /// Resizes the container's TTY.
    #[doc(alias = "ContainerResize")]
    #[doc(alias = "container_resize")]
    pub async fn resize(&self, id: &str, height: u32, width: u32) -> Result<()> {
        let (r, _) = self.req_id(Method::POST, id, &["resize"]).await?;
        let r = r
            .query_pair("h", height.to_string())
            .query_pair("w", width.to_string());
        self.send_empty(r).await
    }

    /// Starts a container. Starting a running container succeeds and does nothing.
    #[doc(alias = "ContainerStart")]
    #[doc(alias = "container_start")]
    pub async fn start(&self, id: &str, options: StartContainerOptions) -> Result<()> {
        let (r, _) = self.req_id(Method::POST, id, &["start"]).await?;
        let result = self
            .docker
            .send(opt(r, "detachKeys", options.detach_keys))
            .await;
        if not_modified(&result) {
            return Ok(());
        }
        result.map(drop)
    }

    fn stop_request(
        &self,
        r: Request,
        v: ApiVersion,
        options: StopContainerOptions,
    ) -> Result<Request> {
        if options.signal.is_some() {
            self.docker.require(v, since::V1_42, "signal")?;
        }
        // The answer comes only after the grace period: wait for it, plus a margin.
        let grace = match options.timeout {
            Some(t) if t < 0 => LONG_CALL,
            Some(t) => Duration::from_secs(t as u64 + 120),
            None => Duration::from_secs(10 * 60),
        };
        let r = opt(r, "signal", options.signal);
        Ok(opt(r, "t", options.timeout).timeout(grace))
    }

    /// Stops a container: its stop signal, then `SIGKILL` after the timeout.
    /// Stopping a stopped container succeeds and does nothing.
    #[doc(alias = "ContainerStop")]
    #[doc(alias = "container_stop")]
    pub async fn stop(&self, id: &str, options: StopContainerOptions) -> Result<()> {
        let (r, v) = self.req_id(Method::POST, id, &["stop"]).await?;
        let result = self.docker.send(self.stop_request(r, v, options)?).await;
        if not_modified(&result) {
            return Ok(());
        }
        result.map(drop)
    }

    /// Restarts a container (stopping it first as [`Containers::stop`] does).
    #[doc(alias = "ContainerRestart")]
    #[doc(alias = "container_restart")]
    pub async fn restart(&self, id: &str, options: StopContainerOptions) -> Result<()> {
        let (r, v) = self.req_id(Method::POST, id, &["restart"]).await?;
        self.send_empty(self.stop_request(r, v, options)?).await
    }

    /// Sends a signal to the container's main process.
    #[doc(alias = "ContainerKill")]
    #[doc(alias = "container_kill")]
    pub async fn kill(&self, id: &str, options: KillContainerOptions) -> Result<()> {
        let (r, _) = self.req_id(Method::POST, id, &["kill"]).await?;
        self.send_empty(opt(r, "signal", options.signal)).await
    }

    /// Changes resource limits or the restart policy of a container.
    #[doc(alias = "ContainerUpdate")]
    #[doc(alias = "container_update")]
    pub async fn update(
        &self,
        id: &str,
        update: &ContainerUpdateRequest,
    ) -> Result<ContainerUpdateResponse> {
        update.validate()?;
        let (r, _) = self.req_id(Method::POST, id, &["update"]).await?;
        self.docker.send(r.json(update)?).await?.json().await
    }

    /// Renames a container.
    #[doc(alias = "ContainerRename")]
    #[doc(alias = "container_rename")]
    pub async fn rename(&self, id: &str, new_name: &str) -> Result<()> {
        api_client_transport::validate::pattern(
            "new_name",
            new_name,
            "^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$",
        )?;
        let (r, _) = self.req_id(Method::POST, id, &["rename"]).await?;
        self.send_empty(r.query_pair("name", new_name)).await
    }

    /// Freezes all processes of a container.
    #[doc(alias = "ContainerPause")]
    #[doc(alias = "container_pause")]
    pub async fn pause(&self, id: &str) -> Result<()> {
        let (r, _) = self.req_id(Method::POST, id, &["pause"]).await?;
        self.send_empty(r).await
    }

    /// Thaws a paused container.
    #[doc(alias = "ContainerUnpause")]
    #[doc(alias = "container_unpause")]
    pub async fn unpause(&self, id: &str) -> Result<()> {
        let (r, _) = self.req_id(Method::POST, id, &["unpause"]).await?;
        self.send_empty(r).await
    }

    /// Attaches to a container over a hijacked connection (`Upgrade: tcp`): its output
    /// as frames, and a writer for its standard input that can be half-closed.
    ///
    /// Attaching before [`Containers::start`] (with `stream`) sees all output.
    #[doc(alias = "ContainerAttach")]
    #[doc(alias = "container_attach")]
    pub async fn attach(&self, id: &str, options: AttachOptions) -> Result<Attached> {
        let (mut r, v) = self.req_id(Method::POST, id, &["attach"]).await?;
        let known = if v < since::V1_42 {
            Some(self.multiplexed(id).await?)
        } else {
            None
        };
        r = opt(r, "detachKeys", options.detach_keys);
        r = flag(r, "logs", options.logs);
        r = flag(r, "stream", options.stream);
        r = flag(r, "stdin", options.stdin);
        r = flag(r, "stdout", options.stdout);
        r = flag(r, "stderr", options.stderr);
        // Hijacked calls are never retried: the daemon may already be streaming.
        let r = r.retryable(false);
        attach::hijack(&self.docker, r, v, async {
            match known {
                Some(m) => Ok(m),
                None => self.multiplexed(id).await,
            }
        })
        .await
    }

    /// Attaches to a container over a websocket. The output is never multiplexed
    /// (stdout and stderr arrive interleaved as console chunks).
    ///
    /// Needs the `websocket` feature; [`Containers::attach`] does the same over
    /// a hijacked connection, with stdout and stderr told apart.
    #[cfg(feature = "websocket")]
    #[doc(alias = "ContainerAttachWebsocket")]
    #[doc(alias = "container_attach_websocket")]
    pub async fn attach_websocket(
        &self,
        id: &str,
        options: WebSocketAttachOptions,
    ) -> Result<crate::WebSocketAttached> {
        let (mut r, v) = self.req_id(Method::GET, id, &["attach", "ws"]).await?;
        for (name, value) in [
            ("stdin", options.stdin),
            ("stdout", options.stdout),
            ("stderr", options.stderr),
        ] {
            if let Some(on) = value {
                self.docker.require(v, since::V1_42, name)?;
                r = r.query_pair(name, if on { "true" } else { "false" });
            }
        }
        r = opt(r, "detachKeys", options.detach_keys);
        r = flag(r, "logs", options.logs);
        r = flag(r, "stream", options.stream);
        crate::websocket::websocket(&self.docker, r.retryable(false)).await
    }

    /// Blocks until the container reaches the condition, and returns its exit code.
    #[doc(alias = "ContainerWait")]
    #[doc(alias = "container_wait")]
    pub async fn wait(&self, id: &str, options: WaitOptions) -> Result<ContainerWaitResponse> {
        self.wait_begin(id, options).await?.result().await
    }

    /// Registers a wait and returns as soon as the daemon has it in place; the
    /// result comes from [`PendingWait::result`]. Use it to wait for `next-exit`
    /// without racing a start.
    pub async fn wait_begin(&self, id: &str, options: WaitOptions) -> Result<PendingWait> {
        let (r, _) = self.req_id(Method::POST, id, &["wait"]).await?;
        let r = match &options.condition {
            Some(c) => r.query_pair("condition", c.as_str()),
            None => r,
        };
        // The head comes at once; the body only when the container gets there, which
        // may take hours: no deadline and no idle limit on it.
        let r = r.streaming().idle_timeout(None);
        let response = self.docker.send(r).await?;
        Ok(PendingWait { response })
    }

    /// Removes a container.
    #[doc(alias = "ContainerDelete")]
    #[doc(alias = "container_delete")]
    pub async fn remove(&self, id: &str, options: RemoveContainerOptions) -> Result<()> {
        let (mut r, _) = self.req_id(Method::DELETE, id, &[]).await?;
        r = flag(r, "v", options.volumes);
        r = flag(r, "force", options.force);
        r = flag(r, "link", options.link);
        self.send_empty(r).await
    }

    /// Downloads `path` of the container as a tar stream, with the path's stat.
    #[doc(alias = "ContainerArchive")]
    #[doc(alias = "container_archive")]
    pub async fn archive(&self, id: &str, path: &str) -> Result<Archive> {
        non_empty("path", path)?;
        let (r, _) = self.req_id(Method::GET, id, &["archive"]).await?;
        let r = r.query_pair("path", path);
        let (method, rpath) = (r.method().clone(), r.path().to_string());
        let response = self.docker.send(r).await?;
        let stat = path_stat_from_headers(response.headers(), &method, &rpath)?;
        Ok(Archive {
            stat,
            body: response.into_stream(),
        })
    }

    /// File information of `path` in the container, without its content.
    ///
    /// A `HEAD` answer has no body, so a 404 cannot tell a missing path from a
    /// missing container; the container is then inspected to say which is missing
    /// (the error stays a 404 either way).
    #[doc(alias = "ContainerArchiveInfo")]
    #[doc(alias = "container_archive_info")]
    pub async fn archive_info(&self, id: &str, path: &str) -> Result<PathStat> {
        non_empty("path", path)?;
        let (r, _) = self.req_id(Method::HEAD, id, &["archive"]).await?;
        let r = r.query_pair("path", path);
        let (method, rpath) = (r.method().clone(), r.path().to_string());
        let response = match self.docker.send(r).await {
            Ok(response) => response,
            Err(Error::Api(api)) if api.status() == StatusCode::NOT_FOUND => {
                // A missing container answers with its own, already clear, 404.
                self.inspect(id, InspectContainerOptions::default()).await?;
                let api = (*api).with_message(api_client_transport::ErrorMessage {
                    code: None,
                    message: format!("no such path in container {id}: {path}"),
                });
                return Err(Error::Api(Box::new(api)));
            }
            Err(e) => return Err(e),
        };
        path_stat_from_headers(response.headers(), &method, &rpath)
    }

    /// Extracts a tar archive, read from `tar` as it is sent (never buffered whole),
    /// into the existing directory `path` of the container.
    #[doc(alias = "PutContainerArchive")]
    #[doc(alias = "put_container_archive")]
    pub async fn put_archive<S>(
        &self,
        id: &str,
        path: &str,
        tar: S,
        options: PutArchiveOptions,
    ) -> Result<()>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        non_empty("path", path)?;
        let (mut r, _) = self.req_id(Method::PUT, id, &["archive"]).await?;
        r = r.query_pair("path", path);
        r = flag(r, "noOverwriteDirNonDir", options.no_overwrite_dir_non_dir);
        r = flag(r, "copyUIDGID", options.copy_uid_gid);
        let r = r.stream(tar, "application/x-tar").timeout(LONG_CALL);
        self.send_empty(r).await
    }

    /// Removes stopped containers.
    #[doc(alias = "ContainerPrune")]
    #[doc(alias = "container_prune")]
    pub async fn prune(&self, options: PruneContainersOptions) -> Result<ContainerPruneResponse> {
        let (r, _) = self.req(Method::POST, &["containers", "prune"]).await?;
        let r = options.filters.filters().apply(r);
        self.docker.send(r).await?.json().await
    }
}
