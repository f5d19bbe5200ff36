//! Wire-level tests against a mockito server: version negotiation with a daemon that
//! speaks 1.45, parameters newer than Debian's 1.41 daemon, framing decisions,
//! tolerant decoding, and the exact query and body of every call.
// Options are built by assignment, the only way once they are #[non_exhaustive].
#![allow(clippy::field_reassign_with_default)]

mod mock_support;

use api_client_transport::bytes::Bytes;
use docker_engine::frames::LogOutput;
use docker_engine::models::{
    ChangeType, ContainerCreateRequest, ContainerStatus, ExecConfig, HealthConfig, HostConfig,
    Mount, MountBindOptions, MountType, MountVolumeOptions, PortType, WaitCondition,
};
use docker_engine::{
    ApiVersion, AttachOptions, ContainerFilters, CreateContainerOptions, Docker, Error,
    ImportImageOptions, InspectContainerOptions, KillContainerOptions, ListContainersOptions,
    LogsOptions, PruneContainersOptions, PruneFilters, PutArchiveOptions, RemoveContainerOptions,
    RemoveImageOptions, StartContainerOptions, StartExecOptions, StatsOptions,
    StopContainerOptions, TopOptions, WaitOptions, WebSocketAttachOptions,
};
use futures_util::StreamExt;
use mock_support::{pinned, q};
use mockito::{Matcher, Server, ServerGuard};
use serde_json::json;

fn negotiating(server: &ServerGuard) -> Docker {
    Docker::builder().host(server.url()).build().unwrap()
}

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![kind, 0, 0, 0];
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn invalid_field(err: &Error) -> &str {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

async fn collect(mut s: docker_engine::frames::LogStream) -> Vec<LogOutput> {
    let mut out = Vec::new();
    while let Some(f) = s.next().await {
        out.push(f.unwrap());
    }
    out
}

// ------------------------------------------------------------------ negotiation

#[tokio::test]
async fn negotiates_1_45_with_a_daemon_that_speaks_it() {
    let mut server = Server::new_async().await;
    let ping = server
        .mock("GET", "/_ping")
        .with_header("Api-Version", "1.45")
        .with_header("OSType", "linux")
        .with_header("Docker-Experimental", "false")
        .with_body("OK")
        .expect(1)
        .create_async()
        .await;
    let list = server
        .mock("GET", "/v1.45/containers/json")
        .match_query(Matcher::Any)
        .with_body("[]")
        .expect(2)
        .create_async()
        .await;
    let docker = negotiating(&server);
    assert_eq!(docker.current_api_version(), None);
    docker.containers().list(Default::default()).await.unwrap();
    // a clone shares what was negotiated: no second ping
    docker
        .clone()
        .containers()
        .list(Default::default())
        .await
        .unwrap();
    assert_eq!(docker.current_api_version(), Some(ApiVersion::new(1, 45)));
    ping.assert_async().await;
    list.assert_async().await;
}

#[tokio::test]
async fn a_newer_daemon_is_spoken_to_in_1_45_and_an_older_one_in_its_own() {
    for (daemon, used) in [("1.47", "1.45"), ("1.41", "1.41"), ("1.44", "1.44")] {
        let mut server = Server::new_async().await;
        let _ping = server
            .mock("GET", "/_ping")
            .with_header("Api-Version", daemon)
            .with_body("OK")
            .create_async()
            .await;
        let call = server
            .mock("GET", format!("/v{used}/containers/json").as_str())
            .with_body("[]")
            .expect(1)
            .create_async()
            .await;
        let docker = negotiating(&server);
        assert_eq!(docker.api_version().await.unwrap().to_string(), used);
        docker.containers().list(Default::default()).await.unwrap();
        call.assert_async().await;
    }
}

#[tokio::test]
async fn falls_back_to_version_when_ping_has_no_header() {
    let mut server = Server::new_async().await;
    let _ping = server
        .mock("GET", "/_ping")
        .with_body("OK")
        .create_async()
        .await;
    let version = server
        .mock("GET", "/version")
        .with_body(
            json!({"Version": "24.0.0", "ApiVersion": "1.43", "MinAPIVersion": "1.12"}).to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let docker = negotiating(&server);
    assert_eq!(
        docker.negotiate_api_version().await.unwrap(),
        ApiVersion::new(1, 43)
    );
    version.assert_async().await;
}

#[tokio::test]
async fn daemon_errors_keep_their_message() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/containers/nope/json")
        .with_status(404)
        .with_header("content-type", "application/json")
        .with_body(r#"{"message":"No such container: nope"}"#)
        .create_async()
        .await;
    let err = pinned(&server, "1.45")
        .containers()
        .inspect("nope", Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.api().unwrap().message(), "No such container: nope");
    m.assert_async().await;
}

// ------------------------------------------------------------------ parameters newer than 1.41

#[tokio::test]
async fn stop_and_restart_signal_on_the_wire_at_1_45_and_refused_at_1_41() {
    let mut server = Server::new_async().await;
    let stop = server
        .mock("POST", "/v1.45/containers/c1/stop")
        .match_query(Matcher::AllOf(vec![q("signal", "SIGINT"), q("t", "5")]))
        .with_status(204)
        .expect(1)
        .create_async()
        .await;
    let restart = server
        .mock("POST", "/v1.45/containers/c1/restart")
        .match_query(Matcher::AllOf(vec![q("signal", "SIGHUP"), q("t", "0")]))
        .with_status(204)
        .expect(1)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let c = docker.containers();
    c.stop(
        "c1",
        StopContainerOptions {
            signal: Some("SIGINT".into()),
            timeout: Some(5),
        },
    )
    .await
    .unwrap();
    c.restart(
        "c1",
        StopContainerOptions {
            signal: Some("SIGHUP".into()),
            timeout: Some(0),
        },
    )
    .await
    .unwrap();
    stop.assert_async().await;
    restart.assert_async().await;

    let mut old = Server::new_async().await;
    let never = old
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let c = pinned(&old, "1.41").containers();
    let err = c
        .stop(
            "c1",
            StopContainerOptions {
                signal: Some("SIGINT".into()),
                timeout: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "signal");
    assert!(
        err.to_string().contains("1.42") && err.to_string().contains("1.41"),
        "{err}"
    );
    let err = c
        .restart(
            "c1",
            StopContainerOptions {
                signal: Some("SIGINT".into()),
                timeout: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "signal");
    // without the new parameter the same call goes out
    never.assert_async().await;
}

#[tokio::test]
async fn websocket_stream_choice_on_the_wire_at_1_45_and_refused_at_1_41() {
    let mut server = Server::new_async().await;
    let ws = server
        .mock("GET", "/v1.45/containers/c1/attach/ws")
        .match_query(Matcher::AllOf(vec![
            q("stdin", "true"),
            q("stdout", "true"),
            q("stderr", "false"),
            q("stream", "true"),
        ]))
        .match_header("upgrade", "websocket")
        .match_header("sec-websocket-version", "13")
        .match_header("sec-websocket-key", Matcher::Any)
        .with_status(400)
        .with_body(r#"{"message":"mock: no websocket"}"#)
        .expect(1)
        .create_async()
        .await;
    let options = WebSocketAttachOptions {
        stream: true,
        stdin: Some(true),
        stdout: Some(true),
        stderr: Some(false),
        ..Default::default()
    };
    let err = pinned(&server, "1.45")
        .containers()
        .attach_websocket("c1", options.clone())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
    ws.assert_async().await;

    let mut old = Server::new_async().await;
    let never = old.mock("GET", Matcher::Any).expect(0).create_async().await;
    let err = pinned(&old, "1.41")
        .containers()
        .attach_websocket("c1", options)
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "stdin");
    never.assert_async().await;
}

#[tokio::test]
async fn exec_console_size_on_the_wire_at_1_45_and_refused_at_1_41() {
    let mut server = Server::new_async().await;
    let create = server
        .mock("POST", "/v1.45/containers/c1/exec")
        .match_header("content-type", "application/json")
        .match_body(Matcher::PartialJson(
            json!({"ConsoleSize": [24, 80], "Cmd": ["top"], "Tty": true}),
        ))
        .with_status(201)
        .with_body(r#"{"Id":"e1"}"#)
        .create_async()
        .await;
    let start = server
        .mock("POST", "/v1.45/exec/e1/start")
        .match_body(Matcher::Json(
            json!({"Detach": true, "ConsoleSize": [24, 80]}),
        ))
        .with_status(200)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let config = ExecConfig {
        cmd: Some(vec!["top".into()]),
        tty: Some(true),
        console_size: Some(vec![24, 80]),
        ..Default::default()
    };
    let id = docker.exec().create("c1", &config).await.unwrap().id;
    let start_options = StartExecOptions {
        console_size: Some([24, 80]),
    };
    docker
        .exec()
        .start_detached(&id, start_options.clone())
        .await
        .unwrap();
    create.assert_async().await;
    start.assert_async().await;

    let mut old = Server::new_async().await;
    let never = old
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let docker = pinned(&old, "1.41");
    assert_eq!(
        invalid_field(&docker.exec().create("c1", &config).await.unwrap_err()),
        "console_size"
    );
    assert_eq!(
        invalid_field(
            &docker
                .exec()
                .start_detached("e1", start_options.clone())
                .await
                .unwrap_err()
        ),
        "console_size"
    );
    assert_eq!(
        invalid_field(&docker.exec().start("e1", start_options).await.unwrap_err()),
        "console_size"
    );
    never.assert_async().await;
}

fn create_body_with(host: HostConfig, health: Option<HealthConfig>) -> ContainerCreateRequest {
    ContainerCreateRequest {
        image: Some("busybox".into()),
        host_config: Some(host),
        healthcheck: health,
        ..Default::default()
    }
}

#[tokio::test]
async fn create_body_fields_newer_than_1_41_on_the_wire_and_refused() {
    let mut with_annotations = HostConfig::new();
    with_annotations.annotations = Some([("a".to_string(), "b".to_string())].into());
    let annotations = create_body_with(with_annotations, None);
    let mut health = HealthConfig::new();
    health.start_interval = Some(1_000_000);
    let start_interval = create_body_with(HostConfig::default(), Some(health));
    let mount = |kind: MountType, source: &str, target: &str| {
        let mut m = Mount::new();
        m.r#type = Some(kind);
        m.source = Some(source.into());
        m.target = Some(target.into());
        m
    };
    let mut bind = mount(MountType::Bind, "/srv", "/srv");
    let mut bind_options = MountBindOptions::new();
    bind_options.create_mountpoint = Some(true);
    bind.bind_options = Some(bind_options);
    let mut with_bind = HostConfig::new();
    with_bind.mounts = Some(vec![bind]);
    let mountpoint = create_body_with(with_bind, None);
    let mut volume = mount(MountType::Volume, "data", "/data");
    let mut volume_options = MountVolumeOptions::new();
    volume_options.subpath = Some("sub".into());
    volume.volume_options = Some(volume_options);
    let mut with_volume = HostConfig::new();
    with_volume.mounts = Some(vec![volume]);
    let subpath = create_body_with(with_volume, None);
    let cases = [
        (
            &annotations,
            json!({"HostConfig": {"Annotations": {"a": "b"}}}),
            "1.43",
            "host_config.annotations",
        ),
        (
            &start_interval,
            json!({"Healthcheck": {"StartInterval": 1_000_000}}),
            "1.44",
            "healthcheck.start_interval",
        ),
        (
            &mountpoint,
            json!({"HostConfig": {"Mounts": [{"Type": "bind", "BindOptions": {"CreateMountpoint": true}}]}}),
            "1.44",
            "host_config.mounts[0].bind_options.create_mountpoint",
        ),
        (
            &subpath,
            json!({"HostConfig": {"Mounts": [{"Type": "volume", "VolumeOptions": {"Subpath": "sub"}}]}}),
            "1.45",
            "host_config.mounts[0].volume_options.subpath",
        ),
    ];
    for (body, wire, since, field) in cases {
        let mut server = Server::new_async().await;
        let m = server
            .mock("POST", format!("/v{since}/containers/create").as_str())
            .match_body(Matcher::PartialJson(wire))
            .with_status(201)
            .with_body(r#"{"Id":"new","Warnings":null}"#)
            .expect(1)
            .create_async()
            .await;
        let created = pinned(&server, since)
            .containers()
            .create(body, Default::default())
            .await
            .unwrap();
        assert_eq!(created.id, "new");
        m.assert_async().await;

        let mut old = Server::new_async().await;
        let never = old
            .mock("POST", Matcher::Any)
            .expect(0)
            .create_async()
            .await;
        let err = pinned(&old, "1.41")
            .containers()
            .create(body, Default::default())
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&err), field);
        never.assert_async().await;
    }
}

// ------------------------------------------------------------------ tolerant decoding

#[tokio::test]
async fn a_newer_daemons_unknown_values_and_fields_decode() {
    let mut server = Server::new_async().await;
    let inspect = json!({
        "Id": "c1",
        "Name": "/web",
        "State": {"Status": "stopping", "Running": true, "Health": {"Status": "degraded"}, "CheckpointedAt": "x"},
        "HostConfig": {"RestartPolicy": {"Name": "on-tuesdays"}, "CgroupnsMode": "shared", "BrandNewOption": [1, 2]},
        "Config": {"Tty": false, "Image": "busybox", "FutureKnob": {"deep": true}},
        "NetworkSettings": {"Ports": {"80/tcp": null, "443/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8443"}]}},
        "ImageManifestDescriptor": {"mediaType": "application/vnd.oci.image.manifest.v1+json"}
    });
    let _m = server
        .mock("GET", "/v1.45/containers/c1/json")
        .with_body(inspect.to_string())
        .create_async()
        .await;
    let _l = server
        .mock("GET", "/v1.45/containers/json")
        .with_body(json!([{"Id": "c1", "Ports": [{"PrivatePort": 80, "Type": "quic"}], "State": "stopping", "NewThing": 1}]).to_string())
        .create_async()
        .await;
    let _c = server
        .mock("GET", "/v1.45/containers/c1/changes")
        .with_body(r#"[{"Path":"/a","Kind":1},{"Path":"/b","Kind":9}]"#)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let info = c.inspect("c1", Default::default()).await.unwrap();
    let state = info.state.unwrap();
    assert_eq!(state.status, Some(ContainerStatus::from("stopping")));
    assert_eq!(
        state.health.unwrap().status.unwrap(),
        docker_engine::models::HealthStatus::from("degraded")
    );
    let host = info.host_config.unwrap();
    assert_eq!(
        host.restart_policy.unwrap().name.unwrap(),
        docker_engine::models::RestartPolicyName::from("on-tuesdays")
    );
    let ports = info.network_settings.unwrap().ports.unwrap();
    assert_eq!(ports["80/tcp"], None);
    assert_eq!(
        ports["443/tcp"].as_ref().unwrap()[0].host_port.as_deref(),
        Some("8443")
    );
    let list = c.list(Default::default()).await.unwrap();
    assert_eq!(
        list[0].ports.as_ref().unwrap()[0].r#type,
        PortType::from("quic")
    );
    let changes = c.changes("c1").await.unwrap();
    assert_eq!(changes[0].kind, ChangeType::Added);
    assert_eq!(changes[1].kind, ChangeType::from(9));
}

// ------------------------------------------------------------------ framing

#[tokio::test]
async fn logs_framing_comes_from_the_media_type_at_1_42_and_up() {
    let mut server = Server::new_async().await;
    let mut body = frame(1, b"out\n");
    body.extend(frame(2, b"err\n"));
    let logs = server
        .mock("GET", "/v1.45/containers/c1/logs")
        .match_query(Matcher::AllOf(vec![
            q("stdout", "true"),
            q("stderr", "true"),
        ]))
        .with_header("content-type", "application/vnd.docker.multiplexed-stream")
        .with_body(body)
        .create_async()
        .await;
    let raw = server
        .mock("GET", "/v1.45/containers/tty/logs")
        .match_query(Matcher::Any)
        .with_header("content-type", "application/vnd.docker.raw-stream")
        // looks exactly like a frame header, but the daemon said raw
        .with_body(frame(1, b"hi"))
        .create_async()
        .await;
    let inspect = server
        .mock("GET", Matcher::Regex("/json$".into()))
        .expect(0)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let frames = collect(c.logs("c1", Default::default()).await.unwrap()).await;
    assert_eq!(
        frames,
        vec![
            LogOutput::StdOut {
                message: Bytes::from_static(b"out\n")
            },
            LogOutput::StdErr {
                message: Bytes::from_static(b"err\n")
            }
        ]
    );
    let frames = collect(c.logs("tty", Default::default()).await.unwrap()).await;
    assert_eq!(
        frames,
        vec![LogOutput::Console {
            message: Bytes::from(frame(1, b"hi"))
        }]
    );
    logs.assert_async().await;
    raw.assert_async().await;
    inspect.assert_async().await;
}

#[tokio::test]
async fn logs_framing_comes_from_config_tty_before_1_42() {
    let mut server = Server::new_async().await;
    // 1.41 daemons send no (or a misleading) media type
    let _logs = server
        .mock("GET", "/v1.41/containers/tty/logs")
        .match_query(Matcher::Any)
        .with_header("content-type", "application/vnd.docker.raw-stream")
        .with_body(frame(2, b"x"))
        .create_async()
        .await;
    let _plain = server
        .mock("GET", "/v1.41/containers/plain/logs")
        .match_query(Matcher::Any)
        .with_header("content-type", "application/vnd.docker.raw-stream")
        .with_body([frame(1, b"ok"), frame(3, b"daemon broke")].concat())
        .create_async()
        .await;
    let tty = server
        .mock("GET", "/v1.41/containers/tty/json")
        .with_body(r#"{"Id":"tty","Config":{"Tty":true}}"#)
        .expect(1)
        .create_async()
        .await;
    let plain = server
        .mock("GET", "/v1.41/containers/plain/json")
        .with_body(r#"{"Id":"plain","Config":{"Tty":false}}"#)
        .expect(1)
        .create_async()
        .await;
    let c = pinned(&server, "1.41").containers();
    let frames = collect(c.logs("tty", Default::default()).await.unwrap()).await;
    assert_eq!(
        frames,
        vec![LogOutput::Console {
            message: Bytes::from(frame(2, b"x"))
        }]
    );
    let mut stream = c.logs("plain", Default::default()).await.unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        LogOutput::StdOut {
            message: Bytes::from_static(b"ok")
        }
    );
    let err = stream.next().await.unwrap().unwrap_err();
    // The daemon's text is the error's cause (the core's Display names only the stream).
    let cause = std::error::Error::source(&err).map(|c| c.to_string());
    assert!(
        cause.as_deref().unwrap_or("").contains("daemon broke"),
        "a type-3 frame is an error: {err} / {cause:?}"
    );
    tty.assert_async().await;
    plain.assert_async().await;
}

#[tokio::test]
async fn logs_query_on_the_wire() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/containers/c1/logs")
        .match_query(Matcher::AllOf(vec![
            q("follow", "true"),
            q("stdout", "true"),
            q("since", "100.000000000"),
            q("until", "1714557600.123456789"),
            q("timestamps", "true"),
            q("tail", "10"),
        ]))
        .with_header("content-type", "application/vnd.docker.multiplexed-stream")
        .with_body(frame(1, b"x"))
        .expect(1)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let options = LogsOptions {
        follow: true,
        stderr: false,
        since: Some("100".parse().unwrap()),
        until: Some("2024-05-01T12:00:00.123456789+02:00".parse().unwrap()),
        timestamps: true,
        tail: Some(10),
        ..Default::default()
    };
    assert_eq!(collect(c.logs("c1", options).await.unwrap()).await.len(), 1);
    m.assert_async().await;
    let err = c
        .logs(
            "c1",
            LogsOptions {
                stdout: false,
                stderr: false,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "stdout");
}

// ------------------------------------------------------------------ queries and bodies

#[tokio::test]
async fn list_and_prune_send_typed_filters() {
    let mut server = Server::new_async().await;
    let list = server
        .mock("GET", "/v1.45/containers/json")
        .match_query(Matcher::AllOf(vec![
            q("all", "true"),
            q("limit", "3"),
            q("size", "true"),
            q(
                "filters",
                r#"{"exited":["0"],"label":["app=web"],"status":["exited","paused"]}"#,
            ),
        ]))
        .with_body("null")
        .expect(1)
        .create_async()
        .await;
    let prune = server
        .mock("POST", "/v1.45/containers/prune")
        .match_query(q("filters", r#"{"label!":["keep"],"until":["1h"]}"#))
        .with_body(r#"{"ContainersDeleted":["a","b"],"SpaceReclaimed":1024}"#)
        .expect(1)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let filters = ContainerFilters::new()
        .status(ContainerStatus::Exited)
        .status(ContainerStatus::Paused)
        .label("app=web")
        .exited(0);
    let listed = c
        .list(ListContainersOptions {
            all: true,
            limit: Some(3),
            size: true,
            filters,
        })
        .await
        .unwrap();
    assert!(listed.is_empty(), "a null list is an empty list");
    let pruned = c
        .prune(PruneContainersOptions {
            filters: PruneFilters::new().until("1h").label_absent("keep"),
        })
        .await
        .unwrap();
    assert_eq!(pruned.space_reclaimed, Some(1024));
    list.assert_async().await;
    prune.assert_async().await;
}

#[tokio::test]
async fn simple_calls_send_their_parameters() {
    let mut server = Server::new_async().await;
    let mocks = vec![
        server.mock("POST", "/v1.45/containers/create")
            .match_query(Matcher::AllOf(vec![q("name", "web-1"), q("platform", "linux/amd64")]))
            .match_body(Matcher::Json(json!({"Image": "busybox", "Cmd": ["true"]})))
            .with_status(201).with_body(r#"{"Id":"c1","Warnings":[]}"#).create_async().await,
        server.mock("GET", "/v1.45/containers/c1/json").match_query(q("size", "true")).with_body(r#"{"Id":"c1"}"#).create_async().await,
        server.mock("GET", "/v1.45/containers/c1/top").match_query(q("ps_args", "aux")).with_body(r#"{"Titles":["PID"],"Processes":[["1"]]}"#).create_async().await,
        server.mock("POST", "/v1.45/containers/c1/start").match_query(q("detachKeys", "ctrl-x")).with_status(304).create_async().await,
        server.mock("POST", "/v1.45/containers/c1/kill").match_query(q("signal", "SIGUSR1")).with_status(204).create_async().await,
        server.mock("POST", "/v1.45/containers/c1/rename").match_query(q("name", "web-2")).with_status(204).create_async().await,
        server.mock("POST", "/v1.45/containers/c1/resize").match_query(Matcher::AllOf(vec![q("h", "24"), q("w", "80")])).with_status(200).create_async().await,
        server.mock("POST", "/v1.45/containers/c1/pause").with_status(204).create_async().await,
        server.mock("POST", "/v1.45/containers/c1/unpause").with_status(204).create_async().await,
        server.mock("POST", "/v1.45/containers/c1/update")
            .match_body(Matcher::Json(json!({"Memory": 1048576, "RestartPolicy": {"Name": "always"}})))
            .with_body(r#"{"Warnings":null}"#).create_async().await,
        server.mock("POST", "/v1.45/containers/c1/wait").match_query(q("condition", "removed"))
            .with_body(r#"{"StatusCode":3,"Error":{"Message":"gone"}}"#).create_async().await,
        server.mock("DELETE", "/v1.45/containers/c1")
            .match_query(Matcher::AllOf(vec![q("v", "true"), q("force", "true"), q("link", "true")])).with_status(204).create_async().await,
        server.mock("GET", "/v1.45/containers/c1/export").with_body("TAR").create_async().await,
        server.mock("GET", "/v1.45/containers/c1/stats").match_query(Matcher::AllOf(vec![q("stream", "false"), q("one-shot", "true")]))
            .with_body(r#"{"id":"c1","memory_stats":{"usage":5,"stats":{"anon":3,"file":2}},"pids_stats":{"current":1}}"#).create_async().await,
        server.mock("GET", "/v1.45/exec/e1/json").with_body(r#"{"ID":"e1","Running":false,"ExitCode":null}"#).create_async().await,
        server.mock("POST", "/v1.45/exec/e1/resize").match_query(Matcher::AllOf(vec![q("h", "10"), q("w", "20")])).with_status(200).create_async().await,
        server.mock("GET", "/v1.45/images/docker-engine%2Ftest%3A1/json").with_body(r#"{"Id":"sha256:abc","RepoTags":["docker-engine/test:1"]}"#).create_async().await,
        server.mock("DELETE", "/v1.45/images/sha256%3Aabc")
            .match_query(Matcher::AllOf(vec![q("force", "true"), q("noprune", "true")]))
            .with_body(r#"[{"Untagged":"x:1"},{"Deleted":"sha256:abc"}]"#).create_async().await,
        server.mock("GET", "/version").with_body(r#"{"Version":"26.1.0","ApiVersion":"1.45","Os":"linux"}"#).create_async().await,
        server.mock("GET", "/_ping").with_header("Api-Version", "1.45").with_header("OSType", "linux").with_body("OK").create_async().await,
    ];
    let docker = pinned(&server, "1.45");
    let c = docker.containers();
    let body = ContainerCreateRequest {
        image: Some("busybox".into()),
        cmd: Some(vec!["true".into()]),
        ..Default::default()
    };
    let created = c
        .create(
            &body,
            CreateContainerOptions {
                name: Some("web-1".into()),
                platform: Some("linux/amd64".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(created.warnings, Some(vec![]));
    c.inspect("c1", InspectContainerOptions { size: true })
        .await
        .unwrap();
    assert_eq!(
        c.top(
            "c1",
            TopOptions {
                ps_args: Some("aux".into())
            }
        )
        .await
        .unwrap()
        .titles
        .unwrap(),
        ["PID"]
    );
    c.start(
        "c1",
        StartContainerOptions {
            detach_keys: Some("ctrl-x".into()),
        },
    )
    .await
    .unwrap();
    c.kill(
        "c1",
        KillContainerOptions {
            signal: Some("SIGUSR1".into()),
        },
    )
    .await
    .unwrap();
    c.rename("c1", "web-2").await.unwrap();
    c.resize("c1", 24, 80).await.unwrap();
    c.pause("c1").await.unwrap();
    c.unpause("c1").await.unwrap();
    let mut update = docker_engine::models::ContainerUpdateRequest::new();
    update.memory = Some(1 << 20);
    let mut restart = docker_engine::models::RestartPolicy::new();
    restart.name = Some(docker_engine::models::RestartPolicyName::Always);
    update.restart_policy = Some(restart);
    c.update("c1", &update).await.unwrap();
    let waited = c
        .wait(
            "c1",
            WaitOptions {
                condition: Some(WaitCondition::Removed),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (waited.status_code, waited.error.unwrap().message.as_deref()),
        (3, Some("gone"))
    );
    c.remove(
        "c1",
        RemoveContainerOptions {
            volumes: true,
            force: true,
            link: true,
        },
    )
    .await
    .unwrap();
    let mut export = c.export("c1").await.unwrap();
    assert_eq!(
        export.next().await.unwrap().unwrap(),
        Bytes::from_static(b"TAR")
    );
    let stats = c
        .stats("c1", StatsOptions { one_shot: true })
        .await
        .unwrap();
    assert_eq!(stats.memory_stats.unwrap().stats.unwrap()["anon"], 3);
    let info = docker.exec().inspect("e1").await.unwrap();
    assert_eq!(info.exit_code, None);
    docker.exec().resize("e1", 10, 20).await.unwrap();
    let image = docker
        .images()
        .inspect("docker-engine/test:1")
        .await
        .unwrap();
    assert_eq!(image.id.as_deref(), Some("sha256:abc"));
    let deleted = docker
        .images()
        .remove(
            "sha256:abc",
            RemoveImageOptions {
                force: true,
                noprune: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(deleted.len(), 2);
    assert_eq!(
        docker.version().await.unwrap().api_version.as_deref(),
        Some("1.45")
    );
    let ping = docker.ping().await.unwrap();
    assert_eq!(
        (ping.api_version, ping.os_type.as_deref()),
        (Some(ApiVersion::LATEST), Some("linux"))
    );
    for m in mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn stats_stream_decodes_newline_delimited_samples_of_either_cgroup() {
    let mut server = Server::new_async().await;
    let v1 = json!({"id": "c1", "read": "2024-01-01T00:00:00Z", "memory_stats": {"usage": 10, "max_usage": 20, "stats": {"cache": 1, "rss": 9, "hierarchical_memory_limit": 9223372036854771712u64}, "limit": 100},
        "cpu_stats": {"cpu_usage": {"total_usage": 5, "percpu_usage": [2, 3]}, "system_cpu_usage": 1000, "online_cpus": 2}, "blkio_stats": {"io_service_bytes_recursive": [{"major": 8, "minor": 0, "op": "Read", "value": 4}]}});
    let v2 = json!({"id": "c1", "read": "2024-01-01T00:00:01Z", "memory_stats": {"usage": 11, "stats": {"anon": 7, "file": 4, "inactive_file": 1}, "limit": 100},
        "cpu_stats": {"cpu_usage": {"total_usage": 6}, "online_cpus": 2}, "blkio_stats": {"io_service_bytes_recursive": null}, "networks": {"eth0": {"rx_bytes": 1}}});
    let m = server
        .mock("GET", "/v1.45/containers/c1/stats")
        .match_query(q("stream", "true"))
        .with_body(format!("{v1}\n{v2}\n"))
        .expect(1)
        .create_async()
        .await;
    let mut stream = pinned(&server, "1.45")
        .containers()
        .stats_stream("c1")
        .await
        .unwrap();
    let a = stream.next().await.unwrap().unwrap();
    let b = stream.next().await.unwrap().unwrap();
    assert!(stream.next().await.is_none());
    assert_eq!(a.memory_stats.unwrap().stats.unwrap()["rss"], 9);
    assert_eq!(b.memory_stats.unwrap().stats.unwrap()["anon"], 7);
    assert_eq!(b.blkio_stats.unwrap().io_service_bytes_recursive, None);
    assert_eq!(b.networks.unwrap()["eth0"].rx_bytes, Some(1));
    m.assert_async().await;
}

#[tokio::test]
async fn archive_calls_stream_and_decode_the_stat_header() {
    use base64::Engine;
    let stat = json!({"name": "f.txt", "size": 5, "mode": 420, "mtime": "2024-01-01T00:00:00Z", "linkTarget": ""});
    let header = base64::engine::general_purpose::STANDARD.encode(stat.to_string());
    let mut server = Server::new_async().await;
    let head = server
        .mock("HEAD", "/v1.45/containers/c1/archive")
        .match_query(q("path", "/etc/f.txt"))
        .with_header("x-docker-container-path-stat", &header)
        .create_async()
        .await;
    let get = server
        .mock("GET", "/v1.45/containers/c1/archive")
        .match_query(q("path", "/etc/f.txt"))
        .with_header("x-docker-container-path-stat", &header)
        .with_header("content-type", "application/x-tar")
        .with_body("TARBYTES")
        .create_async()
        .await;
    let upload: Vec<u8> = (0..20_000u32).map(|i| i as u8).collect();
    let put = server
        .mock("PUT", "/v1.45/containers/c1/archive")
        .match_query(Matcher::AllOf(vec![
            q("path", "/etc"),
            q("noOverwriteDirNonDir", "true"),
            q("copyUIDGID", "true"),
        ]))
        .match_header("content-type", "application/x-tar")
        .match_body(upload.clone())
        .with_status(200)
        .expect(1)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let info = c.archive_info("c1", "/etc/f.txt").await.unwrap();
    assert_eq!(
        (info.name.as_deref(), info.size, info.permissions()),
        (Some("f.txt"), Some(5), 0o644)
    );
    let archive = c.archive("c1", "/etc/f.txt").await.unwrap();
    assert_eq!(archive.stat, info);
    let body: Vec<Bytes> = archive.body.map(Result::unwrap).collect().await;
    assert_eq!(body.concat(), b"TARBYTES");
    let chunks: Vec<std::io::Result<Bytes>> = upload
        .chunks(4096)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    c.put_archive(
        "c1",
        "/etc",
        futures_util::stream::iter(chunks),
        PutArchiveOptions {
            no_overwrite_dir_non_dir: true,
            copy_uid_gid: true,
        },
    )
    .await
    .unwrap();
    head.assert_async().await;
    get.assert_async().await;
    put.assert_async().await;
}

#[tokio::test]
async fn image_import_streams_the_tar_and_reports_in_band_errors() {
    let mut server = Server::new_async().await;
    let tar = b"not really a tar".to_vec();
    let ok = server
        .mock("POST", "/v1.45/images/create")
        .match_query(Matcher::AllOf(vec![
            q("fromSrc", "-"),
            q("repo", "local/bb"),
            q("tag", "1"),
            Matcher::Regex(r#"changes=CMD\+%5B%22%2Fbin%2Fsh%22%5D&changes=ENV\+A%3Db"#.into()),
        ]))
        .match_header("content-type", "application/x-tar")
        .match_body(tar.clone())
        .with_body("{\"status\":\"sha256:0123\"}\r\n")
        .expect(1)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    let options = ImportImageOptions {
        repo: Some("local/bb".into()),
        tag: Some("1".into()),
        changes: vec![r#"CMD ["/bin/sh"]"#.into(), "ENV A=b".into()],
        ..Default::default()
    };
    let body = futures_util::stream::iter(vec![Ok(Bytes::from(tar.clone()))]);
    let imported = docker.images().import(body, options).await.unwrap();
    assert_eq!(imported.id.as_deref(), Some("sha256:0123"));
    ok.assert_async().await;

    let mut server = Server::new_async().await;
    let _bad = server
        .mock("POST", "/v1.45/images/create")
        .match_query(Matcher::Any)
        .with_body("{\"status\":\"Importing\"}\n{\"errorDetail\":{\"message\":\"archive/tar: invalid tar header\"},\"error\":\"archive/tar: invalid tar header\"}\n")
        .create_async()
        .await;
    let body = futures_util::stream::iter(vec![Ok(Bytes::from(tar))]);
    let err = pinned(&server, "1.45")
        .images()
        .import(body, ImportImageOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.api().map(|a| a.message()),
        Some("archive/tar: invalid tar header"),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let mut server = Server::new_async().await;
    let never_post = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let never_get = server
        .mock("GET", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let body = ContainerCreateRequest::default();
    let err = c
        .create(
            &body,
            CreateContainerOptions {
                name: Some("bad name!".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "name");
    assert_eq!(
        invalid_field(&c.rename("c1", "-x").await.unwrap_err()),
        "new_name"
    );
    assert_eq!(
        invalid_field(&c.inspect("", Default::default()).await.unwrap_err()),
        "id"
    );
    assert_eq!(
        invalid_field(&c.archive("c1", "").await.unwrap_err()),
        "path"
    );
    let err = c.attach("", AttachOptions::default()).await.unwrap_err();
    assert_eq!(invalid_field(&err), "id");
    never_post.assert_async().await;
    never_get.assert_async().await;
}

#[tokio::test]
async fn ids_stay_one_path_segment() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/containers/a%2F..%2Fb%3Fc%23d/json")
        .with_body(r#"{"Id":"x"}"#)
        .expect(1)
        .create_async()
        .await;
    pinned(&server, "1.45")
        .containers()
        .inspect("a/../b?c#d", Default::default())
        .await
        .unwrap();
    m.assert_async().await;
}

// ------------------------------------------------------------------ what podman and real-world configs taught

#[tokio::test]
async fn logs_since_and_until_take_the_cli_forms() {
    // The API reads fractional seconds; the CLI sends relative times as seconds
    // before now by the local clock, and RFC 3339 with its nanoseconds.
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/containers/c1/logs")
        .match_query(Matcher::AllOf(vec![
            q("since", "1700000000.500000000"),
            Matcher::Regex(r"until=\d{10}\.\d{9}(&|$)".into()),
        ]))
        .with_header("content-type", "application/vnd.docker.multiplexed-stream")
        .with_body(frame(1, b"x"))
        .expect(1)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let until: docker_engine::Timestamp = "1h30m".parse().unwrap();
    assert!(until.seconds() <= before - 5400 && until.seconds() + 60 > before - 5400);
    let mut options = LogsOptions::default();
    options.since = Some("1700000000.5".parse().unwrap());
    options.until = Some(until);
    assert_eq!(collect(c.logs("c1", options).await.unwrap()).await.len(), 1);
    m.assert_async().await;
    let err = "2024-05-01T10:00:00"
        .parse::<docker_engine::Timestamp>()
        .unwrap_err();
    assert!(err.to_string().contains("zone"), "{err}");
}

#[tokio::test]
async fn memory_swappiness_minus_one_as_podman_reports_it_is_sent() {
    // podman's inspect reports MemorySwappiness -1 ("not set"); feeding that
    // configuration back into create must work, as both daemons take -1.
    let mut server = Server::new_async().await;
    let create = server
        .mock("POST", "/v1.45/containers/create")
        .match_body(Matcher::PartialJson(
            json!({"Image": "busybox", "HostConfig": {"MemorySwappiness": -1}}),
        ))
        .with_status(201)
        .with_body(r#"{"Id":"c1","Warnings":[]}"#)
        .expect(1)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let host: HostConfig =
        serde_json::from_value(json!({"MemorySwappiness": -1, "NetworkMode": "bridge"})).unwrap();
    let body = create_body_with(host, None);
    c.create(&body, CreateContainerOptions::default())
        .await
        .unwrap();
    create.assert_async().await;
    for bad in [-2, 101] {
        let host: HostConfig = serde_json::from_value(json!({"MemorySwappiness": bad})).unwrap();
        let err = c
            .create(
                &create_body_with(host, None),
                CreateContainerOptions::default(),
            )
            .await
            .unwrap_err();
        assert!(invalid_field(&err).contains("MemorySwappiness"), "{err}");
    }
}

#[tokio::test]
async fn create_without_an_image_is_refused_naming_it() {
    let mut server = Server::new_async().await;
    let never = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let mut body = create_body_with(HostConfig::default(), None);
    for image in [None, Some(String::new())] {
        body.image = image;
        let err = c
            .create(&body, CreateContainerOptions::default())
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&err), "image");
    }
    never.assert_async().await;
}

#[tokio::test]
async fn archive_info_on_a_missing_path_says_what_is_missing() {
    let mut server = Server::new_async().await;
    let head = server
        .mock("HEAD", "/v1.45/containers/c1/archive")
        .match_query(q("path", "/no/such"))
        .with_status(404)
        .expect(1)
        .create_async()
        .await;
    let inspect = server
        .mock("GET", "/v1.45/containers/c1/json")
        .match_query(Matcher::Any)
        .with_body(r#"{"Id":"c1","Name":"/c1"}"#)
        .expect(1)
        .create_async()
        .await;
    let gone_head = server
        .mock("HEAD", "/v1.45/containers/gone/archive")
        .match_query(Matcher::Any)
        .with_status(404)
        .create_async()
        .await;
    let gone = server
        .mock("GET", "/v1.45/containers/gone/json")
        .match_query(Matcher::Any)
        .with_status(404)
        .with_body(r#"{"message":"No such container: gone"}"#)
        .create_async()
        .await;
    let c = pinned(&server, "1.45").containers();
    let err = c.archive_info("c1", "/no/such").await.unwrap_err();
    assert!(
        (err.status() == Some(api_client_transport::http::StatusCode::NOT_FOUND)),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("/no/such") && text.contains("c1"), "{text}");
    let err = c.archive_info("gone", "/etc").await.unwrap_err();
    assert!(
        (err.status() == Some(api_client_transport::http::StatusCode::NOT_FOUND))
            && err.to_string().contains("No such container: gone"),
        "{err}"
    );
    for m in [head, inspect, gone_head, gone] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn a_pinned_version_is_named_pinned_not_negotiated() {
    let server = Server::new_async().await;
    let c = pinned(&server, "1.41").containers();
    let err = c
        .stop(
            "c1",
            StopContainerOptions {
                signal: Some("SIGINT".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("pinned to 1.41") && !text.contains("negotiated"),
        "{text}"
    );
}

/// A daemon that, like podman, sends the head of a followed log only with the
/// first line: after `hold`. Returns its URL.
async fn head_holding_daemon(hold: std::time::Duration) -> String {
    head_holding_daemon_with(
        hold,
        "application/vnd.docker.multiplexed-stream",
        frame(1, b"first\n"),
    )
    .await
}

/// Like [`head_holding_daemon`], answering `body` as `content_type`.
async fn head_holding_daemon_with(
    hold: std::time::Duration,
    content_type: &'static str,
    body: Vec<u8>,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if sock.read_exact(&mut byte).await.is_err() {
                return;
            }
            head.push(byte[0]);
        }
        tokio::time::sleep(hold).await;
        let answer = [
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes(),
            body,
        ]
        .concat();
        let _ = sock.write_all(&answer).await;
    });
    url
}

#[tokio::test]
async fn followed_logs_wait_for_their_head_beyond_the_call_timeout() {
    // The builder's timeout is 100 ms; the daemon holds the head five times as long.
    let url = head_holding_daemon(std::time::Duration::from_millis(500)).await;
    let docker = Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .timeout(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    let mut options = LogsOptions::default();
    options.follow = true;
    let frames = collect(docker.containers().logs("c1", options).await.unwrap()).await;
    assert_eq!(
        frames,
        vec![LogOutput::StdOut {
            message: Bytes::from_static(b"first\n")
        }]
    );
}

#[tokio::test]
async fn followed_logs_wait_for_their_head_no_longer_than_the_idle_timeout() {
    let url = head_holding_daemon(std::time::Duration::from_secs(3600)).await;
    let docker = Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .stream_idle_timeout(Some(std::time::Duration::from_millis(100)))
        .build()
        .unwrap();
    let mut options = LogsOptions::default();
    options.follow = true;
    let err = docker.containers().logs("c1", options).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn a_stats_stream_waits_for_its_head_beyond_the_call_timeout() {
    // podman sends a sample (and the head with it) every 5 s, not every second.
    let url = head_holding_daemon_with(
        std::time::Duration::from_millis(500),
        "application/json",
        b"{\"id\":\"c1\",\"read\":\"2024-05-01T10:00:00Z\"}\n".to_vec(),
    )
    .await;
    let docker = Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .timeout(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    let mut stream = docker.containers().stats_stream("c1").await.unwrap();
    let sample = stream.next().await.unwrap().unwrap();
    assert_eq!(sample.id.as_deref(), Some("c1"));
    assert!(stream.next().await.is_none());
}
