//! Wire-level tests of the network and volume operations against a mockito server:
//! method, path, query and body of every call, decoding of realistic answers, the
//! error statuses the API declares, version gates, and input refused before sending.
// Models are built the way a user outside the crate must once they are
// #[non_exhaustive]: from Default, then field by field.
#![allow(clippy::field_reassign_with_default)]

mod mock_support;

use mock_support::{pinned, q};
use std::net::{Ipv4Addr, Ipv6Addr};

use docker_engine::models::{
    ClusterVolumeSpec, ClusterVolumeSpecAccessMode, ClusterVolumeSpecAccessModeAvailability,
    EndpointSettings, NetworkCreateRequest, VolumeCreateOptions, VolumeUpdateRequest,
};
use docker_engine::{
    DisconnectNetworkOptions, Error, InspectNetworkOptions, ListNetworksOptions,
    ListVolumesOptions, NetworkFilters, PruneFilters, PruneNetworksOptions, PruneVolumesOptions,
    RemoveVolumeOptions, VolumeFilters,
};
use mockito::{Matcher, Server};
use serde_json::json;

fn invalid_field(err: &Error) -> &str {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

fn daemon_error(message: &str) -> String {
    json!({ "message": message }).to_string()
}

/// Asserts an API error with this status whose message is the daemon's own.
fn assert_api_error(err: &Error, status: u16, message: &str) {
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
    assert!(err.to_string().contains(message), "{err}");
}

const NETWORK: &str = r#"{
  "Name": "dnet-back", "Id": "7d86d31b1478e7cca9ebed7e73aa0fdeec46c5ca29497431d3007d2d9e15ed99",
  "Created": "2026-11-30T13:00:00.000000000Z", "Scope": "local", "Driver": "bridge",
  "EnableIPv6": false,
  "IPAM": {"Driver": "default", "Options": null,
           "Config": [{"Subnet": "172.30.0.0/16", "Gateway": "172.30.0.1"}]},
  "Internal": false, "Attachable": false, "Ingress": false,
  "ConfigFrom": {"Network": ""}, "ConfigOnly": false,
  "Containers": {"19a4d5d687db": {"Name": "web", "EndpointID": "628cadb8bcb9",
     "MacAddress": "02:42:ac:13:00:02", "IPv4Address": "172.30.0.2/16", "IPv6Address": ""}},
  "Options": {}, "Labels": {"team": "dnet"}, "SomethingNew": 1
}"#;

// ------------------------------------------------------------------ networks

#[tokio::test]
async fn network_list_sends_filters_and_decodes() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/networks")
        .match_query(q(
            "filters",
            r#"{"dangling":["false"],"driver":["bridge"]}"#,
        ))
        .with_body(format!("[{NETWORK}]"))
        .create_async()
        .await;
    let options = ListNetworksOptions {
        filters: NetworkFilters::new().driver("bridge").dangling(false),
    };
    let list = pinned(&server, "1.45")
        .networks()
        .list(options)
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(list.len(), 1);
    let n = &list[0];
    assert_eq!(n.name.as_deref(), Some("dnet-back"));
    assert_eq!(
        n.ipam.as_ref().unwrap().config.as_ref().unwrap()[0]
            .subnet
            .as_deref(),
        Some("172.30.0.0/16")
    );
    let c = &n.containers.as_ref().unwrap()["19a4d5d687db"];
    assert_eq!(c.ipv4_address.as_deref(), Some("172.30.0.2/16"));
}

#[tokio::test]
async fn network_list_accepts_null() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.41/networks")
        .match_query(Matcher::Missing)
        .with_body("null")
        .create_async()
        .await;
    let list = pinned(&server, "1.41")
        .networks()
        .list(Default::default())
        .await
        .unwrap();
    m.assert_async().await;
    assert!(list.is_empty());
}

#[tokio::test]
async fn network_inspect_sends_verbose_and_scope() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/networks/dnet-back")
        .match_query(Matcher::AllOf(vec![
            q("verbose", "true"),
            q("scope", "local"),
        ]))
        .with_body(NETWORK)
        .create_async()
        .await;
    let options = InspectNetworkOptions {
        verbose: true,
        scope: Some("local".into()),
    };
    let n = pinned(&server, "1.45")
        .networks()
        .inspect("dnet-back", options)
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(n.labels.unwrap()["team"], "dnet");
}

#[tokio::test]
async fn network_inspect_404_keeps_the_daemon_message() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/networks/nope")
        .with_status(404)
        .with_body(daemon_error("network nope not found"))
        .create_async()
        .await;
    let err = pinned(&server, "1.45")
        .networks()
        .inspect("nope", Default::default())
        .await
        .unwrap_err();
    m.assert_async().await;
    assert_api_error(&err, 404, "network nope not found");
}

#[tokio::test]
async fn network_remove_and_its_declared_errors() {
    let mut server = Server::new_async().await;
    let ok = server
        .mock("DELETE", "/v1.45/networks/dnet-back")
        .with_status(204)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    docker.networks().remove("dnet-back").await.unwrap();
    ok.assert_async().await;
    for (status, message) in [
        (403, "bridge is a pre-defined network and cannot be removed"),
        (404, "network x not found"),
        (
            500,
            "error while removing network: network has active endpoints",
        ),
    ] {
        let m = server
            .mock("DELETE", "/v1.45/networks/x")
            .with_status(status)
            .with_body(daemon_error(message))
            .create_async()
            .await;
        let err = docker.networks().remove("x").await.unwrap_err();
        m.assert_async().await;
        assert_api_error(&err, status as u16, message);
        m.remove_async().await;
    }
}

#[tokio::test]
async fn network_create_sends_the_body() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("POST", "/v1.45/networks/create")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!({
            "Name": "dnet-back",
            "CheckDuplicate": true,
            "Driver": "bridge",
            "Internal": true,
            "Labels": {"team": "dnet"}
        })))
        .with_status(201)
        .with_body(r#"{"Id":"7d86d31b1478","Warning":""}"#)
        .create_async()
        .await;
    let mut request = NetworkCreateRequest::default();
    request.name = "dnet-back".into();
    request.driver = Some("bridge".into());
    request.internal = Some(true);
    request.labels = Some([("team".to_string(), "dnet".to_string())].into());
    let created = pinned(&server, "1.45")
        .networks()
        .create(&request)
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(created.id.as_deref(), Some("7d86d31b1478"));
}

#[tokio::test]
async fn network_create_errors_and_empty_name() {
    let mut server = Server::new_async().await;
    let docker = pinned(&server, "1.45");
    let never = server
        .mock("POST", "/v1.45/networks/create")
        .expect(0)
        .create_async()
        .await;
    let err = docker
        .networks()
        .create(&NetworkCreateRequest::default())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "name");
    never.assert_async().await;
    never.remove_async().await;
    for (status, message) in [
        (400, "invalid subnet"),
        (403, "operation not supported for pre-defined networks"),
        (404, "plugin \"nope\" not found"),
        (500, "network with name dnet-back already exists"),
    ] {
        let m = server
            .mock("POST", "/v1.45/networks/create")
            .with_status(status)
            .with_body(daemon_error(message))
            .create_async()
            .await;
        let mut request = NetworkCreateRequest::default();
        request.name = "dnet-back".into();
        let err = docker.networks().create(&request).await.unwrap_err();
        m.assert_async().await;
        assert_api_error(&err, status as u16, message);
        m.remove_async().await;
    }
}

#[tokio::test]
async fn network_connect_sends_aliases_and_static_addresses() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("POST", "/v1.45/networks/dnet-back/connect")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!({
            "Container": "web",
            "EndpointConfig": {
                "Aliases": ["db", "db.local"],
                "IPAMConfig": {"IPv4Address": "172.30.0.10", "IPv6Address": "fd00::10"}
            }
        })))
        .with_status(200)
        .create_async()
        .await;
    let endpoint = EndpointSettings::default()
        .with_alias("db")
        .with_alias("db.local")
        .with_ipv4_address(Ipv4Addr::new(172, 30, 0, 10))
        .with_ipv6_address("fd00::10".parse::<Ipv6Addr>().unwrap());
    pinned(&server, "1.45")
        .networks()
        .connect("dnet-back", "web", endpoint)
        .await
        .unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn network_connect_errors_and_empty_ids() {
    let mut server = Server::new_async().await;
    let docker = pinned(&server, "1.45");
    for (status, message) in [
        (400, "invalid IPv4 address"),
        (403, "container cannot be connected to host network"),
        (404, "No such container: web"),
        (
            500,
            "endpoint with name web already exists in network dnet-back",
        ),
    ] {
        let m = server
            .mock("POST", "/v1.45/networks/dnet-back/connect")
            .with_status(status)
            .with_body(daemon_error(message))
            .create_async()
            .await;
        let err = docker
            .networks()
            .connect("dnet-back", "web", EndpointSettings::default())
            .await
            .unwrap_err();
        m.assert_async().await;
        assert_api_error(&err, status as u16, message);
        m.remove_async().await;
    }
    let err = docker
        .networks()
        .connect("", "web", EndpointSettings::default())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "network");
    let err = docker
        .networks()
        .disconnect("n", "", Default::default())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "container");
}

#[tokio::test]
async fn network_disconnect_sends_force() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("POST", "/v1.45/networks/dnet-back/disconnect")
        .match_body(Matcher::Json(json!({"Container": "web", "Force": true})))
        .with_status(200)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    docker
        .networks()
        .disconnect("dnet-back", "web", DisconnectNetworkOptions { force: true })
        .await
        .unwrap();
    m.assert_async().await;
    let plain = server
        .mock("POST", "/v1.45/networks/dnet-back/disconnect")
        .match_body(Matcher::Json(json!({"Container": "web"})))
        .with_status(403)
        .with_body(daemon_error(
            "operation not supported for swarm scoped networks",
        ))
        .create_async()
        .await;
    let err = docker
        .networks()
        .disconnect("dnet-back", "web", Default::default())
        .await
        .unwrap_err();
    plain.assert_async().await;
    assert_api_error(&err, 403, "swarm scoped");
}

#[tokio::test]
async fn network_prune_sends_filters_and_decodes() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("POST", "/v1.45/networks/prune")
        .match_query(q("filters", r#"{"label":["dnet"],"until":["1h"]}"#))
        .with_body(r#"{"NetworksDeleted":["dnet-a","dnet-b"]}"#)
        .create_async()
        .await;
    let options = PruneNetworksOptions {
        filters: PruneFilters::new().until("1h").label("dnet"),
    };
    let pruned = pinned(&server, "1.45")
        .networks()
        .prune(options)
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(
        pruned.networks_deleted.unwrap(),
        vec!["dnet-a".to_string(), "dnet-b".to_string()]
    );
}

// ------------------------------------------------------------------ volumes

const VOLUME: &str = r#"{
  "Name": "dnet-data", "Driver": "local",
  "Mountpoint": "/var/lib/docker/volumes/dnet-data/_data",
  "CreatedAt": "2026-11-30T13:00:00Z", "Labels": null, "Scope": "local", "Options": null
}"#;

#[tokio::test]
async fn volume_list_sends_filters_and_decodes_nulls() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/volumes")
        .match_query(q("filters", r#"{"dangling":["true"],"name":["dnet"]}"#))
        .with_body(format!(r#"{{"Volumes":[{VOLUME}],"Warnings":null}}"#))
        .create_async()
        .await;
    let options = ListVolumesOptions {
        filters: VolumeFilters::new().name("dnet").dangling(true),
    };
    let list = pinned(&server, "1.45")
        .volumes()
        .list(options)
        .await
        .unwrap();
    m.assert_async().await;
    let v = &list.volumes.unwrap()[0];
    assert_eq!(
        (v.name.as_str(), v.mountpoint.as_str(), v.labels.is_none()),
        ("dnet-data", "/var/lib/docker/volumes/dnet-data/_data", true)
    );
}

#[tokio::test]
async fn volume_create_sends_the_body() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("POST", "/v1.41/volumes/create")
        .match_body(Matcher::Json(json!({
            "Name": "dnet-data",
            "Driver": "local",
            "DriverOpts": {"type": "tmpfs", "device": "tmpfs"},
            "Labels": {"team": "dnet"}
        })))
        .with_status(201)
        .with_body(VOLUME)
        .create_async()
        .await;
    let mut options = VolumeCreateOptions::default();
    options.name = Some("dnet-data".into());
    options.driver = Some("local".into());
    options.driver_opts = Some(
        [("type", "tmpfs"), ("device", "tmpfs")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into(),
    );
    options.labels = Some([("team".to_string(), "dnet".to_string())].into());
    let v = pinned(&server, "1.41")
        .volumes()
        .create(&options)
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(v.driver, "local");
}

fn cluster_spec() -> ClusterVolumeSpec {
    let mut mode = ClusterVolumeSpecAccessMode::default();
    mode.availability = Some(ClusterVolumeSpecAccessModeAvailability::Drain);
    let mut spec = ClusterVolumeSpec::default();
    spec.access_mode = Some(mode);
    spec
}

#[tokio::test]
async fn volume_create_cluster_spec_needs_1_42_and_errors_are_kept() {
    let mut server = Server::new_async().await;
    let never = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let mut options = VolumeCreateOptions::default();
    options.cluster_volume_spec = Some(cluster_spec());
    let err = pinned(&server, "1.41")
        .volumes()
        .create(&options)
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "cluster_volume_spec");
    assert!(err.to_string().contains("1.42"), "{err}");
    never.assert_async().await;
    never.remove_async().await;
    let m = server
        .mock("POST", "/v1.45/volumes/create")
        .with_status(500)
        .with_body(daemon_error("create dnet: volume name is too short"))
        .create_async()
        .await;
    let err = pinned(&server, "1.45")
        .volumes()
        .create(&VolumeCreateOptions::default())
        .await
        .unwrap_err();
    m.assert_async().await;
    assert_api_error(&err, 500, "volume name is too short");
}

#[tokio::test]
async fn volume_inspect_and_404() {
    let mut server = Server::new_async().await;
    let ok = server
        .mock("GET", "/v1.45/volumes/dnet-data")
        .with_body(VOLUME)
        .create_async()
        .await;
    let missing = server
        .mock("GET", "/v1.45/volumes/gone")
        .with_status(404)
        .with_body(daemon_error("get gone: no such volume"))
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let v = docker.volumes().inspect("dnet-data").await.unwrap();
    assert_eq!(v.scope, docker_engine::models::VolumeScope::Local);
    let err = docker.volumes().inspect("gone").await.unwrap_err();
    ok.assert_async().await;
    missing.assert_async().await;
    assert_api_error(&err, 404, "no such volume");
    let err = docker.volumes().inspect("").await.unwrap_err();
    assert_eq!(invalid_field(&err), "name");
}

#[tokio::test]
async fn volume_update_sends_version_and_spec_and_is_gated() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("PUT", "/v1.45/volumes/dnet-data")
        .match_query(q("version", "42"))
        .match_body(Matcher::Json(
            json!({"Spec": {"AccessMode": {"Availability": "drain"}}}),
        ))
        .with_status(200)
        .create_async()
        .await;
    let mut update = VolumeUpdateRequest::default();
    update.spec = Some(cluster_spec());
    let docker = pinned(&server, "1.45");
    docker
        .volumes()
        .update("dnet-data", 42, &update)
        .await
        .unwrap();
    m.assert_async().await;
    for (status, message) in [
        (400, "invalid availability"),
        (404, "volume not found"),
        (500, "update out of sequence"),
        (503, "node is not part of a swarm"),
    ] {
        let e = server
            .mock("PUT", "/v1.45/volumes/v")
            .match_query(Matcher::Any)
            .with_status(status)
            .with_body(daemon_error(message))
            .create_async()
            .await;
        // One request per status: a 503 would otherwise be retried (PUT is idempotent).
        let once = docker_engine::Docker::builder()
            .host(server.url())
            .api_version("1.45".parse().unwrap())
            .retry(docker_engine::RetryPolicy::none())
            .build()
            .unwrap();
        let err = once.volumes().update("v", 1, &update).await.unwrap_err();
        e.assert_async().await;
        assert_api_error(&err, status as u16, message);
        e.remove_async().await;
    }
    let err = pinned(&server, "1.41")
        .volumes()
        .update("v", 1, &update)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1.42"), "{err}");
}

#[tokio::test]
async fn volume_remove_sends_force_and_reports_conflicts() {
    let mut server = Server::new_async().await;
    let forced = server
        .mock("DELETE", "/v1.45/volumes/dnet-data")
        .match_query(q("force", "true"))
        .with_status(204)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    docker
        .volumes()
        .remove("dnet-data", RemoveVolumeOptions { force: true })
        .await
        .unwrap();
    forced.assert_async().await;
    for (status, message) in [
        (404, "get x: no such volume"),
        (409, "remove x: volume is in use - [19a4d5d687db]"),
        (500, "driver failed"),
    ] {
        let m = server
            .mock("DELETE", "/v1.45/volumes/x")
            .match_query(Matcher::Missing)
            .with_status(status)
            .with_body(daemon_error(message))
            .create_async()
            .await;
        let err = docker
            .volumes()
            .remove("x", Default::default())
            .await
            .unwrap_err();
        m.assert_async().await;
        assert_api_error(&err, status as u16, message);
        m.remove_async().await;
    }
}

#[tokio::test]
async fn volume_prune_all_is_a_filter_from_1_42() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("POST", "/v1.45/volumes/prune")
        .match_query(q("filters", r#"{"all":["true"],"label":["dnet"]}"#))
        .with_body(r#"{"VolumesDeleted":["dnet-data"],"SpaceReclaimed":4096}"#)
        .create_async()
        .await;
    let options = PruneVolumesOptions {
        all: true,
        filters: PruneFilters::new().label("dnet"),
    };
    let pruned = pinned(&server, "1.45")
        .volumes()
        .prune(options.clone())
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(pruned.space_reclaimed, Some(4096));
    assert_eq!(
        pruned.volumes_deleted.unwrap(),
        vec!["dnet-data".to_string()]
    );

    let never = server
        .mock("POST", "/v1.41/volumes/prune")
        .expect(0)
        .create_async()
        .await;
    let err = pinned(&server, "1.41")
        .volumes()
        .prune(options)
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "all");
    never.assert_async().await;

    let failing = server
        .mock("POST", "/v1.45/volumes/prune")
        .match_query(Matcher::Missing)
        .with_status(500)
        .with_body(daemon_error("a prune operation is already running"))
        .create_async()
        .await;
    let err = pinned(&server, "1.45")
        .volumes()
        .prune(Default::default())
        .await
        .unwrap_err();
    failing.assert_async().await;
    assert_api_error(&err, 500, "already running");
}
