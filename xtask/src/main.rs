//! `cargo xtask`: the project's automation.
//!
//! - `cargo xtask codegen` writes each API crate's models from `crates/<crate>/openapi.json`
//!   into `crates/<crate>/src/generated/models.rs` (and the generator's own fixture goldens);
//!   `--check` only compares and fails naming every stale or missing file.
//! - `cargo xtask coverage` fails when an `operationId` of a crate's spec has no
//!   `#[doc(alias = "...")]` (or `fn` of that name) in that crate's hand-written sources.
//! - `cargo xtask demo` sets up dockerd and the local registry when missing, then pulls and
//!   runs a container (the README's first command).
//! - `cargo xtask spec-drift` compares each crate's `openapi.json` with its upstream spec
//!   (see `drift.rs`); differences not listed in `spec-departures.txt` fail.
//! - `cargo xtask features PACKAGE` runs clippy on the package's library with no features and
//!   with each feature alone (`ci` does so for docker-engine).
//! - `cargo xtask deps` fails when reqwest, OpenSSL or native-tls is among the normal dependencies,
//!   or when a design-card crate is missing from the crate that owns its job (see `deps.rs`).
//! - `cargo xtask msrv`, `minimal-versions` and `package` are the release gates (see `release.rs`).
//! - `cargo xtask ci` runs fmt, clippy, tests, the codegen, coverage and dependency checks, rustdoc
//!   and the release gates, stopping at the first failure.
//!
//! # What the generator reads
//!
//! OpenAPI 3.0/3.1 `components.schemas` or Swagger 2 `definitions`, as JSON. Each named
//! schema becomes a struct (objects, `allOf` merged), an enum (`enum` of strings or
//! integers) or a type alias (anything else); inline objects and enums become
//! `<Parent><Field>` types. `oneOf`/`anyOf`/untyped schemas are `serde_json::Value`;
//! `nullable`, `x-nullable`, `type: [.., "null"]` and `anyOf: [.., {type: null}]` make an
//! `Option`. Vendor extensions:
//!
//! - `x-merge-patch: true` (object): optional fields are `api_client_transport::Patch<T>`.
//! - `x-rust-type: "path::Type"` (property or schema): that type, verbatim; if the schema is a
//!   string, its length/pattern checks stay (the type implements `api_client_transport::validate::Text`).
//! - `x-deserialize-with: "path::function"` (property): serde's `deserialize_with`, for a
//!   field the server may send in more than one shape; the Rust type is unchanged.
//! - `x-enum-varnames` (integer enum): variant names, also accepted as wire names.
//! - `x-enum-descriptions` / `x-enum-comments`: variant docs.
//! - `x-feature: "name"` (operation): the cargo feature that enables the operation. Each model
//!   is compiled under the features of the operations that reach it (`#[cfg(any(..))]` and
//!   rustdoc's note), always if an ungated operation reaches it or none does. On a schema: hand-
//!   written code behind that feature uses it.
//! - `x-rust-derive: ["Serialize" | "Deserialize"]` (schema), with `x-rust-derive-reason`: a
//!   serde direction hand-written code needs beyond the rule: a model implements `Serialize` and
//!   `Validate` when a request sends it, `Deserialize` when an answer holds it, both when no
//!   operation reaches it.
//!
//! `minLength`/`maxLength`/`pattern`/`format: uuid`/`minimum`/`maximum`/`exclusive*`/
//! `minItems`/`maxItems` become `api_client_transport::Validate` checks; patterns must compile with
//! api-client-transport's ECMA-262 matcher (`validate::pattern_error`), or generation fails.

mod codegen;
mod coverage;
mod demo;
mod deps;
mod drift;
mod model;
mod names;
mod release;
mod render;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check] [CRATE...]
                      generate models from crates/*/openapi.json (all crates, or the named
                      ones) and the xtask fixtures; --check only compares, naming stale files
  codegen --print SPEC
                      print the models generated from SPEC (a path) without writing anything
  coverage            every operationId must have a #[doc(alias)] (or a fn of that
                      name) in its crate's src/, outside src/generated/
  demo                set up dockerd, busybox and the local registry when missing (as root),
                      seed the registry, then run the docker-engine example that pulls and runs
  spec-drift [--specs DIR]
                      compare each crate's openapi.json with its upstream spec (DIR, else
                      $SPEC_DRIFT_SPECS, else ../shared/specs; absent -> skipped); every
                      difference must be listed in crates/<crate>/spec-departures.txt
  features PACKAGE    clippy -D warnings on PACKAGE's library with no features, then with
                      each feature alone (part of ci, for docker-engine)
  deps                no reqwest, openssl or native-tls among the normal dependencies; the
                      design card's crates where their jobs are (hyperlocal in the core's
                      `unix`, thiserror in every crate with errors, mockito in API crates' dev)
  msrv                build on the declared rust-version from the committed lock
                      (rustup installs the toolchain when missing)
  minimal-versions    build with every direct dependency at its lower bound (nightly cargo's
                      -Z direct-minimal-versions; Cargo.lock is restored afterwards)
  package             cargo package --workspace (verified), the license files in every
                      package, cargo publish --dry-run of the core
  bench [ARGS...]     build and run the benchmarks against bollard and raw hyper
                      (bench/run.sh: its own workspace; writes BENCHMARKS.md)
  ci                  fmt, clippy, test, docker-engine per feature, codegen --check,
                      coverage, deps, doc, msrv, minimal-versions, package";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();
    let result = match args.as_slice() {
        ["codegen", "--print", spec] => {
            codegen::generate(&root, Path::new(spec)).map(|code| print!("{code}"))
        }
        ["codegen", "--check", only @ ..] => codegen::check_all(&root, only),
        ["codegen", only @ ..] if !only.iter().any(|a| a.starts_with('-')) => {
            codegen::write_all(&root, only)
        }
        ["coverage"] => coverage::check(&root),
        ["demo"] => demo::run(&root),
        ["deps"] => deps::check(&root),
        ["msrv"] => release::msrv(&root),
        ["minimal-versions"] => release::minimal_versions(&root),
        ["package"] => release::package(&root),
        ["spec-drift"] => drift::check(&root, &drift::specs_dir(&root, None)),
        ["spec-drift", "--specs", dir] => drift::check(&root, &drift::specs_dir(&root, Some(dir))),
        ["bench", rest @ ..] => bench(&root, rest),
        ["features", package] => {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            feature_matrix(&root, &cargo, package)
        }
        ["ci"] => ci(&root),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// One step of `cargo xtask ci`.
enum Step {
    /// `cargo <args>`, with an extra environment variable.
    Cargo(
        &'static [&'static str],
        Option<(&'static str, &'static str)>,
    ),
    Codegen,
    Coverage,
    SpecDrift,
    Deps,
    Msrv,
    MinimalVersions,
    Package,
    /// The bench workspace (bollard and all) still resolves from its committed
    /// lock file; `cargo metadata` resolves without compiling anything.
    BenchLock,
    /// The package's library builds with each of its features alone, and passes
    /// clippy with none: the workspace build only ever sees them all.
    Features(&'static str),
}

/// The podman service `.ci/run` starts, the second daemon of the live tests.
const PODMAN_HOST: &str = "unix:///run/podman-ci/podman.sock";

const CI: &[(&str, Step)] = &[
    (
        "cargo fmt --all --check",
        Step::Cargo(&["fmt", "--all", "--check"], None),
    ),
    (
        "cargo clippy --workspace --all-targets -- -D warnings",
        Step::Cargo(
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            None,
        ),
    ),
    (
        "cargo test --workspace",
        Step::Cargo(&["test", "--workspace"], None),
    ),
    (
        "DOCKER_HOST=unix:///run/podman-ci/podman.sock cargo test -p docker-engine --test live --test context",
        // The live suite again, against podman's Docker-compatible service (.ci/run starts it).
        Step::Cargo(
            &[
                "test",
                "-p",
                "docker-engine",
                "--test",
                "live",
                "--test",
                "context",
            ],
            Some(("DOCKER_HOST", PODMAN_HOST)),
        ),
    ),
    (
        "cargo check -p docker-engine --target x86_64-pc-windows-gnu",
        // Windows has no unix sockets: the crate must still build there.
        Step::Cargo(
            &[
                "check",
                "-p",
                "docker-engine",
                "--target",
                "x86_64-pc-windows-gnu",
            ],
            None,
        ),
    ),
    (
        "cargo clippy -p docker-engine --no-default-features [--features <each>] -- -D warnings",
        Step::Features("docker-engine"),
    ),
    ("cargo xtask codegen --check", Step::Codegen),
    ("cargo xtask coverage", Step::Coverage),
    ("cargo xtask spec-drift", Step::SpecDrift),
    ("cargo xtask deps", Step::Deps),
    (
        "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps",
        Step::Cargo(
            &["doc", "--workspace", "--no-deps"],
            Some(("RUSTDOCFLAGS", "-D warnings")),
        ),
    ),
    ("cargo xtask msrv", Step::Msrv),
    ("cargo xtask minimal-versions", Step::MinimalVersions),
    ("cargo xtask package", Step::Package),
    (
        "cargo metadata --locked --manifest-path bench/Cargo.toml",
        Step::BenchLock,
    ),
];

/// Runs `bench/run.sh`: the benchmarks live in their own workspace so that the
/// normal build never compiles bollard.
fn bench(root: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new("bash")
        .arg(root.join("bench/run.sh"))
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("could not run bench/run.sh: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("bench/run.sh exited with {status}"))
    }
}

/// Fails when `bench/Cargo.lock` no longer matches the workspace it locks (a
/// renamed or newly added dependency of a crate the bench uses): `--locked`
/// would refuse to build the bench. The JSON on stdout is not wanted.
fn bench_lock(root: &Path, cargo: &str) -> Result<(), String> {
    let status = Command::new(cargo)
        .args([
            "metadata",
            "--locked",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(root.join("bench/Cargo.toml"))
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "bench/Cargo.lock is stale ({status}): run `cargo metadata --manifest-path bench/Cargo.toml` and commit the lock"
        ))
    }
}

/// `package`'s features (but `default`), from `cargo metadata`.
fn features_of(root: &Path, cargo: &str, package: &str) -> Result<Vec<String>, String> {
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo metadata exited with {}", out.status));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let pkg = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == package)
        .ok_or_else(|| format!("no package {package} in the workspace"))?;
    let mut features: Vec<String> = pkg["features"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .filter(|k| k != "default")
        .collect();
    features.sort();
    Ok(features)
}

/// Clippy (warnings fatal, as cheap as `cargo check`) on the library with no features,
/// then with each feature alone: what a feature leaves out must not leave unused
/// imports or dead code behind.
fn feature_matrix(root: &Path, cargo: &str, package: &str) -> Result<(), String> {
    let run = |args: &[&str]| -> Result<(), String> {
        eprintln!("    cargo {}", args.join(" "));
        match Command::new(cargo).args(args).current_dir(root).status() {
            Ok(s) if s.success() => Ok(()),
            Ok(s) => Err(format!("`cargo {}` exited with {s}", args.join(" "))),
            Err(e) => Err(format!("could not run {cargo}: {e}")),
        }
    };
    let mut sets = vec![None];
    sets.extend(features_of(root, cargo, package)?.into_iter().map(Some));
    for feature in &sets {
        let mut args = vec!["clippy", "-p", package, "--no-default-features"];
        if let Some(f) = feature {
            args.extend(["--features", f]);
        }
        args.extend(["--", "-D", "warnings"]);
        run(&args)?;
    }
    Ok(())
}

fn ci(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for (label, step) in CI {
        eprintln!("==> {label}");
        let result = match step {
            Step::Codegen => codegen::check_all(root, &[]),
            Step::Coverage => coverage::check(root),
            Step::SpecDrift => drift::check(root, &drift::specs_dir(root, None)),
            Step::Deps => deps::check(root),
            Step::Msrv => release::msrv(root),
            Step::MinimalVersions => release::minimal_versions(root),
            Step::Package => release::package(root),
            Step::BenchLock => bench_lock(root, &cargo),
            Step::Features(package) => feature_matrix(root, &cargo, package),
            Step::Cargo(args, env) => {
                let mut cmd = Command::new(&cargo);
                cmd.args(*args).current_dir(root);
                if let Some((k, v)) = env {
                    cmd.env(k, v);
                }
                match cmd.status() {
                    Ok(s) if s.success() => Ok(()),
                    Ok(s) => Err(format!("exited with {s}")),
                    Err(e) => Err(format!("could not run {cargo}: {e}")),
                }
            }
        };
        if let Err(e) = result {
            return Err(format!("{e}\nci: step `{label}` failed; stopping here"));
        }
    }
    eprintln!("ci: all steps passed");
    Ok(())
}
