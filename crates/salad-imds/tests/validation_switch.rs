//! The client-wide switch for local checks (issue 11): a reallocation reason
//! longer than the spec's 1000 characters is refused before sending by
//! default (the error names `reason`), and sent as is with
//! `validate_requests(false)`.

mod common;

use mockito::{Matcher, Server};
use salad_imds::{Error, ImdsClient, RetryPolicy};
use serde_json::json;

fn client_with_checks(url: &str, on: bool) -> ImdsClient {
    ImdsClient::builder()
        .base_url(url)
        .retry(RetryPolicy::none())
        .validate_requests(on)
        .build()
        .unwrap()
}

#[tokio::test]
async fn with_local_checks_off_an_over_long_reason_reaches_the_server() {
    let mut server = Server::new_async().await;
    let reason = "x".repeat(1001);
    let mock = server
        .mock("POST", "/v1/reallocate")
        .match_header("metadata", "true")
        .match_body(Matcher::Json(json!({ "reason": reason })))
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    client_with_checks(&server.url(), false)
        .reallocate_container(reason)
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn with_local_checks_on_nothing_is_sent_and_the_error_names_the_field() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let err = client_with_checks(&server.url(), true)
        .reallocate_container("x".repeat(1001))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "reason"),
        "{err}"
    );
    mock.assert_async().await;
}
