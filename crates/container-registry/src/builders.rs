//! Conveniences on the request models beyond their generated `new`.

use crate::models::{ContainerType, CreateContainerReq, CreateContainerVersionReq};

impl CreateContainerReq {
    /// What the container is for (the server picks its default when left out).
    ///
    /// ```
    /// use container_registry_client::models::{ContainerType, CreateContainerReq, CreateContainerVersionReq};
    /// let req = CreateContainerReq::new("detector-rca")
    ///     .container_type(ContainerType::Algorithm)
    ///     .with_version(CreateContainerVersionReq::new("1.0.0", "docker.io/opspai/detector-rca:1.0.0"));
    /// assert_eq!(req.version.unwrap().name, "1.0.0");
    /// ```
    pub fn container_type(mut self, container_type: ContainerType) -> Self {
        self.r#type = Some(container_type);
        self
    }

    /// Registers `version` together with the container.
    pub fn with_version(mut self, version: CreateContainerVersionReq) -> Self {
        self.version = Some(version);
        self
    }
}
