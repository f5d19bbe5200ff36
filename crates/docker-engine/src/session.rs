//! `HEAD /_ping` and the `/session` upgrade.

use api_client_transport::http::header::{CONNECTION, UPGRADE};
use api_client_transport::http::{HeaderName, HeaderValue, Method};
use api_client_transport::{Error, Request, ResponseHead, Result, Upgraded};

use crate::docker::ping_info;
use crate::{Docker, PingInfo};

/// What a BuildKit client tells the daemon about the session it opens with
/// [`Docker::session`]: the daemon calls back into it over the hijacked connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionOptions {
    /// Unique id of the session (`X-Docker-Expose-Session-Uuid`).
    pub id: String,
    /// Human-readable name (`X-Docker-Expose-Session-Name`).
    pub name: Option<String>,
    /// Key shared by the sessions that may reuse each other's cache
    /// (`X-Docker-Expose-Session-Sharedkey`).
    pub shared_key: Option<String>,
    /// The gRPC methods the client serves, e.g.
    /// `/moby.filesync.v1.FileSync/DiffCopy` (`X-Docker-Expose-Session-Grpc-Method`).
    pub grpc_methods: Vec<String>,
}

impl SessionOptions {
    /// A session with this id.
    pub fn new(id: impl Into<String>) -> Self {
        SessionOptions {
            id: id.into(),
            ..Default::default()
        }
    }
}

fn header(request: Request, name: &'static str, value: &str, field: &str) -> Result<Request> {
    let value = HeaderValue::from_str(value)
        .map_err(|_| Error::invalid(field, "must be printable ASCII (it is sent as a header)"))?;
    Ok(request.append_header(HeaderName::from_static(name), value))
}

impl Docker {
    /// Checks that the daemon answers, with `HEAD /_ping`: only the headers (API
    /// version, OS, swarm state) are sent, no body.
    #[doc(alias = "SystemPingHead")]
    #[doc(alias = "system_ping_head")]
    pub async fn ping_head(&self) -> Result<PingInfo> {
        let response = self.send(Request::head(["_ping"])).await?;
        Ok(ping_info(response.headers()))
    }

    /// Opens an interactive session (`POST /session`, upgraded to `h2c`): the
    /// daemon then speaks gRPC over the returned connection, calling the methods
    /// named in `options` (BuildKit's file sync and auth providers). The caller runs
    /// the gRPC server on it; the session lasts as long as the connection.
    #[doc(alias = "Session")]
    pub async fn session(&self, options: SessionOptions) -> Result<(ResponseHead, Upgraded)> {
        if options.id.is_empty() {
            return Err(Error::invalid("id", "must not be empty"));
        }
        let (mut r, _) = self.request(Method::POST, &["session"]).await?;
        r = r
            .header(CONNECTION, HeaderValue::from_static("Upgrade"))
            .header(UPGRADE, HeaderValue::from_static("h2c"));
        r = header(r, "x-docker-expose-session-uuid", &options.id, "id")?;
        if let Some(name) = &options.name {
            r = header(r, "x-docker-expose-session-name", name, "name")?;
        }
        if let Some(key) = &options.shared_key {
            r = header(r, "x-docker-expose-session-sharedkey", key, "shared_key")?;
        }
        for m in &options.grpc_methods {
            r = header(r, "x-docker-expose-session-grpc-method", m, "grpc_methods")?;
        }
        self.upgrade(r).await.map_err(crate::unsupported::mark)
    }
}
