//! The client against hostile local servers: a body that stalls after the
//! head, an answer over the size cap, an opted-in HTTP proxy, and the shape
//! of the builder (User-Agent, environment).

use std::time::Duration;

use container_registry_client::{Client, Error, Proxy, RetryPolicy};
use workspace_test_support::{guarded, head_then, hostile_server};

fn client(base_url: &str) -> container_registry_client::ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .token("tok-hostile-test")
        .retry(RetryPolicy::none())
}

#[tokio::test]
async fn a_body_that_stalls_after_the_head_is_a_timeout() {
    let (url, heads) = hostile_server(head_then(1000, 10)).await;
    let client = client(&url)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = guarded(client.get_container(7)).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 1, "one attempt, no retry");
    let agent = concat!(
        "user-agent: container-registry-client/",
        env!("CARGO_PKG_VERSION")
    );
    assert!(heads[0].to_ascii_lowercase().contains(agent), "{heads:?}");
}

#[tokio::test]
async fn an_answer_over_the_cap_is_the_limit_error() {
    let (url, _) = hostile_server(head_then(4 << 20, 64 << 10)).await;
    let client = client(&url).max_body_bytes(16 << 10).build().unwrap();
    let err = guarded(client.get_container(7)).await.unwrap_err();
    match &err {
        Error::Limit { limit, max, .. } => {
            assert_eq!(*limit, "max_body_bytes");
            assert_eq!(*max, 16 << 10);
        }
        other => panic!("expected the limit error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_opted_in_proxy_sees_the_request_and_none_is_used_by_default() {
    let (proxy_url, heads) =
        hostile_server(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n".to_vec()).await;
    assert!(Client::builder().build().unwrap().config().proxy.is_none());
    let client = client("https://rcabench.invalid")
        .proxy(Proxy::url(proxy_url).unwrap())
        .build()
        .unwrap();
    let err = guarded(client.get_container(7)).await.unwrap_err();
    let heads = heads.lock().unwrap().clone();
    assert_eq!(
        heads.len(),
        1,
        "the proxy saw one request: {heads:?} ({err})"
    );
    assert!(
        heads[0].starts_with("CONNECT rcabench.invalid:443 HTTP/1.1\r\n"),
        "{heads:?}"
    );
    assert!(!heads[0].contains("tok-hostile-test"), "{heads:?}");
}
