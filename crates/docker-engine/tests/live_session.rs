//! `/session` and `HEAD /_ping` against the CI dockerd: the upgraded connection
//! is handed back, and the daemon opens HTTP/2 on it (it is the gRPC client of
//! a session, so the first bytes it sends are the HTTP/2 client preface).
#![cfg(unix)]

mod common;

use docker_engine::SessionOptions;
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn session_upgrade_and_ping_head() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let head = docker.ping_head().await.unwrap();
    let get = docker.ping().await.unwrap();
    assert_eq!(head.api_version, get.api_version);
    assert_eq!(head.os_type.as_deref(), Some("linux"));

    let mut options = SessionOptions::new(common::unique("session"));
    options.name = Some("docker-engine-live".into());
    options.shared_key = Some("docker-engine".into());
    options.grpc_methods = vec!["/moby.filesync.v1.FileSync/DiffCopy".into()];
    let (head, mut conn) = docker.session(options).await.unwrap();
    assert_eq!(head.status.as_u16(), 101);
    let mut preface = [0u8; 24];
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        conn.read_exact(&mut preface),
    )
    .await
    .expect("the daemon speaks first")
    .unwrap();
    assert_eq!(&preface, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
}
