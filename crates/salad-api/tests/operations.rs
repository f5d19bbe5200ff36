//! One test per operation: method, path, API key header, content type and
//! body on the wire, and a realistic answer decoded.

mod common;

use common::*;
use mockito::Matcher;
use salad_api::models::{
    ContainerGroupInstanceState, ContainerGroupPriority, ContainerGroupProbe,
    ContainerGroupProbeHttp, ContainerGroupProbeHttpHeader, ContainerGroupStatus,
    ContainerNetworkingProtocol, ContainerProbeHttpScheme, ContainerRegistryAuthentication,
    ContainerRegistryAuthenticationBasic, ContainerResourceRequirements, ContainerRestartPolicy,
    CountryCode, CreateContainer, CreateContainerGroup, CreateContainerGroupNetworking,
    UpdateContainer, UpdateContainerGroup, UpdateContainerGroupInstance,
};
use salad_api::Patch;

/// A mock for one call: method, path, key header, and (for bodiless calls) no
/// content type and an empty body.
fn expect_call(server: &mut mockito::ServerGuard, method: &str, path: &str) -> mockito::Mock {
    server
        .mock(method, path)
        .match_header("salad-api-key", KEY)
        .match_header("user-agent", Matcher::Regex("^salad-api/".into()))
}

fn no_body(mock: mockito::Mock) -> mockito::Mock {
    mock.match_header("content-type", Matcher::Missing)
        .match_body(Matcher::Exact(String::new()))
}

#[tokio::test]
async fn list_container_groups() {
    let mut server = server().await;
    let answer = response_example(GROUPS_PATH, "get", "200");
    let mock = no_body(expect_call(&mut server, "GET", &concrete(GROUPS_PATH)))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;

    let list = groups(&server).list().await.unwrap();
    mock.assert_async().await;
    assert_eq!(list.items.len(), 2);
    let running = &list.items[0];
    assert_eq!(running.name, "mandelbrot");
    assert_eq!(running.current_state.status, ContainerGroupStatus::Running);
    assert_eq!(
        running.current_state.instance_status_counts.running_count,
        2
    );
    assert_eq!(running.priority, Some(ContainerGroupPriority::High));
    assert_eq!(
        running.country_codes,
        vec![CountryCode::Us, CountryCode::Ca]
    );
    assert_eq!(running.container.command, None, "`command: null` decodes");
    assert_eq!(running.container.resources.cpu, 4);
    let networking = running.networking.as_ref().unwrap();
    assert_eq!(networking.dns, "mandelbrot-x7k2p9q4r8t1w3v6.salad.cloud");
    assert_eq!(running.scaling_actions.as_deref(), Some(&[][..]));
    let stopped = &list.items[1];
    assert_eq!(stopped.current_state.status, ContainerGroupStatus::Stopped);
    assert!(stopped.networking.is_none());
}

#[tokio::test]
async fn create_container_group() {
    let mut server = server().await;
    let sent = request_example(GROUPS_PATH, "post");
    let answer = response_example(GROUPS_PATH, "post", "201");
    let mock = expect_call(&mut server, "POST", &concrete(GROUPS_PATH))
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(sent.clone()))
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_header(
            "location",
            "/organizations/acme-corp/projects/dev-env/containers/mandelbrot",
        )
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;

    let body = CreateContainerGroup {
        name: "mandelbrot".into(),
        display_name: Some("Mandelbrot renderer".into()),
        container: CreateContainer {
            image: "ghcr.io/acme/mandelbrot:1.4.2".into(),
            image_caching: Some(true),
            resources: {
                let mut r = ContainerResourceRequirements::new(4, 16384);
                r.gpu_classes = Some(vec!["ed563892-aacd-40f5-80b7-90c9be6c759b"
                    .parse()
                    .unwrap()]);
                r.storage_amount = Some(53_687_091_200);
                r
            },
            priority: Some(ContainerGroupPriority::High),
            environment_variables: Some([("MAX_ITER".to_string(), "5000".to_string())].into()),
            registry_authentication: Some(ContainerRegistryAuthentication {
                basic: Some(ContainerRegistryAuthenticationBasic {
                    username: "acme-bot".into(),
                    password: "REDACTED".into(),
                }),
                ..Default::default()
            }),
            command: None,
            logging: None,
        },
        autostart_policy: true,
        restart_policy: ContainerRestartPolicy::Always,
        replicas: 3,
        country_codes: Some(vec![CountryCode::Us, CountryCode::Ca]),
        networking: Some(CreateContainerGroupNetworking {
            protocol: ContainerNetworkingProtocol::Http,
            port: 8080,
            auth: false,
            load_balancer: None,
            single_connection_limit: None,
            client_request_timeout: None,
            server_response_timeout: None,
        }),
        liveness_probe: Some({
            let http = ContainerGroupProbeHttp::new(
                "/healthz",
                8080,
                ContainerProbeHttpScheme::Http,
                vec![ContainerGroupProbeHttpHeader::new("Accept", "text/plain")],
            );
            let mut probe = ContainerGroupProbe::new(0, 10, 30, 1, 3);
            probe.http = Some(http);
            probe
        }),
        readiness_probe: None,
        startup_probe: None,
        queue_connection: None,
        queue_autoscaler: None,
        scaling_actions: None,
        scheduled_scaling_enabled: None,
    };
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        sent,
        "the typed body is the documented example"
    );

    let group = groups(&server).create(&body).await.unwrap();
    mock.assert_async().await;
    assert_eq!(group.id.to_string(), "ab3a4591-efc3-46c0-b06a-3d820c0ec100");
    assert_eq!(group.version, 7);
    assert_eq!(group.restart_policy, ContainerRestartPolicy::Always);
}

#[tokio::test]
async fn get_container_group() {
    let mut server = server().await;
    let answer = response_example(GROUP_PATH, "get", "200");
    let mock = no_body(expect_call(&mut server, "GET", &concrete(GROUP_PATH)))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;

    let group = groups(&server).get(GROUP).await.unwrap();
    mock.assert_async().await;
    assert_eq!(group.display_name, "Mandelbrot renderer");
    assert_eq!(group.organization_name, ORG);
    assert_eq!(group.project_name, PROJECT);
    let probe = group.startup_probe.unwrap();
    assert_eq!(probe.tcp.unwrap().port, 8080);
    assert_eq!(probe.failure_threshold, 15);
    assert!(
        group.readiness_probe.is_none(),
        "`readiness_probe: null` decodes"
    );
    assert_eq!(
        group
            .container
            .environment_variables
            .unwrap()
            .get("MAX_ITER")
            .map(String::as_str),
        Some("5000")
    );
}

#[tokio::test]
async fn update_container_group_sends_a_merge_patch() {
    let mut server = server().await;
    let sent = request_example(GROUP_PATH, "patch");
    let answer = response_example(GROUP_PATH, "patch", "200");
    let mock = expect_call(&mut server, "PATCH", &concrete(GROUP_PATH))
        .match_header("content-type", "application/merge-patch+json")
        .match_body(Matcher::Json(sent.clone()))
        .with_status(200)
        // The upstream document says the answer is merge-patch+json too.
        .with_header("content-type", "application/merge-patch+json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;

    let patch = UpdateContainerGroup {
        replicas: Patch::Value(5),
        display_name: Patch::Null,
        container: Patch::Value(UpdateContainer {
            image: Patch::Value("ghcr.io/acme/mandelbrot:1.5.0".into()),
            environment_variables: Some([("LOG_LEVEL".to_string(), "debug".to_string())].into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        sent,
        "the typed patch is the documented example"
    );

    let group = groups(&server).update(GROUP, &patch).await.unwrap();
    mock.assert_async().await;
    assert_eq!(group.replicas, 5);
    assert_eq!(group.version, 8);
    assert!(group.pending_change);
}

#[tokio::test]
async fn delete_container_group() {
    let mut server = server().await;
    let mock = no_body(expect_call(&mut server, "DELETE", &concrete(GROUP_PATH)))
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    groups(&server).delete(GROUP).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn start_container_group() {
    let mut server = server().await;
    let mock = no_body(expect_call(
        &mut server,
        "POST",
        &concrete(&format!("{GROUP_PATH}/start")),
    ))
    .with_status(202)
    .expect(1)
    .create_async()
    .await;
    groups(&server).start(GROUP).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn stop_container_group() {
    let mut server = server().await;
    let mock = no_body(expect_call(
        &mut server,
        "POST",
        &concrete(&format!("{GROUP_PATH}/stop")),
    ))
    .with_status(202)
    .expect(1)
    .create_async()
    .await;
    groups(&server).stop(GROUP).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn get_system_logs() {
    let mut server = server().await;
    let template = format!("{GROUP_PATH}/system-logs");
    let answer = response_example(&template, "get", "200");
    let mock = no_body(expect_call(&mut server, "GET", &concrete(&template)))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let logs = groups(&server).system_logs(GROUP).await.unwrap();
    mock.assert_async().await;
    assert_eq!(logs.items.len(), 2);
    assert_eq!(logs.items[0].event_name, "Container started");
    assert_eq!(logs.items[0].resource_cpu, Some(4));
    assert_eq!(
        logs.items[0].resource_gpu_class.as_deref(),
        Some("RTX 4090 (24 GB)")
    );
    assert_eq!(
        logs.items[1].resource_memory, None,
        "`null` resources decode"
    );
}

#[tokio::test]
async fn list_container_group_instances() {
    let mut server = server().await;
    let template = format!("{GROUP_PATH}/instances");
    let answer = response_example(&template, "get", "200");
    let mock = no_body(expect_call(&mut server, "GET", &concrete(&template)))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let list = groups(&server).list_instances(GROUP).await.unwrap();
    mock.assert_async().await;
    assert_eq!(list.instances.len(), 2);
    assert_eq!(list.instances[0].id.to_string(), INSTANCE);
    assert_eq!(
        list.instances[0].state,
        ContainerGroupInstanceState::Running
    );
    assert_eq!(
        list.instances[1].state,
        ContainerGroupInstanceState::Downloading
    );
    assert_eq!(list.instances[1].pulling_progress, Some(42.5));
}

#[tokio::test]
async fn get_container_group_instance() {
    let mut server = server().await;
    let answer = response_example(INSTANCE_PATH, "get", "200");
    let mock = no_body(expect_call(&mut server, "GET", &concrete(INSTANCE_PATH)))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let instance = groups(&server).get_instance(GROUP, INSTANCE).await.unwrap();
    mock.assert_async().await;
    assert_eq!(
        instance.machine_id.to_string(),
        "eb3a4591-efc3-46c0-b06a-3d820c0ec100"
    );
    assert_eq!(instance.ready, Some(true));
    assert_eq!(instance.memory_usage_mb, Some(6214.25));
}

#[tokio::test]
async fn get_container_group_instance_accepts_the_documented_202() {
    let mut server = server().await;
    let answer = response_example(INSTANCE_PATH, "get", "202");
    let mock = expect_call(&mut server, "GET", &concrete(INSTANCE_PATH))
        .with_status(202)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let instance = groups(&server).get_instance(GROUP, INSTANCE).await.unwrap();
    mock.assert_async().await;
    assert_eq!(instance.id.to_string(), INSTANCE);
}

#[tokio::test]
async fn update_container_group_instance_sends_a_merge_patch() {
    let mut server = server().await;
    let sent = request_example(INSTANCE_PATH, "patch");
    let answer = response_example(INSTANCE_PATH, "patch", "200");
    let mock = expect_call(&mut server, "PATCH", &concrete(INSTANCE_PATH))
        .match_header("content-type", "application/merge-patch+json")
        .match_body(Matcher::Json(sent.clone()))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let patch = UpdateContainerGroupInstance {
        deletion_cost: Patch::Value(250),
    };
    assert_eq!(serde_json::to_value(&patch).unwrap(), sent);
    let instance = groups(&server)
        .update_instance(GROUP, INSTANCE, &patch)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(instance.deletion_cost, Some(250));
}

async fn instance_action(action: &str) {
    let mut server = server().await;
    let mock = no_body(expect_call(
        &mut server,
        "POST",
        &concrete(&format!("{INSTANCE_PATH}/{action}")),
    ))
    .with_status(202)
    .expect(1)
    .create_async()
    .await;
    let groups = groups(&server);
    match action {
        "reallocate" => groups.reallocate_instance(GROUP, INSTANCE).await.unwrap(),
        "recreate" => groups.recreate_instance(GROUP, INSTANCE).await.unwrap(),
        "restart" => groups.restart_instance(GROUP, INSTANCE).await.unwrap(),
        other => unreachable!("{other}"),
    }
    mock.assert_async().await;
}

#[tokio::test]
async fn reallocate_container_group_instance() {
    instance_action("reallocate").await;
}

#[tokio::test]
async fn recreate_container_group_instance() {
    instance_action("recreate").await;
}

#[tokio::test]
async fn restart_container_group_instance() {
    instance_action("restart").await;
}

#[tokio::test]
async fn the_key_header_name_is_configurable() {
    let mut server = server().await;
    let mock = server
        .mock("GET", concrete(GROUPS_PATH).as_str())
        .match_header("x-salad-key", KEY)
        .match_header("salad-api-key", Matcher::Missing)
        .with_status(200)
        .with_body(r#"{"items":[]}"#)
        .expect(1)
        .create_async()
        .await;
    let client = salad_api::Client::builder(KEY)
        .base_url(format!("{}{PREFIX}", server.url()))
        .api_key_header("X-Salad-Key")
        .build()
        .unwrap();
    let list = client
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups()
        .list()
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(list.items.is_empty());
}
