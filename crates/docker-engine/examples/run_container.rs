//! Runs a container on the local Docker daemon and streams its output.
//!
//! ```text
//! cargo run -p docker-engine --example run_container
//! ```
//!
//! Connects to `DOCKER_HOST` (default `unix:///var/run/docker.sock`). If the image
//! `docker-engine-example/busybox:latest` is missing it is made on the spot from a
//! static busybox binary (`BUSYBOX`, default `/usr/bin/busybox`, Debian's
//! `busybox-static`): no registry or account needed. The container prints to stdout
//! and stderr; its followed logs are shown as they come, then it is waited for and
//! removed.

use std::process::ExitCode;

use api_client_transport::bytes::Bytes;
use docker_engine::frames::LogOutput;
use docker_engine::models::ContainerCreateRequest;
use docker_engine::{Docker, ImportImageOptions, LogsOptions, RemoveContainerOptions};
use futures_util::StreamExt;

const IMAGE: &str = "docker-engine-example/busybox:latest";
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
        format!("cannot reach the Docker daemon: {e}\n(start dockerd, or point DOCKER_HOST at a running one)")
    })?;
    let version = docker.api_version().await?;
    println!(
        "daemon at {} ({}), speaking API {version}",
        docker.host(),
        ping.os_type.as_deref().unwrap_or("unknown OS")
    );

    ensure_image(&docker).await?;

    let containers = docker.containers();
    let config = ContainerCreateRequest {
        image: Some(IMAGE.into()),
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

/// Imports the example image from a static busybox if the daemon does not have it.
async fn ensure_image(docker: &Docker) -> Result<(), Box<dyn std::error::Error>> {
    match docker.images().inspect(IMAGE).await {
        Ok(_) => return Ok(()),
        Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => {}
        Err(e) => return Err(e.into()),
    }
    let path = std::env::var("BUSYBOX").unwrap_or_else(|_| "/usr/bin/busybox".into());
    let busybox = std::fs::read(&path).map_err(|e| {
        format!("the image {IMAGE} is missing and busybox could not be read from {path}: {e} (install busybox-static, or set BUSYBOX)")
    })?;
    println!("importing {IMAGE} from {path}");
    let mut tar = Tar::default();
    tar.entry("bin/", 0o755, b'5', "", &[]);
    tar.entry("tmp/", 0o1777, b'5', "", &[]);
    tar.entry("bin/busybox", 0o755, b'0', "", &busybox);
    for applet in ["sh", "echo", "sleep", "cat", "ls"] {
        tar.entry(&format!("bin/{applet}"), 0o777, b'2', "busybox", &[]);
    }
    let body = futures_util::stream::iter(vec![Ok(Bytes::from(tar.finish()))]);
    let options = ImportImageOptions {
        repo: Some("docker-engine-example/busybox".into()),
        tag: Some("latest".into()),
        changes: vec!["ENV PATH=/bin".into(), r#"CMD ["/bin/sh"]"#.into()],
        ..Default::default()
    };
    let imported = docker.images().import(body, options).await?;
    println!(
        "imported {}",
        imported.id.as_deref().unwrap_or("(no id reported)")
    );
    Ok(())
}

/// Just enough of the ustar format for a root filesystem of a few entries.
#[derive(Default)]
struct Tar(Vec<u8>);

impl Tar {
    fn entry(&mut self, name: &str, mode: u32, kind: u8, link: &str, data: &[u8]) {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let mut octal = |at: usize, width: usize, v: u64| {
            h[at..at + width].copy_from_slice(format!("{v:0w$o}\0", w = width - 1).as_bytes());
        };
        octal(100, 8, u64::from(mode));
        octal(108, 8, 0);
        octal(116, 8, 0);
        octal(124, 12, data.len() as u64);
        octal(136, 12, 0);
        h[148..156].fill(b' ');
        h[156] = kind;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        h[257..265].copy_from_slice(b"ustar\x0000");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        self.0.extend_from_slice(&h);
        self.0.extend_from_slice(data);
        self.0.resize(self.0.len().div_ceil(512) * 512, 0);
    }

    fn finish(mut self) -> Vec<u8> {
        self.0.resize(self.0.len() + 1024, 0);
        self.0
    }
}
