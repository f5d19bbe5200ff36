//! Info, df, events and the run helper against the real daemon, side by side with
//! the docker CLI where it shows the same facts. Everything created is named
//! `dnet-...` and removed.
// Models are built the way a user outside the crate must once they are
// #[non_exhaustive]: from Default, then field by field.
#![allow(clippy::field_reassign_with_default)]

mod common;

use std::process::Command;
use std::time::{Duration, SystemTime};

use common::{config, image, Cleanup};
use docker_engine::models::{ContainerCreateRequest, EventMessage, EventMessageType};
use docker_engine::{
    ContainerFilters, CreateContainerOptions, DataUsageOptions, Docker, EventFilters,
    EventsOptions, ListContainersOptions, RunOptions,
};
use futures_util::StreamExt;
use serde_json::Value;

fn dnet_name(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("dnet-{what}-{}-{nanos}", std::process::id())
}

async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 120 s"))
}

/// The docker CLI's output, or `None` when there is no CLI (then the comparison is skipped).
fn cli(args: &[&str]) -> Option<String> {
    let out = Command::new("docker").args(args).output().ok()?;
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

fn actions(events: &[EventMessage]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| e.action.clone())
        .filter(|a| ["create", "start", "die", "destroy"].contains(&a.as_str()))
        .collect()
}

/// Creates, starts, waits for and removes one labelled container; returns its id.
async fn one_container_lifecycle(docker: &Docker, image: &str, label: &str) -> String {
    let mut cleanup = Cleanup::new();
    let mut body = config(image, &["sh", "-c", "exit 7"]);
    body.labels = Some([(label.to_string(), "1".to_string())].into());
    let id = docker
        .containers()
        .create(
            &body,
            CreateContainerOptions {
                name: Some(dnet_name("events")),
                ..Default::default()
            },
        )
        .await
        .expect("create")
        .id;
    cleanup.add(id.clone());
    docker
        .containers()
        .start(&id, Default::default())
        .await
        .expect("start");
    let exit = bounded("wait", docker.containers().wait(&id, Default::default()))
        .await
        .expect("wait");
    assert_eq!(exit.status_code, 7);
    docker
        .containers()
        .remove(&id, Default::default())
        .await
        .expect("remove");
    id
}

#[tokio::test]
async fn events_of_one_container_followed_and_replayed() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let label = dnet_name("label");
    let t0 = SystemTime::now() - Duration::from_secs(1);

    // A followed stream, open before the container exists, selected by label.
    let followed = docker
        .events(EventsOptions {
            filters: EventFilters::new()
                .kind(EventMessageType::Container)
                .label(label.clone()),
            ..Default::default()
        })
        .await
        .expect("events");
    let id = one_container_lifecycle(&docker, &image, &label).await;
    let mut seen = Vec::new();
    let mut followed = Box::pin(followed);
    bounded("the followed events", async {
        while let Some(event) = followed.next().await {
            let event = event.expect("event");
            let done = event.action.as_deref() == Some("destroy");
            seen.push(event);
            if done {
                break;
            }
        }
    })
    .await;
    assert_eq!(actions(&seen), ["create", "start", "die", "destroy"]);
    for e in &seen {
        assert_eq!(e.r#type, Some(EventMessageType::Container));
        assert_eq!(
            e.actor.as_ref().and_then(|a| a.id.as_deref()),
            Some(id.as_str())
        );
    }
    let die = seen
        .iter()
        .find(|e| e.action.as_deref() == Some("die"))
        .unwrap();
    let attributes = die.actor.clone().unwrap().attributes.unwrap_or_default();
    assert_eq!(attributes["exitCode"], "7");

    // The same events replayed between two times, selected by the container's id:
    // the stream ends by itself at `until`.
    let replay = docker
        .events(
            EventsOptions {
                filters: EventFilters::new().container(id.clone()),
                ..Default::default()
            }
            .since_time(t0)
            .unwrap()
            .until_time(SystemTime::now() + Duration::from_secs(1))
            .unwrap(),
        )
        .await
        .expect("replay");
    let replayed: Vec<EventMessage> = bounded("the replay", replay.collect::<Vec<_>>())
        .await
        .into_iter()
        .map(|e| e.expect("event"))
        .collect();
    assert_eq!(actions(&replayed), ["create", "start", "die", "destroy"]);
    assert!(replayed
        .iter()
        .all(|e| e.actor.as_ref().and_then(|a| a.id.as_deref()) == Some(id.as_str())));
}

#[tokio::test]
async fn info_agrees_with_the_cli() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let info = docker.info().await.expect("info");
    let Some(text) = cli(&["info", "--format", "{{json .}}"]) else {
        return;
    };
    // Both sides through the same model, so absent and null read alike.
    let cli: docker_engine::models::SystemInfo =
        serde_json::from_str(&text).expect("docker info json");
    let ours = &info;
    // Fields that do not move while other tests run.
    macro_rules! agree {
        ($($field:ident),* $(,)?) => {$(
            assert_eq!(ours.$field, cli.$field, "field {}", stringify!($field));
        )*};
    }
    agree!(
        id,
        driver,
        docker_root_dir,
        server_version,
        ncpu,
        mem_total,
        os_type,
        architecture,
        kernel_version,
        operating_system,
        os_version,
        cgroup_driver,
        cgroup_version,
        logging_driver,
        default_runtime,
        name,
        index_server_address,
        security_options,
        driver_status,
        runtimes,
        plugins,
        swarm,
    );
    // The CLI drops the deprecated non-distributable lists; the rest must agree.
    let (ours_reg, cli_reg) = (
        ours.registry_config.as_ref().expect("RegistryConfig"),
        cli.registry_config.as_ref().expect("CLI RegistryConfig"),
    );
    assert_eq!(
        ours_reg.index_configs, cli_reg.index_configs,
        "IndexConfigs"
    );
    assert_eq!(
        ours_reg.insecure_registry_cidrs, cli_reg.insecure_registry_cidrs,
        "InsecureRegistryCIDRs"
    );
    assert_eq!(ours_reg.mirrors, cli_reg.mirrors, "Mirrors");
    assert!(info.ncpu.unwrap_or(0) > 0 && info.mem_total.unwrap_or(0) > 0);
}

/// Go's `units.HumanSize`: decimal units, four significant digits, as the CLI prints sizes.
fn human_size(bytes: i64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < units.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    let int_digits = if size < 1.0 {
        1
    } else {
        size.log10().floor() as usize + 1
    };
    let text = format!("{:.*}", 4usize.saturating_sub(int_digits), size);
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{}", units[unit])
}

#[tokio::test]
async fn df_agrees_with_the_cli() {
    let Some(docker) = common::docker().await else {
        return;
    };
    assert_eq!(human_size(1_982_382), "1.982MB");
    assert_eq!(human_size(0), "0B");
    assert_eq!(human_size(2_000), "2kB");
    // Other engineers share this daemon: compare snapshots taken back to back and
    // retry while something changes between them.
    let mut mismatch = String::new();
    for _ in 0..5 {
        let df = docker.df(DataUsageOptions::default()).await.expect("df");
        let Some(text) = cli(&["system", "df", "--format", "{{json .}}"]) else {
            return;
        };
        let rows: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("df row"))
            .collect();
        let row = |kind: &str| rows.iter().find(|r| r["Type"] == kind).cloned().unwrap();
        let images = df.images.clone().unwrap_or_default();
        let containers = df.containers.clone().unwrap_or_default();
        let volumes = df.volumes.clone().unwrap_or_default();
        let ours = (
            images.len().to_string(),
            images
                .iter()
                .filter(|i| i.containers > 0)
                .count()
                .to_string(),
            human_size(df.layers_size.unwrap_or(0)),
            containers.len().to_string(),
            volumes.len().to_string(),
        );
        let theirs = (
            row("Images")["TotalCount"].as_str().unwrap().to_string(),
            row("Images")["Active"].as_str().unwrap().to_string(),
            row("Images")["Size"].as_str().unwrap().to_string(),
            row("Containers")["TotalCount"]
                .as_str()
                .unwrap()
                .to_string(),
            row("Local Volumes")["TotalCount"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        if ours == theirs {
            return;
        }
        mismatch = format!("ours {ours:?} vs the CLI's {theirs:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("df never agreed with `docker system df`: {mismatch}");
}

async fn containers_named(docker: &Docker, name: &str) -> usize {
    docker
        .containers()
        .list(ListContainersOptions {
            all: true,
            filters: ContainerFilters::new().name(name),
            ..Default::default()
        })
        .await
        .expect("list")
        .len()
}

#[tokio::test]
async fn run_returns_the_exit_code_and_leaves_nothing_behind() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let name = dnet_name("run");
    let body = config(&image, &["sh", "-c", "echo out; echo err >&2; exit 42"]);
    let done = bounded(
        "run",
        docker.containers().run(
            &body,
            RunOptions {
                name: Some(name.clone()),
                ..Default::default()
            },
        ),
    )
    .await
    .expect("run");
    assert_eq!(done.exit_code, 42);
    assert_eq!(
        (&done.stdout[..], &done.stderr[..]),
        (&b"out\n"[..], &b"err\n"[..])
    );
    assert!(!done.truncated);
    assert_eq!(containers_named(&docker, &name).await, 0);

    // A command that cannot start: the error comes back and the container is gone too.
    let name = dnet_name("run-fail");
    let mut body = ContainerCreateRequest::default();
    body.image = Some(image.clone());
    body.cmd = Some(vec!["/no/such/program".into()]);
    let err = bounded(
        "failing run",
        docker.containers().run(
            &body,
            RunOptions {
                name: Some(name.clone()),
                ..Default::default()
            },
        ),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("/no/such/program"), "{err}");
    assert_eq!(containers_named(&docker, &name).await, 0);
}
