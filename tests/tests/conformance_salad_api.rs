//! salad-api request bodies against the upstream SaladCloud spec (issue 11):
//! see `conformance/mod.rs` for what is generated and checked.

mod conformance;

use conformance::{run, typed, Model};
use salad_api::models as m;

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
        model(
            p("/containers", PROJECT),
            "post",
            typed::<m::CreateContainerGroup>,
        ),
        model(
            p("/containers/{container_group_name}", PROJECT),
            "patch",
            typed::<m::UpdateContainerGroup>,
        ),
        model(
            p(
                "/containers/{container_group_name}/instances/{container_group_instance_id}",
                PROJECT,
            ),
            "patch",
            typed::<m::UpdateContainerGroupInstance>,
        ),
        model(p("/queues", PROJECT), "post", typed::<m::CreateQueue>),
        model(
            p("/queues/{queue_name}", PROJECT),
            "patch",
            typed::<m::UpdateQueue>,
        ),
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
