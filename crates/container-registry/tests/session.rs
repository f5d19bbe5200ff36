//! A session client: the token's expiry read from the log-in answer, one
//! re-login on 401 with the credentials it was given (never quoted), and the
//! call sent once more.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use container_registry_client::{Client, RetryPolicy, Secret};
use serde_json::json;
use support::{fail, ok, Reply, TestServer};

fn login_answer(token: &str, expires_at: &str) -> String {
    ok(json!({"token": token, "expires_at": expires_at, "user": {"id": 1, "username": "alice"}}))
}

fn anonymous(url: &str) -> Client {
    Client::builder()
        .base_url(url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_401_leads_to_one_re_login_and_one_retry() {
    let logins = Arc::new(AtomicUsize::new(0));
    let counter = logins.clone();
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        "/api/v2/auth/login" => {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::Json(
                200,
                login_answer(&format!("tok-{n}"), "2999-01-01T00:00:00Z"),
            )
        }
        "/api/v2/containers/7" => match req.header("authorization") {
            Some("Bearer tok-2") => Reply::Json(200, ok(json!({"id": 7, "name": "x"}))),
            _ => Reply::Json(401, fail(401, "token expired")),
        },
        other => panic!("{other}"),
    })
    .await;
    let client = anonymous(&server.url)
        .session("alice", Secret::new("pw-SECRET"))
        .await
        .unwrap();
    let expires = client.token_expires_at().unwrap();
    assert_eq!(
        expires.duration_since(UNIX_EPOCH).unwrap(),
        Duration::from_secs(32_472_144_000)
    );
    let got = client.get_container(7).await.unwrap();
    assert_eq!(got.name.as_deref(), Some("x"));
    assert_eq!(logins.load(Ordering::SeqCst), 2, "one log-in, one re-login");
    let calls = server.requests_to("/api/v2/containers/7");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].header("authorization"), Some("Bearer tok-1"));
    assert_eq!(calls[1].header("authorization"), Some("Bearer tok-2"));
    let relogin = &server.requests_to("/api/v2/auth/login")[1];
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&relogin.body).unwrap(),
        json!({"username": "alice", "password": "pw-SECRET"})
    );
    assert!(relogin.header("authorization").is_none());
    assert!(!format!("{client:?}").contains("pw-SECRET"));
    assert!(!format!("{client:?}").contains("tok-2"));
}

#[tokio::test]
async fn a_second_401_is_returned_without_another_re_login() {
    let logins = Arc::new(AtomicUsize::new(0));
    let counter = logins.clone();
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        "/api/v2/auth/login" => {
            counter.fetch_add(1, Ordering::SeqCst);
            Reply::Json(200, login_answer("tok", "2999-01-01T00:00:00Z"))
        }
        // An error code inside a 2xx counts as the same 401.
        _ => Reply::Json(200, fail(401, "no such user any more")),
    })
    .await;
    let client = anonymous(&server.url)
        .session("alice", Secret::new("pw-SECRET"))
        .await
        .unwrap();
    let err = client.get_container(7).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(logins.load(Ordering::SeqCst), 2);
    assert_eq!(server.requests_to("/api/v2/containers/7").len(), 2);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("pw-SECRET"), "{shown}");
}

#[tokio::test]
async fn an_expired_token_is_replaced_before_the_call() {
    let logins = Arc::new(AtomicUsize::new(0));
    let counter = logins.clone();
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        "/api/v2/auth/login" => {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            // The first token is already past its expiry.
            let at = if n == 1 {
                "2000-01-01T00:00:00Z"
            } else {
                "2999-01-01T00:00:00+08:00"
            };
            Reply::Json(200, login_answer(&format!("tok-{n}"), at))
        }
        _ => Reply::Json(200, ok(json!({"id": 7}))),
    })
    .await;
    let client = anonymous(&server.url)
        .session("alice", Secret::new("pw"))
        .await
        .unwrap();
    client.get_container(7).await.unwrap();
    let calls = server.requests_to("/api/v2/containers/7");
    assert_eq!(calls.len(), 1, "no wasted call with the stale token");
    assert_eq!(calls[0].header("authorization"), Some("Bearer tok-2"));
}

#[tokio::test]
async fn a_plain_token_client_does_not_re_login() {
    let server = TestServer::start(|_, _| Reply::Json(401, fail(401, "expired"))).await;
    let client = anonymous(&server.url).with_token("old");
    let err = client.get_container(7).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(server.requests().len(), 1);
    assert!(server.requests_to("/api/v2/auth/login").is_empty());
}

#[tokio::test]
async fn a_login_error_inside_a_2xx_keeps_no_token() {
    let server = TestServer::start(|_, _| {
        Reply::Json(
            200,
            json!({"code": 403, "message": "account locked; token tok-LEAK revoked",
                   "data": {"token": "tok-LEAK"}})
            .to_string(),
        )
    })
    .await;
    let err = anonymous(&server.url)
        .login("alice", &Secret::new("pw"))
        .await
        .unwrap_err();
    let api = err.api().expect("api error");
    assert_eq!(api.status().as_u16(), 403);
    assert!(api.body().is_empty());
    let shown = format!("{err} {err:?} {err:#?}");
    assert!(!shown.contains("tok-LEAK"), "{shown}");
}

#[tokio::test]
async fn a_login_answer_without_a_token_is_a_typed_error() {
    for data in [
        json!({"user": {"id": 1}}),
        json!({"token": ""}),
        json!(null),
    ] {
        let body = ok(data.clone());
        let server = TestServer::start(move |_, _| Reply::Json(200, body.clone())).await;
        let err = anonymous(&server.url)
            .login("alice", &Secret::new("pw"))
            .await
            .unwrap_err();
        match err {
            container_registry_client::Error::Decode { json_path, .. } => {
                assert_eq!(json_path, "data.token", "{data}")
            }
            other => panic!("{data}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_answer_echoing_the_token_is_not_quoted_in_errors() {
    let server = TestServer::start(|req, _| {
        let token = req
            .header("authorization")
            .unwrap()
            .trim_start_matches("Bearer ");
        match req.path.as_str() {
            // A decode error would quote the body's start.
            "/api/v2/containers/1" => Reply::Json(200, ok(json!({"id": token}))),
            // An error body would be kept and its message shown.
            _ => Reply::Json(400, fail(400, &format!("bad token {token}"))),
        }
    })
    .await;
    let client = anonymous(&server.url).with_token("tok-ECHO");
    for err in [
        client.get_container(1).await.unwrap_err(),
        client.get_container(2).await.unwrap_err(),
    ] {
        let body = err.api().map(|a| a.body().clone()).unwrap_or_default();
        let shown = format!("{err} {err:?} {}", String::from_utf8_lossy(&body));
        assert!(!shown.contains("tok-ECHO"), "{shown}");
    }
}

#[tokio::test]
async fn a_trace_stream_refused_with_401_logs_in_again_and_connects() {
    use container_registry_client::TraceOptions;
    use futures_util::TryStreamExt;
    let logins = Arc::new(AtomicUsize::new(0));
    let counter = logins.clone();
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        "/api/v2/auth/login" => {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::Json(
                200,
                login_answer(&format!("tok-{n}"), "2999-01-01T00:00:00Z"),
            )
        }
        _ => match req.header("authorization") {
            Some("Bearer tok-2") => Reply::Sse(
                vec![(Duration::from_millis(1), support::event(1, "x"))],
                support::End::Close,
            ),
            _ => Reply::Json(401, fail(401, "token expired")),
        },
    })
    .await;
    let client = anonymous(&server.url)
        .session("alice", Secret::new("pw"))
        .await
        .unwrap();
    let events: Vec<_> = client
        .trace_events("t", TraceOptions::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(logins.load(Ordering::SeqCst), 2);
    assert_eq!(server.requests_to("/api/v2/traces/t/stream").len(), 2);
}

/// Everything an error shows: `Display`, `Debug`, each `source()` in the
/// chain, and the kept body and message of an API error.
fn everything_shown(err: &container_registry_client::Error) -> String {
    let mut shown = format!("{err}\n{err:?}\n");
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        shown.push_str(&format!("{c}\n{c:?}\n"));
        cause = c.source();
    }
    if let Some(api) = err.api() {
        shown.push_str(&String::from_utf8_lossy(api.body()));
        shown.push_str(api.message());
    }
    shown
}

#[tokio::test]
async fn a_password_echoed_by_a_refused_log_in_is_never_quoted() {
    // A password with characters JSON escapes, so the echo holds its escaped form.
    const PASSWORD: &str = r#"pw-"SECRET"\-1"#;
    let escaped = serde_json::to_string(PASSWORD).unwrap();
    let escaped = &escaped[1..escaped.len() - 1];
    let server = TestServer::start(|req, index| match index % 3 {
        // The request body as the error body.
        0 => Reply::Json(401, req.body.clone()),
        // The request body inside the envelope's message.
        1 => Reply::Json(401, fail(401, &format!("rejected: {}", req.body))),
        // The same inside a 200 envelope.
        _ => Reply::Json(200, fail(401, &format!("rejected: {}", req.body))),
    })
    .await;
    let client = anonymous(&server.url);
    let mut errors = Vec::new();
    for _ in 0..3 {
        errors.push(
            client
                .login("alice", &Secret::new(PASSWORD))
                .await
                .unwrap_err(),
        );
    }
    for _ in 0..3 {
        errors.push(
            client
                .session("alice", Secret::new(PASSWORD))
                .await
                .unwrap_err(),
        );
    }
    // The server did see (and echo) the password each time.
    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    for r in &requests {
        assert!(r.body.contains(escaped), "{}", r.body);
    }
    for err in &errors {
        assert!(err.is_unauthorized(), "{err:?}");
        let shown = everything_shown(err);
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
