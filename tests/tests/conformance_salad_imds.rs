//! salad-imds request bodies against the upstream metadata-service spec
//! (issue 11): see `conformance/mod.rs` for what is generated and checked.

mod conformance;

use conformance::{disagreements, run, typed, Model};
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

/// A model without local checks, to show the harness catches what slips through.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct Unchecked(serde_json::Value);

impl api_client_transport::Validate for Unchecked {
    fn validate_at(&self, _path: &str) -> api_client_transport::Result<()> {
        Ok(())
    }
}

/// The check can fail: a model that refuses nothing disagrees with the
/// upstream validator on every out-of-range value, and each one is reported.
#[test]
fn a_model_without_local_checks_is_caught() {
    let found = disagreements(
        "salad-imds",
        "salad-cloud-imds-0.9.0-alpha.3.json",
        &[Model {
            path: "/v1/reallocate",
            method: "post",
            typed: typed::<Unchecked>,
            rich: Some(json!({ "reason": "the GPU reports ECC errors" })),
        }],
        &[],
        &[],
    );
    for what in ["reason below minLength 1", "reason above maxLength 1000"] {
        assert!(
            found
                .iter()
                .any(|f| f.contains(what) && f.contains("local checks say None")),
            "{what} not caught in {found:#?}"
        );
    }
}
