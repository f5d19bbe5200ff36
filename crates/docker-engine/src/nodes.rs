//! Swarm nodes: [`Nodes`], reached with [`Docker::nodes`] (feature `swarm`).

use api_client_transport::http::Method;
use api_client_transport::{Result, Validate};

use crate::models::{Node, NodeSpec};
use crate::swarm_common::{swarm_filters, version_of};
use crate::unsupported::{non_empty, send};
use crate::Docker;

swarm_filters! {
    /// Filters of the node list.
    ///
    /// ```
    /// use docker_engine::NodeFilters;
    /// let f = NodeFilters::new().role("manager");
    /// assert_eq!(f.filters().to_json(), r#"{"role":["manager"]}"#);
    /// ```
    NodeFilters {
        /// Nodes whose id starts with this.
        id => "id",
        /// Nodes whose engine has this label (`key` or `key=value`).
        label => "label",
        /// Nodes with this membership: `accepted` or `pending`.
        membership => "membership",
        /// Nodes whose name starts with this.
        name => "name",
        /// Nodes with this node label (`key` or `key=value`).
        node_label => "node.label",
        /// Nodes of this role: `manager` or `worker`.
        role => "role",
    }
}

/// Options of [`Nodes::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListNodesOptions {
    /// Which nodes to list (default: all).
    pub filters: NodeFilters,
}

/// Options of [`Nodes::remove`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoveNodeOptions {
    /// Remove the node even when it is not down.
    pub force: bool,
}

/// The node operations of a [`Docker`] handle (a swarm manager).
///
/// ```no_run
/// # async fn run() -> docker_engine::Result<()> {
/// let nodes = docker_engine::Docker::connect()?.nodes();
/// let node = &nodes.list(Default::default()).await?[0];
/// let id = node.id.clone().unwrap_or_default();
/// nodes.update_with(&id, |spec| {
///     spec.labels.get_or_insert_with(Default::default).insert("zone".into(), "a".into());
/// }).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Nodes {
    docker: Docker,
}

impl Docker {
    /// The node operations.
    pub fn nodes(&self) -> Nodes {
        Nodes {
            docker: self.clone(),
        }
    }
}

impl Nodes {
    /// Lists the nodes of the swarm.
    #[doc(alias = "NodeList")]
    #[doc(alias = "node_list")]
    pub async fn list(&self, options: ListNodesOptions) -> Result<Vec<Node>> {
        let (r, _) = self.docker.request(Method::GET, &["nodes"]).await?;
        let r = options.filters.filters().apply(r);
        let list: Option<Vec<Node>> = send(&self.docker, r).await?.json().await?;
        Ok(list.unwrap_or_default())
    }

    /// Detail of one node (`self` names the node the daemon runs on).
    #[doc(alias = "NodeInspect")]
    #[doc(alias = "node_inspect")]
    pub async fn inspect(&self, id: &str) -> Result<Node> {
        non_empty("id", id)?;
        let (r, _) = self.docker.request(Method::GET, &["nodes", id]).await?;
        send(&self.docker, r).await?.json().await
    }

    /// Removes a node from the swarm.
    #[doc(alias = "NodeDelete")]
    #[doc(alias = "node_delete")]
    pub async fn remove(&self, id: &str, options: RemoveNodeOptions) -> Result<()> {
        non_empty("id", id)?;
        let (mut r, _) = self.docker.request(Method::DELETE, &["nodes", id]).await?;
        if options.force {
            r = r.query_pair("force", "true");
        }
        send(&self.docker, r).await.map(drop)
    }

    /// Replaces a node's settings (name, labels, role, availability). `version` is
    /// the `Version.Index` of the [`inspect`](Self::inspect) the settings were based on.
    #[doc(alias = "NodeUpdate")]
    #[doc(alias = "node_update")]
    pub async fn update(&self, id: &str, version: u64, spec: &NodeSpec) -> Result<()> {
        non_empty("id", id)?;
        spec.validate()?;
        let (r, _) = self
            .docker
            .request(Method::POST, &["nodes", id, "update"])
            .await?;
        let r = r.query_pair("version", version.to_string()).json(spec)?;
        send(&self.docker, r).await.map(drop)
    }

    /// Reads the node, lets `change` edit its settings and writes them back with the
    /// version it read; on a version conflict, once more.
    pub async fn update_with<F>(&self, id: &str, mut change: F) -> Result<()>
    where
        F: FnMut(&mut NodeSpec),
    {
        let mut retried = false;
        loop {
            let node = self.inspect(id).await?;
            let version = version_of(node.version.as_ref(), "node.Version")?;
            let mut spec = node.spec.unwrap_or_default();
            change(&mut spec);
            match self.update(id, version, &spec).await {
                Err(e) if !retried && crate::services::is_version_conflict(&e) => retried = true,
                outcome => return outcome,
            }
        }
    }
}
