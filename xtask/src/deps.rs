//! The dependency rules: no crate of the workspace may pull in OpenSSL or a
//! second HTTP stack, whatever features a user turns on; and each crate of
//! the design card does its job in the crate that owns that job (read from
//! `cargo metadata`), so a hand-written replacement cannot creep back in.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Crates that must never appear among the normal dependencies.
const BANNED: &[&str] = &["reqwest", "openssl", "openssl-sys", "native-tls"];

/// Which kind of dependency a rule asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `[dependencies]` (or a target's), not optional unless `feature` says so.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
}

/// One design-card crate that must do its job in one workspace crate.
struct Required {
    package: &'static str,
    dependency: &'static str,
    kind: Kind,
    /// The package feature that must turn an optional dependency on; `None`:
    /// the dependency must not be optional.
    feature: Option<&'static str>,
    job: &'static str,
}

const CORE: &str = "api-client-transport";
/// The crates with error types of their own.
const WITH_ERRORS: &[&str] = &[
    CORE,
    "salad-api",
    "salad-imds",
    "docker-engine",
    "container-registry-client",
];
/// The API crates, each tested against mockito.
const API_CRATES: &[&str] = &[
    "salad-api",
    "salad-imds",
    "docker-engine",
    "container-registry-client",
];

fn required() -> Vec<Required> {
    let mut rules = vec![
        Required {
            package: CORE,
            dependency: "hyperlocal",
            kind: Kind::Normal,
            feature: Some("unix"),
            job: "unix sockets",
        },
        Required {
            package: CORE,
            dependency: "hyper-util",
            kind: Kind::Normal,
            feature: None,
            job: "the client and its pool",
        },
        Required {
            package: CORE,
            dependency: "http-body-util",
            kind: Kind::Normal,
            feature: None,
            job: "bodies",
        },
    ];
    rules.extend(WITH_ERRORS.iter().map(|package| Required {
        package,
        dependency: "thiserror",
        kind: Kind::Normal,
        feature: None,
        job: "every error type",
    }));
    rules.extend(API_CRATES.iter().map(|package| Required {
        package,
        dependency: "mockito",
        kind: Kind::Dev,
        feature: None,
        job: "HTTP tests",
    }));
    rules
}

/// Every broken rule, one sentence each, from `cargo metadata` JSON.
fn missing_in(metadata: &Value) -> Vec<String> {
    let packages = metadata["packages"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let mut broken = Vec::new();
    for rule in required() {
        let Some(package) = packages.iter().find(|p| p["name"] == rule.package) else {
            broken.push(format!(
                "{}: the package is not in the workspace (needed: {} for {})",
                rule.package, rule.dependency, rule.job
            ));
            continue;
        };
        let wanted_kind = match rule.kind {
            Kind::Normal => Value::Null,
            Kind::Dev => Value::from("dev"),
        };
        let deps = package["dependencies"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        let found = deps.iter().find(|d| {
            // `rename` would hide the crate behind another name: the package name counts.
            d["name"] == rule.dependency && d["kind"] == wanted_kind
        });
        let section = match rule.kind {
            Kind::Normal => "[dependencies]",
            Kind::Dev => "[dev-dependencies]",
        };
        let Some(dep) = found else {
            broken.push(format!(
                "{}: {} is missing from {section} (the design card gives it {})",
                rule.package, rule.dependency, rule.job
            ));
            continue;
        };
        let optional = dep["optional"].as_bool().unwrap_or(false);
        match rule.feature {
            None if optional => broken.push(format!(
                "{}: {} is optional, but it does {} in every build",
                rule.package, rule.dependency, rule.job
            )),
            Some(feature) => {
                let enables = package["features"][feature]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .any(|f| {
                        f == format!("dep:{}", rule.dependency)
                            || f == rule.dependency
                            || f.starts_with(&format!("{}/", rule.dependency))
                    });
                if !enables {
                    broken.push(format!(
                        "{}: the `{feature}` feature does not turn on {} (the design card gives it {})",
                        rule.package, rule.dependency, rule.job
                    ));
                }
            }
            None => {}
        }
    }
    broken
}

/// Fails naming every banned crate found in `cargo tree` of the workspace,
/// and every design-card crate missing from the crate that owns its job.
pub fn check(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let metadata = Command::new(&cargo)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not run {cargo} metadata: {e}"))?;
    if !metadata.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&metadata.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&metadata.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let broken = missing_in(&metadata);
    if !broken.is_empty() {
        return Err(format!(
            "design-card crates missing from the crates that own their jobs:\n  {}",
            broken.join("\n  ")
        ));
    }
    eprintln!("deps: every design-card crate is where its job is");
    let output = Command::new(&cargo)
        .args(["tree", "--workspace", "--all-features", "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not run {cargo} tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let tree = String::from_utf8_lossy(&output.stdout);
    let found = banned_in(&tree);
    if found.is_empty() {
        eprintln!("deps: none of {BANNED:?} in the normal dependencies");
        Ok(())
    } else {
        Err(format!("banned dependencies found: {}", found.join(", ")))
    }
}

/// The banned packages named in a `cargo tree --format {p}` listing.
fn banned_in(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| BANNED.contains(name))
        .map(str::to_string)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_banned_names_only_as_whole_package_names() {
        let tree = "api-client-transport v0.1.0 (/w)\nhyper v1.0.0\nopenssl-sys v0.9.1\nnot-openssl v1.0.0\nreqwest v0.12.0 (*)\n";
        assert_eq!(banned_in(tree), ["openssl-sys", "reqwest"]);
        assert!(banned_in("hyper-rustls v0.27.0\nrustls v0.23.0\n").is_empty());
    }

    /// A `cargo metadata` document with every rule met.
    fn healthy() -> Value {
        let dep = |name: &str, kind: Option<&str>, optional: bool| serde_json::json!({ "name": name, "kind": kind, "optional": optional });
        let mut packages = vec![serde_json::json!({
            "name": CORE,
            "dependencies": [
                dep("hyper-util", None, false),
                dep("http-body-util", None, false),
                dep("thiserror", None, false),
                dep("hyperlocal", None, true),
                dep("mockito", Some("dev"), false),
            ],
            "features": { "unix": ["dep:hyperlocal"], "default": [] },
        })];
        for name in API_CRATES {
            packages.push(serde_json::json!({
                "name": name,
                "dependencies": [
                    dep(CORE, None, false),
                    dep("thiserror", None, false),
                    dep("mockito", Some("dev"), false),
                ],
                "features": {},
            }));
        }
        serde_json::json!({ "packages": packages })
    }

    fn core(metadata: &mut Value) -> &mut Value {
        metadata["packages"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|p| p["name"] == CORE)
            .unwrap()
    }

    #[test]
    fn a_metadata_with_every_rule_met_passes() {
        assert_eq!(missing_in(&healthy()), Vec::<String>::new());
    }

    #[test]
    fn removing_hyperlocal_fails() {
        let mut metadata = healthy();
        core(&mut metadata)["dependencies"]
            .as_array_mut()
            .unwrap()
            .retain(|d| d["name"] != "hyperlocal");
        let broken = missing_in(&metadata);
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert!(
            broken[0].contains("api-client-transport: hyperlocal is missing"),
            "{broken:?}"
        );

        // Still a dependency, but the `unix` feature no longer uses it.
        let mut metadata = healthy();
        core(&mut metadata)["features"]["unix"] = serde_json::json!([]);
        let broken = missing_in(&metadata);
        assert!(
            broken[0].contains("`unix` feature does not turn on hyperlocal"),
            "{broken:?}"
        );
    }

    #[test]
    fn thiserror_mockito_and_the_core_crates_are_each_required() {
        let mut metadata = healthy();
        for package in metadata["packages"].as_array_mut().unwrap() {
            package["dependencies"]
                .as_array_mut()
                .unwrap()
                .retain(|d| d["name"] != "thiserror" && d["name"] != "mockito");
        }
        core(&mut metadata)["dependencies"]
            .as_array_mut()
            .unwrap()
            .retain(|d| d["name"] != "http-body-util");
        let broken = missing_in(&metadata);
        // thiserror in 5 crates, mockito in 4, http-body-util in the core.
        assert_eq!(broken.len(), 10, "{broken:#?}");
        assert!(broken
            .iter()
            .any(|b| b.starts_with("docker-engine: thiserror")));
        assert!(broken
            .iter()
            .any(|b| b.starts_with("salad-imds: mockito is missing from [dev-dependencies]")));
        // A dev-dependency does not stand in for a normal one.
        let mut metadata = healthy();
        for d in core(&mut metadata)["dependencies"].as_array_mut().unwrap() {
            if d["name"] == "hyper-util" {
                d["kind"] = "dev".into();
            }
        }
        assert!(missing_in(&metadata)[0].contains("hyper-util is missing from [dependencies]"));
    }

    #[test]
    fn the_workspace_keeps_the_dependency_rules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root");
        check(root).unwrap();
    }
}
