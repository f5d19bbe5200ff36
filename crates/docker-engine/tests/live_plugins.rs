//! Plugins against the CI dockerd, compared with the docker CLI: a tiny plugin
//! (busybox root filesystem and a `config.json` made here) is built with
//! `docker plugin create`, pushed to the local registry with credentials through
//! the crate, removed, then read back through the crate: its privileges,
//! a pull granting them, inspect, a setting changed, removal. A second plugin is
//! created from a tar through the crate. Every plugin made is removed, also
//! when a step fails.
//!
//! dockerd 20.10 pushes and pulls plugins over HTTPS only: unlike images, it
//! does not fall back to plain HTTP for a loopback registry, so a plugin push to
//! the plain-HTTP registry on 127.0.0.1:5000 fails ("server gave HTTP response to
//! HTTPS client", the docker CLI too). The test therefore starts the same kind of
//! registry (Debian's `docker-registry`, with an htpasswd login) with TLS on a
//! free loopback port, and lets dockerd trust its throwaway certificate through
//! `/etc/docker/certs.d/<host:port>/ca.crt` (read per request, no restart);
//! both are removed at the end.
//!
//! Enabling needs a plugin that serves its socket: the plugin created from a tar
//! runs a tiny static server compiled here with `rustc` (it answers every call
//! with `{"Implements": ["VolumeDriver"]}`), and is enabled and disabled through
//! the crate. The busybox plugin, which serves nothing, shows the daemon's refusals.
#![cfg(unix)]

mod common;

use std::process::Command;

use docker_engine::models::PluginPrivilege;
use docker_engine::{
    DisablePluginOptions, EnablePluginOptions, ListPluginsOptions, PluginFilters,
    PullPluginOptions, PushPluginOptions, RegistryAuth, RemovePluginOptions,
};

const USER: &str = "docker-engine";
const PASSWORD: &str = "docker-engine-registry-pw";

fn cli(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A TLS registry on a free loopback port, trusted by dockerd while it lives.
struct TlsRegistry {
    host: String,
    child: std::process::Child,
    dir: std::path::PathBuf,
    certs_d: std::path::PathBuf,
    /// `/etc/docker/certs.d` did not exist before: remove it too.
    made_root: bool,
}

impl TlsRegistry {
    fn start(dir: &std::path::Path) -> Option<TlsRegistry> {
        let have = |p: &str| Command::new(p).arg("--help").output().is_ok();
        if !have("docker-registry") || !have("openssl") || !have("htpasswd") {
            return None;
        }
        std::fs::create_dir_all(dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let host = format!("127.0.0.1:{port}");
        let ok = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(dir.join("cert.pem"))
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        let htpasswd = Command::new("htpasswd")
            .args(["-Bbn", USER, PASSWORD])
            .output()
            .unwrap();
        std::fs::write(dir.join("htpasswd"), htpasswd.stdout).unwrap();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {data}\n\
             http:\n  addr: {host}\n  tls:\n    certificate: {cert}\n    key: {key}\n\
             auth:\n  htpasswd:\n    realm: docker-engine-plugins\n    path: {pw}\n",
            data = dir.join("data").display(),
            cert = dir.join("cert.pem").display(),
            key = dir.join("key.pem").display(),
            pw = dir.join("htpasswd").display(),
        );
        std::fs::write(dir.join("config.yml"), config).unwrap();
        let root = std::path::PathBuf::from("/etc/docker/certs.d");
        let made_root = !root.exists();
        let certs_d = root.join(&host);
        std::fs::create_dir_all(&certs_d).ok()?;
        std::fs::copy(dir.join("cert.pem"), certs_d.join("ca.crt")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let registry = TlsRegistry {
            host,
            child,
            dir: dir.to_path_buf(),
            certs_d,
            made_root,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(&registry.host).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the TLS registry did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Some(registry)
    }
}

impl Drop for TlsRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.certs_d);
        if self.made_root {
            if let Some(root) = self.certs_d.parent() {
                let _ = std::fs::remove_dir(root);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes the named plugins and the scratch folder when dropped.
struct Guard {
    plugins: Vec<String>,
    dir: std::path::PathBuf,
}

impl Drop for Guard {
    fn drop(&mut self) {
        for p in &self.plugins {
            let _ = Command::new("docker")
                .args(["plugin", "rm", "-f", p])
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const CONFIG: &str = r#"{
  "description": "docker-engine live test plugin",
  "documentation": "https://example.invalid/docker-engine",
  "entrypoint": ["/bin/busybox", "sleep", "3600"],
  "interface": {"types": ["docker.volumedriver/1.0"], "socket": "dengine.sock"},
  "network": {"type": "host"},
  "env": [{"name": "DEBUG", "description": "debug level", "settable": ["value"], "value": "0"}],
  "linux": {"capabilities": []}
}"#;

/// A plugin's whole program: answers each request on the plugin socket with the
/// activation answer of a volume driver, one request per connection.
const SERVER: &str = r##"
use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
fn main() {
    let path = "/run/docker/plugins/dengine.sock";
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path).expect("bind the plugin socket");
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let body = br#"{"Implements":["VolumeDriver"]}"#;
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = conn.write_all(head.as_bytes());
        let _ = conn.write_all(body);
    }
}
"##;

/// The server above, compiled as a static executable (no libraries needed in
/// the plugin's root filesystem).
fn build_server(dir: &std::path::Path) -> Vec<u8> {
    std::fs::write(dir.join("server.rs"), SERVER).unwrap();
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args([
            "--edition",
            "2021",
            "-O",
            "-C",
            "target-feature=+crt-static",
            "-o",
        ])
        .arg(dir.join("server"))
        .arg(dir.join("server.rs"))
        .output()
        .expect("run rustc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(dir.join("server")).unwrap()
}

#[tokio::test]
async fn plugin_round_trip_through_the_local_registry() {
    let Some(docker) = common::docker().await else {
        return;
    };
    let tag = common::unique("plugin");
    let dir = std::env::temp_dir().join(&tag);
    let Some(registry) = TlsRegistry::start(&std::env::temp_dir().join(format!("{tag}-registry")))
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "no docker-registry, openssl or htpasswd"
        );
        eprintln!("=== SKIPPING live plugin test: no docker-registry, openssl or htpasswd ===");
        return;
    };
    let name = format!("{}/dengine-plugins/test:{tag}", registry.host);
    let from_tar = format!("dengine-plugins/from-tar:{tag}");
    let mut guard = Guard {
        plugins: vec![name.clone(), from_tar.clone()],
        dir: dir.clone(),
    };

    // ---- the plugin, made by the CLI from a root filesystem and config made here
    std::fs::create_dir_all(dir.join("rootfs/bin")).unwrap();
    std::fs::create_dir_all(dir.join("rootfs/run/docker/plugins")).unwrap();
    std::fs::copy(common::busybox_path(), dir.join("rootfs/bin/busybox")).unwrap();
    std::fs::write(dir.join("config.json"), CONFIG).unwrap();
    cli(&["plugin", "create", &name, dir.to_str().unwrap()]);

    let plugins = docker.plugins();
    let plugin = plugins.inspect(&name).await.unwrap();
    assert_eq!(
        plugin.id.as_deref().unwrap(),
        cli(&["plugin", "inspect", "--format", "{{.Id}}", &name])
    );
    assert_eq!(plugin.config.description, "docker-engine live test plugin");
    assert_eq!(
        plugin.config.interface.types,
        vec!["docker.volumedriver/1.0".to_string()]
    );
    assert!(!plugin.enabled);

    // ---- pushed with credentials, through the crate
    let auth = RegistryAuth::password(registry.host.as_str(), USER, PASSWORD);
    let mut push = PushPluginOptions::default();
    push.auth = Some(auth.clone());
    plugins.push(&name, push).await.unwrap();
    // Without credentials the registry refuses.
    let err = plugins
        .push(&name, PushPluginOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("auth"), "{err}");

    // ---- enable: the daemon tries to start it and cannot reach its socket
    let mut enable = EnablePluginOptions::default();
    enable.timeout = Some(5);
    let err = plugins.enable(&name, enable).await.unwrap_err();
    assert!(err.to_string().contains("dengine.sock"), "{err}");
    let err = plugins
        .disable(&name, DisablePluginOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already disabled"), "{err}");

    let removed = plugins
        .remove(&name, RemovePluginOptions::default())
        .await
        .unwrap();
    // dockerd 20.10 answers the removal with no body.
    if let Some(removed) = removed {
        assert_eq!(removed.name, name);
    }
    assert!(plugins.inspect(&name).await.unwrap_err().is_not_found());

    // ---- read back from the registry: privileges, pull granting them
    let privileges = plugins.privileges(&name, Some(auth.clone())).await.unwrap();
    let expected: Vec<PluginPrivilege> = serde_json::from_value(serde_json::json!([
        {"Name": "network", "Description": "permissions to access a network", "Value": ["host"]}
    ]))
    .unwrap();
    assert_eq!(privileges, expected);
    let mut pull = PullPluginOptions::default();
    pull.auth = Some(auth.clone());
    pull.privileges = privileges;
    plugins.pull(&name, pull).await.unwrap();
    let pulled = plugins.inspect(&name).await.unwrap();
    assert_eq!(
        pulled.id.as_deref().unwrap(),
        cli(&["plugin", "inspect", "--format", "{{.Id}}", &name])
    );
    assert_eq!(
        pulled.config.entrypoint,
        vec!["/bin/busybox", "sleep", "3600"]
    );
    let mut list = ListPluginsOptions::default();
    list.filters = PluginFilters::new().capability("volumedriver");
    assert!(plugins
        .list(list)
        .await
        .unwrap()
        .iter()
        .any(|p| p.name == name));

    // ---- a setting changed
    plugins.set(&name, ["DEBUG=1"]).await.unwrap();
    assert_eq!(
        cli(&[
            "plugin",
            "inspect",
            "--format",
            "{{json .Settings.Env}}",
            &name
        ]),
        r#"["DEBUG=1"]"#
    );

    // ---- created from a tar through the crate, with a program that serves its socket
    let server = build_server(&dir);
    let config = CONFIG
        .replace(r#"["/bin/busybox", "sleep", "3600"]"#, r#"["/bin/server"]"#)
        .replace(
            r#""network": {"type": "host"}"#,
            r#""network": {"type": "none"}"#,
        );
    assert!(config.contains("/bin/server") && config.contains(r#""none""#));
    let tar = common::Tar::new()
        .file("config.json", 0o644, config.as_bytes())
        .dir("rootfs/", 0o755)
        .dir("rootfs/bin/", 0o755)
        .file("rootfs/bin/server", 0o755, &server)
        .dir("rootfs/run/", 0o755)
        .dir("rootfs/run/docker/", 0o755)
        .dir("rootfs/run/docker/plugins/", 0o755)
        .finish();
    plugins.create(&from_tar, tar).await.unwrap();
    let inspect = |what: &str| cli(&["plugin", "inspect", "--format", what, &from_tar]);
    assert_eq!(
        inspect("{{.Config.Description}}"),
        "docker-engine live test plugin"
    );
    let mut enable = EnablePluginOptions::default();
    enable.timeout = Some(30);
    plugins.enable(&from_tar, enable).await.unwrap();
    assert!(plugins.inspect(&from_tar).await.unwrap().enabled);
    assert_eq!(inspect("{{.Enabled}}"), "true");
    // An enabled plugin is not removed without force.
    assert!(plugins
        .remove(&from_tar, RemovePluginOptions::default())
        .await
        .is_err());
    plugins
        .disable(&from_tar, DisablePluginOptions::default())
        .await
        .unwrap();
    assert_eq!(inspect("{{.Enabled}}"), "false");

    // ---- removed
    let mut force = RemovePluginOptions::default();
    force.force = true;
    for p in [&name, &from_tar] {
        plugins.remove(p, force.clone()).await.unwrap();
    }
    let left = cli(&["plugin", "ls", "--format", "{{.Name}}"]);
    assert!(!left.contains(&tag), "{left}");
    guard.plugins.clear();
    drop(guard);
    drop(registry);
}
