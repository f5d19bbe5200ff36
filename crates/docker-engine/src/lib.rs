//! An async client for the Docker Engine API: the whole container API, exec,
//! and the few image and system calls a container workflow needs.
//!
//! ```no_run
//! use docker_engine::models::ContainerCreateRequest;
//! use docker_engine::{Docker, LogsOptions, CreateContainerOptions, RemoveContainerOptions};
//! use docker_engine::frames::LogOutput;
//! use futures_util::StreamExt;
//!
//! # async fn run() -> api_client_transport::Result<()> {
//! // DOCKER_HOST, or unix:///var/run/docker.sock
//! let docker = Docker::connect()?;
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
//! - **Connecting**: [`Docker::connect`] reads `DOCKER_HOST` (`unix://`, `tcp://`,
//!   `http://`) and falls back to `unix:///var/run/docker.sock`. A missing socket
//!   is an [`Error::Connect`] that names the path. [`Docker`] is cheap to clone.
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
//! - **Tolerant models**: the [`models`] are generated from this crate's own small
//!   OpenAPI file. Unknown fields are ignored and every enum has an `Unknown` variant,
//!   so a newer daemon never breaks decoding.
//!
//! Errors are [`api_client_transport::Error`]: the daemon's own message is kept for API errors.
//! No HTTP proxy is ever used.
//!
//! # Cargo features
//!
//! - `websocket` (off by default): `Containers::attach_websocket`, the attach over a
//!   websocket. It is the only call that needs the websocket protocol crates, and
//!   [`Containers::attach`] covers the same ground over a hijacked connection.
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

pub mod frames;

#[path = "generated/models.rs"]
pub mod models;

mod archive;
mod attach;
mod containers;
mod docker;
mod exec;
mod filters;
mod images;
mod streams;
mod tolerant;
mod version;
#[cfg(feature = "websocket")]
mod websocket;

pub use api_client_transport::{ByteStream, Error, Result};
pub use archive::PATH_STAT_HEADER;
pub use attach::{AttachInput, Attached};
#[cfg(feature = "websocket")]
pub use containers::WebSocketAttachOptions;
pub use containers::{
    Archive, AttachOptions, Containers, CreateContainerOptions, InspectContainerOptions,
    KillContainerOptions, ListContainersOptions, LogsOptions, PendingWait, PruneContainersOptions,
    PutArchiveOptions, RemoveContainerOptions, StartContainerOptions, StatsOptions, StatsStream,
    StopContainerOptions, TopOptions, WaitOptions,
};
pub use docker::{Docker, DockerBuilder, PingInfo, DEFAULT_HOST};
pub use exec::{Exec, StartExecOptions};
pub use filters::{ContainerFilters, Filters, PruneFilters};
pub use images::{Images, ImportImageOptions, ImportedImage, RemoveImageOptions};
pub use streams::JsonLines;
pub use version::ApiVersion;
#[cfg(feature = "websocket")]
pub use websocket::{WebSocketAttached, WebSocketInput};

/// The README's examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}

    #[test]
    fn public_handles_cross_threads() {
        send_sync::<crate::Docker>();
        send_sync::<crate::Containers>();
        send_sync::<crate::Exec>();
        send_sync::<crate::Images>();
        send_sync::<crate::ApiVersion>();
        send::<crate::Attached>();
        #[cfg(feature = "websocket")]
        send::<crate::WebSocketAttached>();
        send::<crate::StatsStream>();
        send::<crate::PendingWait>();
        send::<crate::Archive>();
    }
}
