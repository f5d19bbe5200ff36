//! Swarm secrets: [`Secrets`], reached with [`Docker::secrets`] (feature `swarm`).

use api_client_transport::http::Method;
use api_client_transport::{Error, Result, Secret as Hidden, Validate};
use base64::Engine;

use crate::models::{Secret, SecretSpec, SwarmIdResponse};
use crate::swarm_common::{swarm_filters, SecretBytes};
use crate::unsupported::{non_empty, send, send_sensitive};
use crate::Docker;

swarm_filters! {
    /// Filters of the secret list.
    ///
    /// ```
    /// use docker_engine::SecretFilters;
    /// let f = SecretFilters::new().name("db");
    /// assert_eq!(f.filters().to_json(), r#"{"name":["db"]}"#);
    /// ```
    SecretFilters {
        /// Secrets whose id starts with this.
        id => "id",
        /// Secrets with this label (`key` or `key=value`).
        label => "label",
        /// Secrets whose name starts with this.
        name => "name",
        /// Secrets with exactly this name.
        names => "names",
    }
}

/// Options of [`Secrets::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListSecretsOptions {
    /// Which secrets to list (default: all).
    pub filters: SecretFilters,
}

impl SecretSpec {
    /// A secret named `name` holding `data` (encoded as the daemon wants it, in
    /// base64, inside a [`Secret`](crate::Secret) so that no `Debug` output shows it).
    pub fn with_data(name: impl Into<String>, data: impl AsRef<[u8]>) -> Self {
        let mut spec = SecretSpec::new();
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
            .map_err(|_| Error::invalid("secret.Spec.Data", "is not valid base64"))
    }
}

/// The secret operations of a [`Docker`] handle (a swarm manager).
#[derive(Debug, Clone)]
pub struct Secrets {
    docker: Docker,
}

impl Docker {
    /// The secret operations.
    pub fn secrets(&self) -> Secrets {
        Secrets {
            docker: self.clone(),
        }
    }
}

impl Secrets {
    /// Lists secrets.
    #[doc(alias = "SecretList")]
    #[doc(alias = "secret_list")]
    pub async fn list(&self, options: ListSecretsOptions) -> Result<Vec<Secret>> {
        let (r, _) = self.docker.request(Method::GET, &["secrets"]).await?;
        let r = options.filters.filters().apply(r);
        let list: Option<Vec<Secret>> = send(&self.docker, r).await?.json().await?;
        Ok(list.unwrap_or_default())
    }

    /// Creates a secret; see [`SecretSpec::with_data`]. Answers its id.
    #[doc(alias = "SecretCreate")]
    #[doc(alias = "secret_create")]
    pub async fn create(&self, spec: &SecretSpec) -> Result<SwarmIdResponse> {
        spec.validate()?;
        if spec.name.as_deref().map_or(true, str::is_empty) {
            return Err(Error::invalid("secret.Name", "must not be empty"));
        }
        let (r, _) = self
            .docker
            .request(Method::POST, &["secrets", "create"])
            .await?;
        // The body holds the content: no error may echo the answer.
        send_sensitive(&self.docker, r.json(spec)?)
            .await?
            .json()
            .await
    }

    /// Detail of one secret.
    #[doc(alias = "SecretInspect")]
    #[doc(alias = "secret_inspect")]
    pub async fn inspect(&self, id: &str) -> Result<Secret> {
        non_empty("id", id)?;
        let (r, _) = self.docker.request(Method::GET, &["secrets", id]).await?;
        send(&self.docker, r.sensitive(true)).await?.json().await
    }

    /// Removes a secret (no service may use it).
    #[doc(alias = "SecretDelete")]
    #[doc(alias = "secret_delete")]
    pub async fn remove(&self, id: &str) -> Result<()> {
        non_empty("id", id)?;
        let (r, _) = self
            .docker
            .request(Method::DELETE, &["secrets", id])
            .await?;
        send(&self.docker, r).await.map(drop)
    }

    /// Changes a secret's labels (the only field that may change; send the rest
    /// as inspected). `version` is the `Version.Index` the change is based on.
    #[doc(alias = "SecretUpdate")]
    #[doc(alias = "secret_update")]
    pub async fn update(&self, id: &str, version: u64, spec: &SecretSpec) -> Result<()> {
        non_empty("id", id)?;
        spec.validate()?;
        let (r, _) = self
            .docker
            .request(Method::POST, &["secrets", id, "update"])
            .await?;
        let r = r.query_pair("version", version.to_string()).json(spec)?;
        send_sensitive(&self.docker, r).await.map(drop)
    }
}
