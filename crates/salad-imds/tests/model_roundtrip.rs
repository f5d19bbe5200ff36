//! Answer models written back out as JSON read back equal (issue 22 item 6): the
//! example of every schema in openapi.json is decoded, serialized, decoded again and
//! compared.

use salad_imds::models::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Debug;

/// Decoded, written, decoded again: equal. Returns the written JSON.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(what: &str, v: &Value) -> Value {
    let first: T = serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("{what}: the example does not decode: {e}"));
    let written = serde_json::to_value(&first)
        .unwrap_or_else(|e| panic!("{what}: the model does not serialize: {e}"));
    let second: T = serde_json::from_value(written.clone())
        .unwrap_or_else(|e| panic!("{what}: the written JSON does not decode: {e}\n{written}"));
    assert_eq!(
        first, second,
        "{what}: differs after a round trip\n{written}"
    );
    written
}

/// Round-trips `v` as the model `schema` names; false for a name not listed here.
fn by_schema(schema: &str, v: &Value) -> bool {
    macro_rules! models {
        ($($t:ident),*) => {
            match schema {
                $(stringify!($t) => { round_trip::<$t>(schema, v); true })*
                _ => false,
            }
        };
    }
    models!(Status, Token, ReallocatePrototype, DeletionCost, Problem)
}

#[test]
fn every_schema_example_round_trips() {
    let spec: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .expect("the spec has schemas");
    let mut seen = 0;
    for (name, schema) in schemas {
        if let Some(example) = schema.get("example") {
            assert!(
                by_schema(name, example),
                "{name}: add the model to the list"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 5, "the number of examples changed: update the list");
}
