//! A broken or hostile daemon: truncated JSON, HTML error pages, bodies cut short,
//! nonsense headers. Every case must end in a typed error, never a panic or a hang.

use std::time::Duration;

use docker_engine::frames::LogOutput;
use docker_engine::{Docker, Error, LogsOptions};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A fake daemon on a local TCP socket: for every connection it reads one request
/// head (and a `Content-Length` body), writes what `answer` gives for that head,
/// and closes the connection, however much the answer head promised.
async fn fake_daemon(answer: fn(&str) -> Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if sock.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .and_then(|v| v.trim().parse::<usize>().ok())
                    })
                    .unwrap_or(0);
                let mut body = vec![0u8; len];
                let _ = sock.read_exact(&mut body).await;
                let _ = sock.write_all(&answer(&head)).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    url
}

fn http(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![kind, 0, 0, 0];
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

const HTML: &[u8] = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";

fn answer(head: &str) -> Vec<u8> {
    let path = head.split_whitespace().nth(1).unwrap_or("");
    let path = path.split('?').next().unwrap_or("");
    match path {
        // JSON cut in the middle, with a length that matches what is sent
        "/v1.45/containers/truncated/json" => {
            let body = br#"{"Id":"abc","Config":{"Tty":fal"#;
            http(
                "200 OK",
                &[
                    "Content-Type: application/json",
                    &format!("Content-Length: {}", body.len()),
                ],
                body,
            )
        }
        // a proxy's HTML error page
        "/v1.45/containers/html/json" => http(
            "502 Bad Gateway",
            &[
                "Content-Type: text/html",
                &format!("Content-Length: {}", HTML.len()),
            ],
            HTML,
        ),
        // HTML with a success status where JSON was expected
        "/v1.45/containers/json" => http(
            "200 OK",
            &[
                "Content-Type: text/html",
                &format!("Content-Length: {}", HTML.len()),
            ],
            HTML,
        ),
        // the connection drops 10 bytes into a 500-byte JSON body
        "/v1.45/containers/dropped/json" => http(
            "200 OK",
            &["Content-Type: application/json", "Content-Length: 500"],
            br#"{"Id":"abc"#,
        ),
        // a multiplexed log stream that drops inside its second frame
        "/v1.45/containers/dropped/logs" => {
            let mut body = frame(1, b"first\n");
            body.extend_from_slice(&frame(2, b"second line, cut")[..12]);
            http(
                "200 OK",
                &[
                    "Content-Type: application/vnd.docker.multiplexed-stream",
                    "Transfer-Encoding: chunked",
                ],
                &[format!("{:x}\r\n", body.len()).as_bytes(), &body, b"\r\n"].concat(),
            )
        }
        // a multiplexed stream whose bytes are not frames at all
        "/v1.45/containers/noise/logs" => http(
            "200 OK",
            &[
                "Content-Type: application/vnd.docker.multiplexed-stream",
                &format!("Content-Length: {}", HTML.len()),
            ],
            HTML,
        ),
        // stats samples: one good line, then garbage
        "/v1.45/containers/dropped/stats" => {
            let body = b"{\"read\":\"2024-01-01T00:00:00Z\"}\n<html>oops</html>\n";
            http(
                "200 OK",
                &[
                    "Content-Type: application/json",
                    &format!("Content-Length: {}", body.len()),
                ],
                body,
            )
        }
        // an archive stat header that is not base64 JSON
        "/v1.45/containers/dropped/archive" => http(
            "200 OK",
            &[
                "X-Docker-Container-Path-Stat: %%%not-base64%%%",
                "Content-Length: 0",
            ],
            b"",
        ),
        // negotiation: a nonsense version header, then an HTML /version
        "/_ping" => http(
            "200 OK",
            &["Api-Version: banana", "Content-Length: 2"],
            b"OK",
        ),
        "/version" => http(
            "200 OK",
            &[
                "Content-Type: text/html",
                &format!("Content-Length: {}", HTML.len()),
            ],
            HTML,
        ),
        _ => http("404 Not Found", &["Content-Length: 0"], b""),
    }
}

fn pinned(url: &str) -> Docker {
    Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

#[tokio::test]
async fn broken_json_answers_are_typed_errors() {
    let url = fake_daemon(answer).await;
    let containers = pinned(&url).containers();

    let err = containers
        .inspect("truncated", Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");

    let err = containers
        .inspect("html", Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502), "{err:?}");
    assert!(err.to_string().contains("502"), "{err}");

    let err = containers.list(Default::default()).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");

    let err = containers
        .inspect("dropped", Default::default())
        .await
        .unwrap_err();
    assert!(
        err.status().is_none(),
        "a cut body is no API error: {err:?}"
    );

    let err = containers
        .archive_info("dropped", "/etc")
        .await
        .unwrap_err();
    // The reason is the error's cause, as an error reporter prints it.
    let mut report = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(e) = cause {
        report = format!("{report}: {e}");
        cause = e.source();
    }
    assert!(
        report.contains("X-Docker-Container-Path-Stat")
            || report.to_lowercase().contains("path-stat"),
        "{report}"
    );
}

#[tokio::test]
async fn streams_cut_short_or_full_of_noise_end_in_an_error() {
    let url = fake_daemon(answer).await;
    let containers = pinned(&url).containers();

    let mut logs = containers
        .logs("dropped", LogsOptions::default())
        .await
        .unwrap();
    match logs.next().await {
        Some(Ok(LogOutput::StdOut { message })) => assert_eq!(&message[..], b"first\n"),
        other => panic!("{other:?}"),
    }
    let mut rest = Vec::new();
    while let Some(item) = logs.next().await {
        rest.push(item);
    }
    assert!(
        matches!(rest.last(), Some(Err(_))),
        "a stream cut inside a frame must end in an error: {rest:?}"
    );

    let mut logs = containers
        .logs("noise", LogsOptions::default())
        .await
        .unwrap();
    let mut items = Vec::new();
    while let Some(item) = logs.next().await {
        items.push(item);
    }
    assert!(items.iter().any(|i| i.is_err()), "{items:?}");

    let mut stats = containers.stats_stream("dropped").await.unwrap();
    assert!(matches!(stats.next().await, Some(Ok(_))));
    assert!(matches!(stats.next().await, Some(Err(_))));
}

#[tokio::test]
async fn negotiation_with_a_daemon_that_talks_nonsense_is_an_error() {
    let url = fake_daemon(answer).await;
    let docker = Docker::builder().host(url).build().unwrap();
    let err = docker.api_version().await.unwrap_err();
    assert!(err.status().is_none(), "{err:?}");
    assert_eq!(docker.current_api_version(), None);
    // nothing was remembered: a later call asks again, and fails the same way
    let err = docker
        .containers()
        .list(Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}
