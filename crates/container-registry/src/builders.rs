//! Conveniences on the request models beyond their generated `new`, and the
//! checks `Validate` cannot see.

use crate::models::{CreateContainerReq, CreateContainerVersionReq};
use crate::params::check_integer;

impl CreateContainerReq {
    /// Registers `version` together with the container.
    pub fn with_version(mut self, version: CreateContainerVersionReq) -> Self {
        self.version = Some(version);
        self
    }
}

/// What `Validate` cannot see in a version: enum names with no integer.
pub(crate) fn check_version(
    path: &str,
    version: &CreateContainerVersionReq,
) -> api_client_transport::Result<()> {
    for (i, p) in version.env_vars.iter().flatten().enumerate() {
        let at = format!(
            "{}[{i}]",
            api_client_transport::validate::field(path, "env_vars")
        );
        check_integer(
            &api_client_transport::validate::field(&at, "type"),
            p.r#type.as_i64(),
        )?;
        check_integer(
            &api_client_transport::validate::field(&at, "category"),
            p.category.as_i64(),
        )?;
    }
    Ok(())
}

/// What `Validate` cannot see in a container: enum names with no integer.
pub(crate) fn check_container(container: &CreateContainerReq) -> api_client_transport::Result<()> {
    check_integer("type", container.r#type.as_i64())?;
    if let Some(v) = &container.version {
        check_version("version", v)?;
    }
    Ok(())
}
