//! `cargo xtask`: the project's automation.
//!
//! - `cargo xtask codegen` writes each API crate's models from `crates/<crate>/openapi.json`
//!   into `crates/<crate>/src/generated/models.rs` (and the generator's own fixture goldens),
//!   and salad-imds' gRPC code from `crates/salad-imds/proto/*.proto` (see `proto.rs`);
//!   `--check` only compares and fails naming every stale or missing file.
//! - `cargo xtask coverage` fails when an `operationId` of a crate's spec has no
//!   `#[doc(alias = "...")]` (or `fn` of that name) in that crate's hand-written sources.
//! - `cargo xtask setup` installs and starts, as root, what the whole suite needs on a bare
//!   Debian machine (see `setup.rs`), leaving alone what already works.
//! - `cargo xtask demo` runs `setup`, then pulls and runs a container (the README's first
//!   command).
//! - `cargo xtask spec-drift` compares each crate's `openapi.json` with its upstream spec
//!   (see `drift.rs`); differences not listed in `spec-departures.txt` fail.
//! - `cargo xtask features PACKAGE` runs clippy on the package's library with no features and
//!   with each feature alone (`ci` does so for docker-engine).
//! - `cargo xtask deps` fails when reqwest, OpenSSL or native-tls is among the normal dependencies,
//!   or when a design-card crate is missing from the crate that owns its job (see `deps.rs`).
//! - `cargo xtask msrv`, `minimal-versions` and `package` are the release gates (see `release.rs`).
//! - `cargo xtask ci` runs `setup`, then fmt, clippy, tests, the codegen, coverage and dependency
//!   checks, rustdoc and the release gates, stopping at the first failure. Its cargo steps get
//!   `CI=true` and the variables `setup` reports, so a suite that cannot run fails with the
//!   reason instead of skipping; it ends with the count of skipped suites, which must be 0.
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
//!
//! Every model derives both `Serialize` and `Deserialize`. What a request sends (and what
//! no operation reaches) also implements `api_client_transport::Validate`: its
//! `minLength`/`maxLength`/`pattern`/`format: uuid`/`format: url` (or `uri`: an absolute
//! http(s) URL)/`minimum`/`maximum`/`exclusive*`/`minItems`/`maxItems` become checks. A
//! pattern is read as ECMA-262 with the `u` flag and must translate into regex-lite's syntax
//! and compile there (`validate::pattern_error`, the translation the generated check runs):
//! backreferences, lookaround, `\p{..}` and patterns past regex-lite's size limit fail
//! generation, naming the spec file, the schema and the field.

mod codegen;
mod coverage;
mod demo;
mod deps;
mod drift;
mod model;
mod names;
mod proto;
mod release;
mod render;
mod setup;
#[cfg(test)]
mod tests;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check] [CRATE...]
                      generate models from crates/*/openapi.json (all crates, or the named
                      ones) and the xtask fixtures; --check only compares, naming stale files
  codegen --print SPEC
                      print the models generated from SPEC (a path) without writing anything
  coverage            every operationId must have a #[doc(alias)] (or a fn of that
                      name) in its crate's src/, outside src/generated/
  setup               install and start, as root, what the whole suite needs on a bare Debian
                      machine: busybox-static, protoc, dockerd (unix socket and TLS), podman,
                      the local registry, sshd, rustfmt/clippy, the windows-gnu target, the
                      MSRV and nightly toolchains; what already works is left alone; prints
                      the variables the live suites read as `export` lines
  demo                setup, seed the local registry, then run the docker-engine example
                      that pulls and runs a container
  spec-drift [--specs DIR]
                      compare each crate's openapi.json with its upstream spec (DIR, else
                      $SPEC_DRIFT_SPECS, else the vendored specs/; absent -> failure); every
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
  ci                  setup, then fmt, clippy, test, docker-engine per feature, codegen
                      --check, coverage, spec-drift, deps, doc, msrv, minimal-versions,
                      package; cargo steps get CI=true and setup's variables, so a suite
                      that cannot run fails; ends with the count of skipped suites (0)";

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
        ["setup"] => setup::command(&root),
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

/// The podman service `cargo xtask setup` starts, the second daemon of the live tests.
const PODMAN_HOST: &str = "unix:///run/podman-ci/podman.sock";

const CI: &[(&str, Step)] = &[
    (
        "cargo fmt --all --check",
        Step::Cargo(&["fmt", "--all", "--check"], None),
    ),
    (
        "cargo clippy --workspace --all-targets --all-features -- -D warnings",
        Step::Cargo(
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
            None,
        ),
    ),
    (
        // Every feature on: the gated parts (docker-engine's swarm and plugins,
        // salad-imds' worker) have their own suites. What each feature leaves
        // out is checked by the per-feature clippy steps below.
        "cargo test --workspace --all-features",
        Step::Cargo(&["test", "--workspace", "--all-features"], None),
    ),
    (
        "DOCKER_HOST=unix:///run/podman-ci/podman.sock cargo test -p docker-engine --test live --test live_cli_parity --test context",
        // The live suite again, against podman's Docker-compatible service (setup starts it).
        Step::Cargo(
            &[
                "test",
                "-p",
                "docker-engine",
                "--test",
                "live",
                "--test",
                "live_cli_parity",
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
    (
        "cargo clippy -p salad-imds --no-default-features [--features <each>] -- -D warnings",
        Step::Features("salad-imds"),
    ),
    ("cargo xtask codegen --check", Step::Codegen),
    ("cargo xtask coverage", Step::Coverage),
    ("cargo xtask spec-drift", Step::SpecDrift),
    ("cargo xtask deps", Step::Deps),
    (
        "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps --all-features",
        Step::Cargo(
            &["doc", "--workspace", "--no-deps", "--all-features"],
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
    let env = suite_env(setup::run(root)?);
    let mut skipped: Vec<String> = Vec::new();
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
            Step::Cargo(args, extra) => {
                let mut cmd = cargo_step(&cargo, root, args, *extra, &env);
                run_watching_for_skips(&mut cmd, &cargo)
                    .map(|notes| skipped.extend(notes.into_iter().map(|n| format!("{label}: {n}"))))
            }
        };
        if let Err(e) = result {
            return Err(format!("{e}\nci: step `{label}` failed; stopping here"));
        }
    }
    eprintln!("ci: {} suites skipped", skipped.len());
    if !skipped.is_empty() {
        return Err(format!(
            "ci: every suite must run under `cargo xtask ci`, but these skipped:\n  {}",
            skipped.join("\n  ")
        ));
    }
    eprintln!("ci: all steps passed");
    Ok(())
}

/// What the cargo steps of `ci` run with: `CI=true` (a live suite whose
/// daemon, certificates or specs are missing then fails with the reason
/// instead of skipping) and the variables `setup` reported.
fn suite_env(reported: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut env = vec![("CI".to_string(), "true".to_string())];
    env.extend(reported.into_iter().filter(|(name, _)| name != "CI"));
    env
}

/// One cargo step: `cargo <args>` in the workspace with the suites' variables
/// and the step's own (which wins).
fn cargo_step(
    cargo: &str,
    root: &Path,
    args: &[&str],
    extra: Option<(&str, &str)>,
    env: &[(String, String)],
) -> Command {
    let mut cmd = Command::new(cargo);
    cmd.args(args).current_dir(root);
    for (name, value) in env {
        cmd.env(name, value);
    }
    if let Some((name, value)) = extra {
        cmd.env(name, value);
    }
    cmd
}

/// The note of a line that says a test or suite skipped itself, as the
/// suites of this workspace word it (`=== SKIPPING ...`, `skipping NAME: why`,
/// `skipped: why`, `...; skipped`).
fn skip_note(line: &str) -> Option<&str> {
    let line = line.trim().trim_matches('=').trim();
    let lower = line.to_ascii_lowercase();
    let says_so = line.starts_with("SKIPPING")
        || lower.starts_with("skipping ")
        || lower.starts_with("skipped:")
        || lower.ends_with("; skipped");
    says_so.then_some(line)
}

/// Runs `cmd`, passing its output through line by line, and returns the
/// lines that say something skipped.
fn run_watching_for_skips(cmd: &mut Command, program: &str) -> Result<Vec<String>, String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run {program}: {e}"))?;
    let out = child
        .stdout
        .take()
        .map(|o| pass_through(o, std::io::stdout));
    let err = child
        .stderr
        .take()
        .map(|e| pass_through(e, std::io::stderr));
    let status = child
        .wait()
        .map_err(|e| format!("could not wait for {program}: {e}"))?;
    let mut notes = Vec::new();
    for reader in [out, err].into_iter().flatten() {
        notes.extend(reader.join().unwrap_or_default());
    }
    if status.success() {
        Ok(notes)
    } else {
        Err(format!("exited with {status}"))
    }
}

/// Copies `from` to `to` line by line in a thread; the thread returns the
/// skip notes it saw.
fn pass_through<R, W>(from: R, to: fn() -> W) -> std::thread::JoinHandle<Vec<String>>
where
    R: Read + Send + 'static,
    W: Write + 'static,
{
    std::thread::spawn(move || {
        let mut notes = Vec::new();
        let mut reader = BufReader::new(from);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let _ = to().write_all(&line);
                    if let Some(note) = skip_note(&String::from_utf8_lossy(&line)) {
                        notes.push(note.to_string());
                    }
                }
            }
        }
        notes
    })
}

#[cfg(test)]
mod ci_tests {
    use super::*;

    #[test]
    fn cargo_steps_get_ci_and_the_variables_setup_reported() {
        let env = suite_env(vec![
            (
                "DOCKER_TLS_TEST_DIR".into(),
                "/var/tmp/docker-engine-tls".into(),
            ),
            ("CI".into(), "".into()),
        ]);
        assert_eq!(env[0], ("CI".to_string(), "true".to_string()));
        assert_eq!(env.iter().filter(|(n, _)| n == "CI").count(), 1);
        let cmd = cargo_step(
            "cargo",
            Path::new("/w"),
            &["test", "-p", "docker-engine"],
            Some(("DOCKER_HOST", PODMAN_HOST)),
            &env,
        );
        let vars: Vec<(String, String)> = cmd
            .get_envs()
            .map(|(k, v)| {
                let text = |s: &std::ffi::OsStr| s.to_string_lossy().into_owned();
                (text(k), v.map(text).unwrap_or_default())
            })
            .collect();
        for want in [
            ("CI", "true"),
            ("DOCKER_TLS_TEST_DIR", "/var/tmp/docker-engine-tls"),
            ("DOCKER_HOST", PODMAN_HOST),
        ] {
            assert!(
                vars.iter().any(|(k, v)| k == want.0 && v == want.1),
                "{want:?} in {vars:?}"
            );
        }
        assert_eq!(cmd.get_current_dir(), Some(Path::new("/w")));
    }

    #[test]
    fn every_test_step_is_a_cargo_step_and_sees_the_suite_variables() {
        let tests: Vec<&str> = CI
            .iter()
            .filter(|(_, step)| matches!(step, Step::Cargo(args, _) if args[0] == "test"))
            .map(|(label, _)| *label)
            .collect();
        assert!(
            tests.contains(&"cargo test --workspace --all-features"),
            "{tests:?}"
        );
        assert!(tests.iter().any(|l| l.contains("podman")), "{tests:?}");
    }

    #[test]
    fn skip_lines_of_the_suites_are_recognised_and_test_names_are_not() {
        for line in [
            "\n=== SKIPPING live Docker test: no Docker daemon answers ===",
            "=== SKIPPING: no registry answers on 127.0.0.1:5000 (run .ci/local-registry) ===",
            "skipping the_right_ca_and_client_certificate_are_accepted: DOCKER_TLS_TEST_DIR is not set",
            "skipped: no upstream specs (set SPEC_DRIFT_SPECS)",
            "spec-drift: docker-engine: /x/docker-engine-v1.45.json absent; skipped",
        ] {
            assert!(skip_note(line).is_some(), "{line}");
        }
        for line in [
            "test zero_length_frames_are_skipped ... ok",
            "test empty_pages_in_the_middle_are_skipped_not_an_end ... ok",
            "test result: ok. 5 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
            "   Compiling skipping v0.1.0",
        ] {
            assert!(skip_note(line).is_none(), "{line}");
        }
        assert_eq!(skip_note("=== SKIPPING: why ===\n"), Some("SKIPPING: why"));
    }

    #[test]
    fn a_command_is_passed_through_and_its_skips_counted() {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "echo 'test a ... ok'; echo '=== SKIPPING: no daemon ===' >&2; echo 'skipped: no specs'",
        ]);
        let mut notes = run_watching_for_skips(&mut cmd, "sh").unwrap();
        notes.sort();
        assert_eq!(notes, ["SKIPPING: no daemon", "skipped: no specs"]);
        let mut failing = Command::new("sh");
        failing.args(["-c", "exit 3"]);
        let err = run_watching_for_skips(&mut failing, "sh").unwrap_err();
        assert!(err.contains("exited with"), "{err}");
    }
}
