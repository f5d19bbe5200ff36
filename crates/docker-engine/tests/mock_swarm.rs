//! Wire-level tests of the swarm operations (swarm, nodes, services, tasks,
//! secrets, configs), `HEAD /_ping` and `/session` against a mockito server:
//! method, path, query, headers and body of every call, decoding of answers
//! recorded from dockerd 20.10 in swarm mode (tests/fixtures/swarm), every error
//! status the API declares, and podman's answers read as `NotSupported`.
#![allow(clippy::field_reassign_with_default)]

mod mock_support;

use mock_support::{pinned_once, q};
use std::future::Future;
use std::pin::Pin;

use base64::Engine;
use docker_engine::frames::LogOutput;
use docker_engine::models::{
    ConfigSpec, NodeSpec, SecretSpec, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated,
    SwarmInitRequest, SwarmJoinRequest, SwarmSpec, TaskSpec, TaskSpecContainerSpec,
    UnlockKeyResponse,
};
use docker_engine::{
    CreateServiceOptions, DaemonErrorExt, Docker, Error, InspectServiceOptions, LeaveSwarmOptions,
    ListConfigsOptions, ListNodesOptions, ListSecretsOptions, ListServicesOptions,
    ListTasksOptions, NodeFilters, RegistryAuth, RegistryAuthFrom, RemoveNodeOptions,
    SecretFilters, ServiceFilters, SessionOptions, TaskLogsOptions, UpdateServiceOptions,
    UpdateSwarmOptions, NOT_SUPPORTED,
};
use futures_util::StreamExt;
use mockito::{Matcher, Server};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SWARM: &str = include_str!("fixtures/swarm/swarm.json");
const NODE: &str = include_str!("fixtures/swarm/node.json");
const SERVICE: &str = include_str!("fixtures/swarm/service.json");
const TASK: &str = include_str!("fixtures/swarm/task.json");
const SECRET: &str = include_str!("fixtures/swarm/secret.json");
const CONFIG: &str = include_str!("fixtures/swarm/config.json");

const SERVICE_ID: &str = "mxw2q42fv0cz39dn6590gky21";
const NODE_ID: &str = "tbx89vcubek30c32g4cnkwl6o";
const TASK_ID: &str = "3kknc4i51daadaoeg5g0q6egx";

fn json_body(v: serde_json::Value) -> Matcher {
    Matcher::Json(v)
}

fn spec() -> ServiceSpec {
    let mut container = TaskSpecContainerSpec::new();
    container.image = Some("127.0.0.1:5000/docker-engine-example/busybox:latest".into());
    container.args = Some(vec!["sleep".into(), "30".into()]);
    let mut task = TaskSpec::new();
    task.container_spec = Some(container);
    let mut replicated = ServiceSpecModeReplicated::new();
    replicated.replicas = Some(2);
    let mut mode = ServiceSpecMode::new();
    mode.replicated = Some(replicated);
    let mut spec = ServiceSpec::new();
    spec.name = Some("svc1".into());
    spec.task_template = Some(task);
    spec.mode = Some(mode);
    spec
}

fn spec_json() -> serde_json::Value {
    json!({
        "Name": "svc1",
        "TaskTemplate": {"ContainerSpec": {
            "Image": "127.0.0.1:5000/docker-engine-example/busybox:latest",
            "Args": ["sleep", "30"]}},
        "Mode": {"Replicated": {"Replicas": 2}}
    })
}

/// The JSON a `X-Registry-Auth` header value carries.
fn auth_json(header: &str) -> serde_json::Value {
    let raw = base64::engine::general_purpose::URL_SAFE
        .decode(header)
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

fn auth() -> RegistryAuth {
    RegistryAuth::password(
        "127.0.0.1:5000",
        "docker-engine",
        "docker-engine-registry-pw",
    )
}

/// A base64url header value (its content is checked by decoding in
/// `service_create_credentials_are_the_auth_config`).
fn auth_header_matcher() -> Matcher {
    Matcher::Regex(r"^[A-Za-z0-9_=-]{40,}$".into())
}

fn frame(stream: u8, data: &[u8]) -> Vec<u8> {
    let mut v = vec![stream, 0, 0, 0];
    v.extend_from_slice(&(data.len() as u32).to_be_bytes());
    v.extend_from_slice(data);
    v
}

// ------------------------------------------------------------------ swarm

#[tokio::test]
async fn swarm_inspect_decodes_a_dockerd_answer() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/swarm")
        .with_header("content-type", "application/json")
        .with_body(SWARM)
        .create_async()
        .await;
    let swarm = pinned_once(&server).swarm().inspect().await.unwrap();
    m.assert_async().await;
    assert_eq!(swarm.id.as_deref(), Some("3c3unt0at22clxg4x1vlnn79v"));
    assert_eq!(swarm.version.unwrap().index, Some(10));
    assert_eq!(swarm.data_path_port, Some(4789));
    let tokens = swarm.join_tokens.unwrap();
    let worker = tokens.worker.clone().unwrap();
    assert!(worker.expose().starts_with("SWMTKN-1-"));
    // Join tokens are credentials: Debug never shows them.
    assert!(!format!("{tokens:?}").contains("SWMTKN"), "{tokens:?}");
    let spec = swarm.spec.unwrap();
    assert_eq!(spec.name.as_deref(), Some("default"));
    assert_eq!(
        spec.raft.unwrap().snapshot_interval,
        Some(10000),
        "raft settings decoded"
    );
}

#[tokio::test]
async fn swarm_init_sends_the_request_and_reads_the_node_id() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("POST", "/v1.45/swarm/init")
        .match_header("content-type", "application/json")
        .match_body(json_body(json!({
            "ListenAddr": "0.0.0.0:2377", "AdvertiseAddr": "127.0.0.1",
            "DefaultAddrPool": ["10.20.0.0/16"], "SubnetSize": 24
        })))
        .with_body(r#""tbx89vcubek30c32g4cnkwl6o""#)
        .create_async()
        .await;
    let mut init = SwarmInitRequest::new();
    init.listen_addr = Some("0.0.0.0:2377".into());
    init.advertise_addr = Some("127.0.0.1".into());
    init.default_addr_pool = Some(vec!["10.20.0.0/16".into()]);
    init.subnet_size = Some(24);
    let id = pinned_once(&server).swarm().init(&init).await.unwrap();
    m.assert_async().await;
    assert_eq!(id, NODE_ID);
}

#[tokio::test]
async fn swarm_join_sends_the_token_and_no_error_echoes_it() {
    let mut server = Server::new_async().await;
    let token =
        "SWMTKN-1-193auurvus2694psrxdevri7n7hs0qtj087uyrjyhgajvd3xob-b2uxmyzf6e1p5woaatu4fox2f";
    let ok = server
        .mock("POST", "/v1.45/swarm/join")
        .match_body(json_body(json!({
            "ListenAddr": "0.0.0.0:2377", "RemoteAddrs": ["10.0.0.1:2377"], "JoinToken": token
        })))
        .with_status(200)
        .expect(1)
        .create_async()
        .await;
    let join = SwarmJoinRequest::new("0.0.0.0:2377", vec!["10.0.0.1:2377".into()], token);
    assert!(!format!("{join:?}").contains("SWMTKN"));
    pinned_once(&server).swarm().join(&join).await.unwrap();
    ok.assert_async().await;
    ok.remove_async().await;

    // A daemon that quotes the token back in its error: the error does not.
    server
        .mock("POST", "/v1.45/swarm/join")
        .with_status(400)
        .with_body(json!({"message": format!("invalid join token {token}")}).to_string())
        .create_async()
        .await;
    let err = pinned_once(&server).swarm().join(&join).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(!format!("{err} {err:?}").contains("SWMTKN"), "{err:?}");
}

#[tokio::test]
async fn swarm_leave_update_unlock() {
    let mut server = Server::new_async().await;
    let leave = server
        .mock("POST", "/v1.45/swarm/leave")
        .match_query(q("force", "true"))
        .create_async()
        .await;
    let update = server
        .mock("POST", "/v1.45/swarm/update")
        .match_query(Matcher::AllOf(vec![
            q("version", "10"),
            q("rotateWorkerToken", "true"),
            q("rotateManagerUnlockKey", "true"),
        ]))
        .match_body(json_body(
            json!({"Name": "default", "Labels": {"env": "ci"}}),
        ))
        .create_async()
        .await;
    let key = "SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8";
    let unlockkey = server
        .mock("GET", "/v1.45/swarm/unlockkey")
        .with_body(json!({"UnlockKey": key}).to_string())
        .create_async()
        .await;
    let unlock = server
        .mock("POST", "/v1.45/swarm/unlock")
        .match_header("content-type", "application/json")
        .match_body(json_body(json!({"UnlockKey": key})))
        .create_async()
        .await;
    let swarm = pinned_once(&server).swarm();
    swarm.leave(LeaveSwarmOptions::force()).await.unwrap();
    let mut spec = SwarmSpec::new();
    spec.name = Some("default".into());
    spec.labels = Some([("env".to_string(), "ci".to_string())].into());
    let mut options = UpdateSwarmOptions::default();
    options.rotate_worker_token = true;
    options.rotate_manager_unlock_key = true;
    swarm.update(10, &spec, options).await.unwrap();
    let got: UnlockKeyResponse = swarm.unlock_key().await.unwrap();
    assert_eq!(got.unlock_key.as_ref().unwrap().expose(), key);
    assert!(!format!("{got:?}").contains("SWMKEY"), "{got:?}");
    swarm.unlock(&got).await.unwrap();
    for m in [leave, update, unlockkey, unlock] {
        m.assert_async().await;
    }
}

// ------------------------------------------------------------------ nodes

#[tokio::test]
async fn nodes_list_inspect_remove_update() {
    let mut server = Server::new_async().await;
    let list = server
        .mock("GET", "/v1.45/nodes")
        .match_query(q("filters", r#"{"role":["manager"]}"#))
        .with_body(format!("[{NODE}]"))
        .create_async()
        .await;
    let inspect = server
        .mock("GET", format!("/v1.45/nodes/{NODE_ID}").as_str())
        .with_body(NODE)
        .expect(2)
        .create_async()
        .await;
    let remove = server
        .mock("DELETE", format!("/v1.45/nodes/{NODE_ID}").as_str())
        .match_query(q("force", "true"))
        .create_async()
        .await;
    let update = server
        .mock("POST", format!("/v1.45/nodes/{NODE_ID}/update").as_str())
        .match_query(q("version", "9"))
        .match_body(json_body(json!({
            "Labels": {"zone": "a"}, "Role": "manager", "Availability": "active"
        })))
        .expect(2)
        .create_async()
        .await;
    let nodes = pinned_once(&server).nodes();
    let mut options = ListNodesOptions::default();
    options.filters = NodeFilters::new().role("manager");
    let all = nodes.list(options).await.unwrap();
    assert_eq!(all.len(), 1);
    let node = nodes.inspect(NODE_ID).await.unwrap();
    assert_eq!(node.id.as_deref(), Some(NODE_ID));
    let description = node.description.unwrap();
    assert_eq!(description.hostname.as_deref(), Some("vm"));
    assert_eq!(
        description.resources.unwrap().nano_cpus,
        Some(2_000_000_000)
    );
    assert_eq!(node.manager_status.unwrap().leader, Some(true));
    let mut spec: NodeSpec = node.spec.unwrap();
    spec.labels = Some([("zone".to_string(), "a".to_string())].into());
    nodes.update(NODE_ID, 9, &spec).await.unwrap();
    nodes
        .update_with(NODE_ID, |s| {
            s.labels = Some([("zone".to_string(), "a".to_string())].into());
        })
        .await
        .unwrap();
    let mut rm = RemoveNodeOptions::default();
    rm.force = true;
    nodes.remove(NODE_ID, rm).await.unwrap();
    for m in [list, inspect, remove, update] {
        m.assert_async().await;
    }
}

// ------------------------------------------------------------------ services

#[tokio::test]
async fn service_create_sends_credentials_and_spec() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("POST", "/v1.45/services/create")
        .match_header("content-type", "application/json")
        .match_header("x-registry-auth", auth_header_matcher())
        .match_body(json_body(spec_json()))
        .with_status(201)
        .with_body(json!({"ID": SERVICE_ID, "Warnings": null}).to_string())
        .create_async()
        .await;
    let created = pinned_once(&server)
        .services()
        .create(&spec(), CreateServiceOptions::default().with_auth(auth()))
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(created.id.as_deref(), Some(SERVICE_ID));
}

#[tokio::test]
async fn service_create_credentials_are_the_auth_config() {
    // A raw listener: mockito cannot hand the header value back for decoding.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 65536];
        let mut got = Vec::new();
        loop {
            let n = sock.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
            if n == 0 || got.windows(4).any(|w| w == b"\r\n\r\n") && got.ends_with(b"}") {
                break;
            }
        }
        let body = r#"{"ID":"x"}"#;
        let answer = format!(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        sock.write_all(answer.as_bytes()).await.unwrap();
        String::from_utf8_lossy(&got).to_string()
    });
    let docker = Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .build()
        .unwrap();
    docker
        .services()
        .create(&spec(), CreateServiceOptions::default().with_auth(auth()))
        .await
        .unwrap();
    let request = seen.await.unwrap();
    let header = request
        .lines()
        .find_map(|l| {
            l.strip_prefix("x-registry-auth: ")
                .or_else(|| l.strip_prefix("X-Registry-Auth: "))
        })
        .expect("X-Registry-Auth sent");
    assert_eq!(
        auth_json(header.trim()),
        json!({"username": "docker-engine", "password": "docker-engine-registry-pw",
               "serveraddress": "127.0.0.1:5000"})
    );
}

#[tokio::test]
async fn service_list_inspect_remove() {
    let mut server = Server::new_async().await;
    let list = server
        .mock("GET", "/v1.45/services")
        .match_query(Matcher::AllOf(vec![
            q("filters", r#"{"name":["svc1"]}"#),
            q("status", "true"),
        ]))
        .with_body(format!("[{SERVICE}]"))
        .create_async()
        .await;
    let inspect = server
        .mock("GET", "/v1.45/services/svc1")
        .match_query(q("insertDefaults", "true"))
        .with_body(SERVICE)
        .create_async()
        .await;
    let remove = server
        .mock("DELETE", "/v1.45/services/svc1")
        .create_async()
        .await;
    let services = pinned_once(&server).services();
    let mut options = ListServicesOptions::default();
    options.filters = ServiceFilters::new().name("svc1");
    options.status = true;
    let all = services.list(options).await.unwrap();
    let status = all[0].service_status.clone().unwrap();
    assert_eq!(status.desired_tasks, Some(1));
    let mut options = InspectServiceOptions::default();
    options.insert_defaults = true;
    let service = services.inspect("svc1", options).await.unwrap();
    let container = service
        .spec
        .unwrap()
        .task_template
        .unwrap()
        .container_spec
        .unwrap();
    assert_eq!(container.env, Some(vec!["A=1".to_string()]));
    let secret = &container.secrets.unwrap()[0];
    assert_eq!(secret.secret_name.as_deref(), Some("s1"));
    assert_eq!(secret.file.as_ref().unwrap().mode, Some(292));
    services.remove("svc1").await.unwrap();
    for m in [list, inspect, remove] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn service_update_sends_version_and_options() {
    let mut server = Server::new_async().await;
    let m = server
        .mock(
            "POST",
            format!("/v1.45/services/{SERVICE_ID}/update").as_str(),
        )
        .match_query(Matcher::AllOf(vec![
            q("version", "13"),
            q("registryAuthFrom", "previous-spec"),
            q("rollback", "previous"),
        ]))
        .match_header("x-registry-auth", auth_header_matcher())
        .match_body(json_body(spec_json()))
        .with_body(r#"{"Warnings":["image could not be resolved"]}"#)
        .create_async()
        .await;
    let mut options = UpdateServiceOptions::default().with_auth(auth());
    options.registry_auth_from = Some(RegistryAuthFrom::PreviousSpec);
    options.rollback = true;
    let answer = pinned_once(&server)
        .services()
        .update(SERVICE_ID, 13, &spec(), options)
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(answer.warnings.unwrap().len(), 1);
}

#[tokio::test]
async fn update_with_retries_once_on_a_version_conflict() {
    let mut server = Server::new_async().await;
    let mut newer: serde_json::Value = serde_json::from_str(SERVICE).unwrap();
    newer["Version"]["Index"] = json!(14);
    let inspect_old = server
        .mock("GET", "/v1.45/services/svc1")
        .with_body(SERVICE)
        .expect(1)
        .create_async()
        .await;
    let conflict = server
        .mock("POST", "/v1.45/services/svc1/update")
        .match_query(q("version", "13"))
        .match_body(Matcher::PartialJson(json!({
            "TaskTemplate": {"ContainerSpec": {"Env": ["A=1", "B=2"]}}
        })))
        .with_status(500)
        .with_body(r#"{"message":"rpc error: code = Unknown desc = update out of sequence"}"#)
        .expect(1)
        .create_async()
        .await;
    let services = pinned_once(&server).services();
    let mut calls = 0;
    let run = services.update_with("svc1", UpdateServiceOptions::default(), |spec| {
        calls += 1;
        let c = spec
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
            .unwrap();
        c.env.get_or_insert_with(Vec::new).push("B=2".into());
    });
    // The second read sees version 14; the write with it succeeds.
    let inspect_new = server
        .mock("GET", "/v1.45/services/svc1")
        .with_body(newer.to_string())
        .expect(1)
        .create_async()
        .await;
    let ok = server
        .mock("POST", "/v1.45/services/svc1/update")
        .match_query(q("version", "14"))
        .match_body(Matcher::PartialJson(json!({
            "TaskTemplate": {"ContainerSpec": {"Env": ["A=1", "B=2"]}}
        })))
        .with_body(r#"{"Warnings":null}"#)
        .expect(1)
        .create_async()
        .await;
    // mockito answers with the first matching mock that still expects calls.
    run.await.unwrap();
    assert_eq!(calls, 2);
    for m in [inspect_old, conflict, inspect_new, ok] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn update_with_gives_up_after_a_second_conflict() {
    let mut server = Server::new_async().await;
    let inspect = server
        .mock("GET", "/v1.45/services/svc1")
        .with_body(SERVICE)
        .expect(2)
        .create_async()
        .await;
    let conflict = server
        .mock("POST", "/v1.45/services/svc1/update")
        .match_query(Matcher::Any)
        .with_status(500)
        .with_body(r#"{"message":"rpc error: code = Unknown desc = update out of sequence"}"#)
        .expect(2)
        .create_async()
        .await;
    let err = pinned_once(&server)
        .services()
        .update_with("svc1", UpdateServiceOptions::default(), |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("out of sequence"), "{err}");
    inspect.assert_async().await;
    conflict.assert_async().await;
}

#[tokio::test]
async fn service_rollback_sends_the_current_spec_with_rollback_previous() {
    let mut server = Server::new_async().await;
    let inspect = server
        .mock("GET", "/v1.45/services/svc1")
        .with_body(SERVICE)
        .create_async()
        .await;
    let update = server
        .mock("POST", "/v1.45/services/svc1/update")
        .match_query(Matcher::AllOf(vec![
            q("version", "13"),
            q("rollback", "previous"),
        ]))
        .match_body(Matcher::PartialJson(json!({"Name": "svc1"})))
        .with_body("{}")
        .create_async()
        .await;
    pinned_once(&server)
        .services()
        .rollback("svc1")
        .await
        .unwrap();
    inspect.assert_async().await;
    update.assert_async().await;
}

#[tokio::test]
async fn service_and_task_logs_are_log_streams() {
    let mut server = Server::new_async().await;
    let body = [frame(1, b"hi\n"), frame(2, b"oops\n")].concat();
    let service = server
        .mock("GET", "/v1.45/services/svc1/logs")
        .match_query(Matcher::AllOf(vec![
            q("stdout", "true"),
            q("stderr", "true"),
            q("timestamps", "true"),
            q("details", "true"),
            q("tail", "10"),
        ]))
        .with_header("content-type", "application/vnd.docker.multiplexed-stream")
        .with_body(body.clone())
        .create_async()
        .await;
    let task = server
        .mock("GET", format!("/v1.45/tasks/{TASK_ID}/logs").as_str())
        .match_query(Matcher::AllOf(vec![
            q("stdout", "true"),
            q("follow", "true"),
        ]))
        .with_header("content-type", "application/vnd.docker.raw-stream")
        .with_body("console\n")
        .create_async()
        .await;
    let docker = pinned_once(&server);
    let mut options = TaskLogsOptions::default();
    options.timestamps = true;
    options.details = true;
    options.tail = Some(10);
    let frames: Vec<LogOutput> = docker
        .services()
        .logs("svc1", options)
        .await
        .unwrap()
        .map(|f| f.unwrap())
        .collect()
        .await;
    assert_eq!(
        frames,
        vec![
            LogOutput::StdOut {
                message: "hi\n".into()
            },
            LogOutput::StdErr {
                message: "oops\n".into()
            }
        ]
    );
    let mut options = TaskLogsOptions::follow();
    options.stderr = false;
    let frames: Vec<LogOutput> = docker
        .tasks()
        .logs(TASK_ID, options)
        .await
        .unwrap()
        .map(|f| f.unwrap())
        .collect()
        .await;
    assert_eq!(
        frames,
        vec![LogOutput::Console {
            message: "console\n".into()
        }]
    );
    service.assert_async().await;
    task.assert_async().await;

    let mut none = TaskLogsOptions::default();
    none.stdout = false;
    none.stderr = false;
    let err = docker.services().logs("svc1", none).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "stdout"));
}

#[tokio::test]
async fn service_logs_on_an_old_daemon_read_the_tty_from_the_service() {
    let mut server = Server::new_async().await;
    let logs = server
        .mock("GET", "/v1.41/services/svc1/logs")
        .match_query(q("stdout", "true"))
        .with_body(frame(1, b"hi\n"))
        .create_async()
        .await;
    let inspect = server
        .mock("GET", "/v1.41/services/svc1")
        .with_body(SERVICE)
        .create_async()
        .await;
    let docker = Docker::builder()
        .host(server.url())
        .api_version("1.41".parse().unwrap())
        .build()
        .unwrap();
    let frames: Vec<LogOutput> = docker
        .services()
        .logs("svc1", TaskLogsOptions::default())
        .await
        .unwrap()
        .map(|f| f.unwrap())
        .collect()
        .await;
    assert_eq!(
        frames,
        vec![LogOutput::StdOut {
            message: "hi\n".into()
        }]
    );
    logs.assert_async().await;
    inspect.assert_async().await;
}

// ------------------------------------------------------------------ tasks

#[tokio::test]
async fn tasks_list_and_inspect() {
    let mut server = Server::new_async().await;
    let list = server
        .mock("GET", "/v1.45/tasks")
        .match_query(q("filters", r#"{"service":["svc1"]}"#))
        .with_body(format!("[{TASK}]"))
        .create_async()
        .await;
    let inspect = server
        .mock("GET", format!("/v1.45/tasks/{TASK_ID}").as_str())
        .with_body(TASK)
        .create_async()
        .await;
    let tasks = pinned_once(&server).tasks();
    let all = tasks.list(ListTasksOptions::service("svc1")).await.unwrap();
    assert_eq!(all.len(), 1);
    let task = tasks.inspect(TASK_ID).await.unwrap();
    assert_eq!(task.service_id.as_deref(), Some(SERVICE_ID));
    assert_eq!(task.slot, Some(1));
    let status = task.status.unwrap();
    assert_eq!(status.state.unwrap().as_str(), "rejected");
    assert!(status.err.unwrap().contains("No such image"));
    assert_eq!(task.desired_state.unwrap().as_str(), "shutdown");
    list.assert_async().await;
    inspect.assert_async().await;
}

// ------------------------------------------------------------------ secrets and configs

#[tokio::test]
async fn secrets_carry_their_data_hidden() {
    let mut server = Server::new_async().await;
    let create = server
        .mock("POST", "/v1.45/secrets/create")
        .match_header("content-type", "application/json")
        .match_body(json_body(json!({"Name": "s1", "Data": "aHVudGVyMg=="})))
        .with_status(201)
        .with_body(r#"{"ID":"r1760x3v7wt1klbno1vl3t74b"}"#)
        .create_async()
        .await;
    let list = server
        .mock("GET", "/v1.45/secrets")
        .match_query(q("filters", r#"{"names":["s1"]}"#))
        .with_body(format!("[{SECRET}]"))
        .create_async()
        .await;
    let inspect = server
        .mock("GET", "/v1.45/secrets/r1760x3v7wt1klbno1vl3t74b")
        .with_body(SECRET)
        .create_async()
        .await;
    let update = server
        .mock("POST", "/v1.45/secrets/r1760x3v7wt1klbno1vl3t74b/update")
        .match_query(q("version", "11"))
        .match_body(json_body(json!({"Name": "s1", "Labels": {"k": "v"}})))
        .create_async()
        .await;
    let delete = server
        .mock("DELETE", "/v1.45/secrets/r1760x3v7wt1klbno1vl3t74b")
        .with_status(204)
        .create_async()
        .await;
    let secrets = pinned_once(&server).secrets();
    let spec = SecretSpec::with_data("s1", b"hunter2");
    assert!(!format!("{spec:?}").contains("aHVudGVyMg"), "{spec:?}");
    assert_eq!(spec.data_bytes().unwrap().unwrap().expose(), b"hunter2");
    assert!(!format!("{:?}", spec.data_bytes().unwrap()).contains("hunter2"));
    let id = secrets.create(&spec).await.unwrap().id;
    let mut options = ListSecretsOptions::default();
    options.filters = SecretFilters::new().names("s1");
    assert_eq!(secrets.list(options).await.unwrap().len(), 1);
    let secret = secrets.inspect(&id).await.unwrap();
    let mut spec = secret.spec.unwrap();
    assert!(
        spec.data.is_none(),
        "dockerd never sends a secret's data back"
    );
    spec.labels = Some([("k".to_string(), "v".to_string())].into());
    secrets
        .update(&id, secret.version.unwrap().index.unwrap(), &spec)
        .await
        .unwrap();
    secrets.remove(&id).await.unwrap();
    for m in [create, list, inspect, update, delete] {
        m.assert_async().await;
    }
    // No name: refused before sending.
    let err = secrets.create(&SecretSpec::new()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "secret.Name"));
}

#[tokio::test]
async fn a_refused_secret_create_does_not_echo_the_data() {
    let mut server = Server::new_async().await;
    server
        .mock("POST", "/v1.45/secrets/create")
        .with_status(409)
        .with_body(r#"{"message":"secret s1 already exists: aHVudGVyMg=="}"#)
        .create_async()
        .await;
    let err = pinned_once(&server)
        .secrets()
        .create(&SecretSpec::with_data("s1", b"hunter2"))
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    assert!(!format!("{err} {err:?}").contains("aHVudGVyMg"), "{err:?}");
}

#[tokio::test]
async fn configs_round_trip_their_data() {
    let mut server = Server::new_async().await;
    let create = server
        .mock("POST", "/v1.45/configs/create")
        .match_body(json_body(json!({"Name": "c1", "Data": "Y2ZnPTE="})))
        .with_status(201)
        .with_body(r#"{"ID":"z1wj0tep5nblgc4hbwb67a79e"}"#)
        .create_async()
        .await;
    let list = server
        .mock("GET", "/v1.45/configs")
        .with_body(format!("[{CONFIG}]"))
        .create_async()
        .await;
    let inspect = server
        .mock("GET", "/v1.45/configs/z1wj0tep5nblgc4hbwb67a79e")
        .with_body(CONFIG)
        .create_async()
        .await;
    let update = server
        .mock("POST", "/v1.45/configs/z1wj0tep5nblgc4hbwb67a79e/update")
        .match_query(q("version", "12"))
        .match_body(Matcher::PartialJson(
            json!({"Name": "c1", "Labels": {"k": "v"}}),
        ))
        .create_async()
        .await;
    let delete = server
        .mock("DELETE", "/v1.45/configs/z1wj0tep5nblgc4hbwb67a79e")
        .with_status(204)
        .create_async()
        .await;
    let configs = pinned_once(&server).configs();
    let id = configs
        .create(&ConfigSpec::with_data("c1", b"cfg=1"))
        .await
        .unwrap()
        .id;
    assert_eq!(
        configs
            .list(ListConfigsOptions::default())
            .await
            .unwrap()
            .len(),
        1
    );
    let config = configs.inspect(&id).await.unwrap();
    let mut spec = config.spec.unwrap();
    assert_eq!(spec.data_bytes().unwrap().unwrap().expose(), b"cfg=1");
    spec.labels = Some([("k".to_string(), "v".to_string())].into());
    configs.update(&id, 12, &spec).await.unwrap();
    configs.remove(&id).await.unwrap();
    for m in [create, list, inspect, update, delete] {
        m.assert_async().await;
    }
}

// ------------------------------------------------------------------ ping and session

#[tokio::test]
async fn ping_head_reads_the_headers() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("HEAD", "/_ping")
        .with_header("api-version", "1.45")
        .with_header("ostype", "linux")
        .with_header("swarm", "active/manager")
        .create_async()
        .await;
    let info = pinned_once(&server).ping_head().await.unwrap();
    m.assert_async().await;
    assert_eq!(info.api_version, Some("1.45".parse().unwrap()));
    assert_eq!(info.os_type.as_deref(), Some("linux"));
    assert_eq!(info.swarm.as_deref(), Some("active/manager"));
}

#[tokio::test]
async fn session_hands_back_the_hijacked_connection() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let daemon = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            sock.read_exact(&mut byte).await.unwrap();
            head.push(byte[0]);
        }
        sock.write_all(
            b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
        )
        .await
        .unwrap();
        let mut ping = [0u8; 4];
        sock.read_exact(&mut ping).await.unwrap();
        sock.write_all(b"pong").await.unwrap();
        (String::from_utf8(head).unwrap(), ping)
    });
    let docker = Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .build()
        .unwrap();
    let mut options = SessionOptions::new("sess-1");
    options.name = Some("build".into());
    options.shared_key = Some("key".into());
    options.grpc_methods = vec![
        "/moby.filesync.v1.FileSync/DiffCopy".into(),
        "/moby.filesync.v1.Auth/Credentials".into(),
    ];
    let (head, mut conn) = docker.session(options).await.unwrap();
    assert_eq!(head.status.as_u16(), 101);
    conn.write_all(b"ping").await.unwrap();
    let mut pong = [0u8; 4];
    conn.read_exact(&mut pong).await.unwrap();
    assert_eq!(&pong, b"pong");
    let (request, ping) = daemon.await.unwrap();
    assert_eq!(&ping, b"ping");
    let lower = request.to_ascii_lowercase();
    assert!(
        lower.starts_with("post /v1.45/session http/1.1"),
        "{request}"
    );
    assert!(lower.contains("upgrade: h2c"), "{request}");
    assert!(
        lower.contains("x-docker-expose-session-uuid: sess-1"),
        "{request}"
    );
    assert!(
        lower.contains("x-docker-expose-session-name: build"),
        "{request}"
    );
    assert!(
        lower.contains("x-docker-expose-session-sharedkey: key"),
        "{request}"
    );
    // Each gRPC method on its own header line, as the daemon reads them.
    assert_eq!(
        lower
            .matches("x-docker-expose-session-grpc-method: ")
            .count(),
        2,
        "{request}"
    );
}

// ------------------------------------------------------------------ declared errors

type Call = fn(Docker) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

macro_rules! call {
    (|$d:ident| $body:expr) => {{
        fn f($d: Docker) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send>> {
            Box::pin(async move { $body.await.map(drop) })
        }
        f as Call
    }};
}

/// Every operation, its request, and the error statuses the API declares for it.
fn operations() -> Vec<(&'static str, &'static str, &'static [u16], Call)> {
    vec![
        (
            "GET",
            "/v1.45/swarm",
            &[404, 500, 503],
            call!(|d| async move { d.swarm().inspect().await }),
        ),
        (
            "POST",
            "/v1.45/swarm/init",
            &[400, 500, 503],
            call!(|d| async move { d.swarm().init(&SwarmInitRequest::new()).await }),
        ),
        (
            "POST",
            "/v1.45/swarm/join",
            &[400, 500, 503],
            call!(|d| async move {
                d.swarm()
                    .join(&SwarmJoinRequest::new(
                        "0.0.0.0:2377",
                        vec!["m:2377".into()],
                        "t",
                    ))
                    .await
            }),
        ),
        (
            "POST",
            "/v1.45/swarm/leave",
            &[500, 503],
            call!(|d| async move { d.swarm().leave(LeaveSwarmOptions::default()).await }),
        ),
        (
            "POST",
            "/v1.45/swarm/update",
            &[400, 500, 503],
            call!(|d| async move {
                d.swarm()
                    .update(1, &SwarmSpec::new(), UpdateSwarmOptions::default())
                    .await
            }),
        ),
        (
            "GET",
            "/v1.45/swarm/unlockkey",
            &[500, 503],
            call!(|d| async move { d.swarm().unlock_key().await }),
        ),
        (
            "POST",
            "/v1.45/swarm/unlock",
            &[500, 503],
            call!(|d| async move { d.swarm().unlock(&UnlockKeyResponse::default()).await }),
        ),
        (
            "GET",
            "/v1.45/nodes",
            &[500, 503],
            call!(|d| async move { d.nodes().list(ListNodesOptions::default()).await }),
        ),
        (
            "GET",
            "/v1.45/nodes/n1",
            &[404, 500, 503],
            call!(|d| async move { d.nodes().inspect("n1").await }),
        ),
        (
            "DELETE",
            "/v1.45/nodes/n1",
            &[404, 500, 503],
            call!(|d| async move { d.nodes().remove("n1", RemoveNodeOptions::default()).await }),
        ),
        (
            "POST",
            "/v1.45/nodes/n1/update",
            &[400, 404, 500, 503],
            call!(|d| async move { d.nodes().update("n1", 1, &NodeSpec::new()).await }),
        ),
        (
            "GET",
            "/v1.45/services",
            &[500, 503],
            call!(|d| async move { d.services().list(ListServicesOptions::default()).await }),
        ),
        (
            "POST",
            "/v1.45/services/create",
            &[400, 403, 409, 500, 503],
            call!(|d| async move {
                d.services()
                    .create(&spec(), CreateServiceOptions::default())
                    .await
            }),
        ),
        (
            "GET",
            "/v1.45/services/s1",
            &[404, 500, 503],
            call!(|d| async move {
                d.services()
                    .inspect("s1", InspectServiceOptions::default())
                    .await
            }),
        ),
        (
            "DELETE",
            "/v1.45/services/s1",
            &[404, 500, 503],
            call!(|d| async move { d.services().remove("s1").await }),
        ),
        (
            "POST",
            "/v1.45/services/s1/update",
            &[400, 404, 500, 503],
            call!(|d| async move {
                d.services()
                    .update("s1", 1, &spec(), UpdateServiceOptions::default())
                    .await
            }),
        ),
        (
            "GET",
            "/v1.45/services/s1/logs",
            &[404, 500, 503],
            call!(|d| async move { d.services().logs("s1", TaskLogsOptions::default()).await }),
        ),
        (
            "GET",
            "/v1.45/tasks",
            &[500, 503],
            call!(|d| async move { d.tasks().list(ListTasksOptions::default()).await }),
        ),
        (
            "GET",
            "/v1.45/tasks/t1",
            &[404, 500, 503],
            call!(|d| async move { d.tasks().inspect("t1").await }),
        ),
        (
            "GET",
            "/v1.45/tasks/t1/logs",
            &[404, 500, 503],
            call!(|d| async move { d.tasks().logs("t1", TaskLogsOptions::default()).await }),
        ),
        (
            "GET",
            "/v1.45/secrets",
            &[500, 503],
            call!(|d| async move { d.secrets().list(ListSecretsOptions::default()).await }),
        ),
        (
            "POST",
            "/v1.45/secrets/create",
            &[409, 500, 503],
            call!(|d| async move { d.secrets().create(&SecretSpec::with_data("s", b"x")).await }),
        ),
        (
            "GET",
            "/v1.45/secrets/x1",
            &[404, 500, 503],
            call!(|d| async move { d.secrets().inspect("x1").await }),
        ),
        (
            "DELETE",
            "/v1.45/secrets/x1",
            &[404, 500, 503],
            call!(|d| async move { d.secrets().remove("x1").await }),
        ),
        (
            "POST",
            "/v1.45/secrets/x1/update",
            &[400, 404, 500, 503],
            call!(|d| async move { d.secrets().update("x1", 1, &SecretSpec::new()).await }),
        ),
        (
            "GET",
            "/v1.45/configs",
            &[500, 503],
            call!(|d| async move { d.configs().list(ListConfigsOptions::default()).await }),
        ),
        (
            "POST",
            "/v1.45/configs/create",
            &[409, 500, 503],
            call!(|d| async move { d.configs().create(&ConfigSpec::with_data("c", b"x")).await }),
        ),
        (
            "GET",
            "/v1.45/configs/x1",
            &[404, 500, 503],
            call!(|d| async move { d.configs().inspect("x1").await }),
        ),
        (
            "DELETE",
            "/v1.45/configs/x1",
            &[404, 500, 503],
            call!(|d| async move { d.configs().remove("x1").await }),
        ),
        (
            "POST",
            "/v1.45/configs/x1/update",
            &[400, 404, 500, 503],
            call!(|d| async move { d.configs().update("x1", 1, &ConfigSpec::new()).await }),
        ),
        (
            "HEAD",
            "/_ping",
            &[500],
            call!(|d| async move { d.ping_head().await }),
        ),
        (
            "POST",
            "/v1.45/session",
            &[400, 500],
            call!(|d| async move { d.session(SessionOptions::new("s")).await }),
        ),
    ]
}

#[tokio::test]
async fn every_declared_error_status_keeps_the_daemons_message() {
    let mut server = Server::new_async().await;
    for (method, path, statuses, call) in operations() {
        for &status in statuses {
            let message = format!("failure {status} of {method} {path}");
            let m = server
                .mock(method, path)
                .match_query(Matcher::Any)
                .with_status(status as usize)
                .with_header("content-type", "application/json")
                .with_body(json!({ "message": message }).to_string())
                .create_async()
                .await;
            let err = call(pinned_once(&server)).await.unwrap_err();
            m.assert_async().await;
            m.remove_async().await;
            assert_eq!(
                err.status().map(|s| s.as_u16()),
                Some(status),
                "{method} {path}: {err:?}"
            );
            if method != "HEAD" {
                assert!(
                    err.to_string().contains(&message)
                        || err.api().is_some_and(|a| a.body().is_empty()),
                    "{method} {path}: {err}"
                );
            }
            // dockerd's own errors are never "not supported".
            assert!(!err.is_not_supported(), "{method} {path}: {err:?}");
            if status == 404 {
                assert!(err.is_not_found());
            }
        }
    }
}

// ------------------------------------------------------------------ podman

#[tokio::test]
async fn podmans_answers_are_not_supported() {
    let mut server = Server::new_async().await;
    for (method, path, _, call) in operations() {
        if path == "/_ping" {
            continue;
        }
        // Podman 4.3: plain-text 404 for the routes it lacks, 503 for the swarm
        // writes it knows of (both seen on this machine's podman).
        let (status, body) = if method == "GET" {
            (404, "Not Found\n".to_string())
        } else {
            (
                503,
                json!({"cause": format!("Podman does not support service: {path}"),
                       "message": format!("Podman does not support service: {path}"),
                       "response": 503})
                .to_string(),
            )
        };
        let m = server
            .mock(method, path)
            .match_query(Matcher::Any)
            .with_status(status)
            .with_body(body)
            .create_async()
            .await;
        let err = call(pinned_once(&server)).await.unwrap_err();
        m.remove_async().await;
        let ns = err
            .not_supported()
            .unwrap_or_else(|| panic!("{method} {path}: {err:?}"));
        assert_eq!(ns.status, status as u16);
        assert_eq!(ns.operation, format!("{method} {path}"));
        assert_eq!(err.api().unwrap().code(), Some(NOT_SUPPORTED));
        assert!(err.to_string().contains("does not implement"), "{err}");
    }
}
