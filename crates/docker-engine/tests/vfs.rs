//! Daemons on `vfs` storage (common in docker-in-docker and CI) send
//! `"GraphDriver": {"Data": null, "Name": "vfs"}`. These answers were recorded
//! from dockerd 20.10 and given the vfs driver's `GraphDriver` (a second
//! daemon on vfs must not be started on a shared machine); inspect must read
//! them, with `Data` empty.

use docker_engine::Docker;
use mockito::Server;

const CONTAINER: &str = include_str!("fixtures/vfs/container_inspect.json");
const IMAGE: &str = include_str!("fixtures/vfs/image_inspect.json");

#[tokio::test]
async fn container_and_image_inspect_read_a_null_graph_driver_map() {
    let mut server = Server::new_async().await;
    let container = server
        .mock("GET", "/v1.41/containers/gen-vfs-fixture/json")
        .with_header("content-type", "application/json")
        .with_body(CONTAINER)
        .create_async()
        .await;
    let image_id = "sha256:c2f2154fbf56924b867e2497ac1111702a224791e97c3bbe4e8932a7c6646c66";
    let image = server
        // The id's `:` travels percent-encoded, as each path segment does.
        .mock(
            "GET",
            format!("/v1.41/images/{}/json", image_id.replace(':', "%3A")).as_str(),
        )
        .with_header("content-type", "application/json")
        .with_body(IMAGE)
        .create_async()
        .await;
    let docker = Docker::builder()
        .host(server.url())
        .api_version("1.41".parse().unwrap())
        .build()
        .unwrap();

    let info = docker
        .containers()
        .inspect("gen-vfs-fixture", Default::default())
        .await
        .unwrap();
    let driver = info.graph_driver.expect("GraphDriver is in the answer");
    assert_eq!(driver.name, "vfs");
    assert!(driver.data.is_empty());
    assert_eq!(info.name.as_deref(), Some("/gen-vfs-fixture"));

    let img = docker.images().inspect(image_id).await.unwrap();
    let driver = img.graph_driver.expect("GraphDriver is in the answer");
    assert_eq!(driver.name, "vfs");
    assert!(driver.data.is_empty());
    assert_eq!(img.id.as_deref(), Some(image_id));

    container.assert_async().await;
    image.assert_async().await;
}
