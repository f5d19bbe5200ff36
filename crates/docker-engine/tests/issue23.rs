//! Issue 23's findings, each shown against a local fake daemon or files laid
//! out to break the client: the frame cap, unreadable TLS files, credentials
//! in addresses, credential helpers and configuration files that never end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use docker_engine::{ApiVersion, Docker, Error, LogsOptions, RetryPolicy};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Fails the test instead of hanging it.
async fn guarded<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the call hung")
}

/// A daemon that answers every request with a multiplexed `200` whose first
/// frame header claims 4 GiB, then writes payload until `budget` bytes are
/// out or the client hangs up. Returns its address and the payload count.
async fn huge_frame_daemon(budget: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let written = Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match sock.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let answer = "HTTP/1.1 200 OK\r\n\
                    Content-Type: application/vnd.docker.multiplexed-stream\r\n\
                    Connection: close\r\n\r\n";
                if sock.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
                if sock.write_all(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 << 10];
                while count.load(Ordering::SeqCst) < budget {
                    if sock.write_all(&chunk).await.is_err() {
                        return;
                    }
                    count.fetch_add(chunk.len(), Ordering::SeqCst);
                }
            });
        }
    });
    (format!("tcp://{addr}"), written)
}

/// Item 3: a header claiming 4 GiB is the `max_frame_bytes` limit error at
/// once; the client reads no more than the kernel's buffers hold, instead of
/// keeping every byte of the payload as it arrives.
#[tokio::test]
async fn a_frame_over_max_frame_bytes_is_refused_at_its_header() {
    const BUDGET: usize = 256 << 20;
    let (host, written) = huge_frame_daemon(BUDGET).await;
    let docker = Docker::builder()
        .host(host)
        .api_version(ApiVersion::new(1, 45))
        .retry(RetryPolicy::none())
        .max_frame_bytes(1 << 20)
        .build()
        .unwrap();
    let mut logs = guarded(docker.containers().logs("c1", LogsOptions::default()))
        .await
        .unwrap();
    let first = guarded(logs.next()).await.expect("an item");
    match first {
        Err(Error::Limit { limit, max, path, .. }) => {
            assert_eq!(limit, "max_frame_bytes");
            assert_eq!(max, 1 << 20);
            assert!(path.ends_with("/containers/c1/logs"), "{path}");
        }
        other => panic!("expected the frame limit error, got {other:?}"),
    }
    assert!(guarded(logs.next()).await.is_none(), "the stream ends there");
    // The connection is let go: the daemon's writes stop at what the
    // kernel's socket buffers hold, far below the budget.
    let mut last = written.load(Ordering::SeqCst);
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = written.load(Ordering::SeqCst);
        if now == last {
            break;
        }
        last = now;
    }
    assert!(last < 48 << 20, "the daemon got {last} bytes out");
    drop(logs);
}

/// The decoder on its own: the error comes from the header, before any payload.
#[test]
fn the_decoder_refuses_an_oversized_header_before_its_payload() {
    use api_client_transport::bytes::Bytes;
    use docker_engine::frames::{FrameDecoder, FrameError};
    let mut decoder = FrameDecoder::new();
    decoder.push(Bytes::from_static(&[2, 0, 0, 0, 0x00, 0x80, 0x00, 0x01]));
    let err = decoder.next_frame().unwrap_err();
    assert_eq!(
        err,
        FrameError::TooLarge {
            len: (8 << 20) + 1,
            max: 8 << 20
        }
    );
    // Still refused, and nothing pushed later is kept.
    decoder.push(Bytes::from(vec![0u8; 4096]));
    assert_eq!(decoder.next_frame().unwrap_err(), err);
    // Exactly the limit is fine.
    let mut decoder = FrameDecoder::new().with_max_frame_bytes(4);
    decoder.push(Bytes::from_static(&[1, 0, 0, 0, 0, 0, 0, 4, b'a', b'b', b'c', b'd']));
    assert_eq!(decoder.next_frame().unwrap().unwrap().message().as_ref(), b"abcd");
}
