//! Request-body conformance against the upstream specs (issue 11).
//!
//! For each request model of a crate: a rich body (the crate's own example, or
//! one built from its schema) and each field at its extremes (absent, `null`
//! where the crate allows it, min, max, one past each bound, an unknown enum
//! value, a character ECMA-262's `.` refuses) go through the typed model
//! (decode, serialize), and what would be sent is validated against the
//! UPSTREAM schema with a JSON Schema validator. The rule checked everywhere:
//! the local checks (`Validate`) accept exactly what the upstream validator
//! accepts, except where the crate's departures file says why it differs.
//! Bodies at the bounds the spec allows must also be accepted upstream.

#![allow(dead_code)] // each test file uses its part

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The upstream specs: `SPEC_DRIFT_SPECS`, else the repository's vendored
/// `specs/` folder (present in every clone).
pub fn specs_dir() -> PathBuf {
    match std::env::var_os("SPEC_DRIFT_SPECS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs"),
    }
}

/// Loads an upstream spec. A missing file fails the test that needs it: a
/// conformance check that cannot run must not pass.
pub fn upstream(file: &str) -> Value {
    let path = specs_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the upstream spec {} cannot be read ({e}); the repository vendors it in specs/",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("upstream spec is JSON")
}

fn absent<T>(why: &str) -> Option<T> {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("conformance: {why} (CI is set, so this is a failure)");
    }
    eprintln!("skipped: {why}");
    None
}

/// A crate's own openapi.json.
pub fn own_spec(krate: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates")
        .join(krate)
        .join("openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Rewrites OpenAPI 3.0 `nullable: true` into JSON Schema (`null` allowed),
/// so one validator reads 3.0 and 3.1 documents alike.
fn json_schema_of(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(json_schema_of).collect()),
        Value::Object(o) => {
            let mut o: Map<String, Value> = o
                .iter()
                .map(|(k, v)| (k.clone(), json_schema_of(v)))
                .collect();
            // OpenAPI 3.1 writers put `null` in `type` and leave it out of
            // `enum` (`ContainerProbeHttpScheme`): the enum lists the other
            // values, the type says null is allowed, so it is.
            let null_typed = o
                .get("type")
                .and_then(Value::as_array)
                .is_some_and(|ts| ts.contains(&json!("null")));
            if null_typed {
                if let Some(Value::Array(e)) = o.get_mut("enum") {
                    if !e.contains(&Value::Null) {
                        e.push(Value::Null);
                    }
                }
            }
            if o.remove("nullable") != Some(Value::Bool(true)) {
                return Value::Object(o);
            }
            if let Some(Value::Array(e)) = o.get_mut("enum") {
                e.push(Value::Null);
            }
            match o.get("type").cloned() {
                Some(Value::String(t)) => {
                    o.insert("type".into(), json!([t, "null"]));
                    Value::Object(o)
                }
                Some(Value::Array(mut ts)) => {
                    ts.push(json!("null"));
                    o.insert("type".into(), Value::Array(ts));
                    Value::Object(o)
                }
                _ => json!({ "anyOf": [Value::Object(o), { "type": "null" }] }),
            }
        }
        other => other.clone(),
    }
}

/// Follows `$ref`s (`#/...`) within one document.
fn deref<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                v = doc
                    .pointer(r.trim_start_matches('#'))
                    .expect("$ref resolves")
            }
            None => break,
        }
    }
    v
}

/// The JSON body schema of an operation (through `requestBody` refs).
fn body_schema<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} not in the spec");
    let body = deref(doc, &op["requestBody"]);
    let content = body["content"].as_object().expect("a request body");
    let media = content
        .iter()
        .find(|(ct, _)| ct.contains("json") || ct.as_str() == "*/*")
        .map(|(_, m)| m)
        .expect("a JSON body");
    &media["schema"]
}

/// A compiled upstream validator for one operation's body.
pub struct UpstreamBody(jsonschema::Validator);

impl UpstreamBody {
    /// Compiles the body schema of `method path`, its `$ref`s resolved
    /// against the whole upstream document.
    pub fn new(doc: &Value, path: &str, method: &str) -> Self {
        let mut root = json_schema_of(body_schema(doc, path, method));
        if let Value::Object(o) = &mut root {
            o.insert("components".into(), json_schema_of(&doc["components"]));
        } else {
            root = json!({ "allOf": [root], "components": json_schema_of(&doc["components"]) });
        }
        let v = jsonschema::draft202012::new(&root)
            .unwrap_or_else(|e| panic!("upstream schema of {method} {path}: {e}"));
        UpstreamBody(v)
    }

    /// `Ok` or the validator's first complaint.
    pub fn check(&self, body: &Value) -> Result<(), String> {
        match self.0.iter_errors(body).next() {
            None => Ok(()),
            Some(e) => Err(format!("{e} at {}", e.instance_path)),
        }
    }
}

/// What the typed model does with a JSON body: decode it, re-serialize it
/// (what would be sent) and run the local checks.
pub type Typed = fn(&Value) -> Result<(Value, Result<(), String>), String>;

/// [`Typed`] for one model type.
pub fn typed<T>(body: &Value) -> Result<(Value, Result<(), String>), String>
where
    T: serde::de::DeserializeOwned + serde::Serialize + api_client_transport::Validate,
{
    let model: T = serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
    let sent = serde_json::to_value(&model).unwrap();
    Ok((sent, model.validate().map_err(|e| e.to_string())))
}

/// One request model of a crate: the operation that sends it and its type.
pub struct Model {
    pub path: &'static str,
    pub method: &'static str,
    pub typed: Typed,
    /// A rich, valid body when the crate's openapi.json has no example.
    pub rich: Option<Value>,
}

/// Field locations (`a.b[0].c`) where the crate's checks knowingly differ
/// from upstream, each backed by a line of the crate's departures file.
pub type Known = &'static [&'static str];

/// One variant of a body: what changed and whether the spec allows it.
struct Variant {
    what: String,
    body: Value,
    /// `Some(true)`: the spec allows it, the upstream validator must agree.
    allowed: Option<bool>,
    /// A pattern case the validator cannot judge (its regex is not
    /// ECMA-262): the local checks are held to `allowed` instead.
    ecma: bool,
}

/// A key removed from the upstream document before validating, where the
/// upstream spec is itself broken (each one explained in the crate's
/// departures file): a JSON pointer to the key.
pub type Repairs = &'static [&'static str];

/// Runs every model of a crate; panics with every disagreement found.
pub fn run(krate: &str, upstream_file: &str, models: &[Model], known: Known, repairs: Repairs) {
    let failures = disagreements(krate, upstream_file, models, known, repairs);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every disagreement found.
pub fn disagreements(
    krate: &str,
    upstream_file: &str,
    models: &[Model],
    known: Known,
    repairs: Repairs,
) -> Vec<String> {
    let mut up = upstream(upstream_file);
    for at in repairs {
        let (parent, key) = at.rsplit_once('/').unwrap();
        let removed = up
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove(key));
        assert!(
            removed.is_some(),
            "repair {at}: nothing there (upstream fixed? drop it)"
        );
    }
    let own = own_spec(krate);
    let mut failures = Vec::new();
    let mut checked = 0;
    for m in models {
        let validator = UpstreamBody::new(&up, m.path, m.method);
        let schema = body_schema(&own, m.path, m.method);
        let rich = m
            .rich
            .clone()
            .or_else(|| example_of(&own, m.path, m.method))
            .unwrap_or_else(|| sample(&own, schema, 0));
        let mut variants = vec![Variant {
            what: "rich body".into(),
            body: rich.clone(),
            allowed: Some(true),
            ecma: false,
        }];
        extremes(&own, schema, &rich, &mut Vec::new(), &rich, &mut variants);
        for v in variants {
            checked += 1;
            let at = format!("{} {} {}: {}", m.method, m.path, krate, v.what);
            let (sent, local) = match (m.typed)(&v.body) {
                Ok(x) => x,
                Err(e) => {
                    // The model cannot even hold it: fine for what the spec forbids.
                    if v.allowed == Some(true) {
                        failures.push(format!("{at}: the model cannot hold an allowed body: {e}"));
                    }
                    continue;
                }
            };
            if v.ecma {
                if let Some(allowed) = v.allowed {
                    if local.is_ok() != allowed {
                        failures.push(format!(
                            "{at}: ECMA-262 says allowed={allowed}, local checks say {local:?}"
                        ));
                    }
                }
                continue;
            }
            let upstream = validator.check(&sent);
            if v.allowed == Some(true) {
                if let Err(e) = &upstream {
                    failures.push(format!(
                        "{at}: allowed, but upstream refuses what is sent: {e}"
                    ));
                }
            }
            if upstream.is_ok() != local.is_ok() && !known.iter().any(|k| v.what.contains(k)) {
                failures.push(format!(
                    "{at}: upstream says {:?}, local checks say {:?}",
                    upstream.err(),
                    local.err()
                ));
            }
        }
    }
    assert!(checked > models.len(), "variants were generated");
    eprintln!("{krate}: {checked} bodies checked against {upstream_file}");
    failures
}

/// The example the crate's openapi.json gives for an operation's body.
fn example_of(doc: &Value, path: &str, method: &str) -> Option<Value> {
    let content = doc["paths"][path][method]["requestBody"]["content"].as_object()?;
    let media = content.values().next()?;
    media.get("example").cloned().or_else(|| {
        media["examples"]
            .as_object()?
            .values()
            .next()
            .map(|e| e["value"].clone())
    })
}

/// The schema a node stands for: `$ref` followed, a single `allOf` unwrapped.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = deref(doc, v);
    for _ in 0..8 {
        match v.get("allOf").and_then(Value::as_array) {
            Some(a) if a.len() == 1 => v = deref(doc, &a[0]),
            _ => break,
        }
    }
    v
}

fn is_nullable(doc: &Value, v: &Value) -> bool {
    v.get("nullable") == Some(&Value::Bool(true))
        || resolve(doc, v).get("nullable") == Some(&Value::Bool(true))
}

/// The shortest URL [`filler`] writes.
const URL_BASE: &str = "https://a.io/";

fn is_url(s: &Value) -> bool {
    matches!(s["format"].as_str(), Some("url" | "uri"))
}

/// A string of `n` characters for a string schema: `format: url`/`uri` fields
/// get an http(s) URL padded with `a`s when `n` leaves room for one (upstream
/// and the crate both take only URLs there); otherwise `a`s.
fn filler(s: &Value, n: usize) -> String {
    if is_url(s) && n >= URL_BASE.len() {
        return format!("{URL_BASE}{}", "a".repeat(n - URL_BASE.len()));
    }
    "a".repeat(n)
}

/// A valid value for a schema (used where the crate gives no example).
fn sample(doc: &Value, s: &Value, depth: usize) -> Value {
    let s = resolve(doc, s);
    if let Some(e) = s.get("example") {
        return e.clone();
    }
    if let Some(e) = s.get("enum").and_then(|e| e.get(0)) {
        return e.clone();
    }
    let kind = s.get("type").and_then(Value::as_str).unwrap_or("object");
    match kind {
        "string" => {
            let n = s["minLength"].as_u64().unwrap_or(1).max(1) as usize;
            Value::String("a".repeat(n))
        }
        "integer" | "number" => s.get("minimum").cloned().unwrap_or(json!(1)),
        "boolean" => json!(true),
        "array" if depth < 6 => json!([sample(doc, &s["items"], depth + 1)]),
        "array" => json!([]),
        _ => {
            let mut o = Map::new();
            if let (Some(props), true) = (s["properties"].as_object(), depth < 6) {
                for (k, p) in props {
                    o.insert(k.clone(), sample(doc, p, depth + 1));
                }
            }
            Value::Object(o)
        }
    }
}

fn set_at(root: &Value, path: &[Step], new: Option<Value>) -> Value {
    let mut out = root.clone();
    let mut cur = &mut out;
    for (i, step) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match step {
            Step::Key(k) => {
                let o = cur.as_object_mut().unwrap();
                if last {
                    match new {
                        Some(v) => {
                            o.insert(k.clone(), v);
                        }
                        None => {
                            o.remove(k);
                        }
                    }
                    return out;
                }
                cur = o.get_mut(k).unwrap();
            }
            Step::Index(n) => {
                let a = cur.as_array_mut().unwrap();
                if last {
                    match new {
                        Some(v) => a[*n] = v,
                        None => {
                            a.remove(*n);
                        }
                    }
                    return out;
                }
                cur = &mut a[*n];
            }
        }
    }
    out
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn show(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Key(k) if s.is_empty() => s.push_str(k),
            Step::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Step::Index(n) => s.push_str(&format!("[{n}]")),
        }
    }
    s
}

/// Pushes the extremes of every field under `value` (walked along `schema`).
fn extremes(
    doc: &Value,
    schema: &Value,
    value: &Value,
    path: &mut Vec<Step>,
    root: &Value,
    out: &mut Vec<Variant>,
) {
    let s = resolve(doc, schema);
    let mut ecma = Vec::new();
    let mut push = |what: String, new: Option<Value>, allowed: Option<bool>, path: &[Step]| {
        out.push(Variant {
            what: format!("{} {what}", show(path)),
            body: set_at(root, path, new),
            allowed,
            ecma: false,
        });
    };
    if !path.is_empty() {
        if is_nullable(doc, schema) {
            push("null".into(), Some(Value::Null), Some(true), path);
        }
        let free = s.get("pattern").is_none() || s["pattern"] == "^.*$" || s["pattern"] == ".*";
        if let Some(n) = s["minLength"].as_u64() {
            // No URL is that short: a valid value at this bound does not exist.
            if free && !(is_url(s) && (n as usize) < URL_BASE.len()) {
                push(
                    format!("at minLength {n}"),
                    Some(json!(filler(s, n as usize))),
                    Some(true),
                    path,
                );
            }
            if n > 0 {
                push(
                    format!("below minLength {n}"),
                    Some(json!(filler(s, n as usize - 1))),
                    Some(false),
                    path,
                );
            }
        }
        if let Some(n) = s["maxLength"].as_u64() {
            // Huge bounds (a 10 MB field) are tried just past the bound only.
            if free && n <= 100_000 {
                push(
                    format!("at maxLength {n}"),
                    Some(json!(filler(s, n as usize))),
                    Some(true),
                    path,
                );
            }
            if n <= 100_000 {
                push(
                    format!("above maxLength {n}"),
                    Some(json!(filler(s, n as usize + 1))),
                    Some(false),
                    path,
                );
            }
        }
        if let Some(p) = s["pattern"].as_str() {
            if let Some(base) = value.as_str() {
                // ECMA-262's `.` and `$` refuse a line terminator. The
                // validator's regex follows Rust, not ECMA-262, so the
                // expectation is stated here for the one pattern where it is
                // certain: `^.*$` refuses any line terminator.
                let expect = if p == "^.*$" { Some(false) } else { None };
                for c in ['\r', '\u{2028}'] {
                    let mut v = base.to_string();
                    v.push(c);
                    ecma.push(Variant {
                        what: format!("{} with {c:?} against {p}", show(path)),
                        body: set_at(root, path, Some(json!(v))),
                        allowed: expect,
                        ecma: true,
                    });
                }
            }
        }
        for (k, step) in [("minimum", -1.0), ("maximum", 1.0)] {
            if let Some(b) = s[k].as_f64() {
                let int = s["type"] == "integer";
                let at = if int { json!(b as i64) } else { json!(b) };
                let past = if int {
                    json!(b as i64 + step as i64)
                } else {
                    json!(b + step)
                };
                push(format!("at {k} {b}"), Some(at), Some(true), path);
                push(format!("past {k} {b}"), Some(past), Some(false), path);
            }
        }
        if let Some(e) = s["enum"].as_array() {
            let unknown = if e.iter().all(Value::is_number) {
                json!(987_654)
            } else {
                json!("zz-not-a-known-value")
            };
            push(
                "an unknown enum value".into(),
                Some(unknown),
                Some(false),
                path,
            );
        }
        if let Some(n) = s["minItems"].as_u64() {
            if n > 0 {
                push(
                    format!("below minItems {n}"),
                    Some(json!([])),
                    Some(false),
                    path,
                );
            }
        }
    }
    out.append(&mut ecma);
    match value {
        Value::Object(o) => {
            let required: Vec<&str> = s["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let props = s["properties"].as_object();
            for (k, v) in o {
                let Some(p) = props
                    .and_then(|p| p.get(k))
                    .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
                else {
                    continue;
                };
                path.push(Step::Key(k.clone()));
                if props.is_some_and(|p| p.contains_key(k)) && !required.contains(&k.as_str()) {
                    out.push(Variant {
                        what: format!("{} absent", show(path)),
                        body: set_at(root, path, None),
                        allowed: Some(true),
                        ecma: false,
                    });
                }
                if path.len() < 8 {
                    extremes(doc, p, v, path, root, out);
                }
                path.pop();
            }
        }
        Value::Array(a) => {
            if let (Some(first), Some(items)) = (a.first(), s.get("items")) {
                path.push(Step::Index(0));
                extremes(doc, items, first, path, root, out);
                path.pop();
            }
        }
        _ => {}
    }
}
