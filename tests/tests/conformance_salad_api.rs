//! salad-api request bodies against the upstream SaladCloud spec (issue 11):
//! see `conformance/mod.rs` for what is generated and checked.

mod conformance;

use conformance::{run, typed, Model};
use salad_api::models as m;
use serde_json::json;

const ORG: &str = "/organizations/{organization_name}";
const PROJECT: &str = "/organizations/{organization_name}/projects/{project_name}";

fn models() -> Vec<Model> {
    let p = |tail: &str, root: &str| -> &'static str {
        Box::leak(format!("{root}{tail}").into_boxed_str())
    };
    let model = |path: &'static str, method: &'static str, typed: conformance::Typed| Model {
        path,
        method,
        typed,
        rich: None,
    };
    vec![
        model(
            p("/availability/sce-cpu-availability", ORG),
            "post",
            typed::<m::CpuAvailabilityRequest>,
        ),
        model(
            p("/availability/sce-gpu-availability", ORG),
            "post",
            typed::<m::GpuAvailabilityRequest>,
        ),
        model(
            p("/inference-endpoints/{inference_endpoint_name}/jobs", ORG),
            "post",
            typed::<m::CreateInferenceEndpointJob>,
        ),
        model(p("/log-entries", ORG), "post", typed::<m::LogEntryQuery>),
        // Create's HTTP log sink has a plain array of headers upstream (absent is
        // fine, `null` is not), the probe scheme and the priority are never null.
        Model {
            rich: Some(json!({
                "name": "mandelbrot",
                "container": {
                    "image": "ghcr.io/acme/mandelbrot:1.4.2",
                    "resources": { "cpu": 4, "memory": 16384 },
                    "priority": "high",
                    "logging": { "http": {
                        "host": "logs.example.com", "port": 443, "format": "json_lines",
                        "compression": "gzip", "path": "/ingest",
                        "headers": [{ "name": "X-Tenant", "value": "acme" }]
                    } }
                },
                "autostart_policy": true,
                "restart_policy": "always",
                "replicas": 3,
                "liveness_probe": {
                    "http": { "path": "/healthz", "port": 8080, "scheme": "https",
                              "headers": [{ "name": "Accept", "value": "text/plain" }] },
                    "initial_delay_seconds": 0, "period_seconds": 10, "timeout_seconds": 30,
                    "success_threshold": 1, "failure_threshold": 3
                }
            })),
            ..model(
                p("/containers", PROJECT),
                "post",
                typed::<m::CreateContainerGroup>,
            )
        },
        // Update's HTTP log sink keeps its nullable headers; the priority is set or left.
        Model {
            rich: Some(json!({
                "replicas": 5,
                "container": {
                    "priority": "batch",
                    "logging": { "http": {
                        "host": "logs.example.com", "port": 443, "format": "json",
                        "compression": "none", "headers": null
                    } }
                }
            })),
            ..model(
                p("/containers/{container_group_name}", PROJECT),
                "patch",
                typed::<m::UpdateContainerGroup>,
            )
        },
        model(
            p(
                "/containers/{container_group_name}/instances/{container_group_instance_id}",
                PROJECT,
            ),
            "patch",
            typed::<m::UpdateContainerGroupInstance>,
        ),
        Model {
            rich: Some(json!({
                "name": "render-jobs", "display_name": "Render jobs",
                "description": "Frames for the nightly render."
            })),
            ..model(p("/queues", PROJECT), "post", typed::<m::CreateQueue>)
        },
        Model {
            rich: Some(json!({ "display_name": "Render jobs, GPU", "description": "" })),
            ..model(
                p("/queues/{queue_name}", PROJECT),
                "patch",
                typed::<m::UpdateQueue>,
            )
        },
        model(
            p("/queues/{queue_name}/jobs", PROJECT),
            "post",
            typed::<m::CreateQueueJob>,
        ),
    ]
}

#[test]
fn salad_api_request_bodies_conform_to_the_upstream_spec() {
    run(
        "salad-api",
        "salad-cloud-api-0.9.0-alpha.17.json",
        &models(),
        &[],
        &[],
    );
}
