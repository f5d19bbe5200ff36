//! The complete flow of `examples/queue_flow.rs`, run against a local mock
//! that checks each request in order.

mod common;

#[path = "../examples/queue_flow.rs"]
mod flow;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use mockito::Matcher;
use serde_json::json;

#[tokio::test]
async fn pick_gpu_create_queue_and_group_submit_wait_and_tear_down() {
    let mut server = server().await;
    let ok = |m: mockito::Mock, status: usize, body: serde_json::Value| {
        m.match_header("salad-api-key", KEY)
            .with_status(status)
            .with_header("content-type", "application/json")
            .with_body(json_body(&body))
            .expect(1)
    };
    let gpus = ok(
        server.mock("GET", concrete(GPU_CLASSES_PATH).as_str()),
        200,
        response_example(GPU_CLASSES_PATH, "get", "200"),
    )
    .create_async()
    .await;
    let queue = ok(
        server
            .mock("POST", concrete(QUEUES_PATH).as_str())
            .match_body(Matcher::Json(json!({"name": "render-jobs"}))),
        201,
        response_example(QUEUES_PATH, "post", "201"),
    )
    .create_async()
    .await;
    let group = ok(
        server.mock("POST", concrete(GROUPS_PATH).as_str()).match_body(Matcher::PartialJson(json!({
            "name": "mandelbrot",
            "autostart_policy": true,
            "replicas": 2,
            "container": {"resources": {"gpu_classes": ["ed563892-aacd-40f5-80b7-90c9be6c759b"]}},
            "queue_connection": {"path": "/render", "port": 8080, "queue_name": "render-jobs"}
        }))),
        201,
        response_example(GROUPS_PATH, "post", "201"),
    )
    .create_async()
    .await;
    let running = ok(
        server.mock("GET", concrete(GROUP_PATH).as_str()),
        200,
        response_example(GROUP_PATH, "get", "200"),
    )
    .create_async()
    .await;
    let submitted = server
        .mock("POST", concrete(QUEUE_JOBS_PATH).as_str())
        .match_header("content-type", "application/json")
        .match_body(Matcher::Regex(
            r#"^\{"input":\{"x":-?[0-9.]+,"y":[0-9.]+,"zoom":[0-9]+\}\}$"#.into(),
        ))
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_body(json_body(&response_example(QUEUE_JOBS_PATH, "post", "201")))
        .expect(2)
        .create_async()
        .await;
    // Each job is read twice: running, then succeeded.
    let reads = Arc::new(AtomicUsize::new(0));
    let counter = reads.clone();
    let polled = server
        .mock("GET", concrete(QUEUE_JOB_PATH).as_str())
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |_| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let mut job = response_example(QUEUE_JOB_PATH, "get", "200");
            if n % 2 == 0 {
                job["status"] = "running".into();
                job.as_object_mut().unwrap().remove("output");
            }
            serde_json::to_vec(&job).unwrap()
        })
        .expect(4)
        .create_async()
        .await;
    let group_gone = server
        .mock("DELETE", concrete(GROUP_PATH).as_str())
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    let queue_gone = server
        .mock("DELETE", concrete(QUEUE_PATH).as_str())
        .with_status(202)
        .expect(1)
        .create_async()
        .await;

    let tiles = [
        flow::Tile {
            x: -0.75,
            y: 0.1,
            zoom: 2000,
        },
        flow::Tile {
            x: -1.25,
            y: 0.02,
            zoom: 500,
        },
    ];
    let renders = flow::run(
        &client(&server),
        ORG,
        PROJECT,
        &tiles,
        Duration::from_millis(10),
    )
    .await
    .unwrap();
    assert_eq!(renders.len(), 2);
    assert_eq!(renders[0].image, "s3://acme-renders/7dcd6922.png");
    for m in [
        gpus, queue, group, running, submitted, polled, group_gone, queue_gone,
    ] {
        m.assert_async().await;
    }
    assert_eq!(reads.load(Ordering::SeqCst), 4);
}
