//! Typed helpers for the parts of a container's configuration that are awkward on
//! the wire: published ports (string keys like `80/tcp`, host ports as strings),
//! mounts, health check durations (nanoseconds as integers), and network endpoints
//! (aliases and static addresses).
//!
//! ```
//! use std::time::Duration;
//! use docker_engine::helpers::PublishedPort;
//! use docker_engine::models::{ContainerCreateRequest, HealthConfig, Mount};
//!
//! let mut config = ContainerCreateRequest::default();
//! config.image = Some("nginx:latest".into());
//! let config = config
//!     .publish(PublishedPort::tcp(80).host_port(8080))
//!     .mount(Mount::volume("site", "/usr/share/nginx/html").read_only())
//!     .healthcheck(HealthConfig::shell("wget -qO- localhost").interval(Duration::from_secs(5)));
//! let host = config.host_config.as_ref().unwrap();
//! assert_eq!(host.port_bindings.as_ref().unwrap()["80/tcp"].as_ref().unwrap()[0].host_port.as_deref(), Some("8080"));
//! assert_eq!(config.healthcheck.as_ref().unwrap().interval, Some(5_000_000_000));
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::models::{
    ContainerCreateRequest, EmptyObject, EndpointIpamConfig, EndpointSettings, HealthConfig,
    HostConfig, Mount, MountTmpfsOptions, MountType, MountVolumeOptions, PortBinding, PortType,
};

/// A duration as the daemon's nanosecond integers. Durations past the largest
/// (about 292 years) are clamped to it.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(docker_engine::helpers::nanos(Duration::from_millis(1500)), 1_500_000_000);
/// ```
pub fn nanos(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX)
}

/// A nanosecond integer read from the daemon as a duration; `None` when negative.
///
/// ```
/// use std::time::Duration;
/// use docker_engine::helpers::from_nanos;
/// assert_eq!(from_nanos(2_000_000), Some(Duration::from_millis(2)));
/// assert_eq!(from_nanos(-1), None);
/// ```
pub fn from_nanos(nanos: i64) -> Option<Duration> {
    u64::try_from(nanos).ok().map(Duration::from_nanos)
}

impl HealthConfig {
    /// A check that runs `command` directly (`["CMD", ...]`); exit status 0 is healthy.
    pub fn exec<I, S>(command: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let test = std::iter::once("CMD".to_string())
            .chain(command.into_iter().map(Into::into))
            .collect();
        HealthConfig {
            test: Some(test),
            ..Default::default()
        }
    }

    /// A check that runs `command` with the container's shell (`["CMD-SHELL", command]`).
    pub fn shell(command: impl Into<String>) -> Self {
        HealthConfig {
            test: Some(vec!["CMD-SHELL".to_string(), command.into()]),
            ..Default::default()
        }
    }

    /// Turns off a health check the image defines (`["NONE"]`).
    pub fn disabled() -> Self {
        HealthConfig {
            test: Some(vec!["NONE".to_string()]),
            ..Default::default()
        }
    }

    /// Time between checks (the daemon wants at least 1 ms).
    pub fn interval(mut self, every: Duration) -> Self {
        self.interval = Some(nanos(every));
        self
    }

    /// Time a check may take before it counts as failed.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(nanos(limit));
        self
    }

    /// Grace period after start in which failures do not count.
    pub fn start_period(mut self, period: Duration) -> Self {
        self.start_period = Some(nanos(period));
        self
    }

    /// Time between checks during the start period (API 1.44+).
    pub fn start_interval(mut self, every: Duration) -> Self {
        self.start_interval = Some(nanos(every));
        self
    }

    /// Consecutive failures that make the container unhealthy.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(i64::from(retries));
        self
    }
}

/// A container port published on the host, for [`ContainerCreateRequest::publish`].
///
/// ```
/// use docker_engine::helpers::PublishedPort;
/// let p = PublishedPort::udp(53).host_ip("127.0.0.1".parse().unwrap()).host_port(5353);
/// assert_eq!(p.key(), "53/udp");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPort {
    port: u16,
    protocol: PortType,
    host_ip: Option<IpAddr>,
    host_port: Option<u16>,
}

impl PublishedPort {
    /// A port of the container with its protocol; the daemon picks a free host port
    /// on every host address unless told otherwise.
    pub fn new(port: u16, protocol: PortType) -> Self {
        PublishedPort {
            port,
            protocol,
            host_ip: None,
            host_port: None,
        }
    }

    /// A TCP port of the container.
    pub fn tcp(port: u16) -> Self {
        Self::new(port, PortType::Tcp)
    }

    /// A UDP port of the container.
    pub fn udp(port: u16) -> Self {
        Self::new(port, PortType::Udp)
    }

    /// Publish on this host port.
    pub fn host_port(mut self, port: u16) -> Self {
        self.host_port = Some(port);
        self
    }

    /// Publish on this host address only (e.g. `127.0.0.1`).
    pub fn host_ip(mut self, ip: IpAddr) -> Self {
        self.host_ip = Some(ip);
        self
    }

    /// The key the daemon uses for the port, e.g. `80/tcp`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.port, self.protocol)
    }
}

impl Mount {
    /// A host path mounted into the container.
    pub fn bind(host_path: impl Into<String>, target: impl Into<String>) -> Self {
        Mount {
            r#type: Some(MountType::Bind),
            source: Some(host_path.into()),
            target: Some(target.into()),
            ..Default::default()
        }
    }

    /// A named volume mounted into the container (created on first use).
    pub fn volume(name: impl Into<String>, target: impl Into<String>) -> Self {
        Mount {
            r#type: Some(MountType::Volume),
            source: Some(name.into()),
            target: Some(target.into()),
            ..Default::default()
        }
    }

    /// A tmpfs of at most `size_bytes` (`None`: no limit) at `target`.
    pub fn tmpfs(target: impl Into<String>, size_bytes: Option<i64>) -> Self {
        Mount {
            r#type: Some(MountType::Tmpfs),
            target: Some(target.into()),
            tmpfs_options: size_bytes.map(|size| MountTmpfsOptions {
                size_bytes: Some(size),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Mounts it read-only.
    pub fn read_only(mut self) -> Self {
        self.read_only = Some(true);
        self
    }

    /// For a volume: do not copy the image's files at the target into a new volume.
    pub fn no_copy(mut self) -> Self {
        let options = self
            .volume_options
            .get_or_insert_with(MountVolumeOptions::default);
        options.no_copy = Some(true);
        self
    }
}

impl ContainerCreateRequest {
    /// Exposes `port` and publishes it on the host (`docker run -p`).
    pub fn publish(mut self, port: PublishedPort) -> Self {
        let key = port.key();
        self.exposed_ports
            .get_or_insert_with(Default::default)
            .insert(key.clone(), EmptyObject::default());
        let binding = PortBinding {
            host_ip: port.host_ip.map(|ip| ip.to_string()),
            host_port: port.host_port.map(|p| p.to_string()),
        };
        self.host_config
            .get_or_insert_with(HostConfig::default)
            .port_bindings
            .get_or_insert_with(Default::default)
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(binding);
        self
    }

    /// Adds a mount (`docker run --mount`).
    pub fn mount(mut self, mount: Mount) -> Self {
        self.host_config
            .get_or_insert_with(HostConfig::default)
            .mounts
            .get_or_insert_with(Vec::new)
            .push(mount);
        self
    }

    /// Sets the health check (`docker run --health-*`).
    pub fn healthcheck(mut self, check: HealthConfig) -> Self {
        self.healthcheck = Some(check);
        self
    }
}

impl EndpointSettings {
    /// Adds a DNS alias the container answers to on the network.
    pub fn with_alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.get_or_insert_with(Vec::new).push(alias.into());
        self
    }

    /// Gives the container this IPv4 address on the network (the network needs a
    /// user-configured subnet containing it).
    pub fn with_ipv4_address(mut self, ip: Ipv4Addr) -> Self {
        self.ipam_config
            .get_or_insert_with(EndpointIpamConfig::default)
            .ipv4_address = Some(ip.to_string());
        self
    }

    /// Gives the container this IPv6 address on the network (the network needs IPv6
    /// and a subnet containing it).
    pub fn with_ipv6_address(mut self, ip: Ipv6Addr) -> Self {
        self.ipam_config
            .get_or_insert_with(EndpointIpamConfig::default)
            .ipv6_address = Some(ip.to_string());
        self
    }
}
