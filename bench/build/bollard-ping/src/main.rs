//! Pings the daemon and lists its containers, with bollard.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // bollard speaks a newer API than many daemons: negotiate down first.
    let docker = bollard::Docker::connect_with_local_defaults()?
        .negotiate_version()
        .await?;
    docker.ping().await?;
    let options = bollard::query_parameters::ListContainersOptionsBuilder::default()
        .all(true)
        .build();
    let containers = docker.list_containers(Some(options)).await?;
    println!("{} containers", containers.len());
    Ok(())
}
