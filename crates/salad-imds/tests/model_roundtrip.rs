//! Answer models written back out as JSON read back equal (issue 22 item 6): the
//! example of every schema in openapi.json is decoded, serialized, decoded again and
//! compared.

use salad_imds::models::*;
use serde_json::Value;
use workspace_test_support::{every_schema_example, round_trip};

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
    every_schema_example(include_str!("../openapi.json"), 5, by_schema);
}
