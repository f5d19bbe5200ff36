//! `cargo xtask demo`: the README's first command. It runs `cargo xtask setup`
//! (which installs and starts, as root, dockerd, busybox-static, the local
//! registry on 127.0.0.1:5000 and the rest of what the suite needs, leaving
//! alone whatever already works), then:
//!
//! 1. the `seed_registry` example (busybox into the local registry),
//! 2. the `run_container` example, which pulls that image and runs it.

use std::path::Path;
use std::process::Command;

use crate::setup;

/// The login `.ci/local-registry` sets up when none is given.
const REGISTRY_USER: &str = "docker-engine";
const REGISTRY_PASSWORD: &str = "docker-engine-registry-pw";

pub fn run(root: &Path) -> Result<(), String> {
    let env = setup::run(root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for example in ["seed_registry", "run_container"] {
        eprintln!("==> example {example}");
        let mut cmd = Command::new(&cargo);
        cmd.args(["run", "-q", "-p", "docker-engine", "--example", example])
            .current_dir(root);
        // The registry's demo login (as setup reported it), unless the caller
        // brought their own.
        if std::env::var_os("REGISTRY_USER").is_none() {
            let reported = |name: &str, default: &str| {
                env.iter()
                    .find(|(n, _)| n == name)
                    .map_or(default.to_string(), |(_, v)| v.clone())
            };
            cmd.env("REGISTRY_USER", reported("REGISTRY_USER", REGISTRY_USER))
                .env(
                    "REGISTRY_PASSWORD",
                    reported("REGISTRY_PASSWORD", REGISTRY_PASSWORD),
                );
        }
        match cmd.status() {
            Ok(s) if s.success() => {}
            Ok(s) => return Err(format!("demo: {example} exited with {s}")),
            Err(e) => return Err(format!("demo: could not run {example}: {e}")),
        }
    }
    Ok(())
}
