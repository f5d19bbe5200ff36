//! Constructors taking the required fields of the request models, so the
//! optional ones can be left to `..` or set afterwards.

use crate::models::{
    ContainerType, CreateContainerReq, CreateContainerVersionReq, CreateHelmConfigReq,
    CreateParameterConfigReq, ParameterCategory, ParameterType, SubmitBuildContainerReq,
};
use crate::params::{check_container_type, check_known};

impl CreateContainerReq {
    /// A container named `name`, of the server's default kind and without a
    /// version; only the name is required.
    ///
    /// ```
    /// use container_registry_client::models::{ContainerType, CreateContainerReq, CreateContainerVersionReq};
    /// let req = CreateContainerReq::new("detector-rca")
    ///     .container_type(ContainerType::Algorithm)
    ///     .with_version(CreateContainerVersionReq::new("1.0.0", "docker.io/opspai/detector-rca:1.0.0"));
    /// assert_eq!(req.version.unwrap().name, "1.0.0");
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        CreateContainerReq {
            name: name.into(),
            r#type: None,
            readme: None,
            is_public: None,
            version: None,
        }
    }

    /// What the container is for.
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

impl CreateContainerVersionReq {
    /// Version `name` (any name: `1.2.0`, `v1`, `latest`) running `image_ref`.
    pub fn new(name: impl Into<String>, image_ref: impl Into<String>) -> Self {
        CreateContainerVersionReq {
            name: name.into(),
            image_ref: image_ref.into(),
            ..Default::default()
        }
    }
}

impl CreateParameterConfigReq {
    /// Parameter `key` of the given kind and destination.
    pub fn new(key: impl Into<String>, kind: ParameterType, category: ParameterCategory) -> Self {
        CreateParameterConfigReq {
            key: key.into(),
            r#type: kind,
            category,
            description: None,
            default_value: None,
            template_string: None,
            required: None,
        }
    }
}

impl CreateHelmConfigReq {
    /// Chart `chart_name` from repository `repo_name` at `repo_url`,
    /// installed into namespaces starting with `ns_prefix`.
    pub fn new(
        chart_name: impl Into<String>,
        repo_name: impl Into<String>,
        repo_url: impl Into<String>,
        ns_prefix: impl Into<String>,
    ) -> Self {
        CreateHelmConfigReq {
            chart_name: chart_name.into(),
            repo_name: repo_name.into(),
            repo_url: repo_url.into(),
            ns_prefix: ns_prefix.into(),
            values: None,
        }
    }
}

impl SubmitBuildContainerReq {
    /// Builds image `image_name` from GitHub repository `github_repository`
    /// (usually `owner/repo`), on the server's default branch and tag.
    ///
    /// ```
    /// use container_registry_client::models::SubmitBuildContainerReq;
    /// let mut build = SubmitBuildContainerReq::new("detector-rca", "opspai/detector-rca");
    /// build.tag = Some("1.2.0".into());
    /// ```
    pub fn new(image_name: impl Into<String>, github_repository: impl Into<String>) -> Self {
        SubmitBuildContainerReq {
            image_name: image_name.into(),
            github_repository: github_repository.into(),
            ..Default::default()
        }
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
            matches!(
                p.r#type,
                ParameterType::Unknown(_) | ParameterType::UnknownName(_)
            ),
            &p.r#type,
            PARAMETER_TYPES,
        )?;
        check_known(
            &api_client_transport::validate::field(&at, "category"),
            matches!(
                p.category,
                ParameterCategory::Unknown(_) | ParameterCategory::UnknownName(_)
            ),
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
