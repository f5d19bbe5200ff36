//! Swarm configs: [`Configs`], reached with [`Docker::configs`] (feature `swarm`).

use api_client_transport::http::Method;
use api_client_transport::{Error, Result, Secret as Hidden, Validate};
use base64::Engine;

use crate::models::{Config, ConfigSpec, SwarmIdResponse};
use crate::swarm_common::{swarm_filters, SecretBytes};
use crate::unsupported::{non_empty, send, send_sensitive};
use crate::Docker;

swarm_filters! {
    /// Filters of the config list.
    ///
    /// ```
    /// use docker_engine::ConfigFilters;
    /// let f = ConfigFilters::new().name("db");
    /// assert_eq!(f.filters().to_json(), r#"{"name":["db"]}"#);
    /// ```
    ConfigFilters {
        /// Configs whose id starts with this.
        id => "id",
        /// Configs with this label (`key` or `key=value`).
        label => "label",
        /// Configs whose name starts with this.
        name => "name",
        /// Configs with exactly this name.
        names => "names",
    }
}

/// Options of [`Configs::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListConfigsOptions {
    /// Which configs to list (default: all).
    pub filters: ConfigFilters,
}

impl ConfigSpec {
    /// A config named `name` holding `data` (encoded as the daemon wants it, in
    /// base64, inside a [`Secret`](crate::Secret) so that no `Debug` output shows it).
    pub fn with_data(name: impl Into<String>, data: impl AsRef<[u8]>) -> Self {
        let mut spec = ConfigSpec::new();
        spec.name = Some(name.into());
        spec.data = Some(Hidden::new(
            base64::engine::general_purpose::STANDARD.encode(data.as_ref()),
        ));
        spec
    }

    /// The content, decoded from base64 (`None` when the daemon did not send it).
    /// An error names the field but never quotes the content.
    pub fn data_bytes(&self) -> Result<Option<SecretBytes>> {
        let Some(data) = &self.data else {
            return Ok(None);
        };
        base64::engine::general_purpose::STANDARD
            .decode(data.expose().trim())
            .map(|b| Some(SecretBytes::new(b)))
            .map_err(|_| Error::invalid("config.Spec.Data", "is not valid base64"))
    }
}

/// The config operations of a [`Docker`] handle (a swarm manager).
#[derive(Debug, Clone)]
pub struct Configs {
    docker: Docker,
}

impl Docker {
    /// The config operations.
    pub fn configs(&self) -> Configs {
        Configs {
            docker: self.clone(),
        }
    }
}

impl Configs {
    /// Lists configs.
    #[doc(alias = "ConfigList")]
    #[doc(alias = "config_list")]
    pub async fn list(&self, options: ListConfigsOptions) -> Result<Vec<Config>> {
        let (r, _) = self.docker.request(Method::GET, &["configs"]).await?;
        let r = options.filters.filters().apply(r);
        let list: Option<Vec<Config>> = send(&self.docker, r).await?.json().await?;
        Ok(list.unwrap_or_default())
    }

    /// Creates a config; see [`ConfigSpec::with_data`]. Answers its id.
    #[doc(alias = "ConfigCreate")]
    #[doc(alias = "config_create")]
    pub async fn create(&self, spec: &ConfigSpec) -> Result<SwarmIdResponse> {
        spec.validate()?;
        if spec.name.as_deref().map_or(true, str::is_empty) {
            return Err(Error::invalid("config.Name", "must not be empty"));
        }
        let (r, _) = self
            .docker
            .request(Method::POST, &["configs", "create"])
            .await?;
        // The body holds the content: no error may echo the answer.
        send_sensitive(&self.docker, r.json(spec)?)
            .await?
            .json()
            .await
    }

    /// Detail of one config.
    #[doc(alias = "ConfigInspect")]
    #[doc(alias = "config_inspect")]
    pub async fn inspect(&self, id: &str) -> Result<Config> {
        non_empty("id", id)?;
        let (r, _) = self.docker.request(Method::GET, &["configs", id]).await?;
        send(&self.docker, r.sensitive(true)).await?.json().await
    }

    /// Removes a config (no service may use it).
    #[doc(alias = "ConfigDelete")]
    #[doc(alias = "config_delete")]
    pub async fn remove(&self, id: &str) -> Result<()> {
        non_empty("id", id)?;
        let (r, _) = self
            .docker
            .request(Method::DELETE, &["configs", id])
            .await?;
        send(&self.docker, r).await.map(drop)
    }

    /// Changes a config's labels (the only field that may change; send the rest
    /// as inspected). `version` is the `Version.Index` the change is based on.
    #[doc(alias = "ConfigUpdate")]
    #[doc(alias = "config_update")]
    pub async fn update(&self, id: &str, version: u64, spec: &ConfigSpec) -> Result<()> {
        non_empty("id", id)?;
        spec.validate()?;
        let (r, _) = self
            .docker
            .request(Method::POST, &["configs", id, "update"])
            .await?;
        let r = r.query_pair("version", version.to_string()).json(spec)?;
        send_sensitive(&self.docker, r).await.map(drop)
    }
}
