//! The few image operations the container workflow needs, reached with [`Docker::images`]:
//! import a root filesystem tar, inspect, remove.

use api_client_transport::bytes::Bytes;
use api_client_transport::futures_core::Stream;
use api_client_transport::http::{Method, StatusCode};
use api_client_transport::{ApiError, Error, ErrorMessage, Result};
use futures_util::StreamExt;

use crate::containers::LONG_CALL;
use crate::models::{CreateImageInfo, ImageDeleteResponseItem, ImageInspect};
use crate::streams::JsonLines;
use crate::Docker;

/// Options of [`Images::import`].
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

/// Options of [`Images::remove`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoveImageOptions {
    /// Remove even if stopped containers use it, or it has several names.
    pub force: bool,
    /// Keep untagged parent images.
    pub noprune: bool,
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ImportedImage {
    /// Id of the new image (`sha256:...`), from the last status message.
    pub id: Option<String>,
    /// Every progress message the daemon sent.
    pub messages: Vec<CreateImageInfo>,
}

/// The image operations of a [`Docker`] handle.
#[derive(Debug, Clone)]
pub struct Images {
    docker: Docker,
}

impl Docker {
    /// The image operations.
    pub fn images(&self) -> Images {
        Images {
            docker: self.clone(),
        }
    }
}

impl Images {
    /// Creates an image from a tar of a root filesystem, streamed from `tar`
    /// (`POST /images/create?fromSrc=-`). An error the daemon reports inside its
    /// progress stream is returned as an [`Error::Api`].
    #[doc(alias = "ImageCreate")]
    #[doc(alias = "image_create")]
    #[doc(alias = "import_image")]
    pub async fn import<S>(&self, tar: S, options: ImportImageOptions) -> Result<ImportedImage>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        let (mut r, _) = self
            .docker
            .request(Method::POST, &["images", "create"])
            .await?;
        r = r.query_pair("fromSrc", "-");
        for (key, value) in [
            ("repo", &options.repo),
            ("tag", &options.tag),
            ("message", &options.message),
            ("platform", &options.platform),
        ] {
            if let Some(v) = value {
                r = r.query_pair(key, v);
            }
        }
        for change in &options.changes {
            r = r.query_pair("changes", change);
        }
        let r = r.stream(tar, "application/x-tar").timeout(LONG_CALL);
        let path = r.path().to_string();
        let response = self.docker.send(r).await?;
        let mut lines =
            JsonLines::<CreateImageInfo>::new(response.into_stream(), Method::POST, path.clone());
        let mut messages = Vec::new();
        while let Some(message) = lines.next().await {
            let message = message?;
            if let Some(error) = message.error.clone().or_else(|| {
                message
                    .error_detail
                    .as_ref()
                    .and_then(|d| d.message.clone())
            }) {
                let api = ApiError::new(
                    StatusCode::OK,
                    Method::POST,
                    path,
                    Bytes::from(serde_json::to_vec(&message).unwrap_or_default()),
                )
                .with_message(ErrorMessage {
                    code: None,
                    message: error,
                });
                return Err(Error::Api(Box::new(api)));
            }
            messages.push(message);
        }
        let id = messages
            .iter()
            .rev()
            .find_map(|m| m.status.clone().filter(|s| s.starts_with("sha256:")));
        Ok(ImportedImage { id, messages })
    }

    /// Detail of one image.
    #[doc(alias = "ImageInspect")]
    #[doc(alias = "image_inspect")]
    pub async fn inspect(&self, name: &str) -> Result<ImageInspect> {
        if name.is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        let (r, _) = self
            .docker
            .request(Method::GET, &["images", name, "json"])
            .await?;
        self.docker.send(r).await?.json().await
    }

    /// Removes an image (or one of its names).
    #[doc(alias = "ImageDelete")]
    #[doc(alias = "image_delete")]
    pub async fn remove(
        &self,
        name: &str,
        options: RemoveImageOptions,
    ) -> Result<Vec<ImageDeleteResponseItem>> {
        if name.is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        let (mut r, _) = self
            .docker
            .request(Method::DELETE, &["images", name])
            .await?;
        if options.force {
            r = r.query_pair("force", "true");
        }
        if options.noprune {
            r = r.query_pair("noprune", "true");
        }
        self.docker.send(r).await?.json().await
    }
}
