//! The three ways to talk to the daemon, built the way a user would build them.

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use hyperlocal::UnixConnector;

/// Which implementation a figure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    /// This workspace's crate.
    DockerEngine,
    /// bollard from crates.io.
    Bollard,
    /// hyper-util's legacy client + hyperlocal, no SDK.
    Raw,
}

impl Who {
    pub const ALL: [Who; 3] = [Who::DockerEngine, Who::Bollard, Who::Raw];

    pub fn name(self) -> &'static str {
        match self {
            Who::DockerEngine => "docker-engine",
            Who::Bollard => "bollard",
            Who::Raw => "raw",
        }
    }

    pub fn parse(s: &str) -> Who {
        match s {
            "docker-engine" => Who::DockerEngine,
            "bollard" => Who::Bollard,
            "raw" => Who::Raw,
            other => panic!("unknown implementation {other}"),
        }
    }

    /// The three in an order that rotates with `round`, so none always runs first
    /// (warm caches, a quieter machine) or last.
    pub fn rotated(round: usize) -> [Who; 3] {
        let mut all = Who::ALL;
        all.rotate_left(round % 3);
        all
    }
}

/// A docker-engine handle on `socket` (version negotiated on first use).
pub fn docker_engine(socket: &str) -> docker_engine::Docker {
    docker_engine::Docker::builder()
        .host(format!("unix://{socket}"))
        .build()
        .expect("docker-engine handle")
}

/// A bollard handle on `socket`, with the version negotiated as bollard's docs advise.
pub async fn bollard(socket: &str) -> bollard::Docker {
    bollard::Docker::connect_with_unix(socket, 3600, bollard::API_DEFAULT_VERSION)
        .expect("bollard handle")
        .negotiate_version()
        .await
        .expect("bollard negotiate_version")
}

/// Request body of the raw client: empty, or a stream.
pub type RawBody = BoxBody<Bytes, std::io::Error>;

/// The floor: hyper-util's pooled legacy client over hyperlocal, paths written by hand.
#[derive(Clone, Debug)]
pub struct Raw {
    client: Client<UnixConnector, RawBody>,
    socket: String,
    /// e.g. `/v1.41`.
    pub prefix: String,
}

impl Raw {
    /// Builds the client and reads the daemon's API version from `/_ping`.
    pub async fn new(socket: &str) -> Raw {
        let client = Client::builder(TokioExecutor::new()).build(UnixConnector);
        let mut raw = Raw {
            client,
            socket: socket.to_string(),
            prefix: String::new(),
        };
        let response = raw.send(http::Method::GET, "/_ping", empty()).await;
        let version = response
            .headers()
            .get("api-version")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("1.41")
            .to_string();
        raw.prefix = format!("/v{version}");
        raw
    }

    /// Sends a request for `path_and_query` (already versioned or not) and returns the response;
    /// panics on a transport error, since a benchmark cannot go on after one.
    pub async fn send(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: RawBody,
    ) -> http::Response<Incoming> {
        let uri: hyper::Uri = hyperlocal::Uri::new(&self.socket, path_and_query).into();
        let request = http::Request::builder()
            .method(method)
            .uri(uri)
            .header(http::header::HOST, "docker")
            .body(body)
            .expect("request");
        self.client.request(request).await.expect("raw request")
    }

    /// A GET of `path` under the version prefix, body read whole; panics unless 2xx.
    pub async fn get_bytes(&self, path: &str) -> Bytes {
        let response = self
            .send(
                http::Method::GET,
                &format!("{}{path}", self.prefix),
                empty(),
            )
            .await;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("raw body")
            .to_bytes();
        assert!(status.is_success(), "raw GET {path}: {status}");
        body
    }
}

/// An empty request body.
pub fn empty() -> RawBody {
    Empty::<Bytes>::new()
        .map_err(|never| match never {})
        .boxed()
}

/// A multi-threaded runtime with the machine's core count, like `#[tokio::main]`.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
