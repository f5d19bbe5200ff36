//! Fixtures on the real daemon, made with the docker CLI so that no SDK under test
//! prepares its own ground.

use std::process::{Command, Stdio};

/// The image every container of the benchmark runs: busybox alone, imported from a tar.
pub const IMAGE: &str = "bench-busybox:1";

/// Label put on every container made here, so a crashed run can be cleaned up with
/// `docker rm -f $(docker ps -aq --filter label=rust-sdk-bench)`.
pub const LABEL: &str = "rust-sdk-bench";

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", out.status);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Imports [`IMAGE`] from the host's busybox unless it is there already.
pub fn ensure_image() {
    let present = Command::new("docker")
        .args(["image", "inspect", IMAGE])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if present {
        return;
    }
    let busybox = ["/usr/bin/busybox", "/bin/busybox"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("busybox not found: apt-get install busybox-static");
    let script = format!(
        "set -e; d=$(mktemp -d); mkdir -p $d/bin $d/tmp; cp {busybox} $d/bin/busybox; \
         ln -s busybox $d/bin/sh; tar -C $d -c . | docker import \
         --change 'CMD [\"/bin/busybox\",\"sleep\",\"86400\"]' - {IMAGE} >/dev/null; rm -rf $d"
    );
    run(Command::new("sh").args(["-c", &script]));
}

/// A running container (for inspect: a running one has a full `State` and network settings).
pub fn running_container() -> String {
    run(Command::new("docker").args(["run", "-d", "--label", LABEL, IMAGE]))
}

/// A created, not started, container (enough for archive uploads and downloads).
pub fn created_container() -> String {
    run(Command::new("docker").args(["create", "--label", LABEL, IMAGE]))
}

/// Removes a container and its filesystem.
pub fn remove(id: &str) {
    let _ = Command::new("docker")
        .args(["rm", "-f", "-v", id])
        .stdout(Stdio::null())
        .status();
}

/// `docker version` of the server: "20.10.24+dfsg1 (API 1.41)".
pub fn daemon_version() -> String {
    let out = Command::new("docker")
        .args([
            "version",
            "--format",
            "{{.Server.Version}} (API {{.Server.APIVersion}})",
        ])
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => "unknown".into(),
    }
}
