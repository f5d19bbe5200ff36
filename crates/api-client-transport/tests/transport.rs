//! api-client-transport against real local servers: mockito for well-formed HTTP, a
//! scripted socket server for hangs, broken bodies, upgrades and unix sockets.

mod support;

use std::time::{Duration, Instant};

use api_client_transport::http::{HeaderName, HeaderValue, StatusCode};
use api_client_transport::{Client, Error, Request, RetryPolicy, Secret};
use futures_util::StreamExt;
use mockito::Matcher;
use serde::{Deserialize, Serialize};
use support::{reply, tcp_server, Step};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "sk-live-very-secret-4242";

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::new(attempts)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Item {
    name: String,
    replicas: u32,
    tags: Vec<String>,
}

#[tokio::test]
async fn json_round_trip() {
    let mut server = mockito::Server::new_async().await;
    let sent = Item {
        name: "web".into(),
        replicas: 3,
        tags: vec!["a".into()],
    };
    let mock = server
        .mock("POST", "/api/items")
        .match_header("content-type", "application/json")
        .match_header("x-api-key", KEY)
        .match_body(Matcher::Json(
            serde_json::json!({"name": "web", "replicas": 3, "tags": ["a"]}),
        ))
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_body(r#"{"name":"web","replicas":3,"tags":["a"],"extra":"ignored"}"#)
        .expect(1)
        .create_async()
        .await;
    let client = Client::builder(format!("{}/api", server.url()))
        .secret_header(HeaderName::from_static("x-api-key"), &Secret::new(KEY))
        .build()
        .unwrap();
    let got: Item = client
        .send(Request::post(["items"]).json(&sent).unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, sent);
    mock.assert_async().await;
}

#[tokio::test]
async fn a_hostile_segment_stays_one_encoded_segment() {
    let (url, seen) = tcp_server(vec![reply("200 OK", &[], b"{}")]).await;
    let client = Client::builder(url).build().unwrap();
    client
        .send(Request::get(["containers", "a/../b?c#d", "json"]))
        .await
        .unwrap();
    let head = &seen.heads()[0];
    assert!(
        head.starts_with("GET /containers/a%2F..%2Fb%3Fc%23d/json HTTP/1.1\r\n"),
        "{head}"
    );
}

#[tokio::test]
async fn options_are_encoded_in_the_query() {
    #[derive(Serialize)]
    struct ListOptions {
        all: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        since: Option<String>,
        filters: String,
    }
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/containers/json")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("all".into(), "true".into()),
            Matcher::UrlEncoded("limit".into(), "5".into()),
            Matcher::UrlEncoded("filters".into(), r#"{"label":["a=b c"]}"#.into()),
        ]))
        .with_body("[]")
        .expect(1)
        .create_async()
        .await;
    let client = Client::builder(server.url()).build().unwrap();
    let options = ListOptions {
        all: true,
        limit: Some(5),
        since: None,
        filters: r#"{"label":["a=b c"]}"#.into(),
    };
    let request = Request::get(["containers", "json"])
        .query(&options)
        .unwrap();
    assert!(!request.query_string().contains("since"));
    let list: Vec<serde_json::Value> = client.send(request).await.unwrap().json().await.unwrap();
    assert!(list.is_empty());
    mock.assert_async().await;
}

#[tokio::test]
async fn two_503s_then_success_on_the_third_attempt() {
    let busy = reply("503 Service Unavailable", &[], b"busy");
    let (url, seen) = tcp_server(vec![
        busy.clone(),
        busy,
        reply("200 OK", &[], br#"{"ok":true}"#),
    ])
    .await;
    let client = Client::builder(url).retry(fast_retries(3)).build().unwrap();
    let v: serde_json::Value = client
        .send(Request::get(["x"]))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(seen.count(), 3);
}

#[tokio::test]
async fn a_post_is_not_retried_by_default_but_can_opt_in() {
    let busy = reply("503 Service Unavailable", &[], b"busy");
    let (url, seen) = tcp_server(vec![busy.clone(), reply("200 OK", &[], b"{}")]).await;
    let client = Client::builder(url).retry(fast_retries(3)).build().unwrap();
    let err = client
        .send(Request::post(["x"]).bytes("a", "text/plain"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(seen.count(), 1);
    client
        .send(
            Request::post(["x"])
                .bytes("a", "text/plain")
                .retryable(true),
        )
        .await
        .unwrap();
    assert_eq!(
        seen.count(),
        2,
        "the opted-in POST was sent once and succeeded on the repeated script step"
    );
}

#[tokio::test]
async fn a_post_refused_with_429_is_sent_again_but_not_after_a_5xx() {
    let limited = reply(
        "429 Too Many Requests",
        &[("retry-after", "0")],
        b"slow down",
    );
    let (url, seen) = tcp_server(vec![limited, reply("201 Created", &[], b"{}")]).await;
    let client = Client::builder(url).retry(fast_retries(3)).build().unwrap();
    let response = client
        .send(Request::post(["x"]).bytes("a", "text/plain"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(seen.count(), 2);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let limited = reply(
        "429 Too Many Requests",
        &[("retry-after", "1")],
        b"slow down",
    );
    let (url, seen) = tcp_server(vec![limited, reply("200 OK", &[], b"{}")]).await;
    let client = Client::builder(url).retry(fast_retries(3)).build().unwrap();
    let started = Instant::now();
    client.send(Request::get(["x"])).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(seen.count(), 2);
}

#[tokio::test]
async fn attempts_stop_at_the_maximum() {
    let (url, seen) = tcp_server(vec![reply("502 Bad Gateway", &[], b"down")]).await;
    let client = Client::builder(url).retry(fast_retries(4)).build().unwrap();
    let err = client.send(Request::get(["x"])).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(err.is_retryable());
    assert_eq!(seen.count(), 4);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let (url, _) = tcp_server(vec![Step::Hang]).await;
    let client = Client::builder(url)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.send(Request::get(["slow"])).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { ref path, after, .. } if path == "/slow" && after == Duration::from_millis(300)),
        "{err:?}"
    );
    // Generous upper bound: only catches a client that ignores the timeout.
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(err.is_retryable() && err.may_have_reached_server());
}

#[tokio::test]
async fn a_connection_dropped_mid_body_is_a_stream_error() {
    let cut = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"partial\":".to_vec();
    let (url, _) = tcp_server(vec![Step::Reply(cut)]).await;
    let client = Client::builder(url).build().unwrap();
    let err = client
        .send(Request::get(["x"]))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");

    let mut stream = client
        .send(Request::get(["x"]))
        .await
        .unwrap()
        .into_stream();
    assert_eq!(&stream.next().await.unwrap().unwrap()[..], b"{\"partial\":");
    assert!(matches!(
        stream.next().await,
        Some(Err(Error::Stream { .. }))
    ));
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn a_silent_stream_hits_the_idle_timeout() {
    let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n".to_vec();
    let (url, _) = tcp_server(vec![Step::ReplyThenStall(head)]).await;
    let client = Client::builder(url)
        .stream_idle_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let mut stream = client
        .send(Request::get(["logs"]))
        .await
        .unwrap()
        .into_stream();
    assert_eq!(&stream.next().await.unwrap().unwrap()[..], b"hello");
    assert!(matches!(
        stream.next().await,
        Some(Err(Error::Timeout { .. }))
    ));
}

#[tokio::test]
async fn an_html_502_is_an_api_error_with_its_status_and_a_short_note() {
    let page = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "<p>upstream unavailable</p>\n".repeat(10_000)
    );
    let (url, _) = tcp_server(vec![reply(
        "502 Bad Gateway",
        &[("content-type", "text/html")],
        page.as_bytes(),
    )])
    .await;
    let client = Client::builder(url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.send(Request::get(["groups"])).await.unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(api.path(), "/groups");
    // The markup is not quoted: the status stands, with a short note.
    assert_eq!(
        api.message(),
        "Bad Gateway (the answer was an HTML page, not the API's)"
    );
    assert!(
        api.message().chars().count() <= 257,
        "message not bounded: {}",
        api.message().len()
    );
    assert!(api.body().len() <= api_client_transport::MAX_ERROR_BODY && api.body().len() > 1000);
}

#[tokio::test]
async fn invalid_json_names_the_failing_path() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Page {
        items: Vec<Item>,
    }
    let body = br#"{"items":[{"name":"a","replicas":1,"tags":[]},{"name":"b","replicas":"two","tags":[]}]}"#;
    let (url, _) = tcp_server(vec![reply("200 OK", &[], body)]).await;
    let client = Client::builder(url).build().unwrap();
    let err = client
        .send(Request::get(["items"]))
        .await
        .unwrap()
        .json::<Page>()
        .await
        .unwrap_err();
    match err {
        Error::Decode {
            json_path, snippet, ..
        } => {
            assert_eq!(json_path, "items[1].replicas");
            assert!(snippet.starts_with("{\"items\""));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_api_key_is_in_no_debug_or_display_output() {
    let (url, seen) = tcp_server(vec![reply(
        "401 Unauthorized",
        &[],
        br#"{"message":"bad key"}"#,
    )])
    .await;
    let client = Client::builder(&url)
        .secret_header(HeaderName::from_static("salad-api-key"), &Secret::new(KEY))
        .bearer_token(&Secret::new(KEY))
        .build()
        .unwrap();
    let request = Request::get(["x"]).header(HeaderName::from_static("x-extra"), {
        let mut v = HeaderValue::from_static(KEY);
        v.set_sensitive(true);
        v
    });
    let request_debug = format!("{request:?}");
    let err = client.send(request).await.unwrap_err();
    assert!(seen.heads()[0].contains(KEY), "the key must still be sent");
    let dead = Client::builder("http://127.0.0.1:9")
        .secret_header(HeaderName::from_static("salad-api-key"), &Secret::new(KEY))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let connect_err = dead.send(Request::get(["x"])).await.unwrap_err();
    assert!(
        matches!(connect_err, Error::Connect { .. }),
        "{connect_err:?}"
    );
    for text in [
        format!("{client:?}"),
        request_debug,
        format!("{err:?}"),
        format!("{err}"),
        format!("{connect_err:?}"),
        format!("{connect_err}"),
        format!("{:?}", Secret::new(KEY)),
    ] {
        assert!(!text.contains(KEY), "secret leaked in: {text}");
    }
}

#[tokio::test]
async fn a_streamed_request_body_arrives_whole() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("PUT", "/archive")
        .match_header("content-type", "application/x-tar")
        .match_body("chunk-1chunk-2chunk-3")
        .with_status(200)
        .expect(1)
        .create_async()
        .await;
    let chunks = ["chunk-1", "chunk-2", "chunk-3"].map(|c| {
        Ok(api_client_transport::bytes::Bytes::from_static(
            c.as_bytes(),
        ))
    });
    let client = Client::builder(server.url()).build().unwrap();
    client
        .send(
            Request::put(["archive"])
                .stream(futures_util::stream::iter(chunks), "application/x-tar"),
        )
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn an_upgrade_round_trips_bytes() {
    let (url, seen) = tcp_server(vec![Step::UpgradeEcho]).await;
    let client = Client::builder(url).build().unwrap();
    let request = Request::post(["containers", "c1", "attach"])
        .header(
            api_client_transport::http::header::CONNECTION,
            HeaderValue::from_static("Upgrade"),
        )
        .header(
            api_client_transport::http::header::UPGRADE,
            HeaderValue::from_static("tcp"),
        );
    let (head, mut io) = client.upgrade(request).await.unwrap();
    assert_eq!(head.status, StatusCode::SWITCHING_PROTOCOLS);
    io.write_all(b"ping over the hijacked connection")
        .await
        .unwrap();
    io.shutdown().await.unwrap();
    let mut echoed = Vec::new();
    io.read_to_end(&mut echoed).await.unwrap();
    assert_eq!(echoed, b"ping over the hijacked connection");
    assert!(seen.heads()[0].contains("upgrade: tcp"));
}

#[tokio::test]
async fn send_refuses_an_upgrade_and_upgrade_refuses_a_plain_answer() {
    let (url, _) = tcp_server(vec![reply("200 OK", &[], b"{}")]).await;
    let client = Client::builder(url).build().unwrap();
    let err = client.upgrade(Request::post(["attach"])).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn invalid_requests_are_not_sent() {
    let (url, seen) = tcp_server(vec![reply("200 OK", &[], b"{}")]).await;
    let client = Client::builder(url).build().unwrap();
    let err = client
        .send(Request::get(["containers", "", "json"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "path"));
    assert!(!err.may_have_reached_server());
    assert_eq!(seen.count(), 0);
}

#[cfg(all(unix, feature = "unix"))]
mod unix {
    use super::*;

    #[tokio::test]
    async fn requests_go_over_a_unix_socket() {
        let dir =
            std::env::temp_dir().join(format!("api-client-transport-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("api.sock");
        let seen = support::unix_server(
            &socket,
            vec![reply("200 OK", &[], br#"{"ApiVersion":"1.41"}"#)],
        )
        .await;
        let client = Client::builder(format!("unix://{}", socket.display()))
            .build()
            .unwrap();
        let v: serde_json::Value = client
            .send(Request::get(["version"]))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["ApiVersion"], "1.41");
        assert!(seen.heads()[0].starts_with("GET /version HTTP/1.1\r\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_missing_socket_is_a_connect_error_naming_the_path() {
        let client = Client::builder("unix:///nonexistent/dir/docker.sock")
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let err = client.send(Request::get(["_ping"])).await.unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        assert!(
            err.to_string().contains("/nonexistent/dir/docker.sock"),
            "{err}"
        );
        assert!(!err.may_have_reached_server());
    }
}

#[test]
fn futures_and_handles_are_send_and_sync() {
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Client>();
    send_sync::<Error>();
    send_sync::<Secret>();
    send_sync::<api_client_transport::ByteStream>();
    fn send_only<T: Send>() {}
    send_only::<api_client_transport::Upgraded>(); // an I/O object: Send, like a TcpStream half
    let client = Client::builder("http://127.0.0.1:9").build().unwrap();
    let chunks =
        futures_util::stream::iter([Ok(api_client_transport::bytes::Bytes::from_static(b"x"))]);
    send(&client.send(Request::put(["x"]).stream(chunks, "application/octet-stream")));
    send(&client.upgrade(Request::post(["x"])));
}

#[cfg(feature = "https")]
#[tokio::test]
async fn https_to_a_plain_http_server_is_a_connect_error() {
    // A server that speaks plain HTTP at once: the TLS handshake reads garbage.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let _ = sock
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
            let _ = sock.shutdown().await;
        }
    });
    let client = Client::builder(format!("https://{addr}"))
        .timeout(Duration::from_secs(20))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.send(Request::get(["x"])).await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
}

#[test]
fn trailing_bytes_after_a_document_are_a_decode_error() {
    let err = api_client_transport::decode_json::<Vec<u32>>(
        &api_client_transport::http::Method::GET,
        "/x",
        b"[1,2] <html>",
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref json_path, .. } if json_path == "."),
        "{err:?}"
    );
    let ok: Vec<u32> = api_client_transport::decode_json(
        &api_client_transport::http::Method::GET,
        "/x",
        b" [1,2]\n",
    )
    .unwrap();
    assert_eq!(ok, [1, 2]);
}

#[tokio::test]
async fn a_body_in_many_chunks_is_read_whole() {
    let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3\r\n[1,\r\n2\r\n2,\r\n2\r\n3]\r\n0\r\n\r\n".to_vec();
    let (url, _) = tcp_server(vec![Step::Reply(chunked)]).await;
    let client = Client::builder(url).build().unwrap();
    let v: Vec<u32> = client
        .send(Request::get(["x"]))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v, [1, 2, 3]);
    let empty = reply("200 OK", &[], b"");
    let (url, _) = tcp_server(vec![empty]).await;
    let client = Client::builder(url).build().unwrap();
    assert!(client
        .send(Request::get(["x"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_sensitive_answer_is_never_quoted_in_a_decode_error() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Token {
        jwt: u64,
    }
    let body = br#"{"jwt":"eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln"}"#;
    let (url, _) = tcp_server(vec![reply("200 OK", &[], body)]).await;
    let client = Client::builder(url).build().unwrap();
    let plain = client
        .send(Request::get(["t"]))
        .await
        .unwrap()
        .json::<Token>()
        .await
        .unwrap_err();
    assert!(
        format!("{plain}").contains("eyJhbGciOiJSUzI1NiJ9"),
        "control: {plain}"
    );
    let err = client
        .send(Request::get(["t"]).sensitive(true))
        .await
        .unwrap()
        .json::<Token>()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref json_path, .. } if json_path == "jwt"),
        "{err:?}"
    );
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(
            !text.contains("eyJ") && !text.contains("c2VjcmV0"),
            "leaked: {text}"
        );
    }
}
