//! Every search the API's schema accepts goes out as given (issue 23 item 11):
//! the client is never stricter than the spec without a stated reason.

use container_registry_client::models::{
    DateRange, FilterOperator, SearchContainerReq, SearchFilter, StatusType,
};
use container_registry_client::{Client, RetryPolicy, Secret};
use mockito::Matcher;
use serde_json::{json, Value};

/// Sends `search` and asserts the body the server got.
async fn sent_as(search: SearchContainerReq, body: Value) {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/api/v2/containers/search")
        .match_header("authorization", "Bearer t0k")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(body.clone()))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(
            json!({"code": 200, "message": "ok", "timestamp": 1_741_075_200, "data": {
                "items": [], "pagination": {"page": 1, "size": 10, "total": 0, "total_pages": 0},
                "applied_filters": null, "applied_sort": null
            }})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let client = Client::builder()
        .base_url(server.url())
        .token(Secret::new("t0k"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    client
        .search_containers(&search)
        .await
        .unwrap_or_else(|e| panic!("{body}: {e}"));
    mock.assert_async().await;
}

fn filter(field: &str, op: &str, value: Option<&str>, values: Option<&[&str]>) -> SearchFilter {
    // Built by hand: the helpers pair operators with their usual operands, the
    // API does not insist on it.
    let mut f = SearchFilter::new(field, FilterOperator::from(op), "");
    f.value = value.map(String::from);
    f.values = values.map(|v| v.iter().map(|s| s.to_string()).collect());
    f
}

#[tokio::test]
async fn operands_are_the_servers_business() {
    let cases = [
        (
            filter("name", "eq", None, None),
            json!({"field": "name", "operator": "eq"}),
        ),
        (
            filter("status", "in", Some("1"), None),
            json!({"field": "status", "operator": "in", "value": "1"}),
        ),
        (
            filter("readme", "null", Some("x"), None),
            json!({"field": "readme", "operator": "null", "value": "x"}),
        ),
        (
            SearchFilter::date_after("created_at", "yesterday"),
            json!({"field": "created_at", "operator": "dafter", "value": "yesterday"}),
        ),
        (
            filter(
                "created_at",
                "dbetween",
                None,
                Some(&["2025-01-01", "2025-02-01", "2025-03-01"]),
            ),
            json!({"field": "created_at", "operator": "dbetween",
                   "values": ["2025-01-01", "2025-02-01", "2025-03-01"]}),
        ),
    ];
    for (f, want) in cases {
        sent_as(
            SearchContainerReq::new().filter(f),
            json!({ "filters": [want] }),
        )
        .await;
    }
}

#[tokio::test]
async fn date_ranges_and_statuses_go_as_given() {
    sent_as(
        SearchContainerReq::new().created(DateRange::default()),
        json!({ "created_at": {} }),
    )
    .await;
    sent_as(
        SearchContainerReq::new().updated(DateRange::since("2025/01/01")),
        json!({ "updated_at": { "from": "2025/01/01" } }),
    )
    .await;
    sent_as(SearchContainerReq::new().status(9), json!({ "status": 9 })).await;
    sent_as(
        SearchContainerReq::new().status(StatusType::Enabled),
        json!({ "status": 1 }),
    )
    .await;
}
