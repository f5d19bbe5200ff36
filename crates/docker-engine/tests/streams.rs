//! Which connection a log stream reads on: `logs` opens one of its own (driven
//! by the stream, so a `#[tokio::main]` reader pays no cross-thread wake-up per
//! line) and closes it once the logs are read, while plain calls keep sharing
//! the pool. A fake keep-alive daemon counts connections and reports closes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use docker_engine::frames::LogOutput;
use docker_engine::{Docker, LogsOptions};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Generous: only catches a connection that is never closed.
const HANG: Duration = Duration::from_secs(20);

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![kind, 0, 0, 0];
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Reads one request head; `None` once the client has closed the connection.
async fn read_head(sock: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// Serves requests on one connection, keeping it open between them; sends
/// the path of each request, then `"closed"` when the client hangs up.
async fn serve(mut sock: TcpStream, seen: mpsc::UnboundedSender<String>) {
    while let Some(head) = read_head(&mut sock).await {
        let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
        let _ = seen.send(path.clone());
        let mut out = Vec::new();
        if path.contains("/logs") {
            // One chunk per line, as dockerd writes logs, and the connection kept.
            out.extend_from_slice(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/vnd.docker.multiplexed-stream\r\ntransfer-encoding: chunked\r\n\r\n",
            );
            for i in 0..50 {
                let f = frame(1, format!("line {i:02}\n").as_bytes());
                out.extend_from_slice(format!("{:x}\r\n", f.len()).as_bytes());
                out.extend_from_slice(&f);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        } else {
            out.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\napi-version: 1.45\r\ncontent-length: 2\r\n\r\nOK");
        }
        if sock.write_all(&out).await.is_err() {
            break;
        }
    }
    let _ = seen.send("closed".to_string());
}

async fn fake_daemon() -> (String, Arc<AtomicUsize>, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::unbounded_channel();
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(sock, tx.clone()));
        }
    });
    (url, accepted, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(HANG, rx.recv())
        .await
        .expect("the daemon saw nothing")
        .expect("daemon gone")
}

async fn logs_read_on_their_own_connection() {
    let (url, accepted, mut seen) = fake_daemon().await;
    let docker = Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .build()
        .unwrap();
    docker.ping().await.unwrap();
    assert_eq!(next(&mut seen).await, "/_ping");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);

    let mut logs = docker
        .containers()
        .logs("c1", LogsOptions::default())
        .await
        .unwrap();
    let mut lines = Vec::new();
    while let Some(out) = logs.next().await {
        match out.unwrap() {
            LogOutput::StdOut { message } => lines.push(message),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(lines.len(), 50);
    assert_eq!(&lines[49][..], b"line 49\n");
    assert!(next(&mut seen)
        .await
        .starts_with("/v1.45/containers/c1/logs?"));
    // A second connection, closed by the client once the logs were read,
    // although the daemon would have kept it.
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
    assert_eq!(next(&mut seen).await, "closed");

    // Plain calls still go through the pool. (Whether the pooled connection
    // is reused is hyper-util's affair: on a multi-thread runtime its idle
    // connection may not be back in the pool yet, so no count here.)
    docker.ping().await.unwrap();
    assert_eq!(next(&mut seen).await, "/_ping");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_read_on_their_own_connection_on_a_multi_thread_runtime() {
    logs_read_on_their_own_connection().await;
}

#[tokio::test(flavor = "current_thread")]
async fn logs_read_on_their_own_connection_on_a_current_thread_runtime() {
    logs_read_on_their_own_connection().await;
}
