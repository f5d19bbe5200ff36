//! Every operation of a crate's spec must be implemented: found by its
//! `#[doc(alias = "<operationId>")]` in the crate's hand-written sources, or by a
//! `fn <operationId>` or its snake_case form (rustdoc rejects an alias equal to the
//! item's own name).

use std::collections::BTreeSet;
use std::path::Path;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// The operationIds of a spec, in spec order.
pub fn operation_ids(spec: &serde_json::Value) -> Vec<String> {
    let mut ids = Vec::new();
    for item in spec
        .get("paths")
        .and_then(|p| p.as_object())
        .into_iter()
        .flat_map(|p| p.values())
    {
        for m in METHODS {
            if let Some(id) = item
                .pointer(&format!("/{m}/operationId"))
                .and_then(|v| v.as_str())
            {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

/// Every name given in `doc(alias = "x")` or `doc(alias("x", "y"))` in `src`.
pub fn aliases(src: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = src;
    while let Some(i) = rest.find("doc(alias") {
        rest = &rest[i + "doc(alias".len()..];
        let end = rest.find(')').unwrap_or(rest.len());
        let inner = &rest[..end];
        for (n, part) in inner.split('"').enumerate() {
            if n % 2 == 1 {
                out.insert(part.to_string());
            }
        }
        rest = &rest[end..];
    }
    out
}

/// Every name defined with `fn name` in `src`.
pub fn fn_names(src: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = src;
    while let Some(i) = rest.find("fn ") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + 3..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

fn rust_files(dir: &Path, skip: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p == skip {
            continue;
        }
        if p.is_dir() {
            rust_files(&p, skip, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Per crate with an openapi.json: the operationIds with no alias (crate name, ids).
pub fn missing(root: &Path) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut report = Vec::new();
    let crates = root.join("crates");
    let mut dirs: Vec<_> = std::fs::read_dir(&crates)
        .map_err(|e| format!("cannot read {}: {e}", crates.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let spec_path = dir.join("openapi.json");
        let Ok(text) = std::fs::read_to_string(&spec_path) else {
            continue;
        };
        let spec: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: invalid JSON: {e}", spec_path.display()))?;
        let src = dir.join("src");
        let mut files = Vec::new();
        rust_files(&src, &src.join("generated"), &mut files);
        let mut found = BTreeSet::new();
        let mut fns = BTreeSet::new();
        for f in files {
            if let Ok(s) = std::fs::read_to_string(&f) {
                found.extend(aliases(&s));
                let names = fn_names(&s);
                found.extend(names.iter().cloned());
                fns.extend(names);
            }
        }
        // An alias must name the operationId exactly; a fn may also be its snake_case form
        // (`ContainerInspect` -> `fn container_inspect`).
        let missing: Vec<String> = operation_ids(&spec)
            .into_iter()
            .filter(|id| !found.contains(id) && !fns.contains(&crate::names::snake(id)))
            .collect();
        if !missing.is_empty() {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            report.push((name, missing));
        }
    }
    Ok(report)
}

pub fn check(root: &Path) -> Result<(), String> {
    let report = missing(root)?;
    if report.is_empty() {
        println!("coverage: every operationId is implemented");
        return Ok(());
    }
    let mut msg = String::new();
    let mut total = 0;
    for (krate, ids) in &report {
        msg.push_str(&format!(
            "{krate}: {} operation(s) with neither #[doc(alias = \"...\")] nor fn of that name:\n",
            ids.len()
        ));
        for id in ids {
            msg.push_str(&format!("    {id}\n"));
        }
        total += ids.len();
    }
    msg.push_str(&format!("coverage: {total} operation(s) not implemented"));
    Err(msg)
}
