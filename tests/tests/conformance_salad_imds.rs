//! salad-imds request bodies against the upstream metadata-service spec
//! (issue 11): see `conformance/mod.rs` for what is generated and checked.

mod conformance;

use conformance::{run, typed, Model};
use salad_imds::models as m;
use serde_json::json;

#[test]
fn salad_imds_request_bodies_conform_to_the_upstream_spec() {
    run(
        "salad-imds",
        "salad-cloud-imds-0.9.0-alpha.3.json",
        &[
            Model {
                path: "/v1/deletion-cost",
                method: "put",
                typed: typed::<m::DeletionCost>,
                rich: Some(json!({ "deletion_cost": 250 })),
            },
            Model {
                path: "/v1/reallocate",
                method: "post",
                typed: typed::<m::ReallocatePrototype>,
                rich: Some(json!({ "reason": "the GPU reports ECC errors" })),
            },
        ],
        &[],
        &[],
    );
}
