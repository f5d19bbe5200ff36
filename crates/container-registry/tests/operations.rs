//! One test per operation against a local mock server: method, path, bearer
//! header, query and body are asserted, and a realistic envelope is decoded.

use container_registry_client::models::{
    BuildOptions, ContainerType, CreateContainerReq, CreateContainerVersionReq,
    CreateHelmConfigReq, CreateParameterConfigReq, DateRange, FilterOperator, ParameterCategory,
    ParameterType, SearchContainerReq, SearchFilter, SortDirection, SortOption, StatusType,
    SubmitBuildContainerReq,
};
use container_registry_client::{
    Client, Error, ListContainersParams, ListVersionsParams, PageSize, RetryPolicy, Secret,
};
use mockito::{Matcher, Server, ServerGuard};
use serde_json::{json, Value};

const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.test.sig";

async fn setup() -> (ServerGuard, Client) {
    let server = Server::new_async().await;
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new(TOKEN))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (server, client)
}

fn envelope(code: u16, message: &str, data: Value) -> String {
    json!({"code": code, "message": message, "data": data, "timestamp": 1_741_075_200}).to_string()
}

fn bearer() -> Matcher {
    Matcher::Exact(format!("Bearer {TOKEN}"))
}

fn container_json() -> Value {
    json!({
        "id": 7, "name": "detector-rca", "type": "algorithm", "is_public": true,
        "status": "enabled", "created_at": "2025-03-02T10:15:00Z",
        "updated_at": "2025-03-04T08:00:00Z", "labels": [{"key": "team", "value": "sre"}]
    })
}

#[tokio::test]
async fn login_posts_credentials_without_a_bearer_and_returns_the_token() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", "/api/v2/auth/login")
        .match_header("authorization", Matcher::Missing)
        .match_header("content-type", "application/json")
        .match_query(Matcher::Missing)
        .match_body(Matcher::Json(
            json!({"username": "alice", "password": "correct horse"}),
        ))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(envelope(
            200,
            "login successful",
            json!({"token": "eyJ.fresh.tok", "expires_at": "2025-03-05T08:00:00Z",
                   "user": {"id": 3, "username": "alice", "avatar": ""}}),
        ))
        .expect(1)
        .create_async()
        .await;
    let anonymous = Client::builder().base_url(server.url()).build().unwrap();
    assert!(!anonymous.has_token());
    let login = anonymous
        .login("alice", &Secret::new("correct horse"))
        .await
        .unwrap();
    mock.assert_async().await;
    let token = login.token.clone().unwrap();
    assert_eq!(token.expose(), "eyJ.fresh.tok");
    assert_eq!(login.expires_at.as_deref(), Some("2025-03-05T08:00:00Z"));
    assert_eq!(
        login.user.as_ref().unwrap().username.as_deref(),
        Some("alice")
    );
    // The token never shows up when the answer is printed.
    assert!(!format!("{login:?}").contains("fresh"), "{login:?}");

    // And the new token is what the next call sends.
    let next = server
        .mock("GET", "/api/v2/containers/7")
        .match_header("authorization", "Bearer eyJ.fresh.tok")
        .with_body(envelope(200, "ok", container_json()))
        .expect(1)
        .create_async()
        .await;
    anonymous.with_token(token).get_container(7).await.unwrap();
    next.assert_async().await;
}

#[tokio::test]
async fn a_login_answer_that_fails_to_decode_does_not_show_the_token() {
    let mut server = Server::new_async().await;
    // `user` is a string here (one that quotes the token, as a confused server
    // might), so decoding fails after the token was read.
    let mock = server
        .mock("POST", "/api/v2/auth/login")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(envelope(
            200,
            "login successful",
            json!({"token": "eyJ.secret.tok", "user": "eyJ.secret.tok"}),
        ))
        .expect(1)
        .create_async()
        .await;
    let client = Client::builder().base_url(server.url()).build().unwrap();
    let err = client.login("alice", &Secret::new("pw")).await.unwrap_err();
    mock.assert_async().await;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("user"), "{shown}");
    }
}

#[tokio::test]
async fn build_container_image_posts_the_build() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("POST", "/api/v2/containers/build")
        .match_header("authorization", bearer())
        .match_header("content-type", "application/json")
        .match_query(Matcher::Missing)
        .match_body(Matcher::Json(json!({
            "image_name": "detector-rca",
            "tag": "1.2.0",
            "github_repository": "opspai/detector-rca",
            "github_branch": "main",
            "github_token": "ghp_secret",
            "sub_path": "algorithms/detector",
            "build_options": {"dockerfile_path": "docker/Dockerfile", "build_args": {"PY": "3.11"}, "force_rebuild": true}
        })))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(envelope(
            200,
            "container build task submitted successfully",
            json!({"group_id": "0f7c2a4e-5d1b", "trace_id": "5e2d9b1c-8a7f", "task_id": "a1b2c3d4-e5f6"}),
        ))
        .expect(1)
        .create_async()
        .await;
    let build = SubmitBuildContainerReq {
        image_name: "detector-rca".into(),
        tag: Some("1.2.0".into()),
        github_repository: "opspai/detector-rca".into(),
        github_branch: Some("main".into()),
        github_token: Some("ghp_secret".into()),
        sub_path: Some("algorithms/detector".into()),
        build_options: Some(BuildOptions {
            dockerfile_path: Some("docker/Dockerfile".into()),
            build_args: Some([("PY".to_string(), json!("3.11"))].into()),
            force_rebuild: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert!(!format!("{build:?}").contains("ghp_secret"));
    let task = client.build_container_image(&build).await.unwrap();
    mock.assert_async().await;
    assert_eq!(task.task_id.as_deref(), Some("a1b2c3d4-e5f6"));
    assert_eq!(task.trace_id.as_deref(), Some("5e2d9b1c-8a7f"));
    assert_eq!(task.group_id.as_deref(), Some("0f7c2a4e-5d1b"));
}

#[tokio::test]
async fn create_container_sends_type_as_integer_and_reads_names_back() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("POST", "/api/v2/containers")
        .match_header("authorization", bearer())
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!({
            "name": "detector-rca",
            "type": 0,
            "is_public": false,
            "readme": "# detector",
            "version": {"name": "1.2.0", "image_ref": "docker.io/opspai/detector-rca:1.2.0", "command": "python -m detector"}
        })))
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_body(envelope(
            201,
            "container created successfully",
            json!({"id": 7, "name": "detector-rca", "type": "algorithm", "is_public": false,
                   "status": "enabled", "created_at": "2025-03-02T10:15:00Z",
                   "updated_at": "2025-03-02T10:15:00Z", "labels": null}),
        ))
        .expect(1)
        .create_async()
        .await;
    let req = CreateContainerReq {
        name: "detector-rca".into(),
        r#type: Some(ContainerType::Algorithm),
        is_public: Some(false),
        readme: Some("# detector".into()),
        version: Some(CreateContainerVersionReq {
            name: "1.2.0".into(),
            image_ref: "docker.io/opspai/detector-rca:1.2.0".into(),
            command: Some("python -m detector".into()),
            ..Default::default()
        }),
    };
    let created = client.create_container(&req).await.unwrap();
    mock.assert_async().await;
    assert_eq!(created.id, Some(7));
    assert_eq!(created.r#type, Some(ContainerType::Algorithm));
    assert_eq!(created.status, Some(StatusType::Enabled));
    assert!(created.labels.is_empty());
}

#[tokio::test]
async fn create_container_version_posts_to_the_container() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("POST", "/api/v2/containers/7/versions")
        .match_header("authorization", bearer())
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!({
            "name": "v1.3.0-rc.1",
            "image_ref": "docker.io/opspai/detector-rca:1.3.0-rc.1",
            "github_link": "https://github.com/opspai/detector-rca",
            "env_vars": [
                {"key": "WINDOW", "type": 0, "category": 0, "default_value": "300", "required": true},
                {"key": "service.port", "type": 1, "category": 1, "template_string": "{{ .Port }}"}
            ],
            "helm_config": {"chart_name": "detector", "ns_prefix": "rca", "repo_name": "example",
                            "repo_url": "https://charts.example.org", "values": {"replicas": 2}}
        })))
        .with_status(201)
        .with_body(envelope(
            201,
            "container version created successfully",
            json!({"id": 32, "name": "v1.3.0-rc.1", "image_ref": "docker.io/opspai/detector-rca:1.3.0-rc.1",
                   "usage": 0, "updated_at": "2025-03-05T09:00:00Z"}),
        ))
        .expect(1)
        .create_async()
        .await;
    let req = CreateContainerVersionReq {
        name: "v1.3.0-rc.1".into(),
        image_ref: "docker.io/opspai/detector-rca:1.3.0-rc.1".into(),
        github_link: Some("https://github.com/opspai/detector-rca".into()),
        env_vars: Some(vec![
            CreateParameterConfigReq {
                default_value: Some("300".into()),
                required: Some(true),
                ..CreateParameterConfigReq::new(
                    "WINDOW",
                    ParameterType::Fixed,
                    ParameterCategory::EnvVars,
                )
            },
            CreateParameterConfigReq {
                template_string: Some("{{ .Port }}".into()),
                ..CreateParameterConfigReq::new(
                    "service.port",
                    ParameterType::Dynamic,
                    ParameterCategory::HelmValues,
                )
            },
        ]),
        helm_config: Some(CreateHelmConfigReq {
            chart_name: "detector".into(),
            ns_prefix: "rca".into(),
            repo_name: "example".into(),
            repo_url: "https://charts.example.org".into(),
            values: Some([("replicas".to_string(), json!(2))].into()),
        }),
        ..Default::default()
    };
    let version = client.create_container_version(7, &req).await.unwrap();
    mock.assert_async().await;
    assert_eq!(version.id, Some(32));
    assert_eq!(version.name.as_deref(), Some("v1.3.0-rc.1"));
    assert_eq!(version.usage, Some(0));
}

#[tokio::test]
async fn get_container_returns_details_and_versions() {
    let (mut server, client) = setup().await;
    let mut data = container_json();
    data["readme"] = json!("# detector-rca\nFinds the faulty service.");
    data["versions"] = json!([
        {"id": 31, "name": "1.2.0", "image_ref": "docker.io/opspai/detector-rca:1.2.0", "usage": 4, "updated_at": "2025-03-04T08:00:00Z"},
        {"id": 30, "name": "1.1.0", "image_ref": "docker.io/opspai/detector-rca:1.1.0", "usage": 9, "updated_at": "2025-02-01T08:00:00Z"}
    ]);
    data["a_field_from_a_newer_server"] = json!({"x": 1});
    let mock = server
        .mock("GET", "/api/v2/containers/7")
        .match_header("authorization", bearer())
        .match_query(Matcher::Missing)
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(envelope(200, "container retrieved successfully", data))
        .expect(1)
        .create_async()
        .await;
    let c = client.get_container(7).await.unwrap();
    mock.assert_async().await;
    assert_eq!(c.id, Some(7));
    assert_eq!(c.name.as_deref(), Some("detector-rca"));
    assert_eq!(c.r#type, Some(ContainerType::Algorithm));
    assert_eq!(c.is_public, Some(true));
    assert!(c.readme.as_deref().unwrap().starts_with("# detector-rca"));
    let labels = c.labels;
    assert_eq!(labels[0].key.as_deref(), Some("team"));
    let versions = c.versions;
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].usage, Some(9));
}

#[tokio::test]
async fn get_container_version_returns_helm_settings() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("GET", "/api/v2/containers/7/versions/31")
        .match_header("authorization", bearer())
        .match_query(Matcher::Missing)
        .with_status(200)
        .with_body(envelope(
            200,
            "container version retrieved successfully",
            json!({"id": 31, "name": "1.2.0", "image_ref": "docker.io/opspai/detector-rca:1.2.0",
                   "usage": 4, "updated_at": "2025-03-04T08:00:00Z",
                   "github_link": "https://github.com/opspai/detector-rca", "command": "python -m detector",
                   "env_vars": "WINDOW=300",
                   "helm_config": {"id": 2, "repo_url": "https://charts.example.org", "full_chart": "example/detector",
                                   "ns_prefix": "rca", "port_template": "31%03d",
                                   "values": {"replicas": 1, "image": {"tag": "1.2.0"}}}}),
        ))
        .expect(1)
        .create_async()
        .await;
    let v = client.get_container_version(7, 31).await.unwrap();
    mock.assert_async().await;
    assert_eq!(v.id, Some(31));
    assert_eq!(v.command.as_deref(), Some("python -m detector"));
    assert_eq!(v.env_vars.as_deref(), Some("WINDOW=300"));
    let helm = v.helm_config.unwrap();
    assert_eq!(helm.full_chart.as_deref(), Some("example/detector"));
    assert_eq!(helm.values.unwrap()["image"]["tag"], "1.2.0");
}

#[tokio::test]
async fn list_container_versions_sends_paging_and_status() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("GET", "/api/v2/containers/7/versions")
        .match_header("authorization", bearer())
        .match_query(Matcher::Exact("page=2&size=10&status=1".into()))
        .with_status(200)
        .with_body(envelope(
            200,
            "container versions retrieved successfully",
            json!({"items": [{"id": 20, "name": "0.9.0", "image_ref": "r/x:0.9.0", "usage": 1, "updated_at": "2024-12-01T00:00:00Z"}],
                   "pagination": {"page": 2, "size": 10, "total": 11, "total_pages": 2}}),
        ))
        .expect(1)
        .create_async()
        .await;
    let params = ListVersionsParams::new()
        .page(2)
        .size(10)
        .status(StatusType::Enabled);
    let page = client.list_container_versions(7, &params).await.unwrap();
    mock.assert_async().await;
    let items = page.items;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].name.as_deref(), Some("0.9.0"));
    let p = page.pagination.unwrap();
    assert_eq!(
        (p.page, p.size, p.total, p.total_pages),
        (Some(2), Some(10), Some(11), Some(2))
    );
}

#[tokio::test]
async fn list_containers_sends_filters_as_integers() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("GET", "/api/v2/containers")
        .match_header("authorization", bearer())
        .match_query(Matcher::Exact(
            "page=1&size=50&type=2&is_public=true&status=-1".into(),
        ))
        .with_status(200)
        .with_body(envelope(
            200,
            "containers retrieved successfully",
            json!({"items": [
                      {"id": 9, "name": "ts", "type": "pedestal", "is_public": true, "status": "deleted"},
                      {"id": 10, "name": "hs", "type": 2, "is_public": true, "status": -1}
                   ],
                   "pagination": {"page": 1, "size": 50, "total": 2, "total_pages": 1}}),
        ))
        .expect(1)
        .create_async()
        .await;
    let params = ListContainersParams::new()
        .page(1)
        .size(PageSize::Fifty)
        .container_type(ContainerType::Pedestal)
        .is_public(true)
        .status(StatusType::Deleted);
    let page = client.list_containers(&params).await.unwrap();
    mock.assert_async().await;
    let items = page.items;
    assert_eq!(items.len(), 2);
    for c in items.iter() {
        assert_eq!(c.r#type, Some(ContainerType::Pedestal), "{c:?}");
        assert_eq!(c.status, Some(StatusType::Deleted), "{c:?}");
    }
}

#[tokio::test]
async fn list_containers_without_filters_sends_no_query() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("GET", "/api/v2/containers")
        .match_header("authorization", bearer())
        .match_query(Matcher::Missing)
        .with_body(envelope(
            200,
            "ok",
            json!({"items": null, "pagination": {"page": 1, "size": 20, "total": 0, "total_pages": 0}}),
        ))
        .expect(1)
        .create_async()
        .await;
    let page = client
        .list_containers(&ListContainersParams::default())
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn search_containers_posts_the_search_as_json() {
    let (mut server, client) = setup().await;
    let mock = server
        .mock("POST", "/api/v2/containers/search")
        .match_header("authorization", bearer())
        .match_header("content-type", "application/json")
        .match_query(Matcher::Missing)
        .match_body(Matcher::Json(json!({
            "keyword": "rca",
            "type": "algorithm",
            "status": 1,
            "filters": [
                {"field": "name", "operator": "like", "value": "detector"},
                {"field": "id", "operator": "in", "values": ["7", "9"]},
                {"field": "readme", "operator": "nnull"},
                {"field": "updated_at", "operator": "dbetween", "values": ["2025-01-01", "2025-03-31"]}
            ],
            "sort": [{"field": "created_at", "direction": "desc"}, {"field": "name", "direction": "asc"}],
            "created_at": {"from": "2025-01-01", "to": "2025-03-31T23:59:59Z"},
            "page": 1,
            "size": 20
        })))
        .with_status(200)
        .with_body(envelope(
            200,
            "containers retrieved successfully",
            json!({"items": [container_json()],
                   "pagination": {"page": 1, "size": 20, "total": 1, "total_pages": 1},
                   "applied_filters": [{"field": "name", "operator": "like", "value": "detector"}],
                   "applied_sort": [{"field": "created_at", "direction": "desc"}]}),
        ))
        .expect(1)
        .create_async()
        .await;
    let search = SearchContainerReq::new()
        .keyword("rca")
        .container_type(ContainerType::Algorithm)
        .status(StatusType::Enabled)
        .filter(SearchFilter::like("name", "detector"))
        .filter(SearchFilter::is_in("id", [7, 9]))
        .filter(SearchFilter::is_not_null("readme"))
        .filter(SearchFilter::date_between(
            "updated_at",
            "2025-01-01",
            "2025-03-31",
        ))
        .sort(SortOption::desc("created_at"))
        .sort(SortOption::asc("name"))
        .created(DateRange::between("2025-01-01", "2025-03-31T23:59:59Z"))
        .page(1)
        .size(20);
    let found = client.search_containers(&search).await.unwrap();
    mock.assert_async().await;
    let items = found.items;
    assert_eq!(items[0].name.as_deref(), Some("detector-rca"));
    let applied = found.applied_filters;
    assert_eq!(applied[0].operator, FilterOperator::Like);
    let sort = found.applied_sort;
    assert_eq!(sort[0].direction, SortDirection::Desc);
}

#[test]
fn handles_and_futures_can_cross_threads() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    fn send_unpin<T: Send + Unpin>(_: &T) {}
    let client = Client::builder().build().unwrap();
    send_sync(&client);
    send(&client.get_container(1));
    send(&client.login("a", &Secret::new("b")));
    send(&client.search_containers(&SearchContainerReq::new()));
    send_unpin(&client.list_containers_stream(ListContainersParams::new()));
    send_unpin(&client.search_containers_stream(SearchContainerReq::new()));
    send_unpin(&client.list_container_versions_stream(1, ListVersionsParams::new()));
    send(&client.session("a", Secret::new("b")));
    send(&client.get_task("t"));
    send(&client.list_tasks(&container_registry_client::ListTasksParams::new()));
    send(&client.health());
    let build = container_registry_client::models::SubmitBuildContainerReq::new("i", "o/r");
    send(&client.submit_build(&build));
    send(&client.build_and_wait(&build));
    send_unpin(&client.list_tasks_stream(container_registry_client::ListTasksParams::new()));
    send_unpin(&client.trace_events("t", container_registry_client::TraceOptions::new()));
    send_unpin(&client.follow_task("t", "r", container_registry_client::FollowOptions::new()));
    fn error_type<E: std::error::Error + Send + Sync + 'static>() {}
    error_type::<container_registry_client::BuildError>();
    error_type::<container_registry_client::TaskFailed>();

    // A builder can be kept as a template and cloned; no Debug shows the token.
    let builder = Client::builder().token(Secret::new("tok-123"));
    let copy = builder.clone();
    send_sync(&copy);
    assert!(!format!("{builder:?}").contains("tok-123"), "{builder:?}");
    let with_token = copy.build().unwrap();
    assert!(with_token.has_token());
    assert!(
        !format!("{with_token:?}").contains("tok-123"),
        "{with_token:?}"
    );
}
