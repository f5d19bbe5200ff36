//! The dependency ban: no crate of the workspace may pull in OpenSSL or a
//! second HTTP stack, whatever features a user turns on.

use std::path::Path;
use std::process::Command;

/// Crates that must never appear among the normal dependencies.
const BANNED: &[&str] = &["reqwest", "openssl", "openssl-sys", "native-tls"];

/// Fails naming every banned crate found in `cargo tree` of the workspace.
pub fn check(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
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

    #[test]
    fn the_workspace_has_no_banned_dependency() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root");
        check(root).unwrap();
    }
}
