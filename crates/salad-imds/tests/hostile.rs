//! The client against hostile local servers: a body that stalls after the
//! head, and an answer over the size cap. (Proxies: tests/no_proxy.rs.)

use std::time::Duration;

use salad_imds::{Error, ImdsClient, RetryPolicy};
use workspace_test_support::{guarded, head_then, hostile_server};

#[tokio::test]
async fn a_body_that_stalls_after_the_head_is_a_timeout() {
    let (url, heads) = hostile_server(head_then(1000, 10)).await;
    let imds = ImdsClient::builder()
        .base_url(url)
        .retry(RetryPolicy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = guarded(imds.status()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(heads.lock().unwrap().len(), 1, "one attempt, no retry");
}

#[tokio::test]
async fn the_default_deadline_covers_the_body() {
    // The documented 5 s per answer holds for the body too, with the default
    // settings (a body that breaks off after its head is not resent).
    let (url, heads) = hostile_server(head_then(1000, 10)).await;
    let imds = ImdsClient::builder().base_url(url).build().unwrap();
    let err = guarded(imds.status()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(heads.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_answer_over_the_cap_is_the_limit_error() {
    let (url, _) = hostile_server(head_then(4 << 20, 64 << 10)).await;
    let imds = ImdsClient::builder()
        .base_url(url)
        .retry(RetryPolicy::none())
        .max_body_bytes(16 << 10)
        .build()
        .unwrap();
    let err = guarded(imds.status()).await.unwrap_err();
    match &err {
        Error::Limit { limit, max, .. } => {
            assert_eq!(*limit, "max_body_bytes");
            assert_eq!(*max, 16 << 10);
        }
        other => panic!("expected the limit error, got {other:?}"),
    }
}
