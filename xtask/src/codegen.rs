//! Spec files in, formatted model files out; and the staleness check.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One spec and the file generated from it, both relative to the workspace root.
#[derive(Debug)]
pub struct Target {
    pub spec: PathBuf,
    pub out: PathBuf,
}

/// The API crates' specs (`crates/*/openapi.json`) and the generator's own fixtures
/// (`xtask/tests/fixtures/*.json`, whose goldens sit beside them as `.rs`).
pub fn targets(root: &Path, only: &[&str]) -> Result<Vec<Target>, String> {
    let mut out = Vec::new();
    for dir in sorted_dir(&root.join("crates"))? {
        let named = dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| only.contains(&n));
        if dir.join("openapi.json").is_file() && (only.is_empty() || named) {
            let rel = dir.strip_prefix(root).unwrap_or(&dir).to_path_buf();
            out.push(Target {
                spec: rel.join("openapi.json"),
                out: rel.join("src/generated/models.rs"),
            });
        }
    }
    let fixtures = root.join("xtask/tests/fixtures");
    if fixtures.is_dir() && (only.is_empty() || only.contains(&"xtask")) {
        for f in sorted_dir(&fixtures)? {
            if f.extension().is_some_and(|e| e == "json") {
                let rel = f.strip_prefix(root).unwrap_or(&f).to_path_buf();
                out.push(Target {
                    out: rel.with_extension("rs"),
                    spec: rel,
                });
            }
        }
    }
    Ok(out)
}

fn sorted_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    Ok(v)
}

/// The formatted Rust source for one spec. `source` is the path named in the header.
pub fn generate(root: &Path, spec_path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(root.join(spec_path))
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let spec: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: invalid JSON: {e}", spec_path.display()))?;
    let model = crate::model::build(&spec).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let source = spec_path.to_string_lossy().replace('\\', "/");
    let code = crate::render::render(&model, &source);
    rustfmt(root, &code).map_err(|e| format!("{}: {e}", spec_path.display()))
}

/// Formats with the same rustfmt (and rustfmt.toml, found from `root`) that
/// `cargo fmt` uses, so the checked-in files are also `cargo fmt --check` clean.
pub(crate) fn rustfmt(root: &Path, code: &str) -> Result<String, String> {
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into());
    let mut child = Command::new(rustfmt)
        .args(["--edition", "2021", "--emit", "stdout"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = code.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt writer panicked".to_string())?
        .map_err(|e| format!("rustfmt stdin: {e}"))?;
    if !output.status.success() {
        let dump = std::env::temp_dir().join("xtask-codegen-unformatted.rs");
        let _ = std::fs::write(&dump, code);
        return Err(format!(
            "rustfmt rejected the generated code (saved to {}):\n{}",
            dump.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt output: {e}"))
}

pub fn write_all(root: &Path, only: &[&str]) -> Result<(), String> {
    let targets = targets(root, only)?;
    if targets.is_empty() {
        return Err(format!("codegen: no spec found for {only:?}"));
    }
    for t in targets {
        write_if_changed(root, &t.out, &generate(root, &t.spec)?)?;
    }
    crate::proto::write_all(root, only)
}

/// Writes `code` to `out` (relative to `root`) unless it already holds it.
pub fn write_if_changed(root: &Path, out: &Path, code: &str) -> Result<(), String> {
    let path = root.join(out);
    if std::fs::read_to_string(&path).ok().as_deref() == Some(code) {
        println!("unchanged {}", out.display());
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(&path, code).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote     {}", out.display());
    Ok(())
}

/// What is wrong with the generated file `out` (relative to `root`), made from
/// `source`, if it does not hold `code`.
pub fn compare(root: &Path, out: &Path, source: &Path, code: &str) -> Option<String> {
    match std::fs::read_to_string(root.join(out)) {
        Ok(old) if old == code => None,
        Ok(old) => {
            let line = old
                .lines()
                .zip(code.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| old.lines().count().min(code.lines().count()))
                + 1;
            Some(format!(
                "stale:   {} (differs from {} at line {line})",
                out.display(),
                source.display()
            ))
        }
        Err(_) => Some(format!(
            "missing: {} (from {})",
            out.display(),
            source.display()
        )),
    }
}

/// Every stale or missing generated file, as messages (empty: all up to date).
pub fn stale(root: &Path, only: &[&str]) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for t in targets(root, only)? {
        let code = match generate(root, &t.spec) {
            Ok(code) => code,
            Err(e) => {
                problems.push(format!("error:   {e}"));
                continue;
            }
        };
        problems.extend(compare(root, &t.out, &t.spec, &code));
    }
    problems.extend(crate::proto::stale(root, only)?);
    if only.is_empty() {
        problems.extend(orphans(root)?);
    }
    Ok(problems)
}

/// Generated files whose crate no longer has an openapi.json.
fn orphans(root: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for dir in sorted_dir(&root.join("crates"))? {
        let models = dir.join("src/generated/models.rs");
        let generated = std::fs::read_to_string(&models)
            .is_ok_and(|s| s.starts_with("// @generated by `cargo xtask codegen`"));
        if generated && !dir.join("openapi.json").is_file() {
            let rel = models.strip_prefix(root).unwrap_or(&models);
            out.push(format!(
                "orphan:  {} (its crate has no openapi.json)",
                rel.display()
            ));
        }
    }
    Ok(out)
}

pub fn check_all(root: &Path, only: &[&str]) -> Result<(), String> {
    let problems = stale(root, only)?;
    if problems.is_empty() {
        println!("codegen: all generated files are up to date");
        return Ok(());
    }
    Err(format!(
        "{}\ncodegen: {} generated file(s) out of date; run `cargo xtask codegen`",
        problems.join("\n"),
        problems.len()
    ))
}
