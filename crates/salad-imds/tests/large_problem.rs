//! A problem document longer than the core's 64 KiB error-body default (the
//! spec lets its `errors` map grow far past that) keeps its code, kind and
//! members; the raw body kept in the error stays bounded.

mod common;

use common::client;
use salad_imds::{problem_kind, ProblemKind, DEFAULT_MAX_ERROR_BODY_BYTES};
use serde_json::{json, Map, Value};

/// A problem+json body of about `size` bytes, most of it in `errors`.
fn problem_of_size(size: usize) -> String {
    let mut errors = Map::new();
    let line = "x".repeat(1000);
    for i in 0..size / 1100 {
        errors.insert(format!("field_{i}"), json!([line]));
    }
    json!({
        "type": "https://leaf.salad.com/e/container-not-found",
        "code": "container-not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "The container instance could not be found.",
        "errors": Value::Object(errors),
    })
    .to_string()
}

async fn answer_with(body: String) -> salad_imds::Error {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/deletion-cost")
        .with_status(404)
        .with_header("content-type", "application/problem+json")
        .with_body(body)
        .expect(1)
        .create_async()
        .await;
    let err = client(&server.url()).deletion_cost().await.unwrap_err();
    mock.assert_async().await;
    err
}

#[tokio::test]
async fn a_problem_over_64_kib_keeps_its_code_kind_and_members() {
    let body = problem_of_size(300 * 1024);
    assert!(body.len() > 256 * 1024);
    let err = answer_with(body).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(problem_kind(&err), Some(ProblemKind::ContainerNotFound));
    let api = err.api().expect("an API error");
    assert!(api.code().is_some(), "code lost: {err}");
    assert!(
        api.message().contains("could not be found"),
        "{}",
        api.message()
    );
    assert!(
        api.body().len() <= api_client_transport_cap(),
        "raw body kept whole"
    );
    let problem = err.problem().expect("the problem document survives");
    assert_eq!(problem.status, Some(404));
    assert_eq!(problem.title.as_deref(), Some("Not Found"));
    assert_eq!(problem.extensions["code"], "container-not-found");
    // The huge `errors` member is not carried around in the error.
    assert!(!problem.extensions.contains_key("errors"));
}

#[tokio::test]
async fn a_problem_over_the_client_cap_still_gives_the_status() {
    let err = answer_with(problem_of_size(DEFAULT_MAX_ERROR_BODY_BYTES + 64 * 1024)).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert!(err.api().is_some());
}

/// The core's bound on a kept error body (64 KiB).
fn api_client_transport_cap() -> usize {
    64 * 1024
}
