//! Swarm mode against the CI dockerd, each step compared with the docker CLI on
//! the same daemon: init, inspect, update; a node label; an image pushed to the
//! local registry with credentials and run as a service of 2 replicas (whose
//! nodes pull it with those credentials), scaled to 3, its tasks listed,
//! inspected and their logs read, updated through the version-retry helper
//! (with a real conflict made by the CLI in between), rolled back, removed; a
//! secret and a config mounted into the service and read inside a task's
//! container; leave. Against podman, the swarm calls give `NotSupported`.
//!
//! One test drives every step in order: a swarm changes the daemon's networks,
//! so this binary runs apart from the other live suites. A guard leaves the
//! daemon as it was found (no swarm, no `docker_gwbridge`), also when a step fails.
#![cfg(unix)]
#![allow(clippy::field_reassign_with_default)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use docker_engine::frames::LogOutput;
use docker_engine::models::{
    ConfigSpec, SecretSpec, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated,
    SwarmInitRequest, TaskSpec, TaskSpecContainerSpec, TaskSpecContainerSpecConfigsItem,
    TaskSpecContainerSpecConfigsItemFile, TaskSpecContainerSpecSecretsItem,
    TaskSpecContainerSpecSecretsItemFile,
};
use docker_engine::{
    CreateServiceOptions, DaemonErrorExt, Docker, InspectServiceOptions, LeaveSwarmOptions,
    ListNodesOptions, ListServicesOptions, ListTasksOptions, PushImageOptions, RegistryAuth,
    RemoveImageOptions, TaskFilters, TaskLogsOptions, UpdateServiceOptions, UpdateSwarmOptions,
};
use futures_util::StreamExt;

const REGISTRY: &str = "127.0.0.1:5000";
const USER: &str = "docker-engine";
const PASSWORD: &str = "docker-engine-registry-pw";
const GWBRIDGE: &str = "docker_gwbridge";

fn cli(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("run the docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn cli_raw(args: &[&str]) -> Vec<u8> {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}");
    out.stdout
}

fn quiet(args: &[&str]) -> bool {
    Command::new("docker")
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Puts the daemon back as it was, whatever happened: removes what the test made,
/// leaves the swarm it joined, and removes `docker_gwbridge` if it was not there.
struct Guard {
    services: Vec<String>,
    secrets: Vec<String>,
    configs: Vec<String>,
    images: Vec<String>,
    swarm: bool,
    gwbridge_before: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        for s in &self.services {
            quiet(&["service", "rm", s]);
        }
        // A secret in use by a task cannot go until the task's container is gone.
        let deadline = Instant::now() + Duration::from_secs(60);
        for (kind, names) in [("secret", &self.secrets), ("config", &self.configs)] {
            for n in names {
                while !quiet(&[kind, "rm", n]) && quiet(&[kind, "inspect", n]) {
                    if Instant::now() > deadline {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
        if self.swarm {
            quiet(&["swarm", "leave", "--force"]);
        }
        if !self.gwbridge_before && !remove_gwbridge() {
            // dockerd 20.10 may keep the ingress sandbox (an endpoint on
            // docker_gwbridge) of a swarm left soon after it was made; a swarm
            // made and left again takes it down.
            quiet(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
            std::thread::sleep(Duration::from_secs(5));
            quiet(&["swarm", "leave", "--force"]);
            if !remove_gwbridge() {
                eprintln!("=== live swarm test: could not remove {GWBRIDGE} ===");
            }
        }
        for i in &self.images {
            quiet(&["image", "rm", i]);
        }
    }
}

/// Removes `docker_gwbridge` once the ingress network is gone; whether it is gone.
fn remove_gwbridge() -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if !quiet(&["network", "inspect", GWBRIDGE]) {
            return true;
        }
        if !quiet(&["network", "inspect", "ingress"]) {
            quiet(&["network", "rm", GWBRIDGE]);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    !quiet(&["network", "inspect", GWBRIDGE])
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(180);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn running_tasks(docker: &Docker, service: &str) -> Vec<docker_engine::models::Task> {
    let options = ListTasksOptions::service(service);
    let mut options = options;
    options.filters = TaskFilters::new().service(service).desired_state("running");
    docker
        .tasks()
        .list(options)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| {
            t.status
                .as_ref()
                .and_then(|s| s.state.as_ref())
                .is_some_and(|s| s.as_str() == "running")
        })
        .collect()
}

fn env_of(docker_cli_service: &str) -> String {
    cli(&[
        "service",
        "inspect",
        "--format",
        "{{json .Spec.TaskTemplate.ContainerSpec.Env}}",
        docker_cli_service,
    ])
}

async fn log_bytes(stream: docker_engine::frames::LogStream) -> Vec<u8> {
    let mut out = Vec::new();
    let frames: Vec<_> = stream.collect().await;
    for f in frames {
        match f.unwrap() {
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                out.extend_from_slice(&message)
            }
            LogOutput::StdErr { .. } => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
    out
}

#[tokio::test]
async fn swarm_round_trip() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let state = cli(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
    if state != "inactive" {
        // Someone else's swarm: never touch it.
        assert!(
            std::env::var_os("CI").is_none(),
            "the CI daemon is already in a swarm ({state})"
        );
        eprintln!("=== SKIPPING live swarm test: the daemon is in a swarm ({state}) ===");
        return;
    }
    let mut guard = Guard {
        services: Vec::new(),
        secrets: Vec::new(),
        configs: Vec::new(),
        images: Vec::new(),
        swarm: false,
        gwbridge_before: quiet(&["network", "inspect", GWBRIDGE]),
    };
    let tag = common::unique("swarm");

    // ---- swarm init / inspect / update
    let swarm = docker.swarm();
    let mut init = SwarmInitRequest::new();
    init.advertise_addr = Some("127.0.0.1".into());
    init.listen_addr = Some("127.0.0.1:2377".into());
    guard.swarm = true;
    let node_id = swarm.init(&init).await.unwrap();
    assert_eq!(node_id, cli(&["info", "--format", "{{.Swarm.NodeID}}"]));
    let info = swarm.inspect().await.unwrap();
    assert_eq!(
        info.id.as_deref().unwrap(),
        cli(&["info", "--format", "{{.Swarm.Cluster.ID}}"])
    );
    let tokens = info.join_tokens.clone().unwrap();
    assert_eq!(
        tokens.worker.unwrap().expose(),
        cli(&["swarm", "join-token", "-q", "worker"])
    );
    let mut spec = info.spec.clone().unwrap();
    spec.labels = Some([("dengine".to_string(), tag.clone())].into());
    let version = info.version.unwrap().index.unwrap();
    swarm
        .update(version, &spec, UpdateSwarmOptions::default())
        .await
        .unwrap();
    assert_eq!(
        cli(&["info", "--format", "{{json .Swarm.Cluster.Spec.Labels}}"]),
        format!(r#"{{"dengine":"{tag}"}}"#)
    );
    // A stale version is refused.
    let err = swarm
        .update(version, &spec, UpdateSwarmOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("out of sequence"), "{err}");

    // ---- nodes
    let nodes = docker.nodes();
    let list = nodes.list(ListNodesOptions::default()).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id.as_deref(), Some(node_id.as_str()));
    let node = nodes.inspect(&node_id).await.unwrap();
    assert_eq!(
        node.description.unwrap().hostname.unwrap(),
        cli(&[
            "node",
            "inspect",
            "self",
            "--format",
            "{{.Description.Hostname}}"
        ])
    );
    nodes
        .update_with(&node_id, |spec| {
            spec.labels
                .get_or_insert_with(Default::default)
                .insert("dengine".into(), "node-label".into());
        })
        .await
        .unwrap();
    assert_eq!(
        cli(&[
            "node",
            "inspect",
            "self",
            "--format",
            "{{json .Spec.Labels}}"
        ]),
        r#"{"dengine":"node-label"}"#
    );

    // ---- the image, in the local registry behind credentials
    let local = common::image(&docker).await;
    let remote = format!("{REGISTRY}/dengine-swarm/busybox:{tag}");
    docker.images().tag(&local, &remote).await.unwrap();
    guard.images.push(remote.clone());
    let auth = RegistryAuth::password(REGISTRY, USER, PASSWORD);
    let mut push = PushImageOptions::default();
    push.auth = Some(auth.clone());
    docker
        .images()
        .push(&remote, push)
        .await
        .unwrap()
        .finish()
        .await
        .unwrap();
    // The node must pull it back, with the credentials the service carries.
    docker
        .images()
        .remove(&remote, RemoveImageOptions::default())
        .await
        .unwrap();

    // ---- a secret and a config
    let secret_name = format!("{tag}-secret");
    let config_name = format!("{tag}-config");
    let secret_id = docker
        .secrets()
        .create(&SecretSpec::with_data(&secret_name, b"s3cret-value"))
        .await
        .unwrap()
        .id;
    guard.secrets.push(secret_name.clone());
    let config_id = docker
        .configs()
        .create(&ConfigSpec::with_data(&config_name, b"config-value"))
        .await
        .unwrap()
        .id;
    guard.configs.push(config_name.clone());
    assert_eq!(
        cli(&["secret", "inspect", "--format", "{{.ID}}", &secret_name]),
        secret_id
    );
    assert_eq!(
        cli(&[
            "config",
            "inspect",
            "--format",
            "{{json .Spec.Data}}",
            &config_name
        ]),
        r#""Y29uZmlnLXZhbHVl""#
    );

    // ---- a service of 2 replicas
    let service_name = format!("{tag}-svc");
    guard.services.push(service_name.clone());
    let mut container = TaskSpecContainerSpec::new();
    container.image = Some(remote.clone());
    container.args = Some(vec![
        "sh".into(),
        "-c".into(),
        "echo task-up; cat /run/secrets/app-secret; echo; cat /etc/app.conf; echo; exec sleep 600"
            .into(),
    ]);
    let mut secret_file = TaskSpecContainerSpecSecretsItemFile::new();
    secret_file.name = Some("app-secret".into());
    secret_file.uid = Some("0".into());
    secret_file.gid = Some("0".into());
    secret_file.mode = Some(0o444);
    let mut secret_ref = TaskSpecContainerSpecSecretsItem::new();
    secret_ref.file = Some(secret_file);
    secret_ref.secret_id = Some(secret_id.clone());
    secret_ref.secret_name = Some(secret_name.clone());
    container.secrets = Some(vec![secret_ref]);
    let mut config_file = TaskSpecContainerSpecConfigsItemFile::new();
    config_file.name = Some("/etc/app.conf".into());
    config_file.uid = Some("0".into());
    config_file.gid = Some("0".into());
    config_file.mode = Some(0o444);
    let mut config_ref = TaskSpecContainerSpecConfigsItem::new();
    config_ref.file = Some(config_file);
    config_ref.config_id = Some(config_id.clone());
    config_ref.config_name = Some(config_name.clone());
    container.configs = Some(vec![config_ref]);
    container.env = Some(vec!["PATH=/bin".into()]);
    let mut task = TaskSpec::new();
    task.container_spec = Some(container);
    let mut replicated = ServiceSpecModeReplicated::new();
    replicated.replicas = Some(2);
    let mut mode = ServiceSpecMode::new();
    mode.replicated = Some(replicated);
    let mut spec = ServiceSpec::new();
    spec.name = Some(service_name.clone());
    spec.task_template = Some(task);
    spec.mode = Some(mode);
    let services = docker.services();
    let created = services
        .create(
            &spec,
            CreateServiceOptions::default().with_auth(auth.clone()),
        )
        .await
        .unwrap();
    let service_id = created.id.unwrap();
    assert_eq!(
        cli(&["service", "inspect", "--format", "{{.ID}}", &service_name]),
        service_id
    );
    // The node had no copy: it pulled the image with the service's credentials.
    assert!(docker
        .images()
        .inspect(&remote)
        .await
        .unwrap_err()
        .is_not_found());
    wait_for("2 running tasks", || async {
        running_tasks(&docker, &service_name).await.len() == 2
    })
    .await;

    docker
        .images()
        .inspect(&remote)
        .await
        .expect("pulled by the node");

    // ---- scaled to 3 through the version-retry helper
    services
        .update_with(
            &service_name,
            UpdateServiceOptions::default().with_auth(auth.clone()),
            |s| {
                s.mode
                    .as_mut()
                    .unwrap()
                    .replicated
                    .as_mut()
                    .unwrap()
                    .replicas = Some(3);
            },
        )
        .await
        .unwrap();
    wait_for("3 running tasks", || async {
        running_tasks(&docker, &service_name).await.len() == 3
    })
    .await;
    let listed = services.list(ListServicesOptions::default()).await.unwrap();
    assert!(listed.iter().any(|s| s.id.as_deref() == Some(&service_id)));
    wait_for("docker service ls to say 3/3", || async {
        cli(&[
            "service",
            "ls",
            "--filter",
            &format!("id={service_id}"),
            "--format",
            "{{.Replicas}}",
        ]) == "3/3"
    })
    .await;

    // ---- tasks listed and inspected, as `docker service ps` sees them
    let tasks = running_tasks(&docker, &service_name).await;
    let mut ours: Vec<String> = tasks.iter().map(|t| t.id.clone().unwrap()).collect();
    ours.sort();
    let mut theirs: Vec<String> = cli(&[
        "service",
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        "desired-state=running",
        &service_name,
    ])
    .lines()
    .map(String::from)
    .collect();
    theirs.sort();
    assert_eq!(ours, theirs);
    for t in &tasks {
        let id = t.id.as_deref().unwrap();
        let inspected = docker.tasks().inspect(id).await.unwrap();
        assert_eq!(inspected.service_id.as_deref(), Some(service_id.as_str()));
        assert_eq!(
            inspected.node_id.as_deref().unwrap(),
            cli(&["inspect", "--type", "task", "--format", "{{.NodeID}}", id])
        );
    }

    // ---- the secret and the config inside a task's container
    let container_id = docker
        .tasks()
        .inspect(tasks[0].id.as_deref().unwrap())
        .await
        .unwrap()
        .status
        .unwrap()
        .container_status
        .unwrap()
        .container_id
        .unwrap();
    assert_eq!(
        cli(&["exec", &container_id, "cat", "/run/secrets/app-secret"]),
        "s3cret-value"
    );
    assert_eq!(
        cli(&["exec", &container_id, "cat", "/etc/app.conf"]),
        "config-value"
    );

    // ---- logs: each task's bytes equal the CLI's; the service's hold the same lines
    wait_for("every task to have logged", || async {
        let all = log_bytes(
            services
                .logs(&service_id, TaskLogsOptions::default())
                .await
                .unwrap(),
        )
        .await;
        String::from_utf8_lossy(&all)
            .matches("config-value")
            .count()
            >= 3
    })
    .await;
    for t in &tasks {
        let id = t.id.as_deref().unwrap();
        let ours = log_bytes(
            docker
                .tasks()
                .logs(id, TaskLogsOptions::default())
                .await
                .unwrap(),
        )
        .await;
        let theirs = cli_raw(&["service", "logs", "--raw", "--no-trunc", id]);
        assert_eq!(ours, theirs, "task {id}");
        assert_eq!(ours, b"task-up\ns3cret-value\nconfig-value\n");
    }
    let ours = log_bytes(
        services
            .logs(&service_id, TaskLogsOptions::default())
            .await
            .unwrap(),
    )
    .await;
    let theirs = cli_raw(&["service", "logs", "--raw", "--no-trunc", &service_id]);
    let sorted = |b: &[u8]| {
        let mut l: Vec<String> = String::from_utf8_lossy(b)
            .lines()
            .map(String::from)
            .collect();
        l.sort();
        l
    };
    // Tasks interleave in arrival order, which two reads need not share.
    assert_eq!(sorted(&ours), sorted(&theirs));
    assert_eq!(ours.len(), theirs.len());

    // ---- a new env var through update_with, with a real conflict in between
    let mut calls = 0;
    services
        .update_with(
            &service_name,
            UpdateServiceOptions::default().with_auth(auth.clone()),
            |s| {
                calls += 1;
                if calls == 1 {
                    // Someone else updates the service after our read: our write is stale.
                    cli(&[
                        "service",
                        "update",
                        "--detach",
                        "--label-add",
                        "bumped=1",
                        &service_name,
                    ]);
                }
                s.task_template
                    .as_mut()
                    .unwrap()
                    .container_spec
                    .as_mut()
                    .unwrap()
                    .env
                    .get_or_insert_with(Vec::new)
                    .push("NEW_VAR=1".into());
            },
        )
        .await
        .unwrap();
    assert_eq!(
        calls, 2,
        "the conflict made the helper read and apply again"
    );
    assert_eq!(env_of(&service_name), r#"["PATH=/bin","NEW_VAR=1"]"#);
    assert_eq!(
        cli(&[
            "service",
            "inspect",
            "--format",
            "{{json .Spec.Labels}}",
            &service_name
        ]),
        r#"{"bumped":"1"}"#,
        "the other writer's change is kept"
    );

    // ---- rolled back
    wait_for("the update to settle", || async {
        let s = services
            .inspect(&service_id, InspectServiceOptions::default())
            .await
            .unwrap();
        s.update_status
            .and_then(|u| u.state)
            .map_or(true, |st| st.as_str() != "updating")
    })
    .await;
    services.rollback(&service_name).await.unwrap();
    assert_eq!(env_of(&service_name), r#"["PATH=/bin"]"#);

    // ---- removed
    services.remove(&service_id).await.unwrap();
    assert!(services
        .inspect(&service_id, InspectServiceOptions::default())
        .await
        .unwrap_err()
        .is_not_found());
    wait_for("the secret to be free", || async {
        docker.secrets().remove(&secret_id).await.is_ok()
    })
    .await;
    wait_for("the config to be free", || async {
        docker.configs().remove(&config_id).await.is_ok()
    })
    .await;
    assert!(!cli(&["secret", "ls", "-q"]).contains(&secret_id));
    assert!(!cli(&["config", "ls", "-q"]).contains(&config_id));

    // ---- leave, as the guard would
    swarm.leave(LeaveSwarmOptions::force()).await.unwrap();
    assert_eq!(
        cli(&["info", "--format", "{{.Swarm.LocalNodeState}}"]),
        "inactive"
    );
    let swarm_err = swarm.inspect().await.unwrap_err();
    assert_eq!(swarm_err.status().map(|s| s.as_u16()), Some(503));
    assert!(
        !swarm_err.is_not_supported(),
        "dockerd has swarm mode: {swarm_err:?}"
    );
    drop(guard);
    assert_eq!(
        cli(&["info", "--format", "{{.Swarm.LocalNodeState}}"]),
        "inactive"
    );
    if !quiet(&["network", "inspect", GWBRIDGE]) {
        // as found
    } else {
        panic!("docker_gwbridge left behind");
    }
}

/// Podman has no swarm mode: every swarm call is `NotSupported`, typed. Its own
/// secrets API (which podman does implement) answers normally.
#[tokio::test]
async fn podman_says_not_supported() {
    let socket = "/run/podman-ci/podman.sock";
    if !std::path::Path::new(socket).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no podman socket at {socket}"
        );
        eprintln!("=== SKIPPING podman swarm test: no socket at {socket} ===");
        return;
    }
    let podman = Docker::builder()
        .host(format!("unix://{socket}"))
        .build()
        .unwrap();
    let mut failures = Vec::new();
    macro_rules! unsupported {
        ($name:literal, $call:expr) => {
            match $call.await {
                Ok(_) => failures.push(format!("{}: succeeded", $name)),
                Err(e) => match e.not_supported() {
                    Some(ns) => assert!(ns.operation.contains('/'), "{ns}"),
                    None => failures.push(format!("{}: {e:?}", $name)),
                },
            }
        };
    }
    let mut init = SwarmInitRequest::new();
    init.advertise_addr = Some("127.0.0.1".into());
    unsupported!("swarm inspect", podman.swarm().inspect());
    unsupported!("swarm init", podman.swarm().init(&init));
    unsupported!(
        "swarm leave",
        podman.swarm().leave(LeaveSwarmOptions::force())
    );
    unsupported!("swarm unlock key", podman.swarm().unlock_key());
    unsupported!("node list", podman.nodes().list(Default::default()));
    unsupported!("node inspect", podman.nodes().inspect("self"));
    unsupported!("service list", podman.services().list(Default::default()));
    unsupported!(
        "service inspect",
        podman.services().inspect("x", Default::default())
    );
    unsupported!(
        "service create",
        podman
            .services()
            .create(&ServiceSpec::new(), Default::default())
    );
    unsupported!(
        "service logs",
        podman.services().logs("x", TaskLogsOptions::default())
    );
    unsupported!("task list", podman.tasks().list(Default::default()));
    unsupported!("task inspect", podman.tasks().inspect("x"));
    unsupported!("config list", podman.configs().list(Default::default()));
    unsupported!(
        "config create",
        podman.configs().create(&ConfigSpec::with_data("c", b"x"))
    );
    unsupported!(
        "swarm join",
        podman
            .swarm()
            .join(&docker_engine::models::SwarmJoinRequest::new(
                "0.0.0.0:2377",
                vec!["127.0.0.1:2377".into()],
                "SWMTKN-1-x"
            ))
    );
    unsupported!(
        "swarm update",
        podman
            .swarm()
            .update(1, &Default::default(), UpdateSwarmOptions::default())
    );
    unsupported!("swarm unlock", podman.swarm().unlock(&Default::default()));
    unsupported!(
        "node update",
        podman.nodes().update("self", 1, &Default::default())
    );
    unsupported!(
        "node remove",
        podman.nodes().remove("self", Default::default())
    );
    unsupported!(
        "service update",
        podman
            .services()
            .update("x", 1, &ServiceSpec::new(), Default::default())
    );
    unsupported!("service remove", podman.services().remove("x"));
    unsupported!(
        "task logs",
        podman.tasks().logs("x", TaskLogsOptions::default())
    );
    unsupported!("config inspect", podman.configs().inspect("x"));
    unsupported!(
        "config update",
        podman.configs().update("x", 1, &ConfigSpec::new())
    );
    unsupported!("config remove", podman.configs().remove("x"));
    unsupported!("plugin list", podman.plugins().list(Default::default()));
    unsupported!("plugin inspect", podman.plugins().inspect("x"));
    unsupported!("plugin privileges", podman.plugins().privileges("x", None));
    assert!(failures.is_empty(), "{failures:#?}");
    // Podman's own secrets: the compatible API works.
    podman.secrets().list(Default::default()).await.unwrap();
}
