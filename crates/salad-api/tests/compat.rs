//! A server that grows must not break the client: unknown fields are
//! ignored, unknown enum values are kept; and every example of the crate's
//! own openapi.json decodes into its model.

mod common;

use common::*;
use salad_api::models as m;
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
    // The kept value goes back out unchanged: as text for an answer-only enum, and
    // on the wire for the enums a request also sends.
    assert_eq!(got.current_state.status.as_str(), "hibernating");
    assert_eq!(serde_json::to_value(&got.priority).unwrap(), "spot");
    assert_eq!(
        serde_json::to_value(&got.country_codes).unwrap(),
        json!(["us", "xk"])
    );
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
        "Queue" => check::<m::Queue>(value),
        "QueueList" => check::<m::QueueList>(value),
        "CreateQueue" => check::<m::CreateQueue>(value),
        "UpdateQueue" => check::<m::UpdateQueue>(value),
        "QueueJob" => check::<m::QueueJob>(value),
        "QueueJobList" => check::<m::QueueJobList>(value),
        "CreateQueueJob" => check::<m::CreateQueueJob>(value),
        "InferenceEndpoint" => check::<m::InferenceEndpoint>(value),
        "InferenceEndpointList" => check::<m::InferenceEndpointList>(value),
        "InferenceEndpointJob" => check::<m::InferenceEndpointJob>(value),
        "InferenceEndpointJobList" => check::<m::InferenceEndpointJobList>(value),
        "CreateInferenceEndpointJob" => check::<m::CreateInferenceEndpointJob>(value),
        "GpuClassList" => check::<m::GpuClassList>(value),
        "Quotas" => check::<m::Quotas>(value),
        "CpuAvailability" => check::<m::CpuAvailability>(value),
        "CpuAvailabilityRequest" => check::<m::CpuAvailabilityRequest>(value),
        "GpuAvailability" => check::<m::GpuAvailability>(value),
        "GpuAvailabilityRequest" => check::<m::GpuAvailabilityRequest>(value),
        "WebhookSecretKey" => check::<m::WebhookSecretKey>(value),
        "LogEntryQuery" => check::<m::LogEntryQuery>(value),
        "LogEntryList" => check::<m::LogEntryList>(value),
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
    // Every request body example of the added operations passes the local checks.
    fn valid<T: serde::de::DeserializeOwned + salad_api::Validate>(path: &str, method: &str) {
        let body: T = serde_json::from_value(request_example(path, method)).unwrap();
        body.validate()
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    }
    valid::<m::CreateQueue>(QUEUES_PATH, "post");
    valid::<m::UpdateQueue>(QUEUE_PATH, "patch");
    valid::<m::CreateQueueJob>(QUEUE_JOBS_PATH, "post");
    valid::<m::CreateInferenceEndpointJob>(ENDPOINT_JOBS_PATH, "post");
    valid::<m::CpuAvailabilityRequest>(CPU_AVAILABILITY_PATH, "post");
    valid::<m::GpuAvailabilityRequest>(GPU_AVAILABILITY_PATH, "post");
    valid::<m::LogEntryQuery>(LOG_ENTRIES_PATH, "post");
    let update: UpdateContainerGroup =
        serde_json::from_value(request_example(GROUP_PATH, "patch")).unwrap();
    update.validate().unwrap();
    assert_eq!(
        serde_json::to_value(&update).unwrap(),
        request_example(GROUP_PATH, "patch")
    );
}

#[tokio::test]
async fn jobs_with_new_statuses_fields_and_actions_decode() {
    let mut server = server().await;
    let mut job = response_example(QUEUE_JOB_PATH, "get", "200");
    job["status"] = json!("expired");
    job["priority"] = json!(7);
    job["events"][0]["action"] = json!("requeued");
    let mock = server
        .mock("GET", concrete(QUEUE_JOB_PATH).as_str())
        .with_status(200)
        .with_body(json_body(&job))
        .expect(1)
        .create_async()
        .await;
    let got = queues(&server).get_job(QUEUE, QUEUE_JOB).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.status, m::JobStatus::from("expired"));
    assert!(
        !got.is_finished(),
        "an unknown status is not taken as final"
    );
    assert_eq!(got.events[0].action, m::JobEventAction::from("requeued"));
}

/// Upstream makes a GPU class price's `priority` required *and* nullable: a
/// price list with `null` there must decode (it failed while the crate's
/// openapi.json lacked the `nullable`).
#[test]
fn gpu_class_price_with_null_priority_decodes() {
    let list: m::GpuClassList = serde_json::from_value(json!({
        "items": [{
            "id": "8a1e3c9b-8f2d-4b9e-9a7c-1d2e3f4a5b6c",
            "name": "RTX 4090",
            "is_high_demand": false,
            "prices": [
                {"priority": null, "price": "0.100"},
                {"priority": "high", "price": "0.300"}
            ]
        }]
    }))
    .expect("a null priority is allowed upstream");
    let prices = &list.items[0].prices;
    assert_eq!(prices[0].priority, None);
    assert_eq!(prices[1].priority, Some(ContainerGroupPriority::High));
}
