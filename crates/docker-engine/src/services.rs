//! Swarm services: [`Services`], reached with [`Docker::services`] (feature `swarm`).

use api_client_transport::http::Method;
use api_client_transport::{Error, Request, Result, Validate};

use crate::frames::LogStream;
use crate::models::{Service, ServiceCreateResponse, ServiceSpec, ServiceUpdateResponse};
use crate::registry_auth::RegistryAuth;
use crate::swarm_common::{swarm_filters, swarm_logs, version_of, TaskLogsOptions};
use crate::unsupported::{non_empty, send};
use crate::Docker;

swarm_filters! {
    /// Filters of the service list.
    ///
    /// ```
    /// use docker_engine::ServiceFilters;
    /// let f = ServiceFilters::new().name("web").label("tier=front");
    /// assert_eq!(f.filters().to_json(), r#"{"label":["tier=front"],"name":["web"]}"#);
    /// ```
    ServiceFilters {
        /// Services whose id starts with this.
        id => "id",
        /// Services with this label (`key` or `key=value`).
        label => "label",
        /// Services of this mode: `replicated`, `global`, `replicated-job`, `global-job`.
        mode => "mode",
        /// Services whose name starts with this.
        name => "name",
    }
}

/// Options of [`Services::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListServicesOptions {
    /// Which services to list (default: all).
    pub filters: ServiceFilters,
    /// Also report each service's running and desired task counts (`ServiceStatus`).
    pub status: bool,
}

/// Options of [`Services::inspect`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InspectServiceOptions {
    /// Fill in the defaults of the fields the service leaves unset.
    pub insert_defaults: bool,
}

/// Options of [`Services::create`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CreateServiceOptions {
    /// Credentials for the registry of the image (sent as `X-Registry-Auth`, and
    /// passed on to the nodes that pull it). `RegistryAuth::from_docker_config(image)`
    /// finds them the way the docker CLI does.
    pub auth: Option<RegistryAuth>,
}

impl CreateServiceOptions {
    /// Options carrying the credentials the user's Docker config holds for the
    /// registry of `image` (none when it holds none), found as the docker CLI does.
    pub async fn from_docker_config(image: &str) -> Result<Self> {
        Ok(CreateServiceOptions {
            auth: RegistryAuth::from_docker_config(image).await?,
        })
    }

    /// These options with `auth` as the registry credentials.
    pub fn with_auth(mut self, auth: impl Into<Option<RegistryAuth>>) -> Self {
        self.auth = auth.into();
        self
    }
}

/// Where the daemon takes a private image's credentials from on update when no
/// `auth` is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryAuthFrom {
    /// From the new settings (the daemon's default).
    Spec,
    /// From the settings before this update.
    PreviousSpec,
}

/// Options of [`Services::update`] and [`Services::update_with`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct UpdateServiceOptions {
    /// Credentials for the registry of the image (`X-Registry-Auth`).
    pub auth: Option<RegistryAuth>,
    /// Where the credentials come from when `auth` is not given.
    pub registry_auth_from: Option<RegistryAuthFrom>,
    /// Go back to the settings before the last update (the body is then ignored
    /// by the daemon); see [`Services::rollback`].
    pub rollback: bool,
}

impl UpdateServiceOptions {
    /// These options with `auth` as the registry credentials.
    pub fn with_auth(mut self, auth: impl Into<Option<RegistryAuth>>) -> Self {
        self.auth = auth.into();
        self
    }
}

/// The service operations of a [`Docker`] handle (a swarm manager).
///
/// ```no_run
/// use docker_engine::models::{ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated, TaskSpec, TaskSpecContainerSpec};
/// use docker_engine::{CreateServiceOptions, Docker, RegistryAuth, UpdateServiceOptions};
///
/// # async fn run() -> docker_engine::Result<()> {
/// let services = Docker::connect()?.services();
/// let mut container = TaskSpecContainerSpec::new();
/// container.image = Some("127.0.0.1:5000/app:1".into());
/// let mut task = TaskSpec::new();
/// task.container_spec = Some(container);
/// let mut replicated = ServiceSpecModeReplicated::new();
/// replicated.replicas = Some(2);
/// let mut mode = ServiceSpecMode::new();
/// mode.replicated = Some(replicated);
/// let mut spec = ServiceSpec::new();
/// spec.name = Some("app".into());
/// spec.task_template = Some(task);
/// spec.mode = Some(mode);
/// let auth = RegistryAuth::from_docker_config("127.0.0.1:5000/app:1").await?;
/// let created = services.create(&spec, CreateServiceOptions::default().with_auth(auth)).await?;
///
/// // Read, change, write; retried once if someone else updated it in between.
/// services
///     .update_with("app", UpdateServiceOptions::default(), |spec| {
///         if let Some(r) = spec.mode.as_mut().and_then(|m| m.replicated.as_mut()) {
///             r.replicas = Some(3);
///         }
///     })
///     .await?;
/// # let _ = created; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Services {
    docker: Docker,
}

impl Docker {
    /// The service operations.
    pub fn services(&self) -> Services {
        Services {
            docker: self.clone(),
        }
    }
}

/// Whether an update failed because the version it was based on is stale.
pub(crate) fn is_version_conflict(e: &Error) -> bool {
    e.is_conflict()
        || e.api()
            .is_some_and(|a| a.message().contains("update out of sequence"))
}

impl Services {
    async fn req(&self, method: Method, segments: &[&str]) -> Result<Request> {
        Ok(self.docker.request(method, segments).await?.0)
    }

    /// Lists services.
    #[doc(alias = "ServiceList")]
    #[doc(alias = "service_list")]
    pub async fn list(&self, options: ListServicesOptions) -> Result<Vec<Service>> {
        let r = self.req(Method::GET, &["services"]).await?;
        let mut r = options.filters.filters().apply(r);
        if options.status {
            r = r.query_pair("status", "true");
        }
        let list: Option<Vec<Service>> = send(&self.docker, r).await?.json().await?;
        Ok(list.unwrap_or_default())
    }

    /// Creates a service.
    #[doc(alias = "ServiceCreate")]
    #[doc(alias = "service_create")]
    pub async fn create(
        &self,
        spec: &ServiceSpec,
        options: CreateServiceOptions,
    ) -> Result<ServiceCreateResponse> {
        spec.validate()?;
        let mut r = self.req(Method::POST, &["services", "create"]).await?;
        if let Some(auth) = &options.auth {
            r = auth.attach(r)?;
        }
        send(&self.docker, r.json(spec)?).await?.json().await
    }

    /// Detail of one service.
    #[doc(alias = "ServiceInspect")]
    #[doc(alias = "service_inspect")]
    pub async fn inspect(&self, id: &str, options: InspectServiceOptions) -> Result<Service> {
        non_empty("id", id)?;
        let mut r = self.req(Method::GET, &["services", id]).await?;
        if options.insert_defaults {
            r = r.query_pair("insertDefaults", "true");
        }
        send(&self.docker, r).await?.json().await
    }

    /// Removes a service (its tasks stop).
    #[doc(alias = "ServiceDelete")]
    #[doc(alias = "service_delete")]
    pub async fn remove(&self, id: &str) -> Result<()> {
        non_empty("id", id)?;
        let r = self.req(Method::DELETE, &["services", id]).await?;
        send(&self.docker, r).await.map(drop)
    }

    /// Replaces a service's settings. `version` is the `Version.Index` of the
    /// [`inspect`](Self::inspect) the new settings were based on: the daemon refuses a
    /// stale one, so two writers cannot silently undo each other.
    /// [`update_with`](Self::update_with) does the reading and one retry for you.
    #[doc(alias = "ServiceUpdate")]
    #[doc(alias = "service_update")]
    pub async fn update(
        &self,
        id: &str,
        version: u64,
        spec: &ServiceSpec,
        options: UpdateServiceOptions,
    ) -> Result<ServiceUpdateResponse> {
        non_empty("id", id)?;
        spec.validate()?;
        let mut r = self.req(Method::POST, &["services", id, "update"]).await?;
        r = r.query_pair("version", version.to_string());
        if let Some(from) = options.registry_auth_from {
            let from = match from {
                RegistryAuthFrom::Spec => "spec",
                RegistryAuthFrom::PreviousSpec => "previous-spec",
            };
            r = r.query_pair("registryAuthFrom", from);
        }
        if options.rollback {
            r = r.query_pair("rollback", "previous");
        }
        if let Some(auth) = &options.auth {
            r = auth.attach(r)?;
        }
        send(&self.docker, r.json(spec)?).await?.json().await
    }

    /// Reads the service, lets `change` edit its settings, and writes them back with
    /// the version it read. When another writer got in between (the daemon answers
    /// "update out of sequence"), reads and applies `change` once more and retries
    /// once; a second conflict is returned.
    pub async fn update_with<F>(
        &self,
        id: &str,
        options: UpdateServiceOptions,
        mut change: F,
    ) -> Result<ServiceUpdateResponse>
    where
        F: FnMut(&mut ServiceSpec),
    {
        let mut retried = false;
        loop {
            let service = self.inspect(id, InspectServiceOptions::default()).await?;
            let version = version_of(service.version.as_ref(), "service.Version")?;
            let mut spec = service.spec.unwrap_or_default();
            change(&mut spec);
            match self.update(id, version, &spec, options.clone()).await {
                Err(e) if !retried && is_version_conflict(&e) => retried = true,
                outcome => return outcome,
            }
        }
    }

    /// Goes back to the settings the service had before its last update (as
    /// `docker service rollback`).
    pub async fn rollback(&self, id: &str) -> Result<ServiceUpdateResponse> {
        let service = self.inspect(id, InspectServiceOptions::default()).await?;
        let version = version_of(service.version.as_ref(), "service.Version")?;
        let spec = service.spec.unwrap_or_default();
        let options = UpdateServiceOptions {
            rollback: true,
            ..Default::default()
        };
        self.update(id, version, &spec, options).await
    }

    /// The logged output of every task of the service, as [`LogStream`] frames
    /// (as `docker service logs --raw`). Whether the output is multiplexed is read
    /// from the answer's media type (API 1.42+), else from the service's `TTY`.
    #[doc(alias = "ServiceLogs")]
    #[doc(alias = "service_logs")]
    pub async fn logs(&self, id: &str, options: TaskLogsOptions) -> Result<LogStream> {
        non_empty("id", id)?;
        swarm_logs(
            &self.docker,
            &["services", id, "logs"],
            &options,
            || async {
                let service = self.inspect(id, InspectServiceOptions::default()).await?;
                Ok(service
                    .spec
                    .and_then(|s| s.task_template)
                    .and_then(|t| t.container_spec)
                    .and_then(|c| c.tty)
                    .unwrap_or(false))
            },
        )
        .await
    }
}
