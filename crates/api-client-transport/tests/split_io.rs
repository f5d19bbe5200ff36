//! An upgraded connection driven from two tasks, as `tokio::io::split`
//! invites: one task writes 8 MiB while another reads the 8 MiB a stub
//! echoes back. A socket wrapper that stepped off tokio's reactor once lost
//! the writer's wake-up here and hung; every test is bounded by a generous
//! deadline that only a hang reaches.

#![cfg(all(unix, feature = "unix"))]

use std::time::Duration;

use api_client_transport::http::header::{HeaderValue, CONNECTION, UPGRADE};
use api_client_transport::{Client, Request, Upgraded};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

const TOTAL: usize = 8 * 1024 * 1024;
const DEADLINE: Duration = Duration::from_secs(60);

/// The byte at offset `i` of what is sent, so a reordered or lost chunk shows.
fn byte_at(i: usize) -> u8 {
    (i % 251) as u8
}

/// Reads one request head, answers 101, then echoes every byte back until
/// the client closes its writing half.
async fn echo_after_upgrade<S: AsyncRead + AsyncWrite + Unpin>(mut sock: S) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match sock.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    if sock
        .write_all(b"HTTP/1.1 101 UPGRADED\r\nconnection: Upgrade\r\nupgrade: tcp\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    let (mut reader, mut writer) = tokio::io::split(sock);
    let _ = tokio::io::copy(&mut reader, &mut writer).await;
    let _ = writer.shutdown().await;
}

async fn upgrade(client: &Client) -> Upgraded {
    let request = Request::post(["containers", "c1", "attach"])
        .header(CONNECTION, HeaderValue::from_static("Upgrade"))
        .header(UPGRADE, HeaderValue::from_static("tcp"));
    let (head, io) = client.upgrade(request).await.expect("upgrade");
    assert_eq!(head.status.as_u16(), 101);
    io
}

/// Writes `TOTAL` bytes from one task and reads them back from another.
async fn split_round_trip(io: Upgraded) {
    let (mut reader, mut writer) = tokio::io::split(io);
    let writing = tokio::spawn(async move {
        let chunk_len = 64 * 1024;
        let mut sent = 0;
        while sent < TOTAL {
            let chunk: Vec<u8> = (sent..sent + chunk_len).map(byte_at).collect();
            writer.write_all(&chunk).await.expect("write");
            sent += chunk_len;
        }
        writer.shutdown().await.expect("shutdown");
        sent
    });
    let reading = tokio::spawn(async move {
        let mut buf = vec![0u8; 32 * 1024];
        let mut got = 0;
        loop {
            let n = reader.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            for (k, b) in buf[..n].iter().enumerate() {
                assert_eq!(*b, byte_at(got + k), "byte {}", got + k);
            }
            got += n;
        }
        got
    });
    let (sent, got) = tokio::time::timeout(DEADLINE, async {
        (writing.await.unwrap(), reading.await.unwrap())
    })
    .await
    .expect("the split reader and writer hung");
    assert_eq!(sent, TOTAL);
    assert_eq!(got, TOTAL);
}

async fn over_a_unix_socket() {
    let dir = std::env::temp_dir().join(format!(
        "act-split-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("d.sock");
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(echo_after_upgrade(sock));
        }
    });
    let client = Client::builder(format!("unix://{}", path.display()))
        .build()
        .unwrap();
    let io = upgrade(&client).await;
    split_round_trip(io).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn over_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(echo_after_upgrade(sock));
        }
    });
    let client = Client::builder(url).build().unwrap();
    let io = upgrade(&client).await;
    split_round_trip(io).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn split_upgrade_over_unix_multi_thread() {
    over_a_unix_socket().await;
}

#[tokio::test(flavor = "current_thread")]
async fn split_upgrade_over_unix_current_thread() {
    over_a_unix_socket().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn split_upgrade_over_tcp_multi_thread() {
    over_tcp().await;
}

#[tokio::test(flavor = "current_thread")]
async fn split_upgrade_over_tcp_current_thread() {
    over_tcp().await;
}
