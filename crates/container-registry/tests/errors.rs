//! Every error status each operation declares becomes an API error carrying
//! the envelope's code and message; so does an error code inside a 2xx answer.

use std::future::Future;
use std::pin::Pin;

use container_registry_client::models::{
    ContainerType, CreateContainerReq, CreateContainerVersionReq, SearchContainerReq,
    SubmitBuildContainerReq,
};
use container_registry_client::{
    Client, Error, ListContainersParams, ListVersionsParams, RetryPolicy, Secret,
};
use mockito::{Matcher, Server};
use serde_json::json;

type Call = for<'a> fn(&'a Client) -> Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

/// Operation name, method, path, declared error statuses, and how to call it.
fn operations() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static [u16],
    Call,
)> {
    vec![
        (
            "login",
            "POST",
            "/api/v2/auth/login",
            &[400, 401, 500],
            |c| Box::pin(async move { c.login("alice", &Secret::new("pw")).await.map(drop) }),
        ),
        (
            "list_containers",
            "GET",
            "/api/v2/containers",
            &[400, 401, 403, 500],
            |c| {
                Box::pin(async move {
                    c.list_containers(&ListContainersParams::new())
                        .await
                        .map(drop)
                })
            },
        ),
        (
            "create_container",
            "POST",
            "/api/v2/containers",
            &[400, 401, 403, 409, 500],
            |c| {
                Box::pin(async move {
                    let req = CreateContainerReq::new("detector-rca")
                        .container_type(ContainerType::Algorithm);
                    c.create_container(&req).await.map(drop)
                })
            },
        ),
        (
            "build_container_image",
            "POST",
            "/api/v2/containers/build",
            &[400, 401, 403, 404, 500],
            |c| {
                Box::pin(async move {
                    let req = SubmitBuildContainerReq {
                        image_name: "detector-rca".into(),
                        github_repository: "opspai/detector-rca".into(),
                        ..Default::default()
                    };
                    c.build_container_image(&req).await.map(drop)
                })
            },
        ),
        (
            "search_containers",
            "POST",
            "/api/v2/containers/search",
            &[400, 403, 500],
            |c| {
                Box::pin(async move {
                    c.search_containers(&SearchContainerReq::new())
                        .await
                        .map(drop)
                })
            },
        ),
        (
            "get_container_by_id",
            "GET",
            "/api/v2/containers/7",
            &[400, 401, 403, 404, 500],
            |c| Box::pin(async move { c.get_container(7).await.map(drop) }),
        ),
        (
            "list_container_versions",
            "GET",
            "/api/v2/containers/7/versions",
            &[400, 401, 403, 500],
            |c| {
                Box::pin(async move {
                    c.list_container_versions(7, &ListVersionsParams::new())
                        .await
                        .map(drop)
                })
            },
        ),
        (
            "create_container_version",
            "POST",
            "/api/v2/containers/7/versions",
            &[400, 401, 403, 409, 500],
            |c| {
                Box::pin(async move {
                    let req = CreateContainerVersionReq {
                        name: "1.0.0".into(),
                        image_ref: "r/x:1.0.0".into(),
                        ..Default::default()
                    };
                    c.create_container_version(7, &req).await.map(drop)
                })
            },
        ),
        (
            "get_container_version_by_id",
            "GET",
            "/api/v2/containers/7/versions/31",
            &[400, 401, 403, 404, 500],
            |c| Box::pin(async move { c.get_container_version(7, 31).await.map(drop) }),
        ),
    ]
}

fn message_for(status: u16) -> &'static str {
    match status {
        400 => "invalid request format or parameters",
        401 => "authentication required",
        403 => "permission denied",
        404 => "container not found",
        409 => "container with this name already exists",
        500 => "internal server error",
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn every_declared_error_status_carries_code_and_message() {
    let mut server = Server::new_async().await;
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new("t0k"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (name, method, path, statuses, call) in operations() {
        for &status in statuses {
            let message = message_for(status);
            let mock = server
                .mock(method, path)
                .match_query(Matcher::Any)
                .with_status(usize::from(status))
                .with_header("content-type", "application/json")
                .with_body(
                    json!({"code": status, "message": message, "data": null, "timestamp": 1_741_075_200})
                        .to_string(),
                )
                .expect(1)
                .create_async()
                .await;
            let err = call(&client).await.expect_err(name);
            mock.assert_async().await;
            mock.remove_async().await;
            let api = err
                .api()
                .unwrap_or_else(|| panic!("{name} {status}: {err:?}"));
            assert_eq!(api.status().as_u16(), status, "{name}");
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{name}");
            assert_eq!(
                api.code(),
                Some(status.to_string().as_str()),
                "{name} {status}"
            );
            assert_eq!(api.message(), message, "{name} {status}");
            assert_eq!(api.path(), path, "{name}");
            assert_eq!(api.method().as_str(), method, "{name}");
            seen.insert(status);
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [400, 401, 403, 404, 409, 500]
    );
}

#[tokio::test]
async fn an_error_code_inside_a_200_envelope_is_an_error() {
    let mut server = Server::new_async().await;
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new("t0k"))
        .build()
        .unwrap();
    let mock = server
        .mock("GET", "/api/v2/containers/7")
        .with_status(200)
        .with_body(
            r#"{"code":404,"message":"container not found","data":null,"timestamp":1741075200}"#,
        )
        .expect(1)
        .create_async()
        .await;
    let err = client.get_container(7).await.unwrap_err();
    mock.assert_async().await;
    let api = err.api().expect("api error");
    assert_eq!(api.status().as_u16(), 404);
    assert_eq!(api.code(), Some("404"));
    assert_eq!(api.message(), "container not found");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_error_page_that_is_not_an_envelope_keeps_the_status() {
    let mut server = Server::new_async().await;
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new("t0k"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let mock = server
        .mock("GET", "/api/v2/containers/7")
        .with_status(502)
        .with_header("content-type", "text/html")
        .with_body("<html><body>502 Bad Gateway</body></html>")
        .expect(1)
        .create_async()
        .await;
    let err = client.get_container(7).await.unwrap_err();
    mock.assert_async().await;
    let api = err.api().expect("api error");
    assert_eq!(api.status().as_u16(), 502);
    assert_eq!(api.code(), None);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_success_answer_that_does_not_fit_names_the_json_path() {
    let mut server = Server::new_async().await;
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new("t0k"))
        .build()
        .unwrap();
    let _m = server
        .mock("GET", "/api/v2/containers/7")
        .with_body(r#"{"code":200,"message":"ok","data":{"id":"seven"}}"#)
        .create_async()
        .await;
    match client.get_container(7).await.unwrap_err() {
        Error::Decode { json_path, .. } => assert_eq!(json_path, "data.id"),
        other => panic!("{other:?}"),
    }
}
