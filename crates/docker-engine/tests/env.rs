//! `DOCKER_HOST` is honoured by `Docker::connect`. One test in its own binary, since
//! it changes the process environment.

use docker_engine::{Docker, Error};

#[tokio::test]
async fn docker_host_selects_the_daemon() {
    let mut server = mockito::Server::new_async().await;
    let ping = server
        .mock("GET", "/_ping")
        .with_header("Api-Version", "1.43")
        .with_body("OK")
        .expect(1)
        .create_async()
        .await;
    let port = server.socket_address().port();

    // tcp:// means plain HTTP
    std::env::set_var("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"));
    let docker = Docker::connect().unwrap();
    assert_eq!(docker.host(), format!("tcp://127.0.0.1:{port}"));
    assert_eq!(docker.api_version().await.unwrap().to_string(), "1.43");
    ping.assert_async().await;

    // a unix socket that is not there: the error names it
    std::env::set_var("DOCKER_HOST", "unix:///run/no-such-dir/docker.sock");
    let err = Docker::connect().unwrap().ping().await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/run/no-such-dir/docker.sock"),
        "{err}"
    );

    // an unsupported scheme fails at connect, naming the variable
    std::env::set_var("DOCKER_HOST", "ssh://me@build-box");
    let err = Docker::connect().unwrap_err();
    assert!(err.to_string().contains("DOCKER_HOST"), "{err}");

    // a refused tcp address from the variable: the error says where it came from
    std::env::set_var("DOCKER_HOST", "tcp://127.0.0.1:9");
    let err = Docker::connect().unwrap().ping().await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(
        err.to_string().contains("DOCKER_HOST=tcp://127.0.0.1:9"),
        "{err}"
    );

    // a tcp daemon that wants TLS is refused up front, naming the variable
    std::env::set_var("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"));
    std::env::set_var("DOCKER_TLS_VERIFY", "1");
    let err = Docker::connect().unwrap_err();
    assert!(err.to_string().contains("DOCKER_TLS_VERIFY"), "{err}");
    // ...but a unix socket is not concerned, nor is an explicitly chosen host
    std::env::set_var("DOCKER_HOST", "unix:///var/run/docker.sock");
    Docker::connect().unwrap();
    Docker::builder()
        .host(format!("tcp://127.0.0.1:{port}"))
        .build()
        .unwrap();
    std::env::remove_var("DOCKER_TLS_VERIFY");

    // empty means the default socket
    std::env::set_var("DOCKER_HOST", "");
    assert_eq!(
        Docker::connect().unwrap().host(),
        docker_engine::DEFAULT_HOST
    );
    std::env::remove_var("DOCKER_HOST");
    assert_eq!(
        Docker::connect().unwrap().host(),
        docker_engine::DEFAULT_HOST
    );
}
