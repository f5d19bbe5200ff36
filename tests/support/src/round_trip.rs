//! Answer models written back out as JSON must read back equal: the helpers
//! each API crate's `model_roundtrip` test drives over its spec's examples.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Decodes `v` as `T`, serializes it, decodes that again and asserts the two
/// values equal. Returns the written JSON; `what` names the case in a failure.
pub fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(
    what: &str,
    v: &Value,
) -> Value {
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

/// The `example` of every schema under `components.schemas` of an OpenAPI
/// document (its text), by schema name, in the document's order.
pub fn schema_examples(openapi: &str) -> Vec<(String, Value)> {
    let spec: Value = serde_json::from_str(openapi).expect("the spec is JSON");
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .expect("the spec has components.schemas");
    schemas
        .iter()
        .filter_map(|(name, schema)| Some((name.clone(), schema.get("example")?.clone())))
        .collect()
}

/// Round-trips every schema example of `openapi` through `by_schema` (which
/// answers false for a schema it has no model for), and checks there are
/// `expected` of them, so that a new example cannot go untested.
pub fn every_schema_example(
    openapi: &str,
    expected: usize,
    by_schema: impl Fn(&str, &Value) -> bool,
) {
    let examples = schema_examples(openapi);
    for (name, example) in &examples {
        assert!(
            by_schema(name, example),
            "{name}: add the model to the list"
        );
    }
    assert_eq!(
        examples.len(),
        expected,
        "the number of examples changed: update the list"
    );
}
