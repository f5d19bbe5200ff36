//! The client against hostile local servers: a body that stalls after the
//! head, an answer over the size cap, and an opted-in HTTP proxy.

use std::time::Duration;

use salad_api::{Client, Error, Proxy, RetryPolicy};
use workspace_test_support::{guarded, head_then, hostile_server};

fn client(base_url: &str) -> salad_api::ClientBuilder {
    Client::builder("sk-hostile-test")
        .base_url(base_url)
        .retry(RetryPolicy::none())
}

#[tokio::test]
async fn a_body_that_stalls_after_the_head_is_a_timeout() {
    let (url, heads) = hostile_server(head_then(1000, 10)).await;
    let client = client(&url)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let org = client.organization("acme-corp").unwrap();
    let err = guarded(org.quotas()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(heads.lock().unwrap().len(), 1, "one attempt, no retry");
}

#[tokio::test]
async fn an_answer_over_the_cap_is_the_limit_error() {
    let (url, _) = hostile_server(head_then(4 << 20, 64 << 10)).await;
    let client = client(&url).max_body_bytes(16 << 10).build().unwrap();
    assert_eq!(client.config().max_body_bytes, 16 << 10);
    let org = client.organization("acme-corp").unwrap();
    let err = guarded(org.quotas()).await.unwrap_err();
    match &err {
        Error::Limit { limit, max, .. } => {
            assert_eq!(*limit, "max_body_bytes");
            assert_eq!(*max, 16 << 10);
        }
        other => panic!("expected the limit error, got {other:?}"),
    }
    assert!(err.to_string().contains("max_body_bytes"), "{err}");
}

#[tokio::test]
async fn an_opted_in_proxy_sees_the_request_and_none_is_used_by_default() {
    let (proxy_url, heads) =
        hostile_server(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n".to_vec()).await;
    let default = Client::builder("sk-hostile-test").build().unwrap();
    assert!(default.config().proxy.is_none(), "no proxy unless asked");

    let client = Client::builder("sk-hostile-test")
        .base_url("https://api.salad.invalid/api/public")
        .retry(RetryPolicy::none())
        .proxy(Proxy::url(proxy_url).unwrap())
        .build()
        .unwrap();
    let org = client.organization("acme-corp").unwrap();
    let err = guarded(org.quotas()).await.unwrap_err();
    let heads = heads.lock().unwrap().clone();
    assert_eq!(
        heads.len(),
        1,
        "the proxy saw one request: {heads:?} ({err})"
    );
    assert!(
        heads[0].starts_with("CONNECT api.salad.invalid:443 HTTP/1.1\r\n"),
        "{heads:?}"
    );
    // The tunnel carries the key; the proxy never sees it.
    assert!(!heads[0].contains("sk-hostile-test"), "{heads:?}");
}
