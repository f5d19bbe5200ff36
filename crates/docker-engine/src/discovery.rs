//! Finding a local daemon when nothing names one, and Windows named pipes.
//!
//! The docker CLI, given no `DOCKER_HOST` and no context, uses
//! `/var/run/docker.sock` (on Windows `npipe:////./pipe/docker_engine`). Many
//! users run something else: Docker Desktop (`~/.docker/run/docker.sock`),
//! rootless Docker (`$XDG_RUNTIME_DIR/docker.sock`) or Podman
//! (`$XDG_RUNTIME_DIR/podman/podman.sock`, `/run/podman/podman.sock` as root).
//! [`Discovery`] looks in those places, in that order, after the CLI's own
//! default; [`Docker::from_env`](crate::Docker::from_env) uses the first socket
//! that exists, and an error when none answers names every place looked at.

use std::path::{Path, PathBuf};

use api_client_transport::{Error, Result};

use crate::{Docker, DockerBuilder};

/// Which kind of daemon a probed place usually belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlaceKind {
    /// The system daemon: `/var/run/docker.sock` (the docker CLI's default).
    SystemDocker,
    /// Docker Desktop: `~/.docker/run/docker.sock`.
    DockerDesktop,
    /// Rootless Docker: `$XDG_RUNTIME_DIR/docker.sock`.
    RootlessDocker,
    /// Rootless Podman: `$XDG_RUNTIME_DIR/podman/podman.sock`.
    RootlessPodman,
    /// Podman run as root: `/run/podman/podman.sock`.
    SystemPodman,
}

/// One place a daemon may listen at.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Place {
    /// What usually listens there.
    pub kind: PlaceKind,
    /// The socket path.
    pub path: PathBuf,
}

impl Place {
    /// The address to connect to, `unix://<path>`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// Whether a unix socket (or a link to one) exists at the path.
    pub fn is_present(&self) -> bool {
        socket_exists(&self.path)
    }
}

#[cfg(unix)]
fn socket_exists(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    // `metadata` follows a symlink to the socket it names.
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

#[cfg(not(unix))]
fn socket_exists(_path: &Path) -> bool {
    false
}

/// The places a local daemon is looked for when nothing names one, in order.
///
/// ```
/// use docker_engine::{Discovery, PlaceKind};
/// let d = Discovery::empty().home("/home/ada").runtime_dir("/run/user/1000");
/// let kinds: Vec<PlaceKind> = d.places().iter().map(|p| p.kind).collect();
/// assert_eq!(kinds, [
///     PlaceKind::SystemDocker, PlaceKind::DockerDesktop, PlaceKind::RootlessDocker,
///     PlaceKind::RootlessPodman, PlaceKind::SystemPodman,
/// ]);
/// assert_eq!(d.places()[2].host(), "unix:///run/user/1000/docker.sock");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    home: Option<PathBuf>,
    runtime_dir: Option<PathBuf>,
    system_socket: PathBuf,
    podman_system_socket: PathBuf,
}

/// The system daemon's socket, the docker CLI's default.
pub const SYSTEM_SOCKET: &str = "/var/run/docker.sock";
/// Where Podman run as root listens.
pub const PODMAN_SYSTEM_SOCKET: &str = "/run/podman/podman.sock";

fn non_empty_var(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl Discovery {
    /// The places of this user: `HOME` and `XDG_RUNTIME_DIR` from the environment.
    pub fn from_env() -> Self {
        Discovery::empty()
            .maybe_home(non_empty_var("HOME"))
            .maybe_runtime_dir(non_empty_var("XDG_RUNTIME_DIR"))
    }

    /// Only the system places (no home, no runtime directory).
    pub fn empty() -> Self {
        Discovery {
            home: None,
            runtime_dir: None,
            system_socket: PathBuf::from(SYSTEM_SOCKET),
            podman_system_socket: PathBuf::from(PODMAN_SYSTEM_SOCKET),
        }
    }

    /// The home directory whose `.docker/run/docker.sock` is probed.
    pub fn home(self, dir: impl Into<PathBuf>) -> Self {
        self.maybe_home(Some(dir.into()))
    }

    fn maybe_home(mut self, dir: Option<PathBuf>) -> Self {
        self.home = dir;
        self
    }

    /// The runtime directory (`XDG_RUNTIME_DIR`) whose `docker.sock` and
    /// `podman/podman.sock` are probed.
    pub fn runtime_dir(self, dir: impl Into<PathBuf>) -> Self {
        self.maybe_runtime_dir(Some(dir.into()))
    }

    fn maybe_runtime_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.runtime_dir = dir;
        self
    }

    /// Another path for the system daemon's socket (default [`SYSTEM_SOCKET`]).
    pub fn system_socket(mut self, path: impl Into<PathBuf>) -> Self {
        self.system_socket = path.into();
        self
    }

    /// Another path for root Podman's socket (default [`PODMAN_SYSTEM_SOCKET`]).
    pub fn podman_system_socket(mut self, path: impl Into<PathBuf>) -> Self {
        self.podman_system_socket = path.into();
        self
    }

    /// Every place, in the order they are tried.
    pub fn places(&self) -> Vec<Place> {
        let mut out = vec![Place {
            kind: PlaceKind::SystemDocker,
            path: self.system_socket.clone(),
        }];
        if let Some(home) = &self.home {
            out.push(Place {
                kind: PlaceKind::DockerDesktop,
                path: home.join(".docker").join("run").join("docker.sock"),
            });
        }
        if let Some(run) = &self.runtime_dir {
            out.push(Place {
                kind: PlaceKind::RootlessDocker,
                path: run.join("docker.sock"),
            });
            out.push(Place {
                kind: PlaceKind::RootlessPodman,
                path: run.join("podman").join("podman.sock"),
            });
        }
        out.push(Place {
            kind: PlaceKind::SystemPodman,
            path: self.podman_system_socket.clone(),
        });
        out
    }

    /// The first place where a socket exists (checked with one `stat` each,
    /// nothing connected).
    pub fn first_present(&self) -> Option<Place> {
        self.places().into_iter().find(Place::is_present)
    }

    /// A builder aimed at the first place where a socket exists, else at the
    /// system socket; [`DockerBuilder::build`] then works as usual.
    pub fn builder(&self) -> DockerBuilder {
        let host = self
            .first_present()
            .map(|p| p.host())
            .unwrap_or_else(|| format!("unix://{}", self.system_socket.display()));
        Docker::builder().host(host)
    }

    /// Connects to the first place whose daemon answers a ping, trying each
    /// present socket in order; `base` carries the other settings (its address is
    /// replaced). The error names every place and what was found there.
    pub async fn connect(&self, base: DockerBuilder) -> Result<Docker> {
        let mut report = Vec::new();
        for place in self.places() {
            if !place.is_present() {
                report.push(format!("{}: no socket", place.path.display()));
                continue;
            }
            let docker = base.clone().host(place.host()).build()?;
            match docker.ping().await {
                Ok(_) => return Ok(docker),
                Err(e) => report.push(format!("{}: {e}", place.path.display())),
            }
        }
        Err(Error::Connect {
            endpoint: "a local Docker or Podman daemon".to_string(),
            source: format!(
                "none answers (set DOCKER_HOST to name one); tried {}",
                report.join("; ")
            )
            .into(),
        })
    }

    /// What the error of a default connection that found no socket says: every
    /// place looked at.
    pub(crate) fn tried(&self) -> String {
        self.places()
            .iter()
            .map(|p| p.path.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The address [`Docker::from_env`](crate::Docker::from_env) uses when nothing
/// names a daemon: the first present place, else the system socket. Also gives
/// the list of places for the error if that one does not answer.
pub(crate) fn default_host() -> (String, Option<String>) {
    let discovery = Discovery::from_env();
    match discovery.first_present() {
        Some(place) => (place.host(), None),
        None => (
            format!("unix://{}", discovery.system_socket.display()),
            Some(discovery.tried()),
        ),
    }
}

/// The Windows pipe path of an `npipe://` address: `npipe:////./pipe/docker_engine`
/// is `\\.\pipe\docker_engine`.
pub(crate) fn npipe_path(host: &str) -> Option<String> {
    let rest = host.trim().strip_prefix("npipe://")?;
    Some(rest.replace('/', "\\"))
}

/// A dialer opening the named pipe for each connection, waiting while every
/// instance of the pipe is busy (the daemon creates more as it accepts).
#[cfg(windows)]
pub(crate) fn npipe_dialer(path: String) -> api_client_transport::Dialer {
    use tokio::net::windows::named_pipe::ClientOptions;
    /// `ERROR_PIPE_BUSY`: all instances are in use; try again shortly.
    const PIPE_BUSY: i32 = 231;
    api_client_transport::Dialer::new(move || {
        let path = path.clone();
        async move {
            loop {
                match ClientOptions::new().open(&path) {
                    Ok(pipe) => return Ok(pipe),
                    Err(e) if e.raw_os_error() == Some(PIPE_BUSY) => {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npipe_paths() {
        assert_eq!(
            npipe_path("npipe:////./pipe/docker_engine").as_deref(),
            Some(r"\\.\pipe\docker_engine")
        );
        assert_eq!(
            npipe_path("npipe:////./pipe/podman-machine-default").as_deref(),
            Some(r"\\.\pipe\podman-machine-default")
        );
        assert_eq!(npipe_path("unix:///x"), None);
    }
}
