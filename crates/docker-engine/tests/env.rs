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
    std::env::set_var("DOCKER_HOST", "npipe:////./pipe/docker_engine");
    let err = Docker::connect().unwrap_err();
    assert!(err.to_string().contains("DOCKER_HOST"), "{err}");

    // an ssh host that ssh would read as an option fails at connect, naming the variable
    std::env::set_var("DOCKER_HOST", "ssh://-oProxyCommand=id");
    let err = Docker::connect().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "DOCKER_HOST"),
        "{err:?}"
    );

    // an ssh host runs the real ssh; one that cannot be reached is a connect
    // error naming the variable and carrying ssh's own words
    std::env::set_var("DOCKER_HOST", "ssh://me@build-box.invalid");
    let err = Docker::connect().unwrap().ping().await.unwrap_err();
    let Error::Connect { endpoint, source } = &err else {
        panic!("expected a connect error, got {err:?}");
    };
    assert_eq!(endpoint, "ssh://me@build-box.invalid (DOCKER_HOST)");
    let failure = source
        .downcast_ref::<docker_engine::SshFailure>()
        .unwrap_or_else(|| panic!("{err:?}"));
    // ssh says it cannot resolve the name (.ci/run installs the OpenSSH client).
    assert!(failure.stderr().contains("build-box.invalid"), "{failure}");

    // a refused tcp address from the variable: the error says where it came from
    std::env::set_var("DOCKER_HOST", "tcp://127.0.0.1:9");
    let err = Docker::connect().unwrap().ping().await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(
        err.to_string().contains("DOCKER_HOST=tcp://127.0.0.1:9"),
        "{err}"
    );

    // a tcp host without a port: 2375, as the docker CLI (nothing listens on 127.0.0.2)
    std::env::set_var("DOCKER_HOST", "tcp://127.0.0.2");
    let err = Docker::connect().unwrap().ping().await.unwrap_err();
    assert!(err.to_string().contains("http://127.0.0.2:2375"), "{err}");

    // DOCKER_TLS_VERIFY with a DOCKER_CERT_PATH that has no ca.pem: refused
    // at once, naming the file, as the docker CLI refuses it ("open
    // .../ca.pem: no such file or directory"), never the system roots
    let dir = std::env::temp_dir().join(format!("docker-env-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_var("DOCKER_TLS_VERIFY", "1");
    std::env::set_var("DOCKER_CERT_PATH", &dir);
    let err = Docker::connect().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("DOCKER_CERT_PATH")
            && text.contains(&format!("{}", dir.join("ca.pem").display())),
        "{text}"
    );

    // DOCKER_TLS_VERIFY: TLS, and still 2375 without a port, as the CLI
    // ("Cannot connect to the Docker daemon at tcp://127.0.0.1:2375")
    // A self-signed CA made for these tests (no key kept: nothing it signs).
    std::fs::write(dir.join("ca.pem"), include_str!("fixtures/tls/ca.pem")).unwrap();
    let err = Docker::connect().unwrap().ping().await.unwrap_err();
    assert!(err.to_string().contains("https://127.0.0.2:2375"), "{err}");

    // a broken certificate file is named, with the variable, before anything is sent
    std::fs::write(dir.join("ca.pem"), "not a certificate").unwrap();
    let err = Docker::connect().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("DOCKER_CERT_PATH") && text.contains("ca.pem"),
        "{text}"
    );
    std::fs::remove_file(dir.join("ca.pem")).unwrap();
    // half a client identity is an error too
    std::fs::write(dir.join("ca.pem"), include_str!("fixtures/tls/ca.pem")).unwrap();
    std::fs::write(dir.join("cert.pem"), "x").unwrap();
    let err = Docker::connect().unwrap_err();
    assert!(err.to_string().contains("key.pem"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::env::remove_var("DOCKER_CERT_PATH");

    // ...but a unix socket is not concerned, nor is an explicitly chosen host
    std::env::set_var("DOCKER_HOST", "unix:///var/run/docker.sock");
    Docker::connect().unwrap();
    let plain = Docker::builder()
        .host(format!("tcp://127.0.0.1:{port}"))
        .build()
        .unwrap();
    assert_eq!(plain.api_version().await.unwrap().to_string(), "1.43");
    std::env::remove_var("DOCKER_TLS_VERIFY");

    // TLS without verification is refused, not silently downgraded or trusted
    std::env::set_var("DOCKER_HOST", "tcp://127.0.0.2");
    std::env::set_var("DOCKER_TLS", "1");
    let err = Docker::connect().unwrap_err();
    assert!(err.to_string().contains("DOCKER_TLS"), "{err}");
    std::env::remove_var("DOCKER_TLS");

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
