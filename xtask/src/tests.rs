//! Tests of the generator on its fixtures and of the checks on the real workspace.

use crate::{codegen, coverage, drift, model, render};
use serde_json::json;
use std::path::PathBuf;

fn root() -> PathBuf {
    crate::workspace_root()
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "xtask-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Rust source (unformatted) for an inline spec.
fn gen(spec: serde_json::Value) -> String {
    let m = model::build(&spec).unwrap();
    render::render(&m, "test.json")
}

fn schemas(s: serde_json::Value) -> serde_json::Value {
    json!({ "openapi": "3.0.3", "info": { "title": "T", "version": "1" }, "components": { "schemas": s } })
}

#[test]
fn fixtures_match_their_goldens() {
    let root = root();
    let dir = root.join("xtask/tests/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let spec = entry.unwrap().path();
        if !spec.extension().is_some_and(|e| e == "json") {
            continue;
        }
        let rel = spec.strip_prefix(&root).unwrap();
        let code = codegen::generate(&root, rel).unwrap();
        let golden = std::fs::read_to_string(spec.with_extension("rs")).unwrap_or_default();
        if code != golden {
            let line = code
                .lines()
                .zip(golden.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{} differs from its golden at line {}:\n  generated: {:?}\n  golden:    {:?}\n\
                 (if the change is intended: cargo xtask codegen xtask)",
                rel.display(),
                line + 1,
                code.lines().nth(line),
                golden.lines().nth(line)
            );
        }
        seen += 1;
    }
    assert!(
        seen >= 2,
        "expected the OpenAPI 3 and Swagger 2 fixtures, saw {seen}"
    );
}

#[test]
fn workspace_generated_files_are_up_to_date() {
    let problems = codegen::stale(&root(), &[]).unwrap();
    assert!(
        problems.is_empty(),
        "run `cargo xtask codegen`:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_operation_of_the_workspace_has_a_doc_alias() {
    let missing = coverage::missing(&root()).unwrap();
    assert!(
        missing.is_empty(),
        "operations without #[doc(alias)]: {missing:?}"
    );
}

/// A crate dir with the petstore fixture as its openapi.json, in a temp workspace.
fn temp_workspace() -> (TempDir, PathBuf) {
    let tmp = TempDir::new("ws");
    let krate = tmp.0.join("crates/petstore");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::copy(
        root().join("xtask/tests/fixtures/petstore.json"),
        krate.join("openapi.json"),
    )
    .unwrap();
    (tmp, krate)
}

#[test]
fn check_fails_when_a_generated_file_is_edited_by_hand() {
    let (tmp, krate) = temp_workspace();
    let ws = tmp.0.as_path();
    let models = krate.join("src/generated/models.rs");

    let err = codegen::check_all(ws, &[]).unwrap_err();
    assert!(
        err.contains("missing: crates/petstore/src/generated/models.rs"),
        "{err}"
    );

    codegen::write_all(ws, &[]).unwrap();
    codegen::check_all(ws, &[]).unwrap();

    let text = std::fs::read_to_string(&models).unwrap();
    let edited = text.replacen(
        "pub struct Pet {",
        "pub struct Pet {\n    pub extra_by_hand: u8,",
        1,
    );
    assert_ne!(text, edited);
    std::fs::write(&models, edited).unwrap();
    let err = codegen::check_all(ws, &[]).unwrap_err();
    assert!(
        err.contains("stale:   crates/petstore/src/generated/models.rs"),
        "{err}"
    );
    assert!(err.contains("1 generated file(s) out of date"), "{err}");

    // A whitespace-only edit is caught as well: the file must be byte-identical.
    std::fs::write(&models, format!("{text}\n")).unwrap();
    assert!(codegen::check_all(ws, &[]).is_err());

    codegen::write_all(ws, &[]).unwrap();
    codegen::check_all(ws, &[]).unwrap();
    assert_eq!(std::fs::read_to_string(&models).unwrap(), text);

    // A spec that cannot be generated is reported, not skipped.
    let spec = krate.join("openapi.json");
    let good = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, "{").unwrap();
    let err = codegen::check_all(ws, &[]).unwrap_err();
    assert!(
        err.contains("error:   crates/petstore/openapi.json: invalid JSON"),
        "{err}"
    );

    // A generated file left behind by a removed spec is reported too.
    std::fs::remove_file(&spec).unwrap();
    let err = codegen::check_all(ws, &[]).unwrap_err();
    assert!(
        err.contains("orphan:  crates/petstore/src/generated/models.rs"),
        "{err}"
    );
    std::fs::write(&spec, good).unwrap();
    codegen::check_all(ws, &[]).unwrap();
}

#[test]
fn coverage_finds_missing_operations_and_ignores_generated_code() {
    let (tmp, krate) = temp_workspace();
    let ws = tmp.0.as_path();
    std::fs::create_dir_all(krate.join("src/generated")).unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        "#[doc(alias = \"list_pets\")]\npub fn list() {}\n#[doc(alias(\"x\", \"create_pet\"))]\npub fn create() {}\n",
    )
    .unwrap();
    // Aliases inside src/generated/ do not count.
    std::fs::write(
        krate.join("src/generated/models.rs"),
        "#[doc(alias = \"update_pet\")]\n",
    )
    .unwrap();
    let missing = coverage::missing(ws).unwrap();
    assert_eq!(
        missing,
        vec![("petstore".to_string(), vec!["update_pet".to_string()])]
    );
    let err = coverage::check(ws).unwrap_err();
    assert!(
        err.contains("petstore: 1 operation(s)") && err.contains("update_pet"),
        "{err}"
    );

    // A fn named like the operation, or like its snake_case form, counts too.
    std::fs::write(krate.join("src/more.rs"), "pub async fn update_pet() {}\n").unwrap();
    coverage::check(ws).unwrap();
    std::fs::write(
        krate.join("src/more.rs"),
        "pub async fn update_pet_x() {}\n",
    )
    .unwrap();
    assert!(coverage::check(ws).is_err());
    let spec = krate.join("openapi.json");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("\"update_pet\"", "\"UpdatePetX\"")).unwrap();
    coverage::check(ws).unwrap();
    std::fs::write(&spec, text).unwrap();

    std::fs::write(
        krate.join("src/patch.rs"),
        "#[doc(alias = \"update_pet\")]\nfn f() {}\n",
    )
    .unwrap();
    coverage::check(ws).unwrap();
}

#[test]
fn a_fn_named_like_the_operation_counts() {
    let names =
        coverage::fn_names("pub async fn login(&self) {}\nfn  other<T>() {}\nlet x = notfn y;");
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["login", "other"]);
}

#[test]
fn aliases_are_parsed_in_both_forms() {
    let a =
        coverage::aliases("#[doc(alias = \"a\")] #[doc(alias(\"b\", \"c\"))] #[doc = \"alias\"]");
    assert_eq!(a.into_iter().collect::<Vec<_>>(), ["a", "b", "c"]);
}

#[test]
fn swagger2_refs_and_x_nullable() {
    let code = gen(json!({
        "swagger": "2.0",
        "definitions": {
            "State": { "type": "object", "x-nullable": true, "properties": { "Running": { "type": "boolean" } } },
            "Info": {
                "type": "object",
                "required": ["State", "Name"],
                "properties": {
                    "State": { "$ref": "#/definitions/State" },
                    "Name": { "type": "string", "x-nullable": true }
                }
            }
        }
    }));
    // Required but nullable: an Option that is still sent (as null), so no skip.
    // PascalCase wire names: one rename_all instead of a rename per field.
    assert!(
        code.contains("#[serde(rename_all = \"PascalCase\")]\npub struct Info {"),
        "{code}"
    );
    assert!(
        code.contains("field.\n    pub state: Option<State>,"),
        "{code}"
    );
    assert!(
        code.contains("field.\n    pub name: Option<String>,"),
        "{code}"
    );
}

#[test]
fn openapi_31_type_arrays_and_any_of_null() {
    let code = gen(schemas(json!({
        "A": { "type": "object", "required": ["x", "y"], "properties": {
            "x": { "type": ["null", "array"], "items": { "type": "string" } },
            "y": { "anyOf": [{ "$ref": "#/components/schemas/B" }, { "type": "null" }] },
            "z": { "oneOf": [{ "type": "string" }, { "type": "integer" }] }
        } },
        "B": { "type": "string", "enum": ["b"] }
    })));
    assert!(code.contains("pub x: Option<Vec<String>>,"), "{code}");
    assert!(code.contains("pub y: Option<B>,"), "{code}");
    assert!(code.contains("pub z: Option<serde_json::Value>,"), "{code}");
}

#[test]
fn names_are_made_rust_and_unique() {
    let code = gen(schemas(json!({
        "dto.Item-list": { "type": "object", "properties": {
            "type": { "type": "string" },
            "Id": { "type": "string" },
            "ID": { "type": "string" },
            "self": { "type": "string" },
            "3d": { "type": "boolean" }
        } },
        "DtoItemList": { "type": "object", "properties": { "a": { "type": "string" } } },
        "Result": { "type": "string" },
        "Mode": { "type": "string", "enum": ["a-b", "A_B", "unknown", "", "2x"] }
    })));
    assert!(code.contains("pub struct DtoItemList {"), "{code}");
    assert!(code.contains("pub struct DtoItemList2 {"), "{code}");
    assert!(code.contains("pub r#type: Option<String>,"), "{code}");
    assert!(code.contains("#[serde(rename = \"Id\""), "{code}");
    assert!(
        code.contains("pub id: Option<String>,") && code.contains("pub id2: Option<String>,"),
        "{code}"
    );
    assert!(
        code.contains("#[serde(rename = \"self\"") && code.contains("pub self_: Option<String>"),
        "{code}"
    );
    assert!(code.contains("pub v3d: Option<bool>,"), "{code}");
    assert!(code.contains("pub type Result2 = String;"), "{code}");
    for v in [
        "AB,",
        "AB2,",
        "UnknownValue,",
        "Empty,",
        "V2x,",
        "Unknown(api_client_transport::UnknownValue),",
    ] {
        assert!(code.contains(v), "{v} missing in {code}");
    }
}

#[test]
fn docs_are_made_safe_for_rustdoc_and_clippy() {
    let mut out = String::new();
    render::doc(
        "Intro [x] <b> see https://a.example/b.\n\n    indented code\n- item one\ncontinued\n\n```\nfn main() {}\n```",
        "",
        &mut out,
    );
    assert_eq!(
        out,
        "/// Intro \\[x\\] \\<b\\> see <https://a.example/b>.\n///\n/// indented code\n/// - item one\n///   continued\n///\n/// ```text\n/// fn main() {}\n/// ```\n"
    );
}

#[test]
fn bounds_exclusive_and_formats() {
    let code = gen(schemas(json!({
        "A": { "type": "object", "required": ["a", "b", "c", "d", "e"], "properties": {
            "a": { "type": "integer", "minimum": 1, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": true },
            "b": { "type": "integer", "format": "int64", "exclusiveMinimum": 0 },
            "c": { "type": "number", "maximum": 1.5 },
            "d": { "type": "string", "format": "uuid" },
            "e": { "type": "array", "minItems": 1, "items": { "type": "integer", "format": "int32", "maximum": 5 } }
        } }
    })));
    assert!(
        code.contains("range_i64(f, self.a, Some(2), Some(9))"),
        "{code}"
    );
    assert!(
        code.contains("range_i64(f, self.b, Some(1), None)"),
        "{code}"
    );
    assert!(
        code.contains("range_f64(f, self.c, None, Some(1.5))"),
        "{code}"
    );
    assert!(code.contains("pub d: uuid::Uuid,"), "{code}");
    assert!(
        code.contains("items(f, self.e.len(), Some(1), None)"),
        "{code}"
    );
    assert!(
        code.contains("range_i64(f, i64::from(*v), None, Some(5))"),
        "{code}"
    );
    // Every required field has a Default, so the struct derives it.
    assert!(
        code.contains("PartialEq, Default, serde::Serialize"),
        "{code}"
    );
}

#[test]
fn models_without_checks_get_an_empty_validate() {
    let code = gen(schemas(json!({
        "Leaf": { "type": "object", "properties": { "a": { "type": "string" } } },
        "Tree": { "type": "object", "properties": { "leaf": { "$ref": "#/components/schemas/Leaf" } } }
    })));
    // Nothing to check anywhere: no recursion into Leaf, and `path` is marked used.
    assert_eq!(code.matches("let _ = path;").count(), 2, "{code}");
    assert!(!code.contains("validate_at(&self.leaf"), "{code}");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let root = root();
    let tmp = TempDir::new("bad");
    std::fs::write(tmp.0.join("bad.json"), "{ not json").unwrap();
    let err = codegen::generate(&root, &tmp.0.join("bad.json")).unwrap_err();
    assert!(err.contains("invalid JSON"), "{err}");
    assert!(model::build(&json!({ "definitions": [] })).is_err());
    // A pattern api-client-transport cannot translate or compile is caught
    // here, naming the schema, the field and why.
    let spec = schemas(json!({ "A": { "type": "string", "pattern": "^(?=x)" } }));
    let err = model::build(&spec).err().unwrap();
    assert!(
        err.contains(
            "schema `A`: pattern `^(?=x)` is not supported by api-client-transport: lookahead"
        ),
        "{err}"
    );
    let spec = schemas(json!({ "B": { "type": "object", "properties": {
        "inner": { "type": "object", "properties": {
            "tags": { "type": "array", "items": { "type": "string", "pattern": "^(a)\\1$" } }
        } },
        "size": { "type": "string", "pattern": "^a{100000000}$" }
    } } }));
    let err = model::build(&spec).err().unwrap();
    assert!(
        err.contains("schema `B`, field `inner.tags`: pattern `^(a)\\1$` is not supported by api-client-transport: backreferences"),
        "{err}"
    );
    assert!(
        err.contains("schema `B`, field `size`: pattern `^a{100000000}$` is not supported by api-client-transport: regex-lite refuses"),
        "{err}"
    );
    // Annex B's literal braces are refused (patterns read with the `u` flag);
    // `[^]` and the other ECMA-only forms translate.
    let spec = schemas(json!({ "C": { "type": "string", "pattern": "^[^]a{,2}$" } }));
    assert!(model::build(&spec).err().unwrap().contains("lone `{`"));
    let spec = schemas(json!({ "D": { "type": "string", "pattern": "^[^]\\s\\/a{0,2}.$" } }));
    assert!(model::build(&spec).is_ok());
    // codegen names the crate's spec file before the schema.
    let tmp = TempDir::new("badpattern");
    std::fs::write(
        tmp.0.join("openapi.json"),
        serde_json::to_string(&schemas(
            json!({ "E": { "type": "string", "pattern": "\\p{L}" } }),
        ))
        .unwrap(),
    )
    .unwrap();
    let err = codegen::generate(&root, &tmp.0.join("openapi.json")).unwrap_err();
    assert!(
        err.contains("openapi.json: schema `E`: pattern `\\p{L}` is not supported"),
        "{err}"
    );
    // Odd but valid shapes just become free-form values.
    let code = gen(schemas(json!({
        "Odd": { "type": "object", "properties": { "a": true, "b": { "$ref": "#/nowhere" }, "c": { "type": "file" } } },
        "Loop": { "$ref": "#/components/schemas/Loop" }
    })));
    assert!(code.contains("pub a: Option<serde_json::Value>"), "{code}");
}

#[test]
fn structs_that_hold_themselves_are_boxed_and_repeated_enum_values_dropped() {
    let code = gen(schemas(json!({
        "Node": { "type": "object", "properties": {
            "next": { "$ref": "#/components/schemas/Node" },
            "children": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } },
            "pair": { "$ref": "#/components/schemas/Pair" }
        } },
        "Pair": { "type": "object", "required": ["back"], "properties": {
            "back": { "$ref": "#/components/schemas/Node" }
        } },
        "E": { "type": "string", "enum": ["a", "b", "a"] },
        "I": { "type": "integer", "enum": [1, 1, 2] }
    })));
    assert!(code.contains("pub next: Option<Box<Node>>,"), "{code}");
    assert!(code.contains("pub children: Option<Vec<Node>>,"), "{code}");
    // One box per cycle is enough: Node -> Pair -> Node is closed at Pair.back.
    assert!(code.contains("pub pair: Option<Pair>,"), "{code}");
    assert!(code.contains("pub back: Box<Node>,"), "{code}");
    assert_eq!(code.matches("\"a\" => Self::A,").count(), 1, "{code}");
    assert_eq!(code.matches("1 => Self::").count(), 1, "{code}");
}

/// The upstream specs (vendored in specs/) are far larger and wordier than ours:
/// everything in them must still come out as valid, formatted Rust.
#[test]
fn upstream_specs_generate() {
    let dir = drift::specs_dir(&root(), None);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "the vendored specs at {} cannot be read: {e}",
            dir.display()
        )
    });
    let mut n = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            let code = codegen::generate(&root(), &p).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                code.contains("impl api_client_transport::Validate for "),
                "{}",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n >= 4, "only {n} upstream specs in {}", dir.display());
}

#[test]
fn all_of_wrapping_an_enum_and_maps_with_empty_properties() {
    let code = gen(schemas(json!({
        "Wrapped": { "description": "d", "allOf": [{ "type": "string", "enum": ["x", "y"] }] },
        "Labels": { "type": "object", "properties": {}, "additionalProperties": { "type": "string" } },
        "Empty": { "type": "object", "properties": {} }
    })));
    assert!(
        code.contains("pub enum Wrapped {") && code.contains("    X,\n"),
        "{code}"
    );
    assert!(
        code.contains("pub type Labels = std::collections::BTreeMap<String, String>;"),
        "{code}"
    );
    assert!(code.contains("pub struct Empty {\n}"), "{code}");
}

#[test]
fn deserialize_with_keeps_the_type_and_defaults_a_missing_field() {
    let code = gen(schemas(json!({
        "Config": { "type": "object", "properties": {
            "Cmd": { "type": "array", "items": { "type": "string" },
                     "x-deserialize-with": "crate::tolerant::string_or_list" }
        } }
    })));
    assert!(
        code.contains("default, deserialize_with = \"crate::tolerant::string_or_list\""),
        "{code}"
    );
    assert!(code.contains("pub cmd: Option<Vec<String>>"), "{code}");
}

#[test]
fn a_custom_type_for_a_string_keeps_the_string_checks() {
    let code = gen(schemas(json!({
        "Login": { "type": "object", "required": ["password"], "properties": {
            "password": { "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^.*$",
                          "x-rust-type": "api_client_transport::Secret" },
            "note": { "type": "object", "x-rust-type": "crate::Note" }
        } }
    })));
    assert!(
        code.contains("pub password: api_client_transport::Secret"),
        "{code}"
    );
    assert!(
        code.contains(
            "api_client_transport::validate::length(f, &self.password, Some(1), Some(64))"
        ),
        "{code}"
    );
    assert!(
        code.contains("api_client_transport::validate::pattern(f, &self.password"),
        "{code}"
    );
    assert!(
        !code.contains("self.note"),
        "a non-string custom type is not checked: {code}"
    );
}

/// A crate folder in a temp dir holding `spec` as its `openapi.json`.
fn drift_crate(tag: &str, spec: &serde_json::Value, departures: &str) -> TempDir {
    let dir = TempDir::new(tag);
    std::fs::write(dir.0.join("openapi.json"), spec.to_string()).unwrap();
    std::fs::write(dir.0.join("spec-departures.txt"), departures).unwrap();
    dir
}

#[test]
fn spec_drift_fails_on_a_dropped_required_entry_unless_listed() {
    let upstream_spec = json!({
        "openapi": "3.0.3",
        "paths": { "/x": { "post": { "parameters": [
            { "in": "query", "name": "n", "required": true, "schema": { "type": "integer", "minimum": 1 } }
        ] } } },
        "components": { "schemas": { "A": { "type": "object", "required": ["x"], "properties": {
            "x": { "type": "string", "pattern": "^a$", "nullable": true }
        } } } }
    });
    let up = TempDir::new("drift-up");
    let up_file = up.0.join("up.json");
    std::fs::write(&up_file, upstream_spec.to_string()).unwrap();

    let same = drift_crate("drift-same", &upstream_spec, "");
    assert_eq!(drift::check_crate(&same.0, &up_file), Ok(0));

    let mut dropped = upstream_spec.clone();
    dropped["components"]["schemas"]["A"]["required"] = json!([]);
    let bad = drift_crate("drift-bad", &dropped, "");
    let err = drift::check_crate(&bad.0, &up_file).unwrap_err();
    assert!(err.contains("schemas.A.required.x"), "{err}");

    let listed = drift_crate(
        "drift-listed",
        &dropped,
        "# a comment\nschemas.A.required.x the server fills it in\n",
    );
    assert_eq!(drift::check_crate(&listed.0, &up_file), Ok(1));

    // A departure that no longer differs is stale, and one without a reason is refused.
    let stale = drift_crate("drift-stale", &upstream_spec, "schemas.A.required.x gone\n");
    let err = drift::check_crate(&stale.0, &up_file).unwrap_err();
    assert!(err.contains("no longer differs"), "{err}");
    let bare = drift_crate("drift-bare", &dropped, "schemas.A.required.x\n");
    assert!(drift::check_crate(&bare.0, &up_file)
        .unwrap_err()
        .contains("needs a reason"));

    // Each kind of fact is seen.
    let mut changed = upstream_spec.clone();
    changed["components"]["schemas"]["A"]["properties"]["x"] =
        json!({ "type": "string", "pattern": "^b$" });
    changed["paths"]["/x"]["post"]["parameters"][0]["required"] = json!(false);
    changed["paths"]["/x"]["post"]["parameters"][0]["schema"]["minimum"] = json!(0);
    let found = drift::differences(&changed, &upstream_spec);
    for loc in [
        "schemas.A.properties.x.pattern",
        "schemas.A.properties.x.nullable",
        "paths./x.post.parameters.query.n.required",
        "paths./x.post.parameters.query.n.minimum",
    ] {
        assert!(found.contains_key(loc), "{loc} missing in {found:?}");
    }
}

/// The default is the vendored folder of the repository; an explicit one wins; a
/// folder that is not there fails the check instead of skipping it.
#[test]
fn spec_drift_reads_the_vendored_specs_and_fails_without_them() {
    if std::env::var_os("SPEC_DRIFT_SPECS").is_none() {
        assert_eq!(drift::specs_dir(&root(), None), root().join("specs"));
    }
    assert_eq!(
        drift::specs_dir(&root(), Some("/x")),
        std::path::PathBuf::from("/x")
    );
    let empty = TempDir::new("drift-nospecs");
    let err = drift::check(&root(), &empty.0.join("absent")).unwrap_err();
    assert!(err.contains("no upstream specs"), "{err}");
    // A folder without one crate's file fails too, naming the file.
    let err = drift::check(&root(), &empty.0).unwrap_err();
    assert!(
        err.contains("rcabench-sdk-1.1.44.json") && err.contains("missing"),
        "{err}"
    );
}

/// The real check on the vendored specs: every crate passes, and dropping a
/// `required` entry from one of them fails.
#[test]
fn spec_drift_on_the_workspace() {
    let specs = drift::specs_dir(&root(), None);
    let upstream = specs.join("salad-cloud-imds-0.9.0-alpha.3.json");
    assert!(upstream.is_file(), "{} is missing", upstream.display());
    // Every crate, each against its own upstream spec.
    drift::check(&root(), &specs).unwrap_or_else(|e| panic!("{e}"));
    let imds = root().join("crates/salad-imds");

    let text = std::fs::read_to_string(imds.join("openapi.json")).unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    spec["components"]["schemas"]["DeletionCost"]["required"] = json!([]);
    let departures = std::fs::read_to_string(imds.join("spec-departures.txt")).unwrap();
    let copy = drift_crate("drift-imds", &spec, &departures);
    let err = drift::check_crate(&copy.0, &upstream).unwrap_err();
    assert!(
        err.contains("schemas.DeletionCost.required.deletion_cost"),
        "{err}"
    );
}

/// The derive line and everything from it to the end of the item's definition line.
fn head_of<'c>(code: &'c str, decl: &str) -> &'c str {
    let at = code
        .find(decl)
        .unwrap_or_else(|| panic!("{decl} missing:\n{code}"));
    let start = code[..at].rfind("#[derive").unwrap_or(0);
    let cfg = code[..start]
        .rfind("\n#[cfg(")
        .filter(|c| !code[c + 1..start].contains("\n\n") && !code[c + 1..start].contains("///"))
        .map_or(start, |c| c + 1);
    &code[cfg..at + decl.len()]
}

fn directions_spec() -> serde_json::Value {
    let r = |n: &str| json!({ "$ref": format!("#/components/schemas/{n}") });
    let body = |n: &str| json!({ "content": { "application/json": { "schema": r(n) } } });
    let answer = |n: &str| json!({ "200": { "description": "ok", "content": { "application/json": { "schema": r(n) } } } });
    json!({
        "openapi": "3.0.3",
        "info": { "title": "T", "version": "1" },
        "paths": {
            "/in": { "post": { "x-feature": "writes", "requestBody": body("Req"), "responses": { "204": { "description": "ok" } } } },
            "/out": { "get": { "responses": answer("Resp") } },
            "/a": { "get": { "x-feature": "a", "responses": answer("FeatA") } },
            "/b": { "get": { "x-feature": "b", "responses": answer("FeatB") } },
            "/hand": { "get": { "x-feature": "a", "responses": answer("Hand") } }
        },
        "components": { "schemas": {
            "Kind": { "type": "string", "enum": ["x", "y"] },
            "Level": { "type": "integer", "enum": [1, 2] },
            "Req": { "type": "object", "properties": {
                "kind": r("Kind"), "name": { "type": "string", "maxLength": 3 }
            } },
            "Resp": { "type": "object", "required": ["tags"], "properties": {
                "kind": r("Kind"), "level": r("Level"), "note": { "type": "string", "maxLength": 3 },
                "tags": { "type": "array", "items": { "type": "string" } }
            } },
            "Shared": { "type": "object", "properties": { "n": { "type": "integer" } } },
            "FeatA": { "type": "object", "properties": { "shared": r("Shared") } },
            "FeatB": { "type": "object", "properties": { "shared": r("Shared"), "level": r("Level") } },
            "Hand": { "type": "object", "properties": { "n": { "type": "integer", "maximum": 3 } } },
            "Loose": { "type": "object", "properties": { "n": { "type": "integer" } } },
            "Own": { "type": "object", "x-feature": "c", "properties": { "n": { "type": "integer" } } }
        } }
    })
}

#[test]
fn every_model_goes_both_ways_and_what_is_sent_is_checked() {
    let code = gen(directions_spec());
    let derive = |decl: &str| {
        let head = head_of(&code, decl);
        head[head.find("#[derive").unwrap()..]
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    // Sent: written, read and checked.
    assert!(
        derive("pub struct Req {").ends_with("serde::Serialize, serde::Deserialize)]"),
        "{code}"
    );
    assert!(
        code.contains("impl api_client_transport::Validate for Req "),
        "{code}"
    );
    // Answered only: read and written (so a caller can log or cache it), never checked;
    // an absent optional field stays absent when written back.
    assert!(
        derive("pub struct Resp {").ends_with("Default, serde::Serialize, serde::Deserialize)]"),
        "{code}"
    );
    assert!(!code.contains("Validate for Resp "), "{code}");
    let resp = &code[code.find("pub struct Resp {").unwrap()..];
    let resp = &resp[..resp.find("\n}\n").unwrap()];
    assert!(resp.contains("skip_serializing_if"), "{resp}");
    assert!(resp.contains("null_as_default"), "{resp}");
    // Enums: both directions everywhere; checked where sent.
    for e in ["Kind", "Level"] {
        assert!(
            code.contains(&format!("impl serde::Serialize for {e} ")),
            "{code}"
        );
        assert!(
            code.contains(&format!("impl<'de> serde::Deserialize<'de> for {e} ")),
            "{code}"
        );
    }
    assert!(code.contains("Validate for Kind "), "{code}");
    assert!(!code.contains("Validate for Level "), "{code}");
    assert!(code.contains("fn deserialize_int_enum<"), "{code}");
    // Only answered, but both ways; what nothing reaches is checked too.
    assert!(
        derive("pub struct Hand {").ends_with("serde::Serialize, serde::Deserialize)]"),
        "{code}"
    );
    assert!(!code.contains("Validate for Hand "), "{code}");
    assert!(
        derive("pub struct Loose {").ends_with("serde::Serialize, serde::Deserialize)]"),
        "{code}"
    );
    assert!(code.contains("Validate for Loose "), "{code}");
    // No `use` lines that a feature could leave unused.
    assert!(!code.contains("\nuse "), "{code}");
}

#[test]
fn models_are_gated_by_the_features_of_the_operations_that_reach_them() {
    let code = gen(directions_spec());
    let one = |f: &str| {
        format!(
            "#[cfg(feature = \"{f}\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"{f}\")))]\n#[derive"
        )
    };
    assert!(
        head_of(&code, "pub struct Req {").starts_with(&one("writes")),
        "{code}"
    );
    assert!(
        head_of(&code, "pub struct FeatA {").starts_with(&one("a")),
        "{code}"
    );
    assert!(
        head_of(&code, "pub struct Own {").starts_with(&one("c")),
        "{code}"
    );
    // Reached under two features: compiled under either.
    let any = "any(feature = \"a\", feature = \"b\")";
    assert!(
        head_of(&code, "pub struct Shared {").starts_with(&format!(
            "#[cfg({any})]\n#[cfg_attr(docsrs, doc(cfg({any})))]\n"
        )),
        "{code}"
    );
    // Its impls carry the same gate.
    assert!(
        code.contains("#[cfg(feature = \"writes\")]\nimpl api_client_transport::Validate for Req "),
        "{code}"
    );
    // An ungated operation reaches it, or nothing does: always compiled.
    for decl in ["pub struct Resp {", "pub struct Loose {"] {
        assert!(
            head_of(&code, decl).starts_with("#[derive"),
            "{decl}\n{code}"
        );
    }
    let kind = code.find("pub enum Kind {").unwrap();
    assert!(
        !code[kind.saturating_sub(400)..kind].contains("#[cfg("),
        "{code}"
    );
    // Level is read by an ungated answer: the helper is not gated either.
    let helper = code.find("fn deserialize_int_enum<").unwrap();
    assert!(
        !code[helper.saturating_sub(200)..helper].contains("#[cfg("),
        "{code}"
    );
}

#[test]
fn the_int_enum_helper_follows_its_readers_gates() {
    let mut spec = directions_spec();
    // Level now only answered under feature b.
    spec["components"]["schemas"]["Resp"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("level");
    let code = gen(spec);
    let helper = code.find("fn deserialize_int_enum<").unwrap();
    assert!(
        code[..helper].ends_with("#[cfg(feature = \"b\")]\n"),
        "{code}"
    );
}

#[test]
fn what_an_unreached_model_holds_goes_both_ways_and_ungated() {
    let mut spec = directions_spec();
    spec["components"]["schemas"]["Loose"]["properties"]["own"] =
        json!({ "$ref": "#/components/schemas/Own" });
    spec["components"]["schemas"]["Loose"]["properties"]["level"] =
        json!({ "$ref": "#/components/schemas/Level" });
    let code = gen(spec);
    assert!(code.contains("impl serde::Serialize for Level "), "{code}");
    assert!(code.contains("Validate for Level "), "{code}");
    // `Own` asks for feature c, but the always-compiled `Loose` holds it.
    assert!(
        head_of(&code, "pub struct Own {").starts_with("#[derive"),
        "{code}"
    );
}

#[test]
fn bad_vendor_keys_are_refused_with_their_place() {
    let mut spec = directions_spec();
    spec["paths"]["/a"]["get"]["x-feature"] = json!(3);
    let err = model::build(&spec).err().unwrap();
    assert!(err.contains("get /a") && err.contains("x-feature"), "{err}");

    // The retired one-direction key is refused, not silently ignored.
    let mut spec = directions_spec();
    spec["components"]["schemas"]["Hand"]["x-rust-derive"] = json!(["Deserialize"]);
    let err = model::build(&spec).err().unwrap();
    assert!(
        err.contains("Hand") && err.contains("x-rust-derive"),
        "{err}"
    );
}
