//! One test per operation added beyond container groups (queues, jobs,
//! inference endpoints, organization data, webhook key, logs): method, path,
//! query, API key header, content type and body on the wire, and a realistic
//! answer (the example of openapi.json) decoded.

mod common;

use common::*;
use mockito::{Matcher, Mock, ServerGuard};
use salad_api::models::CountryCode;
use salad_api::models::{
    CpuAvailabilityRequest, CreateInferenceEndpointJob, CreateQueue, CreateQueueJob,
    GpuAvailabilityRequest, GpuClassType, JobEventAction, JobStatus, LogEntryQuery,
    LogEntrySeverity, LogEntrySortOrder, UpdateQueue,
};
use salad_api::{PageOptions, Patch};
use serde_json::{json, Value};

/// A mock for one call: method, path, exact query, key header and user agent.
fn expect_call(server: &mut ServerGuard, method: &str, template: &str, query: &str) -> Mock {
    server
        .mock(method, concrete(template).as_str())
        .match_query(if query.is_empty() {
            Matcher::Missing
        } else {
            Matcher::Exact(query.into())
        })
        .match_header("salad-api-key", KEY)
        .match_header("user-agent", Matcher::Regex("^salad-api/".into()))
}

/// No body and no content type on the request.
fn no_body(mock: Mock) -> Mock {
    mock.match_header("content-type", Matcher::Missing)
        .match_body(Matcher::Exact(String::new()))
}

/// A JSON body of content type `ct` equal to `body`.
fn with_body(mock: Mock, ct: &str, body: &Value) -> Mock {
    mock.match_header("content-type", ct)
        .match_body(Matcher::Json(body.clone()))
}

async fn answer(mock: Mock, status: usize, body: Option<&Value>) -> Mock {
    let mock = mock.with_status(status);
    let mock = match body {
        Some(b) => mock
            .with_header("content-type", "application/json")
            .with_body(json_body(b)),
        None => mock,
    };
    mock.expect(1).create_async().await
}

#[tokio::test]
async fn list_queues() {
    let mut server = server().await;
    let body = response_example(QUEUES_PATH, "get", "200");
    let mock = answer(
        no_body(expect_call(&mut server, "GET", QUEUES_PATH, "")),
        200,
        Some(&body),
    )
    .await;
    let list = queues(&server).list().await.unwrap();
    mock.assert_async().await;
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].name, QUEUE);
    assert_eq!(list.items[0].current_queue_length, Some(12));
    assert!(list.items[0].container_groups.is_empty());
}

#[tokio::test]
async fn create_queue() {
    let mut server = server().await;
    let sent = request_example(QUEUES_PATH, "post");
    let body = response_example(QUEUES_PATH, "post", "201");
    let mock = with_body(
        expect_call(&mut server, "POST", QUEUES_PATH, ""),
        "application/json",
        &sent,
    );
    let mock = answer(mock, 201, Some(&body)).await;
    let mut queue = CreateQueue::new(QUEUE);
    queue.display_name = Some("Render jobs".into());
    let got = queues(&server).create(&queue).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.display_name, "Render jobs");
    assert_eq!(got.current_queue_length, Some(0));
}

#[tokio::test]
async fn get_queue() {
    let mut server = server().await;
    let body = response_example(QUEUE_PATH, "get", "200");
    let mock = answer(
        no_body(expect_call(&mut server, "GET", QUEUE_PATH, "")),
        200,
        Some(&body),
    )
    .await;
    let got = queues(&server).get(QUEUE).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.name, QUEUE);
    assert_eq!(got.id.to_string(), "c2b4a56f-8e0f-4d2c-a3b1-7d6f1a0e9b21");
}

#[tokio::test]
async fn update_queue_sends_a_merge_patch() {
    let mut server = server().await;
    let sent = request_example(QUEUE_PATH, "patch");
    let body = response_example(QUEUE_PATH, "patch", "200");
    let mock = with_body(
        expect_call(&mut server, "PATCH", QUEUE_PATH, ""),
        "application/merge-patch+json",
        &sent,
    );
    let mock = answer(mock, 200, Some(&body)).await;
    let patch = UpdateQueue {
        display_name: Patch::Value("Render jobs, GPU".into()),
        description: Patch::Absent,
    };
    let got = queues(&server).update(QUEUE, &patch).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.display_name, "Render jobs, GPU");
}

#[tokio::test]
async fn update_queue_can_clear_the_display_name() {
    let mut server = server().await;
    let body = response_example(QUEUE_PATH, "patch", "200");
    let mock = with_body(
        expect_call(&mut server, "PATCH", QUEUE_PATH, ""),
        "application/merge-patch+json",
        &json!({"display_name": null}),
    );
    let mock = answer(mock, 200, Some(&body)).await;
    let patch = UpdateQueue {
        display_name: Patch::Null,
        description: Patch::Absent,
    };
    queues(&server).update(QUEUE, &patch).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn delete_queue() {
    let mut server = server().await;
    let mock = answer(
        no_body(expect_call(&mut server, "DELETE", QUEUE_PATH, "")),
        202,
        None,
    )
    .await;
    queues(&server).delete(QUEUE).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn list_queue_jobs_with_page_parameters() {
    let mut server = server().await;
    let body = response_example(QUEUE_JOBS_PATH, "get", "200");
    let mock = expect_call(&mut server, "GET", QUEUE_JOBS_PATH, "page=2&page_size=50");
    let mock = answer(no_body(mock), 200, Some(&body)).await;
    let list = queues(&server)
        .list_jobs(QUEUE, PageOptions::new().page(2).page_size(50))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items[0].status, JobStatus::Succeeded);
    assert_eq!(list.items[1].status, JobStatus::Pending);
    assert_eq!(list.items[1].output, None);
}

#[tokio::test]
async fn create_queue_job_from_any_serializable_input() {
    #[derive(serde::Serialize)]
    struct Tile {
        x: f64,
        y: f64,
        zoom: u32,
    }
    let mut server = server().await;
    let sent = request_example(QUEUE_JOBS_PATH, "post");
    let body = response_example(QUEUE_JOBS_PATH, "post", "201");
    let mock = with_body(
        expect_call(&mut server, "POST", QUEUE_JOBS_PATH, ""),
        "application/json",
        &sent,
    );
    let mock = answer(mock, 201, Some(&body)).await;
    let mut job = CreateQueueJob::new(&Tile {
        x: -0.75,
        y: 0.1,
        zoom: 2000,
    })
    .unwrap();
    job.metadata = Some([("batch".to_string(), json!("2024-11-02"))].into());
    job.webhook = Some("https://hooks.acme.example/salad".into());
    let got = queues(&server).create_job(QUEUE, &job).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.id.to_string(), QUEUE_JOB);
    assert_eq!(got.status, JobStatus::Pending);
    assert_eq!(got.events[0].action, JobEventAction::Created);
}

#[tokio::test]
async fn submit_is_create_job_with_the_input_alone() {
    let mut server = server().await;
    let body = response_example(QUEUE_JOBS_PATH, "post", "201");
    let mock = with_body(
        expect_call(&mut server, "POST", QUEUE_JOBS_PATH, ""),
        "application/json",
        &json!({"input": {"prompt": "a red fox"}}),
    );
    let mock = answer(mock, 201, Some(&body)).await;
    queues(&server)
        .submit(QUEUE, &json!({"prompt": "a red fox"}))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn get_queue_job_and_read_its_output() {
    #[derive(serde::Deserialize)]
    struct Rendered {
        image: String,
        seconds: f64,
    }
    let mut server = server().await;
    let body = response_example(QUEUE_JOB_PATH, "get", "200");
    let mock = answer(
        no_body(expect_call(&mut server, "GET", QUEUE_JOB_PATH, "")),
        200,
        Some(&body),
    )
    .await;
    let job = queues(&server).get_job(QUEUE, QUEUE_JOB).await.unwrap();
    mock.assert_async().await;
    assert!(job.is_finished());
    let out: Rendered = job.output_as().unwrap();
    assert_eq!(out.image, "s3://acme-renders/7dcd6922.png");
    assert!((out.seconds - 41.2).abs() < 1e-9);
    assert_eq!(job.events.len(), 3);
}

#[tokio::test]
async fn delete_queue_job() {
    let mut server = server().await;
    let mock = answer(
        no_body(expect_call(&mut server, "DELETE", QUEUE_JOB_PATH, "")),
        202,
        None,
    )
    .await;
    queues(&server).delete_job(QUEUE, QUEUE_JOB).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn list_inference_endpoints() {
    let mut server = server().await;
    let body = response_example(ENDPOINTS_PATH, "get", "200");
    let mock = answer(
        no_body(expect_call(&mut server, "GET", ENDPOINTS_PATH, "page=1")),
        200,
        Some(&body),
    )
    .await;
    let list = endpoints(&server)
        .list(PageOptions::new().page(1))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(list.total_size, 1);
    assert_eq!(list.items[0].name, ENDPOINT);
    assert!(list.items[0].input_schema.contains("\"url\""));
}

#[tokio::test]
async fn get_inference_endpoint() {
    let mut server = server().await;
    let body = response_example(ENDPOINT_PATH, "get", "200");
    let mock = answer(
        no_body(expect_call(&mut server, "GET", ENDPOINT_PATH, "")),
        200,
        Some(&body),
    )
    .await;
    let got = endpoints(&server).get(ENDPOINT).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.display_name, "Transcribe");
    assert_eq!(got.price_description, "$0.10 per audio hour");
}

#[tokio::test]
async fn list_inference_endpoint_jobs() {
    let mut server = server().await;
    let body = response_example(ENDPOINT_JOBS_PATH, "get", "200");
    let mock = expect_call(&mut server, "GET", ENDPOINT_JOBS_PATH, "page_size=10");
    let mock = answer(no_body(mock), 200, Some(&body)).await;
    let list = endpoints(&server)
        .list_jobs(ENDPOINT, PageOptions::new().page_size(10))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(list.items[0].status, JobStatus::Running);
    assert_eq!(list.items[0].inference_endpoint_name, ENDPOINT);
}

#[tokio::test]
async fn create_inference_endpoint_job() {
    let mut server = server().await;
    let sent = request_example(ENDPOINT_JOBS_PATH, "post");
    let body = response_example(ENDPOINT_JOBS_PATH, "post", "201");
    let mock = with_body(
        expect_call(&mut server, "POST", ENDPOINT_JOBS_PATH, ""),
        "application/json",
        &sent,
    );
    let mock = answer(mock, 201, Some(&body)).await;
    let mut job = CreateInferenceEndpointJob::new(
        &json!({"url": "https://media.acme.example/all-hands.mp3"}),
    )
    .unwrap();
    job.metadata = Some([("meeting".to_string(), json!("all-hands"))].into());
    job.webhook_url = Some("https://hooks.acme.example/salad".into());
    let got = endpoints(&server).create_job(ENDPOINT, &job).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.status, JobStatus::Pending);
    assert_eq!(got.id.to_string(), ENDPOINT_JOB);
}

#[tokio::test]
async fn get_inference_endpoint_job() {
    let mut server = server().await;
    let body = response_example(ENDPOINT_JOB_PATH, "get", "200");
    let mock = answer(
        no_body(expect_call(&mut server, "GET", ENDPOINT_JOB_PATH, "")),
        200,
        Some(&body),
    )
    .await;
    let got = endpoints(&server)
        .get_job(ENDPOINT, ENDPOINT_JOB)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(got.status, JobStatus::Running);
    assert!(!got.is_finished());
    assert_eq!(got.output_as::<Option<Value>>().unwrap(), None);
}

#[tokio::test]
async fn delete_inference_endpoint_job() {
    let mut server = server().await;
    let mock = answer(
        no_body(expect_call(&mut server, "DELETE", ENDPOINT_JOB_PATH, "")),
        202,
        None,
    )
    .await;
    endpoints(&server)
        .delete_job(ENDPOINT, ENDPOINT_JOB)
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn list_gpu_classes_and_pick_by_name() {
    let mut server = server().await;
    let body = response_example(GPU_CLASSES_PATH, "get", "200");
    let mock = expect_call(&mut server, "GET", GPU_CLASSES_PATH, "");
    let mock = no_body(mock)
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&body))
        .expect(2)
        .create_async()
        .await;
    let list = org(&server).list_gpu_classes().await.unwrap();
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items[0].gpu_class_type, Some(GpuClassType::Community));
    assert_eq!(list.items[0].prices.len(), 4);
    assert_eq!(list.items[0].prices[3].price, "0.300");
    let picked = org(&server)
        .gpu_classes_by_name(&["rtx 3060 (12 gb)"])
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(
        picked[0].id.to_string(),
        "a5db5c50-cbcb-4596-ae80-6a0c8090d80f"
    );
}

#[tokio::test]
async fn get_quotas() {
    let mut server = server().await;
    let body = response_example(QUOTAS_PATH, "get", "200");
    let mock = answer(
        no_body(expect_call(&mut server, "GET", QUOTAS_PATH, "")),
        200,
        Some(&body),
    )
    .await;
    let got = org(&server).quotas().await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.container_groups_quotas.container_replicas_quota, 500);
    assert_eq!(got.container_groups_quotas.container_replicas_used, 14);
}

#[tokio::test]
async fn get_cpu_availability() {
    let mut server = server().await;
    let sent = request_example(CPU_AVAILABILITY_PATH, "post");
    let body = response_example(CPU_AVAILABILITY_PATH, "post", "200");
    let mock = with_body(
        expect_call(&mut server, "POST", CPU_AVAILABILITY_PATH, ""),
        "application/json",
        &sent,
    );
    let mock = answer(mock, 200, Some(&body)).await;
    let request = CpuAvailabilityRequest {
        cpu: Some(4),
        memory: Some(8192),
        country_codes: Some(vec![CountryCode::Us, CountryCode::Ca]),
        ..Default::default()
    };
    let got = org(&server).cpu_availability(&request).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.available_cpu_batch, Some(1234));
}

#[tokio::test]
async fn get_gpu_availability() {
    let mut server = server().await;
    let classes: salad_api::models::GpuClassList =
        serde_json::from_value(response_example(GPU_CLASSES_PATH, "get", "200")).unwrap();
    let sent = request_example(GPU_AVAILABILITY_PATH, "post");
    let body = response_example(GPU_AVAILABILITY_PATH, "post", "200");
    let mock = with_body(
        expect_call(&mut server, "POST", GPU_AVAILABILITY_PATH, ""),
        "application/json",
        &sent,
    );
    let mock = answer(mock, 200, Some(&body)).await;
    let mut request = GpuAvailabilityRequest::new(vec![classes.items[0].id]);
    request.cpu = Some(4);
    request.memory = Some(16384);
    request.country_codes = Some(vec![CountryCode::Us]);
    let got = org(&server).gpu_availability(&request).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.available_gpu_high, Some(3));
    assert_eq!(got.on_call_gpu, Some(142));
}

#[tokio::test]
async fn get_webhook_secret_key() {
    let mut server = server().await;
    let body = response_example(WEBHOOK_KEY_PATH, "get", "200");
    let mock = answer(
        no_body(expect_call(&mut server, "GET", WEBHOOK_KEY_PATH, "")),
        200,
        Some(&body),
    )
    .await;
    let got = org(&server).webhook_secret_key().await.unwrap();
    mock.assert_async().await;
    assert_eq!(
        got.secret_key.expose(),
        body["secret_key"].as_str().unwrap()
    );
    assert!(!format!("{got:?}").contains(got.secret_key.expose()));
}

#[tokio::test]
async fn update_webhook_secret_key_rotates() {
    let mut server = server().await;
    let body = response_example(WEBHOOK_KEY_PATH, "post", "200");
    let mock = answer(
        no_body(expect_call(&mut server, "POST", WEBHOOK_KEY_PATH, "")),
        200,
        Some(&body),
    )
    .await;
    let got = org(&server).rotate_webhook_secret_key().await.unwrap();
    mock.assert_async().await;
    assert_eq!(
        got.secret_key.expose(),
        body["secret_key"].as_str().unwrap()
    );
}

#[tokio::test]
async fn query_log_entries() {
    let mut server = server().await;
    let sent = request_example(LOG_ENTRIES_PATH, "post");
    let body = response_example(LOG_ENTRIES_PATH, "post", "200");
    let mock = with_body(
        expect_call(&mut server, "POST", LOG_ENTRIES_PATH, ""),
        "application/json",
        &sent,
    );
    let mock = answer(mock, 200, Some(&body)).await;
    let query = LogEntryQuery::new(
        ts("2024-11-02T09:00:00Z"),
        ts("2024-11-02T10:00:00Z"),
        r#"container_group_name = "mandelbrot""#,
    )
    .sort(LogEntrySortOrder::Asc)
    .limit(100);
    let got = org(&server).query_log_entries(&query).await.unwrap();
    mock.assert_async().await;
    assert_eq!(got.items.len(), 2);
    assert_eq!(got.items[0].severity, LogEntrySeverity::Info);
    assert_eq!(got.items[0].json_log.as_ref().unwrap()["msg"], "rendered");
    assert_eq!(
        got.items[0].resource.labels["container_group_name"],
        "mandelbrot"
    );
    assert_eq!(
        got.items[1].text_log.as_deref(),
        Some("GPU memory above 90%")
    );
}
