//! Secrets a request carries (a password in its body, a credential header)
//! and a proxy's credentials are never quoted by an error, even when the
//! server or the proxy echoes the whole request back.

mod support;

use std::error::Error as _;

use api_client_transport::http::HeaderName;
use api_client_transport::{Client, Error, Request, RetryPolicy, Secret};
use support::{tcp_server, Step};

/// A password with characters JSON escapes, so the echo of a JSON body
/// holds it only in its escaped form.
const PASSWORD: &str = "pa\"ss\\w0rd-7c1e";
const REGISTRY_AUTH: &str = "eyJ1c2VybmFtZSI6ImFsaWNlIiwicGFzc3dvcmQiOiJzM2NyM3QifQ==";
const SHORT: &str = "pw9";

/// Everything a user may print of an error: `Display`, `Debug`, and both of
/// every source in its chain.
fn printed(err: &Error) -> String {
    let mut text = format!("{err}\n{err:?}\n");
    let mut cause = err.source();
    while let Some(e) = cause {
        text.push_str(&format!("{e}\n{e:?}\n"));
        cause = e.source();
    }
    text
}

fn assert_absent(err: &Error, secrets: &[&str]) {
    let text = printed(err);
    for secret in secrets {
        assert!(!text.contains(secret), "{secret:?} quoted in: {text}");
    }
}

fn json_escaped(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap();
    quoted[1..quoted.len() - 1].to_string()
}

fn client(url: &str) -> Client {
    Client::builder(url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn login() -> Request {
    Request::post(["auth"])
        .json(&serde_json::json!({ "username": "alice", "password": PASSWORD }))
        .unwrap()
}

#[tokio::test]
async fn an_echoed_body_does_not_quote_a_declared_secret() {
    let (url, seen) = tcp_server(vec![Step::Echo("401 Unauthorized")]).await;
    let client = client(&url);

    // Without the declaration the echo is quoted: the check below can fail.
    let err = client.send(login()).await.unwrap_err();
    assert!(printed(&err).contains(&json_escaped(PASSWORD)));

    let request = login().secret(&Secret::new(PASSWORD));
    // The request itself prints no secret either (its body is a byte count).
    let shown = format!("{request:?}");
    assert!(
        !shown.contains(&json_escaped(PASSWORD)) && !shown.contains(PASSWORD),
        "{shown}"
    );
    let err = client.send(request).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(err.api().unwrap().body().is_empty());
    assert_absent(&err, &[PASSWORD, &json_escaped(PASSWORD)]);
    // The server did get the password.
    assert!(seen.heads()[1].contains(&json_escaped(PASSWORD)));
}

#[tokio::test]
async fn an_explicit_secret_has_no_minimum_length() {
    let (url, _) = tcp_server(vec![Step::Echo("400 Bad Request")]).await;
    let err = client(&url)
        .send(
            Request::post(["auth"])
                .json(&serde_json::json!({ "pin": SHORT }))
                .unwrap()
                .secret(&Secret::new(SHORT)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_absent(&err, &[SHORT]);
}

#[tokio::test]
async fn an_echoed_secret_header_is_not_quoted() {
    let (url, seen) = tcp_server(vec![Step::Echo("401 Unauthorized")]).await;
    let client = client(&url);
    let name = HeaderName::from_static("x-registry-auth");

    let err = client
        .send(
            Request::post(["images", "create"])
                .secret_header(name.clone(), &Secret::new(REGISTRY_AUTH)),
        )
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_absent(&err, &[REGISTRY_AUTH]);
    assert!(seen.heads()[0].contains(REGISTRY_AUTH));

    // A one-off `Basic` credential: neither the token nor what it decodes to.
    let basic = "Basic YWxpY2U6aHVudGVyMi1iYXNpYw=="; // alice:hunter2-basic
    let err = client
        .send(Request::get(["v2"]).secret_header(
            api_client_transport::http::header::AUTHORIZATION,
            &Secret::new(basic),
        ))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_absent(
        &err,
        &[basic, "YWxpY2U6aHVudGVyMi1iYXNpYw==", "hunter2-basic"],
    );
}

#[tokio::test]
async fn a_secret_header_that_is_not_a_header_value_is_refused_without_it() {
    let (url, seen) = tcp_server(vec![Step::Echo("200 OK")]).await;
    let err = client(&url)
        .send(Request::get(["x"]).secret_header(
            HeaderName::from_static("x-registry-auth"),
            &Secret::new("bad\nvalue-secret"),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "x-registry-auth"));
    assert_absent(&err, &["value-secret"]);
    assert_eq!(seen.count(), 0);
}

#[tokio::test]
async fn a_successful_echo_that_does_not_decode_is_not_quoted() {
    let (url, _) = tcp_server(vec![Step::Echo("200 OK")]).await;
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Token {
        token: String,
    }
    let err = client(&url)
        .send(login().secret(&Secret::new(PASSWORD)))
        .await
        .unwrap()
        .json::<Token>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_absent(&err, &[PASSWORD, &json_escaped(PASSWORD)]);

    // The same answer without the declaration is quoted (the check can fail).
    let (url, _) = tcp_server(vec![Step::Echo("200 OK")]).await;
    let err = client(&url)
        .send(Request::post(["auth"]).bytes(format!("password={SHORT}"), "text/plain"))
        .await
        .unwrap()
        .json::<Token>()
        .await
        .unwrap_err();
    assert!(printed(&err).contains(SHORT), "{err:?}");
}

#[cfg(feature = "proxy")]
mod through_a_proxy {
    use super::*;
    use api_client_transport::Proxy;

    const PROXY_USER: &str = "proxyuser";
    const PROXY_PASSWORD: &str = "pr0xy-Pa55";
    // base64("proxyuser:pr0xy-Pa55")
    const PROXY_TOKEN: &str = "cHJveHl1c2VyOnByMHh5LVBhNTU=";

    /// A proxy that answers every request by quoting it whole; the client
    /// reaches it as `HTTP_PROXY=http://user:password@127.0.0.1:PORT` says.
    async fn echoing_proxy(status: &'static str) -> (Proxy, support::Seen) {
        let (url, seen) = tcp_server(vec![Step::Echo(status)]).await;
        let authority = url.trim_start_matches("http://");
        let proxy =
            Proxy::url(format!("http://{PROXY_USER}:{PROXY_PASSWORD}@{authority}")).unwrap();
        (proxy, seen)
    }

    fn proxy_secrets() -> Vec<String> {
        vec![
            PROXY_PASSWORD.to_string(),
            PROXY_TOKEN.to_string(),
            format!("{PROXY_USER}:{PROXY_PASSWORD}"),
        ]
    }

    #[tokio::test]
    async fn an_echoing_proxy_does_not_get_its_credentials_quoted() {
        for status in [
            "407 Proxy Authentication Required",
            "401 Unauthorized",
            "502 Bad Gateway",
        ] {
            let (proxy, seen) = echoing_proxy(status).await;
            // The endpoint is never reached: the proxy answers for it.
            let client = Client::builder("http://api.invalid:8080/v1")
                .proxy(proxy)
                .retry(RetryPolicy::none())
                .build()
                .unwrap();
            // No secret of the request's own: only the proxy's are in the echo.
            let err = client.send(login()).await.unwrap_err();
            assert!(err.api().is_some(), "{status}: {err:?}");
            let secrets = proxy_secrets();
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            assert_absent(&err, &secrets);
            // The proxy did get the credentials (and the request in absolute form).
            let head = &seen.heads()[0];
            assert!(
                head.starts_with("POST http://api.invalid:8080/v1/auth"),
                "{head}"
            );
            assert!(head.contains(PROXY_TOKEN), "{head}");
        }
    }

    #[tokio::test]
    async fn a_proxy_short_password_is_withheld_too() {
        let (url, _) = tcp_server(vec![Step::Echo("407 Proxy Authentication Required")]).await;
        let authority = url.trim_start_matches("http://");
        let proxy = Proxy::url(format!("http://u:{SHORT}@{authority}")).unwrap();
        let client = Client::builder("http://api.invalid")
            .proxy(proxy)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let err = client.send(Request::get(["x"])).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(407));
        // base64("u:pw9")
        assert_absent(&err, &["dTpwdzk="]);
    }

    #[cfg(feature = "https")]
    #[tokio::test]
    async fn a_tunnel_refused_with_an_echo_quotes_no_credential() {
        let (proxy, seen) = echoing_proxy("407 Proxy Authentication Required").await;
        let client = Client::builder("https://api.invalid")
            .proxy(proxy)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let err = client
            .send(Request::get(["x"]).secret(&Secret::new(PASSWORD)))
            .await
            .unwrap_err();
        let secrets = proxy_secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert_absent(&err, &secrets);
        let head = &seen.heads()[0];
        assert!(head.starts_with("CONNECT api.invalid:443"), "{head}");
        assert!(head.contains(PROXY_TOKEN), "{head}");
    }
}
