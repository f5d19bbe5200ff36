//! What the API crates' own tests share, so each crate can show that it
//! inherits the transport's deadlines and caps without carrying its own copy
//! of the server. Used only as a path dev-dependency: never published
//! (`cargo package` drops a dev-dependency that has no version).

mod round_trip;

pub use round_trip::{every_schema_example, round_trip, schema_examples};

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The heads a [`hostile_server`] has read, in order.
pub type Heads = Arc<Mutex<Vec<String>>>;

/// A server on 127.0.0.1 that answers every request with `answer`, then
/// keeps the connection open and silent. Returns its `http://` base URL and
/// the request heads it has read.
pub async fn hostile_server(answer: Vec<u8>) -> (String, Heads) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("the listener's address");
    let heads = Heads::default();
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let answer = answer.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match sock.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(String::from_utf8_lossy(&head).into_owned());
                if sock.write_all(&answer).await.is_err() {
                    return;
                }
                // Hold the connection open and say nothing more.
                tokio::time::sleep(Duration::from_secs(3600)).await;
            });
        }
    });
    (format!("http://{addr}"), heads)
}

/// A `200` head announcing `len` bytes of JSON, followed by `sent` of them.
pub fn head_then(len: usize, sent: usize) -> Vec<u8> {
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
    )
    .into_bytes();
    answer.resize(answer.len() + sent, b' ');
    answer
}

/// Fails the test instead of hanging it when a call ignores its deadline.
pub async fn guarded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .expect("the call hung past its deadline")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn the_server_answers_then_holds_the_connection() {
        let answer = head_then(10, 3);
        assert!(answer.ends_with(b"\r\n\r\n   "));
        let (url, heads) = hostile_server(answer.clone()).await;
        let addr = url.trim_start_matches("http://");
        let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
        sock.write_all(b"GET /x HTTP/1.1\r\nhost: h\r\n\r\n")
            .await
            .unwrap();
        let mut got = vec![0u8; answer.len()];
        guarded(sock.read_exact(&mut got)).await.unwrap();
        assert_eq!(got, answer);
        let silent =
            tokio::time::timeout(Duration::from_millis(50), sock.read(&mut [0u8; 1])).await;
        assert!(silent.is_err(), "the server said more: {silent:?}");
        assert_eq!(
            heads.lock().unwrap().as_slice(),
            ["GET /x HTTP/1.1\r\nhost: h\r\n\r\n"]
        );
    }
}
