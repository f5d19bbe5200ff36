//! The whole life of a queue-backed workload: pick a GPU class by name,
//! create a job queue, create a container group that takes its jobs, submit
//! jobs, wait for their results, and tear everything down.
//!
//! ```sh
//! export SALAD_API_KEY=...            # from the SaladCloud portal
//! export SALAD_ORGANIZATION=acme-corp
//! export SALAD_PROJECT=dev-env
//! cargo run -p salad-api --example queue_flow
//! ```
//!
//! `SALAD_API_BASE_URL` points it at another server; `tests/flow.rs` runs
//! [`run`] against a local mock.

use std::time::Duration;

use salad_api::models::{
    ContainerGroupQueueConnection, ContainerGroupStatus, ContainerResourceRequirements,
    ContainerRestartPolicy, CreateContainer, CreateContainerGroup, CreateQueue, JobStatus,
};
use salad_api::{Client, WaitOptions};
use serde::{Deserialize, Serialize};

/// What each job asks the renderer for.
#[derive(Debug, Serialize)]
pub struct Tile {
    /// Centre of the tile, real part.
    pub x: f64,
    /// Centre of the tile, imaginary part.
    pub y: f64,
    /// Magnification.
    pub zoom: u32,
}

/// What the renderer answers.
#[derive(Debug, Deserialize)]
pub struct Rendered {
    /// Where the picture went.
    pub image: String,
    /// How long it took.
    pub seconds: f64,
}

/// The names this flow creates, and the GPU it wants.
pub const QUEUE: &str = "render-jobs";
/// The container group connected to [`QUEUE`].
pub const GROUP: &str = "mandelbrot";
/// The GPU class the group runs on.
pub const GPU: &str = "RTX 4090 (24 GB)";

/// Runs the flow and returns the renders; every step's error ends it.
pub async fn run(
    client: &Client,
    organization: &str,
    project: &str,
    tiles: &[Tile],
    poll: Duration,
) -> Result<Vec<Rendered>, Box<dyn std::error::Error + Send + Sync>> {
    let org = client.organization(organization)?;
    let project = client.project(organization, project)?;
    let (queues, groups) = (project.queues(), project.container_groups());

    // 1. GPU classes are ids in a group's body; look them up by name.
    let gpus = org.gpu_classes_by_name(&[GPU]).await?;

    // 2. A queue for the jobs.
    queues.create(&CreateQueue::new(QUEUE)).await?;

    // 3. A group whose instances take the queue's jobs on port 8080, /render.
    let mut resources = ContainerResourceRequirements::new(4, 16 * 1024);
    resources.gpu_classes = Some(gpus.iter().map(|g| g.id).collect());
    let mut group = CreateContainerGroup::new(
        GROUP,
        CreateContainer::new("ghcr.io/acme/mandelbrot:1.4.2", resources),
        true, // start as soon as it is created
        ContainerRestartPolicy::Always,
        2,
    );
    group.queue_connection = Some(ContainerGroupQueueConnection::new("/render", 8080, QUEUE));
    groups.create(&group).await?;
    let options = WaitOptions::new()
        .poll_interval(poll)
        .timeout(Duration::from_secs(30 * 60));
    groups
        .wait_for_status(GROUP, ContainerGroupStatus::Running, options.clone())
        .await?;

    // 4. Submit the jobs, then 5. wait for each result.
    let mut ids = Vec::new();
    for tile in tiles {
        ids.push(queues.submit(QUEUE, tile).await?.id);
    }
    let mut renders = Vec::new();
    for id in ids {
        let job = queues.wait_for_job(QUEUE, &id, options.clone()).await?;
        if job.status != JobStatus::Succeeded {
            return Err(format!("job {id} ended {:?}", job.status).into());
        }
        renders.push(job.output_as::<Rendered>()?);
    }

    // 6. Tear down: the group first, so nothing takes jobs from a queue that is going away.
    groups.delete(GROUP).await?;
    queues.delete(QUEUE).await?;
    Ok(renders)
}

#[allow(dead_code)] // the test that runs `run` has no use for `main`
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let client = Client::from_env()?;
    let tiles = [
        Tile {
            x: -0.75,
            y: 0.1,
            zoom: 2000,
        },
        Tile {
            x: -1.25,
            y: 0.02,
            zoom: 500,
        },
    ];
    let renders = run(
        &client,
        &var("SALAD_ORGANIZATION")?,
        &var("SALAD_PROJECT")?,
        &tiles,
        Duration::from_secs(5),
    )
    .await?;
    for r in renders {
        println!("{} in {:.1} s", r.image, r.seconds);
    }
    Ok(())
}
