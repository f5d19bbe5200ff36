//! Exec instances: commands run inside a running container, reached with [`Docker::exec`].

use api_client_transport::http::Method;
use api_client_transport::{Error, Request, Result, Validate};

use crate::attach::{self, Attached};
use crate::models::{ExecConfig, ExecInspectResponse, ExecStartConfig, IdResponse};
use crate::version::{since, ApiVersion};
use crate::Docker;

/// Options of [`Exec::start`] and [`Exec::start_detached`].
///
/// There is no TTY switch here: whether the output is a raw console or
/// stdout/stderr frames was decided by [`ExecConfig::tty`] when the exec instance
/// was created, and [`Exec::start`] reads it back from the instance itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartExecOptions {
    /// Initial terminal size as `[height, width]` (API 1.42+).
    pub console_size: Option<[u32; 2]>,
}

/// The exec operations of a [`Docker`] handle.
#[derive(Debug, Clone)]
pub struct Exec {
    docker: Docker,
}

impl Docker {
    /// The exec operations.
    pub fn exec(&self) -> Exec {
        Exec {
            docker: self.clone(),
        }
    }
}

fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

impl Exec {
    async fn req(&self, method: Method, id: &str, tail: &str) -> Result<(Request, ApiVersion)> {
        non_empty("id", id)?;
        self.docker.request(method, &["exec", id, tail]).await
    }

    /// Creates an exec instance in the running container `container_id`; start it
    /// with [`Exec::start`].
    #[doc(alias = "ContainerExec")]
    #[doc(alias = "container_exec")]
    pub async fn create(&self, container_id: &str, config: &ExecConfig) -> Result<IdResponse> {
        non_empty("container_id", container_id)?;
        config.validate()?;
        let (r, v) = self
            .docker
            .request(Method::POST, &["containers", container_id, "exec"])
            .await?;
        if config.console_size.is_some() {
            self.docker.require(v, since::V1_42, "console_size")?;
        }
        self.docker.send(r.json(config)?).await?.json().await
    }

    fn start_body(
        &self,
        options: &StartExecOptions,
        v: ApiVersion,
        detach: bool,
        tty: Option<bool>,
    ) -> Result<ExecStartConfig> {
        if options.console_size.is_some() {
            self.docker.require(v, since::V1_42, "console_size")?;
        }
        Ok(ExecStartConfig {
            detach: Some(detach),
            tty,
            console_size: options
                .console_size
                .map(|s| s.iter().map(|&n| i64::from(n)).collect()),
        })
    }

    /// Starts an exec instance and attaches to it over a hijacked connection: its
    /// output as stdout/stderr frames (console chunks when the instance was created
    /// with `tty`) and a writer for its standard input, which can be half-closed.
    ///
    /// The instance is inspected first to learn the `Tty` it was created with: that
    /// setting is sent back in the start call and decides how the output is read.
    /// dockerd frames by the start call's `Tty` and podman by the create call's, so
    /// only sending the instance's own setting reads correctly on both.
    #[doc(alias = "ExecStart")]
    #[doc(alias = "exec_start")]
    pub async fn start(&self, id: &str, options: StartExecOptions) -> Result<Attached> {
        let (r, v) = self.req(Method::POST, id, "start").await?;
        // Refuse a too-new option before any call reaches the daemon.
        self.start_body(&options, v, false, None)?;
        let tty = self
            .inspect(id)
            .await?
            .process_config
            .and_then(|p| p.tty)
            .unwrap_or(false);
        let body = self.start_body(&options, v, false, Some(tty))?;
        let r = r.json(&body)?.retryable(false);
        attach::hijack(&self.docker, r, v, async move { Ok(!tty) }).await
    }

    /// Starts an exec instance in the background; follow it with [`Exec::inspect`].
    pub async fn start_detached(&self, id: &str, options: StartExecOptions) -> Result<()> {
        let (r, v) = self.req(Method::POST, id, "start").await?;
        // Nothing is read back, so the framing (`Tty`) does not matter here.
        let body = self.start_body(&options, v, true, None)?;
        self.docker
            .send(r.json(&body)?.retryable(false))
            .await
            .map(drop)
    }

    /// State of an exec instance, including its exit code once it has ended.
    #[doc(alias = "ExecInspect")]
    #[doc(alias = "exec_inspect")]
    pub async fn inspect(&self, id: &str) -> Result<ExecInspectResponse> {
        let (r, _) = self.req(Method::GET, id, "json").await?;
        self.docker.send(r).await?.json().await
    }

    /// Resizes the TTY of a running exec instance.
    #[doc(alias = "ExecResize")]
    #[doc(alias = "exec_resize")]
    pub async fn resize(&self, id: &str, height: u32, width: u32) -> Result<()> {
        let (r, _) = self.req(Method::POST, id, "resize").await?;
        let r = r
            .query_pair("h", height.to_string())
            .query_pair("w", width.to_string());
        self.docker.send(r).await.map(drop)
    }
}
