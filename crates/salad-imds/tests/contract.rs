//! Every example in this crate's openapi.json decodes into its generated model,
//! and every schema there has a model.

use salad_imds::models::{DeletionCost, Problem, ReallocatePrototype, Status, Token};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json"))
        .expect("openapi.json");
    serde_json::from_str(&text).expect("openapi.json is JSON")
}

fn decodes<T: DeserializeOwned>(name: &str, example: &Value) -> T {
    serde_json::from_value(example.clone())
        .unwrap_or_else(|e| panic!("example of {name} does not decode: {e}"))
}

/// A model that is also sent: nothing is lost on the way back either.
fn round_trips<T: DeserializeOwned + serde::Serialize>(name: &str, example: &Value) {
    let model: T = decodes(name, example);
    assert_eq!(&serde_json::to_value(&model).unwrap(), example, "{name}");
}

#[test]
fn schema_examples_decode_into_models() {
    let spec = spec();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas {
        let example = schema
            .get("example")
            .unwrap_or_else(|| panic!("schema {name} has no example"));
        match name.as_str() {
            // Answers only (no `Serialize`): the fields are read.
            "Status" => {
                let s: Status = decodes(name, example);
                assert_eq!(Some(s.ready), example["ready"].as_bool(), "{name}");
                assert_eq!(Some(s.started), example["started"].as_bool(), "{name}");
            }
            "Token" => {
                let t: Token = decodes(name, example);
                assert_eq!(Some(t.jwt.expose()), example["jwt"].as_str(), "{name}");
            }
            "Problem" => {
                let p: Problem = decodes(name, example);
                assert_eq!(p.r#type.as_deref(), example["type"].as_str(), "{name}");
                assert_eq!(p.code.as_deref(), example["code"].as_str(), "{name}");
                assert_eq!(p.title.as_deref(), example["title"].as_str(), "{name}");
                assert_eq!(
                    p.status.map(i64::from),
                    example["status"].as_i64(),
                    "{name}"
                );
                assert_eq!(p.detail.as_deref(), example["detail"].as_str(), "{name}");
            }
            "ReallocatePrototype" => round_trips::<ReallocatePrototype>(name, example),
            "DeletionCost" => round_trips::<DeletionCost>(name, example),
            other => panic!("schema {other} has no model in this test"),
        }
    }
    assert_eq!(schemas.len(), 5);
}

#[test]
fn every_operation_sends_the_metadata_header_in_the_spec() {
    let spec = spec();
    let mut operations = 0;
    for item in spec["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            operations += 1;
            let params = operation["parameters"].as_array().unwrap();
            assert!(
                params
                    .iter()
                    .any(|p| p["$ref"] == "#/components/parameters/Metadata"),
                "{}",
                operation["operationId"]
            );
        }
    }
    assert_eq!(operations, 7);
}
