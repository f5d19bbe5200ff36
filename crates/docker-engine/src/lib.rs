//! An async client for the Docker Engine API: the whole container API, exec,
//! and the few image and system calls a container workflow needs.
//!
//! ```no_run
//! use docker_engine::models::ContainerCreateRequest;
//! use docker_engine::{Docker, LogsOptions, CreateContainerOptions, RemoveContainerOptions};
//! use docker_engine::frames::LogOutput;
//! use futures_util::StreamExt;
//!
//! # async fn run() -> docker_engine::Result<()> {
//! // DOCKER_HOST, or unix:///var/run/docker.sock
//! let docker = Docker::from_env()?;
//! println!("speaking API {}", docker.api_version().await?);
//!
//! let containers = docker.containers();
//! let config = ContainerCreateRequest {
//!     image: Some("busybox:latest".into()),
//!     cmd: Some(vec!["sh".into(), "-c".into(), "echo hello; echo oops >&2".into()]),
//!     ..Default::default()
//! };
//! let id = containers.create(&config, CreateContainerOptions::default()).await?.id;
//! containers.start(&id, Default::default()).await?;
//!
//! let mut logs = containers
//!     .logs(&id, LogsOptions { follow: true, ..Default::default() })
//!     .await?;
//! while let Some(frame) = logs.next().await {
//!     match frame? {
//!         LogOutput::StdOut { message } => print!("out: {}", String::from_utf8_lossy(&message)),
//!         LogOutput::StdErr { message } => eprint!("err: {}", String::from_utf8_lossy(&message)),
//!         other => println!("{other:?}"),
//!     }
//! }
//! let exit = containers.wait(&id, Default::default()).await?;
//! println!("exit code {}", exit.status_code);
//! containers.remove(&id, RemoveContainerOptions { force: true, ..Default::default() }).await?;
//! # Ok(()) }
//! ```
//!
//! # What it does
//!
//! - **Connecting**: [`Docker::from_env`] (also named [`Docker::connect`]) finds the daemon as the docker CLI does:
//!   `DOCKER_HOST` (`unix://`, `tcp://`, `ssh://`, `http://`), else the Docker context named by
//!   `DOCKER_CONTEXT` or by `currentContext` in the CLI's `config.json` (see
//!   [`Endpoint`] and [`ContextStore`]), else `unix:///var/run/docker.sock`. A missing
//!   socket is an [`Error::Connect`] that names the path. A `tcp://` host without a
//!   port means 2375, or 2376 with TLS. With the `tls` feature, `DOCKER_TLS_VERIFY` and
//!   `DOCKER_CERT_PATH` work as in the docker CLI, or give the files to
//!   [`DockerBuilder::tls_cert_path`]. `ssh://[user@]host[:port]` runs the system
//!   `ssh` per connection, as the docker CLI does ([`DockerBuilder::ssh_args`];
//!   its failures carry an [`SshFailure`]). [`Docker`] is cheap to clone. On Windows
//!   the default is Docker Desktop's named pipe (`npipe://`). When nothing names a
//!   daemon and no socket is at the default path, the sockets of Docker Desktop,
//!   rootless Docker and Podman are looked for ([`Discovery`]).
//! - **Version negotiation**: the client speaks API [`ApiVersion::LATEST`] (1.45). On first
//!   use it asks the daemon (`/_ping`'s `Api-Version` header, else `/version`) and uses
//!   the lower of the two; [`Docker::current_api_version`] shows the choice. A parameter or body
//!   field newer than the negotiated version is refused with [`Error::InvalidInput`]
//!   naming it, rather than silently ignored by an older daemon.
//! - **Streams**: logs, attach and exec output are [`frames::LogStream`]s of
//!   [`frames::LogOutput`] values. Whether a stream is multiplexed is decided from the
//!   answer's media type where the daemon labels it truthfully (API 1.42+), else from the
//!   container's `Config.Tty` (or the exec's `Tty`); never guessed from the bytes.
//!   Attach and exec hijack the connection and give a writer for standard input
//!   that can be half-closed. Stats stream as typed samples; archives and exports stream
//!   as bytes, and uploads are streamed, never buffered whole.
//! - **Images and registries** (feature `images`): pulls, pushes, builds and loads
//!   stream typed progress whose in-stream failures are errors; registry credentials
//!   come from code or from the user's Docker config (including credential helpers)
//!   and never appear in a `Debug` output or an error.
//! - **Tolerant models**: the [`models`] are generated from this crate's own small
//!   OpenAPI file. Unknown fields are ignored and every enum has an `Unknown` variant,
//!   so a newer daemon never breaks decoding.
//! - **Networks, volumes, system** (features `networks`, `volumes`, `system`):
//!   `Docker::networks`, `Docker::volumes`, and `Docker::info`, `Docker::df`
//!   and `Docker::events` (a typed stream that a followed watch keeps open).
//! - **Conveniences**: [`Containers::run`] is `docker run --rm` in one call (exit code
//!   and output back, the container removed on every path); [`helpers`] builds port
//!   bindings, mounts, health check durations and network endpoints with types
//!   instead of wire strings.
//!
//! - **Configuration**: [`Docker::builder`] wraps the shared [`ClientConfig`]
//!   with the knob names every client of this family uses (`timeout`,
//!   `connect_timeout`, `stream_idle_timeout`, `retry`, `max_body_bytes`,
//!   `max_frame_bytes`, `validate_requests`, `user_agent`); the address is
//!   [`DockerBuilder::host`]. Defaults: 120 s per buffered call (head and
//!   whole body; calls that legitimately take longer extend it), no idle
//!   bound on streams (a followed log may be quiet for hours), 32 MiB per
//!   buffered answer, 8 MiB per stream frame, 3 attempts for reads and
//!   idempotent calls (a `POST` is resent only when it cannot have had an
//!   effect). The User-Agent is `docker-engine/<version>`.
//!
//! Errors are [`Error`]: the daemon's own message is kept for API errors;
//! [`Error::is_not_found`], [`Error::is_conflict`] and friends sort them.
//! No HTTP proxy is ever used.
//!
//! # Cargo features
//!
//! None is on by default: containers, exec, attach, logs, stats, archives, ping,
//! version, [`Containers::run`] and [`helpers`] are always there, and each area
//! below is compiled only when asked for.
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `images` | `Images` (list, pull, push, build, tag, save and load, search, prune, commit), registry credentials, distribution inspect |
//! | `networks` | `Networks` |
//! | `volumes` | `Volumes` |
//! | `system` | `Docker::info`, `Docker::df`, `Docker::events` |
//! | `tls` | TLS to a remote daemon through rustls (no OpenSSL), see [`DockerBuilder::tls_cert_path`]; without it a request for TLS is an [`Error::InvalidInput`] naming the setting, never a plain-text attempt |
//! | `swarm` | `Docker::swarm`, `nodes`, `services`, `tasks`, `secrets`, `configs` (swarm mode; turns on `images`) |
//! | `plugins` | `Docker::plugins` (turns on `images`) |
//! | `websocket` | `Containers::attach_websocket`; [`Containers::attach`] covers the same ground over a hijacked connection without the websocket crates |
//! | `full` | all of the above |
//!
//! # Stability of the models
//!
//! Models the daemon answers with are `#[non_exhaustive]`, so a field a later
//! API version adds is not a breaking change; outside this crate they are read,
//! never built with a struct literal:
//!
//! ```compile_fail,E0639
//! let host = docker_engine::models::HostConfig { memory: Some(1 << 26), ..Default::default() };
//! ```
//!
//! Models you send have a `new` that takes the required fields; the optional
//! ones are set afterwards:
//!
//! ```
//! let mut host = docker_engine::models::HostConfig::new();
//! host.memory = Some(1 << 26);
//! assert_eq!(host.init, None);
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod frames;

#[path = "generated/models.rs"]
pub mod models;

mod archive;
mod attach;
#[cfg(feature = "swarm")]
mod configs;
mod containers;
mod context;
mod discovery;
mod docker;
#[cfg(feature = "system")]
mod events;
mod exec;
mod filters;
pub mod helpers;
#[cfg(feature = "images")]
mod images;
#[cfg(feature = "networks")]
mod networks;
#[cfg(feature = "swarm")]
mod nodes;
#[cfg(feature = "plugins")]
mod plugins;
#[cfg(feature = "images")]
mod registry_auth;
mod run;
#[cfg(feature = "swarm")]
mod secrets;
#[cfg(feature = "swarm")]
mod services;
mod session;
mod ssh;
mod streams;
#[cfg(feature = "swarm")]
mod swarm;
#[cfg(any(feature = "swarm", feature = "plugins"))]
mod swarm_common;
#[cfg(feature = "swarm")]
mod swarm_store;
#[cfg(feature = "system")]
mod system;
#[cfg(feature = "swarm")]
mod tasks;
mod timestamp;
mod tolerant;
mod unsupported;
mod version;
#[cfg(feature = "volumes")]
mod volumes;
#[cfg(feature = "websocket")]
mod websocket;

pub use api_client_transport::bytes::Bytes;
pub use api_client_transport::futures_core::Stream;
pub use api_client_transport::{ByteStream, ClientConfig, Error, Result, RetryPolicy, Secret};
#[cfg(feature = "tls")]
pub use api_client_transport::{TlsConfig, TlsFailure};
pub use archive::PATH_STAT_HEADER;
pub use attach::{AttachInput, Attached};
#[cfg(feature = "swarm")]
pub use configs::{ConfigFilters, Configs, ListConfigsOptions};
#[cfg(feature = "websocket")]
pub use containers::WebSocketAttachOptions;
pub use containers::{
    Archive, AttachOptions, Containers, CreateContainerOptions, InspectContainerOptions,
    KillContainerOptions, ListContainersOptions, LogsOptions, PendingWait, PruneContainersOptions,
    PutArchiveOptions, RemoveContainerOptions, StartContainerOptions, StatsOptions, StatsStream,
    StopContainerOptions, TopOptions, WaitOptions,
};
pub use context::{ContextStore, Endpoint, EndpointSource, TlsFiles, DEFAULT_CONTEXT};
pub use discovery::{Discovery, Place, PlaceKind, PODMAN_SYSTEM_SOCKET, SYSTEM_SOCKET};
pub use docker::{Docker, DockerBuilder, PingInfo, DEFAULT_HOST};
#[cfg(feature = "system")]
pub use events::{EventStream, EventsOptions};
pub use exec::{Exec, StartExecOptions};
#[cfg(feature = "system")]
pub use filters::EventFilters;
#[cfg(feature = "networks")]
pub use filters::NetworkFilters;
#[cfg(feature = "volumes")]
pub use filters::VolumeFilters;
pub use filters::{ContainerFilters, Filters, PruneFilters};
#[cfg(feature = "images")]
pub use images::{
    BuildOptions, CommitOptions, DistributionInspectOptions, Images, ImportImageOptions,
    ImportedImage, ListImagesOptions, LoadImagesOptions, Progress, ProgressMessage,
    PruneBuildCacheOptions, PruneImagesOptions, PullImageOptions, PushImageOptions,
    RemoveImageOptions, SearchImagesOptions,
};
#[cfg(feature = "networks")]
pub use networks::{
    DisconnectNetworkOptions, InspectNetworkOptions, ListNetworksOptions, Networks,
    PruneNetworksOptions,
};
#[cfg(feature = "swarm")]
pub use nodes::{ListNodesOptions, NodeFilters, Nodes, RemoveNodeOptions};
#[cfg(feature = "plugins")]
pub use plugins::{
    DisablePluginOptions, EnablePluginOptions, ListPluginsOptions, PluginFilters, Plugins,
    PullPluginOptions, PushPluginOptions, RemovePluginOptions,
};
#[cfg(feature = "images")]
pub use registry_auth::{registry_of, DockerConfig, RegistryAuth, DOCKER_HUB_KEY};
pub use run::{RunOptions, RunOutput, RunResult};
#[cfg(feature = "swarm")]
pub use secrets::{ListSecretsOptions, SecretFilters, Secrets};
#[cfg(feature = "swarm")]
pub use services::{
    CreateServiceOptions, InspectServiceOptions, ListServicesOptions, RegistryAuthFrom,
    ServiceFilters, Services, UpdateServiceOptions,
};
pub use session::SessionOptions;
pub use ssh::SshFailure;
pub use streams::JsonLines;
#[cfg(feature = "swarm")]
pub use swarm::{LeaveSwarmOptions, Swarm, UpdateSwarmOptions};
#[cfg(feature = "swarm")]
pub use swarm_common::{SecretBytes, TaskLogsOptions};
#[cfg(feature = "system")]
pub use system::{DataUsageKind, DataUsageOptions};
#[cfg(feature = "swarm")]
pub use tasks::{ListTasksOptions, TaskFilters, Tasks};
pub use timestamp::Timestamp;
pub use unsupported::{DaemonErrorExt, NotSupported, NOT_SUPPORTED};
pub use version::ApiVersion;
#[cfg(feature = "volumes")]
pub use volumes::{ListVolumesOptions, PruneVolumesOptions, RemoveVolumeOptions, Volumes};
#[cfg(feature = "websocket")]
pub use websocket::{WebSocketAttached, WebSocketInput};

/// The README's examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Helpers shared by the unit tests of several modules.
#[cfg(test)]
mod test_support {
    /// The error and its causes, as an error reporter prints them (`Display`
    /// says each level once, so a message may sit in a cause).
    pub(crate) fn report(err: &(dyn std::error::Error + 'static)) -> String {
        let mut text = err.to_string();
        let mut cause = err.source();
        while let Some(e) = cause {
            text.push_str(": ");
            text.push_str(&e.to_string());
            cause = e.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}

    #[test]
    fn public_handles_cross_threads() {
        send_sync::<crate::Docker>();
        send_sync::<crate::Containers>();
        send_sync::<crate::Exec>();
        #[cfg(feature = "images")]
        send_sync::<crate::Images>();
        #[cfg(feature = "networks")]
        send_sync::<crate::Networks>();
        #[cfg(feature = "volumes")]
        send_sync::<crate::Volumes>();
        #[cfg(feature = "system")]
        send::<crate::EventStream>();
        send_sync::<crate::RunResult>();
        send_sync::<crate::ApiVersion>();
        send_sync::<crate::Endpoint>();
        send_sync::<crate::ContextStore>();
        send_sync::<crate::Timestamp>();
        send_sync::<crate::SshFailure>();
        send_sync::<crate::DockerBuilder>();
        send::<crate::Attached>();
        #[cfg(feature = "websocket")]
        send::<crate::WebSocketAttached>();
        send::<crate::StatsStream>();
        send::<crate::PendingWait>();
        send::<crate::Archive>();
    }
}
