//! What the upstream spec accepts is sent as it is (issue 11): nothing here
//! may be refused locally, and each request must reach the server unchanged.

use container_registry_client::models::{
    BuildOptions, ContainerType, CreateContainerReq, CreateContainerVersionReq,
    CreateHelmConfigReq, CreateParameterConfigReq, ParameterCategory, ParameterType,
    SearchContainerReq, SearchFilter, SortOption, SubmitBuildContainerReq,
};
use container_registry_client::{Client, ListContainersParams, ListVersionsParams, Secret};
use mockito::{Matcher, Server, ServerGuard};
use serde_json::{json, Value};

async fn setup() -> (ServerGuard, Client) {
    let server = Server::new_async().await;
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new("t0k"))
        .build()
        .unwrap();
    (server, client)
}

fn ok(data: Value) -> String {
    json!({"code": 200, "message": "ok", "data": data, "timestamp": 1}).to_string()
}

fn bearer() -> Matcher {
    Matcher::Exact("Bearer t0k".into())
}

#[tokio::test]
async fn a_versions_page_size_is_any_integer_and_ids_and_pages_may_be_zero() {
    let (mut server, client) = setup().await;
    let versions = server
        .mock("GET", "/api/v2/containers/0/versions")
        .match_header("authorization", bearer())
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("page".into(), "0".into()),
            Matcher::UrlEncoded("size".into(), "25".into()),
        ]))
        .with_body(ok(
            json!({"items": [], "pagination": {"page": 0, "size": 25, "total": 0}}),
        ))
        .expect(1)
        .create_async()
        .await;
    let params = ListVersionsParams::new().page(0).size(25);
    let page = client.list_container_versions(0, &params).await.unwrap();
    assert!(page.items.is_empty());
    versions.assert_async().await;

    let list = server
        .mock("GET", "/api/v2/containers")
        .match_query(Matcher::UrlEncoded("page".into(), "0".into()))
        .with_body(ok(json!({"items": null})))
        .expect(1)
        .create_async()
        .await;
    client
        .list_containers(&ListContainersParams::new().page(0))
        .await
        .unwrap();
    list.assert_async().await;

    let one = server
        .mock("GET", "/api/v2/containers/-3/versions/0")
        .with_body(ok(json!({"id": 0, "name": "x"})))
        .expect(1)
        .create_async()
        .await;
    client.get_container_version(-3, 0).await.unwrap();
    one.assert_async().await;
}

#[tokio::test]
async fn a_container_without_type_and_with_any_version_name_is_sent() {
    let (mut server, client) = setup().await;
    for name in ["latest", "1.2", "v1", ""] {
        let req =
            CreateContainerReq::new("").with_version(CreateContainerVersionReq::new(name, ""));
        let mock = server
            .mock("POST", "/api/v2/containers")
            .match_header("authorization", bearer())
            // Exactly this body: no `type` key at all.
            .match_body(Matcher::Json(
                json!({"name": "", "version": {"name": name, "image_ref": ""}}),
            ))
            .with_body(ok(json!({"id": 1, "name": ""})))
            .expect(1)
            .create_async()
            .await;
        client.create_container(&req).await.unwrap();
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn empty_strings_are_sent_where_the_spec_allows_them() {
    let (mut server, client) = setup().await;
    let mut version = CreateContainerVersionReq::new("", "");
    version.env_vars = Some(vec![CreateParameterConfigReq::new(
        "",
        ParameterType::Fixed,
        ParameterCategory::EnvVars,
    )]);
    version.helm_config = Some(CreateHelmConfigReq::new("", "", "", ""));
    let mock = server
        .mock("POST", "/api/v2/containers/7/versions")
        .match_body(Matcher::Json(json!({
            "name": "", "image_ref": "",
            "env_vars": [{"key": "", "type": 0, "category": 0}],
            "helm_config": {"chart_name": "", "repo_name": "", "repo_url": "", "ns_prefix": ""}
        })))
        .with_body(ok(json!({"id": 3})))
        .expect(1)
        .create_async()
        .await;
    client.create_container_version(7, &version).await.unwrap();
    mock.assert_async().await;

    let search = SearchContainerReq::new()
        .filter(SearchFilter::eq("", ""))
        .sort(SortOption::asc(""));
    let mock = server
        .mock("POST", "/api/v2/containers/search")
        .match_body(Matcher::Json(json!({
            "filters": [{"field": "", "operator": "eq", "value": ""}],
            "sort": [{"field": "", "direction": "asc"}]
        })))
        .with_body(ok(json!({"items": []})))
        .expect(1)
        .create_async()
        .await;
    client.search_containers(&search).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn any_repository_text_and_any_json_build_args_are_sent() {
    let (mut server, client) = setup().await;
    for repo in [
        "detector-rca",
        "https://github.com/opspai/detector-rca",
        "a/b/c",
        "",
    ] {
        let mut build = SubmitBuildContainerReq::new("", repo);
        let mut options = BuildOptions::new();
        options.build_args = Some(
            [
                ("PY".to_string(), json!("3.11")),
                ("JOBS".to_string(), json!(4)),
                ("DEBUG".to_string(), json!(true)),
                ("LIST".to_string(), json!(["a", 1])),
            ]
            .into(),
        );
        build.build_options = Some(options);
        let mock = server
            .mock("POST", "/api/v2/containers/build")
            .match_body(Matcher::Json(json!({
                "image_name": "", "github_repository": repo,
                "build_options": {"build_args": {"PY": "3.11", "JOBS": 4, "DEBUG": true, "LIST": ["a", 1]}}
            })))
            .with_body(ok(json!({"task_id": "t", "trace_id": "r", "group_id": "g"})))
            .expect(1)
            .create_async()
            .await;
        client.build_container_image(&build).await.unwrap();
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn search_sends_the_container_type_by_the_name_answers_use() {
    let (mut server, client) = setup().await;
    for (kind, name) in [
        (ContainerType::Algorithm, "algorithm"),
        (ContainerType::Benchmark, "benchmark"),
        (ContainerType::Pedestal, "pedestal"),
    ] {
        let mock = server
            .mock("POST", "/api/v2/containers/search")
            .match_body(Matcher::Json(json!({"type": name})))
            .with_body(ok(json!({"items": []})))
            .expect(1)
            .create_async()
            .await;
        client
            .search_containers(&SearchContainerReq::new().container_type(kind))
            .await
            .unwrap();
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn an_envelope_without_data_or_with_null_data_decodes() {
    let (mut server, client) = setup().await;
    for body in [
        json!({"code": 200, "message": "ok"}),
        json!({"code": 200, "message": "ok", "data": null, "timestamp": 1}),
    ] {
        let mock = server
            .mock("GET", "/api/v2/containers")
            .with_body(body.to_string())
            .expect(1)
            .create_async()
            .await;
        let page = client
            .list_containers(&ListContainersParams::new())
            .await
            .unwrap_or_else(|e| panic!("{body}: {e}"));
        assert!(page.items.is_empty());
        assert!(page.pagination.is_none());
        mock.assert_async().await;
        mock.remove_async().await;
    }
}
