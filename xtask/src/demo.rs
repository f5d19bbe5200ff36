//! `cargo xtask demo`: the README's first command. On a fresh machine (as root) it
//! does the set-up `.ci/run` does, then pulls and runs a container:
//!
//! 1. a Docker daemon: if none answers at `DOCKER_HOST` (a `unix://` socket) or
//!    `/var/run/docker.sock`, installs Debian's `docker.io` when `dockerd` is missing
//!    and starts `dockerd` (log in `/tmp/dockerd.log`);
//! 2. a static busybox (Debian's `busybox-static`) to make the demo image from;
//! 3. the local registry on 127.0.0.1:5000 (`.ci/local-registry`);
//! 4. the `seed_registry` example (busybox into the registry), then the
//!    `run_container` example, which pulls that image and runs it.
//!
//! Nothing is installed or started when it is already there; without root the demo
//! says what is missing instead.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The login `.ci/local-registry` sets up when none is given.
const REGISTRY_USER: &str = "docker-engine";
const REGISTRY_PASSWORD: &str = "docker-engine-registry-pw";

pub fn run(root: &Path) -> Result<(), String> {
    ensure_dockerd()?;
    ensure_busybox()?;
    step("local registry on 127.0.0.1:5000");
    run_command(
        Command::new("bash")
            .arg(root.join(".ci/local-registry"))
            .current_dir(root),
        ".ci/local-registry",
    )?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for example in ["seed_registry", "run_container"] {
        step(&format!("example {example}"));
        let mut cmd = Command::new(&cargo);
        cmd.args(["run", "-q", "-p", "docker-engine", "--example", example])
            .current_dir(root);
        // The registry's demo login, unless the caller brought their own.
        if std::env::var_os("REGISTRY_USER").is_none() {
            cmd.env("REGISTRY_USER", REGISTRY_USER)
                .env("REGISTRY_PASSWORD", REGISTRY_PASSWORD);
        }
        run_command(&mut cmd, example)?;
    }
    Ok(())
}

fn step(what: &str) {
    eprintln!("==> {what}");
}

fn run_command(cmd: &mut Command, what: &str) -> Result<(), String> {
    match cmd.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("demo: {what} exited with {s}")),
        Err(e) => Err(format!("demo: could not run {what}: {e}")),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn apt_install(packages: &[&str], why: &str) -> Result<(), String> {
    if !is_root() {
        return Err(format!(
            "demo: {why}; run as root so the demo can `apt-get install {}`, or install it yourself",
            packages.join(" ")
        ));
    }
    step(&format!("apt-get install {}", packages.join(" ")));
    run_command(
        Command::new("apt-get").args(["update", "-q"]),
        "apt-get update",
    )?;
    run_command(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "apt-get install",
    )
}

/// The socket to set up, or `None` when `DOCKER_HOST` names a daemon elsewhere
/// (then it is the caller's to run).
fn socket() -> Option<PathBuf> {
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.trim().is_empty() => {
            host.trim().strip_prefix("unix://").map(PathBuf::from)
        }
        _ => Some(PathBuf::from("/var/run/docker.sock")),
    }
}

fn daemon_answers(socket: &Path) -> bool {
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(3)));
    if stream
        .write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 8];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

fn ensure_dockerd() -> Result<(), String> {
    let Some(socket) = socket() else {
        step("DOCKER_HOST names a remote daemon: using it as it is");
        return Ok(());
    };
    if daemon_answers(&socket) {
        step(&format!("Docker daemon answers on {}", socket.display()));
        return Ok(());
    }
    if !on_path("dockerd") {
        apt_install(&["docker.io"], "no Docker daemon is installed")?;
    }
    if !is_root() {
        return Err(format!(
            "demo: no Docker daemon answers on {}; run as root so the demo can start dockerd, or start it yourself",
            socket.display()
        ));
    }
    step("starting dockerd (log: /tmp/dockerd.log)");
    // Detached through sh so the daemon outlives the demo, like .ci/run does.
    run_command(
        Command::new("sh").args(["-c", "nohup dockerd >/tmp/dockerd.log 2>&1 &"]),
        "dockerd",
    )?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if daemon_answers(&socket) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err(format!(
        "demo: dockerd did not answer on {} within 60 s; see /tmp/dockerd.log",
        socket.display()
    ))
}

fn ensure_busybox() -> Result<(), String> {
    if std::env::var_os("BUSYBOX").is_some() {
        return Ok(());
    }
    // The image holds nothing but busybox, so it must be the static build.
    let is_static = Command::new("ldd")
        .arg("/usr/bin/busybox")
        .output()
        .map(|o| {
            let text = [o.stdout, o.stderr].concat();
            String::from_utf8_lossy(&text).contains("not a dynamic")
        })
        .unwrap_or(false);
    if is_static {
        return Ok(());
    }
    apt_install(&["busybox-static"], "no static busybox at /usr/bin/busybox")
}
