//! System information: [`Docker::info`] and [`Docker::df`] (feature `system`).
//! The event stream is in [`Docker::events`].

use api_client_transport::http::Method;
use api_client_transport::Result;

use crate::models::{SystemDataUsageResponse, SystemInfo};
use crate::version::since;
use crate::Docker;

/// A kind of object whose disk usage [`Docker::df`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataUsageKind {
    /// Containers (their writable layers).
    Containers,
    /// Images.
    Images,
    /// Volumes.
    Volumes,
    /// The build cache.
    BuildCache,
}

impl DataUsageKind {
    /// The name the daemon reads.
    pub fn as_str(self) -> &'static str {
        match self {
            DataUsageKind::Containers => "container",
            DataUsageKind::Images => "image",
            DataUsageKind::Volumes => "volume",
            DataUsageKind::BuildCache => "build-cache",
        }
    }
}

/// Options of [`Docker::df`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataUsageOptions {
    /// Only compute these kinds (API 1.42+); empty: all of them. Computing
    /// volume sizes walks every volume, so asking for less is faster.
    pub kinds: Vec<DataUsageKind>,
}

impl Docker {
    /// System-wide information: counts, storage driver, kernel, CPUs, memory, ...
    /// (`docker info`).
    #[doc(alias = "SystemInfo")]
    #[doc(alias = "system_info")]
    pub async fn info(&self) -> Result<SystemInfo> {
        let (r, _) = self.request(Method::GET, &["info"]).await?;
        self.send(r).await?.json().await
    }

    /// Disk usage of images, containers, volumes and the build cache (`docker system df`).
    /// The daemon walks the disk to answer, so this can take a while.
    #[doc(alias = "SystemDataUsage")]
    #[doc(alias = "system_data_usage")]
    pub async fn df(&self, options: DataUsageOptions) -> Result<SystemDataUsageResponse> {
        let (mut r, v) = self.request(Method::GET, &["system", "df"]).await?;
        if !options.kinds.is_empty() {
            self.require(v, since::V1_42, "kinds")?;
        }
        for kind in &options.kinds {
            r = r.query_pair("type", kind.as_str());
        }
        self.send(r.timeout(crate::containers::LONG_CALL))
            .await?
            .json()
            .await
    }
}
