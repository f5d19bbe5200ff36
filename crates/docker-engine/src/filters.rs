//! Typed filters for list and prune calls, sent as the JSON `filters` parameter.

use std::collections::BTreeMap;

use crate::models::{ContainerStatus, HealthStatus};

/// Filter name to accepted values; encoded as `{"name":["v1","v2"]}`.
///
/// Values of one name are alternatives (OR); different names must all match (AND).
/// The typed builders [`ContainerFilters`] and [`PruneFilters`] fill one of these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters(BTreeMap<String, Vec<String>>);

impl Filters {
    /// No filter.
    pub fn new() -> Self {
        Filters::default()
    }

    /// Adds `value` to the accepted values of `name`.
    pub fn add(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.entry(name.into()).or_default().push(value.into());
        self
    }

    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The filters as the daemon reads them.
    pub fn to_json(&self) -> String {
        // A map of strings to lists of strings always serializes.
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".to_string())
    }

    /// The values of one name.
    pub fn get(&self, name: &str) -> &[String] {
        self.0.get(name).map(Vec::as_slice).unwrap_or_default()
    }
}

macro_rules! string_filter {
    ($($(#[$doc:meta])* $fn:ident => $key:literal),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $fn(self, value: impl Into<String>) -> Self {
            Self(self.0.add($key, value))
        }
    )*};
}

/// Filters of the container list.
///
/// ```
/// use docker_engine::ContainerFilters;
/// use docker_engine::models::ContainerStatus;
/// let f = ContainerFilters::new().status(ContainerStatus::Exited).label("app=web");
/// assert_eq!(f.filters().to_json(), r#"{"label":["app=web"],"status":["exited"]}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerFilters(Filters);

impl ContainerFilters {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    string_filter! {
        /// Created from this image (`name[:tag]`, id or digest).
        ancestor => "ancestor",
        /// Created before this container (id or name).
        before => "before",
        /// Created after this container (id or name).
        since => "since",
        /// Exposes this port (`port[/proto]` or a range).
        expose => "expose",
        /// Publishes this port (`port[/proto]` or a range).
        publish => "publish",
        /// Has this id (or id prefix).
        id => "id",
        /// Has a label `key`, or `key=value`.
        label => "label",
        /// Name matches (a substring or regular expression).
        name => "name",
        /// Is connected to this network (id or name).
        network => "network",
        /// Mounts this volume (name) or has a mount at this destination.
        volume => "volume",
        /// Isolation technology (Windows): `default`, `process` or `hyperv`.
        isolation => "isolation",
    }

    /// Is in this state.
    pub fn status(self, status: ContainerStatus) -> Self {
        Self(self.0.add("status", status.as_str()))
    }

    /// Has this health state.
    pub fn health(self, health: HealthStatus) -> Self {
        Self(self.0.add("health", health.as_str()))
    }

    /// Exited with this code.
    pub fn exited(self, code: i64) -> Self {
        Self(self.0.add("exited", code.to_string()))
    }

    /// Is (or is not) a swarm task.
    pub fn is_task(self, yes: bool) -> Self {
        Self(self.0.add("is-task", yes.to_string()))
    }

    /// Any other filter, for names newer than this crate.
    pub fn custom(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Self(self.0.add(name, value))
    }

    /// The underlying map.
    pub fn filters(&self) -> &Filters {
        &self.0
    }
}

/// Filters of the prune calls (containers, and networks and volumes where the daemon knows the name).
///
/// ```
/// use docker_engine::PruneFilters;
/// let f = PruneFilters::new().until("24h").label_absent("keep");
/// assert_eq!(f.filters().to_json(), r#"{"label!":["keep"],"until":["24h"]}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneFilters(Filters);

impl PruneFilters {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    string_filter! {
        /// Only objects created before this time: a Unix timestamp, an RFC 3339
        /// date, or a duration like `10m` relative to now (not for volumes).
        until => "until",
        /// Only objects with this label (`key` or `key=value`).
        label => "label",
        /// Only objects without this label (`key` or `key=value`).
        label_absent => "label!",
    }

    /// Any other filter, for names newer than this crate.
    pub fn custom(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Self(self.0.add(name, value))
    }

    /// The underlying map.
    pub fn filters(&self) -> &Filters {
        &self.0
    }
}

impl From<ContainerFilters> for Filters {
    fn from(f: ContainerFilters) -> Self {
        f.0
    }
}

impl From<PruneFilters> for Filters {
    fn from(f: PruneFilters) -> Self {
        f.0
    }
}

impl Filters {
    /// Adds the `filters` query parameter when any filter is set.
    pub(crate) fn apply(
        &self,
        request: api_client_transport::Request,
    ) -> api_client_transport::Request {
        if self.is_empty() {
            request
        } else {
            request.query_pair("filters", self.to_json())
        }
    }
}

/// Filters of the network list.
///
/// ```
/// use docker_engine::NetworkFilters;
/// let f = NetworkFilters::new().driver("bridge").dangling(true);
/// assert_eq!(f.filters().to_json(), r#"{"dangling":["true"],"driver":["bridge"]}"#);
/// ```
#[cfg(feature = "networks")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkFilters(Filters);

#[cfg(feature = "networks")]
impl NetworkFilters {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    string_filter! {
        /// Uses this driver.
        driver => "driver",
        /// Has this id (or id prefix).
        id => "id",
        /// Has a label `key`, or `key=value`.
        label => "label",
        /// Name matches (a substring).
        name => "name",
        /// Exists in this scope: `swarm`, `global` or `local`.
        scope => "scope",
        /// Is `custom` (user-defined) or `builtin`.
        kind => "type",
    }

    /// Is (or is not) unused by any container.
    pub fn dangling(self, yes: bool) -> Self {
        Self(self.0.add("dangling", yes.to_string()))
    }

    /// Any other filter, for names newer than this crate.
    pub fn custom(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Self(self.0.add(name, value))
    }

    /// The underlying map.
    pub fn filters(&self) -> &Filters {
        &self.0
    }
}

/// Filters of the volume list.
///
/// ```
/// use docker_engine::VolumeFilters;
/// let f = VolumeFilters::new().label("app=web").dangling(false);
/// assert_eq!(f.filters().to_json(), r#"{"dangling":["false"],"label":["app=web"]}"#);
/// ```
#[cfg(feature = "volumes")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeFilters(Filters);

#[cfg(feature = "volumes")]
impl VolumeFilters {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    string_filter! {
        /// Uses this driver.
        driver => "driver",
        /// Has a label `key`, or `key=value`.
        label => "label",
        /// Name matches (a substring).
        name => "name",
    }

    /// Is (or is not) unused by any container.
    pub fn dangling(self, yes: bool) -> Self {
        Self(self.0.add("dangling", yes.to_string()))
    }

    /// Any other filter, for names newer than this crate.
    pub fn custom(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Self(self.0.add(name, value))
    }

    /// The underlying map.
    pub fn filters(&self) -> &Filters {
        &self.0
    }
}

/// Filters of the event stream.
///
/// ```
/// use docker_engine::EventFilters;
/// use docker_engine::models::EventMessageType;
/// let f = EventFilters::new().kind(EventMessageType::Container).container("web").event("die");
/// assert_eq!(
///     f.filters().to_json(),
///     r#"{"container":["web"],"event":["die"],"type":["container"]}"#
/// );
/// ```
#[cfg(feature = "system")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilters(Filters);

#[cfg(feature = "system")]
impl EventFilters {
    /// No filter: every event.
    pub fn new() -> Self {
        Self::default()
    }

    string_filter! {
        /// About this config (name or id).
        config => "config",
        /// About this container (name or id).
        container => "container",
        /// About this daemon (name or id).
        daemon => "daemon",
        /// This action, e.g. `create`, `start`, `die`, `destroy`.
        event => "event",
        /// About this image (name or id).
        image => "image",
        /// With this label (`key` or `key=value`).
        label => "label",
        /// About this network (name or id).
        network => "network",
        /// About this node (id).
        node => "node",
        /// About this plugin (name or id).
        plugin => "plugin",
        /// In this scope: `local` or `swarm`.
        scope => "scope",
        /// About this secret (name or id).
        secret => "secret",
        /// About this service (name or id).
        service => "service",
        /// About this volume (name).
        volume => "volume",
    }

    /// About this kind of object.
    pub fn kind(self, kind: crate::models::EventMessageType) -> Self {
        Self(self.0.add("type", kind.as_str()))
    }

    /// Any other filter, for names newer than this crate.
    pub fn custom(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Self(self.0.add(name, value))
    }

    /// The underlying map.
    pub fn filters(&self) -> &Filters {
        &self.0
    }
}
