//! TLS against a real rustls server and a CA made in the test: what is
//! trusted, what is refused (once, with the reason), client certificates.

#![cfg(feature = "https")]

mod pki;

use std::time::Duration;

use api_client_transport::{Client, Error, Request, RetryPolicy, TlsConfig, TlsFailure};
use pki::{Ca, TlsServer, GREETING};

/// Three attempts with no wait, so a wrongly retried failure shows up as
/// extra handshakes at once.
fn retrying() -> RetryPolicy {
    RetryPolicy::new(3)
        .base_delay(Duration::from_millis(1))
        .jitter(false)
}

fn client(port: u16, host: &str, tls: TlsConfig) -> Client {
    Client::builder(format!("https://{host}:{port}"))
        .tls(tls)
        .retry(retrying())
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_extra_root_is_trusted() {
    let ca = Ca::new("tls test CA");
    let server = TlsServer::start(&ca.server(&["localhost"]), None).await;
    let tls = TlsConfig::new().add_root_pem(ca.pem.as_bytes()).unwrap();
    let body = client(server.port, "localhost", tls)
        .send(Request::get(["hello"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body, GREETING);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn an_extra_root_from_a_file_with_only_that_root_is_trusted() {
    let ca = Ca::new("tls file CA");
    let server = TlsServer::start(&ca.server(&["localhost"]), None).await;
    let dir = std::env::temp_dir().join(format!("tls-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ca.pem");
    std::fs::write(&path, &ca.pem).unwrap();
    let tls = TlsConfig::new()
        .built_in_roots(false)
        .add_root_pem_file(&path)
        .unwrap();
    let response = client(server.port, "localhost", tls)
        .send(Request::get(["hello"]))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Asserts a `Tls` error naming `host` with `failure`, quoting both in the message.
fn assert_tls(err: &Error, host: &str, failure: TlsFailure) {
    match err {
        Error::Tls {
            host: h,
            failure: f,
            ..
        } => {
            assert_eq!(h, host, "{err}");
            assert_eq!(*f, failure, "{err}");
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(host), "{text}");
    assert!(text.contains(&failure.to_string()), "{text}");
    assert!(!err.is_retryable(), "{text}");
    assert!(!err.may_have_reached_server(), "{text}");
}

#[tokio::test]
async fn an_unknown_issuer_is_refused_once() {
    let ca = Ca::new("untrusted CA");
    let server = TlsServer::start(&ca.server(&["localhost"]), None).await;
    // Default roots only: the test CA is unknown. A GET would be retried on
    // a connect failure; a certificate failure must not be.
    let err = client(server.port, "localhost", TlsConfig::new())
        .send(Request::get(["hello"]))
        .await
        .unwrap_err();
    assert_tls(&err, "localhost", TlsFailure::UnknownIssuer);
    assert!(err.to_string().contains("unknown issuer"), "{err}");
    assert_eq!(server.handshakes(), 1, "the refused handshake was retried");
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn a_name_mismatch_is_refused_with_that_reason() {
    let ca = Ca::new("mismatch CA");
    let server = TlsServer::start(&ca.server(&["other.example"]), None).await;
    let tls = TlsConfig::new().add_root_pem(ca.pem.as_bytes()).unwrap();
    let err = client(server.port, "localhost", tls)
        .send(Request::post(["login"]).bytes("{}", "application/json"))
        .await
        .unwrap_err();
    assert_tls(&err, "localhost", TlsFailure::NameMismatch);
    assert_eq!(server.handshakes(), 1);
}

#[tokio::test]
async fn an_expired_certificate_is_refused_with_that_reason() {
    let ca = Ca::new("expiry CA");
    let server = TlsServer::start(&ca.expired_server(&["localhost"]), None).await;
    let tls = TlsConfig::new().add_root_pem(ca.pem.as_bytes()).unwrap();
    let err = client(server.port, "localhost", tls)
        .send(Request::get(["hello"]))
        .await
        .unwrap_err();
    assert_tls(&err, "localhost", TlsFailure::Expired);
    assert!(err.to_string().contains("expired"), "{err}");
    assert_eq!(server.handshakes(), 1);
}

#[tokio::test]
async fn a_server_that_requires_a_client_certificate_accepts_ours() {
    let ca = Ca::new("mtls CA");
    let server = TlsServer::start(&ca.server(&["localhost"]), Some(&ca)).await;
    let me = ca.client("test-client");
    let tls = TlsConfig::new()
        .add_root_pem(ca.pem.as_bytes())
        .unwrap()
        .identity_pem(me.cert_pem.as_bytes(), me.key_pem.as_bytes())
        .unwrap();
    let body = client(server.port, "localhost", tls)
        .send(Request::get(["hello"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body, GREETING);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_server_that_requires_a_client_certificate_refuses_us_without_one() {
    let ca = Ca::new("mtls CA 2");
    let server = TlsServer::start(&ca.server(&["localhost"]), Some(&ca)).await;
    let tls = TlsConfig::new().add_root_pem(ca.pem.as_bytes()).unwrap();
    let err = client(server.port, "localhost", tls)
        .send(Request::get(["hello"]))
        .await
        .unwrap_err();
    assert_tls(&err, "localhost", TlsFailure::ClientCertificateRefused);
    assert_eq!(server.handshakes(), 1);
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn a_client_certificate_from_another_ca_is_refused() {
    let ca = Ca::new("mtls CA 3");
    let stranger = Ca::new("stranger CA");
    let server = TlsServer::start(&ca.server(&["localhost"]), Some(&ca)).await;
    let me = stranger.client("test-client");
    let tls = TlsConfig::new()
        .add_root_pem(ca.pem.as_bytes())
        .unwrap()
        .identity_pem(me.cert_pem.as_bytes(), me.key_pem.as_bytes())
        .unwrap();
    let err = client(server.port, "localhost", tls)
        .send(Request::get(["hello"]))
        .await
        .unwrap_err();
    assert_tls(&err, "localhost", TlsFailure::ClientCertificateRefused);
    assert_eq!(server.requests(), 0);
}

#[test]
fn bad_pem_is_refused_naming_the_field_and_never_quoting_a_key() {
    let err = TlsConfig::new()
        .add_root_pem(b"not a certificate")
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "tls.root_pem"),
        "{err}"
    );

    let ca = Ca::new("pem CA");
    let me = ca.client("c");
    let err = TlsConfig::new()
        .identity_pem(me.cert_pem.as_bytes(), b"-----BEGIN NOTHING-----")
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "tls.client_key"),
        "{err}"
    );

    // A key that is not the certificate's is found when the client is built.
    let other = ca.client("d");
    let tls = TlsConfig::new()
        .identity_pem(me.cert_pem.as_bytes(), other.key_pem.as_bytes())
        .unwrap();
    let debug = format!("{tls:?}");
    let key_body: String = other.key_pem.lines().nth(1).unwrap().to_string();
    assert!(!debug.contains(&key_body), "{debug}");
    let err = Client::builder("https://localhost")
        .tls(tls)
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "tls.client_key"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains(&key_body));

    let err = TlsConfig::new()
        .add_root_pem_file("/nonexistent/ca.pem")
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

#[test]
fn no_roots_at_all_is_refused_at_build() {
    let err = Client::builder("https://localhost")
        .tls(TlsConfig::new().built_in_roots(false))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "tls"),
        "{err}"
    );
}
