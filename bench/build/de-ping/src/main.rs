//! Pings the daemon and lists its containers, with docker-engine.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let docker = docker_engine::Docker::connect()?;
    docker.ping().await?;
    let options = docker_engine::ListContainersOptions {
        all: true,
        ..Default::default()
    };
    let containers = docker.containers().list(options).await?;
    println!("{} containers", containers.len());
    Ok(())
}
