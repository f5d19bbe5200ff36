//! Logs in, lists every container, builds an image and follows the build to
//! its end.
//!
//! ```text
//! RCABENCH_USERNAME=alice RCABENCH_PASSWORD=... \
//!   cargo run -p container-registry-client --example builds -- opspai/detector-rca detector-rca 1.2.0
//! ```
//!
//! `RCABENCH_URL` overrides the server (default `http://localhost:8082`), read
//! by [`Client::from_env`] as in any program; `GITHUB_TOKEN`, if set, is passed
//! on for private repositories.

use std::process::ExitCode;

use container_registry_client::models::SubmitBuildContainerReq;
use container_registry_client::{
    BuildError, Client, ListContainersParams, PageSize, Progress, Secret,
};
use futures_util::TryStreamExt;

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(repository), Some(image)) = (args.next(), args.next()) else {
        return Err("usage: builds <owner/repo> <image-name> [tag]".into());
    };
    let tag = args.next();

    let username = env("RCABENCH_USERNAME")?;
    let password = Secret::new(env("RCABENCH_PASSWORD")?);

    let anonymous = Client::from_env()?;
    let base_url = anonymous.base_url().to_string();
    // A session logs in again by itself when its token runs out.
    let client = anonymous.session(&username, password).await?;
    println!(
        "logged in to {base_url} as {username} (token expires {:?})",
        client.token_expires_at()
    );

    // Pages of 50 are fetched one after the other as the stream is read.
    let mut containers =
        client.list_containers_stream(ListContainersParams::new().size(PageSize::Fifty));
    let mut count = 0;
    while let Some(c) = containers.try_next().await? {
        count += 1;
        // A kind this client does not know yet shows as the server sent it.
        let kind = c.r#type.as_ref().map_or("?".into(), |k| format!("{k:?}"));
        println!(
            "{:>5}  {:<32} {kind}",
            c.id.unwrap_or_default(),
            c.name.as_deref().unwrap_or("")
        );
    }
    println!("{count} containers");

    let mut build = SubmitBuildContainerReq::new(image, repository);
    build.tag = tag;
    build.github_token = std::env::var("GITHUB_TOKEN").ok().map(Into::into);
    let handle = client.submit_build(&build).await?;
    println!(
        "build queued: task {} (trace {})",
        handle.task_id().unwrap_or("?"),
        handle.trace_id().unwrap_or("?")
    );
    let mut follow = handle.follow();
    loop {
        match follow.try_next().await {
            Ok(Some(Progress::Event(event))) => {
                let name = event.details.as_ref().and_then(|d| d.event_name.clone());
                println!("  {} {}", name.unwrap_or(event.event), event.data);
            }
            Ok(Some(Progress::Finished(task))) => {
                println!("build finished: {:?}", task.state);
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(BuildError::Failed(failed)) => {
                return Err(format!("{failed}\n{}", failed.last_logs().join("\n")).into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

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
