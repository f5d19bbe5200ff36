//! The paging streams fetch exactly the pages they need, in order, and end.

use container_registry_client::models::{SearchContainerReq, SearchFilter};
use container_registry_client::{
    Client, Error, ListContainersParams, ListVersionsParams, PageSize, RetryPolicy, Secret,
};
use futures_util::{StreamExt, TryStreamExt};
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::{json, Value};

async fn setup() -> (ServerGuard, Client) {
    let server = Server::new_async().await;
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new("t0k"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (server, client)
}

fn containers(ids: std::ops::Range<i64>) -> Vec<Value> {
    ids.map(
        |id| json!({"id": id, "name": format!("c{id}"), "type": "algorithm", "status": "enabled"}),
    )
    .collect()
}

fn page_body(items: Vec<Value>, page: i64, size: i64, total: i64) -> String {
    let total_pages = (total + size - 1) / size;
    json!({"code": 200, "message": "ok", "timestamp": 1,
           "data": {"items": items, "pagination": {"page": page, "size": size, "total": total, "total_pages": total_pages}}})
        .to_string()
}

async fn list_page(
    server: &mut ServerGuard,
    page: i64,
    items: Vec<Value>,
    total: i64,
    hits: usize,
) -> Mock {
    server
        .mock("GET", "/api/v2/containers")
        .match_header("authorization", "Bearer t0k")
        .match_query(Matcher::Exact(format!("page={page}&size=10&type=0")))
        .with_body(page_body(items, page, 10, total))
        .expect(hits)
        .create_async()
        .await
}

#[tokio::test]
async fn list_stream_fetches_each_page_once_and_stops_after_the_last() {
    let (mut server, client) = setup().await;
    let p1 = list_page(&mut server, 1, containers(1..11), 25, 1).await;
    let p2 = list_page(&mut server, 2, containers(11..21), 25, 1).await;
    let p3 = list_page(&mut server, 3, containers(21..26), 25, 1).await;
    let p4 = list_page(&mut server, 4, vec![], 25, 0).await;

    let params = ListContainersParams::new()
        .size(PageSize::Ten)
        .container_type(container_registry_client::models::ContainerType::Algorithm);
    let all: Vec<_> = client
        .list_containers_stream(params)
        .try_collect()
        .await
        .unwrap();

    let ids: Vec<i64> = all.iter().map(|c| c.id.unwrap()).collect();
    assert_eq!(ids, (1..26).collect::<Vec<_>>());
    for m in [p1, p2, p3, p4] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn list_stream_fetches_the_next_page_only_on_demand() {
    let (mut server, client) = setup().await;
    let p1 = list_page(&mut server, 1, containers(1..11), 25, 1).await;
    let p2 = list_page(&mut server, 2, containers(11..21), 25, 0).await;

    let params = ListContainersParams::new()
        .size(PageSize::Ten)
        .container_type(container_registry_client::models::ContainerType::Algorithm);
    let mut stream = client.list_containers_stream(params);
    let mut first = Vec::new();
    for _ in 0..10 {
        first.push(stream.next().await.unwrap().unwrap());
    }
    drop(stream);
    assert_eq!(first.len(), 10);
    p1.assert_async().await;
    p2.assert_async().await;
}

#[tokio::test]
async fn list_stream_of_an_empty_result_makes_one_request() {
    let (mut server, client) = setup().await;
    let only = server
        .mock("GET", "/api/v2/containers")
        .match_query(Matcher::Exact("page=1".into()))
        .with_body(r#"{"code":200,"message":"ok","data":{"items":null,"pagination":{"page":1,"size":20,"total":0,"total_pages":0}}}"#)
        .expect(1)
        .create_async()
        .await;
    let all: Vec<_> = client
        .list_containers_stream(ListContainersParams::new())
        .try_collect()
        .await
        .unwrap();
    assert!(all.is_empty());
    only.assert_async().await;
}

#[tokio::test]
async fn version_stream_starts_at_the_given_page() {
    let (mut server, client) = setup().await;
    let version = |id: i64| json!({"id": id, "name": format!("1.0.{id}"), "image_ref": "r/x"});
    let mut mocks = Vec::new();
    for (page, hits, items) in [
        (1, 0, vec![]),
        (2, 1, (0..10).map(version).collect::<Vec<_>>()),
        (3, 1, (10..14).map(version).collect()),
        (4, 0, vec![]),
    ] {
        mocks.push(
            server
                .mock("GET", "/api/v2/containers/7/versions")
                .match_query(Matcher::Exact(format!("page={page}&size=10")))
                .with_body(
                    json!({"code": 200, "data": {"items": items,
                           "pagination": {"page": page, "size": 10, "total": 24, "total_pages": 3}}})
                    .to_string(),
                )
                .expect(hits)
                .create_async()
                .await,
        );
    }
    let got: Vec<_> = client
        .list_container_versions_stream(7, ListVersionsParams::new().page(2).size(10))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got.len(), 14);
    for m in mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn search_stream_advances_the_page_in_the_body() {
    let (mut server, client) = setup().await;
    let mut mocks = Vec::new();
    for (page, hits, items) in [
        (1, 1, containers(1..3)),
        (2, 1, containers(3..5)),
        (3, 1, containers(5..6)),
        (4, 0, vec![]),
    ] {
        mocks.push(
            server
                .mock("POST", "/api/v2/containers/search")
                .match_header("content-type", "application/json")
                .match_body(Matcher::Json(json!({
                    "keyword": "rca",
                    "filters": [{"field": "name", "operator": "like", "value": "c"}],
                    "page": page, "size": 2
                })))
                .with_body(page_body(items, page, 2, 5))
                .expect(hits)
                .create_async()
                .await,
        );
    }
    let search = SearchContainerReq::new()
        .keyword("rca")
        .filter(SearchFilter::like("name", "c"))
        .size(2);
    let got: Vec<_> = client
        .search_containers_stream(search)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        got.iter().map(|c| c.id.unwrap()).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    for m in mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_items_before_it() {
    let (mut server, client) = setup().await;
    let p1 = list_page(&mut server, 1, containers(1..11), 25, 1).await;
    let p2 = server
        .mock("GET", "/api/v2/containers")
        .match_query(Matcher::Exact("page=2&size=10&type=0".into()))
        .with_status(500)
        .with_body(r#"{"code":500,"message":"database is down","data":null}"#)
        .expect(1)
        .create_async()
        .await;
    let params = ListContainersParams::new()
        .size(PageSize::Ten)
        .container_type(container_registry_client::models::ContainerType::Algorithm);
    let results: Vec<_> = client.list_containers_stream(params).collect().await;
    assert_eq!(results.len(), 11);
    assert!(results[..10].iter().all(Result::is_ok));
    let err = results[10].as_ref().unwrap_err();
    assert_eq!(err.api().unwrap().message(), "database is down");
    p1.assert_async().await;
    p2.assert_async().await;
}

#[tokio::test]
async fn invalid_stream_parameters_fail_before_any_request() {
    let (mut server, client) = setup().await;
    let none_get = server
        .mock("GET", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let none_post = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let results: Vec<_> = client
        .list_containers_stream(
            ListContainersParams::new()
                .status(container_registry_client::models::StatusType::from(9i64)),
        )
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    assert!(matches!(&results[0], Err(Error::InvalidInput { field, .. }) if field == "status"));
    let results: Vec<_> = client
        .search_containers_stream(SearchContainerReq::new().page(-3))
        .collect()
        .await;
    assert!(matches!(&results[0], Err(Error::InvalidInput { field, .. }) if field == "page"));
    none_get.assert_async().await;
    none_post.assert_async().await;
}
