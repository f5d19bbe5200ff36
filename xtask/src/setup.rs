//! `cargo xtask setup`: makes a bare Debian machine able to run the whole
//! suite, as root, and leaves alone whatever already works (it may be run
//! before every `cargo xtask ci` or `demo`: a dockerd that answers is never
//! restarted, nothing installed is installed again).
//!
//! 1. `.ci/setup` (shell, as it is mostly `apt-get` and daemons): busybox-static,
//!    nodejs, docker.io with dockerd on the unix socket and on TLS
//!    (`tcp://127.0.0.1:2376`, certificates in `/var/tmp/docker-engine-tls`),
//!    podman's Docker-compatible service, the local registry on 127.0.0.1:5000
//!    and sshd on 127.0.0.1:2222 in front of dockerd. It reports the variables
//!    the live suites read, which [`run`] returns.
//! 2. The Rust side, through rustup (only what is missing): rustfmt and clippy, the
//!    `x86_64-pc-windows-gnu` target (`ci` checks docker-engine builds for
//!    Windows), the toolchain of the declared `rust-version` (`cargo xtask msrv`)
//!    and nightly (`cargo xtask minimal-versions`).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::release;

/// Rust components `ci` runs (`cargo fmt`, `cargo clippy`).
const COMPONENTS: &[&str] = &["rustfmt", "clippy"];

/// Targets `ci` checks the workspace for.
const TARGETS: &[&str] = &["x86_64-pc-windows-gnu"];

/// Sets the machine up and returns the variables the live suites read
/// (`DOCKER_TLS_TEST_DIR`, `DOCKER_SSH_TEST_HOST`, ...), as `.ci/setup`
/// reported them.
pub fn run(root: &Path) -> Result<Vec<(String, String)>, String> {
    eprintln!("==> setup: the machine (.ci/setup)");
    let env_file = std::env::temp_dir().join(format!("xtask-setup-env-{}", std::process::id()));
    let _ = std::fs::remove_file(&env_file);
    // Its progress goes to stderr: stdout is kept for the `export` lines.
    let status = Command::new("bash")
        .arg(root.join(".ci/setup"))
        .env("SETUP_ENV_FILE", &env_file)
        .current_dir(root)
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| format!("setup: could not run .ci/setup: {e}"));
    let reported = std::fs::read_to_string(&env_file).unwrap_or_default();
    let _ = std::fs::remove_file(&env_file);
    match status? {
        s if s.success() => {}
        s => {
            return Err(format!(
                "setup: .ci/setup exited with {s} (its output above says why)"
            ))
        }
    }
    let env = parse_env(&reported)?;

    eprintln!("==> setup: Rust components, targets and toolchains");
    let installed = rustup(&["component", "list", "--installed"])?;
    for component in missing(&installed, COMPONENTS) {
        run_rustup(&["component", "add", component])?;
    }
    let installed = rustup(&["target", "list", "--installed"])?;
    for target in missing(&installed, TARGETS) {
        run_rustup(&["target", "add", target])?;
    }
    // The release gates build on these (`msrv`, `minimal-versions`).
    let toolchains = rustup(&["toolchain", "list"])?;
    let msrv = release::declared_msrv(root)?;
    for toolchain in [msrv.as_str(), "nightly"] {
        if !has_toolchain(&toolchains, toolchain) {
            run_rustup(&["toolchain", "install", toolchain, "--profile", "minimal"])?;
        }
    }
    eprintln!("setup: done");
    Ok(env)
}

/// `cargo xtask setup` itself: sets up, then prints the variables so that a
/// shell can run single suites by hand (`eval "$(cargo xtask setup)"`).
pub fn command(root: &Path) -> Result<(), String> {
    for (name, value) in run(root)? {
        println!("export {name}={}", shell_quote(&value));
    }
    Ok(())
}

/// Reads the `NAME=VALUE` lines `.ci/setup` appends to `SETUP_ENV_FILE`.
pub fn parse_env(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut env: Vec<(String, String)> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!(
                "setup: .ci/setup reported `{line}`, not NAME=VALUE"
            ));
        };
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(format!(
                "setup: .ci/setup reported a bad variable name `{name}`"
            ));
        }
        // A later line wins, as it would in a shell.
        env.retain(|(n, _)| n != name);
        env.push((name.to_string(), value.to_string()));
    }
    Ok(env)
}

/// The wanted items that `rustup ... list --installed` does not show. Its
/// lines name components and targets with the host triple
/// (`clippy-x86_64-unknown-linux-gnu`) and targets alone (`x86_64-pc-windows-gnu`).
pub fn missing<'a>(installed: &str, wanted: &[&'a str]) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|w| {
            !installed.lines().map(str::trim).any(|line| {
                line == *w
                    || line
                        .strip_prefix(*w)
                        .is_some_and(|rest| rest.starts_with('-') && rest.len() > 1)
            })
        })
        .collect()
}

/// Whether `rustup toolchain list` shows `toolchain` (`1.80` is
/// `1.80-<triple>` or any `1.80.<patch>-<triple>`; `nightly` is `nightly-<triple>`).
pub fn has_toolchain(listing: &str, toolchain: &str) -> bool {
    listing.lines().any(|line| {
        let name = line.split_whitespace().next().unwrap_or_default();
        name.strip_prefix(toolchain).is_some_and(|rest| {
            rest.starts_with('-')
                || rest
                    .strip_prefix('.')
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
    })
}

fn rustup(args: &[&str]) -> Result<String, String> {
    let out = Command::new("rustup")
        .args(args)
        .output()
        .map_err(|e| format!("setup: could not run rustup (install it first): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "setup: `rustup {}` exited with {}: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn run_rustup(args: &[&str]) -> Result<(), String> {
    eprintln!("    rustup {}", args.join(" "));
    let status = Command::new("rustup")
        .args(args)
        .stdout(Stdio::from(std::io::stderr()))
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!(
            "setup: `rustup {}` exited with {s}",
            args.join(" ")
        )),
        Err(e) => Err(format!("setup: could not run rustup: {e}")),
    }
}

/// `value` in single quotes for a POSIX shell.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_variables_are_read_and_bad_lines_refused() {
        let env = parse_env(
            "DOCKER_TLS_TEST_DIR=/var/tmp/docker-engine-tls\n\nDOCKER_SSH_TEST_HOST=ssh://root@127.0.0.1:2222\nREGISTRY_PASSWORD=a=b\nREGISTRY_PASSWORD=c\n",
        )
        .unwrap();
        assert_eq!(
            env,
            [
                (
                    "DOCKER_TLS_TEST_DIR".into(),
                    "/var/tmp/docker-engine-tls".into()
                ),
                (
                    "DOCKER_SSH_TEST_HOST".into(),
                    "ssh://root@127.0.0.1:2222".into()
                ),
                ("REGISTRY_PASSWORD".into(), "c".into()),
            ]
        );
        assert!(parse_env("no equals sign")
            .unwrap_err()
            .contains("NAME=VALUE"));
        assert!(parse_env("lower=x")
            .unwrap_err()
            .contains("bad variable name"));
        assert!(parse_env("=x").is_err());
        assert_eq!(parse_env("").unwrap(), []);
    }

    #[test]
    fn missing_components_and_targets_are_found_from_rustups_listing() {
        let components = "cargo-x86_64-unknown-linux-gnu\nclippy-x86_64-unknown-linux-gnu\nrust-std-x86_64-unknown-linux-gnu\n";
        assert_eq!(missing(components, COMPONENTS), ["rustfmt"]);
        let all = format!("{components}rustfmt-x86_64-unknown-linux-gnu\n");
        assert!(missing(&all, COMPONENTS).is_empty());
        // A bare name counts; a name cut off before its triple does not.
        assert_eq!(missing("clippy\n", &["clippy"]), Vec::<&str>::new());
        assert_eq!(missing("clippy-\n", &["clippy"]), ["clippy"]);
        let targets = "x86_64-unknown-linux-gnu\n";
        assert_eq!(missing(targets, TARGETS), ["x86_64-pc-windows-gnu"]);
        assert!(missing("x86_64-unknown-linux-gnu\nx86_64-pc-windows-gnu\n", TARGETS).is_empty());
    }

    #[test]
    fn toolchains_are_found_by_version_or_channel() {
        let listing = "stable-x86_64-unknown-linux-gnu (active, default)\nnightly-x86_64-unknown-linux-gnu\n1.80-x86_64-unknown-linux-gnu\n1.95.0-x86_64-unknown-linux-gnu\n";
        assert!(has_toolchain(listing, "1.80"));
        assert!(has_toolchain(listing, "nightly"));
        assert!(has_toolchain(listing, "1.95"));
        assert!(has_toolchain(listing, "1.95.0"));
        assert!(!has_toolchain(listing, "1.8"));
        assert!(!has_toolchain(listing, "1.81"));
        assert!(!has_toolchain(listing, "beta"));
        assert!(!has_toolchain("1.800-x86_64-unknown-linux-gnu\n", "1.80"));
        assert!(has_toolchain("1.80.1-x86_64-unknown-linux-gnu\n", "1.80"));
    }

    #[test]
    fn exported_values_survive_the_shell() {
        assert_eq!(shell_quote("/var/tmp/x"), "'/var/tmp/x'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
