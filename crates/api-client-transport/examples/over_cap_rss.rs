//! Measures what a hostile answer costs in memory: a local server sends an
//! endless JSON body (up to 1 GiB), the client reads it as a buffered answer
//! under the default `max_body_bytes` (32 MiB), and the program prints the
//! error and the process's peak resident memory (`VmHWM`, Linux only).
//!
//! ```sh
//! cargo run --release -p api-client-transport --example over_cap_rss
//! ```

use std::time::Instant;

use api_client_transport::{Client, ClientConfig, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const OFFERED: usize = 1024 * 1024 * 1024;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let mut head = [0u8; 4096];
        let _ = sock.read(&mut head).await;
        let chunk = vec![b' '; 64 * 1024];
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        let _ = sock
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1\r\n[\r\n")
            .await;
        let mut sent = 0;
        // Stops when the client hangs up, or after 1 GiB.
        while sent < OFFERED && sock.write_all(&framed).await.is_ok() {
            sent += chunk.len();
        }
    });

    let config = ClientConfig::new(url);
    let cap = config.max_body_bytes;
    let client = Client::from_config(config)?;
    let started = Instant::now();
    let outcome = client
        .send(Request::get(["huge"]))
        .await?
        .json::<serde_json::Value>()
        .await;
    let elapsed = started.elapsed();
    match outcome {
        Ok(_) => println!("unexpected: a 1 GiB answer was accepted"),
        Err(e) => println!("error after {elapsed:?}: {e}"),
    }
    println!("max_body_bytes: {} MiB", cap / (1024 * 1024));
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS: not available on this platform"),
    }
    Ok(())
}

/// `VmHWM` of this process in KiB, from `/proc/self/status`.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
