//! The release gates: what must hold before any crate of the workspace is
//! published, checked on every CI run so it stays true between releases.
//!
//! - `msrv`: the libraries and tools build with the `rust-version` the
//!   manifests declare, from the committed lock file (which the resolver keeps
//!   MSRV-compatible through `incompatible-rust-versions = "fallback"`).
//! - `minimal-versions`: the workspace builds with every direct dependency at
//!   the lowest version its requirement allows, so a lower bound never claims
//!   more than the code can use.
//! - `package`: every published crate packages (and its packaged sources
//!   build) with both license texts inside, and the core passes
//!   `cargo publish --dry-run`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The packages that go to crates.io, in dependency order.
pub const PUBLISHED: &[&str] = &[
    "api-client-transport",
    "salad-api",
    "salad-imds",
    "docker-engine",
    "container-registry-client",
];

/// Files every package must carry: the license texts travel with the code.
const REQUIRED_FILES: &[&str] = &["LICENSE-MIT", "LICENSE-APACHE", "README.md", "CHANGELOG.md"];

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs a command to completion, failing with its label.
fn run(label: &str, cmd: &mut Command) -> Result<(), String> {
    eprintln!("    $ {label}");
    match cmd.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("`{label}` exited with {s}")),
        Err(e) => Err(format!("could not run `{label}`: {e}")),
    }
}

/// Runs a command, returning its standard output.
fn output(label: &str, cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("could not run `{label}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{label}` exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The `rust-version` of `[workspace.package]`.
pub fn declared_msrv(root: &Path) -> Result<String, String> {
    let manifest = fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("could not read Cargo.toml: {e}"))?;
    msrv_in(&manifest).ok_or_else(|| "Cargo.toml declares no rust-version".to_string())
}

fn msrv_in(manifest: &str) -> Option<String> {
    manifest.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("rust-version")?.trim_start();
        let value = rest.strip_prefix('=')?.trim().trim_matches('"');
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// Makes sure rustup has `toolchain`; installs it (minimal profile) when not.
fn ensure_toolchain(toolchain: &str) -> Result<(), String> {
    let installed = output(
        "rustup toolchain list",
        Command::new("rustup").args(["toolchain", "list"]),
    )?;
    if installed
        .lines()
        .any(|line| line.starts_with(&format!("{toolchain}-")) || line.starts_with(toolchain))
    {
        return Ok(());
    }
    run(
        &format!("rustup toolchain install {toolchain} --profile minimal"),
        Command::new("rustup").args(["toolchain", "install", toolchain, "--profile", "minimal"]),
    )
}

/// Builds the libraries and binaries on the declared MSRV from the committed lock.
pub fn msrv(root: &Path) -> Result<(), String> {
    let version = declared_msrv(root)?;
    ensure_toolchain(&version)?;
    run(
        &format!("cargo +{version} check --workspace --lib --bins --locked"),
        Command::new("cargo")
            .arg(format!("+{version}"))
            .args([
                "check",
                "--workspace",
                "--all-features",
                "--lib",
                "--bins",
                "--locked",
            ])
            .env("CARGO_TARGET_DIR", root.join("target/msrv"))
            // The outer `cargo xtask` sets these for its own toolchain.
            .env_remove("RUSTC")
            .env_remove("RUSTDOC")
            .env_remove("CARGO")
            .current_dir(root),
    )?;
    eprintln!("msrv: the workspace builds on Rust {version}");
    Ok(())
}

/// Puts the lock file back however the check ends.
struct RestoreLock {
    path: PathBuf,
    saved: Vec<u8>,
}

impl Drop for RestoreLock {
    fn drop(&mut self) {
        if let Err(e) = fs::write(&self.path, &self.saved) {
            eprintln!("could not restore {}: {e}", self.path.display());
        }
    }
}

/// Resolves every direct dependency to its lowest allowed version (nightly
/// cargo's `-Z direct-minimal-versions`) and builds the libraries and binaries.
pub fn minimal_versions(root: &Path) -> Result<(), String> {
    ensure_toolchain("nightly")?;
    let lock = root.join("Cargo.lock");
    let _restore = RestoreLock {
        saved: fs::read(&lock).map_err(|e| format!("could not read Cargo.lock: {e}"))?,
        path: lock,
    };
    run(
        "cargo +nightly update -Z direct-minimal-versions",
        Command::new("cargo")
            .args(["+nightly", "update", "-Z", "direct-minimal-versions"])
            .env_remove("RUSTC")
            .env_remove("CARGO")
            .current_dir(root),
    )?;
    run(
        "cargo check --workspace --lib --bins (minimal versions)",
        Command::new(cargo())
            .args(["check", "--workspace", "--all-features", "--lib", "--bins"])
            .env("CARGO_TARGET_DIR", root.join("target/minimal"))
            .current_dir(root),
    )?;
    eprintln!("minimal-versions: every direct dependency's lower bound builds");
    Ok(())
}

/// Packages every publishable crate (building the packaged sources), checks
/// that each package lists the required files, and dry-runs the core's publish.
pub fn package(root: &Path) -> Result<(), String> {
    let cargo = cargo();
    for krate in PUBLISHED {
        let label = format!("cargo package --list -p {krate}");
        let listing = output(
            &label,
            Command::new(&cargo)
                .args(["package", "--list", "--allow-dirty", "-p", krate])
                .current_dir(root),
        )?;
        let missing = missing_files(&listing);
        if !missing.is_empty() {
            return Err(format!(
                "the package of {krate} lacks {}",
                missing.join(", ")
            ));
        }
    }
    forget_unpacked_packages(root)?;
    forget_packaged_builds(&target_dir(root))?;
    // Only the published crates: xtask and the workspace tests never leave the repository.
    let mut packages = Command::new(&cargo);
    packages
        .args(["package", "--allow-dirty"])
        .current_dir(root);
    for krate in PUBLISHED {
        packages.args(["-p", krate]);
    }
    run("cargo package -p <each published crate>", &mut packages)?;
    run(
        "cargo publish --dry-run -p api-client-transport",
        Command::new(&cargo)
            .args([
                "publish",
                "--dry-run",
                "--allow-dirty",
                "-p",
                "api-client-transport",
            ])
            .current_dir(root),
    )?;
    eprintln!(
        "package: {} crates package with their licenses; the core publishes (dry run)",
        PUBLISHED.len()
    );
    Ok(())
}

/// Removes the sources cargo unpacked from earlier runs' packages of this
/// workspace. `cargo package` builds each crate against its siblings through
/// a temporary local registry, unpacked under `$CARGO_HOME/registry/src/-<hash>/
/// <name>-<version>`; a later run from a checkout at the same path reuses that
/// directory as it is, so with the version unchanged it would build the old
/// sources. Only local registries' directories (named `-<hash>`) are touched.
fn forget_unpacked_packages(root: &Path) -> Result<(), String> {
    let manifest = fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("could not read Cargo.toml: {e}"))?;
    let version = version_in(&manifest)
        .ok_or_else(|| "Cargo.toml declares no workspace version".to_string())?;
    let cargo_home = match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".cargo"),
            None => return Ok(()),
        },
    };
    let Ok(sources) = fs::read_dir(cargo_home.join("registry").join("src")) else {
        return Ok(());
    };
    for source in sources.flatten() {
        if !source.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for krate in PUBLISHED {
            let unpacked = source.path().join(format!("{krate}-{version}"));
            if unpacked.is_dir() {
                fs::remove_dir_all(&unpacked)
                    .map_err(|e| format!("could not remove {}: {e}", unpacked.display()))?;
            }
        }
    }
    Ok(())
}

/// The target directory cargo builds into for this workspace.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Removes what earlier runs compiled from the unpacked copies that
/// [`forget_unpacked_packages`] deletes. Cargo takes a registry crate's
/// sources as immutable, so its fingerprint never looks at them: with the
/// version unchanged, the verify step would link the old build of a sibling
/// even from fresh sources. A build is recognised by its dep-info file, which
/// lists sources under a local registry (`registry/src/-<hash>/`); its
/// outputs and fingerprint share that file's `-<metadata>` suffix.
fn forget_packaged_builds(target: &Path) -> Result<(), String> {
    let deps = target.join("debug").join("deps");
    let Ok(entries) = fs::read_dir(&deps) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((package, metadata)) = packaged_build(&name) else {
            continue;
        };
        let dep_info = fs::read_to_string(entry.path()).unwrap_or_default();
        if !dep_info.contains("/registry/src/-") {
            continue;
        }
        let lib = package.replace('-', "_");
        let doomed = [
            deps.join(&name),
            deps.join(format!("lib{lib}-{metadata}.rlib")),
            deps.join(format!("lib{lib}-{metadata}.rmeta")),
            target
                .join("debug")
                .join(".fingerprint")
                .join(format!("{package}-{metadata}")),
        ];
        for path in doomed {
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            if let Err(e) = removed {
                if e.kind() != std::io::ErrorKind::NotFound {
                    return Err(format!("could not remove {}: {e}", path.display()));
                }
            }
        }
    }
    Ok(())
}

/// `(package, metadata)` when `file` is the dep-info file (`<lib>-<metadata>.d`)
/// of one of the published crates' libraries.
fn packaged_build(file: &str) -> Option<(&'static str, &str)> {
    let stem = file.strip_suffix(".d")?;
    PUBLISHED.iter().find_map(|package| {
        let lib = package.replace('-', "_");
        let metadata = stem.strip_prefix(lib.as_str())?.strip_prefix('-')?;
        let is_hash = !metadata.is_empty() && metadata.bytes().all(|b| b.is_ascii_hexdigit());
        is_hash.then_some((*package, metadata))
    })
}

/// The `version` of `[workspace.package]`.
fn version_in(manifest: &str) -> Option<String> {
    let section = manifest.split("[workspace.package]").nth(1)?;
    section
        .lines()
        .take_while(|line| !line.trim_start().starts_with('['))
        .find_map(|line| {
            let rest = line.trim().strip_prefix("version")?.trim_start();
            let value = rest.strip_prefix('=')?.trim().trim_matches('"');
            (!value.is_empty()).then(|| value.to_string())
        })
}

/// The required files absent from a `cargo package --list` listing.
fn missing_files(listing: &str) -> Vec<&'static str> {
    REQUIRED_FILES
        .iter()
        .copied()
        .filter(|file| !listing.lines().any(|line| line.trim() == *file))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_declared_msrv() {
        let manifest = "[workspace.package]\nversion = \"0.1.0\"\nrust-version = \"1.80\"\n";
        assert_eq!(msrv_in(manifest).as_deref(), Some("1.80"));
        assert_eq!(msrv_in("[package]\nname = \"x\"\n"), None);
    }

    #[test]
    fn reads_the_workspace_version_of_its_own_section() {
        let manifest = "[package]\nversion = \"9.9.9\"\n[workspace.package]\nedition = \"2021\"\nversion = \"0.1.0\"\n[dependencies]\nversion = \"1\"\n";
        assert_eq!(version_in(manifest).as_deref(), Some("0.1.0"));
        assert_eq!(
            version_in("[workspace.package]\n[x]\nversion = \"1\"\n"),
            None
        );
    }

    #[test]
    fn the_workspace_declares_an_msrv() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert!(declared_msrv(root).unwrap().starts_with("1."));
    }

    #[test]
    fn a_package_without_its_licenses_is_reported() {
        let listing =
            "Cargo.toml\nCargo.toml.orig\nLICENSE-MIT\nREADME.md\nCHANGELOG.md\nsrc/lib.rs\n";
        assert_eq!(missing_files(listing), ["LICENSE-APACHE"]);
        let full = format!("{listing}LICENSE-APACHE\n");
        assert!(missing_files(&full).is_empty());
    }

    #[test]
    fn only_the_dep_info_of_published_libraries_is_recognised() {
        assert_eq!(
            packaged_build("api_client_transport-54660aa0e6a82fbe.d"),
            Some(("api-client-transport", "54660aa0e6a82fbe"))
        );
        assert_eq!(
            packaged_build("container_registry_client-0a1b.d"),
            Some(("container-registry-client", "0a1b"))
        );
        // Not ours, not dep-info, or another crate that shares a prefix.
        assert_eq!(packaged_build("tokio-54660aa0e6a82fbe.d"), None);
        assert_eq!(packaged_build("libsalad_api-54660aa0e6a82fbe.rlib"), None);
        assert_eq!(packaged_build("salad_api_extra-54660aa0e6a82fbe.d"), None);
        assert_eq!(packaged_build("salad_api-.d"), None);
    }

    #[test]
    fn a_build_from_a_local_registry_copy_is_forgotten_and_a_path_build_kept() {
        let target = std::env::temp_dir().join(format!("xtask-forget-{}", std::process::id()));
        let deps = target.join("debug").join("deps");
        let prints = target.join("debug").join(".fingerprint");
        fs::create_dir_all(&deps).unwrap();
        for (hash, source) in [
            (
                "aaaa",
                "/root/.cargo/registry/src/-14cd/salad-imds-0.1.0/src/lib.rs",
            ),
            ("bbbb", "/work/main/crates/salad-imds/src/lib.rs"),
        ] {
            fs::write(
                deps.join(format!("salad_imds-{hash}.d")),
                format!("x: {source}\n"),
            )
            .unwrap();
            fs::write(deps.join(format!("libsalad_imds-{hash}.rlib")), "").unwrap();
            fs::create_dir_all(prints.join(format!("salad-imds-{hash}"))).unwrap();
        }
        forget_packaged_builds(&target).unwrap();
        assert!(!deps.join("salad_imds-aaaa.d").exists());
        assert!(!deps.join("libsalad_imds-aaaa.rlib").exists());
        assert!(!prints.join("salad-imds-aaaa").exists());
        assert!(deps.join("salad_imds-bbbb.d").exists());
        assert!(deps.join("libsalad_imds-bbbb.rlib").exists());
        assert!(prints.join("salad-imds-bbbb").exists());
        fs::remove_dir_all(&target).unwrap();
    }

    #[test]
    fn every_published_crate_carries_its_license_files_in_its_folder() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for dir in fs::read_dir(root.join("crates")).unwrap() {
            let dir = dir.unwrap().path();
            for file in REQUIRED_FILES {
                assert!(dir.join(file).is_file(), "{} lacks {file}", dir.display());
            }
        }
    }
}
