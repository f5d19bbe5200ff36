//! `cargo xtask`: the project's automation.
//!
//! - `cargo xtask codegen` writes each API crate's models from `crates/<crate>/openapi.json`
//!   into `crates/<crate>/src/generated/models.rs` (and the generator's own fixture goldens);
//!   `--check` only compares and fails naming every stale or missing file.
//! - `cargo xtask coverage` fails when an `operationId` of a crate's spec has no
//!   `#[doc(alias = "...")]` in that crate's hand-written sources.
//! - `cargo xtask ci` runs fmt, clippy, tests, the codegen and coverage checks and rustdoc,
//!   stopping at the first failure.

mod codegen;
mod coverage;
mod model;
mod names;
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
  coverage            every operationId must have a #[doc(alias)] in its crate
  ci                  fmt, clippy, test, codegen --check, coverage, doc";

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

fn ci(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let steps: &[(&str, &[&str], Option<(&str, &str)>)] = &[
        (
            "cargo fmt --all --check",
            &["fmt", "--all", "--check"],
            None,
        ),
        (
            "cargo clippy --workspace --all-targets -- -D warnings",
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
        ("cargo test --workspace", &["test", "--workspace"], None),
        ("codegen --check", &[], None),
        ("coverage", &[], None),
        (
            "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps",
            &["doc", "--workspace", "--no-deps"],
            Some(("RUSTDOCFLAGS", "-D warnings")),
        ),
    ];
    for (label, args, env) in steps {
        eprintln!("==> {label}");
        let ok = match *label {
            "codegen --check" => codegen::check_all(root, &[])
                .map_err(|e| eprintln!("{e}"))
                .is_ok(),
            "coverage" => coverage::check(root).map_err(|e| eprintln!("{e}")).is_ok(),
            _ => {
                let mut cmd = Command::new(&cargo);
                cmd.args(*args).current_dir(root);
                if let Some((k, v)) = env {
                    cmd.env(k, v);
                }
                cmd.status()
                    .map_err(|e| eprintln!("could not run cargo: {e}"))
                    .is_ok_and(|s| s.success())
            }
        };
        if !ok {
            return Err(format!("ci: step `{label}` failed; stopping here"));
        }
    }
    eprintln!("ci: all steps passed");
    Ok(())
}
