//! A merge patch says three things per field: leave it (absent), set it, or
//! clear it (`null`); and it goes as application/merge-patch+json.

mod common;

use common::*;
use mockito::Matcher;
use salad_api::models::{ContainerGroupQueueAutoscaler, UpdateContainer, UpdateContainerGroup};
use salad_api::Patch;
use serde_json::json;

#[tokio::test]
async fn absent_set_and_null_on_the_wire() {
    let mut server = server().await;
    // Exactly this body: `replicas` set, `display_name` null, nothing else.
    let wire = json!({
        "replicas": 4,
        "display_name": null,
        "container": {"command": null, "environment_variables": {"DEBUG": "1"}}
    });
    let mock = server
        .mock("PATCH", concrete(GROUP_PATH).as_str())
        .match_header("content-type", "application/merge-patch+json")
        .match_body(Matcher::Json(wire.clone()))
        .with_status(200)
        .with_body(json_body(&response_example(GROUP_PATH, "patch", "200")))
        .expect(1)
        .create_async()
        .await;

    let patch = UpdateContainerGroup {
        replicas: Patch::Value(4),
        display_name: Patch::Null,
        container: Patch::Value(UpdateContainer {
            command: Patch::Null,
            environment_variables: Some([("DEBUG".to_string(), "1".to_string())].into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let text = serde_json::to_string(&patch).unwrap();
    assert!(
        !text.contains("country_codes"),
        "absent fields are not sent: {text}"
    );
    assert_eq!(serde_json::to_value(&patch).unwrap(), wire);

    groups(&server).update(GROUP, &patch).await.unwrap();
    mock.assert_async().await;
}

#[test]
fn the_three_states_of_one_field() {
    let mut patch = UpdateContainerGroup::default();
    assert_eq!(serde_json::to_string(&patch).unwrap(), "{}");
    // `replicas` may be null upstream: absent, null or a value.
    patch.replicas = Patch::Value(3);
    assert_eq!(serde_json::to_string(&patch).unwrap(), r#"{"replicas":3}"#);
    patch.replicas = Patch::Null;
    assert_eq!(
        serde_json::to_string(&patch).unwrap(),
        r#"{"replicas":null}"#
    );
    // `queue_autoscaler` may not be null upstream: only absent or a value.
    patch.replicas = Patch::Absent;
    patch.queue_autoscaler = Some(ContainerGroupQueueAutoscaler::new(0, 10, 2));
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({"queue_autoscaler": {"min_replicas": 0, "max_replicas": 10, "desired_queue_length": 2}})
    );

    // And back: a patch read from JSON keeps the difference between absent and null.
    let read: UpdateContainerGroup =
        serde_json::from_str(r#"{"replicas":null,"display_name":"Render farm"}"#).unwrap();
    assert_eq!(read.replicas, Patch::Null);
    assert_eq!(read.display_name, Patch::Value("Render farm".into()));
    assert_eq!(read.queue_autoscaler, None);
}
