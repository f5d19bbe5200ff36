//! Conveniences on the request models beyond their generated `new`, and the
//! checks `Validate` cannot see.

use crate::models::{
    ContainerType, CreateContainerReq, CreateContainerVersionReq, ParameterCategory, ParameterType,
};
use crate::params::{check_container_type, check_known};

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

/// The values of [`ParameterType`], for error messages.
const PARAMETER_TYPES: &str = "0 (fixed), 1 (dynamic)";
/// The values of [`ParameterCategory`], for error messages.
const PARAMETER_CATEGORIES: &str = "0 (env_vars), 1 (helm_values)";

/// What `Validate` cannot see in a version: enum values the API does not define.
pub(crate) fn check_version(
    path: &str,
    version: &CreateContainerVersionReq,
) -> api_client_transport::Result<()> {
    for (i, p) in version.env_vars.iter().flatten().enumerate() {
        let at = format!(
            "{}[{i}]",
            api_client_transport::validate::field(path, "env_vars")
        );
        check_known(
            &api_client_transport::validate::field(&at, "type"),
            matches!(p.r#type, ParameterType::Unknown(_)),
            &p.r#type,
            PARAMETER_TYPES,
        )?;
        check_known(
            &api_client_transport::validate::field(&at, "category"),
            matches!(p.category, ParameterCategory::Unknown(_)),
            &p.category,
            PARAMETER_CATEGORIES,
        )?;
    }
    Ok(())
}

/// What `Validate` cannot see in a container: enum values the API does not define.
pub(crate) fn check_container(container: &CreateContainerReq) -> api_client_transport::Result<()> {
    if let Some(t) = &container.r#type {
        check_container_type("type", t)?;
    }
    if let Some(v) = &container.version {
        check_version("version", v)?;
    }
    Ok(())
}
