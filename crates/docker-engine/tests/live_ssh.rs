//! The real dockerd through a real sshd (`.ci/run` starts one on
//! 127.0.0.1:2222). `DOCKER_SSH_TEST_HOST` is the `ssh://` address and
//! `DOCKER_SSH_TEST_DIR` a folder with `client_key` (accepted),
//! `unauthorized_key` (refused), `known_hosts` and `wrong_known_hosts`
//! (another host key). Without them the tests skip with a message, or fail
//! under CI.
#![cfg(unix)]
// Options are about to become #[non_exhaustive]: set fields on a default.
#![allow(clippy::field_reassign_with_default)]

mod common;

use std::path::{Path, PathBuf};

use common::{config, image, unique};
use docker_engine::frames::LogOutput;
use docker_engine::{
    ApiVersion, CreateContainerOptions, Docker, DockerBuilder, Error, LogsOptions,
    RemoveContainerOptions, SshFailure,
};
use futures_util::StreamExt;

fn setup(test: &str) -> Option<(String, PathBuf)> {
    let host = std::env::var("DOCKER_SSH_TEST_HOST").ok();
    let dir = std::env::var_os("DOCKER_SSH_TEST_DIR").map(PathBuf::from);
    match (host, dir) {
        (Some(host), Some(dir)) => Some((host, dir)),
        _ if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) => {
            panic!("{test}: DOCKER_SSH_TEST_HOST/DIR are not set; .ci/run starts sshd for them")
        }
        _ => {
            eprintln!("skipping {test}: DOCKER_SSH_TEST_HOST/DIR are not set (see .ci/run)");
            None
        }
    }
}

/// ssh options isolating the test from the user's own ssh config and keys.
fn builder(host: &str, dir: &Path, key: &str, known_hosts: &str) -> DockerBuilder {
    let path = |f: &str| dir.join(f).into_os_string();
    let mut known = std::ffi::OsString::from("UserKnownHostsFile=");
    known.push(path(known_hosts));
    Docker::builder().host(host).ssh_args([
        "-F".into(),
        std::ffi::OsString::from("/dev/null"),
        "-i".into(),
        path(key),
        "-o".into(),
        "IdentitiesOnly=yes".into(),
        "-o".into(),
        known,
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
        "-o".into(),
        "StrictHostKeyChecking=yes".into(),
    ])
}

fn docker(host: &str, dir: &Path) -> Docker {
    builder(host, dir, "client_key", "known_hosts")
        .build()
        .unwrap()
}

fn ssh_failure(err: &Error) -> &SshFailure {
    match err {
        Error::Connect { source, .. } => source
            .downcast_ref::<SshFailure>()
            .unwrap_or_else(|| panic!("no SshFailure in {err:?}")),
        other => panic!("expected a connect error, got {other:?}"),
    }
}

#[tokio::test]
async fn ping_version_and_list_through_ssh() {
    let Some((host, dir)) = setup("ping_version_and_list_through_ssh") else {
        return;
    };
    let docker = docker(&host, &dir);
    let ping = docker.ping().await.unwrap();
    assert_eq!(ping.os_type.as_deref(), Some("linux"));
    let version = docker.version().await.unwrap();
    let daemon: ApiVersion = version.api_version.as_deref().unwrap().parse().unwrap();
    // Negotiated down to the daemon's (Debian's dockerd speaks 1.41).
    assert_eq!(
        docker.api_version().await.unwrap(),
        daemon.min(ApiVersion::LATEST)
    );
    let mut all = docker_engine::ListContainersOptions::default();
    all.all = true;
    let over_ssh = docker.containers().list(all.clone()).await.unwrap();
    let local = Docker::connect()
        .unwrap()
        .containers()
        .list(all)
        .await
        .unwrap();
    // The same daemon: a container seen locally before the ssh listing is seen over ssh.
    let ids: Vec<_> = over_ssh.iter().filter_map(|c| c.id.clone()).collect();
    assert!(
        local
            .iter()
            .filter_map(|c| c.id.as_ref())
            .any(|id| ids.contains(id))
            || local.is_empty(),
        "{ids:?}"
    );
}

#[tokio::test]
async fn a_container_is_created_started_read_and_removed_through_ssh() {
    let Some((host, dir)) = setup("a_container_is_created_started_read_and_removed_through_ssh")
    else {
        return;
    };
    let Some(local) = common::docker().await else {
        return;
    };
    let image = image(&local).await;
    let docker = docker(&host, &dir);
    let containers = docker.containers();
    let mut cleanup = common::Cleanup::new();
    let mut options = CreateContainerOptions::default();
    options.name = Some(format!("ssh-{}", unique("logs")));
    let created = containers
        .create(
            &config(&image, &["sh", "-c", "echo hello over ssh"]),
            options,
        )
        .await
        .unwrap();
    cleanup.add(created.id.clone());
    containers
        .start(&created.id, Default::default())
        .await
        .unwrap();
    let exit = containers
        .wait(&created.id, Default::default())
        .await
        .unwrap();
    assert_eq!(exit.status_code, 0);
    let mut logs = containers
        .logs(&created.id, LogsOptions::default())
        .await
        .unwrap();
    let mut out = Vec::new();
    while let Some(frame) = logs.next().await {
        if let LogOutput::StdOut { message } = frame.unwrap() {
            out.extend_from_slice(&message);
        }
    }
    assert_eq!(String::from_utf8_lossy(&out), "hello over ssh\n");
    let mut remove = RemoveContainerOptions::default();
    remove.force = true;
    containers.remove(&created.id, remove).await.unwrap();
    let err = containers
        .inspect(&created.id, Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
}

#[tokio::test]
async fn a_changed_host_key_is_a_clear_connect_error() {
    let Some((host, dir)) = setup("a_changed_host_key_is_a_clear_connect_error") else {
        return;
    };
    let docker = builder(&host, &dir, "client_key", "wrong_known_hosts")
        .build()
        .unwrap();
    let err = docker.ping().await.unwrap_err();
    let failure = ssh_failure(&err);
    assert_eq!(failure.exit_code(), Some(255));
    assert!(
        failure.stderr().contains("Host key verification failed"),
        "{failure}"
    );
    assert!(err.to_string().contains(&host), "{err}");
}

#[tokio::test]
async fn a_refused_key_is_a_clear_connect_error() {
    let Some((host, dir)) = setup("a_refused_key_is_a_clear_connect_error") else {
        return;
    };
    let docker = builder(&host, &dir, "unauthorized_key", "known_hosts")
        .build()
        .unwrap();
    let err = docker.version().await.unwrap_err();
    let failure = ssh_failure(&err);
    assert_eq!(failure.exit_code(), Some(255));
    assert!(failure.stderr().contains("Permission denied"), "{failure}");
}

#[tokio::test]
async fn two_concurrent_requests_use_two_ssh_channels() {
    use std::os::unix::fs::PermissionsExt;
    let Some((host, dir)) = setup("two_concurrent_requests_use_two_ssh_channels") else {
        return;
    };
    let Some(local) = common::docker().await else {
        return;
    };
    let image = image(&local).await;
    // The real ssh, behind a wrapper counting how often it runs.
    let scratch = std::env::temp_dir().join(format!("ssh-live-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let (wrapper, log) = (scratch.join("ssh"), scratch.join("runs"));
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho run >> '{}'\nexec ssh \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let docker = builder(&host, &dir, "client_key", "known_hosts")
        .ssh_program(&wrapper)
        .build()
        .unwrap();
    let containers = docker.containers();
    let mut cleanup = common::Cleanup::new();
    let mut options = CreateContainerOptions::default();
    options.name = Some(format!("ssh-{}", unique("wait")));
    let created = containers
        .create(&config(&image, &["sleep", "300"]), options)
        .await
        .unwrap();
    cleanup.add(created.id.clone());
    containers
        .start(&created.id, Default::default())
        .await
        .unwrap();
    let runs_before = std::fs::read_to_string(&log).unwrap().lines().count();
    // The wait holds its connection until the container ends; the ping
    // meanwhile needs a second one, hence a second ssh.
    let pending = containers
        .wait_begin(&created.id, Default::default())
        .await
        .unwrap();
    docker.ping().await.unwrap();
    let runs = std::fs::read_to_string(&log).unwrap().lines().count();
    assert!(runs > runs_before && runs >= 2, "{runs_before} then {runs}");
    let mut kill = RemoveContainerOptions::default();
    kill.force = true;
    Docker::connect()
        .unwrap()
        .containers()
        .remove(&created.id, kill)
        .await
        .unwrap();
    let ended = pending.result().await.unwrap();
    assert_ne!(ended.status_code, 0, "killed, not ended by itself");
    let _ = std::fs::remove_dir_all(&scratch);
}

#[tokio::test]
async fn sequential_requests_reuse_one_ssh_killed_with_the_handle() {
    use std::os::unix::fs::PermissionsExt;
    let Some((host, dir)) = setup("sequential_requests_reuse_one_ssh") else {
        return;
    };
    let scratch = std::env::temp_dir().join(format!("ssh-live-seq-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let (wrapper, log) = (scratch.join("ssh"), scratch.join("runs"));
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho $$ >> '{}'\nexec ssh \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let docker = builder(&host, &dir, "client_key", "known_hosts")
        .ssh_program(&wrapper)
        .build()
        .unwrap();
    for _ in 0..3 {
        docker.version().await.unwrap();
        docker.ping().await.unwrap();
    }
    let pids = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_dir_all(&scratch);
    let pids: Vec<u32> = pids.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(pids.len(), 1, "an idle connection is pooled and reused");
    // The pooled connection's ssh runs until the handle goes, then is killed.
    let proc = PathBuf::from(format!("/proc/{}", pids[0]));
    assert!(proc.exists(), "ssh ended while its connection was pooled");
    drop(docker);
    for _ in 0..200 {
        if !proc.exists() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "ssh (pid {}) still runs after its handle was dropped",
        pids[0]
    );
}

/// Issue 23 item 14: over ssh, shutting down an exec's input closes ssh's
/// stdin, so the process sees end of input (as over unix and TLS, and as
/// `docker -H ssh://... exec -i` does): `wc -c` answers and the stream ends.
#[tokio::test]
async fn shutting_down_exec_input_reaches_the_process_through_ssh() {
    use docker_engine::models::ExecConfig;
    use docker_engine::StartExecOptions;
    use tokio::io::AsyncWriteExt;
    let Some((host, dir)) = setup("shutting_down_exec_input_reaches_the_process_through_ssh")
    else {
        return;
    };
    let Some(local) = common::docker().await else {
        return;
    };
    let image = image(&local).await;
    let docker = docker(&host, &dir);
    let mut cleanup = common::Cleanup::new();
    let created = docker
        .containers()
        .create(&config(&image, &["sleep", "300"]), Default::default())
        .await
        .unwrap();
    cleanup.add(created.id.clone());
    docker
        .containers()
        .start(&created.id, Default::default())
        .await
        .unwrap();
    let exec = docker.exec();
    let mut config = ExecConfig::default();
    config.attach_stdin = Some(true);
    config.attach_stdout = Some(true);
    config.cmd = Some(vec!["wc".into(), "-c".into()]);
    let made = exec.create(&created.id, &config).await.unwrap();
    let mut attached = exec
        .start(&made.id, StartExecOptions::default())
        .await
        .unwrap();
    attached.input.write_all(b"12345").await.unwrap();
    attached.input.shutdown().await.unwrap();
    let shut = std::time::Instant::now();
    // A generous deadline that only a hang misses (before the fix: forever).
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        let mut out = Vec::new();
        while let Some(frame) = attached.output.next().await {
            if let LogOutput::StdOut { message } = frame.unwrap() {
                out.extend_from_slice(&message);
            }
        }
        out
    })
    .await
    .expect("wc never saw the end of its input");
    eprintln!("wc answered {:?} after shutdown", shut.elapsed());
    assert_eq!(String::from_utf8_lossy(&out).trim(), "5");
    // Writing after the shutdown is an error, not a silent loss.
    assert!(attached.input.write_all(b"x").await.is_err());
}
