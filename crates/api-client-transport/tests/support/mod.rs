//! A scripted HTTP/1.1 server on a real socket, for the cases mockito cannot
//! stage: hangs, bodies cut short, upgrades, unix sockets.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// What the server does with one request.
#[derive(Clone)]
pub enum Step {
    /// Writes these bytes and closes the connection.
    Reply(Vec<u8>),
    /// Reads the request and never answers.
    Hang,
    /// Answers 101, then echoes every byte back until the client closes.
    UpgradeEcho,
    /// Writes the bytes, then stalls without closing.
    ReplyThenStall(Vec<u8>),
    /// Waits this many milliseconds, then writes the bytes and closes.
    DelayedReply(u64, Vec<u8>),
    /// Writes the head, then 64 KiB chunks of `x` until the client hangs up;
    /// counts the bytes it managed to write in `Seen::written`.
    Endless(Vec<u8>),
    /// Answers with this status line (e.g. `401 Unauthorized`) and the
    /// whole request it read (head and body) as a `text/plain` body, as a
    /// careless server or proxy that quotes what it refuses would.
    Echo(&'static str),
}

/// A full response with `Connection: close`.
pub fn reply(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Step {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Step::Reply(bytes)
}

/// Counts requests and keeps their heads.
#[derive(Clone, Default)]
pub struct Seen {
    pub count: Arc<AtomicUsize>,
    pub heads: Arc<Mutex<Vec<String>>>,
    pub written: Arc<AtomicUsize>,
    pub hung_up: Arc<AtomicUsize>,
}

impl Seen {
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

/// Serves `steps` in order (the last one repeats) on a TCP port; returns the base URL.
pub async fn tcp_server(steps: Vec<Step>) -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Seen::default();
    let s = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let n = s.count.fetch_add(1, Ordering::SeqCst);
            let step = steps[n.min(steps.len() - 1)].clone();
            tokio::spawn(serve(sock, step, s.clone()));
        }
    });
    (url, seen)
}

/// Serves `steps` on a unix socket at `path`.
pub async fn unix_server(path: &std::path::Path, steps: Vec<Step>) -> Seen {
    let _ = std::fs::remove_file(path);
    let listener = tokio::net::UnixListener::bind(path).unwrap();
    let seen = Seen::default();
    let s = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let n = s.count.fetch_add(1, Ordering::SeqCst);
            let step = steps[n.min(steps.len() - 1)].clone();
            tokio::spawn(serve(sock, step, s.clone()));
        }
    });
    seen
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut sock: S, step: Step, seen: Seen) {
    let head = read_request(&mut sock).await;
    seen.heads.lock().unwrap().push(head.clone());
    match step {
        Step::Reply(bytes) => {
            let _ = sock.write_all(&bytes).await;
            let _ = sock.shutdown().await;
        }
        Step::Echo(status) => {
            let answer = format!(
                "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{head}",
                head.len()
            );
            let _ = sock.write_all(answer.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
        Step::Hang => {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
        Step::ReplyThenStall(bytes) => {
            let _ = sock.write_all(&bytes).await;
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
        Step::DelayedReply(ms, bytes) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            let _ = sock.write_all(&bytes).await;
            let _ = sock.shutdown().await;
        }
        Step::Endless(head) => {
            let _ = sock.write_all(&head).await;
            let chunk = vec![b'x'; 64 * 1024];
            let framed = [
                format!("{:x}\r\n", chunk.len()).into_bytes(),
                chunk,
                b"\r\n".to_vec(),
            ]
            .concat();
            while sock.write_all(&framed).await.is_ok() {
                seen.written.fetch_add(framed.len(), Ordering::SeqCst);
            }
            seen.hung_up.fetch_add(1, Ordering::SeqCst);
        }
        Step::UpgradeEcho => {
            let _ = sock
                .write_all(b"HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: tcp\r\n\r\n")
                .await;
            let mut buf = [0u8; 1024];
            loop {
                match sock.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if sock.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = sock.shutdown().await;
        }
    }
}

/// Reads a request head and a `content-length` body; returns the head (and body) as text.
async fn read_request<S: AsyncRead + Unpin>(sock: &mut S) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&data).into_owned(),
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while data.len() < head_end + len {
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}
