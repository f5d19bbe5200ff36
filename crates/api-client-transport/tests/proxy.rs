//! Opt-in HTTP proxies against a local proxy that records what it is asked:
//! `CONNECT` tunnels for https, absolute-form requests for http, and
//! nothing at all when the client was not told to use it.

#![cfg(all(feature = "https", feature = "proxy"))]

mod pki;

use std::sync::{Arc, Mutex};

use api_client_transport::{Client, Error, Proxy, Request, RetryPolicy, TlsConfig};
use pki::{Ca, TlsServer, GREETING};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy saw of one request: its request line and any
/// `Proxy-Authorization` value.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    line: String,
    authorization: Option<String>,
}

struct LocalProxy {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl LocalProxy {
    /// Tunnels `CONNECT host:port` to that address, answers any other request
    /// itself with `via proxy`; with `require_auth`, answers 407 to a request
    /// without `Proxy-Authorization`.
    async fn start(require_auth: bool) -> LocalProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let Some(head) = read_head(&mut client).await else {
                        return;
                    };
                    let line = head.lines().next().unwrap_or_default().to_string();
                    let authorization = head.lines().find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("proxy-authorization")
                            .then(|| value.trim().to_string())
                    });
                    log.lock().unwrap().push(Seen {
                        line: line.clone(),
                        authorization: authorization.clone(),
                    });
                    if require_auth && authorization.is_none() {
                        let _ = client
                            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")
                            .await;
                        return;
                    }
                    if let Some(target) = line
                        .strip_prefix("CONNECT ")
                        .and_then(|rest| rest.split(' ').next())
                    {
                        let Ok(mut upstream) = TcpStream::connect(target).await else {
                            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                            return;
                        };
                        let _ = client
                            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                            .await;
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    } else {
                        let _ = client
                            .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 9\r\n\r\nvia proxy")
                            .await;
                    }
                });
            }
        });
        LocalProxy { port, seen }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Reads up to the blank line that ends a request head (at most 16 KiB).
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 || stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

/// The error and every cause, as a report would print them.
fn report(err: &Error) -> String {
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn tls_for(ca: &Ca) -> TlsConfig {
    TlsConfig::new().add_root_pem(ca.pem.as_bytes()).unwrap()
}

#[tokio::test]
async fn an_https_request_goes_through_a_connect_tunnel_when_opted_in() {
    let ca = Ca::new("proxy test CA");
    let server = TlsServer::start(&ca.server(&["localhost"]), None).await;
    let proxy = LocalProxy::start(false).await;
    let client = Client::builder(format!("https://localhost:{}", server.port))
        .tls(tls_for(&ca))
        .proxy(Proxy::url(proxy.url()).unwrap())
        .build()
        .unwrap();
    let body = client
        .send(Request::get(["hello"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body, GREETING);
    assert_eq!(
        proxy.seen(),
        vec![Seen {
            line: format!("CONNECT localhost:{} HTTP/1.1", server.port),
            authorization: None,
        }]
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn an_http_request_is_sent_to_the_proxy_in_absolute_form_with_credentials() {
    let proxy = LocalProxy::start(true).await;
    let with_credentials = format!("http://user:hunter2@127.0.0.1:{}", proxy.port);
    // The target host does not resolve: only the proxy is ever dialled.
    let client = Client::builder("http://api.invalid:8080/v1")
        .proxy(Proxy::url(with_credentials).unwrap())
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("hunter2"));
    let body = client
        .send(Request::get(["things", "42"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body, "via proxy");
    assert_eq!(
        proxy.seen(),
        vec![Seen {
            line: "GET http://api.invalid:8080/v1/things/42 HTTP/1.1".to_string(),
            // base64("user:hunter2")
            authorization: Some("Basic dXNlcjpodW50ZXIy".to_string()),
        }]
    );
}

#[tokio::test]
async fn a_tunnel_carries_the_proxy_credentials() {
    let ca = Ca::new("proxy auth CA");
    let server = TlsServer::start(&ca.server(&["localhost"]), None).await;
    let proxy = LocalProxy::start(true).await;
    let url = format!("http://user:hunter2@127.0.0.1:{}", proxy.port);
    let client = Client::builder(format!("https://localhost:{}", server.port))
        .tls(tls_for(&ca))
        .proxy(Proxy::url(url).unwrap())
        .build()
        .unwrap();
    let response = client.send(Request::get(["hello"])).await.unwrap();
    assert_eq!(response.status(), 200);
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Basic dXNlcjpodW50ZXIy")
    );
}

#[tokio::test]
async fn a_proxy_that_wants_credentials_is_a_clear_error_without_secrets() {
    let proxy = LocalProxy::start(true).await;
    let client = Client::builder("https://localhost:1")
        .proxy(Proxy::url(proxy.url()).unwrap())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.send(Request::get(["hello"])).await.unwrap_err();
    let text = report(&err);
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(text.contains("proxy authorization required"), "{text}");
    assert!(
        text.contains(&format!("via proxy 127.0.0.1:{}", proxy.port)),
        "{text}"
    );
}

#[tokio::test]
async fn a_dead_proxy_is_named_in_the_error_without_its_password() {
    // Bind and drop a listener for a port that refuses connections.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder("https://localhost:1")
        .proxy(Proxy::url(format!("http://u:hunter2@127.0.0.1:{port}")).unwrap())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.send(Request::get(["x"])).await.unwrap_err();
    let text = format!("{} {err:?}", report(&err));
    assert!(
        text.contains(&format!("via proxy 127.0.0.1:{port}")),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

/// Environment variables are process-wide, so every case that sets them is
/// in this one test, in sequence; the other tests never read them.
#[tokio::test]
async fn the_environment_is_read_only_by_clients_that_opt_in_and_no_proxy_is_honoured() {
    let ca = Ca::new("proxy env CA");
    let server = TlsServer::start(&ca.server(&["localhost"]), None).await;
    let proxy = LocalProxy::start(false).await;
    let base = format!("https://localhost:{}", server.port);
    for name in [
        "NO_PROXY",
        "no_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
    ] {
        std::env::remove_var(name);
    }
    // Lower case, as many systems set it.
    std::env::set_var("https_proxy", proxy.url());

    // Not opted in: straight to the server, whatever the environment says.
    let direct = Client::builder(&base).tls(tls_for(&ca)).build().unwrap();
    direct.send(Request::get(["a"])).await.unwrap();
    assert_eq!(proxy.seen(), vec![]);
    assert_eq!(server.requests(), 1);

    // Opted in: through the proxy.
    let via = Client::builder(&base)
        .tls(tls_for(&ca))
        .proxy(Proxy::from_env())
        .build()
        .unwrap();
    via.send(Request::get(["b"])).await.unwrap();
    assert_eq!(proxy.seen().len(), 1);
    assert_eq!(server.requests(), 2);

    // NO_PROXY names the host: direct again.
    std::env::set_var("NO_PROXY", "example.com, localhost");
    let excluded = Client::builder(&base)
        .tls(tls_for(&ca))
        .proxy(Proxy::from_env())
        .build()
        .unwrap();
    excluded.send(Request::get(["c"])).await.unwrap();
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
    assert_eq!(server.requests(), 3);

    // NO_PROXY=* exempts every host, an IP-literal endpoint included (the
    // matcher alone applies `*` to names only).
    std::env::set_var("NO_PROXY", "*");
    std::env::set_var("http_proxy", proxy.url());
    let mut origin = mockito::Server::new_async().await;
    assert!(
        origin.url().starts_with("http://127.0.0.1:"),
        "{}",
        origin.url()
    );
    let hit = origin
        .mock("GET", "/d")
        .with_body("direct")
        .create_async()
        .await;
    let star = Client::builder(origin.url())
        .proxy(Proxy::from_env())
        .build()
        .unwrap();
    let body = star
        .send(Request::get(["d"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body, "direct");
    hit.assert_async().await;
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
    std::env::remove_var("http_proxy");

    // A malformed variable is an error naming it, not a silent direct connection.
    std::env::remove_var("NO_PROXY");
    std::env::set_var("https_proxy", "socks5://u:hunter2@127.0.0.1:1080");
    let err = Client::builder(&base)
        .proxy(Proxy::from_env())
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "HTTPS_PROXY"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    std::env::remove_var("https_proxy");
}
