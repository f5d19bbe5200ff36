//! The image operations, reached with [`Docker::images`]: list, pull, push, build,
//! import, save and load, tag, inspect, history, search, prune, commit, remove.

mod options;
mod progress;

use api_client_transport::bytes::Bytes;
use api_client_transport::futures_core::Stream;
use api_client_transport::http::Method;
use api_client_transport::{ByteStream, Error, Request, Result};

use crate::containers::LONG_CALL;
use crate::models::{
    BuildInfo, BuildPruneResponse, CreateImageInfo, DistributionInspect, HistoryResponseItem,
    IdResponse, ImageDeleteResponseItem, ImageInspect, ImagePruneResponse, ImageSearchResponseItem,
    ImageSummary, PushImageInfo,
};
use crate::registry_auth::attach_config;
use crate::version::since;
use crate::Docker;

pub use options::{
    BuildOptions, CommitOptions, DistributionInspectOptions, ImportImageOptions, ListImagesOptions,
    LoadImagesOptions, PruneBuildCacheOptions, PruneImagesOptions, PullImageOptions,
    PushImageOptions, RemoveImageOptions, SearchImagesOptions,
};
pub use progress::{Progress, ProgressMessage};

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

/// Splits `name[:tag]` or `name@digest` into the repository and the tag or digest.
/// A colon only starts a tag after the last `/` (`localhost:5000/app` has none).
fn split_reference(reference: &str) -> (&str, Option<&str>) {
    if let Some((name, digest)) = reference.split_once('@') {
        return (name, Some(digest));
    }
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[last_slash..].rfind(':') {
        Some(i) => (
            &reference[..last_slash + i],
            Some(&reference[last_slash + i + 1..]),
        ),
        None => (reference, None),
    }
}

fn check_reference(field: &str, reference: &str) -> Result<()> {
    if reference.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    let (name, tag) = split_reference(reference);
    if name.is_empty() || tag == Some("") {
        return Err(Error::invalid(
            field,
            format!("`{reference}` is not `name[:tag]` or `name@digest`"),
        ));
    }
    Ok(())
}

fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

fn filters(r: Request, filters: &crate::Filters) -> Request {
    if filters.is_empty() {
        r
    } else {
        r.query_pair("filters", filters.to_json())
    }
}

fn json_map(map: &std::collections::BTreeMap<String, String>) -> String {
    // A map of strings always serializes.
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_string())
}

impl Images {
    async fn progress<T: ProgressMessage>(&self, r: Request) -> Result<Progress<T>> {
        let path = r.path().to_string();
        let method = r.method().clone();
        let response = self.docker.send(r).await?;
        Ok(Progress::new(response.into_stream(), method, path))
    }

    /// The images on the daemon.
    #[doc(alias = "ImageList")]
    #[doc(alias = "image_list")]
    pub async fn list(&self, options: ListImagesOptions) -> Result<Vec<ImageSummary>> {
        let (mut r, v) = self
            .docker
            .request(Method::GET, &["images", "json"])
            .await?;
        if options.all {
            r = r.query_pair("all", "true");
        }
        r = filters(r, &options.filters);
        if options.shared_size {
            self.docker.require(v, since::V1_42, "shared_size")?;
            r = r.query_pair("shared-size", "true");
        }
        if options.digests {
            r = r.query_pair("digests", "true");
        }
        crate::tolerant::list(&self.docker, r).await
    }

    /// Pulls an image (`name[:tag]` or `name@digest`; no tag means `latest`) and
    /// streams the daemon's progress. A failure after the pull started (a missing
    /// tag, refused credentials) arrives as an error item of the stream.
    ///
    /// See [`Images::pull_to_completion`] to just wait for it.
    #[doc(alias = "ImageCreate")]
    #[doc(alias = "image_create")]
    #[doc(alias = "create_image")]
    pub async fn pull(
        &self,
        reference: &str,
        options: PullImageOptions,
    ) -> Result<Progress<CreateImageInfo>> {
        check_reference("reference", reference)?;
        let (name, tag) = split_reference(reference);
        let (mut r, _) = self
            .docker
            .request(Method::POST, &["images", "create"])
            .await?;
        r = r.query_pair("fromImage", name);
        match tag {
            Some(tag) => r = r.query_pair("tag", tag),
            None if !options.all_tags => r = r.query_pair("tag", "latest"),
            None => {}
        }
        if let Some(platform) = &options.platform {
            r = r.query_pair("platform", platform);
        }
        if let Some(auth) = &options.auth {
            r = auth.attach(r)?;
        }
        self.progress(r.timeout(LONG_CALL)).await
    }

    /// Pulls an image and waits until the pull is done; returns the progress messages
    /// without the byte-counter ticks (see [`Progress::finish`]).
    ///
    /// ```no_run
    /// # async fn run(docker: docker_engine::Docker) -> docker_engine::Result<()> {
    /// use docker_engine::{PullImageOptions, RegistryAuth};
    /// let mut options = PullImageOptions::default();
    /// options.auth = RegistryAuth::from_docker_config("localhost:5000/app:1").await?;
    /// docker.images().pull_to_completion("localhost:5000/app:1", options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn pull_to_completion(
        &self,
        reference: &str,
        options: PullImageOptions,
    ) -> Result<Vec<CreateImageInfo>> {
        self.pull(reference, options).await?.finish().await
    }

    /// Pushes an image (`registry/name[:tag]`; no tag means `latest`) to its registry
    /// and streams the progress. Refused credentials arrive as an error item.
    #[doc(alias = "ImagePush")]
    #[doc(alias = "image_push")]
    pub async fn push(
        &self,
        reference: &str,
        options: PushImageOptions,
    ) -> Result<Progress<PushImageInfo>> {
        check_reference("reference", reference)?;
        if reference.contains('@') {
            return Err(Error::invalid(
                "reference",
                "a push names a tag (`name:tag`), not a digest",
            ));
        }
        let (name, tag) = split_reference(reference);
        let (mut r, _) = self
            .docker
            .request(Method::POST, &["images", name, "push"])
            .await?;
        match tag {
            Some(tag) => r = r.query_pair("tag", tag),
            None if !options.all_tags => r = r.query_pair("tag", "latest"),
            None => {}
        }
        // The daemon wants the header even for an anonymous push: `{}` says "none".
        let auth = options.auth.unwrap_or_default();
        r = auth.attach(r)?;
        self.progress(r.timeout(LONG_CALL)).await
    }

    /// Creates an image from a tar of a root filesystem, streamed from `tar`
    /// (`POST /images/create?fromSrc=-`). An error the daemon reports inside its
    /// progress stream is returned as an [`Error::Api`].
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
        let messages = self.progress::<CreateImageInfo>(r).await?.finish().await?;
        let id = messages
            .iter()
            .rev()
            .find_map(|m| m.status.clone().filter(|s| s.starts_with("sha256:")));
        Ok(ImportedImage { id, messages })
    }

    /// Builds an image with the classic builder from a tar of the build context
    /// (holding the Dockerfile), streamed from `context`, and streams the build output.
    /// A failing step arrives as an error item; [`Progress::image_id`] waits for the
    /// end and returns the new image's id.
    ///
    /// ```no_run
    /// # async fn run(docker: docker_engine::Docker) -> Result<(), Box<dyn std::error::Error>> {
    /// use docker_engine::BuildOptions;
    ///
    /// // The build context: a tar holding the Dockerfile (and whatever it copies).
    /// let dockerfile = b"FROM busybox\nARG WHO\nRUN echo hello $WHO > /greeting\n";
    /// let mut header = tar::Header::new_gnu();
    /// header.set_size(dockerfile.len() as u64);
    /// header.set_mode(0o644);
    /// let mut context = tar::Builder::new(Vec::new());
    /// context.append_data(&mut header, "Dockerfile", &dockerfile[..])?;
    /// let body = futures_util::stream::iter([Ok(context.into_inner()?.into())]);
    ///
    /// let mut options = BuildOptions::default();
    /// options.tags = vec!["greeter:1".into()];
    /// options.build_args.insert("WHO".into(), "world".into());
    /// let id = docker.images().build(body, options).await?.image_id().await?;
    /// println!("built {id:?}");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "ImageBuild")]
    #[doc(alias = "image_build")]
    pub async fn build<S>(&self, context: S, options: BuildOptions) -> Result<Progress<BuildInfo>>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        let (mut r, _) = self.docker.request(Method::POST, &["build"]).await?;
        if let Some(dockerfile) = &options.dockerfile {
            non_empty("dockerfile", dockerfile)?;
            r = r.query_pair("dockerfile", dockerfile);
        }
        for tag in &options.tags {
            check_reference("tags", tag)?;
            r = r.query_pair("t", tag);
        }
        if !options.build_args.is_empty() {
            r = r.query_pair("buildargs", json_map(&options.build_args));
        }
        if !options.labels.is_empty() {
            r = r.query_pair("labels", json_map(&options.labels));
        }
        for (key, value) in [
            ("target", &options.target),
            ("platform", &options.platform),
            ("networkmode", &options.network_mode),
        ] {
            if let Some(v) = value {
                r = r.query_pair(key, v);
            }
        }
        for (key, yes) in [
            ("nocache", options.no_cache),
            ("pull", options.pull),
            ("q", options.quiet),
            ("forcerm", options.force_remove),
        ] {
            if yes {
                r = r.query_pair(key, "true");
            }
        }
        if let Some(remove) = options.remove {
            r = r.query_pair("rm", if remove { "true" } else { "false" });
        }
        if !options.extra_hosts.is_empty() {
            r = r.query_pair("extrahosts", options.extra_hosts.join(","));
        }
        if !options.cache_from.is_empty() {
            let list = serde_json::to_string(&options.cache_from).unwrap_or_default();
            r = r.query_pair("cachefrom", list);
        }
        for (key, value) in [("memory", options.memory), ("shmsize", options.shm_size)] {
            if let Some(v) = value {
                if v < 0 {
                    return Err(Error::invalid(key, "must not be negative"));
                }
                r = r.query_pair(key, v.to_string());
            }
        }
        if !options.registry_auth.is_empty() {
            r = attach_config(&options.registry_auth, r)?;
        }
        let r = r.stream(context, "application/x-tar").timeout(LONG_CALL);
        self.progress(r).await
    }

    /// Deletes the build cache.
    #[doc(alias = "BuildPrune")]
    pub async fn build_prune(&self, options: PruneBuildCacheOptions) -> Result<BuildPruneResponse> {
        let (mut r, _) = self
            .docker
            .request(Method::POST, &["build", "prune"])
            .await?;
        if let Some(keep) = options.keep_storage {
            r = r.query_pair("keep-storage", keep.to_string());
        }
        if options.all {
            r = r.query_pair("all", "true");
        }
        let r = filters(r, &options.filters).timeout(LONG_CALL);
        self.docker.send(r).await?.json().await
    }

    /// Detail of one image.
    #[doc(alias = "ImageInspect")]
    #[doc(alias = "image_inspect")]
    pub async fn inspect(&self, name: &str) -> Result<ImageInspect> {
        non_empty("name", name)?;
        let (r, _) = self
            .docker
            .request(Method::GET, &["images", name, "json"])
            .await?;
        self.docker.send(r).await?.json().await
    }

    /// The layers of an image, newest first, with the instructions that made them.
    #[doc(alias = "ImageHistory")]
    #[doc(alias = "image_history")]
    pub async fn history(&self, name: &str) -> Result<Vec<HistoryResponseItem>> {
        non_empty("name", name)?;
        let (r, _) = self
            .docker
            .request(Method::GET, &["images", name, "history"])
            .await?;
        self.docker.send(r).await?.json().await
    }

    /// Gives the image `name` another name, `new_reference` (`repo[:tag]`; no tag
    /// means `latest`).
    #[doc(alias = "ImageTag")]
    #[doc(alias = "image_tag")]
    pub async fn tag(&self, name: &str, new_reference: &str) -> Result<()> {
        non_empty("name", name)?;
        check_reference("new_reference", new_reference)?;
        let (repo, tag) = split_reference(new_reference);
        if new_reference.contains('@') {
            return Err(Error::invalid(
                "new_reference",
                "a tag cannot be a digest; write `repo:tag`",
            ));
        }
        let (mut r, _) = self
            .docker
            .request(Method::POST, &["images", name, "tag"])
            .await?;
        r = r.query_pair("repo", repo);
        r = r.query_pair("tag", tag.unwrap_or("latest"));
        self.docker.send(r).await?;
        Ok(())
    }

    /// Removes an image (or one of its names).
    #[doc(alias = "ImageDelete")]
    #[doc(alias = "image_delete")]
    pub async fn remove(
        &self,
        name: &str,
        options: RemoveImageOptions,
    ) -> Result<Vec<ImageDeleteResponseItem>> {
        non_empty("name", name)?;
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

    /// Searches Docker Hub (through the daemon) for images matching `term`.
    #[doc(alias = "ImageSearch")]
    #[doc(alias = "image_search")]
    pub async fn search(
        &self,
        term: &str,
        options: SearchImagesOptions,
    ) -> Result<Vec<ImageSearchResponseItem>> {
        non_empty("term", term)?;
        let (mut r, _) = self
            .docker
            .request(Method::GET, &["images", "search"])
            .await?;
        r = r.query_pair("term", term);
        if let Some(limit) = options.limit {
            r = r.query_pair("limit", limit.to_string());
        }
        let r = filters(r, &options.filters);
        self.docker.send(r).await?.json().await
    }

    /// Deletes unused images (by default only dangling ones).
    #[doc(alias = "ImagePrune")]
    #[doc(alias = "image_prune")]
    pub async fn prune(&self, options: PruneImagesOptions) -> Result<ImagePruneResponse> {
        let (r, _) = self
            .docker
            .request(Method::POST, &["images", "prune"])
            .await?;
        let r = filters(r, &options.filters).timeout(LONG_CALL);
        self.docker.send(r).await?.json().await
    }

    /// Makes an image of a container's current state.
    #[doc(alias = "ImageCommit")]
    #[doc(alias = "image_commit")]
    pub async fn commit(&self, container: &str, options: CommitOptions) -> Result<IdResponse> {
        non_empty("container", container)?;
        let (mut r, _) = self.docker.request(Method::POST, &["commit"]).await?;
        r = r.query_pair("container", container);
        for (key, value) in [
            ("repo", &options.repo),
            ("tag", &options.tag),
            ("comment", &options.comment),
            ("author", &options.author),
        ] {
            if let Some(v) = value {
                r = r.query_pair(key, v);
            }
        }
        if let Some(pause) = options.pause {
            r = r.query_pair("pause", if pause { "true" } else { "false" });
        }
        if !options.changes.is_empty() {
            r = r.query_pair("changes", options.changes.join("\n"));
        }
        if let Some(config) = &options.config {
            r = r.json(config)?;
        }
        self.docker.send(r.timeout(LONG_CALL)).await?.json().await
    }

    /// Exports one image (all its names, layers and history) as a tar stream, the
    /// format [`Images::load`] reads.
    #[doc(alias = "ImageGet")]
    #[doc(alias = "image_get")]
    pub async fn export(&self, name: &str) -> Result<ByteStream> {
        non_empty("name", name)?;
        let (r, _) = self
            .docker
            .request(Method::GET, &["images", name, "get"])
            .await?;
        Ok(self.docker.send(r).await?.into_stream())
    }

    /// Exports several images as one tar stream.
    #[doc(alias = "ImageGetAll")]
    #[doc(alias = "image_get_all")]
    pub async fn export_all<I, N>(&self, names: I) -> Result<ByteStream>
    where
        I: IntoIterator<Item = N>,
        N: AsRef<str>,
    {
        let (mut r, _) = self.docker.request(Method::GET, &["images", "get"]).await?;
        let mut any = false;
        for name in names {
            non_empty("names", name.as_ref())?;
            r = r.query_pair("names", name.as_ref());
            any = true;
        }
        if !any {
            return Err(Error::invalid("names", "name at least one image"));
        }
        Ok(self.docker.send(r).await?.into_stream())
    }

    /// Loads images from a tar made by [`Images::export`], streamed from `tar`; the
    /// progress says `Loaded image: <name>` for each.
    #[doc(alias = "ImageLoad")]
    #[doc(alias = "image_load")]
    pub async fn load<S>(&self, tar: S, options: LoadImagesOptions) -> Result<Progress<BuildInfo>>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        let (mut r, _) = self
            .docker
            .request(Method::POST, &["images", "load"])
            .await?;
        if options.quiet {
            r = r.query_pair("quiet", "true");
        }
        let r = r.stream(tar, "application/x-tar").timeout(LONG_CALL);
        self.progress(r).await
    }

    /// What the registry says about an image (its digest and platforms), without pulling.
    #[doc(alias = "DistributionInspect")]
    pub async fn distribution_inspect(
        &self,
        reference: &str,
        options: DistributionInspectOptions,
    ) -> Result<DistributionInspect> {
        check_reference("reference", reference)?;
        let (mut r, _) = self
            .docker
            .request(Method::GET, &["distribution", reference, "json"])
            .await?;
        if let Some(auth) = &options.auth {
            r = auth.attach(r)?;
        }
        self.docker.send(r).await?.json().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_where_docker_splits_them() {
        assert_eq!(split_reference("busybox"), ("busybox", None));
        assert_eq!(split_reference("busybox:1.36"), ("busybox", Some("1.36")));
        assert_eq!(
            split_reference("localhost:5000/a/b"),
            ("localhost:5000/a/b", None)
        );
        assert_eq!(
            split_reference("localhost:5000/a/b:t"),
            ("localhost:5000/a/b", Some("t"))
        );
        assert_eq!(split_reference("a@sha256:00"), ("a", Some("sha256:00")));
        assert!(check_reference("r", "a:").is_err());
        assert!(check_reference("r", ":t").is_err());
        assert!(check_reference("r", "").is_err());
    }
}
