//! `SALAD_IMDS_URL` overrides the default base URL; an explicit base URL wins.
//!
//! In its own test binary because environment variables are process-wide.

use mockito::Matcher;
use salad_imds::{ImdsClient, BASE_URL_ENV, DEFAULT_BASE_URL};

#[tokio::test]
async fn base_url_comes_from_builder_then_env_then_default() {
    std::env::remove_var(BASE_URL_ENV);
    assert_eq!(ImdsClient::from_env().unwrap().base_url(), DEFAULT_BASE_URL);
    assert_eq!(DEFAULT_BASE_URL, "http://169.254.169.254");

    std::env::set_var(BASE_URL_ENV, "   ");
    assert_eq!(
        ImdsClient::from_env().unwrap().base_url(),
        DEFAULT_BASE_URL,
        "a blank variable is ignored"
    );

    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/status")
        .match_header("metadata", Matcher::Exact("true".into()))
        .with_body(r#"{"ready":true,"started":false}"#)
        .expect(1)
        .create_async()
        .await;
    std::env::set_var(BASE_URL_ENV, server.url());
    let imds = ImdsClient::from_env().unwrap();
    assert_eq!(imds.base_url(), server.url());
    let status = imds.status().await.unwrap();
    assert!(!status.started);
    mock.assert_async().await;

    assert_eq!(
        ImdsClient::new().unwrap().base_url(),
        DEFAULT_BASE_URL,
        "new() reads no environment"
    );
    let explicit = ImdsClient::builder_from_env()
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    assert_eq!(
        explicit.base_url(),
        "http://127.0.0.1:9",
        "the builder wins"
    );
}
