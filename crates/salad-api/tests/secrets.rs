//! Credentials inside bodies (registry passwords, log sink keys) never show in
//! `Debug` output or in an error, are still checked before sending, and go on
//! the wire as plain strings.

mod common;

use common::*;
use mockito::Matcher;
use salad_api::models::{
    ContainerLoggingDatadog, ContainerLoggingHttp, ContainerLoggingHttpCompression,
    ContainerLoggingHttpFormat, ContainerRegistryAuthentication,
    ContainerRegistryAuthenticationAwsEcr, ContainerRegistryAuthenticationBasic,
    ContainerRegistryAuthenticationGcpGar, ContainerResourceRequirements, ContainerRestartPolicy,
    CreateContainer, CreateContainerGroup, CreateContainerLogging, UpdateContainer,
    UpdateContainerGroup, UpdateContainerLogging,
};
use salad_api::{Error, Patch, Secret};
use serde_json::json;

const PASSWORD: &str = "pw-7c1e0f93";
const DD_KEY: &str = "dd-5be2a8d4";

fn body(password: &str, dd_key: &str) -> CreateContainerGroup {
    CreateContainerGroup {
        name: GROUP.into(),
        display_name: None,
        container: CreateContainer {
            image: "ghcr.io/acme/mandelbrot:1.4.2".into(),
            resources: ContainerResourceRequirements::new(1, 1024),
            image_caching: None,
            command: None,
            priority: None,
            environment_variables: None,
            logging: Some({
                let mut logging = CreateContainerLogging::new();
                logging.datadog = Some(ContainerLoggingDatadog::new(
                    "http-intake.logs.datadoghq.com",
                    dd_key,
                    None,
                ));
                logging
            }),
            registry_authentication: Some(ContainerRegistryAuthentication {
                basic: Some(ContainerRegistryAuthenticationBasic {
                    username: "acme-bot".into(),
                    password: password.into(),
                }),
                ..Default::default()
            }),
        },
        autostart_policy: false,
        restart_policy: ContainerRestartPolicy::Never,
        replicas: 1,
        country_codes: None,
        networking: None,
        liveness_probe: None,
        readiness_probe: None,
        startup_probe: None,
        queue_connection: None,
        queue_autoscaler: None,
        scaling_actions: None,
        scheduled_scaling_enabled: None,
    }
}

#[test]
fn debug_output_hides_every_credential() {
    let create = body(PASSWORD, DD_KEY);
    let text = format!("{create:?} {create:#?}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(!text.contains(DD_KEY), "{text}");
    assert!(text.contains("acme-bot"), "other fields still show: {text}");

    let patch = UpdateContainerGroup {
        container: Patch::Value(UpdateContainer {
            registry_authentication: Some(ContainerRegistryAuthentication {
                aws_ecr: Some(ContainerRegistryAuthenticationAwsEcr {
                    access_key_id: "AKIAEXAMPLE".into(),
                    secret_access_key: PASSWORD.into(),
                }),
                ..Default::default()
            }),
            logging: Patch::Value(UpdateContainerLogging {
                http: Some({
                    let mut http = ContainerLoggingHttp::new(
                        "logs.example.com",
                        443,
                        ContainerLoggingHttpFormat::Json,
                        ContainerLoggingHttpCompression::None,
                        None,
                    );
                    http.user = Some("bot".into());
                    http.password = Some(DD_KEY.into());
                    http
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let text = format!("{patch:?}");
    assert!(!text.contains(PASSWORD) && !text.contains(DD_KEY), "{text}");
}

#[tokio::test]
async fn credentials_go_on_the_wire_as_plain_strings() {
    let mut server = server().await;
    let mock = server
        .mock("POST", concrete(GROUPS_PATH).as_str())
        .match_header("salad-api-key", KEY)
        .match_body(Matcher::PartialJson(json!({
            "container": {
                "registry_authentication": {"basic": {"username": "acme-bot", "password": PASSWORD}},
                "logging": {"datadog": {"api_key": DD_KEY}}
            }
        })))
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_body(json_body(&response_example(GROUPS_PATH, "post", "201")))
        .expect(1)
        .create_async()
        .await;
    groups(&server)
        .create(&body(PASSWORD, DD_KEY))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn credentials_are_checked_before_sending_without_being_quoted() {
    let mut server = server().await;
    let guard = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let patch_guard = server
        .mock("PATCH", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let groups = groups(&server);

    let cases = [
        (
            body("", DD_KEY),
            "container.registry_authentication.basic.password",
            "at least 1",
        ),
        (
            body(&format!("{PASSWORD}\nsecond line"), DD_KEY),
            "container.registry_authentication.basic.password",
            "pattern ^.*$",
        ),
        (
            body(&"p".repeat(10_001), DD_KEY),
            "container.registry_authentication.basic.password",
            "at most 10000",
        ),
        (
            body(PASSWORD, &format!("{DD_KEY}{}", "k".repeat(1000))),
            "container.logging.datadog.api_key",
            "at most 1000",
        ),
    ];
    for (create, want_field, rule) in cases {
        match groups.create(&create).await {
            Err(err @ Error::InvalidInput { .. }) => {
                let Error::InvalidInput { field, reason } = &err else {
                    unreachable!()
                };
                assert_eq!(field, want_field, "{reason}");
                assert!(reason.contains(rule), "{reason}");
                let shown = format!("{err} {err:?}");
                assert!(
                    !shown.contains(PASSWORD) && !shown.contains(DD_KEY),
                    "{shown}"
                );
            }
            other => panic!("expected InvalidInput for {want_field}, got {other:?}"),
        }
    }

    // A service account key is a JSON document: line breaks are fine, emptiness is not.
    let mut create = body(PASSWORD, DD_KEY);
    create.container.registry_authentication = Some(ContainerRegistryAuthentication {
        gcp_gar: Some(ContainerRegistryAuthenticationGcpGar {
            service_key: Secret::new(""),
        }),
        ..Default::default()
    });
    match groups.create(&create).await {
        Err(Error::InvalidInput { field, .. }) => {
            assert_eq!(
                field,
                "container.registry_authentication.gcp_gar.service_key"
            )
        }
        other => panic!("{other:?}"),
    }

    // The same rules hold for a value set by a merge patch; `null` is never checked.
    let patch = UpdateContainerGroup {
        container: Patch::Value(UpdateContainer {
            logging: Patch::Value(UpdateContainerLogging {
                datadog: Some(ContainerLoggingDatadog::new(
                    "http-intake.logs.datadoghq.com",
                    Secret::default(),
                    None,
                )),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    match groups.update(GROUP, &patch).await {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, "container.logging.datadog.api_key", "{reason}")
        }
        other => panic!("{other:?}"),
    }
    guard.assert_async().await;
    patch_guard.assert_async().await;
}

#[tokio::test]
async fn a_bad_answer_holding_a_credential_is_not_quoted_in_the_error() {
    let mut server = server().await;
    // Not a group (required fields missing), but it starts with a sink key.
    let answer = json!({
        "container": {"logging": {"datadog": {"host": "h", "api_key": DD_KEY}}},
        "replicas": "three"
    });
    let mock = server
        .mock("GET", concrete(GROUP_PATH).as_str())
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let err = groups(&server).get(GROUP).await.unwrap_err();
    mock.assert_async().await;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(DD_KEY), "{shown}");

    // Even the value serde would quote ("three") stays out; the path still says where.
    assert!(!shown.contains("three"), "{shown}");
    assert!(
        matches!(err, Error::Decode { ref json_path, .. } if !json_path.is_empty()),
        "{err:?}"
    );
}
