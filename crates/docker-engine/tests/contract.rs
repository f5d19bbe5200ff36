//! Every example in the crate's `openapi.json` (real answers of a Docker 20.10
//! daemon, API 1.41) decodes into its generated model. (Answer models are only
//! read: they implement `Deserialize`, not `Serialize`.)

use docker_engine::models;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn decodes<T: DeserializeOwned>(name: &str, example: &Value) {
    let _: T = serde_path_to_error_free(name, example);
}

fn serde_path_to_error_free<T: DeserializeOwned>(name: &str, example: &Value) -> T {
    let text = example.to_string();
    api_client_transport::decode_json(
        &api_client_transport::http::Method::GET,
        name,
        text.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("example of {name} does not decode: {e}"))
}

macro_rules! check {
    ($name:expr, $example:expr, [$($ty:ident),* $(,)?]) => {
        match $name {
            $(stringify!($ty) => decodes::<models::$ty>($name, $example),)*
            other => panic!("add {other} to the contract test"),
        }
    };
}

#[test]
fn every_example_decodes_into_its_model() {
    let spec: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut checked = Vec::new();
    for (name, schema) in schemas {
        let Some(example) = schema.get("example") else {
            continue;
        };
        check!(
            name.as_str(),
            example,
            [
                ContainerInspectResponse,
                ContainerSummary,
                ContainerTopResponse,
                FilesystemChange,
                ContainerStats,
                SystemVersion,
                ExecInspectResponse,
                ImageInspect,
                PathStat,
                ContainerWaitResponse,
                ContainerCreateResponse,
                ContainerPruneResponse,
                ContainerUpdateResponse,
                ImageDeleteResponseItem,
                CreateImageInfo,
                IdResponse,
                ErrorResponse,
                BuildInfo,
                BuildPruneResponse,
                DistributionInspect,
                HistoryResponseItem,
                ImagePruneResponse,
                ImageSummary,
                PushImageInfo,
                SystemAuthResponse,
                EventMessage,
                Network,
                NetworkCreateResponse,
                SystemDataUsageResponse,
                SystemInfo,
                Volume,
            ]
        );
        checked.push(name.clone());
    }
    // the answers the crate decodes most all carry an example
    for must in [
        "ContainerInspectResponse",
        "ContainerSummary",
        "ContainerStats",
        "ExecInspectResponse",
        "ImageInspect",
        "SystemVersion",
    ] {
        assert!(checked.iter().any(|c| c == must), "{must} has no example");
    }
}

#[test]
fn the_real_inspect_example_has_the_values_we_rely_on() {
    let spec: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let example = &spec["components"]["schemas"]["ContainerInspectResponse"]["example"];
    let info: models::ContainerInspectResponse = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(info.config.and_then(|c| c.tty), Some(false));
    let state = info.state.unwrap();
    assert_eq!(state.status, Some(models::ContainerStatus::Running));
    assert_eq!(
        state.health.and_then(|h| h.status),
        Some(models::HealthStatus::Healthy)
    );
    let ports = info.network_settings.unwrap().ports.unwrap();
    let binding = &ports["80/tcp"].as_ref().unwrap()[0];
    assert_eq!(
        (binding.host_ip.as_deref(), binding.host_port.as_deref()),
        (Some("127.0.0.1"), Some("18080"))
    );
}
