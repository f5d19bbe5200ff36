//! Bad input is rejected before anything is sent, and the error names the field.

use container_registry_client::models::{
    ContainerType, CreateContainerReq, CreateContainerVersionReq, CreateHelmConfigReq,
    CreateParameterConfigReq, ParameterCategory, ParameterType, SearchContainerReq, SearchFilter,
    StatusType, SubmitBuildContainerReq,
};
use container_registry_client::{
    Client, Error, ListContainersParams, ListVersionsParams, PageSize, Secret,
};
use mockito::{Matcher, Mock, Server, ServerGuard};

async fn setup() -> (ServerGuard, Client, Vec<Mock>) {
    let mut server = Server::new_async().await;
    let mut nothing = Vec::new();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        nothing.push(
            server
                .mock(method, Matcher::Any)
                .expect(0)
                .create_async()
                .await,
        );
    }
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new("t0k"))
        .build()
        .unwrap();
    (server, client, nothing)
}

#[track_caller]
fn assert_field<T: std::fmt::Debug>(result: Result<T, Error>, want: &str) {
    match result {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, want, "reason: {reason}");
            assert!(!reason.is_empty());
        }
        other => panic!("expected an invalid {want}, got {other:?}"),
    }
}

fn version(name: &str) -> CreateContainerVersionReq {
    CreateContainerVersionReq {
        name: name.into(),
        image_ref: "docker.io/opspai/detector-rca:1.2.0".into(),
        ..Default::default()
    }
}

fn build(repo: &str) -> SubmitBuildContainerReq {
    SubmitBuildContainerReq {
        image_name: "detector-rca".into(),
        github_repository: repo.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn build_requires_owner_slash_repo_and_an_image_name() {
    let (_server, client, nothing) = setup().await;
    for repo in [
        "",
        "detector-rca",
        "opspai/",
        "/detector-rca",
        "a/b/c",
        "https://github.com/opspai/detector-rca",
        "ops pai/x",
    ] {
        assert_field(
            client.build_container_image(&build(repo)).await,
            "github_repository",
        );
    }
    let mut no_image = build("opspai/detector-rca");
    no_image.image_name.clear();
    assert_field(client.build_container_image(&no_image).await, "image_name");
    for m in nothing {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn version_names_must_be_semantic_versions() {
    let (_server, client, nothing) = setup().await;
    for name in [
        "", "latest", "1", "1.2", "1.2.x", "01.2.3", "1.2.3.4", "1.2.3-", "v",
    ] {
        assert_field(
            client.create_container_version(7, &version(name)).await,
            "name",
        );
    }
    let mut no_image = version("1.2.3");
    no_image.image_ref.clear();
    assert_field(
        client.create_container_version(7, &no_image).await,
        "image_ref",
    );
    assert_field(
        client.create_container_version(0, &version("1.2.3")).await,
        "container_id",
    );
    for m in nothing {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn nested_fields_are_named_by_their_path() {
    let (_server, client, nothing) = setup().await;
    let mut req = CreateContainerReq::new("detector-rca", ContainerType::Algorithm)
        .with_version(version("newest"));
    assert_field(client.create_container(&req).await, "version.name");

    req.version = Some(CreateContainerVersionReq {
        env_vars: Some(vec![CreateParameterConfigReq::new(
            "",
            ParameterType::Fixed,
            ParameterCategory::EnvVars,
        )]),
        ..version("1.0.0")
    });
    assert_field(
        client.create_container(&req).await,
        "version.env_vars[0].key",
    );

    req.version = Some(CreateContainerVersionReq {
        helm_config: Some(CreateHelmConfigReq::new("detector", "rca", "example", "")),
        ..version("1.0.0")
    });
    assert_field(
        client.create_container(&req).await,
        "version.helm_config.repo_url",
    );

    req.version = None;
    req.name.clear();
    assert_field(client.create_container(&req).await, "name");
    for m in nothing {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn ids_pages_and_sizes_are_bounded() {
    let (_server, client, nothing) = setup().await;
    assert_field(client.get_container(0).await, "container_id");
    assert_field(client.get_container(-5).await, "container_id");
    assert_field(client.get_container_version(7, 0).await, "version_id");
    assert_field(client.get_container_version(0, 1).await, "container_id");
    assert_field(
        client
            .list_containers(&ListContainersParams::new().page(0))
            .await,
        "page",
    );
    assert_field(
        client
            .list_container_versions(7, &ListVersionsParams::new().page(0))
            .await,
        "page",
    );
    assert_field(
        client
            .list_container_versions(0, &ListVersionsParams::new())
            .await,
        "container_id",
    );
    // Only 10, 20 and 50 exist as page sizes; a number must go through TryFrom.
    assert_field(PageSize::try_from(25), "size");
    assert_field(
        client
            .search_containers(&SearchContainerReq::new().page(0))
            .await,
        "page",
    );
    assert_field(
        client
            .search_containers(&SearchContainerReq::new().size(0))
            .await,
        "size",
    );
    assert_field(
        client
            .search_containers(&SearchContainerReq::new().size(1001))
            .await,
        "size",
    );
    assert_field(
        client
            .search_containers(
                &SearchContainerReq::new().filter(SearchFilter::is_in("id", Vec::<i64>::new())),
            )
            .await,
        "filters[0].values",
    );
    for m in nothing {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn login_needs_both_credentials() {
    let (_server, client, nothing) = setup().await;
    assert_field(client.login("", &Secret::new("pw")).await, "username");
    assert_field(client.login("alice", &Secret::new("")).await, "password");
    for m in nothing {
        m.assert_async().await;
    }
}

#[test]
fn a_bad_base_url_is_invalid_input() {
    let err = Client::builder().base_url("not a url").build().unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
}

#[tokio::test]
async fn enum_names_without_an_integer_are_not_sent() {
    let (_server, client, nothing) = setup().await;
    let odd = || ContainerType::from("sidecar");
    assert_field(
        client
            .list_containers(&ListContainersParams::new().container_type(odd()))
            .await,
        "type",
    );
    assert_field(
        client
            .list_containers(&ListContainersParams::new().status(StatusType::from("unknown")))
            .await,
        "status",
    );
    assert_field(
        client
            .create_container(&CreateContainerReq::new("x", odd()))
            .await,
        "type",
    );
    let mut v = version("1.0.0");
    v.env_vars = Some(vec![CreateParameterConfigReq::new(
        "K",
        ParameterType::from("templated"),
        ParameterCategory::EnvVars,
    )]);
    assert_field(
        client.create_container_version(7, &v).await,
        "env_vars[0].type",
    );
    assert_field(
        client
            .create_container(
                &CreateContainerReq::new("x", ContainerType::Algorithm).with_version(v),
            )
            .await,
        "version.env_vars[0].type",
    );
    for m in nothing {
        m.assert_async().await;
    }
}
