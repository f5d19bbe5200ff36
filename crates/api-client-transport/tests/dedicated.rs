//! Requests on a dedicated connection (`Request::dedicated_connection`): the
//! connection is polled by the reader of the answer instead of a pooled task.
//! Each test scripts the server byte by byte on a real socket, and checks what
//! the server saw as well as what the reader got.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use api_client_transport::{ByteStream, Client, ClientConfig, Error, Request, RetryPolicy};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Generous: only catches a client that ignores a bound or never closes,
/// never a slow machine.
const HANG: Duration = Duration::from_secs(20);

/// What one accepted connection reports back to the test.
#[derive(Debug, PartialEq)]
enum Event {
    /// The request head, as received.
    Head(String),
    /// The client closed its side (the server's read returned 0).
    ClientClosed,
    /// The client closed a connection whose last request head was this
    /// (empty if it sent none): tells which connection closed.
    ClosedAfter(String),
}

type Script = fn(TcpStream, mpsc::UnboundedSender<Event>) -> ScriptFuture;
type ScriptFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Runs `script` on every accepted connection; returns the base URL, the
/// number of connections accepted and the events of all of them.
async fn server(script: Script) -> (String, Arc<AtomicUsize>, mpsc::UnboundedReceiver<Event>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::unbounded_channel();
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(script(sock, tx.clone()));
        }
    });
    (url, accepted, rx)
}

/// Reads one request head (no request bodies in these tests).
async fn read_head(sock: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Waits until the client closes the connection, and says so.
async fn await_close(mut sock: TcpStream, events: mpsc::UnboundedSender<Event>) {
    let mut sink = [0u8; 256];
    loop {
        match sock.read(&mut sink).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let _ = events.send(Event::ClientClosed);
}

fn client(url: &str) -> Client {
    let mut config = ClientConfig::new(url);
    config.retry = RetryPolicy::none();
    Client::from_config(config).unwrap()
}

async fn next_event(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(HANG, rx.recv())
        .await
        .expect("the server saw nothing")
        .expect("server gone")
}

async fn collect(mut stream: ByteStream) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}

/// The chunked body of `split_points`, cut into writes at awkward places:
/// inside a size line, between size and CRLF, inside data, inside the last chunk.
const SPLIT_WRITES: &[&[u8]] = &[
    b"HTTP/1.1 200 OK\r\ntransfer-enc",
    b"oding: chunked\r\ncontent-type: text/plain\r\n\r\n",
    b"5",
    b"\r\nhel",
    b"lo\r\n",
    b"1",
    b"0\r\n0123456789",
    b"abcdef\r\n1\r\n!\r",
    b"\n0\r",
    b"\n\r\n",
];

fn split_points(mut sock: TcpStream, events: mpsc::UnboundedSender<Event>) -> ScriptFuture {
    Box::pin(async move {
        let head = read_head(&mut sock).await;
        let _ = events.send(Event::Head(head));
        for piece in SPLIT_WRITES {
            sock.write_all(piece).await.unwrap();
            sock.flush().await.unwrap();
            // Let each piece reach the client as a read of its own.
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        await_close(sock, events).await;
    })
}

async fn reads_across_split_points() {
    let (url, accepted, mut rx) = server(split_points).await;
    let client = client(&url);
    let request = Request::get(["v1", "logs"])
        .query_pair("follow", "1")
        .dedicated_connection(true);
    let body = collect(client.send(request).await.unwrap().into_stream())
        .await
        .unwrap();
    assert_eq!(body, b"hello0123456789abcdef!");
    let Event::Head(head) = next_event(&mut rx).await else {
        panic!("no head")
    };
    // Origin form and a Host header, as the pooled client sends them.
    assert!(
        head.starts_with("GET /v1/logs?follow=1 HTTP/1.1\r\n"),
        "{head}"
    );
    let host = url.trim_start_matches("http://");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("host: {host}\r\n")),
        "{head}"
    );
    // The whole answer was read: the client closes its connection by itself.
    assert_eq!(next_event(&mut rx).await, Event::ClientClosed);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_points_on_a_multi_thread_runtime() {
    reads_across_split_points().await;
}

#[tokio::test(flavor = "current_thread")]
async fn split_points_on_a_current_thread_runtime() {
    reads_across_split_points().await;
}

fn close_delimited(mut sock: TcpStream, events: mpsc::UnboundedSender<Event>) -> ScriptFuture {
    Box::pin(async move {
        let head = read_head(&mut sock).await;
        let _ = events.send(Event::Head(head));
        // No length, no chunking: the body ends where the server half-closes.
        sock.write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nfirst ")
            .await
            .unwrap();
        sock.write_all(b"second").await.unwrap();
        sock.shutdown().await.unwrap();
        await_close(sock, events).await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_half_close_ends_a_close_delimited_body_cleanly() {
    let (url, _, mut rx) = server(close_delimited).await;
    let request = Request::get(["events"]).dedicated_connection(true);
    let stream = client(&url).send(request).await.unwrap().into_stream();
    assert_eq!(collect(stream).await.unwrap(), b"first second");
    assert!(matches!(next_event(&mut rx).await, Event::Head(_)));
    assert_eq!(next_event(&mut rx).await, Event::ClientClosed);
}

fn cut_mid_chunk(mut sock: TcpStream, events: mpsc::UnboundedSender<Event>) -> ScriptFuture {
    Box::pin(async move {
        read_head(&mut sock).await;
        sock.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10\r\nonly-half")
            .await
            .unwrap();
        sock.shutdown().await.unwrap();
        await_close(sock, events).await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_close_inside_a_chunk_is_a_stream_error_not_an_end() {
    let (url, _, mut rx) = server(cut_mid_chunk).await;
    let request = Request::get(["logs"]).dedicated_connection(true);
    let mut stream = client(&url).send(request).await.unwrap().into_stream();
    let mut got = Vec::new();
    let err = loop {
        match stream.next().await {
            Some(Ok(chunk)) => got.extend_from_slice(&chunk),
            Some(Err(e)) => break e,
            None => panic!("a truncated body ended as if complete: {got:?}"),
        }
    };
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    assert!(b"only-half".starts_with(&got), "{got:?}");
    assert!(stream.next().await.is_none(), "nothing after the error");
    assert_eq!(next_event(&mut rx).await, Event::ClientClosed);
}

fn endless_lines(mut sock: TcpStream, events: mpsc::UnboundedSender<Event>) -> ScriptFuture {
    Box::pin(async move {
        read_head(&mut sock).await;
        if sock
            .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
        // One small chunk per line, as dockerd sends log lines, until the
        // client goes away.
        while sock.write_all(b"6\r\nline!\n\r\n").await.is_ok() {}
        let _ = events.send(Event::ClientClosed);
    })
}

async fn dropping_mid_stream_closes_the_connection() {
    let (url, accepted, mut rx) = server(endless_lines).await;
    let client = client(&url);
    for round in 1..=2 {
        let request = Request::get(["logs"]).dedicated_connection(true);
        let mut stream = client.send(request).await.unwrap().into_stream();
        let mut lines = 0;
        while lines < 1000 {
            let chunk = stream.next().await.unwrap().unwrap();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        drop(stream);
        // The server's writes fail: the connection is gone, not parked.
        assert_eq!(next_event(&mut rx).await, Event::ClientClosed);
        // Never reused: each request had a connection of its own.
        assert_eq!(accepted.load(Ordering::SeqCst), round);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_mid_stream_closes_the_connection_multi_thread() {
    dropping_mid_stream_closes_the_connection().await;
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_mid_stream_closes_the_connection_current_thread() {
    dropping_mid_stream_closes_the_connection().await;
}

fn keep_alive_json(mut sock: TcpStream, events: mpsc::UnboundedSender<Event>) -> ScriptFuture {
    Box::pin(async move {
        let mut last = String::new();
        loop {
            let head = read_head(&mut sock).await;
            if head.is_empty() {
                let _ = events.send(Event::ClosedAfter(last));
                return;
            }
            last.clone_from(&head);
            let _ = events.send(Event::Head(head));
            let body = br#"{"ok":true}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            sock.write_all(reply.as_bytes()).await.unwrap();
            sock.write_all(body).await.unwrap();
        }
    })
}

async fn ping(client: &Client, request: Request) {
    let v: serde_json::Value = client.send(request).await.unwrap().json().await.unwrap();
    assert_eq!(v["ok"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_answer_closes_its_connection_while_pooled_ones_are_reused() {
    let (url, accepted, mut rx) = server(keep_alive_json).await;
    let client = client(&url);
    // Pooled calls share connections. Not always one: hyper-util hands a
    // connection back to its pool from a task of its own, and a call that
    // comes before that task has run opens another (and, if the pool's
    // answer and the new connection are ready at once, drops the pooled
    // one). The pauses let that task run, so that most calls reuse.
    const POOLED: usize = 5;
    for n in 1..=POOLED {
        ping(&client, Request::get([format!("pooled-{n}")])).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pooled = accepted.load(Ordering::SeqCst);
    assert!(
        pooled < POOLED,
        "{pooled} connections for {POOLED} pooled calls: none reused"
    );
    // Dedicated: a keep-alive server, yet the client closes once the answer
    // is read. Events name each connection by its last request.
    ping(
        &client,
        Request::get(["dedicated"]).dedicated_connection(true),
    )
    .await;
    let mut paths = Vec::new();
    loop {
        match next_event(&mut rx).await {
            Event::Head(head) => paths.push(head.split(' ').nth(1).unwrap_or("").to_owned()),
            Event::ClosedAfter(last) if last.starts_with("GET /dedicated ") => break,
            // A pooled connection hyper-util let go of (see above).
            Event::ClosedAfter(_) => {}
            other => panic!("{other:?}"),
        }
    }
    let mut expected: Vec<_> = (1..=POOLED).map(|n| format!("/pooled-{n}")).collect();
    expected.push("/dedicated".to_owned());
    assert_eq!(paths, expected);
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        pooled + 1,
        "the dedicated call had a connection of its own"
    );
}

fn never_answers(mut sock: TcpStream, events: mpsc::UnboundedSender<Event>) -> ScriptFuture {
    Box::pin(async move {
        read_head(&mut sock).await;
        await_close(sock, events).await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_head_timeout_still_applies_and_the_connection_is_closed() {
    let (url, _, mut rx) = server(never_answers).await;
    let request = Request::get(["logs"])
        .dedicated_connection(true)
        .head_timeout(Some(Duration::from_millis(200)));
    let err = client(&url).send(request).await.unwrap_err();
    match err {
        Error::Timeout { after, .. } => assert_eq!(after, Duration::from_millis(200)),
        other => panic!("{other:?}"),
    }
    assert_eq!(next_event(&mut rx).await, Event::ClientClosed);
}

fn one_line_then_silence(
    mut sock: TcpStream,
    events: mpsc::UnboundedSender<Event>,
) -> ScriptFuture {
    Box::pin(async move {
        read_head(&mut sock).await;
        sock.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n")
            .await
            .unwrap();
        await_close(sock, events).await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_timeout_still_applies_between_chunks() {
    let (url, _, mut rx) = server(one_line_then_silence).await;
    let request = Request::get(["logs"])
        .dedicated_connection(true)
        .idle_timeout(Some(Duration::from_millis(200)));
    let mut stream = client(&url).send(request).await.unwrap().into_stream();
    assert_eq!(&stream.next().await.unwrap().unwrap()[..], b"hello");
    match stream.next().await {
        Some(Err(Error::Timeout { after, .. })) => {
            assert_eq!(after, Duration::from_millis(200))
        }
        other => panic!("{other:?}"),
    }
    drop(stream);
    assert_eq!(next_event(&mut rx).await, Event::ClientClosed);
}

fn not_found(mut sock: TcpStream, events: mpsc::UnboundedSender<Event>) -> ScriptFuture {
    Box::pin(async move {
        read_head(&mut sock).await;
        let body = br#"{"message":"no such container: c1"}"#;
        let reply = format!(
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        sock.write_all(reply.as_bytes()).await.unwrap();
        sock.write_all(body).await.unwrap();
        await_close(sock, events).await;
    })
}

#[tokio::test(flavor = "current_thread")]
async fn an_error_answer_is_read_and_its_connection_closed() {
    let (url, _, mut rx) = server(not_found).await;
    let request = Request::get(["containers", "c1", "logs"]).dedicated_connection(true);
    let err = client(&url).send(request).await.unwrap_err();
    match &err {
        Error::Api(api) => {
            assert_eq!(api.status().as_u16(), 404);
            assert!(
                String::from_utf8_lossy(api.body()).contains("no such container"),
                "{err:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(next_event(&mut rx).await, Event::ClientClosed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let request = Request::get(["logs"]).dedicated_connection(true);
    let err = client(&format!("http://127.0.0.1:{port}"))
        .send(request)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
}

fn upgrade_echo(mut sock: TcpStream, events: mpsc::UnboundedSender<Event>) -> ScriptFuture {
    Box::pin(async move {
        let head = read_head(&mut sock).await;
        let _ = events.send(Event::Head(head));
        sock.write_all(
            b"HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: tcp\r\n\r\n",
        )
        .await
        .unwrap();
        let mut buf = [0u8; 64];
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
        let _ = events.send(Event::ClientClosed);
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_marked_dedicated_still_upgrades() {
    let (url, _, mut rx) = server(upgrade_echo).await;
    let request = Request::post(["attach"])
        .header(
            http::header::CONNECTION,
            http::HeaderValue::from_static("Upgrade"),
        )
        .header(http::header::UPGRADE, http::HeaderValue::from_static("tcp"))
        .dedicated_connection(true);
    let (head, mut io) = client(&url).upgrade(request).await.unwrap();
    assert_eq!(head.status.as_u16(), 101);
    io.write_all(b"ping").await.unwrap();
    let mut back = [0u8; 4];
    tokio::time::timeout(HANG, io.read_exact(&mut back))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&back, b"ping");
    io.shutdown().await.unwrap();
    assert!(matches!(next_event(&mut rx).await, Event::Head(_)));
    assert_eq!(next_event(&mut rx).await, Event::ClientClosed);
}

#[test]
fn streams_and_responses_stay_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ByteStream>();
    check::<api_client_transport::Response>();
}
