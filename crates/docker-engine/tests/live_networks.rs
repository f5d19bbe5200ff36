//! Networks and volumes against the real daemon: two containers that reach each
//! other by alias on a user network (one with a static address), and a named
//! volume written by one container and read by another. Everything created is
//! named `dnet-...` and removed, also when a test fails.
// Models are built the way a user outside the crate must once they are
// #[non_exhaustive]: from Default, then field by field.
#![allow(clippy::field_reassign_with_default)]

mod common;

use std::net::Ipv4Addr;
use std::time::Duration;

use common::{config, image, Cleanup};
use docker_engine::models::{
    EndpointSettings, Ipam, IpamConfig, Mount, NetworkCreateRequest, VolumeCreateOptions,
};
use docker_engine::{
    CreateContainerOptions, DisconnectNetworkOptions, Docker, InspectNetworkOptions,
    ListNetworksOptions, ListVolumesOptions, NetworkFilters, PruneFilters, PruneNetworksOptions,
    RunOptions, VolumeFilters,
};

/// A name no other test, run or engineer uses.
fn dnet_name(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("dnet-{what}-{}-{nanos}", std::process::id())
}

/// Bounds a step that could hang on a broken daemon, so the test fails instead.
async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 120 s"))
}

/// Removes networks and volumes when dropped (after the containers' [`Cleanup`],
/// which must be declared later so it drops first).
#[derive(Default)]
struct Leftovers {
    networks: Vec<String>,
    volumes: Vec<String>,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        let (networks, volumes) = (
            std::mem::take(&mut self.networks),
            std::mem::take(&mut self.volumes),
        );
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let Ok(docker) = Docker::connect() else {
                    return;
                };
                for n in networks {
                    let _ = docker.networks().remove(&n).await;
                }
                for v in volumes {
                    let _ = docker.volumes().remove(&v, Default::default()).await;
                }
            });
        })
        .join();
    }
}

/// Creates a network with a /24 subnet no other network on the daemon uses.
async fn network_with_subnet(docker: &Docker, name: &str) -> (String, [u8; 3]) {
    let seed = std::process::id();
    let mut last_error = None;
    for attempt in 0..20u32 {
        let n = seed.wrapping_add(attempt * 7919);
        let prefix = [10, 200 + (n % 50) as u8, ((n / 50) % 250) as u8];
        let mut pool = IpamConfig::default();
        pool.subnet = Some(format!("{}.{}.{}.0/24", prefix[0], prefix[1], prefix[2]));
        let mut ipam = Ipam::default();
        ipam.config = Some(vec![pool]);
        let mut request = NetworkCreateRequest::default();
        request.name = name.to_string();
        request.ipam = Some(ipam);
        request.labels = Some([("dnet".to_string(), "live".to_string())].into());
        match docker.networks().create(&request).await {
            Ok(created) => return (created.id.expect("network id"), prefix),
            // Another network holds this subnet: try the next one.
            Err(e) if e.to_string().contains("overlap") => last_error = Some(e),
            Err(e) => panic!("create network: {e}"),
        }
    }
    panic!("no free subnet: {last_error:?}");
}

#[tokio::test]
async fn two_containers_reach_each_other_by_alias() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let mut leftovers = Leftovers::default();
    let mut cleanup = Cleanup::new();
    let net_name = dnet_name("net");
    let (net, prefix) = network_with_subnet(&docker, &net_name).await;
    leftovers.networks.push(net.clone());

    let server_config = config(
        &image,
        &[
            "sh",
            "-c",
            "echo dnet-hello > /tmp/index.html && exec busybox httpd -f -p 8080 -h /tmp",
        ],
    );
    let server = docker
        .containers()
        .create(
            &server_config,
            CreateContainerOptions {
                name: Some(dnet_name("server")),
                ..Default::default()
            },
        )
        .await
        .expect("create server")
        .id;
    cleanup.add(server.clone());
    docker
        .networks()
        .connect(&net, &server, EndpointSettings::default().with_alias("db"))
        .await
        .expect("connect the server with an alias");

    let client_config = config(
        &image,
        &[
            "sh",
            "-c",
            "for i in $(seq 1 100); do busybox wget -qO- http://db:8080/index.html && exit 0; sleep 0.2; done; exit 1",
        ],
    );
    let client = docker
        .containers()
        .create(
            &client_config,
            CreateContainerOptions {
                name: Some(dnet_name("client")),
                ..Default::default()
            },
        )
        .await
        .expect("create client")
        .id;
    cleanup.add(client.clone());
    let client_ip = Ipv4Addr::new(prefix[0], prefix[1], prefix[2], 42);
    let endpoint = EndpointSettings::default()
        .with_alias("web")
        .with_ipv4_address(client_ip);
    docker
        .networks()
        .connect(&net, &client, endpoint)
        .await
        .expect("connect the client with a static address");

    // Endpoints are made at start; until then the container carries the request.
    let client_info = docker
        .containers()
        .inspect(&client, Default::default())
        .await
        .expect("inspect client");
    let endpoint = client_info
        .network_settings
        .and_then(|n| n.networks)
        .and_then(|mut n| n.remove(&net_name))
        .expect("the client's endpoint on the network");
    assert_eq!(
        endpoint.ipam_config.and_then(|c| c.ipv4_address),
        Some(client_ip.to_string())
    );
    assert!(endpoint
        .aliases
        .unwrap_or_default()
        .contains(&"web".to_string()));

    let containers = docker.containers();
    containers
        .start(&server, Default::default())
        .await
        .expect("start server");
    let inspected = docker
        .networks()
        .inspect(&net, InspectNetworkOptions::default())
        .await
        .expect("inspect network");
    assert_eq!(inspected.name.as_deref(), Some(net_name.as_str()));
    let members = inspected.containers.unwrap_or_default();
    assert!(members.contains_key(&server), "{members:?}");
    containers
        .start(&client, Default::default())
        .await
        .expect("start client");
    let exit = bounded("the client", containers.wait(&client, Default::default()))
        .await
        .expect("wait client");
    let logs = containers
        .logs(&client, Default::default())
        .await
        .expect("client logs");
    let out = common_output(logs).await;
    assert_eq!(exit.status_code, 0, "client output: {out}");
    assert_eq!(out, "dnet-hello\n");

    // The listing finds it by name; disconnect and remove leave nothing behind.
    let listed = docker
        .networks()
        .list(ListNetworksOptions {
            filters: NetworkFilters::new().name(net_name.clone()),
        })
        .await
        .expect("list networks");
    assert!(listed.iter().any(|n| n.id.as_deref() == Some(net.as_str())));
    docker
        .networks()
        .disconnect(&net, &server, DisconnectNetworkOptions { force: true })
        .await
        .expect("disconnect server");
    let after = docker
        .networks()
        .inspect(&net, Default::default())
        .await
        .expect("inspect after disconnect");
    assert!(!after.containers.unwrap_or_default().contains_key(&server));
    drop(cleanup);
    docker
        .networks()
        .remove(&net)
        .await
        .expect("remove network");
    let err = docker
        .networks()
        .inspect(&net, Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
}

async fn common_output(mut logs: docker_engine::frames::LogStream) -> String {
    use futures_util::StreamExt;
    let mut out = Vec::new();
    while let Some(frame) = logs.next().await {
        if let docker_engine::frames::LogOutput::StdOut { message } = frame.expect("frame") {
            out.extend_from_slice(&message);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn network_prune_removes_only_labelled_unused_networks() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let mut leftovers = Leftovers::default();
    let label = dnet_name("prune");
    let mut names = Vec::new();
    for _ in 0..2 {
        let mut request = NetworkCreateRequest::default();
        request.name = dnet_name("prunable");
        request.labels = Some([(label.clone(), "1".to_string())].into());
        docker.networks().create(&request).await.expect("create");
        leftovers.networks.push(request.name.clone());
        names.push(request.name);
    }
    let pruned = docker
        .networks()
        .prune(PruneNetworksOptions {
            filters: PruneFilters::new().label(label),
        })
        .await
        .expect("prune");
    let mut deleted = pruned.networks_deleted.unwrap_or_default();
    deleted.sort();
    names.sort();
    assert_eq!(deleted, names);
}

#[tokio::test]
async fn a_named_volume_is_shared_by_two_containers() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let image = image(&docker).await;
    let mut leftovers = Leftovers::default();
    let name = dnet_name("vol");
    let mut options = VolumeCreateOptions::default();
    options.name = Some(name.clone());
    options.labels = Some([("dnet".to_string(), "live".to_string())].into());
    let volume = docker
        .volumes()
        .create(&options)
        .await
        .expect("create volume");
    leftovers.volumes.push(name.clone());
    assert_eq!(
        (volume.name.as_str(), volume.driver.as_str()),
        (name.as_str(), "local")
    );

    let writer = config(&image, &["sh", "-c", "echo shared-by-dnet > /data/note"])
        .mount(Mount::volume(name.clone(), "/data"));
    let wrote = bounded(
        "the writer",
        docker.containers().run(&writer, RunOptions::default()),
    )
    .await
    .expect("run writer");
    assert_eq!(wrote.exit_code, 0, "{wrote:?}");

    let reader = config(&image, &["cat", "/data/note"])
        .mount(Mount::volume(name.clone(), "/data").read_only());
    let read = bounded(
        "the reader",
        docker.containers().run(&reader, RunOptions::default()),
    )
    .await
    .expect("run reader");
    assert_eq!(
        (
            read.exit_code,
            String::from_utf8_lossy(&read.stdout).as_ref()
        ),
        (0, "shared-by-dnet\n")
    );

    let inspected = docker.volumes().inspect(&name).await.expect("inspect");
    assert_eq!(inspected.labels.unwrap_or_default()["dnet"], "live");
    let listed = docker
        .volumes()
        .list(ListVolumesOptions {
            filters: VolumeFilters::new().name(name.clone()),
        })
        .await
        .expect("list volumes");
    let names: Vec<_> = listed
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, vec![name.clone()]);

    docker
        .volumes()
        .remove(&name, Default::default())
        .await
        .expect("remove volume");
    let err = docker.volumes().inspect(&name).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
}
