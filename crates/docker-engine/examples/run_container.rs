//! Pulls an image from a registry, runs a container from it on the local Docker daemon
//! and streams its output.
//!
//! ```text
//! cargo xtask demo        # sets up dockerd and a local registry, seeds it, runs this
//! cargo run -p docker-engine --example run_container
//! ```
//!
//! Connects to `DOCKER_HOST` (default `unix:///var/run/docker.sock`) and pulls `IMAGE`
//! (default `127.0.0.1:5000/docker-engine-example/busybox:latest`, which the
//! `seed_registry` example pushes to the local registry) with the credentials of
//! `REGISTRY_USER`/`REGISTRY_PASSWORD` or of the Docker config. The container prints
//! to stdout and stderr; its followed logs are shown as they come, then it is waited
//! for and removed.

use std::process::ExitCode;

use docker_engine::frames::LogOutput;
use docker_engine::models::ContainerCreateRequest;
use docker_engine::{Docker, LogsOptions, PullImageOptions, RegistryAuth, RemoveContainerOptions};
use futures_util::StreamExt;

/// Where `cargo xtask demo` (through the `seed_registry` example) puts the image.
const IMAGE: &str = "127.0.0.1:5000/docker-engine-example/busybox:latest";
const SCRIPT: &str = r#"for i in 1 2 3; do echo "hello from stdout ($i)"; echo "and from stderr ($i)" >&2; sleep 0.5; done"#;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<i64, Box<dyn std::error::Error>> {
    let docker = Docker::connect()?;
    let ping = docker.ping().await.map_err(|e| {
        format!("cannot reach the Docker daemon: {e}\n(`cargo xtask demo` starts one; or point DOCKER_HOST at a running daemon)")
    })?;
    let version = docker.api_version().await?;
    println!(
        "daemon at {} ({}), speaking API {version}",
        docker.host(),
        ping.os_type.as_deref().unwrap_or("unknown OS")
    );

    let image = std::env::var("IMAGE").unwrap_or_else(|_| IMAGE.to_string());
    pull_image(&docker, &image).await.map_err(|e| {
        format!(
            "cannot pull {image}: {e}\n(start the local registry and seed it with `cargo xtask demo`, or set IMAGE to an image you can pull)"
        )
    })?;

    let containers = docker.containers();
    let config = ContainerCreateRequest {
        image: Some(image.clone()),
        cmd: Some(vec!["sh".into(), "-c".into(), SCRIPT.into()]),
        ..Default::default()
    };
    let id = containers.create(&config, Default::default()).await?.id;
    println!("created container {}", &id[..12.min(id.len())]);

    // Whatever happens next, remove the container before returning.
    let outcome = async {
        containers.start(&id, Default::default()).await?;
        let mut logs = containers
            .logs(
                &id,
                LogsOptions {
                    follow: true,
                    ..Default::default()
                },
            )
            .await?;
        while let Some(frame) = logs.next().await {
            match frame? {
                LogOutput::StdOut { message } => {
                    print!("[stdout] {}", String::from_utf8_lossy(&message))
                }
                LogOutput::StdErr { message } => {
                    print!("[stderr] {}", String::from_utf8_lossy(&message))
                }
                other => print!("[other]  {}", String::from_utf8_lossy(other.message())),
            }
        }
        containers.wait(&id, Default::default()).await
    }
    .await;
    let removed = containers
        .remove(
            &id,
            RemoveContainerOptions {
                force: true,
                ..Default::default()
            },
        )
        .await;
    let exit = outcome?;
    removed?;
    println!("container exited with code {}, removed", exit.status_code);
    Ok(exit.status_code)
}

/// Pulls the example image from its registry, with credentials from
/// `REGISTRY_USER`/`REGISTRY_PASSWORD` or from the Docker config (`DOCKER_CONFIG`,
/// `~/.docker/config.json`, credential helpers).
async fn pull_image(docker: &Docker, image: &str) -> Result<(), Box<dyn std::error::Error>> {
    let registry = docker_engine::registry_of(image);
    let auth = match (
        std::env::var("REGISTRY_USER"),
        std::env::var("REGISTRY_PASSWORD"),
    ) {
        (Ok(user), Ok(password)) => Some(RegistryAuth::password(&registry, user, password)),
        _ => RegistryAuth::from_docker_config(image).await?,
    };
    println!("pulling {image}");
    let options = PullImageOptions::default().with_auth(auth);
    let mut progress = docker.images().pull(image, options).await?;
    while let Some(message) = progress.next().await {
        let message = message.map_err(|e| {
            format!("{e}\n(is the image in the registry? `cargo xtask demo` puts it there)")
        })?;
        // Per-layer byte counters would flood the terminal: show the milestones.
        if let (Some(status), None) = (message.status, message.progress_detail) {
            println!("  {status}");
        }
    }
    Ok(())
}
