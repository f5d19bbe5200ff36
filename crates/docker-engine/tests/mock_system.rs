//! Wire-level tests of info, df, events, the run helper and the typed helpers
//! against a mockito server.
// Models are built the way a user outside the crate must once they are
// #[non_exhaustive]: from Default, then field by field.
#![allow(clippy::field_reassign_with_default)]

mod mock_support;

use mock_support::{pinned, q};
use std::time::{Duration, UNIX_EPOCH};

use docker_engine::helpers::PublishedPort;
use docker_engine::models::{
    ContainerCreateRequest, EventMessageType, HealthConfig, LocalNodeState, Mount,
    SystemInfoCgroupVersion,
};
use docker_engine::{
    DataUsageKind, DataUsageOptions, Docker, Error, EventFilters, EventsOptions, RunOptions,
    RunOutput,
};
use futures_util::StreamExt;
use mockito::{Matcher, Server};
use serde_json::json;

fn daemon_error(message: &str) -> String {
    json!({ "message": message }).to_string()
}

// ------------------------------------------------------------------ info, df

#[tokio::test]
async fn info_decodes_what_dockerd_20_10_sends() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.41/info")
        .with_body(include_str!("fixtures/info-20.10.json"))
        .create_async()
        .await;
    let info = pinned(&server, "1.41").info().await.unwrap();
    m.assert_async().await;
    assert_eq!(info.driver.as_deref(), Some("overlay2"));
    assert_eq!(info.cgroup_version, Some(SystemInfoCgroupVersion::V1));
    assert_eq!(
        info.swarm.unwrap().local_node_state,
        Some(LocalNodeState::Inactive)
    );
    assert!(info.runtimes.unwrap().contains_key("runc"));
    let driver_status = info.driver_status.unwrap();
    assert_eq!(driver_status[0], vec!["Backing Filesystem", "extfs"]);
}

#[tokio::test]
async fn info_500_is_an_api_error() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/info")
        .with_status(500)
        .with_body(daemon_error("daemon is shutting down"))
        .create_async()
        .await;
    let err = pinned(&server, "1.45").info().await.unwrap_err();
    m.assert_async().await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(err.to_string().contains("shutting down"), "{err}");
}

#[tokio::test]
async fn df_repeats_type_and_decodes() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/system/df")
        .match_query(Matcher::Regex("^type=volume&type=build-cache$".into()))
        .with_body(
            json!({
                "LayersSize": 1982382,
                "Images": null,
                "Containers": null,
                "Volumes": [{"Name": "dnet-data", "Driver": "local", "Mountpoint": "/m",
                             "Labels": null, "Scope": "local", "Options": null,
                             "UsageData": {"Size": 4096, "RefCount": 1}}],
                "BuildCache": [{"ID": "hw53o5aio51x", "Type": "regular", "InUse": false,
                                "Shared": true, "Size": 51, "UsageCount": 2,
                                "LastUsedAt": null}]
            })
            .to_string(),
        )
        .create_async()
        .await;
    let options = DataUsageOptions {
        kinds: vec![DataUsageKind::Volumes, DataUsageKind::BuildCache],
    };
    let df = pinned(&server, "1.45").df(options).await.unwrap();
    m.assert_async().await;
    assert_eq!(df.layers_size, Some(1982382));
    let usage = df.volumes.unwrap()[0].usage_data.clone().unwrap();
    assert_eq!((usage.size, usage.ref_count), (4096, 1));
    assert_eq!(df.build_cache.unwrap()[0].size, Some(51));
}

#[tokio::test]
async fn df_kinds_need_1_42() {
    let mut server = Server::new_async().await;
    let never = server
        .mock("GET", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let options = DataUsageOptions {
        kinds: vec![DataUsageKind::Images],
    };
    let err = pinned(&server, "1.41").df(options).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "kinds"),
        "{err:?}"
    );
    never.assert_async().await;
    never.remove_async().await;
    let failing = server
        .mock("GET", "/v1.41/system/df")
        .match_query(Matcher::Missing)
        .with_status(500)
        .with_body(daemon_error("a disk usage operation is already running"))
        .create_async()
        .await;
    let err = pinned(&server, "1.41")
        .df(Default::default())
        .await
        .unwrap_err();
    failing.assert_async().await;
    assert!(err.to_string().contains("already running"), "{err}");
}

// ------------------------------------------------------------------ events

const EVENTS: &str = concat!(
    r#"{"status":"create","id":"c1","from":"busybox","Type":"container","Action":"create","Actor":{"ID":"c1","Attributes":{"image":"busybox","name":"dnet-x"}},"scope":"local","time":1796045342,"timeNano":1796045342000000001}"#,
    "\n",
    r#"{"Type":"container","Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"3"}},"scope":"local","time":1796045343,"timeNano":1796045343000000000}"#,
    "\n\n",
    r#"{"Type":"builder-of-the-future","Action":"prune","Actor":{"ID":""},"time":1796045344}"#,
    "\n"
);

#[tokio::test]
async fn events_send_since_until_filters_and_decode_each_line() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/events")
        .match_query(Matcher::AllOf(vec![
            q("since", "1796045342.000000000"),
            // `10m` converted as the CLI converts it: Unix seconds, nine decimals.
            Matcher::Regex(r"(^|&)until=\d{10}\.\d{9}(&|$)".into()),
            q("filters", r#"{"container":["c1"],"type":["container"]}"#),
        ]))
        .with_header("content-type", "application/json")
        .with_chunked_body(|w| {
            // Lines split across writes, as a real daemon flushes them.
            let (a, b) = EVENTS.split_at(100);
            w.write_all(a.as_bytes())?;
            w.write_all(b.as_bytes())
        })
        .create_async()
        .await;
    let options = EventsOptions {
        until: Some("10m".into()),
        filters: EventFilters::new()
            .container("c1")
            .kind(EventMessageType::Container),
        ..Default::default()
    }
    .since_time(UNIX_EPOCH + Duration::from_secs(1796045342))
    .unwrap();
    let events: Vec<_> = pinned(&server, "1.45")
        .events(options)
        .await
        .unwrap()
        .collect()
        .await;
    m.assert_async().await;
    let events: Vec<_> = events.into_iter().map(Result::unwrap).collect();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].action.as_deref(), Some("create"));
    assert_eq!(events[0].time_nano, Some(1796045342000000001));
    let actor = events[1].actor.clone().unwrap();
    assert_eq!(actor.attributes.unwrap()["exitCode"], "3");
    // A kind this crate does not know yet is kept, not an error.
    assert_eq!(
        events[2].r#type,
        Some(EventMessageType::from("builder-of-the-future"))
    );
}

#[tokio::test]
async fn events_garbage_ends_the_stream_with_a_decode_error() {
    let mut server = Server::new_async().await;
    let _m = server
        .mock("GET", "/v1.45/events")
        .with_body("{\"Type\":\"container\",\"Action\":\"start\"}\n<html>proxy error</html>\n")
        .create_async()
        .await;
    let mut events = pinned(&server, "1.45")
        .events(Default::default())
        .await
        .unwrap();
    assert!(events.next().await.unwrap().is_ok());
    let err = events.next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(events.next().await.is_none());
}

/// Issue 23 item 15: RFC 3339 and Go durations are sent as Unix seconds with
/// the fraction kept, as the docker CLI sends them (dockerd reads no other form).
#[tokio::test]
async fn events_times_are_converted_as_the_cli_does() {
    let mut server = Server::new_async().await;
    let m = server
        .mock("GET", "/v1.45/events")
        .match_query(Matcher::AllOf(vec![
            q("since", "1700000000.123456789"),
            q("until", "1700003600.000000000"),
        ]))
        .with_body("")
        .expect(1)
        .create_async()
        .await;
    let options = EventsOptions {
        since: Some("2023-11-14T22:13:20.123456789Z".into()),
        until: Some("2023-11-15T00:13:20+01:00".into()),
        ..Default::default()
    };
    let events: Vec<_> = pinned(&server, "1.45")
        .events(options)
        .await
        .unwrap()
        .collect()
        .await;
    assert!(events.is_empty());
    m.assert_async().await;

    // A Go duration counts back from the local clock.
    let m = server
        .mock("GET", "/v1.45/events")
        .match_query(Matcher::Regex(r"^since=\d{10}\.\d{9}$".into()))
        .with_body("")
        .expect(1)
        .create_async()
        .await;
    let options = EventsOptions {
        since: Some("1h30m".into()),
        ..Default::default()
    };
    let _ = pinned(&server, "1.45").events(options).await.unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn events_errors_and_empty_times() {
    let mut server = Server::new_async().await;
    let never = server
        .mock("GET", "/v1.45/events")
        .expect(0)
        .create_async()
        .await;
    let docker = pinned(&server, "1.45");
    // A time in no form the CLI reads is refused before anything is sent.
    let options = EventsOptions {
        since: Some("yesterday".into()),
        ..Default::default()
    };
    let err = docker.events(options).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "since"),
        "{err:?}"
    );
    assert!(err.to_string().contains("yesterday"), "{err}");
    never.assert_async().await;
    never.remove_async().await;
    let options = EventsOptions {
        until: Some(" ".into()),
        ..Default::default()
    };
    let err = docker.events(options).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "until"),
        "{err:?}"
    );
    let e500 = server
        .mock("GET", "/v1.45/events")
        .match_query(Matcher::Missing)
        .with_status(500)
        .with_body(daemon_error("boom"))
        .create_async()
        .await;
    let err = docker.events(Default::default()).await.unwrap_err();
    e500.assert_async().await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
}

// ------------------------------------------------------------------ run

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![kind, 0, 0, 0];
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn run_config() -> ContainerCreateRequest {
    let mut config = ContainerCreateRequest::default();
    config.image = Some("busybox".into());
    config.cmd = Some(vec!["sh".into(), "-c".into(), "echo hi; exit 3".into()]);
    config
}

/// A fake daemon for `run`: one request per connection, each head recorded
/// in order. `attach` is answered `101` at once, its frames written only
/// after `start` arrived (as a real daemon does); `start` answers
/// `start_status`.
async fn run_daemon(start_status: u16) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("tcp://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    let started = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (seen, started) = (seen.clone(), started.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if sock.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let len = head.lines().find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .and_then(|v| v.trim().parse::<usize>().ok())
                });
                let mut body = vec![0u8; len.unwrap_or(0)];
                let _ = sock.read_exact(&mut body).await;
                let line = head.lines().next().unwrap_or("").to_string();
                seen.lock().unwrap().push(line.clone());
                let plain = |status: u16, json: &str| {
                    format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                        json.len()
                    )
                };
                let answer = if line.starts_with("POST /v1.45/containers/create") {
                    plain(201, r#"{"Id":"c1","Warnings":[]}"#)
                } else if line.starts_with("POST /v1.45/containers/c1/wait") {
                    plain(200, r#"{"StatusCode":3}"#)
                } else if line.starts_with("POST /v1.45/containers/c1/start") {
                    started.notify_waiters();
                    if start_status == 204 {
                        "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_string()
                    } else {
                        plain(
                            start_status,
                            r#"{"message":"exec: \"nope\": executable file not found"}"#,
                        )
                    }
                } else if line.starts_with("POST /v1.45/containers/c1/attach") {
                    let notified = started.notified();
                    let upgrade = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
                    if sock.write_all(upgrade.as_bytes()).await.is_err() {
                        return;
                    }
                    notified.await;
                    let mut out = frame(1, b"hello world\n");
                    out.extend(frame(2, b"oops\n"));
                    let _ = sock.write_all(&out).await;
                    let _ = sock.shutdown().await;
                    return;
                } else if line.starts_with("DELETE /v1.45/containers/c1") {
                    "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_string()
                } else {
                    plain(404, r#"{"message":"unexpected"}"#)
                };
                let _ = sock.write_all(answer.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (url, heads)
}

fn run_docker(url: &str) -> Docker {
    Docker::builder()
        .host(url)
        .api_version("1.45".parse().unwrap())
        .retry(docker_engine::RetryPolicy::none())
        .build()
        .unwrap()
}

/// As `docker run`: wait (`next-exit`) and attach registered before start,
/// the output read from the attached stream, the exit code from wait, then
/// the container removed with its volumes.
#[tokio::test]
async fn run_waits_and_attaches_before_start_then_removes() {
    let (url, heads) = run_daemon(204).await;
    let options = RunOptions {
        name: Some("dnet-run".into()),
        output: RunOutput::Capture { limit: 5 },
        ..Default::default()
    };
    let done = tokio::time::timeout(
        Duration::from_secs(30),
        run_docker(&url).containers().run(&run_config(), options),
    )
    .await
    .expect("run hung")
    .unwrap();
    let heads = heads.lock().unwrap().clone();
    let at = |what: &str| {
        heads
            .iter()
            .position(|h| h.starts_with(what))
            .unwrap_or_else(|| panic!("no {what} in {heads:?}"))
    };
    assert!(heads[at("POST /v1.45/containers/create")].contains("name=dnet-run"));
    let wait = at("POST /v1.45/containers/c1/wait");
    assert!(heads[wait].contains("condition=next-exit"), "{heads:?}");
    let attach = at("POST /v1.45/containers/c1/attach");
    for part in ["stream=true", "stdout=true", "stderr=true"] {
        assert!(heads[attach].contains(part), "{heads:?}");
    }
    assert!(!heads[attach].contains("logs=true"), "{heads:?}");
    let start = at("POST /v1.45/containers/c1/start");
    assert!(wait < start && attach < start, "{heads:?}");
    let remove = at("DELETE /v1.45/containers/c1");
    assert!(start < remove, "{heads:?}");
    assert!(
        heads[remove].contains("force=true") && heads[remove].contains("v=true"),
        "{heads:?}"
    );
    assert!(!heads.iter().any(|h| h.contains("/logs")), "{heads:?}");
    assert_eq!(done.exit_code, 3);
    assert_eq!(done.stdout, b"hello");
    assert_eq!(done.stderr, b"oops\n");
    assert!(done.truncated);
}

#[tokio::test]
async fn run_removes_the_container_when_start_fails() {
    let (url, heads) = run_daemon(500).await;
    let err = tokio::time::timeout(
        Duration::from_secs(30),
        run_docker(&url)
            .containers()
            .run(&run_config(), Default::default()),
    )
    .await
    .expect("run hung")
    .unwrap_err();
    assert!(
        err.to_string().contains("executable file not found"),
        "{err}"
    );
    let heads = heads.lock().unwrap().clone();
    assert!(
        heads
            .iter()
            .any(|h| h.starts_with("DELETE /v1.45/containers/c1?") && h.contains("force=true")),
        "{heads:?}"
    );
}

#[tokio::test]
async fn run_with_keep_and_no_capture_leaves_the_container() {
    let mut server = Server::new_async().await;
    let _create = server
        .mock("POST", "/v1.45/containers/create")
        .with_status(201)
        .with_body(r#"{"Id":"c3","Warnings":[]}"#)
        .create_async()
        .await;
    let _wait = server
        .mock("POST", "/v1.45/containers/c3/wait")
        .match_query(Matcher::Any)
        .with_body(r#"{"StatusCode":0,"Error":{"Message":""}}"#)
        .create_async()
        .await;
    let _start = server
        .mock("POST", "/v1.45/containers/c3/start")
        .with_status(204)
        .create_async()
        .await;
    let logs = server
        .mock("GET", "/v1.45/containers/c3/logs")
        .match_query(Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let remove = server
        .mock("DELETE", "/v1.45/containers/c3")
        .match_query(Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let options = RunOptions {
        keep: true,
        output: RunOutput::Discard,
        ..Default::default()
    };
    let done = pinned(&server, "1.45")
        .containers()
        .run(&run_config(), options)
        .await
        .unwrap();
    assert_eq!(
        (done.exit_code, done.wait_error, done.id.as_str()),
        (0, None, "c3")
    );
    logs.assert_async().await;
    remove.assert_async().await;
}

// ------------------------------------------------------------------ helpers

#[test]
fn helpers_write_the_wire_shapes() {
    let config = run_config()
        .publish(PublishedPort::tcp(80).host_port(8080))
        .publish(PublishedPort::tcp(80).host_ip("127.0.0.1".parse().unwrap()))
        .publish(PublishedPort::udp(53))
        .mount(Mount::bind("/srv/site", "/site").read_only())
        .mount(Mount::volume("dnet-data", "/data").no_copy())
        .mount(Mount::tmpfs("/tmp", Some(1 << 20)))
        .healthcheck(
            HealthConfig::exec(["wget", "-q", "localhost"])
                .interval(Duration::from_millis(1500))
                .timeout(Duration::from_secs(2))
                .start_period(Duration::from_secs(u64::MAX))
                .retries(3),
        );
    let wire = serde_json::to_value(&config).unwrap();
    assert_eq!(wire["ExposedPorts"], json!({"80/tcp": {}, "53/udp": {}}));
    assert_eq!(
        wire["HostConfig"]["PortBindings"],
        json!({
            "80/tcp": [{"HostPort": "8080"}, {"HostIp": "127.0.0.1"}],
            "53/udp": [{}]
        })
    );
    assert_eq!(
        wire["HostConfig"]["Mounts"],
        json!([
            {"Type": "bind", "Source": "/srv/site", "Target": "/site", "ReadOnly": true},
            {"Type": "volume", "Source": "dnet-data", "Target": "/data", "VolumeOptions": {"NoCopy": true}},
            {"Type": "tmpfs", "Target": "/tmp", "TmpfsOptions": {"SizeBytes": 1048576}}
        ])
    );
    assert_eq!(
        wire["Healthcheck"],
        json!({
            "Test": ["CMD", "wget", "-q", "localhost"],
            "Interval": 1_500_000_000i64,
            "Timeout": 2_000_000_000i64,
            "StartPeriod": i64::MAX,
            "Retries": 3
        })
    );
    assert_eq!(
        serde_json::to_value(HealthConfig::shell("true")).unwrap()["Test"],
        json!(["CMD-SHELL", "true"])
    );
    assert_eq!(
        serde_json::to_value(HealthConfig::disabled()).unwrap()["Test"],
        json!(["NONE"])
    );
}

#[tokio::test]
async fn a_followed_event_stream_outlives_the_handles_idle_and_request_timeouts() {
    let mut server = Server::new_async().await;
    let _m = server
        .mock("GET", "/v1.45/events")
        .with_chunked_body(|w| {
            w.write_all(b"{\"Type\":\"container\",\"Action\":\"start\"}\n")?;
            w.flush()?;
            // Quiet for longer than both limits of the handle below.
            std::thread::sleep(Duration::from_millis(1500));
            w.write_all(b"{\"Type\":\"container\",\"Action\":\"die\"}\n")
        })
        .create_async()
        .await;
    let docker = Docker::builder()
        .host(server.url())
        .api_version("1.45".parse().unwrap())
        .timeout(Duration::from_millis(500))
        .stream_idle_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let events: Vec<_> = docker
        .events(Default::default())
        .await
        .unwrap()
        .collect()
        .await;
    let actions: Vec<_> = events
        .into_iter()
        .map(|e| e.expect("no timeout cuts the stream").action.unwrap())
        .collect();
    assert_eq!(actions, ["start", "die"]);
}

#[tokio::test]
async fn run_waits_past_the_handles_request_timeout() {
    let mut server = Server::new_async().await;
    let _create = server
        .mock("POST", "/v1.45/containers/create")
        .with_status(201)
        .with_body(r#"{"Id":"c4","Warnings":[]}"#)
        .create_async()
        .await;
    let _wait = server
        .mock("POST", "/v1.45/containers/c4/wait")
        .match_query(Matcher::Any)
        .with_chunked_body(|w| {
            w.flush()?;
            // The container runs longer than the handle's timeout.
            std::thread::sleep(Duration::from_millis(1500));
            w.write_all(br#"{"StatusCode":5}"#)
        })
        .create_async()
        .await;
    let _start = server
        .mock("POST", "/v1.45/containers/c4/start")
        .with_status(204)
        .create_async()
        .await;
    let remove = server
        .mock("DELETE", "/v1.45/containers/c4")
        .match_query(Matcher::Any)
        .with_status(204)
        .create_async()
        .await;
    let docker = Docker::builder()
        .host(server.url())
        .api_version("1.45".parse().unwrap())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let options = RunOptions {
        output: RunOutput::Discard,
        ..Default::default()
    };
    let done = docker
        .containers()
        .run(&run_config(), options)
        .await
        .expect("the wait is not cut by the request timeout");
    assert_eq!(done.exit_code, 5);
    remove.assert_async().await;
}
