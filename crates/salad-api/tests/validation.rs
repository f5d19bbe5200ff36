//! Invalid input is rejected before anything is sent: the error names the
//! field and the rule, and the mock server sees no request at all.

mod common;

use common::*;
use mockito::{Matcher, ServerGuard};
use salad_api::models::{
    ContainerGroupProbe, ContainerGroupProbeTcp, ContainerGroupQueueAutoscaler,
    ContainerGroupScalingAction, ContainerNetworkingProtocol, ContainerResourceRequirements,
    ContainerRestartPolicy, CountryCode, CreateContainer, CreateContainerGroup,
    CreateContainerGroupNetworking, UpdateContainer, UpdateContainerGroup,
    UpdateContainerGroupInstance, UpdateContainerGroupNetworking, UpdateContainerResources,
};
use salad_api::{Client, Error, Patch};

/// Mocks that fail the test if any request at all reaches the server.
struct NoRequests(Vec<mockito::Mock>);

impl NoRequests {
    async fn assert_async(&self) {
        for mock in &self.0 {
            mock.assert_async().await;
        }
    }
}

async fn no_requests(server: &mut ServerGuard) -> NoRequests {
    let mut mocks = Vec::new();
    for method in ["GET", "POST", "PATCH", "PUT", "DELETE"] {
        mocks.push(
            server
                .mock(method, Matcher::Any)
                .with_status(500)
                .expect(0)
                .create_async()
                .await,
        );
    }
    NoRequests(mocks)
}

#[track_caller]
fn assert_invalid(result: Result<impl std::fmt::Debug, Error>, want_field: &str, rule_words: &str) {
    match result {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, want_field, "reason: {reason}");
            assert!(
                reason.contains(rule_words),
                "{field}: {reason:?} should mention {rule_words:?}"
            );
        }
        other => panic!("expected InvalidInput for {want_field}, got {other:?}"),
    }
}

fn valid_create() -> CreateContainerGroup {
    CreateContainerGroup {
        name: GROUP.into(),
        display_name: Some("Mandelbrot renderer".into()),
        container: CreateContainer {
            image: "ghcr.io/acme/mandelbrot:1.4.2".into(),
            resources: {
                let mut r = ContainerResourceRequirements::new(4, 16384);
                r.gpu_classes = Some(vec!["ed563892-aacd-40f5-80b7-90c9be6c759b"
                    .parse()
                    .unwrap()]);
                r
            },
            image_caching: None,
            command: None,
            priority: None,
            environment_variables: None,
            logging: None,
            registry_authentication: None,
        },
        autostart_policy: true,
        restart_policy: ContainerRestartPolicy::Always,
        replicas: 3,
        country_codes: Some(vec![CountryCode::Us]),
        networking: Some(CreateContainerGroupNetworking {
            protocol: ContainerNetworkingProtocol::Http,
            port: 8080,
            auth: false,
            load_balancer: None,
            single_connection_limit: None,
            client_request_timeout: None,
            server_response_timeout: None,
        }),
        liveness_probe: Some(probe()),
        readiness_probe: None,
        startup_probe: None,
        queue_connection: None,
        queue_autoscaler: Some({
            let mut a = ContainerGroupQueueAutoscaler::new(0, 10, 5);
            a.polling_period = Some(30);
            a
        }),
        scaling_actions: None,
        scheduled_scaling_enabled: None,
    }
}

fn probe() -> ContainerGroupProbe {
    let mut p = ContainerGroupProbe::new(0, 10, 30, 1, 3);
    p.tcp = Some(ContainerGroupProbeTcp::new(8080));
    p
}

#[tokio::test]
async fn organization_and_project_names_are_checked() {
    let mut server = server().await;
    let guard = no_requests(&mut server).await;
    let client = client(&server);
    let too_long = format!("a{}", "b".repeat(63));
    for bad in [
        "Acme",
        "a",
        "-acme",
        "acme-",
        "1acme",
        "acme_corp",
        "acme corp",
        too_long.as_str(),
        "a/../b",
        "",
    ] {
        assert_invalid(client.project(bad, PROJECT), "organization_name", "must");
        assert_invalid(client.project(ORG, bad), "project_name", "must");
    }
    // The bounds themselves are fine.
    let longest = format!("a{}", "b".repeat(62));
    client.project("ab", &longest).unwrap();
    guard.assert_async().await;
}

#[tokio::test]
async fn group_names_are_checked_on_every_call() {
    let mut server = server().await;
    let guard = no_requests(&mut server).await;
    let groups = groups(&server);
    let patch = UpdateContainerGroup::default();
    for bad in [
        "Mandelbrot",
        "m-",
        "mandel_brot",
        "mandelbrot-",
        "a/../b",
        "x?y",
    ] {
        let f = "container_group_name";
        assert_invalid(groups.get(bad).await, f, "pattern");
        assert_invalid(groups.update(bad, &patch).await, f, "pattern");
        assert_invalid(groups.delete(bad).await, f, "pattern");
        assert_invalid(groups.start(bad).await, f, "pattern");
        assert_invalid(groups.stop(bad).await, f, "pattern");
        assert_invalid(groups.system_logs(bad).await, f, "pattern");
        assert_invalid(groups.list_instances(bad).await, f, "pattern");
        assert_invalid(groups.get_instance(bad, INSTANCE).await, f, "pattern");
        assert_invalid(groups.restart_instance(bad, INSTANCE).await, f, "pattern");
    }
    let mut body = valid_create();
    body.name = "Mandelbrot".into();
    assert_invalid(groups.create(&body).await, "name", "pattern");
    guard.assert_async().await;
}

#[tokio::test]
async fn instance_ids_must_be_uuids() {
    let mut server = server().await;
    let guard = no_requests(&mut server).await;
    let groups = groups(&server);
    let patch = UpdateContainerGroupInstance::default();
    for bad in [
        "instance-1",
        "",
        "../../containers",
        "db3a4591-efc3-46c0-b06a-3d820c0ec10",
    ] {
        let f = "container_group_instance_id";
        assert_invalid(groups.get_instance(GROUP, bad).await, f, "UUID");
        assert_invalid(groups.update_instance(GROUP, bad, &patch).await, f, "UUID");
        assert_invalid(groups.reallocate_instance(GROUP, bad).await, f, "UUID");
        assert_invalid(groups.recreate_instance(GROUP, bad).await, f, "UUID");
        assert_invalid(groups.restart_instance(GROUP, bad).await, f, "UUID");
    }
    guard.assert_async().await;
}

#[tokio::test]
async fn create_bodies_are_checked() {
    let mut server = server().await;
    let guard = no_requests(&mut server).await;
    let groups = groups(&server);

    type Edit = fn(&mut CreateContainerGroup);
    let cases: Vec<(Edit, &str, &str)> = vec![
        (|b| b.replicas = 501, "replicas", "at most 500"),
        (|b| b.replicas = -1, "replicas", "at least 0"),
        // ECMA-262 `.` (what the spec's `^.*$` means) stops at \r and U+2028 too.
        (
            |b| b.container.environment_variables = Some([("K".into(), "a\rb".into())].into()),
            "container.environment_variables.K",
            "pattern",
        ),
        (
            |b| {
                b.container.environment_variables = Some([("K".into(), "a\u{2028}b".into())].into())
            },
            "container.environment_variables.K",
            "pattern",
        ),
        (
            |b| b.container.resources.cpu = 0,
            "container.resources.cpu",
            "at least 1",
        ),
        (
            |b| b.container.resources.cpu = 1025,
            "container.resources.cpu",
            "at most 1024",
        ),
        (
            |b| b.container.resources.memory = 512,
            "container.resources.memory",
            "at least 1024",
        ),
        (
            |b| b.container.resources.storage_amount = Some(1),
            "container.resources.storage_amount",
            "at least",
        ),
        (
            |b| b.container.image = String::new(),
            "container.image",
            "at least 1",
        ),
        (
            |b| b.display_name = Some("x".into()),
            "display_name",
            "at least 2",
        ),
        (
            |b| b.display_name = Some("GPU #1!".into()),
            "display_name",
            "pattern",
        ),
        (
            |b| b.display_name = Some("d".repeat(64)),
            "display_name",
            "at most 63",
        ),
        (
            |b| b.country_codes = Some(vec![]),
            "country_codes",
            "at least 1",
        ),
        (
            |b| b.country_codes = Some(vec![CountryCode::from("USA")]),
            "country_codes[0]",
            "does not know; known values: af, al",
        ),
        (
            |b| b.country_codes = Some(vec![CountryCode::from("zz")]),
            "country_codes[0]",
            "does not know; known values: af, al",
        ),
        (
            |b| b.networking.as_mut().unwrap().port = 0,
            "networking.port",
            "at least 1",
        ),
        (
            |b| b.networking.as_mut().unwrap().port = 65536,
            "networking.port",
            "at most 65535",
        ),
        (
            |b| b.networking.as_mut().unwrap().client_request_timeout = Some(100_001),
            "networking.client_request_timeout",
            "at most 100000",
        ),
        (
            |b| b.liveness_probe.as_mut().unwrap().period_seconds = 0,
            "liveness_probe.period_seconds",
            "at least 1",
        ),
        (
            |b| b.liveness_probe.as_mut().unwrap().failure_threshold = 21,
            "liveness_probe.failure_threshold",
            "at most 20",
        ),
        (
            |b| b.liveness_probe.as_mut().unwrap().initial_delay_seconds = 1201,
            "liveness_probe.initial_delay_seconds",
            "at most 1200",
        ),
        (
            |b| {
                let mut p = probe();
                p.timeout_seconds = 61;
                b.startup_probe = Some(p);
            },
            "startup_probe.timeout_seconds",
            "at most 60",
        ),
        (
            |b| b.queue_autoscaler.as_mut().unwrap().polling_period = Some(10),
            "queue_autoscaler.polling_period",
            "at least 15",
        ),
        (
            |b| b.queue_autoscaler.as_mut().unwrap().max_replicas = 0,
            "queue_autoscaler.max_replicas",
            "at least 1",
        ),
        (
            |b| b.queue_autoscaler.as_mut().unwrap().min_replicas = 101,
            "queue_autoscaler.min_replicas",
            "at most 100",
        ),
        (
            |b| b.queue_autoscaler.as_mut().unwrap().desired_queue_length = 0,
            "queue_autoscaler.desired_queue_length",
            "at least 1",
        ),
        (
            |b| b.queue_autoscaler.as_mut().unwrap().max_upscale_per_minute = Some(0),
            "queue_autoscaler.max_upscale_per_minute",
            "at least 1",
        ),
        (
            |b| {
                b.queue_autoscaler
                    .as_mut()
                    .unwrap()
                    .max_downscale_per_minute = Some(101)
            },
            "queue_autoscaler.max_downscale_per_minute",
            "at most 100",
        ),
        (
            |b| b.queue_autoscaler.as_mut().unwrap().polling_period = Some(1801),
            "queue_autoscaler.polling_period",
            "at most 1800",
        ),
        (
            |b| b.container.resources.memory = 1_073_741_825,
            "container.resources.memory",
            "at most 1073741824",
        ),
        (
            |b| {
                b.container.environment_variables =
                    Some([("EMPTY".to_string(), String::new())].into())
            },
            "container.environment_variables.EMPTY",
            "at least 1",
        ),
    ];
    for (edit, field, rule) in cases {
        let mut body = valid_create();
        edit(&mut body);
        assert_invalid(groups.create(&body).await, field, rule);
    }

    let mut body = valid_create();
    body.scaling_actions = Some(vec![ContainerGroupScalingAction::new("every monday", 1)]);
    match groups.create(&body).await {
        Err(Error::InvalidInput { field, reason }) => {
            assert!(field.ends_with("[0].schedule"), "{field}");
            assert!(reason.contains("pattern"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    guard.assert_async().await;
}

#[tokio::test]
async fn patches_are_checked_and_null_is_always_allowed() {
    let mut server = server().await;
    let guard = no_requests(&mut server).await;
    let groups = groups(&server);

    type Edit = fn(&mut UpdateContainerGroup);
    let cases: Vec<(Edit, &str, &str)> = vec![
        (
            |p| p.replicas = Patch::Value(501),
            "replicas",
            "at most 500",
        ),
        (
            |p| p.display_name = Patch::Value("!".into()),
            "display_name",
            "at least 2",
        ),
        (
            |p| p.country_codes = Patch::Value(vec![]),
            "country_codes",
            "at least 1",
        ),
        (
            |p| p.country_codes = Patch::Value(vec![CountryCode::from("U1")]),
            "country_codes[0]",
            "does not know",
        ),
        (
            |p| {
                p.container = Patch::Value(UpdateContainer {
                    resources: Patch::Value(UpdateContainerResources {
                        cpu: Patch::Value(2000),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
            },
            "container.resources.cpu",
            "at most 1024",
        ),
        (
            |p| {
                p.container = Patch::Value(UpdateContainer {
                    image: Patch::Value(String::new()),
                    ..Default::default()
                })
            },
            "container.image",
            "at least 1",
        ),
        (
            |p| {
                let mut probe = probe();
                probe.success_threshold = 11;
                p.readiness_probe = Patch::Value(probe);
            },
            "readiness_probe.success_threshold",
            "at most 10",
        ),
        (
            |p| {
                p.networking = Some(UpdateContainerGroupNetworking {
                    port: Patch::Value(0),
                })
            },
            "networking.port",
            "at least 1",
        ),
        (
            |p| {
                p.container = Patch::Value(UpdateContainer {
                    resources: Patch::Value(UpdateContainerResources {
                        memory: Patch::Value(1023),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
            },
            "container.resources.memory",
            "at least 1024",
        ),
        (
            |p| {
                let mut probe = probe();
                probe.period_seconds = 121;
                p.liveness_probe = Patch::Value(probe);
            },
            "liveness_probe.period_seconds",
            "at most 120",
        ),
        (
            |p| {
                let mut probe = probe();
                probe.failure_threshold = 0;
                p.startup_probe = Patch::Value(probe);
            },
            "startup_probe.failure_threshold",
            "at least 1",
        ),
        (
            |p| {
                p.queue_autoscaler = Some(ContainerGroupQueueAutoscaler::new(0, 501, 5));
            },
            "queue_autoscaler.max_replicas",
            "at most 500",
        ),
        (
            |p| {
                let mut a = ContainerGroupQueueAutoscaler::new(0, 10, 5);
                a.polling_period = Some(1801);
                p.queue_autoscaler = Some(a);
            },
            "queue_autoscaler.polling_period",
            "at most 1800",
        ),
        (
            |p| p.country_codes = Patch::Value(vec![CountryCode::Us; 501]),
            "country_codes",
            "at most 500",
        ),
    ];
    for (edit, field, rule) in cases {
        let mut patch = UpdateContainerGroup::default();
        edit(&mut patch);
        assert_invalid(groups.update(GROUP, &patch).await, field, rule);
    }
    let cost = UpdateContainerGroupInstance {
        deletion_cost: Patch::Value(100_001),
    };
    assert_invalid(
        groups.update_instance(GROUP, INSTANCE, &cost).await,
        "deletion_cost",
        "at most 100000",
    );
    guard.assert_async().await;

    // Clearing fields is never a bound violation: this patch goes out.
    let sent = server
        .mock("PATCH", concrete(GROUP_PATH).as_str())
        .match_body(Matcher::Json(serde_json::json!({"replicas": null, "display_name": null, "container": {"image": null}})))
        .with_status(200)
        .with_body(json_body(&response_example(GROUP_PATH, "patch", "200")))
        .expect(1)
        .create_async()
        .await;
    let clear = UpdateContainerGroup {
        replicas: Patch::Null,
        display_name: Patch::Null,
        container: Patch::Value(UpdateContainer {
            image: Patch::Null,
            ..Default::default()
        }),
        ..Default::default()
    };
    groups.update(GROUP, &clear).await.unwrap();
    sent.assert_async().await;
}

#[test]
fn an_empty_key_is_refused() {
    assert_invalid(Client::new(""), "api_key", "empty");
    assert_invalid(Client::new("   "), "api_key", "empty");
}
