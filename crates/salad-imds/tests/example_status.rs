//! The `status` example honours `SALAD_IMDS_URL`, as its docs say: pointed at
//! a local mock, it reads the status and the token there (and never tries
//! 169.254.169.254).
//!
//! In its own test binary because environment variables are process-wide.

mod common;

#[path = "../examples/status.rs"]
mod status_example;

use common::{make_jwt, now_secs};
use mockito::Matcher;
use salad_imds::BASE_URL_ENV;
use serde_json::json;

#[tokio::test]
async fn the_status_example_talks_to_the_service_salad_imds_url_names() {
    let mut server = mockito::Server::new_async().await;
    let status = server
        .mock("GET", "/v1/status")
        .match_header("metadata", Matcher::Exact("true".into()))
        .with_header("content-type", "application/json")
        .with_body(r#"{"ready":true,"started":true}"#)
        .expect(1)
        .create_async()
        .await;
    let now = now_secs();
    let jwt = make_jwt(&json!({"sub": "machine-1", "aud": "org-1", "iat": now, "exp": now + 60}));
    let token = server
        .mock("GET", "/v1/token")
        .match_header("metadata", Matcher::Exact("true".into()))
        .with_header("content-type", "application/json")
        .with_body(json!({ "jwt": jwt }).to_string())
        .expect(1)
        .create_async()
        .await;
    std::env::set_var(BASE_URL_ENV, server.url());
    let outcome = status_example::run().await;
    std::env::remove_var(BASE_URL_ENV);
    outcome.map_err(|e| e.to_string()).unwrap();
    status.assert_async().await;
    token.assert_async().await;
}
