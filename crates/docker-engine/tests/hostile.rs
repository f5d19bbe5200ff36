//! The handle against hostile local servers: a body that stalls after the
//! head, an answer over the size cap, and the shape of the builder.

use std::time::Duration;

use docker_engine::{ApiVersion, Docker, Error, RetryPolicy};
use workspace_test_support::{guarded, head_then, hostile_server};

fn docker(url: &str) -> docker_engine::DockerBuilder {
    // Pinned, so no negotiation request comes before the one under test.
    Docker::builder()
        .host(url.replace("http://", "tcp://"))
        .api_version(ApiVersion::new(1, 41))
        .retry(RetryPolicy::none())
}

#[tokio::test]
async fn a_body_that_stalls_after_the_head_is_a_timeout() {
    let (url, heads) = hostile_server(head_then(1000, 10)).await;
    let docker = docker(&url)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = guarded(docker.version()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 1, "one attempt: {heads:?}");
    assert!(
        heads[0].starts_with("GET /version HTTP/1.1\r\n"),
        "{heads:?}"
    );
    let agent = concat!("user-agent: docker-engine/", env!("CARGO_PKG_VERSION"));
    assert!(heads[0].to_ascii_lowercase().contains(agent), "{heads:?}");
}

#[tokio::test]
async fn an_answer_over_the_cap_is_the_limit_error() {
    let (url, _) = hostile_server(head_then(4 << 20, 64 << 10)).await;
    let docker = docker(&url).max_body_bytes(16 << 10).build().unwrap();
    assert_eq!(docker.config().max_body_bytes, 16 << 10);
    let err = guarded(docker.version()).await.unwrap_err();
    match &err {
        Error::Limit { limit, max, .. } => {
            assert_eq!(*limit, "max_body_bytes");
            assert_eq!(*max, 16 << 10);
        }
        other => panic!("expected the limit error, got {other:?}"),
    }
}

#[test]
fn defaults_are_the_documented_ones() {
    let docker = Docker::builder()
        .host("unix:///nonexistent/docker.sock")
        .build()
        .unwrap();
    let config = docker.config();
    assert_eq!(config.timeout, Duration::from_secs(120));
    assert_eq!(config.connect_timeout, Duration::from_secs(10));
    assert_eq!(config.stream_idle_timeout, None);
    assert_eq!(config.retry, RetryPolicy::default());
    assert_eq!(config.max_body_bytes, 32 << 20);
    assert_eq!(config.max_frame_bytes, 8 << 20);
    assert!(config.proxy.is_none());
}
