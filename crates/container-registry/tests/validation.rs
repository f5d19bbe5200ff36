//! Bad input is rejected before anything is sent, and the error names the field.

use container_registry_client::models::{
    ContainerType, CreateContainerReq, CreateContainerVersionReq, CreateParameterConfigReq,
    FilterOperator, ParameterCategory, ParameterType, SearchContainerReq, SearchFilter,
    SortDirection, SortOption, StatusType,
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

#[tokio::test]
async fn nested_fields_are_named_by_their_path() {
    let (_server, client, nothing) = setup().await;
    let mut v = version("1.0.0");
    v.env_vars = Some(vec![CreateParameterConfigReq::new(
        "K",
        ParameterType::from(3i64),
        ParameterCategory::EnvVars,
    )]);
    let req = CreateContainerReq::new("detector-rca").with_version(v);
    assert_field(
        client.create_container(&req).await,
        "version.env_vars[0].type",
    );
    for m in nothing {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn search_pages_and_sizes_keep_the_spec_bounds() {
    let (_server, client, nothing) = setup().await;
    // The search body's own schema has page >= 1 and size in 1..=1000.
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
    // The container list's page size is an enum upstream: 10, 20 or 50.
    assert_field(PageSize::try_from(25), "size");
    for m in nothing {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn an_empty_token_is_never_sent_as_bearer() {
    let (_server, client, nothing) = setup().await;
    let empty = client.with_token("");
    assert_field(empty.get_container(7).await, "token");
    assert_field(
        empty.list_containers(&ListContainersParams::new()).await,
        "token",
    );
    // Whitespace only is as empty: never sent as `Bearer   `.
    for blank in [" ", "   ", "\t \n"] {
        assert_field(client.with_token(blank).get_container(7).await, "token");
        let built = Client::builder()
            .base_url(_server.url())
            .token(blank)
            .build()
            .unwrap();
        assert_field(built.get_container(7).await, "token");
    }
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
async fn enum_values_the_api_does_not_define_are_refused_naming_the_known_ones() {
    let (_server, client, nothing) = setup().await;
    #[track_caller]
    fn refused<T: std::fmt::Debug>(result: Result<T, Error>, want: &str, known: &str) {
        match result {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, want, "reason: {reason}");
                assert!(reason.contains(known), "{reason}");
            }
            other => panic!("expected an invalid {want}, got {other:?}"),
        }
    }
    for odd in [ContainerType::from(5i64), ContainerType::from("sidecar")] {
        refused(
            client
                .list_containers(&ListContainersParams::new().container_type(odd.clone()))
                .await,
            "type",
            "0 (algorithm)",
        );
        refused(
            client
                .create_container(&CreateContainerReq::new("x").container_type(odd))
                .await,
            "type",
            "2 (pedestal)",
        );
    }
    for odd in [StatusType::from(7i64), StatusType::from("gone")] {
        refused(
            client
                .list_containers(&ListContainersParams::new().status(odd.clone()))
                .await,
            "status",
            "1 (enabled)",
        );
        refused(
            client
                .list_container_versions(7, &ListVersionsParams::new().status(odd.clone()))
                .await,
            "status",
            "-1 (deleted)",
        );
    }
    // The search's `status` is any integer upstream (7 is sent: see search_inputs.rs);
    // only a name that is no integer is refused.
    refused(
        client
            .search_containers(&SearchContainerReq::new().status(StatusType::from("gone")))
            .await,
        "status",
        "integer",
    );
    let mut v = version("1.0.0");
    v.env_vars = Some(vec![CreateParameterConfigReq::new(
        "K",
        ParameterType::from(3i64),
        ParameterCategory::EnvVars,
    )]);
    refused(
        client.create_container_version(7, &v).await,
        "env_vars[0].type",
        "1 (dynamic)",
    );
    v.env_vars = Some(vec![CreateParameterConfigReq::new(
        "K",
        ParameterType::Fixed,
        ParameterCategory::from(9i64),
    )]);
    refused(
        client.create_container_version(7, &v).await,
        "env_vars[0].category",
        "helm_values",
    );
    refused(
        client
            .search_containers(&SearchContainerReq::new().filter(SearchFilter::new(
                "name",
                FilterOperator::from("regex"),
                ".*",
            )))
            .await,
        "filters[0].operator",
        // The message names the first twelve known values and counts the rest.
        "eq, ne, gt",
    );
    refused(
        client
            .search_containers(&SearchContainerReq::new().sort(SortOption {
                field: "name".into(),
                direction: SortDirection::from("random"),
            }))
            .await,
        "sort[0].direction",
        "asc, desc",
    );
    for m in nothing {
        m.assert_async().await;
    }
}
