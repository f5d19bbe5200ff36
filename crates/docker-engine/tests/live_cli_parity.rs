//! Issue 23's Docker items against the real daemon (dockerd, or podman with
//! `DOCKER_HOST=unix:///run/podman-ci/podman.sock`), each compared with the
//! docker CLI's answer on the same daemon where the CLI has one.
#![allow(clippy::field_reassign_with_default)]

mod common;

use std::process::Command;
use std::time::Duration;

use api_client_transport::bytes::Bytes;
use common::{config, image, unique, Cleanup};
use docker_engine::models::{ContainerCreateRequest, NetworkCreateRequest};
use docker_engine::{
    BuildOptions, EventsOptions, InspectContainerOptions, ListImagesOptions, RunOptions, RunOutput,
};
use futures_util::StreamExt;

const CLI: &str = "/usr/local/bin/docker";

/// Bounds a step that could hang, so the test fails instead.
async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 120 s"))
}

/// The docker CLI on the daemon this process's `DOCKER_HOST` names.
fn cli(args: &[&str]) -> std::process::Output {
    Command::new(CLI)
        .args(args)
        .output()
        .expect("run the docker CLI")
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        builder.append_data(&mut header, name, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

/// Item 15: `since`/`until` as `10m`, a Go duration or RFC 3339 reach the
/// daemon as Unix seconds: the same window gives the CLI's events.
#[tokio::test]
async fn events_since_until_in_the_cli_forms() {
    let Some(docker) = common::docker().await else {
        return;
    };
    // Make sure the window holds something.
    let podman = common::is_podman(&docker).await;
    let image = image(&docker).await;
    let created = docker
        .containers()
        .create(&config(&image, &["true"]), Default::default())
        .await
        .unwrap();
    docker
        .containers()
        .remove(&created.id, Default::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let now = time::OffsetDateTime::now_utc();
    let until = (now - time::Duration::milliseconds(500))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    for since in ["10m", "1h30m", "2m30.5s"] {
        let options = EventsOptions {
            since: Some(since.into()),
            until: Some(until.clone()),
            ..Default::default()
        };
        let ours: Vec<String> = bounded("events", async {
            docker
                .events(options)
                .await
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    format!(
                        "{} {} {}",
                        e.time_nano.unwrap_or_default(),
                        e.action.unwrap_or_default(),
                        e.actor.and_then(|a| a.id).unwrap_or_default()
                    )
                })
                .collect()
                .await
        })
        .await;
        if podman {
            // podman 4.3 accepted the converted times (the unconverted `10m` was
            // a 500), but its file-backed history answers the same window
            // differently from one read to the next (its own `system refresh`
            // event came and went between our read and the CLI's), so there is
            // no stable answer to compare with.
            continue;
        }
        assert!(
            ours.iter().any(|line| line.contains(&created.id)),
            "{since}: {ours:?}"
        );
        let out = cli(&[
            "events",
            "--since",
            since,
            "--until",
            &until,
            "--format",
            "{{.TimeNano}} {{.Action}} {{.Actor.ID}}",
        ]);
        assert!(out.status.success(), "{out:?}");
        let theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        // The CLI read its `since` a moment later: compare the events both saw.
        let start = theirs.first().cloned().unwrap_or_default();
        let ours: Vec<String> = ours.into_iter().skip_while(|line| *line != start).collect();
        assert_eq!(ours, theirs, "{since}");
    }
}

/// Item 16: a second network of the same name is refused, as the CLI's is.
#[tokio::test]
async fn a_duplicate_network_name_is_refused_like_the_cli() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let name = unique("dup");
    let mut config = NetworkCreateRequest::default();
    config.name = name.clone();
    docker.networks().create(&config).await.unwrap();
    let second = docker.networks().create(&config).await;
    let cli_second = cli(&["network", "create", &name]);
    // Both ways, never two networks of that name.
    let listed = cli(&["network", "ls", "--filter", &format!("name=^{name}$"), "-q"]);
    for id in String::from_utf8_lossy(&listed.stdout).lines() {
        let _ = cli(&["network", "rm", id]);
    }
    let err = second.expect_err("a second network of the same name");
    // dockerd: 409; podman 4.3: 500 "network already exists".
    assert!(
        err.status().map(|s| s.as_u16()) == Some(409) || err.to_string().contains("already"),
        "{err}"
    );
    assert!(!cli_second.status.success(), "{cli_second:?}");
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).lines().count(),
        1,
        "{listed:?}"
    );
}

/// Item 17: a quiet build's only message is the image id; `image_id` finds it.
#[tokio::test]
async fn a_quiet_build_reports_its_image_id() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let base = image(&docker).await;
    let tag = format!("{}:1", unique("quiet"));
    let dockerfile = format!("FROM {base}\nLABEL quiet=yes\n");
    let context = tar_of(&[("Dockerfile", dockerfile.as_bytes())]);
    let mut options = BuildOptions::default();
    options.tags = vec![tag.clone()];
    options.quiet = true;
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(context))]);
    let id = bounded("quiet build", async {
        docker.images().build(body, options).await?.image_id().await
    })
    .await;
    let inspected = cli(&["image", "inspect", "--format", "{{.Id}}", &tag]);
    let _ = cli(&["image", "rm", &tag]);
    let id = id.expect("build").expect("the quiet build's id");
    let theirs = String::from_utf8_lossy(&inspected.stdout)
        .trim()
        .to_string();
    assert_eq!(id, theirs);
}

/// Item 13: `run` attaches before start: a last line without newline is
/// never lost (100 of 100), the capture limit holds, and binary output is
/// the process's own bytes, as `docker run` gives them.
#[tokio::test]
async fn run_keeps_all_output_like_the_cli() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    // 100 runs, four at a time.
    let mut complete = 0;
    for _ in 0..25 {
        let runs = (0..4).map(|_| {
            let c = containers.clone();
            let cfg = config(&image, &["sh", "-c", "printf abc"]);
            async move { bounded("run", c.run(&cfg, RunOptions::default())).await }
        });
        for done in futures_util::future::join_all(runs).await {
            let done = done.expect("run");
            assert_eq!(done.exit_code, 0);
            if done.stdout == b"abc" {
                complete += 1;
            }
        }
    }
    assert_eq!(complete, 100, "runs with their whole output");

    // The capture limit: the first 10 bytes, and it says so.
    let mut options = RunOptions::default();
    options.output = RunOutput::Capture { limit: 10 };
    let cfg = config(
        &image,
        &[
            "sh",
            "-c",
            "printf 0123456789abcdef; printf err >&2; exit 3",
        ],
    );
    let done = bounded("run", containers.run(&cfg, options)).await.unwrap();
    assert_eq!(done.stdout, b"0123456789");
    assert_eq!(done.stderr, b"err");
    assert!(done.truncated);
    assert_eq!(done.exit_code, 3);

    // Binary output: the busybox binary, byte for byte as the CLI shows it.
    let cfg = config(&image, &["cat", "/bin/busybox"]);
    let done = bounded("run", containers.run(&cfg, RunOptions::default()))
        .await
        .unwrap();
    let cli_out = cli(&["run", "--rm", &image, "cat", "/bin/busybox"]);
    assert!(cli_out.status.success(), "{:?}", cli_out.status);
    assert!(done.stdout.len() > 100_000, "{}", done.stdout.len());
    assert!(
        done.stdout == cli_out.stdout,
        "ours {} bytes, the CLI's {}",
        done.stdout.len(),
        cli_out.stdout.len()
    );
    let local = std::fs::read(common::busybox_path()).unwrap();
    assert!(done.stdout == local, "the bytes of busybox itself");
}

/// Item 18: an inspected configuration can be sent back to create (podman
/// sends `CgroupnsMode: ""`, its "unset"), and a list answered with an empty
/// body (podman, `digests=true`) is an empty list, not a decode error.
#[tokio::test]
async fn inspected_host_config_goes_back_and_empty_lists_read() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let containers = docker.containers();
    let mut cleanup = Cleanup::new();
    let first = containers
        .create(&config(&image, &["true"]), Default::default())
        .await
        .unwrap();
    cleanup.add(first.id.clone());
    let inspected = containers
        .inspect(&first.id, InspectContainerOptions::default())
        .await
        .unwrap();
    let mut again = ContainerCreateRequest::default();
    again.image = Some(image.clone());
    again.cmd = Some(vec!["true".into()]);
    again.host_config = inspected.host_config.clone();
    if let Some(host) = &mut again.host_config {
        // podman 4.3 inspects a default ulimit its own create then refuses
        // ("invalid ulimit type: RLIMIT_NOFILE"): a daemon bug, not a local
        // refusal, and beside the point here.
        host.ulimits = None;
    }
    let second = containers
        .create(&again, Default::default())
        .await
        .expect("create from the inspected HostConfig");
    cleanup.add(second.id.clone());

    let images = docker.images();
    let mut options = ListImagesOptions::default();
    options.digests = true;
    images.list(options).await.expect("list with digests");
    // Without it, the list is the CLI's.
    let mut ours: Vec<String> = images
        .list(ListImagesOptions::default())
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    let out = cli(&["images", "-q", "--no-trunc"]);
    let mut theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    ours.sort();
    ours.dedup();
    theirs.sort();
    theirs.dedup();
    assert_eq!(ours, theirs);
}
