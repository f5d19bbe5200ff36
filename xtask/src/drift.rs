//! `cargo xtask spec-drift`: each crate's `openapi.json` against its upstream spec.
//!
//! For every operation and schema the crate's file contains, the facts that decide
//! what a server accepts are compared with the upstream spec: paths and methods,
//! parameters (where, required, type), and per schema its required names and, per
//! property, type, nullability, enum values, bounds, lengths, item counts and
//! pattern. Prose, examples and vendor extensions are not compared.
//!
//! Every difference fails unless its location is listed in the crate's
//! `spec-departures.txt`, one line each: the location, whitespace, the reason.
//! Lines starting with `#` are comments. A listed location that no longer
//! differs fails too, so the list cannot rot.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each crate folder and the upstream file its spec follows.
pub const CRATES: &[(&str, &str)] = &[
    ("container-registry", "rcabench-sdk-1.1.44.json"),
    ("docker-engine", "docker-engine-v1.45.json"),
    ("salad-api", "salad-cloud-api-0.9.0-alpha.17.json"),
    ("salad-imds", "salad-cloud-imds-0.9.0-alpha.3.json"),
];

/// The folder, inside the repository, that holds the vendored upstream specs.
pub const VENDORED: &str = "specs";

/// Where the upstream specs are: `--specs DIR`, else `SPEC_DRIFT_SPECS`, else the
/// vendored folder `specs/` of the workspace root (present in every clone).
pub fn specs_dir(root: &Path, flag: Option<&str>) -> PathBuf {
    match flag
        .map(String::from)
        .or_else(|| std::env::var("SPEC_DRIFT_SPECS").ok())
    {
        Some(d) => PathBuf::from(d),
        None => root.join(VENDORED),
    }
}

/// Runs the check for every crate. A missing folder or upstream file is a
/// failure, never a skip: a check that cannot run must not pass.
pub fn check(root: &Path, specs: &Path) -> Result<(), String> {
    if !specs.is_dir() {
        return Err(format!(
            "spec-drift: no upstream specs at {} (the repository vendors them in {VENDORED}/; \
             --specs or SPEC_DRIFT_SPECS name another folder)",
            specs.display()
        ));
    }
    let mut failures = Vec::new();
    for (krate, upstream) in CRATES {
        let dir = root.join("crates").join(krate);
        let up = specs.join(upstream);
        if !up.is_file() {
            failures.push(format!(
                "{krate}: upstream spec {} is missing",
                up.display()
            ));
            continue;
        }
        match check_crate(&dir, &up) {
            Ok(n) => eprintln!("spec-drift: {krate}: ok ({n} listed departures)"),
            Err(e) => failures.push(format!("{krate}:\n{e}")),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("spec-drift failed\n{}", failures.join("\n")))
    }
}

/// One crate: its spec, its departures file, the upstream spec.
pub fn check_crate(dir: &Path, upstream: &Path) -> Result<usize, String> {
    let read = |p: &Path| -> Result<Value, String> {
        let text =
            std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", p.display()))
    };
    let ours = read(&dir.join("openapi.json"))?;
    let theirs = read(upstream)?;
    let departures = read_departures(&dir.join("spec-departures.txt"))?;
    let found = differences(&ours, &theirs);
    let mut errors = Vec::new();
    for (loc, what) in &found {
        if !departures.contains_key(loc) {
            errors.push(format!("  {loc}: {what}"));
        }
    }
    for loc in departures.keys() {
        if !found.contains_key(loc) {
            errors.push(format!(
                "  {loc}: listed as a departure but no longer differs; remove the line"
            ));
        }
    }
    if errors.is_empty() {
        Ok(departures.len())
    } else {
        Err(errors.join("\n"))
    }
}

fn read_departures(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (loc, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if reason.trim().is_empty() {
            return Err(format!(
                "{}:{}: `{loc}` needs a reason after it",
                path.display(),
                i + 1
            ));
        }
        out.insert(loc.to_string(), reason.trim().to_string());
    }
    Ok(out)
}

/// Every difference, by location (`paths./x.get.parameters.query.limit.type`,
/// `schemas.Foo.properties.bar.nullable`, ...), with what differs.
pub fn differences(ours: &Value, theirs: &Value) -> BTreeMap<String, String> {
    let mut d = Diff {
        ours,
        theirs,
        out: BTreeMap::new(),
    };
    d.paths();
    d.schemas();
    d.out
}

struct Diff<'a> {
    ours: &'a Value,
    theirs: &'a Value,
    out: BTreeMap<String, String>,
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

fn schemas_of(spec: &Value) -> Option<&Map<String, Value>> {
    spec.pointer("/components/schemas")
        .or_else(|| spec.get("definitions"))
        .and_then(Value::as_object)
}

/// Follows `$ref`s (any local pointer) to what they point at.
fn follow<'v>(root: &'v Value, mut v: &'v Value) -> &'v Value {
    for _ in 0..16 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| root.pointer(p))
        {
            Some(t) => v = t,
            None => break,
        }
    }
    v
}

/// The schema of an operation's JSON body: OpenAPI 3 `requestBody`, or a
/// Swagger 2 `in: body` parameter.
fn body_schema<'v>(root: &'v Value, op: &'v Value) -> Option<&'v Value> {
    if let Some(b) = op.get("requestBody") {
        let content = follow(root, b).get("content")?.as_object()?;
        return content
            .iter()
            .find(|(k, _)| k.contains("json"))
            .and_then(|(_, m)| m.get("schema"));
    }
    op.get("parameters")?
        .as_array()?
        .iter()
        .map(|p| follow(root, p))
        .find(|p| p.get("in").and_then(Value::as_str) == Some("body"))
        .and_then(|p| p.get("schema"))
}

/// The name a `$ref` gives its target.
fn ref_name(v: &Value) -> Option<&str> {
    unwrap_all_of(v)
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
}

/// A `{ allOf: [ {$ref} ], nullable }` wrapper reads as the ref itself.
fn unwrap_all_of(v: &Value) -> &Value {
    match v.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        Some([one]) => one,
        _ => v,
    }
}

/// The facts of one schema node that decide what validates; `$ref`s are
/// followed, so a named schema and the same schema written in place agree.
fn facts(root: &Value, v: &Value) -> BTreeMap<&'static str, String> {
    let mut f = BTreeMap::new();
    let inner = follow(root, unwrap_all_of(v));
    let mut nullable = v.get("nullable") == Some(&Value::Bool(true))
        || v.get("x-nullable") == Some(&Value::Bool(true));
    let mut ty = match inner.get("type") {
        Some(Value::String(t)) => Some(t.clone()),
        Some(Value::Array(ts)) => {
            let non_null: Vec<&str> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            nullable |= non_null.len() < ts.len();
            Some(non_null.join("|"))
        }
        _ => None,
    };
    for key in ["anyOf", "oneOf"] {
        if let Some(parts) = inner.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> = parts
                .iter()
                .filter(|p| p.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            nullable |= non_null.len() < parts.len();
            if let [one] = non_null.as_slice() {
                if let Some(t) = follow(root, one).get("type").and_then(Value::as_str) {
                    ty = Some(t.to_string());
                }
            }
        }
    }
    if let Some(t) = ty {
        f.insert("type", t);
    }
    f.insert("nullable", nullable.to_string());
    if let Some(e) = inner.get("enum").and_then(Value::as_array) {
        let mut vals: Vec<String> = e
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| v.to_string())
            .collect();
        vals.sort();
        vals.dedup();
        f.insert("enum", vals.join(","));
    }
    for key in [
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "pattern",
    ] {
        if let Some(x) = inner.get(key) {
            let s = match x {
                // 10 and 10.0 are the same bound.
                Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |f| f.to_string()),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if key.starts_with("exclusive") && s == "false" {
                continue;
            }
            f.insert(key, s);
        }
    }
    f
}

impl Diff<'_> {
    fn note(&mut self, loc: String, what: String) {
        self.out.insert(loc, what);
    }

    fn paths(&mut self) {
        let Some(ours) = self.ours.get("paths").and_then(Value::as_object) else {
            return;
        };
        let theirs = self.theirs.get("paths").and_then(Value::as_object);
        for (path, item) in ours {
            let Some(up) = theirs.and_then(|t| t.get(path)) else {
                self.note(format!("paths.{path}"), "not in the upstream spec".into());
                continue;
            };
            for m in METHODS {
                let (Some(op), up_op) = (item.get(*m), up.get(*m)) else {
                    continue;
                };
                let loc = format!("paths.{path}.{m}");
                let Some(up_op) = up_op else {
                    self.note(loc, "method not in the upstream spec".into());
                    continue;
                };
                self.parameters(&loc, item, op, up, up_op);
                let (a, b) = (body_schema(self.ours, op), body_schema(self.theirs, up_op));
                if let (Some(a), Some(b)) = (a, b) {
                    self.renamed(&format!("{loc}.requestBody"), a, b, 0);
                }
            }
        }
    }

    fn params_of<'v>(root: &'v Value, item: &'v Value, op: &'v Value) -> Vec<&'v Value> {
        let mut out: Vec<&Value> = Vec::new();
        for v in [op, item] {
            for p in v
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let p = follow(root, p);
                let key = |q: &Value| (q.get("in").cloned(), q.get("name").cloned());
                if !out.iter().any(|o| key(o) == key(p)) {
                    out.push(p);
                }
            }
        }
        out
    }

    fn parameters(&mut self, loc: &str, item: &Value, op: &Value, up: &Value, up_op: &Value) {
        let ours = Self::params_of(self.ours, item, op);
        let theirs = Self::params_of(self.theirs, up, up_op);
        let key = |p: &Value| {
            format!(
                "{}.{}",
                p.get("in").and_then(Value::as_str).unwrap_or("?"),
                p.get("name").and_then(Value::as_str).unwrap_or("?")
            )
        };
        for p in &ours {
            let k = key(p);
            let at = format!("{loc}.parameters.{k}");
            let Some(q) = theirs.iter().find(|q| key(q) == k) else {
                self.note(at, "parameter not in the upstream spec".into());
                continue;
            };
            let req = |v: &Value| v.get("required") == Some(&Value::Bool(true));
            if req(p) != req(q) {
                self.note(
                    format!("{at}.required"),
                    format!("crate {}, upstream {}", req(p), req(q)),
                );
            }
            // OpenAPI 3 keeps the facts under `schema`, Swagger 2 on the parameter.
            let s = |v: &'_ Value| v.get("schema").cloned().unwrap_or_else(|| v.clone());
            let (ps, qs) = (s(p), s(q));
            self.compare_facts(&at, &ps, &qs);
        }
        for q in &theirs {
            let req = q.get("required") == Some(&Value::Bool(true));
            let body = q.get("in").and_then(Value::as_str) == Some("body");
            if req && !body && !ours.iter().any(|p| key(p) == key(q)) {
                self.note(
                    format!("{loc}.parameters.{}", key(q)),
                    "required upstream, missing in the crate".into(),
                );
            }
        }
    }

    fn compare_facts(&mut self, at: &str, ours: &Value, theirs: &Value) {
        let (a, b) = (facts(self.ours, ours), facts(self.theirs, theirs));
        let keys: BTreeSet<&&str> = a.keys().chain(b.keys()).collect();
        for k in keys {
            let (x, y) = (a.get(*k), b.get(*k));
            if x != y {
                let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "none".into());
                self.note(
                    format!("{at}.{k}"),
                    format!("crate {}, upstream {}", show(x), show(y)),
                );
            }
        }
    }

    fn schemas(&mut self) {
        let Some(ours) = schemas_of(self.ours) else {
            return;
        };
        let theirs = schemas_of(self.theirs);
        for (name, s) in ours {
            let at = format!("schemas.{name}");
            let Some(up) = theirs.and_then(|t| t.get(name)) else {
                self.note(at, "not in the upstream spec".into());
                continue;
            };
            self.schema(&at, s, up, 0);
        }
    }

    /// Compares what a crate schema stands for when upstream names it differently
    /// (or writes it inline): a schema the crate names like upstream is compared
    /// once, under `schemas.`; any other is followed and compared here.
    fn renamed(&mut self, at: &str, ours: &Value, theirs: &Value, depth: usize) {
        let same_name = ref_name(ours)
            .is_some_and(|n| schemas_of(self.theirs).is_some_and(|s| s.contains_key(n)));
        if same_name {
            return;
        }
        let (o, t) = (
            follow(self.ours, unwrap_all_of(ours)),
            follow(self.theirs, unwrap_all_of(theirs)),
        );
        // The node's own facts (with its `nullable` wrapper) were compared by the caller
        // where it has one; a body is compared whole.
        if at.ends_with(".requestBody") {
            self.compare_facts(at, ours, theirs);
        }
        self.inside(at, o, t, depth);
    }

    /// Compares a schema node and, recursively, the properties, items and map
    /// values it holds inline.
    fn schema(&mut self, at: &str, ours: &Value, theirs: &Value, depth: usize) {
        if depth > 16 {
            return;
        }
        self.compare_facts(at, ours, theirs);
        self.inside(at, ours, theirs, depth);
    }

    /// What a schema holds: required names, properties, items and map values.
    fn inside(&mut self, at: &str, ours: &Value, theirs: &Value, depth: usize) {
        let (o, t) = (unwrap_all_of(ours), unwrap_all_of(theirs));
        let o = if o.get("$ref").is_some() {
            &Value::Null
        } else {
            o
        };
        let t = if t.get("$ref").is_some() {
            &Value::Null
        } else {
            t
        };
        let req = |v: &Value| -> BTreeSet<String> {
            v.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        };
        let (ro, rt) = (req(o), req(t));
        let props = |v: &Value| v.get("properties").and_then(Value::as_object).cloned();
        let (po, pt) = (props(o).unwrap_or_default(), props(t).unwrap_or_default());
        for name in ro.symmetric_difference(&rt) {
            // A property the crate leaves out is only a departure if upstream requires it.
            if po.contains_key(name) || rt.contains(name) {
                self.note(
                    format!("{at}.required.{name}"),
                    if rt.contains(name) {
                        "required upstream, optional in the crate".into()
                    } else {
                        "required in the crate, optional upstream".into()
                    },
                );
            }
        }
        for (name, p) in &po {
            let loc = format!("{at}.properties.{name}");
            match pt.get(name) {
                Some(q) if ref_name(p).is_some() => {
                    self.compare_facts(&loc, p, q);
                    self.renamed(&loc, p, q, depth + 1);
                }
                Some(q) => self.schema(&loc, p, q, depth + 1),
                None => self.note(loc, "property not in the upstream spec".into()),
            }
        }
        for (key, suffix) in [("items", "[]"), ("additionalProperties", "{}")] {
            if let (Some(a), Some(b)) = (o.get(key), t.get(key)) {
                if a.is_object() && b.is_object() {
                    self.schema(&format!("{at}{suffix}"), a, b, depth + 1);
                }
            }
        }
    }
}
