//! One mockito test per operation (method, path, `Metadata: true`, body,
//! decoded answer), and the error answers each operation declares.

mod common;

use common::{client, make_jwt, now_secs};
use mockito::Matcher;
use salad_imds::{problem_kind, Error, ImdsClient, ProblemKind};
use serde_json::json;

fn metadata() -> Matcher {
    Matcher::Exact("true".into())
}

#[tokio::test]
async fn status_sends_get_with_metadata_header() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/status")
        .match_header("metadata", metadata())
        .match_header(
            "user-agent",
            Matcher::Exact(concat!("salad-imds/", env!("CARGO_PKG_VERSION")).into()),
        )
        .match_body(Matcher::Exact(String::new()))
        .with_header("content-type", "application/json")
        .with_body(r#"{"ready":false,"started":true,"future_field":[1,2]}"#)
        .expect(1)
        .create_async()
        .await;

    let status = client(&server.url()).status().await.unwrap();
    assert!(!status.ready);
    assert!(status.started);
    mock.assert_async().await;
}

#[tokio::test]
async fn token_is_fetched_and_claims_decoded() {
    let mut server = mockito::Server::new_async().await;
    let now = now_secs();
    let jwt = make_jwt(&json!({
        "sub": "machine-7f3a",
        "aud": "org-0c1d",
        "iss": "https://matrix-rest-api.salad.com",
        "iat": now - 10,
        "nbf": now - 10,
        "exp": now + 3600,
        "salad_machine_id": "machine-7f3a",
        "salad_container_group_id": "5e76d3ae-6660-444e-a7c4-7a3999023fb6",
        "salad_organization_name": "acme"
    }));
    let mock = server
        .mock("GET", "/v1/token")
        .match_header("metadata", metadata())
        .match_body(Matcher::Exact(String::new()))
        .with_header("content-type", "application/json")
        .with_body(json!({ "jwt": jwt }).to_string())
        .expect(1)
        .create_async()
        .await;

    let token = client(&server.url()).token().await.unwrap();
    mock.assert_async().await;
    assert_eq!(token.expose(), jwt);
    let claims = token.claims().unwrap();
    assert_eq!(claims.subject.as_deref(), Some("machine-7f3a"));
    assert_eq!(claims.machine_id(), Some("machine-7f3a"));
    assert_eq!(claims.audience, ["org-0c1d"]);
    assert_eq!(claims.organization_id(), Some("org-0c1d"));
    assert_eq!(
        claims.container_group_id(),
        Some("5e76d3ae-6660-444e-a7c4-7a3999023fb6")
    );
    assert_eq!(claims.salad_str("organization_name"), Some("acme"));
    assert_eq!(claims.issued_at, Some(now - 10));
    assert_eq!(claims.not_before, Some(now - 10));
    assert_eq!(claims.expires_at, Some(now + 3600));
    assert!(!claims.is_expired());
    assert_eq!(token.is_expired(), Ok(false));
    let header = token.header().unwrap();
    assert_eq!(header.alg.as_deref(), Some("RS256"));
    assert_eq!(header.kid.as_deref(), Some("test-key"));
}

#[tokio::test]
async fn reallocate_posts_the_reason() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/v1/reallocate")
        .match_header("metadata", metadata())
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(
            json!({"reason": "GPU reports too little VRAM"}),
        ))
        .with_status(204)
        .expect(1)
        .create_async()
        .await;

    client(&server.url())
        .reallocate_container("GPU reports too little VRAM")
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn recreate_posts_without_body() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/v1/recreate")
        .match_header("metadata", metadata())
        .match_body(Matcher::Exact(String::new()))
        .with_status(204)
        .expect(1)
        .create_async()
        .await;

    client(&server.url()).recreate_container().await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn restart_posts_without_body() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/v1/restart")
        .match_header("metadata", metadata())
        .match_body(Matcher::Exact(String::new()))
        .with_status(204)
        .expect(1)
        .create_async()
        .await;

    client(&server.url()).restart_container().await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn deletion_cost_is_read() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/deletion-cost")
        .match_header("metadata", metadata())
        .match_body(Matcher::Exact(String::new()))
        .with_header("content-type", "application/json")
        .with_body(r#"{"deletion_cost":-2147483648}"#)
        .expect(1)
        .create_async()
        .await;

    let cost = client(&server.url()).deletion_cost().await.unwrap();
    assert_eq!(cost, i32::MIN);
    mock.assert_async().await;
}

#[tokio::test]
async fn deletion_cost_is_replaced() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("PUT", "/v1/deletion-cost")
        .match_header("metadata", metadata())
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!({"deletion_cost": 2147483647})))
        .with_status(204)
        .expect(1)
        .create_async()
        .await;

    client(&server.url())
        .set_deletion_cost(i32::MAX)
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn out_of_range_deletion_cost_is_a_decode_error() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/deletion-cost")
        .with_body(r#"{"deletion_cost":2147483648}"#)
        .expect(1)
        .create_async()
        .await;
    let err = client(&server.url()).deletion_cost().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    mock.assert_async().await;
}

// ---- validation ----

#[tokio::test]
async fn reallocation_reason_is_checked_before_sending() {
    let mut server = mockito::Server::new_async().await;
    let never = server
        .mock("POST", "/v1/reallocate")
        .expect(0)
        .create_async()
        .await;
    let imds = client(&server.url());

    for reason in [String::new(), "x".repeat(1001), "é".repeat(1001)] {
        let err = imds.reallocate_container(reason.clone()).await.unwrap_err();
        match &err {
            Error::InvalidInput { field, .. } => assert_eq!(field, "reason"),
            other => panic!(
                "expected InvalidInput for {} chars, got {other:?}",
                reason.len()
            ),
        }
    }
    never.assert_async().await;
}

#[tokio::test]
async fn reallocation_reason_bounds_count_characters_not_bytes() {
    let mut server = mockito::Server::new_async().await;
    let long = "é".repeat(1000); // 2000 bytes, 1000 characters: allowed
    let mock = server
        .mock("POST", "/v1/reallocate")
        .match_body(Matcher::Json(json!({ "reason": long })))
        .with_status(204)
        .expect(1)
        .create_async()
        .await;
    let short = server
        .mock("POST", "/v1/reallocate")
        .match_body(Matcher::Json(json!({ "reason": "x" })))
        .with_status(204)
        .expect(1)
        .create_async()
        .await;
    let imds = client(&server.url());
    imds.reallocate_container(long.clone()).await.unwrap();
    imds.reallocate_container("x").await.unwrap();
    mock.assert_async().await;
    short.assert_async().await;
}

// ---- declared error answers ----

#[derive(Debug, Clone, Copy)]
enum Op {
    Status,
    Token,
    Reallocate,
    Recreate,
    Restart,
    GetDeletionCost,
    ReplaceDeletionCost,
}

impl Op {
    const ALL: [Op; 7] = [
        Op::Status,
        Op::Token,
        Op::Reallocate,
        Op::Recreate,
        Op::Restart,
        Op::GetDeletionCost,
        Op::ReplaceDeletionCost,
    ];

    fn method(self) -> &'static str {
        match self {
            Op::Status | Op::Token | Op::GetDeletionCost => "GET",
            Op::Reallocate | Op::Recreate | Op::Restart => "POST",
            Op::ReplaceDeletionCost => "PUT",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Op::Status => "/v1/status",
            Op::Token => "/v1/token",
            Op::Reallocate => "/v1/reallocate",
            Op::Recreate => "/v1/recreate",
            Op::Restart => "/v1/restart",
            Op::GetDeletionCost | Op::ReplaceDeletionCost => "/v1/deletion-cost",
        }
    }

    /// The statuses openapi.json declares for the operation (besides `default`).
    fn declared(self) -> &'static [u16] {
        match self {
            Op::Status | Op::Token | Op::GetDeletionCost => &[403, 404],
            _ => &[400, 403, 404],
        }
    }

    async fn call(self, imds: &ImdsClient) -> Result<(), Error> {
        match self {
            Op::Status => imds.status().await.map(drop),
            Op::Token => imds.token().await.map(drop),
            Op::Reallocate => imds.reallocate_container("testing").await,
            Op::Recreate => imds.recreate_container().await,
            Op::Restart => imds.restart_container().await,
            Op::GetDeletionCost => imds.deletion_cost().await.map(drop),
            Op::ReplaceDeletionCost => imds.set_deletion_cost(5).await,
        }
    }
}

/// (old-shape `type`, current-shape `code`, title) for a status.
fn problem_for(status: u16) -> (&'static str, &'static str, &'static str) {
    match status {
        400 => ("reason_required", "reason-required", "Bad Request"),
        403 => (
            "request_header_invalid",
            "request-header-invalid",
            "Forbidden",
        ),
        404 => ("container_not_found", "container-not-found", "Not Found"),
        _ => ("node_unhealthy", "node-unhealthy", "Teapot"),
    }
}

#[tokio::test]
async fn declared_errors_are_parsed_in_both_shapes() {
    for op in Op::ALL {
        // 418 stands for `default`: any status the operation does not declare.
        for &status in op.declared().iter().chain(&[418]) {
            let (old_type, new_code, title) = problem_for(status);
            let detail = format!("detail for {status}");
            let shapes = [
                (
                    "application/json",
                    json!({"type": old_type, "title": title, "status": status, "detail": detail}),
                ),
                (
                    "application/problem+json",
                    json!({
                        "type": format!("https://leaf.salad.com/e/{new_code}"),
                        "code": new_code,
                        "title": title,
                        "status": status,
                        "detail": detail,
                        "instance": "https://leaf.salad.com/i/5e76d3ae",
                    }),
                ),
            ];
            for (content_type, body) in shapes {
                let mut server = mockito::Server::new_async().await;
                let mock = server
                    .mock(op.method(), op.path())
                    .match_header("metadata", metadata())
                    .with_status(status.into())
                    .with_header("content-type", content_type)
                    .with_body(body.to_string())
                    .expect(1) // 4xx: never retried
                    .create_async()
                    .await;

                let err = op.call(&client(&server.url())).await.unwrap_err();
                let ctx = format!("{op:?} {status} {content_type}");
                assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{ctx}");
                let api = err.api().expect("an API error");
                if matches!(op, Op::Token) {
                    // The token's answers are sensitive: no byte of an error
                    // body is read, so nothing of it can be quoted.
                    assert!(api.body().is_empty(), "{ctx}");
                    assert_eq!(err.problem(), None, "{ctx}");
                    mock.assert_async().await;
                    continue;
                }
                assert_eq!(api.code(), Some(old_type), "{ctx}");
                assert!(api.message().contains(&detail), "{ctx}: {}", api.message());
                assert!(api.message().contains(title), "{ctx}: {}", api.message());
                assert_eq!(
                    problem_kind(&err),
                    Some(ProblemKind::from_code(old_type)),
                    "{ctx}"
                );
                let problem = err.problem().expect("problem body");
                assert_eq!(problem.status, Some(status), "{ctx}");
                assert_eq!(problem.detail.as_deref(), Some(detail.as_str()), "{ctx}");
                mock.assert_async().await;
            }
        }
    }
}

#[tokio::test]
async fn known_codes_map_to_kinds() {
    assert_eq!(
        ProblemKind::from_code("reason_required"),
        ProblemKind::ReasonRequired
    );
    assert_eq!(
        ProblemKind::from_code("request-header-invalid"),
        ProblemKind::RequestHeaderInvalid
    );
    assert_eq!(
        ProblemKind::from_code("Container-Not-Found"),
        ProblemKind::ContainerNotFound
    );
}

#[tokio::test]
async fn server_errors_are_retried_for_every_safe_operation_then_reported() {
    for op in Op::ALL {
        // Instance actions are resent only when they cannot have had an effect.
        let attempts = match op {
            Op::Reallocate | Op::Recreate | Op::Restart => 1,
            _ => 3, // the test policy's three attempts
        };
        let mut server = mockito::Server::new_async().await;
        let mock = server
            .mock(op.method(), op.path())
            .match_header("metadata", metadata())
            .with_status(500)
            .with_header("content-type", "application/json")
            .with_body(
                json!({
                    "type": "about:blank",
                    "title": "Unknown Error",
                    "status": 500,
                    "detail": "An internal error occurred."
                })
                .to_string(),
            )
            .expect(attempts)
            .create_async()
            .await;

        let err = op.call(&client(&server.url())).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{op:?}");
        let api = err.api().unwrap();
        if matches!(op, Op::Token) {
            assert!(api.body().is_empty(), "the token's answers are never read");
            mock.assert_async().await;
            continue;
        }
        assert_eq!(api.code(), None, "about:blank names no code");
        assert!(
            api.message().contains("An internal error occurred."),
            "{op:?}"
        );
        assert_eq!(problem_kind(&err), None);
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_5xx_then_success_is_invisible_to_a_read() {
    let mut server = mockito::Server::new_async().await;
    let failing = server
        .mock("GET", "/v1/deletion-cost")
        .match_header("metadata", metadata())
        .with_status(503)
        .expect(2)
        .create_async()
        .await;
    let ok = server
        .mock("GET", "/v1/deletion-cost")
        .match_header("metadata", metadata())
        .with_body(r#"{"deletion_cost":7}"#)
        .expect(1)
        .create_async()
        .await;
    assert_eq!(client(&server.url()).deletion_cost().await.unwrap(), 7);
    failing.assert_async().await;
    ok.assert_async().await;
}

/// The instance actions follow salad-api's rule: after a 5xx the node may
/// already be acting, so the action is not sent a second time.
#[tokio::test]
async fn instance_actions_are_not_resent_after_a_5xx() {
    for (path, op) in [
        ("/v1/restart", Op::Restart),
        ("/v1/recreate", Op::Recreate),
        ("/v1/reallocate", Op::Reallocate),
    ] {
        let mut server = mockito::Server::new_async().await;
        let failing = server
            .mock("POST", path)
            .match_header("metadata", metadata())
            .with_status(503)
            .expect(1)
            .create_async()
            .await;
        let err = op.call(&client(&server.url())).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{path}");
        failing.assert_async().await;
    }
}

#[tokio::test]
async fn a_non_problem_error_body_still_gives_a_typed_error() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/status")
        .with_status(403)
        .with_header("content-type", "text/html")
        .with_body("<html><body>forbidden by a sidecar</body></html>")
        .expect(1)
        .create_async()
        .await;
    let err = client(&server.url()).status().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(err.api().unwrap().code(), None);
    assert_eq!(problem_kind(&err), None);
    assert_eq!(err.problem(), None);
    mock.assert_async().await;
}

#[tokio::test]
async fn property_errors_are_listed_in_the_message() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/v1/reallocate")
        .with_status(400)
        .with_header("content-type", "application/problem+json")
        .with_body(
            json!({
                "type": "https://leaf.salad.com/e/validation-failed",
                "code": "validation-failed",
                "title": "Bad Request",
                "errors": {"reason": ["is not allowed here"]}
            })
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let err = client(&server.url())
        .reallocate_container("fine")
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.code(), Some("validation_failed"));
    assert!(
        api.message().contains("reason: is not allowed here"),
        "{}",
        api.message()
    );
    assert_eq!(
        problem_kind(&err),
        Some(ProblemKind::Other("validation_failed".into()))
    );
    mock.assert_async().await;
}

#[test]
fn public_handles_and_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<ImdsClient>();
    send_sync::<salad_imds::IdentityToken>();
    send_sync::<salad_imds::Claims>();
    send_sync::<salad_imds::ClaimsError>();
    send_sync::<salad_imds::WaitError>();
    send_sync::<salad_imds::ProblemDetails>();

    // Futures must be spawnable on a multi-threaded runtime.
    let imds = ImdsClient::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    send(&imds.status());
    send(&imds.token());
    send(&imds.reallocate_container("r"));
    send(&imds.recreate_container());
    send(&imds.restart_container());
    send(&imds.deletion_cost());
    send(&imds.set_deletion_cost(1));
    send(&imds.wait_until_ready(std::time::Duration::from_secs(1)));
}

/// The operations and error statuses the tests above walk are exactly those
/// of openapi.json, so a status or an operation added there fails here until
/// it is tested.
#[test]
fn the_tested_operations_and_statuses_are_those_of_openapi_json() {
    let spec: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let mut in_spec = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(responses) = op.get("responses").and_then(|r| r.as_object()) else {
                continue;
            };
            let mut errors: Vec<u16> = responses
                .keys()
                .filter(|code| !code.starts_with('2') && *code != "default")
                .map(|code| code.parse().unwrap())
                .collect();
            errors.sort_unstable();
            assert!(responses.contains_key("default"), "{method} {path}");
            in_spec.push((method.to_uppercase(), path.clone(), errors));
        }
    }
    let mut tested: Vec<_> = Op::ALL
        .iter()
        .map(|op| {
            (
                op.method().to_owned(),
                op.path().to_owned(),
                op.declared().to_vec(),
            )
        })
        .collect();
    in_spec.sort();
    tested.sort();
    assert_eq!(tested, in_spec);
}
