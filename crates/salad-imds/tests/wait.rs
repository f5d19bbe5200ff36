//! `wait_until_ready` and the cold-start retries.

mod common;

use std::time::Duration;

use common::client;
use mockito::Matcher;
use salad_imds::{Error, ImdsClient, RetryPolicy, WaitError};

const NOT_READY: &str = r#"{"ready":false,"started":true}"#;
const READY: &str = r#"{"ready":true,"started":true}"#;

#[tokio::test]
async fn waits_through_not_ready_and_404_until_ready() {
    let mut server = mockito::Server::new_async().await;
    let not_found = server
        .mock("GET", "/v1/status")
        .match_header("metadata", Matcher::Exact("true".into()))
        .with_status(404)
        .with_body(r#"{"type":"container_not_found","status":404}"#)
        .expect(1)
        .create_async()
        .await;
    let not_ready = server
        .mock("GET", "/v1/status")
        .match_header("metadata", Matcher::Exact("true".into()))
        .with_body(NOT_READY)
        .expect(2)
        .create_async()
        .await;
    let ready = server
        .mock("GET", "/v1/status")
        .match_header("metadata", Matcher::Exact("true".into()))
        .with_body(READY)
        .expect(1)
        .create_async()
        .await;

    let status = client(&server.url())
        .wait_until_ready(Duration::from_secs(30))
        .await
        .unwrap();
    assert!(status.ready);
    not_found.assert_async().await;
    not_ready.assert_async().await;
    ready.assert_async().await;
}

#[tokio::test]
async fn gives_up_at_the_deadline_with_the_last_status() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/status")
        .with_body(NOT_READY)
        .expect_at_least(2)
        .create_async()
        .await;
    let within = Duration::from_millis(300);
    let err = client(&server.url())
        .wait_until_ready(within)
        .await
        .unwrap_err();
    match err {
        WaitError::Timeout {
            waited,
            last_status,
            last_error,
        } => {
            assert!(waited >= within, "{waited:?}");
            assert_eq!(
                last_status.map(|s| (s.ready, s.started)),
                Some((false, true))
            );
            assert!(last_error.is_none());
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    mock.assert_async().await;
}

#[tokio::test]
async fn a_forbidden_answer_ends_the_wait_at_once() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/status")
        .with_status(403)
        .with_body(r#"{"type":"request_header_invalid","status":403}"#)
        .expect(1)
        .create_async()
        .await;
    let err = client(&server.url())
        .wait_until_ready(Duration::from_secs(30))
        .await
        .unwrap_err();
    match &err {
        WaitError::Request(e) => assert_eq!(e.status().map(|s| s.as_u16()), Some(403)),
        other => panic!("expected Request, got {other:?}"),
    }
    mock.assert_async().await;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn no_service_at_all_ends_with_the_connect_error() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let err = client(&url)
        .wait_until_ready(Duration::from_millis(300))
        .await
        .unwrap_err();
    match err {
        WaitError::Timeout {
            last_error: Some(Error::Connect { .. }),
            last_status: None,
            ..
        } => {}
        other => panic!("expected Timeout with a connect error, got {other:?}"),
    }
}

/// A container may start before the node's service listens: the first
/// attempts are refused, and retries carry the call through once it is up.
#[tokio::test]
async fn cold_start_connect_failures_are_retried() {
    let port = free_port();
    let imds = ImdsClient::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(
            RetryPolicy::new(40)
                .base_delay(Duration::from_millis(25))
                .max_delay(Duration::from_millis(100))
                .jitter(false),
        )
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let call = tokio::spawn(async move { imds.status().await });

    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut server = mockito::Server::new_with_opts_async(mockito::ServerOpts {
        port,
        ..Default::default()
    })
    .await;
    let mock = server
        .mock("GET", "/v1/status")
        .match_header("metadata", Matcher::Exact("true".into()))
        .with_body(READY)
        .expect(1)
        .create_async()
        .await;

    let status = call.await.unwrap().unwrap();
    assert!(status.ready);
    assert!(started.elapsed() >= Duration::from_millis(300));
    mock.assert_async().await;
}

#[tokio::test]
async fn default_settings_are_short_and_retrying() {
    let imds = ImdsClient::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    assert_eq!(imds.base_url(), "http://127.0.0.1:9");
    assert_eq!(imds.config().retry, salad_imds::RetryPolicy::default());
    assert_eq!(imds.config().timeout, salad_imds::DEFAULT_TIMEOUT);
    assert!(imds.config().proxy.is_none());
    assert!(salad_imds::DEFAULT_TIMEOUT <= Duration::from_secs(5));
    assert!(salad_imds::DEFAULT_CONNECT_TIMEOUT <= Duration::from_secs(2));
    assert!(ImdsClient::builder().base_url("not a url").build().is_err());
}
