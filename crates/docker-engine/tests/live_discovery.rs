//! Discovery against the real daemon: with `DOCKER_HOST` unset and no context,
//! the crate finds the CI dockerd through a rootless-style path
//! (`$XDG_RUNTIME_DIR/docker.sock`, a link to /var/run/docker.sock), the
//! system default path being overridden for the test so that it cannot be used.
//! The answer is compared with the docker CLI's on the same daemon.
#![cfg(unix)]

use docker_engine::{Discovery, Docker, PlaceKind};

fn cli(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("docker")
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[tokio::test]
async fn finds_the_daemon_through_the_rootless_path() {
    let system = std::path::Path::new("/var/run/docker.sock");
    let Some(cli_version) = cli(&[
        "version",
        "--format",
        "{{.Server.APIVersion}} {{.Server.Version}}",
    ]) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the docker CLI cannot reach dockerd"
        );
        eprintln!("=== SKIPPING live discovery test: no docker CLI or daemon ===");
        return;
    };
    let root = std::env::temp_dir().join(format!("dengine-live-discovery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let run = root.join("run");
    let home = root.join("home");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    std::os::unix::fs::symlink(system, run.join("docker.sock")).unwrap();
    // Nothing names a daemon: no DOCKER_HOST, no context, a home with no CLI config.
    // (This test binary has this one test, so changing the environment is safe.)
    std::env::remove_var("DOCKER_HOST");
    std::env::remove_var("DOCKER_CONTEXT");
    std::env::remove_var("DOCKER_CONFIG");
    std::env::set_var("HOME", &home);
    std::env::set_var("XDG_RUNTIME_DIR", &run);

    let discovery = Discovery::from_env().system_socket(root.join("no-system/docker.sock"));
    let place = discovery
        .first_present()
        .expect("the rootless-style link is found");
    assert_eq!(place.kind, PlaceKind::RootlessDocker);
    assert_eq!(place.path, run.join("docker.sock"));

    let docker = discovery.connect(Docker::builder()).await.unwrap();
    assert_eq!(
        docker.host(),
        format!("unix://{}", run.join("docker.sock").display())
    );
    let version = docker.version().await.unwrap();
    let ours = format!(
        "{} {}",
        version.api_version.unwrap_or_default(),
        version.version.unwrap_or_default()
    );
    assert_eq!(ours, cli_version);

    // The builder route gives the same daemon.
    let built = discovery.builder().build().unwrap();
    assert_eq!(built.host(), docker.host());
    built.ping().await.unwrap();
    let _ = std::fs::remove_dir_all(&root);
}
