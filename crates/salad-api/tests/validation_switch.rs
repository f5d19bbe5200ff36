//! The client-wide switch for local checks (issue 11): with it on (the
//! default) a body the checks refuse is never sent and the error names the
//! field; with `validate_requests(false)` the same body reaches the server,
//! for users who must send what the crate does not know yet.

mod common;

use common::*;
use mockito::Matcher;
use salad_api::models::GpuAvailabilityRequest;
use salad_api::{Client, Error, RetryPolicy};
use serde_json::json;

const PATH: &str = "/organizations/{organization_name}/availability/sce-gpu-availability";

/// A country code this version does not know: refused locally.
fn body() -> GpuAvailabilityRequest {
    serde_json::from_value(json!({
        "gpu_classes": ["ed563892-aacd-40f5-80b7-90c9be6c759b"],
        "country_codes": ["zz"]
    }))
    .unwrap()
}

fn client_with_checks(server: &mockito::ServerGuard, on: bool) -> Client {
    Client::builder(KEY)
        .base_url(format!("{}{PREFIX}", server.url()))
        .retry(RetryPolicy::none())
        .validate_requests(on)
        .build()
        .unwrap()
}

#[tokio::test]
async fn with_local_checks_off_an_unknown_enum_value_reaches_the_server() {
    let mut server = server().await;
    let mock = server
        .mock("POST", concrete(PATH).as_str())
        .match_header("salad-api-key", KEY)
        .match_header("content-type", "application/json")
        .match_body(Matcher::PartialJson(json!({ "country_codes": ["zz"] })))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&response_example(PATH, "post", "200")))
        .expect(1)
        .create_async()
        .await;
    let org = client_with_checks(&server, false)
        .organization(ORG)
        .unwrap();
    org.gpu_availability(&body()).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn with_local_checks_on_nothing_is_sent_and_the_error_names_the_field() {
    let mut server = server().await;
    let mock = server
        .mock("POST", Matcher::Any)
        .with_status(200)
        .expect(0)
        .create_async()
        .await;
    let org = client_with_checks(&server, true).organization(ORG).unwrap();
    let err = org.gpu_availability(&body()).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field.starts_with("country_codes")),
        "{err}"
    );
    mock.assert_async().await;
}
