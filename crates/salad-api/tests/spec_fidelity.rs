//! What the upstream schema says about a body is what goes on the wire (issue 23,
//! items 7-10): create's HTTP log sink leaves `headers` out instead of sending
//! `null`, `format: url` fields are checked before sending, queues carry their
//! description, and the two self-contradicting enums (probe scheme, priority) are
//! never sent as `null`.

mod common;

use common::*;
use mockito::Matcher;
use salad_api::models::{
    ContainerGroupPriority, ContainerGroupProbe, ContainerGroupProbeHttp,
    ContainerGroupProbeHttpHeader, ContainerLoggingHttpCompression, ContainerLoggingHttpFormat,
    ContainerLoggingHttpHeader, ContainerProbeHttpScheme, ContainerResourceRequirements,
    ContainerRestartPolicy, CreateContainer, CreateContainerGroup, CreateContainerLogging,
    CreateContainerLoggingHttp, CreateInferenceEndpointJob, CreateQueue, CreateQueueJob,
    UpdateContainer, UpdateContainerGroup, UpdateQueue,
};
use salad_api::{Error, Patch};
use serde_json::{json, Value};

fn field_of(err: Error) -> String {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected a local rejection, got {other:?}"),
    }
}

/// The request's body as JSON (`Null` when it is not JSON).
fn body_of(request: &mockito::Request) -> Value {
    serde_json::from_slice(request.body().map(Vec::as_slice).unwrap_or_default())
        .unwrap_or(Value::Null)
}

fn group_with_http_logging(
    headers: Option<Vec<ContainerLoggingHttpHeader>>,
) -> CreateContainerGroup {
    let mut http = CreateContainerLoggingHttp::new(
        "logs.example.com",
        443,
        ContainerLoggingHttpFormat::JsonLines,
        ContainerLoggingHttpCompression::Gzip,
    );
    http.headers = headers;
    let mut logging = CreateContainerLogging::new();
    logging.http = Some(http);
    let mut container = CreateContainer::new(
        "ghcr.io/acme/mandelbrot:1.4.2",
        ContainerResourceRequirements::new(1, 1024),
    );
    container.logging = Some(logging);
    CreateContainerGroup::new(GROUP, container, false, ContainerRestartPolicy::Never, 1)
}

#[tokio::test]
async fn create_leaves_out_the_http_log_headers_it_was_not_given() {
    let mut server = server().await;
    let answer = response_example(GROUPS_PATH, "post", "201");
    let mock = server
        .mock("POST", concrete(GROUPS_PATH).as_str())
        .match_header("content-type", "application/json")
        .match_body(Matcher::PartialJson(json!({
            "container": { "logging": { "http": {
                "host": "logs.example.com", "port": 443,
                "format": "json_lines", "compression": "gzip"
            } } }
        })))
        // Upstream's create schema has a plain array there: no `null`, and no key at all
        // when there are no headers.
        .match_request(|r| {
            let http = &body_of(r)["container"]["logging"]["http"];
            http.is_object() && http.get("headers").is_none()
        })
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    groups(&server)
        .create(&group_with_http_logging(None))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn create_sends_the_http_log_headers_it_was_given() {
    let mut server = server().await;
    let answer = response_example(GROUPS_PATH, "post", "201");
    let mock = server
        .mock("POST", concrete(GROUPS_PATH).as_str())
        .match_body(Matcher::PartialJson(json!({
            "container": { "logging": { "http": {
                "headers": [{ "name": "X-Tenant", "value": "acme" }]
            } } }
        })))
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let header = ContainerLoggingHttpHeader::new("X-Tenant", "acme");
    groups(&server)
        .create(&group_with_http_logging(Some(vec![header])))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn urls_are_checked_before_sending_and_never_quoted() {
    let mut server = server().await;
    let none = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    for bad in [
        "not a url",
        "ftp://hooks.example.com/x",
        "hooks.example.com/done",
    ] {
        let mut job = CreateQueueJob::new(&json!({ "frame": 1 })).unwrap();
        job.webhook = Some(bad.into());
        let err = queues(&server).create_job(QUEUE, &job).await.unwrap_err();
        assert!(!err.to_string().contains(bad), "{err}");
        assert_eq!(field_of(err), "webhook", "{bad}");

        let mut job = CreateInferenceEndpointJob::new(&json!({ "audio": "a.wav" })).unwrap();
        job.webhook_url = Some(bad.into());
        let err = endpoints(&server)
            .create_job(ENDPOINT, &job)
            .await
            .unwrap_err();
        assert_eq!(field_of(err), "webhook_url", "{bad}");

        let mut job = CreateInferenceEndpointJob::new(&json!({ "audio": "a.wav" })).unwrap();
        #[allow(deprecated)]
        {
            job.webhook = Some(bad.into());
        }
        let err = endpoints(&server)
            .create_job(ENDPOINT, &job)
            .await
            .unwrap_err();
        assert_eq!(field_of(err), "webhook", "{bad}");
    }
    none.assert_async().await;
}

#[tokio::test]
async fn an_http_url_goes_out_unchanged() {
    let mut server = server().await;
    let answer = response_example(QUEUE_JOBS_PATH, "post", "201");
    let url = "https://hooks.example.com/salad?token=abc#done";
    let mock = server
        .mock("POST", concrete(QUEUE_JOBS_PATH).as_str())
        .match_body(Matcher::PartialJson(json!({ "webhook": url })))
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let mut job = CreateQueueJob::new(&json!({ "frame": 1 })).unwrap();
    job.webhook = Some(url.into());
    queues(&server).create_job(QUEUE, &job).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn queues_carry_their_description() {
    let mut server = server().await;
    let answer = response_example(QUEUES_PATH, "post", "201");
    let create = server
        .mock("POST", concrete(QUEUES_PATH).as_str())
        .match_body(Matcher::Json(json!({
            "name": QUEUE, "description": "Frames for the nightly render."
        })))
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let mut queue = CreateQueue::new(QUEUE);
    queue.description = Some("Frames for the nightly render.".into());
    queues(&server).create(&queue).await.unwrap();
    create.assert_async().await;

    // An empty description is allowed (0-500 characters); 501 are refused locally.
    let answer = response_example(QUEUE_PATH, "patch", "200");
    let clear = server
        .mock("PATCH", concrete(QUEUE_PATH).as_str())
        .match_header("content-type", "application/merge-patch+json")
        .match_body(Matcher::Json(json!({ "description": null })))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let patch = UpdateQueue {
        description: Patch::Null,
        ..Default::default()
    };
    queues(&server).update(QUEUE, &patch).await.unwrap();
    clear.assert_async().await;

    let mut long = CreateQueue::new(QUEUE);
    long.description = Some("x".repeat(501));
    assert_eq!(
        field_of(queues(&server).create(&long).await.unwrap_err()),
        "description"
    );
    let long = UpdateQueue {
        description: Patch::Value("x".repeat(501)),
        ..Default::default()
    };
    assert_eq!(
        field_of(queues(&server).update(QUEUE, &long).await.unwrap_err()),
        "description"
    );

    // The answer's description is read.
    let answer = response_example(QUEUE_PATH, "get", "200");
    let get = server
        .mock("GET", concrete(QUEUE_PATH).as_str())
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let got = queues(&server).get(QUEUE).await.unwrap();
    get.assert_async().await;
    assert_eq!(
        got.description.as_deref(),
        Some("Frames for the nightly render.")
    );
}

#[tokio::test]
async fn probe_scheme_and_priority_are_never_sent_as_null() {
    let mut server = server().await;
    let answer = response_example(GROUP_PATH, "patch", "200");
    let mock = server
        .mock("PATCH", concrete(GROUP_PATH).as_str())
        .match_header("content-type", "application/merge-patch+json")
        .match_body(Matcher::Json(json!({
            "container": { "priority": "batch" },
            "liveness_probe": {
                "http": { "path": "/health", "port": 8080, "scheme": "https",
                          "headers": [{ "name": "X-Probe", "value": "1" }] },
                "initial_delay_seconds": 5, "period_seconds": 10, "timeout_seconds": 2,
                "success_threshold": 1, "failure_threshold": 3
            }
        })))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&answer))
        .expect(1)
        .create_async()
        .await;
    let mut probe = ContainerGroupProbe::new(5, 10, 2, 1, 3);
    // The scheme is a plain value: there is no way to ask for `null`.
    probe.http = Some(ContainerGroupProbeHttp::new(
        "/health",
        8080,
        ContainerProbeHttpScheme::Https,
        vec![ContainerGroupProbeHttpHeader::new("X-Probe", "1")],
    ));
    let container = UpdateContainer {
        // Leave or set; the patch has no way to clear the priority.
        priority: Some(ContainerGroupPriority::Batch),
        ..Default::default()
    };
    let patch = UpdateContainerGroup {
        container: Patch::Value(container),
        liveness_probe: Patch::Value(probe),
        ..Default::default()
    };
    groups(&server).update(GROUP, &patch).await.unwrap();
    mock.assert_async().await;

    // Left out, the priority is not sent at all.
    let empty = serde_json::to_value(UpdateContainer::default()).unwrap();
    assert_eq!(empty, json!({}));
}
