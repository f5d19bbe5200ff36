//! Answer models written back out as JSON read back equal (issue 22 item 6): every
//! 2xx example of openapi.json is decoded, serialized, decoded again and compared;
//! so is an answer with values this version does not know, fields left out and
//! lists sent as `null`.

mod common;

use common::spec;
use salad_api::models::*;
use serde_json::{json, Value};
use workspace_test_support::round_trip;

/// Round-trips `v` as the model `schema` names; false for a name not listed here.
fn by_schema(schema: &str, what: &str, v: &Value) -> bool {
    macro_rules! models {
        ($($t:ident),*) => {
            match schema {
                $(stringify!($t) => { round_trip::<$t>(what, v); true })*
                _ => false,
            }
        };
    }
    models!(
        ContainerGroup,
        ContainerGroupInstance,
        ContainerGroupInstanceList,
        ContainerGroupList,
        CpuAvailability,
        GpuAvailability,
        GpuClassList,
        InferenceEndpoint,
        InferenceEndpointJob,
        InferenceEndpointJobList,
        InferenceEndpointList,
        LogEntryList,
        Queue,
        QueueJob,
        QueueJobList,
        QueueList,
        Quotas,
        SystemLogList,
        WebhookSecretKey
    )
}

#[test]
fn every_answer_example_round_trips() {
    let mut seen = 0;
    for (path, item) in spec()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (code, response) in responses {
                if !code.starts_with('2') {
                    continue;
                }
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    continue;
                };
                for media in content.values() {
                    let (Some(example), Some(r)) = (
                        media.get("example"),
                        media["schema"].get("$ref").and_then(Value::as_str),
                    ) else {
                        continue;
                    };
                    let name = r.rsplit('/').next().unwrap();
                    let what = format!("{method} {path} {code} ({name})");
                    assert!(
                        by_schema(name, &what, example),
                        "{what}: add the model to the list"
                    );
                    seen += 1;
                }
            }
        }
    }
    // The spec's examples are many; a path typo must not make this pass on none.
    assert!(seen >= 20, "only {seen} examples found");
}

#[test]
fn unknown_values_absent_fields_and_null_lists_survive() {
    let mut queue = spec()["paths"]
        ["/organizations/{organization_name}/projects/{project_name}/queues/{queue_name}"]["get"]
        ["responses"]["200"]["content"]["application/json"]["example"]
        .clone();
    // A list sent as null reads as empty, and is written back as [].
    queue["container_groups"] = Value::Null;
    queue
        .as_object_mut()
        .unwrap()
        .remove("current_queue_length");
    let written = round_trip::<Queue>("queue", &queue);
    assert_eq!(written["container_groups"], json!([]));
    // An absent optional field stays absent (no `null` invented).
    assert!(written.get("current_queue_length").is_none(), "{written}");

    // A job in a state and with an event this version does not know: kept verbatim.
    let job = json!({
        "id": "7dcd6922-50e9-4d56-89b5-91cde26f0211",
        "input": { "frame": 1 },
        "status": "teleported",
        "events": [{ "action": "beamed", "time": "2024-11-02T09:10:00.120Z" }],
        "create_time": "2024-11-02T09:10:00.120Z",
        "update_time": "2024-11-02T09:10:00.120Z"
    });
    let written = round_trip::<QueueJob>("job", &job);
    assert_eq!(written["status"], "teleported");
    assert_eq!(written["events"][0]["action"], "beamed");
}
