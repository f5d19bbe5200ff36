//! Waiting for jobs, and paging streams fetching exactly the pages needed.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_util::TryStreamExt;
use mockito::Matcher;
use salad_api::models::JobStatus;
use salad_api::{Error, WaitError, WaitOptions};
use serde_json::{json, Value};

/// A mock of `get_queue_job` answering with the given statuses in turn (the
/// last one repeats); the final answer carries an output.
async fn job_statuses(
    server: &mut mockito::ServerGuard,
    sequence: &[&str],
    hits: usize,
) -> mockito::Mock {
    let sequence: Vec<String> = sequence.iter().map(|s| s.to_string()).collect();
    let served = Arc::new(AtomicUsize::new(0));
    server
        .mock("GET", concrete(QUEUE_JOB_PATH).as_str())
        .match_header("salad-api-key", KEY)
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |_| {
            let n = served.fetch_add(1, Ordering::SeqCst);
            let mut job = response_example(QUEUE_JOB_PATH, "get", "200");
            let status = &sequence[n.min(sequence.len() - 1)];
            job["status"] = status.clone().into();
            if status != "succeeded" {
                job.as_object_mut().unwrap().remove("output");
            }
            serde_json::to_vec(&job).unwrap()
        })
        .expect(hits)
        .create_async()
        .await
}

fn quick() -> WaitOptions {
    WaitOptions::new()
        .poll_interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(30))
}

#[tokio::test]
async fn job_wait_returns_the_job_once_it_succeeded() {
    let mut server = server().await;
    let mock = job_statuses(&mut server, &["pending", "running", "succeeded"], 3).await;
    let job = queues(&server)
        .wait_for_job(QUEUE, QUEUE_JOB, quick())
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(job.status, JobStatus::Succeeded);
    let output: Value = job.output_as().unwrap();
    assert_eq!(output["seconds"], 41.2);
}

#[tokio::test]
async fn job_wait_returns_a_failed_job_at_once() {
    let mut server = server().await;
    // A later answer would say `succeeded`: the wait must stop at `failed`.
    let mock = job_statuses(&mut server, &["running", "failed", "succeeded"], 2).await;
    let job = queues(&server)
        .wait_for_job(QUEUE, QUEUE_JOB, quick())
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.output_as::<Option<Value>>().unwrap(), None);
}

#[tokio::test]
async fn job_wait_gives_up_at_its_deadline() {
    let mut server = server().await;
    let mock = server
        .mock("GET", concrete(QUEUE_JOB_PATH).as_str())
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body({
            let mut job = response_example(QUEUE_JOB_PATH, "get", "200");
            job["status"] = "running".into();
            json_body(&job)
        })
        .expect_at_least(2)
        .create_async()
        .await;
    let options = WaitOptions::new()
        .poll_interval(Duration::from_millis(20))
        .timeout(Duration::from_millis(150));
    let err = queues(&server)
        .wait_for_job(QUEUE, QUEUE_JOB, options)
        .await
        .unwrap_err();
    mock.assert_async().await;
    match err {
        WaitError::JobTimeout { id, last, waited } => {
            assert_eq!(id, QUEUE_JOB);
            assert_eq!(last, Some(JobStatus::Running));
            assert!(waited >= Duration::from_millis(150), "{waited:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn job_wait_stops_on_a_missing_job_and_checks_the_id_first() {
    let mut server = server().await;
    let mock = server
        .mock("GET", concrete(QUEUE_JOB_PATH).as_str())
        .with_status(404)
        .with_header("content-type", "application/problem+json")
        .with_body(json_body(&problem_example("404")))
        .expect(1)
        .create_async()
        .await;
    let err = queues(&server)
        .wait_for_job(QUEUE, QUEUE_JOB, quick())
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert!(
        matches!(&err, WaitError::Request(e) if e.status().map(|s| s.as_u16()) == Some(404)),
        "{err:?}"
    );

    let err = queues(&server)
        .wait_for_job(QUEUE, "not-a-uuid", quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WaitError::Request(Error::InvalidInput { field, .. }) if field == "queue_job_id"),
        "{err:?}"
    );
}

#[tokio::test]
async fn inference_job_wait_returns_on_success() {
    let mut server = server().await;
    let served = Arc::new(AtomicUsize::new(0));
    let mock = server
        .mock("GET", concrete(ENDPOINT_JOB_PATH).as_str())
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |_| {
            let n = served.fetch_add(1, Ordering::SeqCst);
            let mut job = response_example(ENDPOINT_JOB_PATH, "get", "200");
            if n > 0 {
                job["status"] = "succeeded".into();
                job["output"] = json!({"text": "Good morning, everyone."});
            }
            serde_json::to_vec(&job).unwrap()
        })
        .expect(2)
        .create_async()
        .await;
    let job = endpoints(&server)
        .wait_for_job(ENDPOINT, ENDPOINT_JOB, quick())
        .await
        .unwrap();
    mock.assert_async().await;
    #[derive(serde::Deserialize)]
    struct Transcript {
        text: String,
    }
    assert_eq!(
        job.output_as::<Transcript>().unwrap().text,
        "Good morning, everyone."
    );
}

/// Page `n` of an endpoint list of `total` endpoints, `size` per page.
fn endpoint_page(n: usize, size: usize, total: usize) -> Value {
    let example = response_example(ENDPOINT_PATH, "get", "200");
    let first = (n - 1) * size;
    let items: Vec<Value> = (first..total.min(first + size))
        .map(|i| {
            let mut e = example.clone();
            e["name"] = format!("endpoint-{i}").into();
            e
        })
        .collect();
    json!({"items": items, "page": n, "page_size": size, "total_size": total})
}

#[tokio::test]
async fn the_endpoint_stream_reads_exactly_the_pages_the_total_needs() {
    let mut server = server().await;
    // 5 endpoints, 2 per page: pages 1, 2 and 3, and never a page 4.
    let mut mocks = Vec::new();
    for n in 1..=3 {
        mocks.push(
            server
                .mock("GET", concrete(ENDPOINTS_PATH).as_str())
                .match_query(Matcher::Exact(format!("page={n}&page_size=2")))
                .match_header("salad-api-key", KEY)
                .with_status(200)
                .with_header("content-type", "application/json")
                .with_body(json_body(&endpoint_page(n, 2, 5)))
                .expect(1)
                .create_async()
                .await,
        );
    }
    let page4 = server
        .mock("GET", concrete(ENDPOINTS_PATH).as_str())
        .match_query(Matcher::Exact("page=4&page_size=2".into()))
        .expect(0)
        .create_async()
        .await;
    let all: Vec<_> = endpoints(&server).stream(2).try_collect().await.unwrap();
    let names: Vec<_> = all.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "endpoint-0",
            "endpoint-1",
            "endpoint-2",
            "endpoint-3",
            "endpoint-4"
        ]
    );
    for m in mocks {
        m.assert_async().await;
    }
    page4.assert_async().await;
}

#[tokio::test]
async fn the_stream_is_lazy_and_an_error_ends_it() {
    let mut server = server().await;
    let page1 = server
        .mock("GET", concrete(ENDPOINTS_PATH).as_str())
        .match_query(Matcher::Exact("page=1&page_size=2".into()))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&endpoint_page(1, 2, 6)))
        .expect(1)
        .create_async()
        .await;
    let page2 = server
        .mock("GET", concrete(ENDPOINTS_PATH).as_str())
        .match_query(Matcher::Exact("page=2&page_size=2".into()))
        .with_status(503)
        .expect(1)
        .create_async()
        .await;
    let mut stream = endpoints(&server).stream(2);
    // Taking the first two items reads page 1 only.
    assert!(stream.try_next().await.unwrap().is_some());
    assert!(stream.try_next().await.unwrap().is_some());
    page1.assert_async().await;
    let err = stream.try_next().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(
        stream.try_next().await.unwrap().is_none(),
        "an error ends the stream"
    );
    page2.assert_async().await;
}

#[tokio::test]
async fn the_queue_job_stream_stops_at_a_short_page() {
    let mut server = server().await;
    let job = response_example(QUEUE_JOB_PATH, "get", "200");
    let page = |n: usize| json!({"items": vec![job.clone(); n]});
    let full = server
        .mock("GET", concrete(QUEUE_JOBS_PATH).as_str())
        .match_query(Matcher::Exact("page=1&page_size=3".into()))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&page(3)))
        .expect(1)
        .create_async()
        .await;
    let short = server
        .mock("GET", concrete(QUEUE_JOBS_PATH).as_str())
        .match_query(Matcher::Exact("page=2&page_size=3".into()))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(json_body(&page(1)))
        .expect(1)
        .create_async()
        .await;
    let all: Vec<_> = queues(&server)
        .jobs_stream(QUEUE, 3)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    full.assert_async().await;
    short.assert_async().await;
}

#[tokio::test]
async fn a_bad_page_size_is_the_first_item_and_nothing_is_sent() {
    let server = server().await;
    let err = queues(&server)
        .jobs_stream(QUEUE, 0)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "page_size"),
        "{err}"
    );
}
