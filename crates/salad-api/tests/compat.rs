//! A server that grows must not break the client: unknown fields are
//! ignored, unknown enum values are kept; and every example of the crate's
//! own openapi.json decodes into its model.

mod common;

use common::*;
use salad_api::models::{
    ContainerGroup, ContainerGroupInstance, ContainerGroupInstanceList,
    ContainerGroupInstanceState, ContainerGroupList, ContainerGroupPriority, ContainerGroupStatus,
    CountryCode, CreateContainerGroup, ProblemDetails, SystemLogList, UpdateContainerGroup,
    UpdateContainerGroupInstance,
};
use serde_json::{json, Value};

#[tokio::test]
async fn unknown_fields_and_enum_values_decode_and_are_kept() {
    let mut server = server().await;
    let mut group = response_example(GROUP_PATH, "get", "200");
    group["gpu_topology"] = json!({"nvlink": true});
    group["current_state"]["status"] = json!("hibernating");
    group["current_state"]["reason_code"] = json!(17);
    group["priority"] = json!("spot");
    group["country_codes"] = json!(["us", "xk"]);
    group["container"]["resources"]["tpu_classes"] = json!([]);
    let mock = server
        .mock("GET", concrete(GROUP_PATH).as_str())
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&group))
        .expect(1)
        .create_async()
        .await;

    let got = groups(&server).get(GROUP).await.unwrap();
    mock.assert_async().await;
    assert_eq!(
        got.current_state.status,
        ContainerGroupStatus::from("hibernating")
    );
    assert_eq!(got.priority, Some(ContainerGroupPriority::from("spot")));
    assert_eq!(
        got.country_codes,
        vec![CountryCode::Us, CountryCode::from("xk")]
    );
    // The kept value goes back out unchanged.
    let again = serde_json::to_value(&got).unwrap();
    assert_eq!(again["current_state"]["status"], "hibernating");
    assert_eq!(again["priority"], "spot");
    assert_eq!(again["country_codes"], json!(["us", "xk"]));
}

#[tokio::test]
async fn unknown_instance_states_decode() {
    let mut server = server().await;
    let mut list = response_example(&format!("{GROUP_PATH}/instances"), "get", "200");
    list["instances"][0]["state"] = json!("migrating");
    list["instances"][0]["gpu_temperature_c"] = json!(71.5);
    list["next_page_token"] = json!("abc");
    let mock = server
        .mock("GET", concrete(&format!("{GROUP_PATH}/instances")).as_str())
        .with_status(200)
        .with_body(json_body(&list))
        .expect(1)
        .create_async()
        .await;
    let got = groups(&server).list_instances(GROUP).await.unwrap();
    mock.assert_async().await;
    assert_eq!(
        got.instances[0].state,
        ContainerGroupInstanceState::from("migrating")
    );
    assert_eq!(
        got.instances[1].state,
        ContainerGroupInstanceState::Downloading
    );
}

#[tokio::test]
async fn a_body_that_does_not_fit_is_a_decode_error_naming_the_path() {
    let mut server = server().await;
    let mut group = response_example(GROUP_PATH, "get", "200");
    group["replicas"] = json!("three");
    let mock = server
        .mock("GET", concrete(GROUP_PATH).as_str())
        .with_status(200)
        .with_body(json_body(&group))
        .expect(1)
        .create_async()
        .await;
    let err = groups(&server).get(GROUP).await.unwrap_err();
    mock.assert_async().await;
    match err {
        salad_api::Error::Decode { json_path, .. } => assert_eq!(json_path, "replicas"),
        other => panic!("{other:?}"),
    }
}

fn decode_as(schema: &str, value: &Value) -> Result<(), String> {
    fn check<T: serde::de::DeserializeOwned>(value: &Value) -> Result<(), String> {
        serde_json::from_value::<T>(value.clone())
            .map(drop)
            .map_err(|e| e.to_string())
    }
    match schema {
        "ContainerGroup" => check::<ContainerGroup>(value),
        "ContainerGroupList" => check::<ContainerGroupList>(value),
        "ContainerGroupInstance" => check::<ContainerGroupInstance>(value),
        "ContainerGroupInstanceList" => check::<ContainerGroupInstanceList>(value),
        "SystemLogList" => check::<SystemLogList>(value),
        "CreateContainerGroup" => check::<CreateContainerGroup>(value),
        "UpdateContainerGroup" => check::<UpdateContainerGroup>(value),
        "UpdateContainerGroupInstance" => check::<UpdateContainerGroupInstance>(value),
        "ProblemDetails" => check::<ProblemDetails>(value),
        other => Err(format!("no model mapped for schema {other}")),
    }
}

/// Walks openapi.json and decodes every `example` next to a `schema` `$ref`.
#[test]
fn every_example_in_openapi_json_decodes_into_its_model() {
    fn walk(node: &Value, at: &str, seen: &mut usize) {
        match node {
            Value::Object(map) => {
                if let (Some(schema), Some(example)) = (map.get("schema"), map.get("example")) {
                    let name = schema["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
                    decode_as(name, example).unwrap_or_else(|e| panic!("{at}: {name}: {e}"));
                    *seen += 1;
                }
                for (k, v) in map {
                    walk(v, &format!("{at}/{k}"), seen);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, at, seen)),
            _ => {}
        }
    }
    let mut seen = 0;
    walk(spec(), "", &mut seen);
    assert!(seen >= 20, "only {seen} examples found");
}

#[test]
fn request_examples_are_valid_and_round_trip() {
    use salad_api::Validate;
    let create: CreateContainerGroup =
        serde_json::from_value(request_example(GROUPS_PATH, "post")).unwrap();
    create.validate().unwrap();
    assert_eq!(
        serde_json::to_value(&create).unwrap(),
        request_example(GROUPS_PATH, "post")
    );
    let update: UpdateContainerGroup =
        serde_json::from_value(request_example(GROUP_PATH, "patch")).unwrap();
    update.validate().unwrap();
    assert_eq!(
        serde_json::to_value(&update).unwrap(),
        request_example(GROUP_PATH, "patch")
    );
}
