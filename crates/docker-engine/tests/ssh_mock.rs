//! `ssh://` hosts against a fake `ssh`: a shell script, given as the ssh
//! program, that records its arguments and pid, then bridges its stdin and
//! stdout to a mockito server (python3), or plays a failing ssh. Shows the
//! exact argv (no option injection, port, user, BatchMode, ConnectTimeout),
//! negotiation over the bridge, and ssh's failures as typed connect errors.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use docker_engine::{ApiVersion, Docker, Error, SshFailure};
use mockito::{Server, ServerGuard};

/// A scratch folder holding one fake ssh and what it records.
struct Fake {
    dir: PathBuf,
}

impl Fake {
    fn new(test: &str) -> Fake {
        let dir = std::env::temp_dir().join(format!("ssh-mock-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Fake { dir }
    }

    /// Writes the fake ssh: record argv (one per line) and pid, then `body`.
    fn program(&self, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.join("ssh");
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{argv}'\necho $$ >> '{pids}'\n{body}\n",
            argv = self.dir.join("argv").display(),
            pids = self.dir.join("pids").display(),
        );
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// A fake ssh joining its stdio to the mockito server, as dial-stdio does.
    fn bridge_to(&self, server: &ServerGuard) -> PathBuf {
        self.bridge_then(server, "")
    }

    /// Same, running `then` once the server has closed the connection.
    fn bridge_then(&self, server: &ServerGuard, then: &str) -> PathBuf {
        let bridge = self.dir.join("bridge.py");
        std::fs::write(&bridge, BRIDGE).unwrap();
        let addr = server.host_with_port();
        let (host, port) = addr.rsplit_once(':').unwrap();
        match then {
            "" => self.program(&format!(
                "exec python3 '{}' {host} {port}",
                bridge.display()
            )),
            _ => self.program(&format!(
                "python3 '{}' {host} {port}\n{then}",
                bridge.display()
            )),
        }
    }

    fn argv(&self) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(self.dir.join("argv")).ok()?;
        Some(text.lines().map(str::to_string).collect())
    }

    fn pids(&self) -> Vec<u32> {
        std::fs::read_to_string(self.dir.join("pids"))
            .unwrap_or_default()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const BRIDGE: &str = r#"
import socket, sys, threading
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
def up():
    while True:
        data = sys.stdin.buffer.read1(65536)
        if not data:
            s.shutdown(socket.SHUT_WR)
            return
        s.sendall(data)
threading.Thread(target=up, daemon=True).start()
while True:
    data = s.recv(65536)
    if not data:
        break
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
"#;

fn handle(host: &str, program: &Path) -> Docker {
    Docker::builder()
        .host(host)
        .ssh_program(program)
        .build()
        .unwrap()
}

/// The `SshFailure` behind a connect error, and the error's text.
fn ssh_failure(err: &Error) -> (SshFailure, String) {
    let Error::Connect { endpoint, source } = err else {
        panic!("expected a connect error, got {err:?}");
    };
    let failure = source
        .downcast_ref::<SshFailure>()
        .unwrap_or_else(|| panic!("no SshFailure in {err:?}"))
        .clone();
    (failure, format!("{endpoint}: {err}: {source}"))
}

#[tokio::test]
async fn argv_never_prompts_names_port_and_user_and_ends_options_before_the_host() {
    let fake = Fake::new("argv");
    let mut server = Server::new_async().await;
    let ping = server
        .mock("GET", "/_ping")
        .with_header("Api-Version", "1.41")
        .with_header("OSType", "linux")
        .with_body("OK")
        .expect(1)
        .create_async()
        .await;
    let docker = Docker::builder()
        .host("ssh://deploy@build-box:2200")
        .ssh_program(fake.bridge_to(&server))
        .ssh_args(["-i", "/keys/deploy"])
        .ssh_args(["-o", "IdentitiesOnly=yes"])
        .connect_timeout(Duration::from_millis(7500))
        .build()
        .unwrap();
    let info = docker.ping().await.unwrap();
    assert_eq!(info.api_version, Some(ApiVersion::new(1, 41)));
    assert_eq!(info.os_type.as_deref(), Some("linux"));
    ping.assert_async().await;
    assert_eq!(
        fake.argv().unwrap(),
        [
            "-i",
            "/keys/deploy",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=8",
            "-T",
            "-p",
            "2200",
            "-l",
            "deploy",
            "--",
            "build-box",
            "docker",
            "system",
            "dial-stdio"
        ]
    );
}

#[tokio::test]
async fn negotiation_reads_the_version_from_slash_version_over_ssh() {
    let fake = Fake::new("negotiate");
    let mut server = Server::new_async().await;
    // A daemon whose ping carries no version: the fallback is /version.
    let ping = server
        .mock("GET", "/_ping")
        .with_body("OK")
        .create_async()
        .await;
    let version = server
        .mock("GET", "/version")
        .with_header("Content-Type", "application/json")
        .with_body(r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12"}"#)
        .create_async()
        .await;
    let list = server
        .mock("GET", "/v1.41/containers/json")
        .with_header("Content-Type", "application/json")
        .with_body("[]")
        .create_async()
        .await;
    let docker = handle("ssh://box", &fake.bridge_to(&server));
    assert_eq!(docker.api_version().await.unwrap(), ApiVersion::new(1, 41));
    let listed = docker.containers().list(Default::default()).await.unwrap();
    assert!(listed.is_empty());
    ping.assert_async().await;
    version.assert_async().await;
    list.assert_async().await;
    let argv = fake.argv().unwrap();
    assert!(!argv.contains(&"-p".to_string()) && !argv.contains(&"-l".to_string()));
    assert_eq!(
        argv[argv.len() - 5..],
        ["--", "box", "docker", "system", "dial-stdio"]
    );
}

#[tokio::test]
async fn hosts_and_users_that_look_like_options_are_refused_before_ssh_runs() {
    let fake = Fake::new("inject");
    let program = fake.program("exit 0");
    for host in [
        "ssh://-oProxyCommand=sh -c id",
        "ssh://-oProxyCommand=id@box",
        "ssh://box:-1",
    ] {
        let err = Docker::builder()
            .host(host)
            .ssh_program(&program)
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "DOCKER_HOST"),
            "{host}: {err:?}"
        );
    }
    assert_eq!(fake.argv(), None, "ssh must not have run");
}

#[tokio::test]
async fn a_refused_key_is_a_connect_error_carrying_ssh_stderr() {
    let fake = Fake::new("refused");
    let program = fake.program("echo 'me@box: Permission denied (publickey).' >&2\nexit 255");
    let docker = handle("ssh://me@box", &program);
    let err = docker.ping().await.unwrap_err();
    let (failure, text) = ssh_failure(&err);
    assert_eq!(failure.exit_code(), Some(255));
    assert_eq!(failure.stderr(), "me@box: Permission denied (publickey).");
    assert!(text.contains("ssh://me@box"), "{text}");
    assert!(text.contains("Permission denied (publickey)"), "{text}");
    // Versioned calls negotiate first, and fail the same way.
    let err = docker
        .containers()
        .list(Default::default())
        .await
        .unwrap_err();
    assert_eq!(ssh_failure(&err).0.exit_code(), Some(255));
}

#[tokio::test]
async fn a_remote_without_docker_is_a_connect_error_naming_the_command() {
    let fake = Fake::new("nodocker");
    let program = fake.program("echo 'sh: 1: docker: not found' >&2\nexit 127");
    let err = handle("ssh://box", &program).version().await.unwrap_err();
    let (failure, text) = ssh_failure(&err);
    assert_eq!(failure.exit_code(), Some(127));
    assert!(text.contains("docker: not found"), "{text}");
}

#[tokio::test]
async fn endless_stderr_is_cut_and_does_not_block_ssh() {
    let fake = Fake::new("chatty");
    // 200 KiB on stderr, more than a pipe holds: ssh would block if nobody read it.
    let program = fake.program("head -c 204800 /dev/zero | tr '\\0' 'e' >&2\nexit 255");
    let err = handle("ssh://box", &program).ping().await.unwrap_err();
    let (failure, _) = ssh_failure(&err);
    assert!(failure.stderr().len() < 4200, "{}", failure.stderr().len());
    assert!(
        failure.stderr().ends_with("more bytes)"),
        "{}",
        &failure.stderr()[4000..]
    );
}

#[tokio::test]
async fn a_missing_ssh_program_is_a_connect_error_saying_so() {
    let docker = Docker::builder()
        .host("ssh://box")
        .ssh_program("/nonexistent/bin/ssh")
        .build()
        .unwrap();
    let err = docker.ping().await.unwrap_err();
    let text = format!("{err}: {:?}", std::error::Error::source(&err));
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(text.contains("ssh://box"), "{text}");
    assert!(
        text.contains("could not run `/nonexistent/bin/ssh`"),
        "{text}"
    );
}

#[tokio::test]
async fn an_ssh_that_never_answers_times_out_instead_of_hanging() {
    let fake = Fake::new("stall");
    // Like a remote that accepts the session and then says nothing.
    let program = fake.program("exec sleep 600");
    let docker = Docker::builder()
        .host("ssh://box")
        .ssh_program(&program)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let err = docker.ping().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    // Dropping the handle drops the connection, and kill_on_drop ends ssh.
    drop(docker);
    assert_process_ends(fake.pids()[0]).await;
}

#[tokio::test]
async fn each_connection_is_its_own_ssh() {
    let fake = Fake::new("each");
    let mut server = Server::new_async().await;
    server
        .mock("GET", "/version")
        .with_header("Content-Type", "application/json")
        .with_body(r#"{"ApiVersion":"1.41"}"#)
        .expect(2)
        .create_async()
        .await;
    let program = fake.bridge_to(&server);
    let docker = handle("ssh://box", &program);
    // Two requests in flight at once need two connections.
    let (a, b) = tokio::join!(docker.version(), docker.version());
    a.unwrap();
    b.unwrap();
    let pids = fake.pids();
    assert_eq!(pids.len(), 2, "{pids:?}");
    assert_ne!(pids[0], pids[1]);
}

/// Waits (bounded, 10 s) until `pid` has exited and been reaped.
async fn assert_process_ends(pid: u32) {
    let proc = format!("/proc/{pid}");
    for _ in 0..200 {
        if !Path::new(&proc).exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("ssh (pid {pid}) still runs after its connection was dropped");
}
