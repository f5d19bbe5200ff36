//! Docker contexts against the live daemon: a context store made in a temp dir,
//! pointing at the daemon's unix socket, chosen by `DOCKER_CONTEXT` and by the
//! configuration's `currentContext`. One test in its own binary, since it changes
//! the process environment.

mod common;

use std::path::{Path, PathBuf};

use docker_engine::{ContextStore, Docker, Endpoint, EndpointSource, Error};
use sha2::{Digest, Sha256};

/// The daemon the live tests use, as an address a context can hold.
fn live_host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| docker_engine::DEFAULT_HOST.to_string())
}

/// Adds a context to the store under `config`: made by the docker CLI itself
/// when it is installed (as under CI), else laid out as the CLI lays it out.
fn add_context(config: &Path, name: &str, host: &str) {
    let made = std::process::Command::new("docker")
        .arg("--config")
        .arg(config)
        .args([
            "context",
            "create",
            name,
            "--description",
            "live context test",
        ])
        .arg("--docker")
        .arg(format!("host={host}"))
        .output();
    match made {
        Ok(out) if out.status.success() => return,
        Ok(out) => panic!(
            "docker context create {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) => {
            panic!("the docker CLI makes this test's contexts under CI: {e}")
        }
        Err(_) => {}
    }
    let id: String = Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = config.join("contexts/meta").join(id);
    std::fs::create_dir_all(&dir).unwrap();
    let meta = serde_json::json!({
        "Name": name,
        "Metadata": {"Description": "live context test"},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}
    });
    std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_context_reaches_the_live_daemon() {
    // Only to skip (or fail under CI) when no daemon answers at all.
    let Some(direct) = common::docker().await else {
        return;
    };
    let host = live_host();
    let expected = direct.version().await.unwrap();

    let config =
        TempDir(std::env::temp_dir().join(format!("dremote-context-live-{}", std::process::id())));
    std::fs::create_dir_all(&config.0).unwrap();
    add_context(&config.0, "dremote-live", &host);
    add_context(
        &config.0,
        "dremote-nowhere",
        "unix:///run/dremote-no-such.sock",
    );
    std::fs::write(
        config.0.join("config.json"),
        r#"{"auths":{},"currentContext":"dremote-live"}"#,
    )
    .unwrap();

    std::env::remove_var("DOCKER_HOST");
    std::env::remove_var("DOCKER_CONTEXT");
    std::env::set_var("DOCKER_CONFIG", &config.0);

    // currentContext of the config file
    let docker = Docker::connect().unwrap();
    assert_eq!(docker.host(), host);
    assert_eq!(
        docker.endpoint().source,
        EndpointSource::ConfigFile(config.0.join("config.json"))
    );
    assert_eq!(docker.version().await.unwrap().version, expected.version);

    // DOCKER_CONTEXT overrides it; a context whose daemon is absent says so
    std::env::set_var("DOCKER_CONTEXT", "dremote-nowhere");
    let err = Docker::connect().unwrap().ping().await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    // Display says what failed; the cause chain says why and who chose the address.
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    assert!(
        text.contains("/run/dremote-no-such.sock") && text.contains("context dremote-nowhere"),
        "{text}"
    );
    std::env::set_var("DOCKER_CONTEXT", "dremote-live");
    let docker = Docker::connect().unwrap();
    assert_eq!(docker.endpoint().context, "dremote-live");
    docker.ping().await.unwrap();

    // DOCKER_HOST takes precedence over both
    std::env::set_var("DOCKER_HOST", "unix:///run/dremote-no-such.sock");
    assert_eq!(
        Docker::connect().unwrap().host(),
        "unix:///run/dremote-no-such.sock"
    );
    std::env::remove_var("DOCKER_HOST");

    // a context named in code, and a missing one, named in the error
    let endpoint = ContextStore::new(&config.0)
        .endpoint("dremote-live")
        .unwrap();
    let docker = Docker::builder().endpoint(endpoint).build().unwrap();
    assert_eq!(docker.version().await.unwrap().version, expected.version);
    let err = Endpoint::from_context("dremote-absent").unwrap_err();
    assert!(
        err.to_string().contains("`dremote-absent` not found"),
        "{err}"
    );
    std::env::set_var("DOCKER_CONTEXT", "dremote-absent");
    let err = Docker::connect().unwrap_err();
    assert!(err.to_string().contains("DOCKER_CONTEXT"), "{err}");

    std::env::remove_var("DOCKER_CONTEXT");
    std::env::remove_var("DOCKER_CONFIG");
    std::env::set_var("DOCKER_HOST", &host);
}
