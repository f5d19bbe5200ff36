//! The client never goes through an HTTP proxy, whatever the environment says.
//!
//! In its own test binary (one process) because environment variables are
//! process-wide: no other test may run while they point at a proxy.

mod common;

use mockito::Matcher;

const PROXY_VARS: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
];

fn point_proxies_at(url: &str) {
    for var in PROXY_VARS {
        std::env::set_var(var, url);
    }
    // Nothing is exempt, not even loopback.
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
}

#[tokio::test]
async fn proxies_in_the_environment_are_ignored() {
    let mut imds_server = mockito::Server::new_async().await;
    let mock = imds_server
        .mock("GET", "/v1/status")
        .match_header("metadata", Matcher::Exact("true".into()))
        .with_body(r#"{"ready":true,"started":true}"#)
        .expect(2)
        .create_async()
        .await;

    // 1. A dead proxy: a client that used it could not reach the service at all.
    point_proxies_at("http://127.0.0.1:1");
    let status = common::client(&imds_server.url()).status().await.unwrap();
    assert!(status.ready);

    // 2. A live proxy that would answer anything: it must see no request.
    let mut proxy = mockito::Server::new_async().await;
    let trap = proxy
        .mock("GET", Matcher::Any)
        .with_body(r#"{"ready":false,"started":false}"#)
        .expect(0)
        .create_async()
        .await;
    point_proxies_at(&proxy.url());
    let status = common::client(&imds_server.url()).status().await.unwrap();
    assert!(status.ready, "the answer came from the proxy");

    trap.assert_async().await;
    mock.assert_async().await;
}
