//! Puts a tiny busybox image into a registry, so that `run_container` has something
//! to pull on a machine that reaches no public registry.
//!
//! ```text
//! cargo run -p docker-engine --example seed_registry
//! ```
//!
//! Builds a root filesystem tar (with the `tar` crate) from a static busybox
//! (`BUSYBOX`, default `/usr/bin/busybox`, Debian's `busybox-static`), imports it as
//! `$REGISTRY/docker-engine-example/busybox:latest` (`REGISTRY` defaults to the local
//! test registry, `127.0.0.1:5000`), pushes it with the credentials of
//! `REGISTRY_USER`/`REGISTRY_PASSWORD` or of the Docker config, and removes the local
//! copy so that the next pull really comes from the registry. `cargo xtask demo` runs it.

use std::process::ExitCode;

use api_client_transport::bytes::Bytes;
use docker_engine::{
    Docker, ImportImageOptions, PushImageOptions, RegistryAuth, RemoveImageOptions,
};
use futures_util::StreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The image the examples share: `$REGISTRY/docker-engine-example/busybox:latest`.
fn image() -> (String, String) {
    let registry = std::env::var("REGISTRY").unwrap_or_else(|_| "127.0.0.1:5000".into());
    let repo = format!("{registry}/docker-engine-example/busybox");
    (registry, repo)
}

/// Credentials from `REGISTRY_USER`/`REGISTRY_PASSWORD`, else from the Docker config.
async fn credentials(registry: &str, image: &str) -> docker_engine::Result<Option<RegistryAuth>> {
    match (
        std::env::var("REGISTRY_USER"),
        std::env::var("REGISTRY_PASSWORD"),
    ) {
        (Ok(user), Ok(password)) => Ok(Some(RegistryAuth::password(registry, user, password))),
        _ => RegistryAuth::from_docker_config(image).await,
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let docker = Docker::connect()?;
    docker.ping().await?;
    let (registry, repo) = image();
    let reference = format!("{repo}:latest");

    let path = std::env::var("BUSYBOX").unwrap_or_else(|_| "/usr/bin/busybox".into());
    let busybox = std::fs::read(&path).map_err(|e| {
        format!("cannot read busybox from {path}: {e} (install busybox-static, or set BUSYBOX)")
    })?;
    println!("importing {reference} from {path}");
    let options = ImportImageOptions {
        repo: Some(repo.clone()),
        tag: Some("latest".into()),
        changes: vec!["ENV PATH=/bin".into(), r#"CMD ["/bin/sh"]"#.into()],
        ..Default::default()
    };
    let rootfs = Bytes::from(rootfs(&busybox)?);
    let body = futures_util::stream::iter([Ok(rootfs)]);
    docker.images().import(body, options).await?;

    let auth = credentials(&registry, &reference).await?;
    println!(
        "pushing to {registry} ({})",
        if auth.is_some() {
            "with credentials"
        } else {
            "anonymously"
        }
    );
    let mut progress = docker
        .images()
        .push(&reference, PushImageOptions::default().with_auth(auth))
        .await?;
    while let Some(message) = progress.next().await {
        let message = message?;
        if let Some(status) = message.status {
            if message.progress_detail.is_none() || message.id.is_none() {
                println!("  {status}");
            }
        }
    }
    docker
        .images()
        .remove(&reference, RemoveImageOptions::default())
        .await?;
    println!("{reference} is in the registry (local copy removed)");
    Ok(())
}

/// A root filesystem with busybox and a few applet links, as a tar.
fn rootfs(busybox: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    for (dir, mode) in [("bin/", 0o755), ("tmp/", 0o1777)] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_mode(mode);
        header.set_size(0);
        tar.append_data(&mut header, dir, std::io::empty())?;
    }
    let mut header = tar::Header::new_gnu();
    header.set_mode(0o755);
    header.set_size(busybox.len() as u64);
    tar.append_data(&mut header, "bin/busybox", busybox)?;
    for applet in ["sh", "echo", "sleep", "cat", "ls"] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_mode(0o777);
        header.set_size(0);
        tar.append_link(&mut header, format!("bin/{applet}"), "busybox")?;
    }
    tar.into_inner()
}
