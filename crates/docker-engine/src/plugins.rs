//! Managed plugins: [`Plugins`], reached with [`Docker::plugins`] (feature `plugins`).

use api_client_transport::bytes::Bytes;
use api_client_transport::http::Method;
use api_client_transport::{Request, Result};

use crate::images::Progress;
use crate::models::{CreateImageInfo, Plugin, PluginPrivilege, PushImageInfo};
use crate::registry_auth::RegistryAuth;
use crate::swarm_common::swarm_filters;
use crate::unsupported::{non_empty, send};
use crate::Docker;

swarm_filters! {
    /// Filters of the plugin list.
    ///
    /// ```
    /// use docker_engine::PluginFilters;
    /// let f = PluginFilters::new().capability("volumedriver").enable("true");
    /// assert_eq!(f.filters().to_json(), r#"{"capability":["volumedriver"],"enable":["true"]}"#);
    /// ```
    PluginFilters {
        /// Plugins that provide this capability, e.g. `volumedriver`.
        capability => "capability",
        /// Enabled (`true`) or disabled (`false`) plugins.
        enable => "enable",
    }
}

/// Options of [`Plugins::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPluginsOptions {
    /// Which plugins to list (default: all).
    pub filters: PluginFilters,
}

/// Options of [`Plugins::pull`] and [`Plugins::upgrade`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PullPluginOptions {
    /// Local name of the plugin (default: the remote reference). Ignored by upgrade.
    pub name: Option<String>,
    /// Credentials for the registry (`X-Registry-Auth`).
    pub auth: Option<RegistryAuth>,
    /// The privileges granted: usually what [`Plugins::privileges`] answered, after
    /// the user agreed to them. The daemon refuses a pull that grants less than the
    /// plugin asks for.
    pub privileges: Vec<PluginPrivilege>,
}

/// Options of [`Plugins::push`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PushPluginOptions {
    /// Credentials for the registry (`X-Registry-Auth`).
    pub auth: Option<RegistryAuth>,
}

/// Options of [`Plugins::remove`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemovePluginOptions {
    /// Remove the plugin even when it is enabled.
    pub force: bool,
}

/// Options of [`Plugins::enable`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnablePluginOptions {
    /// Seconds to wait for the plugin to start (`None`: the daemon's default).
    pub timeout: Option<u32>,
}

/// Options of [`Plugins::disable`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DisablePluginOptions {
    /// Disable the plugin even when it is in use.
    pub force: bool,
}

/// The plugin operations of a [`Docker`] handle.
///
/// Podman has no managed plugins: its answers read as
/// [`DaemonErrorExt::not_supported`](crate::DaemonErrorExt::not_supported).
///
/// ```no_run
/// use docker_engine::{Docker, PullPluginOptions, RegistryAuth};
///
/// # async fn run() -> docker_engine::Result<()> {
/// let plugins = Docker::connect()?.plugins();
/// let remote = "127.0.0.1:5000/tools/sshfs:1";
/// let auth = RegistryAuth::from_docker_config(remote).await?;
/// let privileges = plugins.privileges(remote, auth.clone()).await?;
/// let mut options = PullPluginOptions::default();
/// options.auth = auth;
/// options.privileges = privileges; // after asking the user
/// plugins.pull(remote, options).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Plugins {
    docker: Docker,
}

impl Docker {
    /// The plugin operations.
    pub fn plugins(&self) -> Plugins {
        Plugins {
            docker: self.clone(),
        }
    }
}

fn with_auth(r: Request, auth: Option<&RegistryAuth>) -> Result<Request> {
    Ok(match auth {
        Some(auth) => auth.attach(r)?,
        None => r,
    })
}

impl Plugins {
    async fn req(&self, method: Method, segments: &[&str]) -> Result<Request> {
        Ok(self.docker.request(method, segments).await?.0)
    }

    /// Lists installed plugins.
    #[doc(alias = "PluginList")]
    #[doc(alias = "plugin_list")]
    pub async fn list(&self, options: ListPluginsOptions) -> Result<Vec<Plugin>> {
        let r = self.req(Method::GET, &["plugins"]).await?;
        let r = options.filters.filters().apply(r);
        let list: Option<Vec<Plugin>> = send(&self.docker, r).await?.json().await?;
        Ok(list.unwrap_or_default())
    }

    /// The privileges a plugin in a registry asks for, to be shown to the user and
    /// granted with [`pull`](Self::pull).
    #[doc(alias = "GetPluginPrivileges")]
    #[doc(alias = "get_plugin_privileges")]
    pub async fn privileges(
        &self,
        remote: &str,
        auth: Option<RegistryAuth>,
    ) -> Result<Vec<PluginPrivilege>> {
        non_empty("remote", remote)?;
        let r = self.req(Method::GET, &["plugins", "privileges"]).await?;
        let r = with_auth(r.query_pair("remote", remote), auth.as_ref())?;
        let list: Option<Vec<PluginPrivilege>> = send(&self.docker, r).await?.json().await?;
        Ok(list.unwrap_or_default())
    }

    async fn progress<T: crate::ProgressMessage>(&self, r: Request) -> Result<()> {
        let path = r.path().to_string();
        let method = r.method().clone();
        let response = send(&self.docker, r.streaming()).await?;
        Progress::<T>::new(response.into_stream(), method, path)
            .finish()
            .await
            .map(drop)
    }

    /// Pulls and installs a plugin (disabled), granting `options.privileges`.
    /// Waits for the pull to finish; a failure reported inside the progress stream
    /// is an error.
    #[doc(alias = "PluginPull")]
    #[doc(alias = "plugin_pull")]
    pub async fn pull(&self, remote: &str, options: PullPluginOptions) -> Result<()> {
        non_empty("remote", remote)?;
        let mut r = self.req(Method::POST, &["plugins", "pull"]).await?;
        r = r.query_pair("remote", remote);
        if let Some(name) = &options.name {
            r = r.query_pair("name", name);
        }
        let r = with_auth(r, options.auth.as_ref())?.json(&options.privileges)?;
        self.progress::<CreateImageInfo>(r).await
    }

    /// Detail of one installed plugin.
    #[doc(alias = "PluginInspect")]
    #[doc(alias = "plugin_inspect")]
    pub async fn inspect(&self, name: &str) -> Result<Plugin> {
        non_empty("name", name)?;
        let r = self.req(Method::GET, &["plugins", name, "json"]).await?;
        send(&self.docker, r).await?.json().await
    }

    /// Removes a plugin; answers it as it was, when the daemon says (dockerd 20.10
    /// answers with an empty body: `None`).
    #[doc(alias = "PluginDelete")]
    #[doc(alias = "plugin_delete")]
    pub async fn remove(&self, name: &str, options: RemovePluginOptions) -> Result<Option<Plugin>> {
        non_empty("name", name)?;
        let mut r = self.req(Method::DELETE, &["plugins", name]).await?;
        if options.force {
            r = r.query_pair("force", "true");
        }
        let path = r.path().to_string();
        let body = send(&self.docker, r).await?.bytes().await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        api_client_transport::decode_json(&Method::DELETE, &path, &body).map(Some)
    }

    /// Enables (starts) a plugin.
    #[doc(alias = "PluginEnable")]
    #[doc(alias = "plugin_enable")]
    pub async fn enable(&self, name: &str, options: EnablePluginOptions) -> Result<()> {
        non_empty("name", name)?;
        let mut r = self.req(Method::POST, &["plugins", name, "enable"]).await?;
        if let Some(t) = options.timeout {
            r = r.query_pair("timeout", t.to_string());
        }
        send(&self.docker, r).await.map(drop)
    }

    /// Disables (stops) a plugin.
    #[doc(alias = "PluginDisable")]
    #[doc(alias = "plugin_disable")]
    pub async fn disable(&self, name: &str, options: DisablePluginOptions) -> Result<()> {
        non_empty("name", name)?;
        let mut r = self
            .req(Method::POST, &["plugins", name, "disable"])
            .await?;
        if options.force {
            r = r.query_pair("force", "true");
        }
        send(&self.docker, r).await.map(drop)
    }

    /// Replaces a disabled plugin with `remote`, granting `options.privileges`.
    #[doc(alias = "PluginUpgrade")]
    #[doc(alias = "plugin_upgrade")]
    pub async fn upgrade(
        &self,
        name: &str,
        remote: &str,
        options: PullPluginOptions,
    ) -> Result<()> {
        non_empty("name", name)?;
        non_empty("remote", remote)?;
        let r = self
            .req(Method::POST, &["plugins", name, "upgrade"])
            .await?;
        let r = with_auth(r.query_pair("remote", remote), options.auth.as_ref())?
            .json(&options.privileges)?;
        self.progress::<CreateImageInfo>(r).await
    }

    /// Creates a plugin named `name` from a tar archive holding its `config.json`
    /// and its `rootfs` folder (what `docker plugin create` sends).
    #[doc(alias = "PluginCreate")]
    #[doc(alias = "plugin_create")]
    pub async fn create(&self, name: &str, tar: impl Into<Bytes>) -> Result<()> {
        non_empty("name", name)?;
        let r = self.req(Method::POST, &["plugins", "create"]).await?;
        let r = r.query_pair("name", name).bytes(tar, "application/x-tar");
        send(&self.docker, r).await.map(drop)
    }

    /// Pushes a plugin to the registry its name points at.
    #[doc(alias = "PluginPush")]
    #[doc(alias = "plugin_push")]
    pub async fn push(&self, name: &str, options: PushPluginOptions) -> Result<()> {
        non_empty("name", name)?;
        let r = self.req(Method::POST, &["plugins", name, "push"]).await?;
        let r = with_auth(r, options.auth.as_ref())?;
        self.progress::<PushImageInfo>(r).await
    }

    /// Changes settings of a disabled plugin: `NAME=value` for an environment
    /// variable, `mount.source=/path`, `device.path=/dev/x`, or `args=...`.
    #[doc(alias = "PluginSet")]
    #[doc(alias = "plugin_set")]
    pub async fn set<I, S>(&self, name: &str, settings: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        non_empty("name", name)?;
        let settings: Vec<String> = settings.into_iter().map(Into::into).collect();
        let r = self.req(Method::POST, &["plugins", name, "set"]).await?;
        send(&self.docker, r.json(&settings)?).await.map(drop)
    }
}
