//! The swarm itself: [`Swarm`], reached with [`Docker::swarm`] (feature `swarm`).

use api_client_transport::http::Method;
use api_client_transport::{Request, Result, Validate};

use crate::models::{
    Swarm as SwarmInspect, SwarmInitRequest, SwarmJoinRequest, SwarmSpec, SwarmUnlockRequest,
    UnlockKeyResponse,
};
use crate::unsupported::{send, send_sensitive};
use crate::Docker;

/// Options of [`Swarm::leave`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaveSwarmOptions {
    /// Leave even as the last manager, which ends the swarm.
    pub force: bool,
}

impl LeaveSwarmOptions {
    /// Leave even as the last manager.
    pub fn force() -> Self {
        LeaveSwarmOptions { force: true }
    }
}

/// Options of [`Swarm::update`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateSwarmOptions {
    /// Replace the worker join token.
    pub rotate_worker_token: bool,
    /// Replace the manager join token.
    pub rotate_manager_token: bool,
    /// Replace the unlock key.
    pub rotate_manager_unlock_key: bool,
}

/// The swarm operations of a [`Docker`] handle: make this daemon a swarm manager,
/// join or leave a swarm, read and change its settings.
///
/// Podman has no swarm mode: every call on it fails with an error that
/// [`DaemonErrorExt::not_supported`](crate::DaemonErrorExt::not_supported) reads.
///
/// ```no_run
/// use docker_engine::models::SwarmInitRequest;
/// use docker_engine::{Docker, LeaveSwarmOptions};
///
/// # async fn run() -> docker_engine::Result<()> {
/// let swarm = Docker::connect()?.swarm();
/// let mut init = SwarmInitRequest::new();
/// init.advertise_addr = Some("127.0.0.1".into());
/// let node_id = swarm.init(&init).await?;
/// println!("manager {node_id}, worker token {:?}",
///     swarm.inspect().await?.join_tokens.and_then(|t| t.worker));
/// swarm.leave(LeaveSwarmOptions::force()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Swarm {
    docker: Docker,
}

impl Docker {
    /// The swarm operations.
    pub fn swarm(&self) -> Swarm {
        Swarm {
            docker: self.clone(),
        }
    }
}

impl Swarm {
    async fn req(&self, method: Method, segments: &[&str]) -> Result<Request> {
        Ok(self.docker.request(method, segments).await?.0)
    }

    /// The swarm as a manager sees it, with its join tokens. Fails with 503 on a
    /// node that is not a manager.
    #[doc(alias = "SwarmInspect")]
    #[doc(alias = "swarm_inspect")]
    pub async fn inspect(&self) -> Result<SwarmInspect> {
        let r = self.req(Method::GET, &["swarm"]).await?;
        send(&self.docker, r).await?.json().await
    }

    /// Makes this daemon the first manager of a new swarm; answers its node id.
    #[doc(alias = "SwarmInit")]
    #[doc(alias = "swarm_init")]
    pub async fn init(&self, request: &SwarmInitRequest) -> Result<String> {
        request.validate()?;
        let r = self.req(Method::POST, &["swarm", "init"]).await?;
        send(&self.docker, r.json(request)?).await?.json().await
    }

    /// Joins an existing swarm.
    #[doc(alias = "SwarmJoin")]
    #[doc(alias = "swarm_join")]
    pub async fn join(&self, request: &SwarmJoinRequest) -> Result<()> {
        request.validate()?;
        let r = self.req(Method::POST, &["swarm", "join"]).await?;
        // The join token is a credential: no error may echo the answer.
        send_sensitive(&self.docker, r.json(request)?)
            .await
            .map(drop)
    }

    /// Leaves the swarm.
    #[doc(alias = "SwarmLeave")]
    #[doc(alias = "swarm_leave")]
    pub async fn leave(&self, options: LeaveSwarmOptions) -> Result<()> {
        let mut r = self.req(Method::POST, &["swarm", "leave"]).await?;
        if options.force {
            r = r.query_pair("force", "true");
        }
        send(&self.docker, r).await.map(drop)
    }

    /// Changes the swarm's settings. `version` is the `Version.Index` of the
    /// [`inspect`](Self::inspect) the new settings were based on; a stale one is refused.
    #[doc(alias = "SwarmUpdate")]
    #[doc(alias = "swarm_update")]
    pub async fn update(
        &self,
        version: u64,
        spec: &SwarmSpec,
        options: UpdateSwarmOptions,
    ) -> Result<()> {
        spec.validate()?;
        let mut r = self.req(Method::POST, &["swarm", "update"]).await?;
        r = r.query_pair("version", version.to_string());
        for (key, on) in [
            ("rotateWorkerToken", options.rotate_worker_token),
            ("rotateManagerToken", options.rotate_manager_token),
            ("rotateManagerUnlockKey", options.rotate_manager_unlock_key),
        ] {
            if on {
                r = r.query_pair(key, "true");
            }
        }
        send(&self.docker, r.json(spec)?).await.map(drop)
    }

    /// The key that unlocks a manager of a swarm with auto-lock on (empty otherwise).
    #[doc(alias = "SwarmUnlockkey")]
    #[doc(alias = "swarm_unlockkey")]
    pub async fn unlock_key(&self) -> Result<UnlockKeyResponse> {
        let r = self.req(Method::GET, &["swarm", "unlockkey"]).await?;
        send(&self.docker, r.sensitive(true)).await?.json().await
    }

    /// Unlocks a locked manager (after a restart of a swarm with auto-lock on).
    #[doc(alias = "SwarmUnlock")]
    #[doc(alias = "swarm_unlock")]
    pub async fn unlock(&self, key: &UnlockKeyResponse) -> Result<()> {
        let body = SwarmUnlockRequest {
            unlock_key: key.unlock_key.clone(),
        };
        let r = self.req(Method::POST, &["swarm", "unlock"]).await?;
        send_sensitive(&self.docker, r.json(&body)?).await.map(drop)
    }
}
