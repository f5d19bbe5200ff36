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
                if sock
                    .write_all(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
                    .await
                    .is_err()
                {
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
        Err(Error::Limit {
            limit, max, path, ..
        }) => {
            assert_eq!(limit, "max_frame_bytes");
            assert_eq!(max, 1 << 20);
            assert!(path.ends_with("/containers/c1/logs"), "{path}");
        }
        other => panic!("expected the frame limit error, got {other:?}"),
    }
    assert!(
        guarded(logs.next()).await.is_none(),
        "the stream ends there"
    );
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
    decoder.push(Bytes::from_static(&[
        1, 0, 0, 0, 0, 0, 0, 4, b'a', b'b', b'c', b'd',
    ]));
    assert_eq!(
        decoder.next_frame().unwrap().unwrap().message().as_ref(),
        b"abcd"
    );
}

// ---- Items 5, 6 and 19: files that cannot be read, never blocking ----

/// A fresh directory under the system's temp dir, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("docker-engine-limits-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// How each unreadable file is made.
#[derive(Debug, Clone, Copy)]
enum Broken {
    DanglingLink,
    Fifo,
    DevZero,
    Huge,
}

const BROKEN: [Broken; 4] = [
    Broken::DanglingLink,
    Broken::Fifo,
    Broken::DevZero,
    Broken::Huge,
];

fn make_broken(path: &std::path::Path, how: Broken) {
    let _ = std::fs::remove_file(path);
    match how {
        Broken::DanglingLink => {
            std::os::unix::fs::symlink(path.with_extension("gone"), path).unwrap()
        }
        Broken::Fifo => mkfifo(path),
        Broken::DevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        Broken::Huge => std::fs::write(path, vec![b'A'; 3 << 20]).unwrap(),
    }
}

/// Runs blocking set-up code off the runtime with a deadline: a FIFO that
/// blocked would fail the test here instead of hanging it.
async fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    guarded(tokio::task::spawn_blocking(f)).await.unwrap()
}

/// Lays out a context store as the docker CLI does, TLS files included.
fn add_context(config: &std::path::Path, name: &str, host: &str) -> std::path::PathBuf {
    use sha2::Digest;
    let id: String = sha2::Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let meta = config.join("contexts/meta").join(&id);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        format!(
            r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
        ),
    )
    .unwrap();
    let tls = config.join("contexts/tls").join(&id).join("docker");
    std::fs::create_dir_all(&tls).unwrap();
    restore(&tls);
    tls
}

/// Puts back readable TLS files: a real CA (parsed first), placeholders
/// for the client pair (read before they are parsed).
fn restore(tls: &std::path::Path) {
    for file in ["ca.pem", "cert.pem", "key.pem"] {
        let _ = std::fs::remove_file(tls.join(file));
        std::fs::write(tls.join(file), "placeholder").unwrap();
    }
    std::fs::write(tls.join("ca.pem"), include_str!("fixtures/tls/ca.pem")).unwrap();
}

/// Item 5: a context whose TLS file cannot be read is refused, naming the
/// file, and nothing is sent in plain HTTP (the fake daemon sees no
/// connection). The docker CLI refuses the same store.
#[tokio::test]
async fn a_context_with_an_unreadable_tls_file_is_refused_naming_it() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        while let Ok((_sock, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let config = TempDir::new("ctx");
    let tls = add_context(&config.0, "broken", &format!("tcp://{addr}"));
    for file in ["ca.pem", "cert.pem", "key.pem"] {
        for how in BROKEN {
            make_broken(&tls.join(file), how);
            let dir = config.0.clone();
            let outcome = bounded(move || {
                let endpoint = docker_engine::ContextStore::new(dir).endpoint("broken")?;
                Docker::builder().endpoint(endpoint).build()
            })
            .await;
            let err = outcome.expect_err(&format!("{file} {how:?} must be refused"));
            let text = err.to_string();
            assert!(
                text.contains(&tls.join(file).display().to_string()),
                "{file} {how:?}: {text}"
            );
            assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
            restore(&tls);
        }
    }
    // The docker CLI refuses a dangling ca.pem too ("failed to retrieve
    // TLS data"), without dialling.
    if std::path::Path::new("/usr/local/bin/docker").exists() {
        make_broken(&tls.join("ca.pem"), Broken::DanglingLink);
        let out = std::process::Command::new("/usr/local/bin/docker")
            .args(["--context", "broken", "version"])
            .env("DOCKER_CONFIG", &config.0)
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("ca.pem"), "{said}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing was dialled");
}

/// Items 6 and 19: `DOCKER_CERT_PATH`-style files are read with a cap and
/// refused unopened when not regular; a directory without `ca.pem` is
/// refused naming it.
#[tokio::test]
async fn cert_path_files_are_capped_and_never_block() {
    let dir = TempDir::new("certpath");
    let path = dir.0.clone();
    let err = bounded(move || {
        Docker::builder()
            .host("tcp://127.0.0.1:9")
            .tls_cert_path(&path)
            .build()
    })
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains(&dir.0.join("ca.pem").display().to_string()),
        "{err}"
    );
    for how in BROKEN {
        make_broken(&dir.0.join("ca.pem"), how);
        let path = dir.0.clone();
        let err = bounded(move || {
            Docker::builder()
                .host("tcp://127.0.0.1:9")
                .tls_cert_path(&path)
                .build()
        })
        .await
        .unwrap_err();
        assert!(err.to_string().contains("ca.pem"), "{how:?}: {err}");
    }
}

/// Item 6: `config.json` is read with a cap and refused unopened when it is
/// not a regular file.
#[tokio::test]
async fn config_json_is_capped_and_never_blocks() {
    let dir = TempDir::new("config");
    let path = dir.0.join("config.json");
    for how in BROKEN {
        make_broken(&path, how);
        let p = path.clone();
        let err = bounded(move || docker_engine::DockerConfig::from_path(&p))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("config.json"), "{how:?}: {err}");
    }
}

/// Item 6: an address's password is never quoted in a refusal.
#[test]
fn a_password_in_the_address_is_never_quoted() {
    for host in [
        "tcp://u:SECRET@127.0.0.1:2375",
        "ssh://u:SECRET@build-box",
        "http://u:SECRET@127.0.0.1:2375",
        "https://u:SECRET@127.0.0.1:2376",
        "tcp://u:SECRET@h:99999",
        "ssh://u:SECRET@-oProxyCommand=x",
    ] {
        let err = Docker::builder().host(host).build().unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SECRET"), "{host}: {shown}");
        assert!(shown.contains("u:***@"), "{host}: {shown}");
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            assert!(!cause.to_string().contains("SECRET"), "{cause}");
            source = cause.source();
        }
    }
}

/// Item 6: credential helpers: a `/` in the name is refused; the answer is
/// read with a bound; at the deadline the helper's children die with it.
/// (The only test here that changes `PATH`.)
#[tokio::test]
async fn credential_helpers_are_bounded_and_their_children_killed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("helpers");
    let script = |name: &str, body: &str| {
        let path = dir.0.join(format!("docker-credential-{name}"));
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let pidfile = dir.0.join("child.pid");
    let ran = dir.0.join("ran");
    script(
        "slow",
        &format!("sleep 300 &\necho $! > {}\nsleep 300", pidfile.display()),
    );
    script("endless", "exec cat /dev/zero");
    script(
        "ok",
        r#"cat >/dev/null; printf '{"Username":"u","Secret":"s3"}'"#,
    );
    std::fs::create_dir_all(dir.0.join("sub")).unwrap();
    let evil = dir.0.join("sub").join("docker-credential-x");
    std::fs::write(&evil, format!("#!/bin/sh\ntouch {}\n", ran.display())).unwrap();
    std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.0.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::env::set_var("PATH", path);

    let config = |json: &str| {
        let file = dir.0.join("config.json");
        std::fs::write(&file, json).unwrap();
        docker_engine::DockerConfig::from_path(&file).unwrap()
    };

    // Sanity: a helper that answers is used.
    let auth = config(r#"{"credsStore":"ok"}"#)
        .auth_for("r.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(auth.config().username.as_deref(), Some("u"));

    // A path in the name is refused, and nothing runs.
    for json in [
        r#"{"credsStore":"sub/docker-credential-x"}"#,
        r#"{"credHelpers":{"r.example":"../sub/x"}}"#,
    ] {
        let err = config(json).auth_for("r.example").await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("credsStore") || text.contains("credHelpers.r.example"),
            "{text}"
        );
        assert!(text.contains("path separator"), "{text}");
    }
    assert!(!ran.exists());

    // An endless answer: an error at the bound, not memory without end.
    let err = guarded(config(r#"{"credsStore":"endless"}"#).auth_for("r.example"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("longer than 1048576 bytes"),
        "{err}"
    );

    // A helper that never answers: at the deadline, it and its child die.
    let started = std::time::Instant::now();
    let err = guarded(
        config(r#"{"credsStore":"slow"}"#)
            .with_helper_timeout(Duration::from_secs(1))
            .auth_for("r.example"),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("gave no answer within"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    let gone = |pid: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
            stat.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !gone(&pid) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone(&pid), "the helper's child {pid} outlived the deadline");
}

// ---- Item 1: registry credentials never quoted from an echoing daemon ----

/// A daemon that answers every request `500` with a message quoting the
/// request: its head, its body, and the decoded `X-Registry-Auth` /
/// `X-Registry-Config` JSON, raw and JSON-escaped.
async fn echoing_daemon() -> String {
    use base64::Engine;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                // Whatever arrives within a moment: head and body.
                while let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(200), sock.read(&mut buf)).await
                {
                    if n == 0 {
                        break;
                    }
                    seen.extend_from_slice(&buf[..n]);
                }
                let text = String::from_utf8_lossy(&seen).into_owned();
                let mut echo = text.clone();
                for line in text.lines() {
                    let lower = line.to_ascii_lowercase();
                    if let Some(value) = lower
                        .strip_prefix("x-registry-auth: ")
                        .or_else(|| lower.strip_prefix("x-registry-config: "))
                    {
                        let start = line.len() - value.len();
                        if let Ok(json) =
                            base64::engine::general_purpose::URL_SAFE.decode(line[start..].trim())
                        {
                            echo.push_str(&String::from_utf8_lossy(&json));
                        }
                    }
                }
                let body =
                    serde_json::json!({ "message": format!("rejected: {echo}") }).to_string();
                let answer = format!(
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("tcp://{addr}")
}

/// Checks that no secret appears in the error's `Display`, `Debug`, nor in
/// any of its sources.
fn assert_no_secret(what: &str, err: &Error, secrets: &[&str]) {
    let mut texts = vec![err.to_string(), format!("{err:?}")];
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        texts.push(cause.to_string());
        texts.push(format!("{cause:?}"));
        source = cause.source();
    }
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{what}: {secret} in {text}");
        }
    }
    // The daemon's answer did arrive (and was withheld or scrubbed by the
    // transport because it echoed the request's secrets).
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(500),
        "{what}: {err:?}"
    );
}

#[tokio::test]
async fn registry_credentials_are_never_quoted_from_an_echoing_daemon() {
    use docker_engine::{PullImageOptions, PushImageOptions, RegistryAuth};
    const PASSWORD: &str = "pw-S3CRET-1234";
    const TOKEN: &str = "tok-S3CRET-5678";
    let host = echoing_daemon().await;
    let docker = Docker::builder()
        .host(host)
        .api_version(ApiVersion::new(1, 41))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let password = RegistryAuth::password("localhost:5000", "alice", PASSWORD);
    let token = RegistryAuth::identity_token("localhost:5000", TOKEN);
    // The encoded header values, as an echo would quote them.
    let encoded: Vec<String> = [&password, &token]
        .iter()
        .map(|a| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE
                .encode(serde_json::to_vec(a.config()).unwrap())
        })
        .collect();
    let mut secrets = vec![PASSWORD, TOKEN];
    secrets.extend(encoded.iter().map(String::as_str));

    for auth in [&password, &token] {
        let err = guarded(docker.auth(auth)).await.unwrap_err();
        assert_no_secret("auth", &err, &secrets);

        let options = PullImageOptions::default().with_auth(auth.clone());
        let err = guarded(docker.images().pull("localhost:5000/app:1", options))
            .await
            .unwrap_err();
        assert_no_secret("pull", &err, &secrets);

        let options = PushImageOptions::default().with_auth(auth.clone());
        let err = guarded(docker.images().push("localhost:5000/app:1", options))
            .await
            .unwrap_err();
        assert_no_secret("push", &err, &secrets);
    }

    let mut options = docker_engine::BuildOptions::default();
    options.registry_auth = vec![password.clone(), token.clone()];
    let context = futures_util::stream::iter([Ok::<_, std::io::Error>(
        api_client_transport::bytes::Bytes::from_static(b"tar"),
    )]);
    let err = guarded(docker.images().build(context, options))
        .await
        .unwrap_err();
    assert_no_secret("build", &err, &secrets);
}
