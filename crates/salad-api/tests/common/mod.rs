//! Shared test fixtures: a mock server, a client pointed at it, and the
//! examples of the crate's own `openapi.json`.
#![allow(dead_code)]

use std::sync::OnceLock;

use mockito::{Server, ServerGuard};
use salad_api::{Client, ContainerGroups, InferenceEndpoints, Organization, Queues, RetryPolicy};
use serde_json::Value;

pub const KEY: &str = "sk-test-4f1d2c";
pub const ORG: &str = "acme-corp";
pub const PROJECT: &str = "dev-env";
pub const GROUP: &str = "mandelbrot";
pub const INSTANCE: &str = "db3a4591-efc3-46c0-b06a-3d820c0ec100";
pub const QUEUE: &str = "render-jobs";
pub const QUEUE_JOB: &str = "7dcd6922-50e9-4d56-89b5-91cde26f0211";
pub const ENDPOINT: &str = "transcribe";
pub const ENDPOINT_JOB: &str = "2fc459a1-1c09-4a34-ade7-54d03fc51d6a";
/// The base path of the real API, kept in the tests so the prefix is exercised.
pub const PREFIX: &str = "/api/public";

pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        serde_json::from_str(include_str!("../../openapi.json")).expect("openapi.json parses")
    })
}

/// The operation object of `method` on `path` (a template path of openapi.json).
pub fn operation(path: &str, method: &str) -> &'static Value {
    &spec()["paths"][path][method]
}

/// The example of the `code` answer of an operation.
pub fn response_example(path: &str, method: &str, code: &str) -> Value {
    let response = &operation(path, method)["responses"][code];
    example_of(response)
}

/// The example body of an operation's request.
pub fn request_example(path: &str, method: &str) -> Value {
    example_of(&operation(path, method)["requestBody"])
}

/// The example of a shared error answer (`400`, `404`, `Problem`, ...).
pub fn problem_example(name: &str) -> Value {
    example_of(&spec()["components"]["responses"][name])
}

fn example_of(holder: &Value) -> Value {
    let holder = match holder.get("$ref").and_then(Value::as_str) {
        Some(r) => &spec()["components"]["responses"][r.rsplit('/').next().unwrap()],
        None => holder,
    };
    let content = holder["content"].as_object().expect("content");
    content.values().next().expect("a media type")["example"].clone()
}

pub const GROUPS_PATH: &str =
    "/organizations/{organization_name}/projects/{project_name}/containers";
pub const GROUP_PATH: &str =
    "/organizations/{organization_name}/projects/{project_name}/containers/{container_group_name}";
pub const INSTANCE_PATH: &str =
    "/organizations/{organization_name}/projects/{project_name}/containers/{container_group_name}/instances/{container_group_instance_id}";

/// A template path filled with the test's names, under the base prefix.
pub fn concrete(template: &str) -> String {
    let path = template
        .replace("{organization_name}", ORG)
        .replace("{project_name}", PROJECT)
        .replace("{container_group_name}", GROUP)
        .replace("{container_group_instance_id}", INSTANCE)
        .replace("{queue_name}", QUEUE)
        .replace("{queue_job_id}", QUEUE_JOB)
        .replace("{inference_endpoint_name}", ENDPOINT)
        .replace("{inference_endpoint_job_id}", ENDPOINT_JOB);
    format!("{PREFIX}{path}")
}

pub async fn server() -> ServerGuard {
    Server::new_async().await
}

/// A client without retries, so each mock sees exactly the requests a call makes.
pub fn client(server: &ServerGuard) -> Client {
    client_with(server, RetryPolicy::none())
}

pub fn client_with(server: &ServerGuard, retry: RetryPolicy) -> Client {
    Client::builder(KEY)
        .base_url(format!("{}{PREFIX}", server.url()))
        .retry(retry)
        .build()
        .expect("client builds")
}

pub fn groups(server: &ServerGuard) -> ContainerGroups {
    client(server)
        .project(ORG, PROJECT)
        .expect("valid names")
        .container_groups()
}

pub fn json_body(value: &Value) -> String {
    serde_json::to_string(value).unwrap()
}

pub fn queues(server: &ServerGuard) -> Queues {
    client(server)
        .project(ORG, PROJECT)
        .expect("valid names")
        .queues()
}

pub fn org(server: &ServerGuard) -> Organization {
    client(server).organization(ORG).expect("valid name")
}

pub fn endpoints(server: &ServerGuard) -> InferenceEndpoints {
    org(server).inference_endpoints()
}

pub const QUEUES_PATH: &str = "/organizations/{organization_name}/projects/{project_name}/queues";
pub const QUEUE_PATH: &str =
    "/organizations/{organization_name}/projects/{project_name}/queues/{queue_name}";
pub const QUEUE_JOBS_PATH: &str =
    "/organizations/{organization_name}/projects/{project_name}/queues/{queue_name}/jobs";
pub const QUEUE_JOB_PATH: &str =
    "/organizations/{organization_name}/projects/{project_name}/queues/{queue_name}/jobs/{queue_job_id}";
pub const ENDPOINTS_PATH: &str = "/organizations/{organization_name}/inference-endpoints";
pub const ENDPOINT_PATH: &str =
    "/organizations/{organization_name}/inference-endpoints/{inference_endpoint_name}";
pub const ENDPOINT_JOBS_PATH: &str =
    "/organizations/{organization_name}/inference-endpoints/{inference_endpoint_name}/jobs";
pub const ENDPOINT_JOB_PATH: &str =
    "/organizations/{organization_name}/inference-endpoints/{inference_endpoint_name}/jobs/{inference_endpoint_job_id}";
pub const GPU_CLASSES_PATH: &str = "/organizations/{organization_name}/gpu-classes";
pub const QUOTAS_PATH: &str = "/organizations/{organization_name}/quotas";
pub const CPU_AVAILABILITY_PATH: &str =
    "/organizations/{organization_name}/availability/sce-cpu-availability";
pub const GPU_AVAILABILITY_PATH: &str =
    "/organizations/{organization_name}/availability/sce-gpu-availability";
pub const WEBHOOK_KEY_PATH: &str = "/organizations/{organization_name}/webhook-secret-key";
pub const LOG_ENTRIES_PATH: &str = "/organizations/{organization_name}/log-entries";

/// An RFC 3339 time.
pub fn ts(text: &str) -> salad_api::time::OffsetDateTime {
    salad_api::time::OffsetDateTime::parse(
        text,
        &salad_api::time::format_description::well_known::Rfc3339,
    )
    .expect("an RFC 3339 time")
}
