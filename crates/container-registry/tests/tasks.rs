//! Tasks and health against a mock server: method, path, bearer, query,
//! decoded answer and the error envelope.

use container_registry_client::models::{StatusType, TaskState};
use container_registry_client::{Client, Error, ListTasksParams, RetryPolicy, Secret};
use futures_util::TryStreamExt;
use mockito::{Matcher, Server, ServerGuard};
use serde_json::{json, Value};

async fn setup() -> (ServerGuard, Client) {
    let server = Server::new_async().await;
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new("t0k"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (server, client)
}

fn ok(data: Value) -> String {
    json!({"code": 200, "message": "ok", "data": data, "timestamp": 1}).to_string()
}

fn task(id: &str, state: Value) -> Value {
    json!({"id": id, "type": "BuildContainer", "immediate": true, "execute_time": 1741075200,
           "trace_id": "tr-1", "group_id": "g-1", "project_id": 2, "project_name": "demo",
           "state": state, "status": "enabled", "created_at": "2025-03-04T08:00:00Z"})
}

#[tokio::test]
async fn get_task_reads_state_payload_and_logs() {
    let (mut server, client) = setup().await;
    let mut detail = task("a1", json!("Error"));
    detail["logs"] = json!(["step 1", "step 2: failed"]);
    detail["payload"] = json!({"image_name": "x"});
    let mock = server
        .mock("GET", "/api/v2/tasks/a1")
        .match_header("authorization", "Bearer t0k")
        .match_query(Matcher::Missing)
        .with_body(ok(detail))
        .expect(1)
        .create_async()
        .await;
    let got = client.get_task("a1").await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.id.as_deref(), Some("a1"));
    assert_eq!(got.state, Some(TaskState::Error));
    assert!(got.state.as_ref().unwrap().is_final());
    assert_eq!(got.status, Some(StatusType::Enabled));
    assert_eq!(got.logs.as_deref().unwrap().len(), 2);
    assert_eq!(got.payload.unwrap()["image_name"], "x");
}

#[tokio::test]
async fn task_states_read_from_integers_and_names_and_unknown_ones_are_kept() {
    let (mut server, client) = setup().await;
    for (wire, want) in [
        (json!(3), TaskState::Completed),
        (json!("running"), TaskState::Running),
        (json!(-2), TaskState::Cancelled),
        (json!(1), TaskState::Rescheduled),
        (json!(9), TaskState::from(9i64)),
    ] {
        let mock = server
            .mock("GET", "/api/v2/tasks/x")
            .with_body(ok(task("x", wire.clone())))
            .create_async()
            .await;
        let got = client.get_task("x").await.unwrap();
        assert_eq!(got.state.as_ref(), Some(&want), "{wire}");
        assert_eq!(
            want.is_final(),
            matches!(want, TaskState::Completed | TaskState::Cancelled)
        );
        mock.remove_async().await;
    }
}

#[tokio::test]
async fn get_task_error_envelope_is_an_api_error() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("GET", "/api/v2/tasks/missing")
        .with_status(404)
        .with_body(json!({"code": 404, "message": "task not found", "data": null}).to_string())
        .expect(1)
        .create_async()
        .await;
    let err = client.get_task("missing").await.unwrap_err();
    mock.assert_async().await;
    let api = err.api().expect("api error");
    assert_eq!(api.status().as_u16(), 404);
    assert_eq!(api.code(), Some("404"));
    assert_eq!(api.message(), "task not found");
    // A task id is one path segment, whatever it holds.
    let odd = server
        .mock("GET", "/api/v2/tasks/a%2Fb%3Fc")
        .with_body(ok(task("a/b?c", json!(0))))
        .expect(1)
        .create_async()
        .await;
    client.get_task("a/b?c").await.unwrap();
    odd.assert_async().await;
}

#[tokio::test]
async fn list_tasks_sends_every_filter() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("GET", "/api/v2/tasks")
        .match_header("authorization", "Bearer t0k")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("page".into(), "2".into()),
            Matcher::UrlEncoded("size".into(), "5".into()),
            Matcher::UrlEncoded("task_type".into(), "0".into()),
            Matcher::UrlEncoded("immediate".into(), "true".into()),
            Matcher::UrlEncoded("trace_id".into(), "tr-1".into()),
            Matcher::UrlEncoded("group_id".into(), "g-1".into()),
            Matcher::UrlEncoded("project_id".into(), "2".into()),
            Matcher::UrlEncoded("state".into(), "-1".into()),
            Matcher::UrlEncoded("status".into(), "1".into()),
        ]))
        .with_body(ok(json!({"items": [task("a1", json!(2))],
                             "pagination": {"page": 2, "size": 5, "total": 6, "total_pages": 2}})))
        .expect(1)
        .create_async()
        .await;
    let params = ListTasksParams::new()
        .page(2)
        .size(5)
        .task_type(0)
        .immediate(true)
        .trace_id("tr-1")
        .group_id("g-1")
        .project_id(2)
        .state(TaskState::Error)
        .status(StatusType::Enabled);
    let page = client.list_tasks(&params).await.unwrap();
    mock.assert_async().await;
    let items = page.items.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].state, Some(TaskState::Running));
    assert_eq!(page.pagination.unwrap().total, Some(6));
}

#[tokio::test]
async fn list_tasks_stream_walks_the_pages() {
    let (mut server, client) = setup().await;
    let p1 = server
        .mock("GET", "/api/v2/tasks")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("page".into(), "1".into()),
            Matcher::UrlEncoded("size".into(), "2".into()),
        ]))
        .with_body(ok(
            json!({"items": [task("a", json!(3)), task("b", json!(3))],
                             "pagination": {"page": 1, "size": 2, "total": 3, "total_pages": 2}}),
        ))
        .expect(1)
        .create_async()
        .await;
    let p2 = server
        .mock("GET", "/api/v2/tasks")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("page".into(), "2".into()),
            Matcher::UrlEncoded("size".into(), "2".into()),
        ]))
        .with_body(ok(json!({"items": [task("c", json!(3))],
                             "pagination": {"page": 2, "size": 2, "total": 3, "total_pages": 2}})))
        .expect(1)
        .create_async()
        .await;
    let ids: Vec<String> = client
        .list_tasks_stream(ListTasksParams::new().size(2))
        .map_ok(|t| t.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["a", "b", "c"]);
    p1.assert_async().await;
    p2.assert_async().await;
}

#[tokio::test]
async fn list_tasks_refuses_values_the_spec_does_not_define() {
    let (mut server, client) = setup().await;
    let none = server
        .mock("GET", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    for (params, field) in [
        (ListTasksParams::new().task_type(7), "task_type"),
        (ListTasksParams::new().task_type(-1), "task_type"),
        (ListTasksParams::new().state(TaskState::from(4i64)), "state"),
        (
            ListTasksParams::new().status(StatusType::from(2i64)),
            "status",
        ),
    ] {
        match client.list_tasks(&params).await {
            Err(Error::InvalidInput { field: f, reason }) => {
                assert_eq!(f, field);
                assert!(reason.contains("known values"), "{reason}");
            }
            other => panic!("{params:?}: {other:?}"),
        }
    }
    none.assert_async().await;
}

#[tokio::test]
async fn health_needs_no_token_and_decodes() {
    let mut server = Server::new_async().await;
    let client = Client::builder().base_url(server.url()).build().unwrap();
    let mock = server
        .mock("GET", "/system/health")
        .match_header("authorization", Matcher::Missing)
        .with_body(ok(
            json!({"status": "healthy", "version": "1.1.44", "uptime": "3h",
                             "services": {"redis": {"status": "up"}}}),
        ))
        .expect(1)
        .create_async()
        .await;
    let health = client.health().await.unwrap();
    mock.assert_async().await;
    assert_eq!(health.status.as_deref(), Some("healthy"));
    assert_eq!(health.services.unwrap()["redis"]["status"], "up");
    let down = server
        .mock("GET", "/system/health")
        .with_status(500)
        .with_body(json!({"code": 500, "message": "database down"}).to_string())
        .create_async()
        .await;
    let err = Client::builder()
        .base_url(server.url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
        .health()
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().message(), "database down");
    down.assert_async().await;
}
