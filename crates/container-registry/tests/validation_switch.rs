//! The client-wide switch for local checks (issue 11): a container type this
//! version does not know (`ContainerType::Unknown(5)`) is refused before
//! sending by default, naming `type`; with `validate_requests(false)` it is
//! sent as the integer it is.

use container_registry_client::models::CreateContainerReq;
use container_registry_client::{Client, Error, RetryPolicy, Secret};
use mockito::{Matcher, Server};
use serde_json::json;

const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.test.sig";

fn client_with_checks(url: String, on: bool) -> Client {
    Client::builder()
        .base_url(url)
        .token(Secret::new(TOKEN))
        .retry(RetryPolicy::none())
        .validate_requests(on)
        .build()
        .unwrap()
}

fn body() -> CreateContainerReq {
    serde_json::from_value(json!({ "name": "detector", "type": 5 })).unwrap()
}

#[tokio::test]
async fn with_local_checks_off_an_unknown_type_reaches_the_server() {
    let mut server = Server::new_async().await;
    let answer = json!({
        "code": 200, "message": "ok", "timestamp": 1_741_075_200,
        "data": {
            "id": 9, "name": "detector", "type": "future-kind", "is_public": false,
            "status": "enabled", "created_at": "2025-03-02T10:15:00Z",
            "updated_at": "2025-03-02T10:15:00Z"
        }
    });
    let mock = server
        .mock("POST", "/api/v2/containers")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_body(Matcher::Json(json!({ "name": "detector", "type": 5 })))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(answer.to_string())
        .expect(1)
        .create_async()
        .await;
    let created = client_with_checks(server.url(), false)
        .create_container(&body())
        .await
        .unwrap();
    assert_eq!(created.name.as_deref(), Some("detector"));
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
    let err = client_with_checks(server.url(), true)
        .create_container(&body())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "type"),
        "{err}"
    );
    mock.assert_async().await;
}
