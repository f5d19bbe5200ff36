//! Bad names, ids, page parameters and bodies of the added operations are
//! refused before anything is sent, naming the field.

mod common;

use common::*;
use salad_api::models::{
    CreateQueue, CreateQueueJob, GpuAvailabilityRequest, LogEntryQuery, UpdateQueue,
};
use salad_api::{Error, PageOptions, Patch};
use serde_json::json;

fn field_of(err: Error) -> String {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected a local rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn nothing_reaches_the_server() {
    let mut server = server().await;
    // Any request at all fails the test.
    let any = server
        .mock("GET", mockito::Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let any_post = server
        .mock("POST", mockito::Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let queues = queues(&server);
    let org = org(&server);
    let endpoints = org.inference_endpoints();

    assert_eq!(
        field_of(queues.get("Render_Jobs").await.unwrap_err()),
        "queue_name"
    );
    assert_eq!(
        field_of(queues.create(&CreateQueue::new("x")).await.unwrap_err()),
        "name"
    );
    let mut bad_display = CreateQueue::new(QUEUE);
    bad_display.display_name = Some("render/jobs".into());
    assert_eq!(
        field_of(queues.create(&bad_display).await.unwrap_err()),
        "display_name"
    );
    let patch = UpdateQueue {
        display_name: Patch::Value("a".into()),
        ..Default::default()
    };
    assert_eq!(
        field_of(queues.update(QUEUE, &patch).await.unwrap_err()),
        "display_name"
    );
    assert_eq!(
        field_of(queues.get_job(QUEUE, "7dcd6922").await.unwrap_err()),
        "queue_job_id"
    );
    assert_eq!(
        field_of(queues.delete_job(QUEUE, "../../x").await.unwrap_err()),
        "queue_job_id"
    );
    assert_eq!(
        field_of(
            queues
                .list_jobs(QUEUE, PageOptions::new().page_size(101))
                .await
                .unwrap_err()
        ),
        "page_size"
    );
    let mut job = CreateQueueJob::new(&json!({"n": 1})).unwrap();
    job.metadata = Some((0..21).map(|i| (format!("k{i}"), json!(i))).collect());
    assert_eq!(
        field_of(queues.create_job(QUEUE, &job).await.unwrap_err()),
        "metadata"
    );
    let mut job = CreateQueueJob::new(&json!({"n": 1})).unwrap();
    job.webhook = Some(String::new());
    assert_eq!(
        field_of(queues.create_job(QUEUE, &job).await.unwrap_err()),
        "webhook"
    );

    assert_eq!(
        field_of(endpoints.get("Transcribe").await.unwrap_err()),
        "inference_endpoint_name"
    );
    assert_eq!(
        field_of(endpoints.get_job(ENDPOINT, "nope").await.unwrap_err()),
        "inference_endpoint_job_id"
    );
    assert_eq!(
        field_of(
            endpoints
                .list(PageOptions::new().page(0))
                .await
                .unwrap_err()
        ),
        "page"
    );
    assert_eq!(
        field_of(
            org.gpu_availability(&GpuAvailabilityRequest::new(vec![]))
                .await
                .unwrap_err()
        ),
        "gpu_classes"
    );
    let mut logs = LogEntryQuery::new(ts("2024-11-02T09:00:00Z"), ts("2024-11-02T10:00:00Z"), "");
    logs.page_size = Some(0);
    assert_eq!(
        field_of(org.query_log_entries(&logs).await.unwrap_err()),
        "page_size"
    );
    assert_eq!(
        field_of(client(&server).organization("Acme").unwrap_err()),
        "organization_name"
    );
    any.assert_async().await;
    any_post.assert_async().await;
}
