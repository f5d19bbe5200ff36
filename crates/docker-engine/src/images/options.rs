//! Options structs of the image operations. The new ones are `#[non_exhaustive]`:
//! start from `Default` and set fields, so that a new option is not a breaking change.

use std::collections::BTreeMap;

use crate::filters::Filters;
use crate::models::ContainerConfig;
use crate::registry_auth::RegistryAuth;

/// Options of [`Images::import`](crate::Images::import).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportImageOptions {
    /// Repository name of the new image, e.g. `busybox-local`.
    pub repo: Option<String>,
    /// Tag of the new image (the daemon's default is `latest`).
    pub tag: Option<String>,
    /// Commit message of the image.
    pub message: Option<String>,
    /// Dockerfile instructions to apply, e.g. `CMD ["/bin/sh"]` or `ENV A=b`.
    pub changes: Vec<String>,
    /// Platform of the image, `os[/arch[/variant]]`.
    pub platform: Option<String>,
}

/// Options of [`Images::remove`](crate::Images::remove).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoveImageOptions {
    /// Remove even if stopped containers use it, or it has several names.
    pub force: bool,
    /// Keep untagged parent images.
    pub noprune: bool,
}

/// Options of [`Images::list`](crate::Images::list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListImagesOptions {
    /// Include intermediate images.
    pub all: bool,
    /// Filters: `before`, `dangling`, `label`, `reference`, `since`, `until`.
    pub filters: Filters,
    /// Compute `SharedSize` (API 1.42+).
    pub shared_size: bool,
    /// Fill in `RepoDigests` (dockerd fills them in anyway, and the docker
    /// CLI never sends this). Podman 4.3 answers it with `200` and an empty
    /// body, which reads as an empty list: leave it `false` there.
    pub digests: bool,
}

/// Options of [`Images::pull`](crate::Images::pull).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PullImageOptions {
    /// Credentials for the registry; without them the pull is anonymous.
    pub auth: Option<RegistryAuth>,
    /// Platform to pull, `os[/arch[/variant]]`.
    pub platform: Option<String>,
    /// Pull every tag of the repository when the reference names no tag.
    /// Without it, a reference without tag means `latest`, as for `docker pull`.
    pub all_tags: bool,
}

/// Options of [`Images::push`](crate::Images::push).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PushImageOptions {
    /// Credentials for the registry; without them the push is anonymous.
    pub auth: Option<RegistryAuth>,
    /// Push every tag of the repository when the reference names no tag.
    /// Without it, a reference without tag means `latest`.
    pub all_tags: bool,
}

/// Options of [`Images::search`](crate::Images::search).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchImagesOptions {
    /// Most results to return.
    pub limit: Option<u32>,
    /// Filters: `is-official`, `stars`.
    pub filters: Filters,
}

/// Options of [`Images::prune`](crate::Images::prune).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PruneImagesOptions {
    /// Filters: `dangling` (`false` prunes every unused image), `until`, `label`, `label!`.
    pub filters: Filters,
}

/// Options of [`Images::build_prune`](crate::Images::build_prune).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PruneBuildCacheOptions {
    /// Keep this many bytes of cache.
    pub keep_storage: Option<i64>,
    /// Remove all cache, not only unused records.
    pub all: bool,
    /// Filters: `until`, `id`, `parent`, `type`, `description`, `inuse`, `shared`, `private`.
    pub filters: Filters,
}

/// Options of [`Images::commit`](crate::Images::commit).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CommitOptions {
    /// Repository name of the new image.
    pub repo: Option<String>,
    /// Tag of the new image.
    pub tag: Option<String>,
    /// Commit message.
    pub comment: Option<String>,
    /// Author, e.g. `Jane <jane@example.com>`.
    pub author: Option<String>,
    /// Pause the container while committing (the daemon's default is to pause).
    pub pause: Option<bool>,
    /// Dockerfile instructions to apply, e.g. `CMD ["sh"]`.
    pub changes: Vec<String>,
    /// Configuration of the image; unset fields come from the container.
    pub config: Option<ContainerConfig>,
}

/// Options of [`Images::build`](crate::Images::build) (the classic builder).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct BuildOptions {
    /// Path of the Dockerfile inside the context (the daemon's default is `Dockerfile`).
    pub dockerfile: Option<String>,
    /// Names (`name:tag`) for the image.
    pub tags: Vec<String>,
    /// Build-time variables, the values of `ARG`s.
    pub build_args: BTreeMap<String, String>,
    /// Labels of the image.
    pub labels: BTreeMap<String, String>,
    /// Stage of a multi-stage Dockerfile to stop at.
    pub target: Option<String>,
    /// Platform to build for, `os[/arch[/variant]]`.
    pub platform: Option<String>,
    /// Use no cached layer.
    pub no_cache: bool,
    /// Pull newer base images even if present.
    pub pull: bool,
    /// Send only the image id, not the build output.
    pub quiet: bool,
    /// Remove intermediate containers after a successful build (daemon default: yes).
    pub remove: Option<bool>,
    /// Remove intermediate containers even after a failure.
    pub force_remove: bool,
    /// Network mode of `RUN` instructions, e.g. `host` or `none`.
    pub network_mode: Option<String>,
    /// Extra `/etc/hosts` entries, `host:ip`.
    pub extra_hosts: Vec<String>,
    /// Images to take cache from.
    pub cache_from: Vec<String>,
    /// Memory limit of build containers, in bytes.
    pub memory: Option<i64>,
    /// Size of `/dev/shm`, in bytes.
    pub shm_size: Option<i64>,
    /// Credentials for the registries base images come from (`X-Registry-Config`).
    pub registry_auth: Vec<RegistryAuth>,
}

/// Options of [`Images::load`](crate::Images::load).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadImagesOptions {
    /// Send no progress messages.
    pub quiet: bool,
}

/// Options of [`Images::distribution_inspect`](crate::Images::distribution_inspect).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct DistributionInspectOptions {
    /// Credentials for the registry.
    pub auth: Option<RegistryAuth>,
}

macro_rules! with_auth {
    ($($t:ty),*) => {$(
        impl $t {
            /// These options with `auth` as the registry credentials (`None`: anonymous).
            pub fn with_auth(mut self, auth: impl Into<Option<RegistryAuth>>) -> Self {
                self.auth = auth.into();
                self
            }
        }
    )*};
}
with_auth!(
    PullImageOptions,
    PushImageOptions,
    DistributionInspectOptions
);
