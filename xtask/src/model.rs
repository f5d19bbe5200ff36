//! Reading a spec's schemas into a small model of Rust items.

use crate::names::{self, Names};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// A Rust type as it appears in a field or alias.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Str,
    I32,
    I64,
    U64,
    F64,
    Bool,
    Value,
    /// `format: uuid`: `uuid::Uuid`.
    Uuid,
    /// `format: date-time`: `time::OffsetDateTime`, RFC 3339 on the wire.
    DateTime,
    /// A generated type (struct, enum or alias), by Rust name.
    Named(String),
    /// `x-rust-type`, used verbatim.
    Custom(String),
    Vec(Box<Ty>),
    Map(Box<Ty>),
    Opt(Box<Ty>),
    Patch(Box<Ty>),
    /// Breaks a cycle of structs that contain each other directly.
    Boxed(Box<Ty>),
}

/// The checks `Validate` performs on a value, shaped like its type.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    None,
    /// A generated struct: call its `validate_at`.
    Model(String),
    Str {
        min: Option<u64>,
        max: Option<u64>,
        pattern: Option<String>,
        uuid: bool,
        /// `format: url` or `uri`: an absolute http(s) URL.
        url: bool,
    },
    Int {
        ty: Ty,
        min: Option<i64>,
        max: Option<i64>,
    },
    Num {
        min: Option<f64>,
        max: Option<f64>,
    },
    Opt(Box<Check>),
    Patch(Box<Check>),
    List {
        min: Option<u64>,
        max: Option<u64>,
        elem: Box<Check>,
    },
    Map(Box<Check>),
}

pub struct Field {
    pub ident: String,
    pub wire: String,
    pub doc: String,
    pub ty: Ty,
    pub check: Check,
    /// Left out of the JSON when `None` (required nullable fields are sent as null).
    pub optional: bool,
    /// `x-deserialize-with`: a function that reads the field tolerantly (the
    /// field's type is unchanged; a missing field takes its `Default`).
    pub deserialize_with: Option<String>,
}

pub enum Item {
    Struct {
        name: String,
        doc: String,
        fields: Vec<Field>,
        /// `x-constructor: false`: the crate writes a richer constructor by hand.
        own_constructor: bool,
    },
    StrEnum {
        name: String,
        doc: String,
        /// (variant, wire value, doc)
        variants: Vec<(String, String, Option<String>)>,
    },
    IntEnum {
        name: String,
        doc: String,
        /// (variant, value, accepted names in lowercase, doc)
        variants: Vec<(String, i64, Vec<String>, Option<String>)>,
    },
    Alias {
        name: String,
        doc: String,
        ty: Ty,
    },
}

impl Item {
    pub fn name(&self) -> &str {
        match self {
            Item::Struct { name, .. }
            | Item::StrEnum { name, .. }
            | Item::IntEnum { name, .. }
            | Item::Alias { name, .. } => name,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Struct,
    Enum,
    Alias,
    Custom,
}

#[derive(Clone)]
struct Resolved {
    ty: Ty,
    check: Check,
    nullable: bool,
}

impl Resolved {
    fn plain(ty: Ty) -> Self {
        Resolved {
            ty,
            check: Check::None,
            nullable: false,
        }
    }
}

/// Names the generated code itself uses unqualified: never hand them to a schema.
const RESERVED: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Box",
    "BTreeMap",
    "Serialize",
    "Deserialize",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Eq",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Fn",
    "Drop",
    "Iterator",
    "ToString",
    "From",
    "Into",
];

pub struct Model {
    pub items: Vec<Item>,
    /// Rust names of the schemas an operation sends (request bodies, parameters).
    pub request_roots: HashSet<String>,
    /// Rust names of the schemas an operation answers with.
    pub answer_roots: HashSet<String>,
    /// Per operation: the cargo feature that enables it (`x-feature`, `None`: always
    /// compiled) and the Rust names of every schema it sends or answers with.
    pub operations: Vec<(Option<String>, HashSet<String>)>,
    /// `x-feature` on a schema (by Rust name): hand-written code behind that feature
    /// uses it (and what it holds) though no operation reaches it.
    pub schema_features: HashMap<String, String>,
    pub title: String,
    pub version: String,
}

pub fn build(spec: &Value) -> Result<Model, String> {
    let (schemas, prefix) = if let Some(s) = spec.pointer("/components/schemas") {
        (s, "#/components/schemas/")
    } else if let Some(s) = spec.get("definitions") {
        (s, "#/definitions/")
    } else {
        (&Value::Null, "#/components/schemas/")
    };
    let empty = Map::new();
    let schemas = match schemas {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err("schemas must be an object".into()),
    };
    let mut b = Builder {
        root: spec,
        prefix,
        names: Names::default(),
        rust_names: HashMap::new(),
        kinds: HashMap::new(),
        slots: Vec::new(),
        index: HashMap::new(),
        current: 0,
        aliases: HashMap::new(),
        in_progress: HashSet::new(),
        errors: Vec::new(),
        site: Vec::new(),
    };
    b.names.reserve(RESERVED);
    let list: Vec<(&String, &Value)> = schemas.iter().collect();
    for (i, (name, schema)) in list.iter().enumerate() {
        let kind = b.classify(schema);
        b.kinds.insert((*name).clone(), kind);
        b.index.insert((*name).clone(), i);
        if kind != Kind::Custom {
            let rust = b.names.fresh(&names::pascal(name));
            b.rust_names.insert((*name).clone(), rust);
        }
        b.slots.push(None);
    }
    for (name, schema) in &list {
        b.generate(name, schema);
    }
    if !b.errors.is_empty() {
        return Err(b.errors.join("\n"));
    }
    let mut items: Vec<Item> = b.slots.into_iter().flatten().flatten().collect();
    box_cycles(&mut items);
    let info = spec.get("info");
    let s = |k: &str| {
        info.and_then(|i| i.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (request_roots, answer_roots, operations) = roots(spec, prefix, &b.rust_names)?;
    let mut schema_features = HashMap::new();
    for (name, schema) in &list {
        let Some(rust) = b.rust_names.get(*name) else {
            continue;
        };
        if let Some(f) = schema.get("x-feature") {
            let f = f
                .as_str()
                .filter(|f| !f.is_empty())
                .ok_or_else(|| format!("schema {name}: x-feature must be a feature name"))?;
            schema_features.insert(rust.clone(), f.to_string());
        }
        if schema.get("x-rust-derive").is_some() {
            // Every model implements both serde directions now; a stale key would
            // mislead its reader.
            return Err(format!(
                "schema {name}: x-rust-derive is no longer read (every model derives both \
                 Serialize and Deserialize); remove it"
            ));
        }
    }
    Ok(Model {
        items,
        request_roots,
        answer_roots,
        operations,
        schema_features,
        title: s("title"),
        version: s("version"),
    })
}

/// Per operation, from the `$ref`s under its parameters and request body, and its responses.
type Roots = (
    HashSet<String>,
    HashSet<String>,
    Vec<(Option<String>, HashSet<String>)>,
);

/// The named schemas the operations send and answer with (by Rust name), found from
/// the `$ref`s under each operation's parameters and request body, and its responses;
/// and per operation, its `x-feature` and every schema it names.
fn roots(
    spec: &Value,
    prefix: &str,
    rust_names: &HashMap<String, String>,
) -> Result<Roots, String> {
    fn refs(
        v: &Value,
        prefix: &str,
        rust_names: &HashMap<String, String>,
        out: &mut HashSet<String>,
    ) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                    if let Some(n) = r.strip_prefix(prefix) {
                        if let Some(rust) = rust_names.get(n) {
                            out.insert(rust.clone());
                        }
                    }
                }
                for x in m.values() {
                    refs(x, prefix, rust_names, out);
                }
            }
            Value::Array(a) => {
                for x in a {
                    refs(x, prefix, rust_names, out);
                }
            }
            _ => {}
        }
    }
    let mut req = HashSet::new();
    let mut ans = HashSet::new();
    let mut ops = Vec::new();
    let root = spec.clone();
    // `$ref`s into `components.parameters`/`requestBodies`/`responses` point at their
    // schemas one step later: follow them by looking inside what they point to.
    let deref = |v: &Value| -> Value {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(ptr) => root.pointer(ptr).cloned().unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    for item in spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let (path, path_item) = item;
        let mut shared = HashSet::new();
        for p in path_item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            refs(&deref(p), prefix, rust_names, &mut shared);
        }
        req.extend(shared.iter().cloned());
        for (method, op) in path_item.as_object().into_iter().flatten() {
            if method == "parameters" || !op.is_object() {
                continue;
            }
            let mut sent = shared.clone();
            let mut answered = HashSet::new();
            for p in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                refs(&deref(p), prefix, rust_names, &mut sent);
            }
            if let Some(b) = op.get("requestBody") {
                refs(&deref(b), prefix, rust_names, &mut sent);
            }
            for r in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                refs(&deref(r.1), prefix, rust_names, &mut answered);
            }
            let feature = match op.get("x-feature") {
                None => None,
                Some(Value::String(f)) if !f.is_empty() => Some(f.clone()),
                Some(_) => {
                    return Err(format!("{method} {path}: x-feature must be a feature name"))
                }
            };
            req.extend(sent.iter().cloned());
            ans.extend(answered.iter().cloned());
            sent.extend(answered);
            ops.push((feature, sent));
        }
    }
    Ok((req, ans, ops))
}

struct Builder<'a> {
    root: &'a Value,
    prefix: &'static str,
    names: Names,
    /// spec name -> Rust name
    rust_names: HashMap<String, String>,
    kinds: HashMap<String, Kind>,
    /// Per named schema, in spec order: its item followed by the inline items it created.
    slots: Vec<Option<Vec<Item>>>,
    index: HashMap<String, usize>,
    current: usize,
    /// Resolved target of an alias, for fields that use it (checks are inlined).
    aliases: HashMap<String, Resolved>,
    in_progress: HashSet<String>,
    errors: Vec<String>,
    /// Where in the spec resolution is: the named schema, then the wire
    /// names of the fields below it, for errors that name a spec location.
    site: Vec<String>,
}

fn str_of<'v>(s: &'v Value, key: &str) -> Option<&'v str> {
    s.get(key).and_then(Value::as_str)
}

/// The schema's `type`, and whether it admits null (OpenAPI 3.1 `["null", "x"]`).
fn type_of(s: &Value) -> (Option<String>, bool) {
    match s.get("type") {
        Some(Value::String(t)) => (Some(t.clone()), t == "null"),
        Some(Value::Array(ts)) => {
            let non_null: Vec<&str> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            let nullable = non_null.len() < ts.len();
            match non_null.as_slice() {
                [one] => (Some(one.to_string()), nullable),
                [] => (Some("null".into()), true),
                _ => (Some("any".into()), nullable),
            }
        }
        _ => (None, false),
    }
}

fn is_null_schema(s: &Value) -> bool {
    str_of(s, "type") == Some("null")
}

fn nullable_flag(s: &Value) -> bool {
    s.get("nullable").and_then(Value::as_bool) == Some(true)
        || s.get("x-nullable").and_then(Value::as_bool) == Some(true)
        || type_of(s).1
        || s.get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().any(Value::is_null))
}

fn has_props(s: &Value) -> bool {
    s.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
}

impl<'a> Builder<'a> {
    fn deref(&self, r: &str) -> Option<&'a Value> {
        let ptr = r.strip_prefix('#')?;
        self.root.pointer(ptr)
    }

    fn ref_name(&self, r: &str) -> Option<String> {
        let n = r.strip_prefix(self.prefix)?;
        (!n.contains('/')).then(|| n.replace("~1", "/").replace("~0", "~"))
    }

    /// Follows `$ref` chains to the schema itself.
    fn follow(&self, mut s: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match str_of(s, "$ref").and_then(|r| self.deref(r)) {
                Some(t) => s = t,
                None => break,
            }
        }
        s
    }

    /// Properties and required names of an object schema, with `allOf` parts merged in
    /// (in order, `$ref`s resolved), plus whether any part is a merge-patch schema.
    fn merged(&self, s: &'a Value, depth: usize) -> (Vec<(String, &'a Value)>, Vec<String>, bool) {
        let mut props: Vec<(String, &'a Value)> = Vec::new();
        let mut required = Vec::new();
        let mut patch = false;
        if depth > 32 {
            return (props, required, patch);
        }
        let s = self.follow(s);
        patch |= s.get("x-merge-patch").and_then(Value::as_bool) == Some(true);
        let mut add = |p: Vec<(String, &'a Value)>, r: Vec<String>| {
            for (k, v) in p {
                match props.iter_mut().find(|(n, _)| *n == k) {
                    Some(slot) => slot.1 = v,
                    None => props.push((k, v)),
                }
            }
            for k in r {
                if !required.contains(&k) {
                    required.push(k);
                }
            }
        };
        for part in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (p, r, pa) = self.merged(part, depth + 1);
            patch |= pa;
            add(p, r);
        }
        let own: Vec<(String, &'a Value)> = s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v))
            .collect();
        let req: Vec<String> = s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        add(own, req);
        (props, required, patch)
    }

    /// The `allOf` parts that carry a type (not only a description or `nullable`).
    fn typed_parts(&self, s: &'a Value) -> Vec<&'a Value> {
        s.get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| {
                p.as_object().is_some_and(|o| {
                    o.keys().any(|k| {
                        !matches!(
                            k.as_str(),
                            "description"
                                | "title"
                                | "nullable"
                                | "x-nullable"
                                | "example"
                                | "examples"
                        )
                    })
                })
            })
            .collect()
    }

    fn classify(&self, s: &'a Value) -> Kind {
        if s.get("x-rust-type").is_some() {
            return Kind::Custom;
        }
        if s.get("$ref").is_some() {
            return Kind::Alias;
        }
        if s.get("enum").is_some() && enum_kind(s).is_some() {
            return Kind::Enum;
        }
        if s.get("allOf").is_some() {
            let (props, _, _) = self.merged(s, 0);
            if !props.is_empty() {
                return Kind::Struct;
            }
            let parts = self.typed_parts(s);
            if let [one] = parts.as_slice() {
                if one.get("$ref").is_none() {
                    return self.classify(one);
                }
            }
            return Kind::Alias;
        }
        if s.get("oneOf").is_some() || s.get("anyOf").is_some() {
            return Kind::Alias;
        }
        let (t, _) = type_of(s);
        let objectish =
            t.as_deref() == Some("object") || (t.is_none() && s.get("properties").is_some());
        let map = matches!(
            s.get("additionalProperties"),
            Some(Value::Object(_)) | Some(Value::Bool(true))
        );
        if has_props(s) || (objectish && s.get("properties").is_some() && !map) {
            return Kind::Struct;
        }
        Kind::Alias
    }

    fn generate(&mut self, spec_name: &str, s: &'a Value) {
        let idx = self.index[spec_name];
        if self.slots[idx].is_some() {
            return;
        }
        let Some(name) = self.rust_names.get(spec_name).cloned() else {
            return;
        };
        self.slots[idx] = Some(Vec::new());
        let saved = self.current;
        self.current = idx;
        let saved_site = std::mem::replace(&mut self.site, vec![spec_name.to_string()]);
        let doc = doc_of(s).unwrap_or_else(|| format!("The `{spec_name}` schema."));
        match self.kinds[spec_name] {
            Kind::Struct => {
                let pos = self.placeholder();
                let item = self.build_struct(&name, &doc, s);
                self.fill(pos, item);
            }
            Kind::Enum => {
                // The enum may sit in the only typed part of an `allOf`.
                let e = if s.get("enum").is_some() {
                    s
                } else {
                    self.typed_parts(s).first().copied().unwrap_or(s)
                };
                let item = build_enum(&name, &doc, e);
                self.add(item);
            }
            Kind::Alias => {
                self.in_progress.insert(spec_name.to_string());
                let r = self.resolve_inner(s, &name, true);
                self.in_progress.remove(spec_name);
                self.aliases.insert(spec_name.to_string(), r.clone());
                self.slots[idx].as_mut().expect("slot").insert(
                    0,
                    Item::Alias {
                        name,
                        doc,
                        ty: r.ty,
                    },
                );
            }
            Kind::Custom => {}
        }
        self.current = saved;
        self.site = saved_site;
    }

    fn add(&mut self, item: Item) {
        self.slots[self.current].as_mut().expect("slot").push(item);
    }

    /// Keeps a place for a struct before its fields are resolved, so it is written
    /// before the inline types its fields create.
    fn placeholder(&mut self) -> usize {
        let slot = self.slots[self.current].as_mut().expect("slot");
        slot.push(Item::Alias {
            name: String::new(),
            doc: String::new(),
            ty: Ty::Value,
        });
        slot.len() - 1
    }

    fn fill(&mut self, pos: usize, item: Item) {
        self.slots[self.current].as_mut().expect("slot")[pos] = item;
    }

    fn build_struct(&mut self, name: &str, doc: &str, s: &'a Value) -> Item {
        let (props, required, patch) = self.merged(s, 0);
        let mut idents = Names::default();
        let mut fields = Vec::new();
        for (wire, p) in props {
            let ident = idents.fresh(&names::field_ident(&wire));
            self.site.push(wire.clone());
            let r = self.resolve(p, &format!("{name}{}", names::pascal(&wire)));
            self.site.pop();
            let optional = !(required.contains(&wire) || (patch && r.nullable));
            let (ty, check) = if required.contains(&wire) {
                if r.nullable {
                    (Ty::Opt(Box::new(r.ty)), Check::Opt(Box::new(r.check)))
                } else {
                    (r.ty, r.check)
                }
            } else if patch && r.nullable {
                // `null` clears the field: only where the spec allows null.
                (Ty::Patch(Box::new(r.ty)), Check::Patch(Box::new(r.check)))
            } else {
                (Ty::Opt(Box::new(r.ty)), Check::Opt(Box::new(r.check)))
            };
            let doc = doc_of(p)
                .or_else(|| {
                    // A bare `$ref`: the first sentence of what it points to.
                    let t = self.deref(str_of(p, "$ref")?)?;
                    str_of(t, "description")
                        .map(first_sentence)
                        .or_else(|| str_of(t, "title").map(String::from))
                })
                .unwrap_or_else(|| format!("The `{wire}` field."));
            fields.push(Field {
                ident,
                wire,
                doc,
                ty,
                check,
                optional,
                deserialize_with: str_of(p, "x-deserialize-with").map(String::from),
            });
        }
        Item::Struct {
            name: name.to_string(),
            doc: doc.to_string(),
            fields,
            own_constructor: self.follow(s).get("x-constructor").and_then(Value::as_bool)
                == Some(false),
        }
    }

    fn resolve(&mut self, s: &'a Value, ctx: &str) -> Resolved {
        self.resolve_inner(s, ctx, false)
    }

    /// The type of a schema used in place. `ctx` names inline types it needs; with
    /// `top`, `s` is a named alias schema (so an inline object there cannot happen).
    fn resolve_inner(&mut self, s: &'a Value, ctx: &str, top: bool) -> Resolved {
        if !s.is_object() {
            return Resolved::plain(Ty::Value);
        }
        let nullable = nullable_flag(s);
        let mut r = self.resolve_nonnull(s, ctx, top);
        r.nullable |= nullable;
        r
    }

    /// The checks a string schema asks for (length, pattern, uuid, url).
    fn string_check(&mut self, s: &'a Value, ctx: &str) -> Check {
        let min = u64_of(s, "minLength").filter(|m| *m > 0);
        let max = u64_of(s, "maxLength");
        let pattern = str_of(s, "pattern").map(String::from);
        // The same translation into regex-lite's syntax that the generated
        // check runs: a pattern refused here would fail every check at run time.
        if let Some((p, e)) = pattern
            .as_deref()
            .and_then(|p| api_client_transport::validate::pattern_error(p).map(|e| (p, e)))
        {
            let at = match self.site.split_first() {
                Some((schema, [])) => format!("schema `{schema}`"),
                Some((schema, fields)) => {
                    format!("schema `{schema}`, field `{}`", fields.join("."))
                }
                None => format!("`{ctx}`"),
            };
            self.errors.push(format!(
                "{at}: pattern `{p}` is not supported by api-client-transport: {e}"
            ));
        }
        let uuid = str_of(s, "format") == Some("uuid");
        let url = matches!(str_of(s, "format"), Some("url" | "uri"));
        if min.is_some() || max.is_some() || pattern.is_some() || uuid || url {
            Check::Str {
                min,
                max,
                pattern,
                uuid,
                url,
            }
        } else {
            Check::None
        }
    }

    fn resolve_nonnull(&mut self, s: &'a Value, ctx: &str, top: bool) -> Resolved {
        if let Some(t) = str_of(s, "x-rust-type") {
            // A custom type standing for a string (a secret, say) keeps the
            // string's checks; it must implement `api_client_transport::validate::Text`.
            let check = if str_of(s, "type") == Some("string") {
                self.string_check(s, ctx)
            } else {
                Check::None
            };
            return Resolved {
                ty: Ty::Custom(t.to_string()),
                check,
                nullable: false,
            };
        }
        if let Some(r) = str_of(s, "$ref") {
            return self.resolve_ref(r, ctx);
        }
        if s.get("allOf").is_some() {
            // `allOf: [{$ref}]` beside `nullable` or a description is the referenced
            // type itself, not a new struct.
            if let (Some([one]), false) = (
                s.get("allOf").and_then(Value::as_array).map(Vec::as_slice),
                has_props(s),
            ) {
                if one.get("$ref").is_some() {
                    return self.resolve(one, ctx);
                }
            }
            let (props, _, _) = self.merged(s, 0);
            if !props.is_empty() {
                return self.inline_struct(s, ctx);
            }
            let parts = self.typed_parts(s);
            return match parts.as_slice() {
                [one] => self.resolve(one, ctx),
                _ => Resolved::plain(Ty::Value),
            };
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(parts) = s.get(key).and_then(Value::as_array) {
                let non_null: Vec<&'a Value> =
                    parts.iter().filter(|p| !is_null_schema(p)).collect();
                let nullable = non_null.len() < parts.len();
                let mut r = match non_null.as_slice() {
                    [one] => self.resolve(one, ctx),
                    _ => Resolved::plain(Ty::Value),
                };
                r.nullable |= nullable;
                return r;
            }
        }
        if s.get("enum").is_some() && enum_kind(s).is_some() {
            let name = self.names.fresh(ctx);
            let doc = doc_of(s).unwrap_or_else(|| format!("The values of `{ctx}`."));
            let item = build_enum(&name, &doc, s);
            self.add(item);
            return Resolved {
                ty: Ty::Named(name.clone()),
                check: Check::Model(name),
                nullable: false,
            };
        }
        let (mut t, _) = type_of(s);
        if t.is_none() && s.get("items").is_some() {
            t = Some("array".into());
        }
        match t.as_deref() {
            Some("array") => {
                let items = s.get("items").unwrap_or(&Value::Null);
                let mut e = self.resolve(items, &format!("{ctx}Item"));
                if e.nullable {
                    e.ty = Ty::Opt(Box::new(e.ty));
                    e.check = Check::Opt(Box::new(e.check));
                }
                let min = u64_of(s, "minItems").filter(|m| *m > 0);
                let max = u64_of(s, "maxItems");
                Resolved {
                    ty: Ty::Vec(Box::new(e.ty)),
                    check: Check::List {
                        min,
                        max,
                        elem: Box::new(e.check),
                    },
                    nullable: false,
                }
            }
            Some("string") if str_of(s, "format") == Some("uuid") => Resolved::plain(Ty::Uuid),
            Some("string") if str_of(s, "format") == Some("date-time") => {
                Resolved::plain(Ty::DateTime)
            }
            Some("string") => Resolved {
                ty: Ty::Str,
                check: self.string_check(s, ctx),
                nullable: false,
            },
            Some("integer") => {
                let ty = match str_of(s, "format") {
                    Some("int32") => Ty::I32,
                    Some("uint64") => Ty::U64,
                    _ => Ty::I64,
                };
                let (mut min, max) = int_bounds(s);
                if ty == Ty::U64 && min.is_some_and(|m| m <= 0) {
                    min = None; // already true of the type
                }
                let check = if min.is_some() || max.is_some() {
                    Check::Int {
                        ty: ty.clone(),
                        min,
                        max,
                    }
                } else {
                    Check::None
                };
                Resolved {
                    ty,
                    check,
                    nullable: false,
                }
            }
            Some("number") => {
                let (min, max) = num_bounds(s);
                let check = if min.is_some() || max.is_some() {
                    Check::Num { min, max }
                } else {
                    Check::None
                };
                Resolved {
                    ty: Ty::F64,
                    check,
                    nullable: false,
                }
            }
            Some("boolean") => Resolved::plain(Ty::Bool),
            Some("object") | None => {
                if has_props(s) && !top {
                    return self.inline_struct(s, ctx);
                }
                match s.get("additionalProperties") {
                    Some(Value::Object(_)) | Some(Value::Bool(true)) => {
                        let ap = &s["additionalProperties"];
                        let e = if ap.is_object() && ap.as_object().is_some_and(|o| !o.is_empty()) {
                            let mut e = self.resolve(ap, &format!("{ctx}Value"));
                            if e.nullable {
                                e.ty = Ty::Opt(Box::new(e.ty));
                                e.check = Check::Opt(Box::new(e.check));
                            }
                            e
                        } else {
                            Resolved::plain(Ty::Value)
                        };
                        Resolved {
                            ty: Ty::Map(Box::new(e.ty)),
                            check: Check::Map(Box::new(e.check)),
                            nullable: false,
                        }
                    }
                    _ => Resolved::plain(Ty::Value),
                }
            }
            _ => Resolved::plain(Ty::Value),
        }
    }

    fn inline_struct(&mut self, s: &'a Value, ctx: &str) -> Resolved {
        let name = self.names.fresh(ctx);
        let doc = doc_of(s).unwrap_or_else(|| format!("The inline object of `{ctx}`."));
        let pos = self.placeholder();
        let item = self.build_struct(&name, &doc, s);
        self.fill(pos, item);
        Resolved {
            ty: Ty::Named(name.clone()),
            check: Check::Model(name),
            nullable: false,
        }
    }

    fn resolve_ref(&mut self, r: &str, ctx: &str) -> Resolved {
        let Some(target) = self.deref(r) else {
            return Resolved::plain(Ty::Value);
        };
        let nullable = nullable_flag(target);
        let Some(name) = self.ref_name(r) else {
            // A pointer into another schema: treat it as if written in place.
            return self.resolve(target, ctx);
        };
        let Some(kind) = self.kinds.get(&name).copied() else {
            return Resolved::plain(Ty::Value);
        };
        let rust = self.rust_names.get(&name).cloned();
        let mut r = match (kind, rust) {
            (Kind::Custom, _) | (_, None) => Resolved::plain(Ty::Custom(
                str_of(target, "x-rust-type")
                    .unwrap_or("serde_json::Value")
                    .to_string(),
            )),
            (Kind::Struct, Some(rust)) => Resolved {
                ty: Ty::Named(rust.clone()),
                check: Check::Model(rust),
                nullable: false,
            },
            (Kind::Enum, Some(rust)) => Resolved {
                ty: Ty::Named(rust.clone()),
                check: Check::Model(rust),
                nullable: false,
            },
            (Kind::Alias, Some(rust)) => {
                if self.in_progress.contains(&name) {
                    // An alias that contains itself: only reachable through `Value`.
                    Resolved::plain(Ty::Value)
                } else {
                    if !self.aliases.contains_key(&name) {
                        self.generate(&name, target);
                    }
                    let a = self
                        .aliases
                        .get(&name)
                        .cloned()
                        .unwrap_or_else(|| Resolved::plain(Ty::Value));
                    Resolved {
                        ty: Ty::Named(rust),
                        check: a.check,
                        nullable: a.nullable,
                    }
                }
            }
        };
        r.nullable |= nullable;
        r
    }
}

/// `Some(true)` for a string enum, `Some(false)` for an integer enum.
fn enum_kind(s: &Value) -> Option<bool> {
    let vals: Vec<&Value> = s
        .get("enum")?
        .as_array()?
        .iter()
        .filter(|v| !v.is_null())
        .collect();
    if vals.is_empty() {
        return None;
    }
    if vals.iter().all(|v| v.is_string()) {
        Some(true)
    } else if vals.iter().all(|v| v.is_i64()) {
        Some(false)
    } else {
        None
    }
}

fn build_enum(name: &str, doc: &str, s: &Value) -> Item {
    let vals: Vec<&Value> = s["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| !v.is_null())
        .collect();
    let varnames: Vec<&str> = s
        .get("x-enum-varnames")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let descs: Vec<Option<String>> = s
        .get("x-enum-descriptions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|d| d.as_str().filter(|d| !d.is_empty()).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let comments = s.get("x-enum-comments").and_then(Value::as_object);
    let mut variants = Names::default();
    variants.reserve(&["Unknown", "UnknownName"]);
    let doc_for = |i: usize, varname: Option<&str>| -> Option<String> {
        descs.get(i).cloned().flatten().or_else(|| {
            comments
                .and_then(|c| c.get(varname?))
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
                .map(String::from)
        })
    };
    if enum_kind(s) == Some(true) {
        let mut out = Vec::new();
        for (i, v) in vals.iter().enumerate() {
            if vals[..i].contains(v) {
                continue; // a repeated value would be an unreachable match arm
            }
            let wire = v.as_str().unwrap_or_default().to_string();
            let varname = varnames.get(i).copied();
            let base = names::pascal(varname.unwrap_or(&wire));
            let base = if base == "Unknown" {
                "UnknownValue".to_string()
            } else {
                base
            };
            let doc = doc_for(i, varname);
            out.push((variants.fresh(&base), wire, doc));
        }
        Item::StrEnum {
            name: name.to_string(),
            doc: doc.to_string(),
            variants: out,
        }
    } else {
        let mut out = Vec::new();
        for (i, v) in vals.iter().enumerate() {
            if vals[..i].contains(v) {
                continue;
            }
            let value = v.as_i64().unwrap_or_default();
            let varname = varnames.get(i).copied();
            let label = match varname {
                Some(n) => n.to_string(),
                None if value < 0 => format!("Minus{}", value.unsigned_abs()),
                None => value.to_string(),
            };
            let base = names::pascal(&label);
            let base = if base == "Unknown" {
                "UnknownValue".to_string()
            } else {
                base
            };
            let mut accepted = Vec::new();
            if let Some(n) = varname {
                for a in [names::snake(n), n.to_lowercase()] {
                    if !accepted.contains(&a) {
                        accepted.push(a);
                    }
                }
            }
            let doc = doc_for(i, varname);
            out.push((variants.fresh(&base), value, accepted, doc));
        }
        Item::IntEnum {
            name: name.to_string(),
            doc: doc.to_string(),
            variants: out,
        }
    }
}

fn doc_of(s: &Value) -> Option<String> {
    str_of(s, "description")
        .or_else(|| str_of(s, "title"))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(String::from)
}

fn u64_of(s: &Value, key: &str) -> Option<u64> {
    let v = s.get(key)?;
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
}

/// `exclusiveMinimum` is a flag in OpenAPI 3.0 / Swagger 2 and a number in 3.1.
fn bound(s: &Value, key: &str, excl_key: &str) -> Option<(f64, bool)> {
    match (s.get(key).and_then(Value::as_f64), s.get(excl_key)) {
        (_, Some(Value::Number(n))) => n.as_f64().map(|n| (n, true)),
        (Some(v), Some(Value::Bool(true))) => Some((v, true)),
        (Some(v), _) => Some((v, false)),
        _ => None,
    }
}

fn int_bounds(s: &Value) -> (Option<i64>, Option<i64>) {
    let min = bound(s, "minimum", "exclusiveMinimum").map(|(v, ex)| {
        if ex {
            v.floor() as i64 + 1
        } else {
            v.ceil() as i64
        }
    });
    let max = bound(s, "maximum", "exclusiveMaximum").map(|(v, ex)| {
        if ex {
            v.ceil() as i64 - 1
        } else {
            v.floor() as i64
        }
    });
    (min, max)
}

fn num_bounds(s: &Value) -> (Option<f64>, Option<f64>) {
    let min =
        bound(s, "minimum", "exclusiveMinimum").map(|(v, ex)| if ex { next_up(v) } else { v });
    let max =
        bound(s, "maximum", "exclusiveMaximum").map(|(v, ex)| if ex { -next_up(-v) } else { v });
    (min, max)
}

/// The next representable `f64` above `x` (`f64::next_up` is newer than our MSRV).
fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f64::from_bits(1);
    }
    let bits = x.to_bits();
    if x > 0.0 {
        f64::from_bits(bits + 1)
    } else {
        f64::from_bits(bits - 1)
    }
}

/// The struct a type holds inline (through `Option`/`Patch`, not behind a `Vec`/map).
fn held_struct<'t>(t: &'t Ty, structs: &HashSet<&str>) -> Option<&'t str> {
    match t {
        Ty::Named(n) if structs.contains(n.as_str()) => Some(n),
        Ty::Opt(i) | Ty::Patch(i) => held_struct(i, structs),
        _ => None,
    }
}

fn boxed(t: Ty) -> Ty {
    match t {
        Ty::Opt(i) => Ty::Opt(Box::new(boxed(*i))),
        Ty::Patch(i) => Ty::Patch(Box::new(boxed(*i))),
        t => Ty::Boxed(Box::new(t)),
    }
}

/// A struct that holds itself, directly or through others, would have infinite size:
/// box the field that closes each such cycle (found as a back edge of a depth-first walk).
fn box_cycles(items: &mut [Item]) {
    let structs: HashSet<&str> = items
        .iter()
        .filter(|i| matches!(i, Item::Struct { .. }))
        .map(Item::name)
        .collect();
    let index: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.name(), i))
        .collect();
    let edges: Vec<Vec<(usize, usize)>> = items
        .iter()
        .map(|it| match it {
            Item::Struct { fields, .. } => fields
                .iter()
                .enumerate()
                .filter_map(|(fi, f)| held_struct(&f.ty, &structs).map(|n| (fi, index[n])))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    // 0 = unseen, 1 = on the current path, 2 = done
    let mut state = vec![0u8; items.len()];
    let mut to_box: Vec<(usize, usize)> = Vec::new();
    for start in 0..items.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&(field, target)) = edges[node].get(*next) {
                *next += 1;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => to_box.push((node, field)),
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    for (node, field) in to_box {
        if let Item::Struct { fields, .. } = &mut items[node] {
            let f = &mut fields[field];
            f.ty = boxed(std::mem::replace(&mut f.ty, Ty::Value));
        }
    }
}

/// The first sentence of the first paragraph (the whole paragraph if it has no `. `).
fn first_sentence(text: &str) -> String {
    let para = text.trim().split("\n\n").next().unwrap_or_default();
    let para = para.split_whitespace().collect::<Vec<_>>().join(" ");
    match para.find(". ") {
        Some(i) => para[..=i].to_string(),
        None => para,
    }
}
