//! What swarm secrets and configs share. The Engine API gives both the same
//! shape (a name, labels, base64 data, the same five operations on
//! `/secrets` and `/configs`), so one template writes both handles; each
//! module passes its names and its operations' aliases.

/// Writes the filters, list options, `Spec::with_data`/`data_bytes` and the
/// handle with its five operations of one kind of stored swarm object.
macro_rules! swarm_store {
    (
        kind: $kind:literal, path: $path:literal, title: $title:literal,
        handle: $handle:ident, accessor: $accessor:ident,
        model: $model:ident, spec: $spec:ident,
        filters: $filters:ident, options: $options:ident,
        list: [$(#[$list:meta])*],
        create: [$(#[$create:meta])*],
        inspect: [$(#[$inspect:meta])*],
        remove: [$(#[$remove:meta])*],
        update: [$(#[$update:meta])*] $(,)?
    ) => {
        use api_client_transport::http::Method;
        use api_client_transport::{Error, Result, Secret as Hidden, Validate};
        use base64::Engine;

        use crate::models::{$model, $spec, SwarmIdResponse};
        use crate::swarm_common::{swarm_filters, SecretBytes};
        use crate::unsupported::{non_empty, send, send_sensitive};
        use crate::Docker;

        swarm_filters! {
            #[doc = concat!("Filters of the ", $kind, " list.")]
            ///
            /// ```
            #[doc = concat!("use docker_engine::", stringify!($filters), ";")]
            #[doc = concat!("let f = ", stringify!($filters), "::new().name(\"db\");")]
            /// assert_eq!(f.filters().to_json(), r#"{"name":["db"]}"#);
            /// ```
            $filters {
                #[doc = concat!($title, " whose id starts with this.")]
                id => "id",
                #[doc = concat!($title, " with this label (`key` or `key=value`).")]
                label => "label",
                #[doc = concat!($title, " whose name starts with this.")]
                name => "name",
                #[doc = concat!($title, " with exactly this name.")]
                names => "names",
            }
        }

        #[doc = concat!("Options of [`", stringify!($handle), "::list`].")]
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $options {
            #[doc = concat!("Which ", $path, " to list (default: all).")]
            pub filters: $filters,
        }

        impl $spec {
            #[doc = concat!("A ", $kind, " named `name` holding `data` (encoded as the daemon")]
            /// wants it, in base64, inside a [`Secret`](crate::Secret) so that no
            /// `Debug` output shows it).
            pub fn with_data(name: impl Into<String>, data: impl AsRef<[u8]>) -> Self {
                let mut spec = $spec::new();
                spec.name = Some(name.into());
                spec.data = Some(Hidden::new(
                    base64::engine::general_purpose::STANDARD.encode(data.as_ref()),
                ));
                spec
            }

            /// The content, decoded from base64 (`None` when the daemon did not
            /// send it). An error names the field but never quotes the content.
            pub fn data_bytes(&self) -> Result<Option<SecretBytes>> {
                let Some(data) = &self.data else {
                    return Ok(None);
                };
                base64::engine::general_purpose::STANDARD
                    .decode(data.expose().trim())
                    .map(|b| Some(SecretBytes::new(b)))
                    .map_err(|_| Error::invalid(concat!($kind, ".Spec.Data"), "is not valid base64"))
            }
        }

        #[doc = concat!("The ", $kind, " operations of a [`Docker`] handle (a swarm manager).")]
        #[derive(Debug, Clone)]
        pub struct $handle {
            docker: Docker,
        }

        impl Docker {
            #[doc = concat!("The ", $kind, " operations.")]
            pub fn $accessor(&self) -> $handle {
                $handle {
                    docker: self.clone(),
                }
            }
        }

        impl $handle {
            #[doc = concat!("Lists ", $path, ".")]
            $(#[$list])*
            pub async fn list(&self, options: $options) -> Result<Vec<$model>> {
                let (r, _) = self.docker.request(Method::GET, &[$path]).await?;
                let r = options.filters.filters().apply(r);
                let list: Option<Vec<$model>> = send(&self.docker, r).await?.json().await?;
                Ok(list.unwrap_or_default())
            }

            #[doc = concat!("Creates a ", $kind, "; see [`", stringify!($spec), "::with_data`]. Answers its id.")]
            $(#[$create])*
            pub async fn create(&self, spec: &$spec) -> Result<SwarmIdResponse> {
                spec.validate()?;
                if spec.name.as_deref().map_or(true, str::is_empty) {
                    return Err(Error::invalid(concat!($kind, ".Name"), "must not be empty"));
                }
                let (r, _) = self
                    .docker
                    .request(Method::POST, &[$path, "create"])
                    .await?;
                // The body holds the content: no error may echo the answer.
                send_sensitive(&self.docker, r.json(spec)?)
                    .await?
                    .json()
                    .await
            }

            #[doc = concat!("Detail of one ", $kind, ".")]
            $(#[$inspect])*
            pub async fn inspect(&self, id: &str) -> Result<$model> {
                non_empty("id", id)?;
                let (r, _) = self.docker.request(Method::GET, &[$path, id]).await?;
                send(&self.docker, r.sensitive(true)).await?.json().await
            }

            #[doc = concat!("Removes a ", $kind, " (no service may use it).")]
            $(#[$remove])*
            pub async fn remove(&self, id: &str) -> Result<()> {
                non_empty("id", id)?;
                let (r, _) = self.docker.request(Method::DELETE, &[$path, id]).await?;
                send(&self.docker, r).await.map(drop)
            }

            #[doc = concat!("Changes a ", $kind, "'s labels (the only field that may change; send")]
            /// the rest as inspected). `version` is the `Version.Index` the change
            /// is based on.
            $(#[$update])*
            pub async fn update(&self, id: &str, version: u64, spec: &$spec) -> Result<()> {
                non_empty("id", id)?;
                spec.validate()?;
                let (r, _) = self
                    .docker
                    .request(Method::POST, &[$path, id, "update"])
                    .await?;
                let r = r.query_pair("version", version.to_string()).json(spec)?;
                send_sensitive(&self.docker, r).await.map(drop)
            }
        }
    };
}
pub(crate) use swarm_store;
