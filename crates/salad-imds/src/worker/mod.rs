//! The SaladCloud job-queue worker, in process (feature `worker`).
//!
//! SaladCloud's job queues hand each job to a worker inside the container over
//! gRPC. SaladCloud ships that worker as a Go sidecar that forwards every job
//! as an HTTP `POST` to the workload; [`Worker`] is the same worker as a
//! library: it calls your async handler directly.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use salad_imds::worker::{json_output, Job, Rejection, Worker};
//!
//! #[derive(serde::Deserialize)]
//! struct Prompt { text: String }
//!
//! let worker = Worker::from_env()?; // SALAD_METADATA_URI, SALAD_SERVICE_ENDPOINT, SALAD_SERVICE_USE_TLS
//! let stopped = worker
//!     .run_until(
//!         |job: Job| async move {
//!             let prompt: Prompt = job.input_json()?; // a bad input rejects the job
//!             if prompt.text.is_empty() {
//!                 return Err(Rejection::new("empty prompt"));
//!             }
//!             json_output(&serde_json::json!({ "length": prompt.text.len() }))
//!         },
//!         async { let _ = tokio::signal::ctrl_c().await; },
//!     )
//!     .await;
//! println!("worker stopped: {stopped:?}");
//! # Ok(()) }
//! ```
//!
//! [`HttpForwarder`] is the Go worker's contract as a handler
//! (`examples/job_worker.rs` replaces the sidecar one to one).
//!
//! # Behaviour (that of SaladCloud's Go worker, v0.3.0)
//!
//! Each rule is backed by a test in `tests/worker_*.rs`, against a local
//! gRPC server built from the same proto and a mock IMDS.
//!
//! - **Configuration**: [`Worker::from_env`] reads `SALAD_METADATA_URI`
//!   (default `http://169.254.169.254:80`), `SALAD_SERVICE_ENDPOINT` (default
//!   `job-queue-worker-api.salad.com:443`) and `SALAD_SERVICE_USE_TLS`
//!   (default `true`; `1`/`t`/`true`/`0`/`f`/`false` in any case, like Go's
//!   `ParseBool`). TLS trusts what the shared [`TlsConfig`] says (the built-in
//!   Mozilla roots by default) and negotiates HTTP/2 by ALPN; without TLS the
//!   worker speaks HTTP/2 in clear text (prior knowledge).
//! - **Authentication**: every call carries `authorization: Bearer <token>`
//!   with the IMDS identity token (`GET /v1/token`), fetched on first use,
//!   when it has expired, and again after `Unauthenticated` or
//!   `PermissionDenied`. The token never appears in logs or errors.
//! - **Readiness**: jobs are accepted only while IMDS `GET /v1/status` says
//!   `ready`, checked every [`status_poll_interval`](WorkerBuilder::status_poll_interval)
//!   (default 5 s, also after a failed check, where the Go worker waits 2 min).
//!   After 3 failed checks in a row the worker stops accepting until a check
//!   succeeds. Not ready: the stream is closed, so the service
//!   sends no more jobs; a job in hand still finishes and is reported.
//! - **Instance gone**: when IMDS answers 404, the worker stops
//!   ([`Stopped::InstanceGone`]) after finishing the job in hand as on shutdown.
//! - **One stream**: at most one `AcceptJobs` stream is open; heartbeats are
//!   ignored; the service sends one job at a time. When the stream breaks it
//!   is opened again after a pause (1 s doubling to 2 min, reset by the next
//!   message), with `current_job_id` set while a job is in hand. A stream
//!   answer of `NotFound` means the job in hand no longer exists: its handler
//!   is cancelled and nothing is reported. The same job sent again while in
//!   hand is ignored; a different job sent while one is in hand is rejected.
//! - **Reporting**: an `Ok` from the handler is `CompleteJob`, an `Err` is
//!   `RejectJob`. `CompleteJob` answered `InvalidArgument` or
//!   `ResourceExhausted` (the service refuses the output) becomes
//!   `RejectJob`; `Unauthenticated`/`PermissionDenied` fetches a new token and
//!   tries again; `NotFound` means the job is gone (nothing more is sent);
//!   any other failure (including `Unavailable` and a call past its 30 s
//!   deadline) is tried again after a pause of 1 s doubling to 2 min.
//!   `RejectJob` follows the same rules and gives up on `InvalidArgument`.
//! - **Bounds**: an input over [`max_input_bytes`](WorkerBuilder::max_input_bytes)
//!   (default [`DEFAULT_MAX_INPUT_BYTES`], 4 MiB) or an output over
//!   [`max_output_bytes`](WorkerBuilder::max_output_bytes) (default
//!   [`DEFAULT_MAX_OUTPUT_BYTES`], 4 MiB less 1 KiB) rejects the job without
//!   calling the handler or sending the output. A handler that panics, or
//!   runs past [`job_timeout`](WorkerBuilder::job_timeout) (default: none),
//!   rejects its job; the worker goes on with the next one. A message over
//!   the input cap plus 64 KiB cannot be decoded at all: the stream fails and
//!   is opened again.
//! - **Shutdown**: when the future given to [`Worker::run_until`] completes,
//!   the stream is closed (no new job); the job in hand gets
//!   [`shutdown_grace`](WorkerBuilder::shutdown_grace) (default 30 s) to
//!   finish and be reported, else its handler is cancelled and the job
//!   rejected.
//!
//! Why 4 MiB: the service does not publish its limits, and 4 MiB is gRPC's
//! default limit on a received message, which the Go worker (grpc-go
//! defaults) applies to job inputs and the service applies to what it
//! receives, so no job the Go worker can run is refused here.

mod forward;
mod job;
mod run;
mod service;

/// The messages and client generated from
/// `proto/salad-job-queue-worker-v1alpha.proto` by `cargo xtask codegen`
/// (package `salad.grpc.saladcloud_job_queue_worker.v1alpha`).
#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[path = "../generated/job_queue_worker.rs"]
pub mod proto;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use api_client_transport::TlsConfig;
pub use forward::HttpForwarder;
pub use job::{json_output, Handler, HandlerFuture, InputError, Job, Rejection};

use crate::{ClientConfig, Error, ImdsClient, Result};

/// Environment variable with the IMDS base URL (the Go worker's name).
pub const METADATA_URI_ENV: &str = "SALAD_METADATA_URI";
/// Environment variable with the service endpoint, `host:port`.
pub const SERVICE_ENDPOINT_ENV: &str = "SALAD_SERVICE_ENDPOINT";
/// Environment variable saying whether to use TLS (`true`/`false`).
pub const SERVICE_USE_TLS_ENV: &str = "SALAD_SERVICE_USE_TLS";
/// The IMDS base URL the Go worker uses by default.
pub const DEFAULT_METADATA_URI: &str = "http://169.254.169.254:80";
/// The queue service's endpoint.
pub const DEFAULT_SERVICE_ENDPOINT: &str = "job-queue-worker-api.salad.com:443";
/// Default cap on a job's input: 4 MiB (see the module docs for why).
pub const DEFAULT_MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;
/// Default cap on a job's output: 4 MiB less 1 KiB for the rest of the
/// `CompleteJob` message, which must stay under gRPC's 4 MiB default.
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 4 * 1024 * 1024 - 1024;
/// Default deadline of one `CompleteJob`/`RejectJob` call (the Go worker's 30 s).
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Default pause between two IMDS readiness checks (the Go worker's 5 s).
pub const DEFAULT_STATUS_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// Default time the job in hand gets to finish when the worker stops.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Why [`Worker::run_until`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stopped {
    /// The shutdown future completed.
    Cancelled,
    /// IMDS answered 404: this instance no longer exists.
    InstanceGone,
}

#[derive(Debug, Clone)]
pub(crate) struct WorkerSettings {
    pub(crate) config: ClientConfig,
    pub(crate) origin: String,
    pub(crate) use_tls: bool,
    pub(crate) max_input_bytes: usize,
    pub(crate) max_output_bytes: usize,
    pub(crate) job_timeout: Option<Duration>,
    pub(crate) status_poll_interval: Duration,
    pub(crate) status_failures: u32,
    pub(crate) backoff_min: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) shutdown_grace: Duration,
}

/// Settings for a [`Worker`]; start from [`Worker::builder`] or
/// [`Worker::builder_from_env`].
#[derive(Debug, Clone)]
pub struct WorkerBuilder {
    endpoint: String,
    use_tls: bool,
    metadata_uri: String,
    imds: Option<ImdsClient>,
    settings: WorkerSettings,
}

impl Default for WorkerBuilder {
    fn default() -> Self {
        let mut config = ClientConfig::new(DEFAULT_SERVICE_ENDPOINT);
        config.timeout = DEFAULT_CALL_TIMEOUT;
        config.user_agent = concat!("salad-imds/", env!("CARGO_PKG_VERSION")).to_owned();
        WorkerBuilder {
            endpoint: DEFAULT_SERVICE_ENDPOINT.to_owned(),
            use_tls: true,
            metadata_uri: DEFAULT_METADATA_URI.to_owned(),
            imds: None,
            settings: WorkerSettings {
                config,
                origin: String::new(),
                use_tls: true,
                max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
                max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
                job_timeout: None,
                status_poll_interval: DEFAULT_STATUS_POLL_INTERVAL,
                status_failures: 3,
                backoff_min: Duration::from_secs(1),
                backoff_max: Duration::from_secs(120),
                shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            },
        }
    }
}

impl WorkerBuilder {
    /// The queue service: `host:port` like `SALAD_SERVICE_ENDPOINT`, or a
    /// URL whose scheme (`http`/`https`) also sets [`use_tls`](Self::use_tls).
    pub fn service_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into();
        self
    }

    /// Whether to reach the service over TLS (default `true`).
    pub fn use_tls(mut self, yes: bool) -> Self {
        self.use_tls = yes;
        self
    }

    /// The IMDS base URL (default [`DEFAULT_METADATA_URI`]); ignored when
    /// [`imds`](Self::imds) gives a client.
    pub fn metadata_uri(mut self, url: impl Into<String>) -> Self {
        self.metadata_uri = url.into();
        self
    }

    /// The IMDS client to read readiness and tokens with (its own timeouts
    /// and retries apply).
    pub fn imds(mut self, client: ImdsClient) -> Self {
        self.imds = Some(client);
        self
    }

    /// Bound on opening a connection to the service
    /// (`ClientConfig::connect_timeout`, default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.config.connect_timeout = timeout;
        self
    }

    /// Deadline of one `CompleteJob`/`RejectJob` attempt
    /// (`ClientConfig::timeout`, default [`DEFAULT_CALL_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.config.timeout = timeout;
        self
    }

    /// Bound on waiting for the answer's head when the `AcceptJobs` stream
    /// is opened (`ClientConfig::stream_head_timeout`, default 60 s). Once
    /// open, the stream has no deadline: HTTP/2 pings (every 30 s, 20 s to
    /// answer) tell a dead connection from a quiet queue.
    pub fn stream_head_timeout(mut self, timeout: Duration) -> Self {
        self.settings.config.stream_head_timeout = timeout;
        self
    }

    /// How long an idle connection is kept (`ClientConfig::pool_idle_timeout`).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.settings.config.pool_idle_timeout = timeout;
        self
    }

    /// The `user-agent` sent with each call (default `salad-imds/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.settings.config.user_agent = user_agent.into();
        self
    }

    /// What a TLS connection trusts and presents (`ClientConfig::tls`).
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.settings.config.tls = tls;
        self
    }

    /// Cap on a job's input (default [`DEFAULT_MAX_INPUT_BYTES`]).
    pub fn max_input_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_input_bytes = bytes;
        self
    }

    /// Cap on a job's output (default [`DEFAULT_MAX_OUTPUT_BYTES`]).
    pub fn max_output_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_output_bytes = bytes;
        self
    }

    /// Deadline of one handler call; past it the handler is cancelled and the
    /// job rejected. Default `None`: jobs may run for hours, and only the
    /// workload knows how long is too long.
    pub fn job_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.settings.job_timeout = timeout;
        self
    }

    /// Pause between IMDS readiness checks (default
    /// [`DEFAULT_STATUS_POLL_INTERVAL`]).
    pub fn status_poll_interval(mut self, interval: Duration) -> Self {
        self.settings.status_poll_interval = interval;
        self
    }

    /// The pauses before another attempt (stream or report): from `min`,
    /// doubling up to `max` (default 1 s to 2 min).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.settings.backoff_min = min;
        self.settings.backoff_max = max;
        self
    }

    /// Time the job in hand gets to finish when the worker stops (default
    /// [`DEFAULT_SHUTDOWN_GRACE`]).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.settings.shutdown_grace = grace;
        self
    }

    /// Builds the worker. Fails with [`Error::InvalidInput`] on a bad
    /// endpoint, metadata URL or TLS setting. Opens no connection yet.
    pub fn build(self) -> Result<Worker> {
        let mut settings = self.settings;
        let endpoint = self.endpoint.trim();
        let (origin, use_tls) = if let Some(rest) = endpoint.strip_prefix("https://") {
            (format!("https://{}", rest.trim_end_matches('/')), true)
        } else if let Some(rest) = endpoint.strip_prefix("http://") {
            (format!("http://{}", rest.trim_end_matches('/')), false)
        } else if endpoint.is_empty() || endpoint.contains('/') {
            return Err(Error::invalid(
                "service_endpoint",
                "expected host:port or an http(s) URL",
            ));
        } else if self.use_tls {
            (format!("https://{endpoint}"), true)
        } else {
            (format!("http://{endpoint}"), false)
        };
        settings.origin = origin;
        settings.use_tls = use_tls;
        settings.config.base_url = settings.origin.clone();
        let imds = match self.imds {
            Some(imds) => imds,
            None => ImdsClient::builder().base_url(self.metadata_uri).build()?,
        };
        let service = service::Service::new(&settings, imds)?;
        Ok(Worker {
            shared: Arc::new(run::Shared { service, settings }),
        })
    }
}

/// The job-queue worker: takes jobs from the SaladCloud queue service and
/// hands each to a [`Handler`]. See the [module docs](self) for its rules.
///
/// Cheap to clone; run one [`run_until`](Self::run_until) at a time (the
/// service expects one stream per instance).
#[derive(Clone)]
pub struct Worker {
    shared: Arc<run::Shared>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("service", &self.shared.settings.origin)
            .field("imds", &self.shared.service.imds().base_url())
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Starts configuring a worker from the defaults (the real service, the
    /// real IMDS); reads no environment variable.
    pub fn builder() -> WorkerBuilder {
        WorkerBuilder::default()
    }

    /// A worker configured like the Go worker, from `SALAD_METADATA_URI`,
    /// `SALAD_SERVICE_ENDPOINT` and `SALAD_SERVICE_USE_TLS` (unset or blank:
    /// the default).
    pub fn from_env() -> Result<Self> {
        Self::builder_from_env()?.build()
    }

    /// The builder [`Worker::from_env`] builds, to change more knobs first.
    /// Fails, naming the variable, when `SALAD_SERVICE_USE_TLS` is not a boolean.
    pub fn builder_from_env() -> Result<WorkerBuilder> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut builder = Self::builder();
        if let Some(uri) = var(METADATA_URI_ENV) {
            builder = builder.metadata_uri(uri);
        }
        if let Some(endpoint) = var(SERVICE_ENDPOINT_ENV) {
            builder = builder.service_endpoint(endpoint);
        }
        if let Some(tls) = var(SERVICE_USE_TLS_ENV) {
            builder = builder
                .use_tls(parse_bool(&tls).ok_or_else(|| {
                    Error::invalid(SERVICE_USE_TLS_ENV, "expected true or false")
                })?);
        }
        Ok(builder)
    }

    /// Runs until IMDS says the instance is gone (or forever).
    pub async fn run(&self, handler: impl Handler) -> Stopped {
        self.run_until(handler, std::future::pending()).await
    }

    /// Runs until `shutdown` completes (such as `tokio::signal::ctrl_c()`,
    /// or a cancellation token's `cancelled()`) or IMDS says the instance is
    /// gone; either way the job in hand is finished or rejected first.
    pub async fn run_until(
        &self,
        handler: impl Handler,
        shutdown: impl Future<Output = ()>,
    ) -> Stopped {
        run::run(self.shared.clone(), Arc::new(handler), shutdown).await
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Worker>();
        check::<WorkerBuilder>();
        check::<Job>();
        check::<Rejection>();
        check::<HttpForwarder>();
        check::<Stopped>();
    }

    #[test]
    fn booleans_read_like_go() {
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn endpoints_become_origins() {
        let origin = |b: WorkerBuilder| b.build().unwrap().shared.settings.origin.clone();
        assert_eq!(
            origin(Worker::builder()),
            "https://job-queue-worker-api.salad.com:443"
        );
        assert_eq!(
            origin(
                Worker::builder()
                    .service_endpoint("127.0.0.1:9")
                    .use_tls(false)
            ),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            origin(Worker::builder().service_endpoint("http://h:1/")),
            "http://h:1"
        );
        assert!(Worker::builder().service_endpoint("h:1/x").build().is_err());
    }
}
