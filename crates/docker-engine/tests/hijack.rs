//! Attach and exec over a fake daemon on a local TCP socket that speaks API 1.45:
//! the `101` answer's media type decides the framing (no inspect call), bytes sent
//! together with the answer head belong to the stream, and stdin half-closes.

use api_client_transport::bytes::Bytes;
use docker_engine::frames::LogOutput;
use docker_engine::{AttachOptions, Docker, StartExecOptions};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![kind, 0, 0, 0];
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Reads one request: its head and, when it has a `Content-Length`, its body.
async fn read_request(sock: &mut tokio::net::TcpStream) -> (String, Vec<u8>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        sock.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let mut body = Vec::new();
    if let Some(len) = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("content-length: ")
            .map(|v| v.trim().parse::<usize>().unwrap())
    }) {
        body = vec![0u8; len];
        sock.read_exact(&mut body).await.unwrap();
    }
    (head, body)
}

/// What the fake daemon saw: the hijacked request's head and body, and the heads
/// of the plain requests (exec inspect) answered before it.
struct Seen {
    head: String,
    body: Vec<u8>,
    before: Vec<String>,
}

/// Serves one hijacked request: checks its head, answers 101 with `media` plus
/// `greeting` in the same write, then echoes stdin (as `wrap` frames it) until
/// the client half-closes, and closes. Returns the request head it saw.
async fn fake_daemon(
    media: &'static str,
    greeting: Vec<u8>,
    wrap: fn(&[u8]) -> Vec<u8>,
) -> (String, tokio::task::JoinHandle<String>) {
    let (url, task) = fake_exec_daemon(media, greeting, wrap, false).await;
    (url, tokio::spawn(async move { task.await.unwrap().head }))
}

/// Like [`fake_daemon`], but first answers any `GET` (an exec inspect) with an exec
/// instance created with `Tty: exec_tty`, each on its own connection.
async fn fake_exec_daemon(
    media: &'static str,
    greeting: Vec<u8>,
    wrap: fn(&[u8]) -> Vec<u8>,
    exec_tty: bool,
) -> (String, tokio::task::JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut before = Vec::new();
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let (head, body) = read_request(&mut sock).await;
            if head.starts_with("GET ") {
                let json = format!(
                    r#"{{"ID":"e1","Running":false,"ProcessConfig":{{"tty":{exec_tty},"entrypoint":"sh","arguments":[]}}}}"#
                );
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                    json.len()
                );
                sock.write_all(answer.as_bytes()).await.unwrap();
                sock.shutdown().await.unwrap();
                before.push(head);
                continue;
            }
            let mut answer = format!("HTTP/1.1 101 UPGRADED\r\nContent-Type: {media}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n").into_bytes();
            answer.extend_from_slice(&greeting);
            sock.write_all(&answer).await.unwrap();
            let mut stdin = Vec::new();
            sock.read_to_end(&mut stdin).await.unwrap();
            sock.write_all(&wrap(&stdin)).await.unwrap();
            sock.shutdown().await.unwrap();
            return Seen { head, body, before };
        }
    });
    (url, task)
}

async fn drain(mut s: docker_engine::frames::LogStream) -> Vec<LogOutput> {
    let mut out = Vec::new();
    while let Some(f) = s.next().await {
        out.push(f.unwrap());
    }
    out
}

#[tokio::test]
async fn attach_at_1_45_trusts_the_media_type_and_half_closes() {
    let greeting = [frame(1, b"ready\n"), frame(2, b"warn\n")].concat();
    let (url, daemon) = fake_daemon("application/vnd.docker.multiplexed-stream", greeting, |s| {
        frame(1, s)
    })
    .await;
    let docker = Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .build()
        .unwrap();
    let attached = docker
        .containers()
        .attach(
            "c1",
            AttachOptions {
                stream: true,
                stdin: true,
                stdout: true,
                stderr: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (output, mut input) = attached.into_parts();
    input.write_all(b"ping").await.unwrap();
    input.shutdown().await.unwrap();
    let frames = drain(output).await;
    assert_eq!(
        frames,
        vec![
            LogOutput::StdOut {
                message: Bytes::from_static(b"ready\n")
            },
            LogOutput::StdErr {
                message: Bytes::from_static(b"warn\n")
            },
            LogOutput::StdOut {
                message: Bytes::from_static(b"ping")
            },
        ]
    );
    let head = daemon.await.unwrap();
    assert!(
        head.starts_with("POST /v1.45/containers/c1/attach?"),
        "{head}"
    );
    for part in ["stream=true", "stdin=true", "stdout=true", "stderr=true"] {
        assert!(head.contains(part), "{part} in {head}");
    }
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("upgrade: tcp") && lower.contains("connection: upgrade"),
        "{head}"
    );
}

#[tokio::test]
async fn exec_start_with_tty_is_raw() {
    let (url, daemon) = fake_exec_daemon(
        "application/vnd.docker.raw-stream",
        b"\x01\x02$ ".to_vec(),
        |s| s.to_vec(),
        true,
    )
    .await;
    let docker = Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .build()
        .unwrap();
    let mut attached = docker
        .exec()
        .start("e1", StartExecOptions::default())
        .await
        .unwrap();
    attached.input.write_all(b"ls\n").await.unwrap();
    attached.input.shutdown().await.unwrap();
    let bytes: Vec<u8> = drain(attached.output)
        .await
        .into_iter()
        .flat_map(|f| f.into_bytes().to_vec())
        .collect();
    assert_eq!(bytes, b"\x01\x02$ ls\n");
    let seen = daemon.await.unwrap();
    assert!(
        seen.head.starts_with("POST /v1.45/exec/e1/start "),
        "{}",
        seen.head
    );
    assert!(seen.before[0].starts_with("GET /v1.45/exec/e1/json "));
    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(body, serde_json::json!({"Detach": false, "Tty": true}));
}

#[tokio::test]
async fn exec_framing_comes_from_the_tty_given_at_create_not_from_start_options() {
    // Podman (API 1.41) frames by the `Tty` the exec was created with. An exec made
    // with a TTY and started with default options used to be read as frames: its
    // console output `mmm...` failed as "unknown stream type 109".
    let (url, daemon) = fake_exec_daemon(
        "application/vnd.docker.raw-stream",
        b"mmm$ ".to_vec(),
        |s| s.to_vec(),
        true,
    )
    .await;
    let docker = Docker::builder()
        .host(url)
        .api_version("1.41".parse().unwrap())
        .build()
        .unwrap();
    let mut attached = docker
        .exec()
        .start("e1", StartExecOptions::default())
        .await
        .unwrap();
    attached.input.shutdown().await.unwrap();
    let bytes: Vec<u8> = drain(attached.output)
        .await
        .into_iter()
        .flat_map(|f| f.into_bytes().to_vec())
        .collect();
    assert_eq!(bytes, b"mmm$ ");
    let seen = daemon.await.unwrap();
    assert_eq!(seen.before.len(), 1, "{:?}", seen.before);
    assert!(seen.before[0].starts_with("GET /v1.41/exec/e1/json "));
    // dockerd frames by the start call's Tty: it is sent as the exec was created.
    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(body["Tty"], serde_json::json!(true));
}

#[tokio::test]
async fn exec_start_before_1_42_ignores_the_misleading_media_type() {
    // 1.41 daemons label every hijacked stream raw; the exec's own Tty=false decides.
    let (url, daemon) = fake_exec_daemon(
        "application/vnd.docker.raw-stream",
        frame(2, b"e"),
        |s| frame(1, s),
        false,
    )
    .await;
    let docker = Docker::builder()
        .host(url)
        .api_version("1.41".parse().unwrap())
        .build()
        .unwrap();
    let mut attached = docker
        .exec()
        .start("e1", StartExecOptions::default())
        .await
        .unwrap();
    attached.input.shutdown().await.unwrap();
    let frames = drain(attached.output).await;
    assert_eq!(
        frames,
        vec![LogOutput::StdErr {
            message: Bytes::from_static(b"e")
        }]
    );
    let seen = daemon.await.unwrap();
    assert!(seen.head.starts_with("POST /v1.41/exec/e1/start "));
    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(body["Tty"], serde_json::json!(false));
}
