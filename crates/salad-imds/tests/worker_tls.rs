//! The worker over TLS, trusting a CA made in the test (rcgen) through the
//! shared TLS settings, against the local job-queue service.

mod worker_common;

use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use salad_imds::worker::{Job, Stopped, TlsConfig};
use worker_common::{shutdown, worker, Behaviour, Imds, Queue, DEADLINE};

/// A CA's PEM, and a server certificate and key (PEM) it signed for localhost.
fn pki() -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "worker test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf.signed_by(&key, &ca_cert, &ca_key).unwrap();
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

/// A job completes over TLS (HTTP/2 by ALPN) when the worker trusts the CA.
#[tokio::test]
async fn a_job_completes_over_tls_with_the_ca_trusted() {
    let (ca, cert, key) = pki();
    let imds = Imds::new("tls-token").await;
    let queue = Queue::new(Behaviour::default(), 21);
    let addr = queue.serve_tls(&cert, &key).await;
    let tls = TlsConfig::new()
        .built_in_roots(false)
        .add_root_pem(ca.as_bytes())
        .unwrap();
    let worker = worker(addr, &imds)
        .service_endpoint(format!("localhost:{}", addr.port()))
        .use_tls(true)
        .tls(tls)
        .build()
        .unwrap();
    let (stop, stopped) = shutdown();
    let run = tokio::spawn(async move {
        worker
            .run_until(
                |job: Job| async move { Ok(format!("secure {}", job.id())) },
                stopped,
            )
            .await
    });
    queue.push("t1", b"x");
    queue
        .wait_for("t1 completed", |s| s.completions("t1") == 1)
        .await;
    queue.with(|s| {
        assert_eq!(&s.completed["t1"].1[..], b"secure t1");
        assert_eq!(s.accept_calls[0].token, "tls-token");
    });
    stop.send(()).unwrap();
    assert_eq!(
        tokio::time::timeout(DEADLINE, run).await.unwrap().unwrap(),
        Stopped::Cancelled
    );
}

/// Without the CA (only the built-in roots), no call gets through the
/// handshake, so the service sees no call at all.
#[tokio::test]
async fn an_untrusted_certificate_gets_no_call_through() {
    let (_ca, cert, key) = pki();
    let imds = Imds::new("tls-token").await;
    let queue = Queue::new(Behaviour::default(), 22);
    let addr = queue.serve_tls(&cert, &key).await;
    let worker = worker(addr, &imds)
        .service_endpoint(format!("localhost:{}", addr.port()))
        .use_tls(true)
        .build()
        .unwrap();
    let (stop, stopped) = shutdown();
    let run = tokio::spawn(async move {
        worker
            .run_until(|job: Job| async move { Ok(job.into_input()) }, stopped)
            .await
    });
    queue.push("t2", b"x");
    // Many reconnect attempts (5-50 ms apart) fit in this pause.
    tokio::time::sleep(Duration::from_millis(500)).await;
    queue.with(|s| {
        assert!(
            s.accept_calls.is_empty(),
            "a call passed an untrusted certificate"
        );
        assert_eq!(s.jobs_sent, 0);
    });
    stop.send(()).unwrap();
    tokio::time::timeout(DEADLINE, run).await.unwrap().unwrap();
}
