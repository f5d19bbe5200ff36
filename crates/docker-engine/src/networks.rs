//! The network operations: [`Networks`], reached with [`Docker::networks`]
//! (feature `networks`).

use api_client_transport::http::Method;
use api_client_transport::{Error, Request, Result, Validate};

use crate::filters::{NetworkFilters, PruneFilters};
use crate::models::{
    EndpointSettings, Network, NetworkConnectRequest, NetworkCreateRequest, NetworkCreateResponse,
    NetworkDisconnectRequest, NetworkPruneResponse,
};
use crate::Docker;

/// Options of [`Networks::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListNetworksOptions {
    /// Which networks to list (default: all).
    pub filters: NetworkFilters,
}

/// Options of [`Networks::inspect`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectNetworkOptions {
    /// Also report the services and peers of a swarm-scoped network.
    pub verbose: bool,
    /// Only look for the network in this scope: `swarm`, `global` or `local`.
    pub scope: Option<String>,
}

/// Options of [`Networks::disconnect`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisconnectNetworkOptions {
    /// Disconnect even when the container is not running cleanly.
    pub force: bool,
}

/// Options of [`Networks::prune`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneNetworksOptions {
    /// Which unused networks to remove (default: all of them); `until` and labels apply.
    pub filters: PruneFilters,
}

/// The network operations of a [`Docker`] handle.
///
/// ```no_run
/// use docker_engine::models::{EndpointSettings, NetworkCreateRequest};
/// use docker_engine::Docker;
///
/// # async fn run(container_id: &str) -> docker_engine::Result<()> {
/// let networks = Docker::connect()?.networks();
/// let mut request = NetworkCreateRequest::default();
/// request.name = "backend".into();
/// networks.create(&request).await?;
/// // Reachable as `db` by every container on the network.
/// let endpoint = EndpointSettings::default().with_alias("db");
/// networks.connect("backend", container_id, endpoint).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Networks {
    docker: Docker,
}

impl Docker {
    /// The network operations.
    pub fn networks(&self) -> Networks {
        Networks {
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

impl Networks {
    async fn req(&self, method: Method, segments: &[&str]) -> Result<Request> {
        Ok(self.docker.request(method, segments).await?.0)
    }

    /// Lists networks. The list does not say which containers are connected:
    /// [`Networks::inspect`] does.
    #[doc(alias = "NetworkList")]
    #[doc(alias = "network_list")]
    pub async fn list(&self, options: ListNetworksOptions) -> Result<Vec<Network>> {
        let r = self.req(Method::GET, &["networks"]).await?;
        let r = options.filters.filters().apply(r);
        crate::tolerant::list(&self.docker, r).await
    }

    /// Detail of one network, with its connected containers.
    #[doc(alias = "NetworkInspect")]
    #[doc(alias = "network_inspect")]
    pub async fn inspect(&self, id: &str, options: InspectNetworkOptions) -> Result<Network> {
        non_empty("id", id)?;
        let mut r = self.req(Method::GET, &["networks", id]).await?;
        if options.verbose {
            r = r.query_pair("verbose", "true");
        }
        if let Some(scope) = &options.scope {
            r = r.query_pair("scope", scope);
        }
        self.docker.send(r).await?.json().await
    }

    /// Removes a network. It must have no connected containers.
    #[doc(alias = "NetworkDelete")]
    #[doc(alias = "network_delete")]
    pub async fn remove(&self, id: &str) -> Result<()> {
        non_empty("id", id)?;
        let r = self.req(Method::DELETE, &["networks", id]).await?;
        self.docker.send(r).await.map(drop)
    }

    /// Creates a network. A second network with the same name is refused by the daemon.
    #[doc(alias = "NetworkCreate")]
    #[doc(alias = "network_create")]
    pub async fn create(&self, config: &NetworkCreateRequest) -> Result<NetworkCreateResponse> {
        config.validate()?;
        non_empty("name", &config.name)?;
        let r = self.req(Method::POST, &["networks", "create"]).await?;
        // As the docker CLI: daemons before API 1.44 create a second network
        // of the same name unless asked to check (later ones always check,
        // and ignore the field).
        if config.check_duplicate.is_none() {
            let mut config = config.clone();
            config.check_duplicate = Some(true);
            return self.docker.send(r.json(&config)?).await?.json().await;
        }
        self.docker.send(r.json(config)?).await?.json().await
    }

    /// Connects a container to a network, with its aliases and static addresses
    /// given in `endpoint` (see [`EndpointSettings::with_alias`],
    /// [`EndpointSettings::with_ipv4_address`], [`EndpointSettings::with_ipv6_address`];
    /// `EndpointSettings::default()` for none).
    #[doc(alias = "NetworkConnect")]
    #[doc(alias = "network_connect")]
    pub async fn connect(
        &self,
        network: &str,
        container: &str,
        endpoint: EndpointSettings,
    ) -> Result<()> {
        non_empty("network", network)?;
        non_empty("container", container)?;
        endpoint.validate()?;
        let body = NetworkConnectRequest {
            container: Some(container.to_string()),
            endpoint_config: Some(endpoint),
        };
        let r = self
            .req(Method::POST, &["networks", network, "connect"])
            .await?;
        self.docker.send(r.json(&body)?).await.map(drop)
    }

    /// Disconnects a container from a network.
    #[doc(alias = "NetworkDisconnect")]
    #[doc(alias = "network_disconnect")]
    pub async fn disconnect(
        &self,
        network: &str,
        container: &str,
        options: DisconnectNetworkOptions,
    ) -> Result<()> {
        non_empty("network", network)?;
        non_empty("container", container)?;
        let body = NetworkDisconnectRequest {
            container: Some(container.to_string()),
            force: options.force.then_some(true),
        };
        let r = self
            .req(Method::POST, &["networks", network, "disconnect"])
            .await?;
        self.docker.send(r.json(&body)?).await.map(drop)
    }

    /// Removes the networks no container uses.
    #[doc(alias = "NetworkPrune")]
    #[doc(alias = "network_prune")]
    pub async fn prune(&self, options: PruneNetworksOptions) -> Result<NetworkPruneResponse> {
        let r = self.req(Method::POST, &["networks", "prune"]).await?;
        let r = options.filters.filters().apply(r);
        self.docker.send(r).await?.json().await
    }
}
