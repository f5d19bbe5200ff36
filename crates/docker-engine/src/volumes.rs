//! The volume operations: [`Volumes`], reached with [`Docker::volumes`]
//! (feature `volumes`).

use api_client_transport::http::Method;
use api_client_transport::{Error, Request, Result, Validate};

use crate::filters::{PruneFilters, VolumeFilters};
use crate::models::{
    Volume, VolumeCreateOptions, VolumeListResponse, VolumePruneResponse, VolumeUpdateRequest,
};
use crate::version::since;
use crate::Docker;

/// Options of [`Volumes::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListVolumesOptions {
    /// Which volumes to list (default: all).
    pub filters: VolumeFilters,
}

/// Options of [`Volumes::remove`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoveVolumeOptions {
    /// Remove it even while containers use it.
    pub force: bool,
}

/// Options of [`Volumes::prune`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneVolumesOptions {
    /// Named volumes too, not only anonymous ones (API 1.42+; before 1.42 the daemon
    /// prunes named volumes as well and this must stay `false`).
    pub all: bool,
    /// Which unused volumes to remove: labels apply (the daemon refuses `until` here).
    pub filters: PruneFilters,
}

/// The volume operations of a [`Docker`] handle.
///
/// ```no_run
/// use docker_engine::models::VolumeCreateOptions;
/// use docker_engine::Docker;
///
/// # async fn run() -> docker_engine::Result<()> {
/// let volumes = Docker::connect()?.volumes();
/// let mut options = VolumeCreateOptions::default();
/// options.name = Some("cache".into());
/// let volume = volumes.create(&options).await?;
/// println!("{} lives at {}", volume.name, volume.mountpoint);
/// volumes.remove("cache", Default::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Volumes {
    docker: Docker,
}

impl Docker {
    /// The volume operations.
    pub fn volumes(&self) -> Volumes {
        Volumes {
            docker: self.clone(),
        }
    }
}

fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

impl Volumes {
    async fn req(&self, method: Method, segments: &[&str]) -> Result<Request> {
        Ok(self.docker.request(method, segments).await?.0)
    }

    /// Lists volumes (and the warnings the daemon met while listing them).
    #[doc(alias = "VolumeList")]
    #[doc(alias = "volume_list")]
    pub async fn list(&self, options: ListVolumesOptions) -> Result<VolumeListResponse> {
        let r = self.req(Method::GET, &["volumes"]).await?;
        let r = options.filters.filters().apply(r);
        self.docker.send(r).await?.json().await
    }

    /// Creates a volume. Creating one that exists with the same driver returns it.
    ///
    /// A `cluster_volume_spec` needs API 1.42.
    #[doc(alias = "VolumeCreate")]
    #[doc(alias = "volume_create")]
    pub async fn create(&self, options: &VolumeCreateOptions) -> Result<Volume> {
        options.validate()?;
        let (r, v) = self
            .docker
            .request(Method::POST, &["volumes", "create"])
            .await?;
        if options.cluster_volume_spec.is_some() {
            self.docker
                .require(v, since::V1_42, "cluster_volume_spec")?;
        }
        self.docker.send(r.json(options)?).await?.json().await
    }

    /// Detail of one volume.
    #[doc(alias = "VolumeInspect")]
    #[doc(alias = "volume_inspect")]
    pub async fn inspect(&self, name: &str) -> Result<Volume> {
        non_empty("name", name)?;
        let r = self.req(Method::GET, &["volumes", name]).await?;
        self.docker.send(r).await?.json().await
    }

    /// Changes a cluster volume (swarm only; API 1.42+). `version` is the volume's
    /// current `cluster_volume.version.index`, so a concurrent change is refused
    /// rather than overwritten. Only the availability may change.
    #[doc(alias = "VolumeUpdate")]
    #[doc(alias = "volume_update")]
    pub async fn update(
        &self,
        name: &str,
        version: i64,
        update: &VolumeUpdateRequest,
    ) -> Result<()> {
        non_empty("name", name)?;
        update.validate()?;
        let (r, v) = self.docker.request(Method::PUT, &["volumes", name]).await?;
        self.docker.require(v, since::V1_42, "volume update")?;
        let r = r.query_pair("version", version.to_string());
        self.docker.send(r.json(update)?).await.map(drop)
    }

    /// Removes a volume.
    #[doc(alias = "VolumeDelete")]
    #[doc(alias = "volume_delete")]
    pub async fn remove(&self, name: &str, options: RemoveVolumeOptions) -> Result<()> {
        non_empty("name", name)?;
        let mut r = self.req(Method::DELETE, &["volumes", name]).await?;
        if options.force {
            r = r.query_pair("force", "true");
        }
        self.docker.send(r).await.map(drop)
    }

    /// Removes the volumes no container uses: anonymous ones only, unless `all`.
    #[doc(alias = "VolumePrune")]
    #[doc(alias = "volume_prune")]
    pub async fn prune(&self, options: PruneVolumesOptions) -> Result<VolumePruneResponse> {
        let (r, v) = self
            .docker
            .request(Method::POST, &["volumes", "prune"])
            .await?;
        let mut filters = options.filters.filters().clone();
        if options.all {
            self.docker.require(v, since::V1_42, "all")?;
            filters = filters.add("all", "true");
        }
        self.docker.send(filters.apply(r)).await?.json().await
    }
}
