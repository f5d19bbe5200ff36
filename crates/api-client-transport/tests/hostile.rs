//! The transport against hostile and broken local servers: bodies that stall,
//! answers over the cap, echoed secrets, bad addresses, sockets that are not
//! sockets, connections closed while idle, and a custom dialer.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_client_transport::{
    Client, ClientConfig, Dialer, Error, ProblemDetails, Request, RetryPolicy, Secret,
};
use futures_util::StreamExt;
use mockito::Matcher;
use support::{reply, tcp_server, Step};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "tok-3f9a8c7e-live-secret";

/// Generous: only catches a client that ignores its bound, never a slow machine.
const HANG: Duration = Duration::from_secs(20);

fn config(url: &str) -> ClientConfig {
    let mut config = ClientConfig::new(url);
    config.retry = RetryPolicy::none();
    config
}

/// Every message in the error's chain, outermost first.
fn chain(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = vec![err.to_string()];
    let mut cause = err.source();
    while let Some(e) = cause {
        out.push(e.to_string());
        cause = e.source();
    }
    out
}

fn assert_no_token(err: &Error) {
    let text = format!("{err} {err:?} {}", chain(err).join(": "));
    assert!(!text.contains(TOKEN), "token leaked: {text}");
}

// ---- deadlines -------------------------------------------------------------

#[tokio::test]
async fn a_body_that_stalls_after_the_head_times_out_for_json_and_bytes() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"items\":[".to_vec();
    let (url, _) = tcp_server(vec![Step::ReplyThenStall(head)]).await;
    let mut config = config(&url);
    config.timeout = Duration::from_millis(300);
    let client = Client::from_config(config).unwrap();

    let started = Instant::now();
    let err = client
        .send(Request::get(["list"]))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { ref path, after, .. } if path == "/list" && after == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(err.is_timeout());
    assert!(started.elapsed() < HANG);

    let err = client
        .send(Request::get(["blob"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn a_streaming_request_may_wait_for_its_head_longer_than_the_per_attempt_deadline() {
    let answer = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 4\r\n\r\ndone".to_vec();
    let (url, _) = tcp_server(vec![Step::DelayedReply(600, answer)]).await;
    let mut config = config(&url);
    config.timeout = Duration::from_millis(100);
    config.stream_head_timeout = Duration::from_millis(100);
    let client = Client::from_config(config).unwrap();

    // The client's own bounds cut it off ...
    let err = client
        .send(Request::post(["wait"]).streaming())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    // ... a request that says "as long as I care to wait" is not cut off.
    let mut stream = client
        .send(
            Request::post(["wait"])
                .head_timeout(None)
                .idle_timeout(None),
        )
        .await
        .unwrap()
        .into_stream();
    assert_eq!(&stream.next().await.unwrap().unwrap()[..], b"done");
}

#[tokio::test]
async fn a_request_idle_timeout_overrides_the_clients() {
    let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n".to_vec();
    let (url, _) = tcp_server(vec![Step::ReplyThenStall(head)]).await;
    let client = Client::from_config(config(&url)).unwrap(); // default: no idle bound
    let mut stream = client
        .send(Request::get(["logs"]).idle_timeout(Some(Duration::from_millis(200))))
        .await
        .unwrap()
        .into_stream();
    assert_eq!(&stream.next().await.unwrap().unwrap()[..], b"hello");
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Timeout { after, .. } if after == Duration::from_millis(200)));
}

// ---- limits ----------------------------------------------------------------

#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_before_reading() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\n\r\n".to_vec();
    let (url, _) = tcp_server(vec![Step::ReplyThenStall(head)]).await;
    let mut config = config(&url);
    config.max_body_bytes = 1024;
    let client = Client::from_config(config).unwrap();
    let err = client
        .send(Request::get(["big"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Limit {
                limit: "max_body_bytes",
                max: 1024,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("max_body_bytes") && text.contains("1024"),
        "{text}"
    );
}

#[tokio::test]
async fn an_endless_answer_stops_at_the_cap_and_the_connection_is_dropped() {
    let head =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    let (url, seen) = tcp_server(vec![Step::Endless(head)]).await;
    let mut config = config(&url);
    config.max_body_bytes = 1024 * 1024;
    let client = Client::from_config(config).unwrap();
    let err = client
        .send(Request::get(["huge"]))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Limit {
                limit: "max_body_bytes",
                ..
            }
        ),
        "{err:?}"
    );
    // The server notices the client hung up: its writes start failing.
    let waited = Instant::now();
    while seen.hung_up.load(Ordering::SeqCst) == 0 {
        assert!(waited.elapsed() < HANG, "the connection was kept open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A new call opens a fresh connection (the old one was not pooled).
    let _ = client.send(Request::get(["huge"])).await.unwrap();
    assert_eq!(seen.count(), 2);
}

#[tokio::test]
async fn the_frame_limit_is_carried_for_decoders() {
    let mut config = ClientConfig::new("http://127.0.0.1:1");
    assert_eq!(
        config.max_frame_bytes,
        api_client_transport::DEFAULT_MAX_FRAME_BYTES
    );
    config.max_frame_bytes = 4096;
    let client = Client::from_config(config).unwrap();
    assert_eq!(client.config().max_frame_bytes, 4096);
}

// ---- secrets ---------------------------------------------------------------

#[tokio::test]
async fn a_sensitive_answer_is_kept_in_no_error() {
    let mut server = mockito::Server::new_async().await;
    let body = format!(r#"{{"code":500,"message":"login ok but failed","token":"{TOKEN}"}}"#);
    let _m = server
        .mock("POST", "/login")
        .with_status(401)
        .with_body(&body)
        .create_async()
        .await;
    let _ok = server
        .mock("POST", "/login2")
        .with_status(200)
        .with_body(format!(
            r#"{{"code":1001,"data":{{"token":{{"v":"{TOKEN}"}}}}}}"#
        ))
        .create_async()
        .await;
    let client = Client::from_config(config(&server.url())).unwrap();

    let err = client
        .send(Request::post(["login"]).sensitive_errors(true))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized());
    assert!(err.api().unwrap().body().is_empty());
    assert_no_token(&err);

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Login {
        data: Data,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Data {
        token: String,
    }
    let err = client
        .send(Request::post(["login2"]).sensitive(true))
        .await
        .unwrap()
        .json::<Login>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_no_token(&err);

    // An API crate that finds an error code inside a 2xx log-in answer builds
    // the error from the body; redact_body drops all of it.
    let answer = client
        .send(Request::post(["login2"]).sensitive(true))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let built = Error::from(api_client_transport::ApiError::new(
        api_client_transport::http::StatusCode::OK,
        api_client_transport::http::Method::POST,
        "/login2",
        answer,
    ));
    assert!(format!("{built:?}").contains(TOKEN)); // the test can fail
    let err = built.redact_body();
    assert!(err.api().unwrap().body().is_empty());
    assert_no_token(&err);
}

#[tokio::test]
async fn an_answer_echoing_the_bearer_token_is_not_quoted() {
    let mut server = mockito::Server::new_async().await;
    let _err = server
        .mock("GET", "/echo-error")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(400)
        .with_body(format!(r#"{{"message":"bad token {TOKEN}"}}"#))
        .create_async()
        .await;
    let _ok = server
        .mock("GET", "/echo-ok")
        .with_status(200)
        .with_body(format!(r#"{{"count":"{TOKEN}"}}"#))
        .create_async()
        .await;
    let _plain = server
        .mock("GET", "/plain")
        .with_status(400)
        .with_body(r#"{"message":"name too long"}"#)
        .create_async()
        .await;
    let client = Client::builder(server.url())
        .bearer_token(&Secret::new(TOKEN))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();

    let err = client.send(Request::get(["echo-error"])).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_no_token(&err);

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Count {
        count: u32,
    }
    let err = client
        .send(Request::get(["echo-ok"]))
        .await
        .unwrap()
        .json::<Count>()
        .await
        .unwrap_err();
    assert_no_token(&err);

    // An answer without the token is still quoted: the scrub is targeted.
    let err = client.send(Request::get(["plain"])).await.unwrap_err();
    assert_eq!(err.api().unwrap().message(), "name too long");
}

// ---- addresses -------------------------------------------------------------

#[test]
fn ports_out_of_range_and_user_info_are_refused_naming_the_field() {
    for bad in [
        "http://127.0.0.1:99999",
        "http://127.0.0.1:0",
        "http://127.0.0.1:65536/api",
        "https://[::1]:70000",
    ] {
        let err = Client::builder(bad).build().unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { ref field, ref reason } if field == "base_url" && reason.contains("port")),
            "{bad}: {err}"
        );
    }
    for good in [
        "http://127.0.0.1:65535",
        "http://[::1]:8080/x",
        "http://[::1]",
    ] {
        Client::builder(good).build().unwrap();
    }
    let err = Client::builder("http://admin:hunter2@127.0.0.1:8080")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "base_url"),
        "{err}"
    );
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("user info") && !text.contains("hunter2"),
        "{text}"
    );
    let config = ClientConfig::new("http://admin:hunter2@127.0.0.1:8080");
    assert!(!format!("{config:?}").contains("hunter2"));
}

// ---- errors ----------------------------------------------------------------

#[tokio::test]
async fn display_of_a_nested_error_says_each_cause_once() {
    // A port nothing listens on: bind, take the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::from_config(config(&format!("http://127.0.0.1:{port}"))).unwrap();
    let err = client.send(Request::get(["x"])).await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    let links = chain(&err);
    let report = links.join(": ");
    // The OS cause is in the chain, exactly once.
    assert_eq!(report.matches("refused").count(), 1, "{report}");
    // No level repeats what the level below it says.
    for pair in links.windows(2) {
        assert!(!pair[0].contains(&pair[1]), "{report}");
    }
    // The innermost cause is the OS error itself, kept as a typed value.
    let mut cause: &dyn std::error::Error = &err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let io = cause
        .downcast_ref::<std::io::Error>()
        .expect("an io::Error at the root");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[cfg(all(unix, feature = "unix"))]
#[tokio::test]
async fn a_socket_path_that_is_not_a_socket_names_what_it_is_and_the_os_cause() {
    let dir = std::env::temp_dir().join(format!("core-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("docker.sock");
    std::fs::write(&file, b"not a socket").unwrap();
    for (path, what) in [
        (file.clone(), "a regular file"),
        (dir.clone(), "a directory"),
        ("/dev/null".into(), "a device"),
    ] {
        let client = Client::from_config(config(&format!("unix://{}", path.display()))).unwrap();
        let err = client.send(Request::get(["_ping"])).await.unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        let report = chain(&err).join(": ");
        assert!(report.contains(&path.display().to_string()), "{report}");
        assert!(report.contains(what), "{report}");
        // The OS's own word is kept below the explanation.
        assert!(report.contains("os error"), "{report}");
        assert!(!err.may_have_reached_server());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A keep-alive server that closes each connection shortly after answering,
/// as servers with a short idle timeout do; counts the requests per method.
async fn closing_server() -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (gets, posts) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (g, p) = (gets.clone(), posts.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (g, p) = (g.clone(), p.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut data = Vec::new();
                while !data.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => data.extend_from_slice(&buf[..n]),
                    }
                }
                if data.starts_with(b"POST") {
                    p.fetch_add(1, Ordering::SeqCst);
                } else {
                    g.fetch_add(1, Ordering::SeqCst);
                }
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                    .await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                // Idle timeout reached: close without a word.
                drop(sock);
            });
        }
    });
    (url, gets, posts)
}

#[tokio::test]
async fn a_post_after_the_server_closed_the_idle_connection_arrives_once_and_succeeds() {
    let (url, gets, posts) = closing_server().await;
    let client = Client::from_config(config(&url)).unwrap();
    client
        .send(Request::get(["warm"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let answer: serde_json::Value = client
        .send(Request::post(["jobs"]))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer, serde_json::json!({}));
    assert_eq!(gets.load(Ordering::SeqCst), 1);
    assert_eq!(posts.load(Ordering::SeqCst), 1);
}

// ---- request plumbing ------------------------------------------------------

#[tokio::test]
async fn an_empty_post_put_patch_or_delete_says_content_length_zero() {
    let mut server = mockito::Server::new_async().await;
    let mut mocks = Vec::new();
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        mocks.push(
            server
                .mock(method, "/act")
                .match_header("content-length", "0")
                .with_status(204)
                .create_async()
                .await,
        );
    }
    let get = server
        .mock("GET", "/act")
        .match_header("content-length", Matcher::Missing)
        .with_status(204)
        .create_async()
        .await;
    let client = Client::from_config(config(&server.url())).unwrap();
    for request in [
        Request::post(["act"]),
        Request::put(["act"]),
        Request::patch(["act"]),
        Request::delete(["act"]),
        Request::get(["act"]),
    ] {
        client.send(request).await.unwrap();
    }
    for m in mocks {
        m.assert_async().await;
    }
    get.assert_async().await;
}

#[tokio::test]
async fn the_validation_switch_decides_whether_an_invalid_request_is_sent() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/groups")
        .match_body(Matcher::Json(serde_json::json!({"name": ""})))
        .with_status(201)
        .expect(1)
        .create_async()
        .await;
    let build = || {
        Request::post(["groups"])
            .json(&serde_json::json!({"name": ""}))
            .unwrap()
            .validated(Err(Error::invalid("name", "must not be empty")))
    };

    let strict = Client::from_config(config(&server.url())).unwrap();
    let err = strict.send(build()).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "name"),
        "{err:?}"
    );

    let mut lax = config(&server.url());
    lax.validate_requests = false;
    let lax = Client::from_config(lax).unwrap();
    lax.send(build()).await.unwrap();

    // Other build errors are never waved through.
    let err = lax
        .send(Request::post(["groups", ""]).validated(Ok(())))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "path"));
    mock.assert_async().await; // exactly one request reached the server
}

#[tokio::test]
async fn the_dialer_opens_every_connection() {
    let (url, seen) = tcp_server(vec![reply("200 OK", &[], br#"{"via":"dialer"}"#)]).await;
    let addr = url.trim_start_matches("http://").to_string();
    let dials = Arc::new(AtomicUsize::new(0));
    let counter = dials.clone();
    let mut config = config("http://remote-docker.invalid");
    config.dialer = Some(Dialer::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        let addr = addr.clone();
        async move { tokio::net::TcpStream::connect(addr).await }
    }));
    let client = Client::from_config(config).unwrap();
    for _ in 0..2 {
        let v: serde_json::Value = client
            .send(Request::get(["version"]))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["via"], "dialer");
    }
    // The server closes after each answer, so each call dialled anew.
    assert_eq!(dials.load(Ordering::SeqCst), 2);
    assert_eq!(seen.count(), 2);
    assert!(seen.heads()[0].contains("host: remote-docker.invalid"));
}

#[tokio::test]
async fn a_failing_dialer_is_a_connect_error_with_its_cause() {
    let mut config = config("http://remote.invalid");
    config.dialer = Some(Dialer::new(|| async {
        Err::<tokio::io::DuplexStream, _>(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "ssh: command not found",
        ))
    }));
    let client = Client::from_config(config).unwrap();
    let err = client.send(Request::post(["x"])).await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    let report = chain(&err).join(": ");
    assert_eq!(
        report.matches("ssh: command not found").count(),
        1,
        "{report}"
    );
}

#[cfg(feature = "https")]
#[test]
fn a_dialer_with_an_https_base_url_is_refused() {
    let mut config = ClientConfig::new("https://h");
    config.dialer = Some(Dialer::new(|| async { Ok(tokio::io::duplex(16).0) }));
    let err = Client::from_config(config).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "dialer"));
}

// ---- problem details and helpers ------------------------------------------

#[tokio::test]
async fn a_problem_document_is_read_and_the_helpers_classify_statuses() {
    let mut server = mockito::Server::new_async().await;
    let _m = server
        .mock("GET", "/groups/g")
        .with_status(404)
        .with_header("content-type", "application/problem+json")
        .with_body(r#"{"type":"https://api.example/problems/not-found","title":"Not Found","status":404,"detail":"no group g","traceId":"t-1"}"#)
        .create_async()
        .await;
    for (status, path) in [(409, "/c"), (401, "/u"), (403, "/f"), (429, "/r")] {
        server
            .mock("GET", path)
            .with_status(status)
            .create_async()
            .await;
    }
    let client = Client::builder(server.url())
        .error_parser(ProblemDetails::error_parser)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .send(Request::get(["groups", "g"]))
        .await
        .unwrap_err();
    assert!(err.is_not_found() && !err.is_conflict() && !err.is_timeout());
    let api = err.api().unwrap();
    assert_eq!(api.message(), "Not Found: no group g");
    assert_eq!(api.code(), Some("https://api.example/problems/not-found"));
    let problem = api.problem().unwrap();
    assert_eq!(problem.status, Some(404));
    assert_eq!(problem.extensions["traceId"], "t-1");

    let check = |err: Error| {
        [
            err.is_conflict(),
            err.is_unauthorized(),
            err.is_forbidden(),
            err.is_rate_limited(),
        ]
    };
    let mut seen = Vec::new();
    for path in ["c", "u", "f", "r"] {
        seen.push(check(client.send(Request::get([path])).await.unwrap_err()));
    }
    assert_eq!(
        seen,
        [
            [true, false, false, false],
            [false, true, false, false],
            [false, false, true, false],
            [false, false, false, true]
        ]
    );
}

#[cfg(feature = "https")]
#[tokio::test]
async fn a_failed_tls_handshake_is_not_retried() {
    // Plain HTTP on the port a client expects TLS on: rustls refuses the
    // handshake, and trying again cannot change that.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let _ = sock
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
            let _ = sock.shutdown().await;
        }
    });
    let client = Client::builder(format!("https://{addr}"))
        .retry(
            RetryPolicy::new(3)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    let err = client.send(Request::post(["login"])).await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "{err:?}");
}

/// A connection that is closed before the client writes a byte: reads end at
/// once, writes are swallowed (and counted).
struct ClosedAtOnce(Arc<AtomicUsize>);

impl tokio::io::AsyncRead for ClosedAtOnce {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for ClosedAtOnce {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.0.fetch_add(buf.len(), Ordering::SeqCst);
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_post_that_never_left_the_client_is_sent_again_once() {
    let (url, seen) = tcp_server(vec![reply("201 Created", &[], b"{}")]).await;
    let addr = url.trim_start_matches("http://").to_string();
    let dials = Arc::new(AtomicUsize::new(0));
    let lost_bytes = Arc::new(AtomicUsize::new(0));
    let (d, lost) = (dials.clone(), lost_bytes.clone());
    let mut config = config("http://svc.invalid");
    config.dialer = Some(Dialer::new(move || {
        let first = d.fetch_add(1, Ordering::SeqCst) == 0;
        let (addr, lost) = (addr.clone(), lost.clone());
        async move {
            let stream: api_client_transport::BoxedStream = if first {
                Box::new(ClosedAtOnce(lost))
            } else {
                Box::new(tokio::net::TcpStream::connect(addr).await?)
            };
            Ok(stream)
        }
    }));
    let client = Client::from_config(config).unwrap(); // RetryPolicy::none()
    client
        .send(Request::post(["jobs"]).json(&1).unwrap())
        .await
        .unwrap();
    // Nothing was written on the dead connection, so the POST went again,
    // once, on a new one.
    assert_eq!(lost_bytes.load(Ordering::SeqCst), 0);
    assert_eq!(dials.load(Ordering::SeqCst), 2);
    assert_eq!(seen.count(), 1);
    assert!(seen.heads()[0].starts_with("POST /jobs"));
}

#[tokio::test]
async fn a_request_that_never_leaves_is_resent_only_once() {
    let dials = Arc::new(AtomicUsize::new(0));
    let d = dials.clone();
    let mut config = config("http://svc.invalid");
    config.dialer = Some(Dialer::new(move || {
        d.fetch_add(1, Ordering::SeqCst);
        let lost = Arc::new(AtomicUsize::new(0));
        async move { Ok(ClosedAtOnce(lost)) }
    }));
    let client = Client::from_config(config).unwrap(); // RetryPolicy::none()
    let err = client.send(Request::post(["jobs"])).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(dials.load(Ordering::SeqCst), 2);
}
