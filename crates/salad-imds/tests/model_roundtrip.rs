//! Answer models written back out as JSON read back equal (issue 22 item 6): the
//! example of every schema in openapi.json is decoded, serialized, decoded again and
//! compared.

use salad_imds::models::*;
use serde_json::Value;
use workspace_test_support::{round_trip, schema_examples};

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
    let examples = schema_examples(include_str!("../openapi.json"));
    for (name, example) in &examples {
        assert!(
            by_schema(name, example),
            "{name}: add the model to the list"
        );
    }
    assert_eq!(
        examples.len(),
        5,
        "the number of examples changed: update the list"
    );
}
