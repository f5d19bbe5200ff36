//! Error answers: every status each operation declares, HTML pages from a
//! proxy, and retries.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use mockito::Matcher;
use salad_api::models::{
    ContainerResourceRequirements, ContainerRestartPolicy, CreateContainer, CreateContainerGroup,
    UpdateContainerGroup, UpdateContainerGroupInstance,
};
use salad_api::{ContainerGroups, Error, Patch, RetryPolicy};

fn create_body() -> CreateContainerGroup {
    CreateContainerGroup {
        name: GROUP.into(),
        display_name: None,
        container: CreateContainer {
            image: "ghcr.io/acme/mandelbrot:1.4.2".into(),
            resources: ContainerResourceRequirements::new(2, 2048),
            image_caching: None,
            command: None,
            priority: None,
            environment_variables: None,
            logging: None,
            registry_authentication: None,
        },
        autostart_policy: false,
        restart_policy: ContainerRestartPolicy::Never,
        replicas: 1,
        country_codes: None,
        networking: None,
        liveness_probe: None,
        readiness_probe: None,
        startup_probe: None,
        queue_connection: None,
        queue_autoscaler: None,
        scaling_actions: None,
        scheduled_scaling_enabled: None,
    }
}

/// Calls the operation named by its operationId, dropping the answer.
async fn call(groups: &ContainerGroups, operation_id: &str) -> Result<(), Error> {
    let patch = UpdateContainerGroup {
        replicas: Patch::Value(2),
        ..Default::default()
    };
    let instance_patch = UpdateContainerGroupInstance {
        deletion_cost: Patch::Value(10),
    };
    match operation_id {
        "list_container_groups" => groups.list().await.map(drop),
        "create_container_group" => groups.create(&create_body()).await.map(drop),
        "get_container_group" => groups.get(GROUP).await.map(drop),
        "update_container_group" => groups.update(GROUP, &patch).await.map(drop),
        "delete_container_group" => groups.delete(GROUP).await,
        "start_container_group" => groups.start(GROUP).await,
        "stop_container_group" => groups.stop(GROUP).await,
        "get_system_logs" => groups.system_logs(GROUP).await.map(drop),
        "list_container_group_instances" => groups.list_instances(GROUP).await.map(drop),
        "get_container_group_instance" => groups.get_instance(GROUP, INSTANCE).await.map(drop),
        "update_container_group_instance" => groups
            .update_instance(GROUP, INSTANCE, &instance_patch)
            .await
            .map(drop),
        "reallocate_container_group_instance" => groups.reallocate_instance(GROUP, INSTANCE).await,
        "recreate_container_group_instance" => groups.recreate_instance(GROUP, INSTANCE).await,
        "restart_container_group_instance" => groups.restart_instance(GROUP, INSTANCE).await,
        other => call_added(groups, other).await,
    }
}

/// The operations beyond container groups, reached from the same project.
async fn call_added(groups: &ContainerGroups, operation_id: &str) -> Result<(), Error> {
    use salad_api::models::{
        CpuAvailabilityRequest, CreateInferenceEndpointJob, CreateQueue, CreateQueueJob,
        GpuAvailabilityRequest, LogEntryQuery, UpdateQueue,
    };
    use salad_api::PageOptions;
    let project = groups.project();
    let queues = project.queues();
    let org = project.client().organization(ORG).unwrap();
    let endpoints = org.inference_endpoints();
    let input = serde_json::json!({"n": 1});
    let gpu = GpuAvailabilityRequest {
        gpu_classes: vec!["ed563892-aacd-40f5-80b7-90c9be6c759b".parse().unwrap()],
        ..Default::default()
    };
    let logs = LogEntryQuery::new(ts("2024-11-02T09:00:00Z"), ts("2024-11-02T10:00:00Z"), "");
    match operation_id {
        "list_queues" => queues.list().await.map(drop),
        "create_queue" => queues.create(&CreateQueue::new(QUEUE)).await.map(drop),
        "get_queue" => queues.get(QUEUE).await.map(drop),
        "update_queue" => queues
            .update(
                QUEUE,
                &UpdateQueue {
                    display_name: Patch::Null,
                    ..Default::default()
                },
            )
            .await
            .map(drop),
        "delete_queue" => queues.delete(QUEUE).await,
        "list_queue_jobs" => queues.list_jobs(QUEUE, PageOptions::new()).await.map(drop),
        "create_queue_job" => queues
            .create_job(QUEUE, &CreateQueueJob::new(&input).unwrap())
            .await
            .map(drop),
        "get_queue_job" => queues.get_job(QUEUE, QUEUE_JOB).await.map(drop),
        "delete_queue_job" => queues.delete_job(QUEUE, QUEUE_JOB).await,
        "list_inference_endpoints" => endpoints.list(PageOptions::new()).await.map(drop),
        "get_inference_endpoint" => endpoints.get(ENDPOINT).await.map(drop),
        "list_inference_endpoint_jobs" => endpoints
            .list_jobs(ENDPOINT, PageOptions::new())
            .await
            .map(drop),
        "create_inference_endpoint_job" => endpoints
            .create_job(ENDPOINT, &CreateInferenceEndpointJob::new(&input).unwrap())
            .await
            .map(drop),
        "get_inference_endpoint_job" => endpoints.get_job(ENDPOINT, ENDPOINT_JOB).await.map(drop),
        "delete_inference_endpoint_job" => endpoints.delete_job(ENDPOINT, ENDPOINT_JOB).await,
        "list_gpu_classes" => org.list_gpu_classes().await.map(drop),
        "get_quotas" => org.quotas().await.map(drop),
        "get_cpu_availability" => org
            .cpu_availability(&CpuAvailabilityRequest::default())
            .await
            .map(drop),
        "get_gpu_availability" => org.gpu_availability(&gpu).await.map(drop),
        "get_webhook_secret_key" => org.webhook_secret_key().await.map(drop),
        "update_webhook_secret_key" => org.rotate_webhook_secret_key().await.map(drop),
        "query_log_entries" => org.query_log_entries(&logs).await.map(drop),
        other => panic!("no call for operation {other}"),
    }
}

/// Every (operation, declared error answer) pair of openapi.json; `default`
/// stands for any other failure and is exercised as a 500.
fn declared_errors() -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for (template, item) in spec()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let id = op["operationId"].as_str().unwrap().to_owned();
            for (code, response) in op["responses"].as_object().unwrap() {
                if code.starts_with('2') {
                    continue;
                }
                let name = response["$ref"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned();
                let status = if code == "default" {
                    "500".to_owned()
                } else {
                    code.clone()
                };
                out.push((
                    id.clone(),
                    format!("{} {}", method.to_uppercase(), template),
                    status,
                    name,
                ));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_declared_error_status_becomes_a_typed_api_error() {
    let cases = declared_errors();
    assert_eq!(
        cases.len(),
        36 + 107,
        "36 defaults and 107 declared statuses"
    );
    let mut server = server().await;
    let groups = groups(&server);
    for (operation_id, endpoint, status, response_name) in cases {
        let (method, template) = endpoint.split_once(' ').unwrap();
        let mut problem = problem_example(&response_name);
        problem["status"] = status.parse::<u16>().unwrap().into();
        let mock = server
            .mock(method, concrete(template).as_str())
            .match_header("salad-api-key", KEY)
            .with_status(status.parse().unwrap())
            .with_header("content-type", "application/problem+json")
            .with_body(json_body(&problem))
            .expect(1)
            .create_async()
            .await;

        let err = call(&groups, &operation_id).await.expect_err(&operation_id);
        mock.assert_async().await;
        mock.remove_async().await;

        let context = format!("{operation_id} -> {status}");
        assert_eq!(
            err.status().map(|s| s.as_u16().to_string()),
            Some(status.clone()),
            "{context}"
        );
        let api = err.api().expect("an API error");
        if api
            .message()
            .ends_with("(the answer is withheld: it may hold secrets)")
        {
            // Calls whose answers carry credentials never read an error body.
            assert!(api.body().is_empty(), "{context}");
            assert!(err.problem().is_none(), "{context}");
            continue;
        }
        let parsed = err.problem().expect("a problem document");
        assert_eq!(
            parsed.status.map(|s| s.to_string()),
            Some(status.clone()),
            "{context}"
        );
        assert_eq!(
            parsed.title.as_deref(),
            problem["title"].as_str(),
            "{context}"
        );
        assert_eq!(
            parsed.detail.as_deref(),
            problem["detail"].as_str(),
            "{context}"
        );
        assert_eq!(
            parsed.problem_type.as_deref(),
            problem["type"].as_str(),
            "{context}"
        );
        assert_eq!(
            parsed.instance.as_deref(),
            problem["instance"].as_str(),
            "{context}"
        );
        // The transport's message and code come from the same document.
        let title = problem["title"].as_str().unwrap();
        assert!(
            api.message().starts_with(title),
            "{context}: {}",
            api.message()
        );
        if let Some(detail) = problem["detail"].as_str() {
            assert!(
                api.message().ends_with(detail),
                "{context}: {}",
                api.message()
            );
        }
        match problem["type"].as_str() {
            Some("about:blank") | None => assert_eq!(api.code(), None, "{context}"),
            Some(t) => assert_eq!(api.code(), Some(t), "{context}"),
        }
        assert!(!err.to_string().contains(KEY), "no key in {err}");
    }
}

#[tokio::test]
async fn an_html_error_page_keeps_its_status_and_a_short_note() {
    let mut server = server().await;
    let page = "<!DOCTYPE html>\n<html><head><title>api.salad.com | 502: Bad gateway</title></head>\
                <body><h1>Bad gateway</h1><p>The web server reported a bad gateway error.</p></body></html>";
    let mock = server
        .mock("GET", concrete(QUOTAS_PATH).as_str())
        .with_status(502)
        .with_header("content-type", "text/html; charset=UTF-8")
        .with_body(page)
        .expect(1)
        .create_async()
        .await;
    let err = client(&server)
        .organization(ORG)
        .unwrap()
        .quotas()
        .await
        .unwrap_err();
    mock.assert_async().await;
    let api = err.api().unwrap();
    assert_eq!(api.status().as_u16(), 502);
    assert_eq!(
        api.message(),
        "Bad Gateway (the answer was an HTML page, not the API's)"
    );
    assert_eq!(api.code(), None);
    assert!(
        api.body().starts_with(b"<!DOCTYPE html>"),
        "the raw page is kept"
    );
    assert!(
        err.problem().is_none(),
        "an HTML page is no problem document"
    );
}

#[tokio::test]
async fn an_empty_error_body_gives_the_reason_phrase() {
    let mut server = server().await;
    let mock = server
        .mock("DELETE", concrete(GROUP_PATH).as_str())
        .with_status(403)
        .expect(1)
        .create_async()
        .await;
    let err = groups(&server).delete(GROUP).await.unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(err.api().unwrap().message(), "Forbidden");
    assert!(err.problem().is_none());
}

#[tokio::test]
async fn a_json_error_that_is_no_problem_document_keeps_its_message() {
    let mut server = server().await;
    let mock = server
        .mock("POST", concrete(&format!("{GROUP_PATH}/start")).as_str())
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(
            r#"{"message":"the group has no replicas","errors":{"replicas":["must be positive"]}}"#,
        )
        .expect(1)
        .create_async()
        .await;
    let err = groups(&server).start(GROUP).await.unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.api().unwrap().message(), "the group has no replicas");
    // Read leniently: neither title nor detail, the other members kept.
    let problem = err.problem().unwrap();
    assert_eq!(problem.title, None);
    assert_eq!(
        problem.extensions["errors"]["replicas"][0],
        "must be positive"
    );
}

#[tokio::test]
async fn errors_that_are_not_http_have_no_problem() {
    let err = salad_api::Client::new("k")
        .unwrap()
        .project("A", "b")
        .unwrap_err();
    assert!(err.problem().is_none());
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::new(attempts)
        .base_delay(Duration::from_millis(10))
        .jitter(false)
}

#[tokio::test]
async fn reads_retry_on_429_and_honour_retry_after() {
    let mut server = server().await;
    let path = concrete(GROUP_PATH);
    let throttled = server
        .mock("GET", path.as_str())
        .with_status(429)
        .with_header("retry-after", "1")
        .with_header("content-type", "application/problem+json")
        .with_body(json_body(&problem_example("429")))
        .expect(1)
        .create_async()
        .await;
    let ok = server
        .mock("GET", path.as_str())
        .with_status(200)
        .with_body(json_body(&response_example(GROUP_PATH, "get", "200")))
        .expect(1)
        .create_async()
        .await;
    let groups = client_with(&server, fast_retries(3))
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups();
    let started = Instant::now();
    let group = groups.get(GROUP).await.unwrap();
    let waited = started.elapsed();
    throttled.assert_async().await;
    ok.assert_async().await;
    assert_eq!(group.name, GROUP);
    assert!(
        waited >= Duration::from_secs(1),
        "Retry-After honoured, waited {waited:?}"
    );
}

#[tokio::test]
async fn reads_retry_on_502_503_504() {
    for status in [502, 503, 504] {
        let mut server = server().await;
        let path = concrete(&format!("{GROUP_PATH}/instances"));
        let failing = server
            .mock("GET", path.as_str())
            .with_status(status)
            .expect(1)
            .create_async()
            .await;
        let ok = server
            .mock("GET", path.as_str())
            .with_status(200)
            .with_body(r#"{"instances":[]}"#)
            .expect(1)
            .create_async()
            .await;
        let groups = client_with(&server, fast_retries(3))
            .project(ORG, PROJECT)
            .unwrap()
            .container_groups();
        groups.list_instances(GROUP).await.unwrap();
        failing.assert_async().await;
        ok.assert_async().await;
    }
}

#[tokio::test]
async fn reads_give_up_after_the_policy_attempts() {
    let mut server = server().await;
    let mock = server
        .mock("GET", concrete(GROUPS_PATH).as_str())
        .with_status(503)
        .expect(3)
        .create_async()
        .await;
    let groups = client_with(&server, fast_retries(3))
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups();
    let err = groups.list().await.unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.status().unwrap().as_u16(), 503);
}

#[tokio::test]
async fn create_is_resent_after_429_only() {
    let mut server = server().await;
    let path = concrete(GROUPS_PATH);
    let throttled = server
        .mock("POST", path.as_str())
        .match_body(Matcher::PartialJson(serde_json::json!({"name": GROUP})))
        .with_status(429)
        .with_header("retry-after", "1")
        .expect(1)
        .create_async()
        .await;
    let created = server
        .mock("POST", path.as_str())
        .match_body(Matcher::PartialJson(serde_json::json!({"name": GROUP})))
        .with_status(201)
        .with_body(json_body(&response_example(GROUPS_PATH, "post", "201")))
        .expect(1)
        .create_async()
        .await;
    let groups = client_with(&server, fast_retries(3))
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups();
    let started = Instant::now();
    groups.create(&create_body()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    throttled.assert_async().await;
    created.assert_async().await;
}

#[tokio::test]
async fn create_is_not_resent_when_the_outcome_is_unknown() {
    let mut server = server().await;
    let mock = server
        .mock("POST", concrete(GROUPS_PATH).as_str())
        .with_status(503)
        .expect(1)
        .create_async()
        .await;
    let groups = client_with(&server, fast_retries(3))
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups();
    let err = groups.create(&create_body()).await.unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.status().unwrap().as_u16(), 503);
}

#[tokio::test]
async fn instance_actions_are_not_resent_on_502() {
    let mut server = server().await;
    let mock = server
        .mock(
            "POST",
            concrete(&format!("{INSTANCE_PATH}/reallocate")).as_str(),
        )
        .with_status(502)
        .expect(1)
        .create_async()
        .await;
    let groups = client_with(&server, fast_retries(3))
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups();
    groups
        .reallocate_instance(GROUP, INSTANCE)
        .await
        .unwrap_err();
    mock.assert_async().await;
}

#[tokio::test]
async fn throttled_mutations_stop_at_the_policy_attempts() {
    let mut server = server().await;
    let mock = server
        .mock(
            "POST",
            concrete(&format!("{INSTANCE_PATH}/restart")).as_str(),
        )
        .with_status(429)
        .with_header("retry-after", "0")
        .expect(2)
        .create_async()
        .await;
    let groups = client_with(&server, fast_retries(2))
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups();
    let err = groups.restart_instance(GROUP, INSTANCE).await.unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.status().unwrap().as_u16(), 429);
}

#[tokio::test]
async fn idempotent_mutations_retry_on_503() {
    let mut server = server().await;
    let stop = concrete(&format!("{GROUP_PATH}/stop"));
    let failing = server
        .mock("POST", stop.as_str())
        .with_status(503)
        .expect(1)
        .create_async()
        .await;
    let ok = server
        .mock("POST", stop.as_str())
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    let patch_fail = server
        .mock("PATCH", concrete(GROUP_PATH).as_str())
        .with_status(503)
        .expect(1)
        .create_async()
        .await;
    let patch_ok = server
        .mock("PATCH", concrete(GROUP_PATH).as_str())
        .with_status(200)
        .with_body(json_body(&response_example(GROUP_PATH, "patch", "200")))
        .expect(1)
        .create_async()
        .await;
    let groups = client_with(&server, fast_retries(3))
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups();
    groups.stop(GROUP).await.unwrap();
    let patch = UpdateContainerGroup {
        replicas: Patch::Value(5),
        ..Default::default()
    };
    groups.update(GROUP, &patch).await.unwrap();
    for m in [failing, ok, patch_fail, patch_ok] {
        m.assert_async().await;
    }
}

/// A server that accepts connections and never answers; counts the requests
/// (connections) it got.
async fn silent_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{PREFIX}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (url, accepted)
}

fn silent_groups(url: &str, attempts: u32) -> ContainerGroups {
    salad_api::Client::builder(KEY)
        .base_url(url)
        .timeout(Duration::from_millis(200))
        .retry(fast_retries(attempts))
        .build()
        .unwrap()
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups()
}

#[tokio::test]
async fn a_silent_server_is_a_timeout_and_reads_try_again() {
    let (url, accepted) = silent_server().await;
    let started = Instant::now();
    let err = silent_groups(&url, 2).get(GROUP).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "two attempts of 200 ms"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_create_that_timed_out_is_not_resent() {
    let (url, accepted) = silent_server().await;
    let err = silent_groups(&url, 3)
        .create(&create_body())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.may_have_reached_server());
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// The retry table of the crate docs, operation by operation: after a 503
/// only the calls listed as retried go again; after a 429 every call does.
#[tokio::test]
async fn the_documented_retry_table_holds_for_every_operation() {
    // (operationId, resent after a 503?) -- the crate docs' table.
    let table = [
        ("list_container_groups", true),
        ("get_container_group", true),
        ("get_system_logs", true),
        ("list_container_group_instances", true),
        ("get_container_group_instance", true),
        ("update_container_group", true),
        ("update_container_group_instance", true),
        ("start_container_group", true),
        ("stop_container_group", true),
        ("delete_container_group", true),
        ("create_container_group", false),
        ("reallocate_container_group_instance", false),
        ("recreate_container_group_instance", false),
        ("restart_container_group_instance", false),
        ("list_queues", true),
        ("get_queue", true),
        ("update_queue", true),
        ("delete_queue", true),
        ("create_queue", false),
        ("list_queue_jobs", true),
        ("get_queue_job", true),
        ("delete_queue_job", true),
        ("create_queue_job", false),
        ("list_inference_endpoints", true),
        ("get_inference_endpoint", true),
        ("list_inference_endpoint_jobs", true),
        ("get_inference_endpoint_job", true),
        ("delete_inference_endpoint_job", true),
        ("create_inference_endpoint_job", false),
        ("list_gpu_classes", true),
        ("get_quotas", true),
        ("get_cpu_availability", true),
        ("get_gpu_availability", true),
        ("get_webhook_secret_key", true),
        ("update_webhook_secret_key", true),
        ("query_log_entries", true),
    ];
    let ids: Vec<String> = declared_errors().into_iter().map(|c| c.0).collect();
    for (id, _) in table {
        assert!(ids.iter().any(|i| i == id), "{id} is not in openapi.json");
    }
    assert_eq!(
        {
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            unique.len()
        },
        table.len(),
        "every operation is in the table"
    );

    let mut server = server().await;
    let groups = client_with(&server, fast_retries(2))
        .project(ORG, PROJECT)
        .unwrap()
        .container_groups();
    for (id, resent_after_5xx) in table {
        let endpoint = declared_errors()
            .into_iter()
            .find(|c| c.0 == id)
            .map(|c| c.1)
            .unwrap();
        let (method, template) = endpoint.split_once(' ').unwrap();
        for (status, resent) in [(503_u16, resent_after_5xx), (429, true)] {
            let mock = server
                .mock(method, concrete(template).as_str())
                .with_status(usize::from(status))
                .with_header("retry-after", "0")
                .expect(if resent { 2 } else { 1 })
                .create_async()
                .await;
            let err = call(&groups, id).await.expect_err(id);
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{id}");
            mock.assert_async().await;
            mock.remove_async().await;
        }
    }
}
