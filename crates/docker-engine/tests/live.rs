//! Every operation against the real daemon at `DOCKER_HOST` (default
//! `/var/run/docker.sock`). Outside CI the tests skip loudly when no daemon answers;
//! with `CI` set they fail.
// Options are built by assignment, the only way once they are #[non_exhaustive].
#![allow(clippy::field_reassign_with_default)]

mod common;

use std::time::Duration;

use common::{chunked, config, create, image, read_tar, sleeping, unique, Cleanup, Tar};
use docker_engine::frames::LogOutput;
use docker_engine::models::{
    ChangeType, ContainerStatus, ContainerUpdateRequest, ExecConfig, HostConfig, RestartPolicy,
    RestartPolicyName, WaitCondition,
};
use docker_engine::{
    ApiVersion, AttachOptions, ContainerFilters, CreateContainerOptions, Docker, Error,
    InspectContainerOptions, KillContainerOptions, ListContainersOptions, LogsOptions,
    PruneContainersOptions, PruneFilters, PutArchiveOptions, RemoveContainerOptions,
    RemoveImageOptions, StartExecOptions, StatsOptions, StopContainerOptions, TopOptions,
    WaitOptions, WebSocketAttachOptions,
};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

/// Bounds a step that could hang on a broken daemon, so the test fails instead.
async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(90), fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 90 s"))
}

/// Collects a log stream into (stdout, stderr, console) bytes.
async fn collect(mut stream: docker_engine::frames::LogStream) -> (String, String, Vec<u8>) {
    let (mut out, mut err, mut console) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(frame) = stream.next().await {
        match frame.expect("frame") {
            LogOutput::StdOut { message } => out.extend_from_slice(&message),
            LogOutput::StdErr { message } => err.extend_from_slice(&message),
            LogOutput::Console { message } => console.extend_from_slice(&message),
            other => panic!("unexpected frame {other:?}"),
        }
    }
    (
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
        console,
    )
}

#[tokio::test]
async fn negotiates_down_to_the_daemon_version() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let ping = docker.ping().await.unwrap();
    let daemon = ping.api_version.expect("Api-Version header");
    let version = docker.version().await.unwrap();
    assert_eq!(
        version
            .api_version
            .as_deref()
            .map(|v| v.parse::<ApiVersion>().unwrap()),
        Some(daemon)
    );

    let fresh = Docker::connect().unwrap();
    assert_eq!(
        fresh.current_api_version(),
        None,
        "nothing negotiated before first use"
    );
    // first versioned call negotiates
    fresh
        .containers()
        .list(ListContainersOptions::default())
        .await
        .unwrap();
    let chosen = fresh.current_api_version().unwrap();
    assert_eq!(chosen, daemon.min(ApiVersion::LATEST));
    assert_eq!(fresh.negotiate_api_version().await.unwrap(), chosen);
    if daemon < ApiVersion::LATEST {
        eprintln!(
            "daemon speaks {daemon}: negotiated down from {}",
            ApiVersion::LATEST
        );
    }
    // Debian's 20.10 daemon: the case this crate must handle
    if version
        .version
        .as_deref()
        .is_some_and(|v| v.starts_with("20.10"))
    {
        assert_eq!(chosen, ApiVersion::new(1, 41));
    }
    // a client pinned to 1.45 is refused by an older daemon with its own message
    if daemon < ApiVersion::LATEST {
        let pinned = Docker::builder()
            .api_version(ApiVersion::LATEST)
            .build()
            .unwrap();
        let answer = pinned.containers().list(Default::default()).await;
        if common::is_podman(&docker).await {
            // podman's departure: it serves any version prefix, newer ones included.
            answer.unwrap();
        } else {
            let err = answer.unwrap_err();
            assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
            assert!(err.to_string().contains("too new"), "{err}");
        }
    }
}

#[tokio::test]
async fn newer_parameters_are_refused_on_an_older_daemon() {
    let Some(docker) = common::docker().await else {
        return;
    };
    if docker.api_version().await.unwrap() >= ApiVersion::new(1, 42) {
        eprintln!("daemon is new enough for stop signals: nothing to refuse");
        return;
    }
    let image = image(&docker).await;
    let mut cleanup = Cleanup::new();
    let id = sleeping(&docker, &mut cleanup, &image).await;
    let err = docker
        .containers()
        .stop(
            &id,
            StopContainerOptions {
                signal: Some("SIGINT".into()),
                timeout: Some(1),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "signal"),
        "{err:?}"
    );
    // nothing was sent: still running
    let state = docker
        .containers()
        .inspect(&id, Default::default())
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(state.running, Some(true));
}

#[tokio::test]
async fn lifecycle_of_one_container() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let name = unique("life");
    let body = config(&image, &["sleep", "300"]);
    let created = containers
        .create(
            &body,
            CreateContainerOptions {
                name: Some(name.clone()),
                platform: Some("linux".into()),
            },
        )
        .await
        .unwrap();
    cleanup.add(created.id.clone());
    let id = created.id;

    // list: all + name filter + size + limit
    let list = containers
        .list(ListContainersOptions {
            all: true,
            size: true,
            limit: Some(50),
            filters: ContainerFilters::new()
                .name(name.clone())
                .status(ContainerStatus::Created),
        })
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(list[0].names.as_deref(), Some(&[format!("/{name}")][..]));
    assert!(list[0].size_root_fs.is_some(), "size asked");

    containers.start(&id, Default::default()).await.unwrap();
    // starting again is a 304, reported as success
    containers.start(&id, Default::default()).await.unwrap();
    let info = containers
        .inspect(&id, InspectContainerOptions { size: true })
        .await
        .unwrap();
    let state = info.state.unwrap();
    assert_eq!(state.status, Some(ContainerStatus::Running));
    assert!(info.size_root_fs.is_some());
    let started_at = state.started_at.clone();

    // top
    let top = containers
        .top(
            &id,
            TopOptions {
                ps_args: Some("-ef".into()),
            },
        )
        .await
        .unwrap();
    let titles = top.titles.unwrap();
    let processes = top.processes.unwrap();
    if common::is_podman(&docker).await {
        // podman's departure: the titles (and each row) may come as one string
        // rather than one entry per column; the command is still in there.
        assert!(
            titles
                .iter()
                .any(|t| t.contains("CMD") || t.contains("COMMAND")),
            "{titles:?}"
        );
        assert!(
            processes.iter().any(|p| p.join(" ").contains("sleep 300")),
            "{processes:?}"
        );
    } else {
        let cmd = titles.iter().position(|t| t == "CMD").expect("CMD column");
        assert!(processes.iter().any(|p| p[cmd].contains("sleep 300")));
    }

    // stats: one sample, then two from the stream
    let one = containers
        .stats(&id, StatsOptions { one_shot: true })
        .await
        .unwrap();
    assert!(one.read.is_some());
    assert!(
        one.memory_stats.and_then(|m| m.usage).is_some(),
        "memory usage reported"
    );
    let podman = common::is_podman(&docker).await;
    let mut stream = containers.stats_stream(&id).await.unwrap();
    for _ in 0..2 {
        let sample = bounded("a stats sample", stream.next())
            .await
            .unwrap()
            .unwrap();
        // podman's departure: its samples (one every 5 s, not 1 s) carry no `id`.
        if !podman || sample.id.is_some() {
            assert_eq!(sample.id.as_deref(), Some(id.as_str()));
        }
        assert!(sample
            .cpu_stats
            .and_then(|c| c.cpu_usage)
            .and_then(|u| u.total_usage)
            .is_some());
    }
    drop(stream);

    // pause / unpause
    containers.pause(&id).await.unwrap();
    let paused = containers
        .inspect(&id, Default::default())
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(
        (paused.status, paused.paused),
        (Some(ContainerStatus::Paused), Some(true))
    );
    containers.unpause(&id).await.unwrap();
    let running = containers
        .inspect(&id, Default::default())
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(running.status, Some(ContainerStatus::Running));

    // rename
    let renamed = unique("renamed");
    containers.rename(&id, &renamed).await.unwrap();
    let info = containers
        .inspect(&renamed, Default::default())
        .await
        .unwrap();
    assert_eq!(info.name.as_deref(), Some(format!("/{renamed}").as_str()));

    // update
    let mut restart = RestartPolicy::new();
    restart.name = Some(RestartPolicyName::OnFailure);
    restart.maximum_retry_count = Some(2);
    let mut update = ContainerUpdateRequest::new();
    update.cpu_shares = Some(512);
    update.restart_policy = Some(restart);
    let updated = containers.update(&id, &update).await;
    if podman {
        // podman's departure: 4.3 does not implement update; its 404 comes through.
        let err = updated.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
    } else {
        updated.unwrap();
        let host = containers
            .inspect(&id, Default::default())
            .await
            .unwrap()
            .host_config
            .unwrap();
        assert_eq!(host.cpu_shares, Some(512));
        assert_eq!(
            host.restart_policy.unwrap().name,
            Some(RestartPolicyName::OnFailure)
        );
    }

    // restart with a grace period: busybox sleep as pid 1 ignores SIGTERM, so it is killed after 1 s
    let before = std::time::Instant::now();
    containers
        .restart(
            &id,
            StopContainerOptions {
                timeout: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        before.elapsed() >= Duration::from_secs(1),
        "the grace period was waited"
    );
    let state = containers
        .inspect(&id, Default::default())
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(state.running, Some(true));
    assert_ne!(state.started_at, started_at, "a new start");

    // stop, then stop again (304 = already stopped, success)
    containers
        .stop(
            &id,
            StopContainerOptions {
                timeout: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    containers
        .stop(
            &id,
            StopContainerOptions {
                timeout: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let state = containers
        .inspect(&id, Default::default())
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(state.status, Some(ContainerStatus::Exited));

    // delete
    containers
        .remove(
            &id,
            RemoveContainerOptions {
                volumes: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let err = containers
        .inspect(&id, Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    // podman words it "no such container", in lower case
    assert!(
        err.to_string()
            .to_ascii_lowercase()
            .contains("no such container"),
        "daemon message kept: {err}"
    );
}

#[tokio::test]
async fn logs_keep_stdout_and_stderr_apart_and_follow_until_exit() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let id = create(
        &docker,
        &mut cleanup,
        &config(&image, &["sh", "-c", "echo out1; echo err1 >&2; echo out2"]),
    )
    .await;
    containers.start(&id, Default::default()).await.unwrap();
    let exit = bounded("wait", containers.wait(&id, Default::default()))
        .await
        .unwrap();
    assert_eq!(exit.status_code, 0);
    let (out, err, console) =
        collect(containers.logs(&id, LogsOptions::default()).await.unwrap()).await;
    assert_eq!((out.as_str(), err.as_str()), ("out1\nout2\n", "err1\n"));
    assert!(console.is_empty());
    let (out, err, _) = collect(
        containers
            .logs(
                &id,
                LogsOptions {
                    tail: Some(1),
                    ..Default::default()
                },
            )
            .await
            .unwrap(),
    )
    .await;
    // stdout and stderr are separate pipes, so which line the log file got last varies
    assert_eq!(
        out.lines().count() + err.lines().count(),
        1,
        "{out:?} {err:?}"
    );
    let (out, _, _) = collect(
        containers
            .logs(
                &id,
                LogsOptions {
                    timestamps: true,
                    stderr: false,
                    ..Default::default()
                },
            )
            .await
            .unwrap(),
    )
    .await;
    assert!(
        out.lines()
            .all(|l| l.contains('T') && l.ends_with(&l[l.len() - 4..])),
        "{out}"
    );

    // follow: the stream runs while the container prints, and ends when it exits
    let id = create(
        &docker,
        &mut cleanup,
        &config(
            &image,
            &[
                "sh",
                "-c",
                "for i in 1 2 3; do echo line$i; sleep 0.3; done; echo bye >&2",
            ],
        ),
    )
    .await;
    containers.start(&id, Default::default()).await.unwrap();
    let stream = containers
        .logs(
            &id,
            LogsOptions {
                follow: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (out, err, _) = bounded("followed logs", collect(stream)).await;
    assert_eq!(
        (out.as_str(), err.as_str()),
        ("line1\nline2\nline3\n", "bye\n")
    );
}

#[tokio::test]
async fn tty_logs_are_raw_even_when_they_start_like_a_frame_header() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let mut body = config(
        &image,
        &["printf", r"\001\000\000\000\000\000\000\005tty-out\n"],
    );
    body.tty = Some(true);
    let id = create(&docker, &mut cleanup, &body).await;
    containers.start(&id, Default::default()).await.unwrap();
    bounded("wait", containers.wait(&id, Default::default()))
        .await
        .unwrap();
    let (out, err, console) =
        collect(containers.logs(&id, LogsOptions::default()).await.unwrap()).await;
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    // the terminal turns \n into \r\n
    assert_eq!(console, b"\x01\0\0\0\0\0\0\x05tty-out\r\n");
}

#[tokio::test]
async fn attach_writes_stdin_reads_the_echo_and_half_closes() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let mut body = config(&image, &["cat"]);
    body.open_stdin = Some(true);
    body.stdin_once = Some(true);
    body.attach_stdin = Some(true);
    body.attach_stdout = Some(true);
    body.attach_stderr = Some(true);
    let id = create(&docker, &mut cleanup, &body).await;
    let attached = containers
        .attach(
            &id,
            AttachOptions {
                stream: true,
                stdin: true,
                stdout: true,
                stderr: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (output, mut input) = attached.into_parts();
    containers.start(&id, Default::default()).await.unwrap();
    input.write_all(b"hello from stdin\n").await.unwrap();
    input.write_all(b"second line\n").await.unwrap();
    input.flush().await.unwrap();
    // end of input only: cat exits, and its output is still read to the end
    input.shutdown().await.unwrap();
    let (out, err, _) = bounded("attached output", collect(output)).await;
    assert_eq!(out, "hello from stdin\nsecond line\n");
    assert_eq!(err, "");
    let exit = bounded("wait", containers.wait(&id, Default::default()))
        .await
        .unwrap();
    assert_eq!(exit.status_code, 0, "cat saw end of input and exited");
}

#[tokio::test]
async fn websocket_attach_round_trip() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let mut body = config(&image, &["cat"]);
    body.open_stdin = Some(true);
    body.stdin_once = Some(true);
    let id = create(&docker, &mut cleanup, &body).await;
    containers.start(&id, Default::default()).await.unwrap();
    let ws = containers
        .attach_websocket(
            &id,
            WebSocketAttachOptions {
                stream: true,
                ..Default::default()
            },
        )
        .await;
    if common::is_podman(&docker).await {
        // podman's departure: 4.3 has no websocket attach; the 404 comes through as is.
        let err = ws.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
        return;
    }
    let ws = ws.unwrap();
    let (mut output, mut input) = (ws.output, ws.input);
    input.send(&b"over the websocket\n"[..]).await.unwrap();
    let mut seen = Vec::new();
    while !seen.ends_with(b"over the websocket\n") {
        match bounded("websocket echo", output.next()).await {
            Some(Ok(LogOutput::Console { message })) => seen.extend_from_slice(&message),
            other => panic!(
                "unexpected {other:?} after {:?}",
                String::from_utf8_lossy(&seen)
            ),
        }
    }
    input.close().await.unwrap();
    drop(output);
    // closing the session closes stdin (StdinOnce): cat ends
    let exit = bounded("wait", containers.wait(&id, Default::default()))
        .await
        .unwrap();
    assert_eq!(exit.status_code, 0);
}

#[tokio::test]
async fn archive_put_get_head_round_trip() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let id = create(&docker, &mut cleanup, &config(&image, &["true"])).await;
    let payload: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let tar = Tar::new()
        .dir("upload/", 0o755)
        .file("upload/payload.bin", 0o640, &payload)
        .finish();
    // streamed in small chunks, never as one buffer
    containers
        .put_archive(
            &id,
            "/tmp",
            chunked(tar, 8 * 1024),
            PutArchiveOptions {
                no_overwrite_dir_non_dir: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let head = containers
        .archive_info(&id, "/tmp/upload/payload.bin")
        .await
        .unwrap();
    assert_eq!(head.name.as_deref(), Some("payload.bin"));
    assert_eq!(head.size, Some(payload.len() as i64));
    assert!(!head.is_dir());
    assert_eq!(head.permissions(), 0o640);
    let dir = containers.archive_info(&id, "/tmp/upload").await.unwrap();
    assert!(dir.is_dir());

    let archive = containers
        .archive(&id, "/tmp/upload/payload.bin")
        .await
        .unwrap();
    assert_eq!(archive.stat, head);
    let mut tar = Vec::new();
    let mut body = archive.body;
    while let Some(chunk) = body.next().await {
        tar.extend_from_slice(&chunk.unwrap());
    }
    let entries = read_tar(&tar);
    let file = entries
        .iter()
        .find(|e| e.name == "payload.bin")
        .expect("payload in the archive");
    assert!(file.data == payload, "byte-equal content");

    let err = containers
        .archive_info(&id, "/no/such/path")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn export_changes_kill_wait_and_resize() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();

    // changes: a file the container made
    let id = create(
        &docker,
        &mut cleanup,
        &config(&image, &["sh", "-c", "touch /tmp/made-here"]),
    )
    .await;
    containers.start(&id, Default::default()).await.unwrap();
    bounded("wait", containers.wait(&id, Default::default()))
        .await
        .unwrap();
    let changes = containers.changes(&id).await.unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c.path == "/tmp/made-here" && c.kind == ChangeType::Added),
        "{changes:?}"
    );

    // export: the whole filesystem as tar
    let mut export = containers.export(&id).await.unwrap();
    let mut tar = Vec::new();
    while let Some(chunk) = export.next().await {
        tar.extend_from_slice(&chunk.unwrap());
    }
    let names: Vec<String> = read_tar(&tar).into_iter().map(|e| e.name).collect();
    assert!(names.iter().any(|n| n == "bin/busybox"), "{names:?}");
    assert!(names.iter().any(|n| n == "tmp/made-here"));

    // wait registered before start cannot miss the exit
    let id = create(
        &docker,
        &mut cleanup,
        &config(&image, &["sh", "-c", "exit 7"]),
    )
    .await;
    let pending = containers
        .wait_begin(
            &id,
            WaitOptions {
                condition: Some(WaitCondition::NextExit),
            },
        )
        .await
        .unwrap();
    containers.start(&id, Default::default()).await.unwrap();
    assert_eq!(
        bounded("next-exit", pending.result())
            .await
            .unwrap()
            .status_code,
        7
    );

    // kill with a signal
    let mut body = config(&image, &["sleep", "300"]);
    body.tty = Some(true);
    let id = create(&docker, &mut cleanup, &body).await;
    containers.start(&id, Default::default()).await.unwrap();
    containers.resize(&id, 40, 120).await.unwrap();
    containers
        .kill(
            &id,
            KillContainerOptions {
                signal: Some("SIGKILL".into()),
            },
        )
        .await
        .unwrap();
    let exit = bounded(
        "wait",
        containers.wait(
            &id,
            WaitOptions {
                condition: Some(WaitCondition::NotRunning),
            },
        ),
    )
    .await
    .unwrap();
    assert_eq!(exit.status_code, 137);
    let err = containers.kill(&id, Default::default()).await.unwrap_err();
    // podman's departure: a conflict with the container's state is a 500 there.
    let conflict = if common::is_podman(&docker).await {
        500
    } else {
        409
    };
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(conflict),
        "not running: {err}"
    );
}

#[tokio::test]
async fn prune_removes_only_what_the_filter_selects() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let label = unique("prune");
    let mut body = config(&image, &["true"]);
    body.labels = Some([(label.clone(), "yes".to_string())].into_iter().collect());
    let doomed = create(&docker, &mut cleanup, &body).await;
    let kept = create(&docker, &mut cleanup, &config(&image, &["true"])).await;
    // The daemon runs one prune at a time and answers 409 to a second one; another
    // process on the same daemon (a benchmark, a parallel CI job) may be pruning.
    let mut tries = 0;
    let pruned = loop {
        let result = containers
            .prune(PruneContainersOptions {
                filters: PruneFilters::new().label(format!("{label}=yes")),
            })
            .await;
        match result {
            Err(e) if e.status().map(|s| s.as_u16()) == Some(409) && tries < 20 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            other => break other.unwrap(),
        }
    };
    assert_eq!(pruned.containers_deleted, Some(vec![doomed.clone()]));
    assert!(containers
        .inspect(&doomed, Default::default())
        .await
        .is_err());
    assert!(containers.inspect(&kept, Default::default()).await.is_ok());
}

#[tokio::test]
async fn exec_streams_inspect_and_resize() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let mut cleanup = Cleanup::new();
    let id = sleeping(&docker, &mut cleanup, &image).await;
    let exec = docker.exec();

    let created = exec
        .create(
            &id,
            &ExecConfig {
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                cmd: Some(vec![
                    "sh".into(),
                    "-c".into(),
                    "echo exec-out; echo exec-err >&2; exit 3".into(),
                ]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let attached = exec
        .start(&created.id, StartExecOptions::default())
        .await
        .unwrap();
    let (out, err, _) = bounded("exec output", collect(attached.output)).await;
    assert_eq!((out.as_str(), err.as_str()), ("exec-out\n", "exec-err\n"));
    let info = exec.inspect(&created.id).await.unwrap();
    assert_eq!((info.running, info.exit_code), (Some(false), Some(3)));
    assert_eq!(info.container_id.as_deref(), Some(id.as_str()));

    // stdin through exec, half-closed
    let created = exec
        .create(
            &id,
            &ExecConfig {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                cmd: Some(vec!["wc".into(), "-c".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut attached = exec
        .start(&created.id, StartExecOptions::default())
        .await
        .unwrap();
    attached.input.write_all(b"12345").await.unwrap();
    attached.input.shutdown().await.unwrap();
    let (out, _, _) = bounded("exec wc", collect(attached.output)).await;
    assert_eq!(out.trim(), "5");

    // a TTY exec: raw output, and resize while it runs
    let created = exec
        .create(
            &id,
            &ExecConfig {
                attach_stdout: Some(true),
                tty: Some(true),
                cmd: Some(vec!["sh".into(), "-c".into(), "sleep 1; stty size".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let attached = exec
        .start(&created.id, StartExecOptions::default())
        .await
        .unwrap();
    exec.resize(&created.id, 33, 99).await.unwrap();
    let (out, err, console) = bounded("tty exec", collect(attached.output)).await;
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    assert_eq!(String::from_utf8_lossy(&console).trim(), "33 99");

    // detached start
    let created = exec
        .create(
            &id,
            &ExecConfig {
                cmd: Some(vec!["true".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    exec.start_detached(&created.id, Default::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn image_import_inspect_delete() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let tag = unique("img");
    // A repository of its own, so that podman's `latest` below cannot collide.
    let repo = format!("docker-engine-test/import-{tag}");
    let imported = docker
        .images()
        .import(
            chunked(common::busybox_rootfs(), 64 * 1024),
            docker_engine::ImportImageOptions {
                repo: Some(repo.clone()),
                tag: Some(tag.clone()),
                changes: vec![r#"CMD ["/bin/sh"]"#.into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let podman = common::is_podman(&docker).await;
    // podman's departure: 4.3 ignores the `tag` of an import and tags `latest`,
    // and reports names fully qualified (`docker.io/...`).
    let name = if podman {
        format!("{repo}:latest")
    } else {
        format!("{repo}:{tag}")
    };
    let info = docker.images().inspect(&name).await.unwrap();
    assert_eq!(info.id, imported.id);
    let tags = info.repo_tags.unwrap_or_default();
    assert!(
        tags.iter()
            .any(|t| t == &name || (podman && t == &format!("docker.io/{name}"))),
        "{tags:?}"
    );
    assert_eq!(
        info.config.and_then(|c| c.cmd),
        Some(vec!["/bin/sh".to_string()])
    );
    let deleted = docker
        .images()
        .remove(&name, RemoveImageOptions::default())
        .await
        .unwrap();
    assert!(
        deleted.iter().any(|d| d
            .untagged
            .as_deref()
            .is_some_and(|u| u == name || (podman && u == format!("docker.io/{name}")))),
        "{deleted:?}"
    );
    let err = docker.images().inspect(&name).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn create_config_round_trips_through_inspect() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let mut cleanup = Cleanup::new();
    let mut body = config(&image, &["sleep", "1"]);
    body.env = Some(vec!["GREETING=hi".into()]);
    let mut host = HostConfig::new();
    host.memory = Some(64 * 1024 * 1024);
    host.init = Some(false);
    body.host_config = Some(host);
    let id = create(&docker, &mut cleanup, &body).await;
    let info = docker
        .containers()
        .inspect(&id, Default::default())
        .await
        .unwrap();
    assert!(info
        .config
        .unwrap()
        .env
        .unwrap()
        .contains(&"GREETING=hi".to_string()));
    assert_eq!(info.host_config.unwrap().memory, Some(64 * 1024 * 1024));
}

#[tokio::test]
async fn attach_to_a_tty_container_is_raw() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let mut body = config(&image, &["cat"]);
    body.tty = Some(true);
    body.open_stdin = Some(true);
    body.attach_stdin = Some(true);
    body.attach_stdout = Some(true);
    let id = create(&docker, &mut cleanup, &body).await;
    let attached = containers
        .attach(
            &id,
            AttachOptions {
                stream: true,
                stdin: true,
                stdout: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (mut output, mut input) = attached.into_parts();
    containers.start(&id, Default::default()).await.unwrap();
    input.write_all(b"typed\n").await.unwrap();
    input.flush().await.unwrap();
    // the terminal echoes the input, then cat writes it back: raw console chunks only
    let mut seen = Vec::new();
    while seen.windows(5).filter(|w| w == b"typed").count() < 2 {
        match bounded("tty echo", output.next()).await {
            Some(Ok(LogOutput::Console { message })) => seen.extend_from_slice(&message),
            other => panic!(
                "unexpected {other:?} after {:?}",
                String::from_utf8_lossy(&seen)
            ),
        }
    }
    containers
        .kill(&id, KillContainerOptions::default())
        .await
        .unwrap();
}

/// What running against podman and real configurations taught (issue 13, items
/// 2 to 5), on whichever daemon `DOCKER_HOST` names.
#[tokio::test]
async fn quirks_of_real_daemons_are_handled() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();

    // MemorySwappiness -1 ("not set"), as podman's inspect reports it, is taken
    let mut body = config(&image, &["sh", "-c", "sleep 2; echo late; sleep 30"]);
    body.host_config =
        Some(serde_json::from_value(serde_json::json!({"MemorySwappiness": -1})).unwrap());
    let id = create(&docker, &mut cleanup, &body).await;

    // an empty image name is refused before anything is sent
    let mut nameless = body.clone();
    nameless.image = Some(String::new());
    let err = containers
        .create(&nameless, CreateContainerOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "image"),
        "{err:?}"
    );

    // a followed log waits for its head beyond the call timeout (podman holds
    // the head until the first line, two seconds in)
    let impatient = Docker::builder()
        .host(docker.host())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    containers.start(&id, Default::default()).await.unwrap();
    let mut options = LogsOptions::default();
    options.follow = true;
    options.since = Some("10m".parse().unwrap());
    let mut followed = bounded("followed logs", impatient.containers().logs(&id, options))
        .await
        .unwrap();
    let first = bounded("the first line", followed.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        first,
        LogOutput::StdOut {
            message: "late\n".into()
        }
    );
    drop(followed);

    // until, RFC 3339 with nanoseconds, long before the container: nothing
    let mut options = LogsOptions::default();
    options.until = Some("2001-01-01T00:00:00.000000001Z".parse().unwrap());
    let (out, err, _) = collect(containers.logs(&id, options).await.unwrap()).await;
    assert_eq!((out.as_str(), err.as_str()), ("", ""));

    // exec framing follows the Tty given at create, whatever the start options
    let exec = docker.exec();
    let created = exec
        .create(
            &id,
            &ExecConfig {
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(true),
                cmd: Some(vec!["echo".into(), "from a tty".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let attached = exec
        .start(&created.id, StartExecOptions::default())
        .await
        .unwrap();
    let (out, err, console) = bounded("tty exec", collect(attached.output)).await;
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    assert_eq!(String::from_utf8_lossy(&console).trim(), "from a tty");

    // archive_info on a missing path says which path is missing
    let err = containers
        .archive_info(&id, "/dremote-no-such-file")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
    assert!(err.to_string().contains("/dremote-no-such-file"), "{err}");
}
