//! Trace events over a real socket: history, then live events, a dropped
//! connection, and a resume from the last event id that loses and repeats
//! nothing.

mod support;

use std::time::Duration;

use container_registry_client::{Client, Error, RetryPolicy, Secret, TraceOptions};
use futures_util::TryStreamExt;
use support::{event, End, Reply, TestServer};

fn client(url: &str, attempts: u32) -> Client {
    Client::builder()
        .base_url(url)
        .token(Secret::new("t0k"))
        .retry(RetryPolicy::new(attempts).base_delay(Duration::from_millis(1)))
        .build()
        .unwrap()
}

const MS: Duration = Duration::from_millis(1);

#[tokio::test]
async fn a_dropped_stream_resumes_after_the_last_event_without_loss_or_repeat() {
    let server = TestServer::start(|req, _| {
        assert_eq!(req.path, "/api/v2/traces/trace-1/stream");
        match req.query_value("last_id").as_deref() {
            // History (1-3) in one chunk, then live events, then the
            // connection breaks in the middle of event 6.
            None => Reply::Sse(
                vec![
                    (
                        MS,
                        format!(
                            "retry: 5\n{}{}{}",
                            event(1, "a"),
                            event(2, "b"),
                            event(3, "c")
                        ),
                    ),
                    (Duration::from_millis(20), event(4, "d")),
                    (
                        Duration::from_millis(20),
                        format!("{}id: 6\ndata: {{\"half", event(5, "e")),
                    ),
                ],
                End::Drop,
            ),
            // The resumed stream sends what came after 5, split mid-line,
            // then ends cleanly.
            Some("5") => {
                let rest = format!("{}{}", event(6, "f"), event(7, "g"));
                let (a, b) = rest.split_at(17);
                Reply::Sse(vec![(MS, a.to_string()), (MS, b.to_string())], End::Close)
            }
            other => panic!("unexpected last_id {other:?}"),
        }
    })
    .await;
    let client = client(&server.url, 3);
    let mut events = client.trace_events("trace-1", TraceOptions::new());
    let mut got = Vec::new();
    while let Some(e) = events.try_next().await.unwrap() {
        assert_eq!(e.event, "update");
        let details = e.details.clone().expect("JSON data decodes");
        assert_eq!(details.task_id.as_deref(), Some("task-1"));
        got.push((e.id.clone().unwrap(), details.event_name.unwrap()));
    }
    let want: Vec<(String, String)> = ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .enumerate()
        .map(|(i, n)| ((i + 1).to_string(), n.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(events.last_id().as_deref(), Some("7"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].query_value("last_id"), None);
    assert_eq!(requests[1].query_value("last_id").as_deref(), Some("5"));
    for r in &requests {
        assert_eq!(r.header("authorization"), Some("Bearer t0k"));
        assert_eq!(r.header("accept"), Some("text/event-stream"));
    }
}

#[tokio::test]
async fn reconnects_are_bounded_by_the_retry_policy() {
    // Every connection breaks before a single event: after the policy's
    // three attempts the stream ends with the error.
    let server =
        TestServer::start(|_, _| Reply::Sse(vec![(MS, ": hi\nid: 9\ndata: x".into())], End::Drop))
            .await;
    let client = client(&server.url, 3);
    let mut events = client.trace_events("t", TraceOptions::new().last_id("2").reconnect_delay(MS));
    let err = events.try_next().await.unwrap_err();
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    assert_eq!(
        events.try_next().await.unwrap(),
        None,
        "ends after the error"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    // The half event was never dispatched, so every attempt resumes from 2.
    for r in requests {
        assert_eq!(r.query_value("last_id").as_deref(), Some("2"));
    }
}

#[tokio::test]
async fn a_silent_stream_is_cut_by_the_idle_timeout_and_resumed() {
    let server = TestServer::start(|req, _| match req.query_value("last_id").as_deref() {
        None => Reply::Sse(
            vec![
                (MS, event(1, "a")),
                (Duration::from_secs(30), event(2, "late")),
            ],
            End::Close,
        ),
        Some("1") => Reply::Sse(vec![(MS, event(2, "b"))], End::Close),
        other => panic!("{other:?}"),
    })
    .await;
    let client = client(&server.url, 3);
    let events: Vec<_> = client
        .trace_events(
            "t",
            TraceOptions::new()
                .idle_timeout(Duration::from_millis(200))
                .reconnect_delay(MS),
        )
        .try_collect()
        .await
        .unwrap();
    let names: Vec<_> = events
        .iter()
        .map(|e| e.details.as_ref().unwrap().event_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
}

#[tokio::test]
async fn an_oversized_event_is_an_error_not_unbounded_memory() {
    let server = TestServer::start(|_, _| {
        Reply::Sse(
            vec![(MS, format!("data: {}\n\n", "x".repeat(5000)))],
            End::Close,
        )
    })
    .await;
    let client = client(&server.url, 3);
    let mut events = client.trace_events("t", TraceOptions::new().max_event_bytes(1024));
    let err = events.try_next().await.unwrap_err();
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    // The error and its causes, as `{:#}` in anyhow would print them.
    let mut chain = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        chain.push_str(&format!(": {c}"));
        cause = c.source();
    }
    assert!(chain.contains("max_event_bytes"), "{chain}");
}

#[tokio::test]
async fn an_error_status_is_an_api_error_with_the_envelope_message() {
    let server =
        TestServer::start(|_, _| Reply::Json(404, support::fail(404, "trace not found"))).await;
    let client = client(&server.url, 3);
    let err = client
        .trace_events("nope", TraceOptions::new())
        .try_next()
        .await
        .unwrap_err();
    let api = err.api().expect("api error");
    assert_eq!(api.status().as_u16(), 404);
    assert_eq!(api.message(), "trace not found");
    assert_eq!(server.requests().len(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn an_error_envelope_inside_a_200_is_an_api_error_not_an_empty_stream() {
    let server =
        TestServer::start(|_, _| Reply::Json(200, support::fail(403, "not your trace"))).await;
    let client = client(&server.url, 3);
    let err = client
        .trace_events("t", TraceOptions::new())
        .try_next()
        .await
        .unwrap_err();
    let api = err.api().expect("api error");
    assert_eq!(api.status().as_u16(), 403);
    assert_eq!(api.message(), "not your trace");
    assert_eq!(server.requests().len(), 1);
}

/// Reads the stream until it ends or fails, within a deadline that only a
/// hang would miss.
async fn drain(mut events: container_registry_client::TraceEvents) -> (Vec<String>, Option<Error>) {
    let run = async {
        let mut ids = Vec::new();
        loop {
            match events.try_next().await {
                Ok(Some(e)) => ids.push(e.id.unwrap_or_default()),
                Ok(None) => return (ids, None),
                Err(e) => return (ids, Some(e)),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the stream ends")
}

#[tokio::test]
async fn a_server_replaying_its_events_and_dropping_gets_bounded_connections_and_no_duplicates() {
    // Whatever last_id says, every connection sends ids 1-3 again and drops.
    let server = TestServer::start(|_, _| {
        Reply::Sse(
            vec![(
                MS,
                format!("{}{}{}", event(1, "a"), event(2, "b"), event(3, "c")),
            )],
            End::Drop,
        )
    })
    .await;
    let client = client(&server.url, 3);
    let (ids, err) = drain(client.trace_events("t", TraceOptions::new().reconnect_delay(MS))).await;
    assert_eq!(ids, ["1", "2", "3"], "each event handed out once");
    let err = err.expect("the budget is spent");
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    let requests = server.requests();
    // The first connection made progress; the two replays did not, so the
    // policy's three attempts end it.
    assert_eq!(requests.len(), 3, "{requests:?}");
    for r in &requests[1..] {
        assert_eq!(r.query_value("last_id").as_deref(), Some("3"));
    }
}

#[tokio::test]
async fn replayed_events_without_ids_of_their_own_are_dropped_with_their_id() {
    // The second connection replays id 2 (with an id-less event after it),
    // then sends something new, then ends.
    let server = TestServer::start(|req, _| match req.query_value("last_id").as_deref() {
        None => Reply::Sse(
            vec![(
                MS,
                format!("{}{}data: tail-of-2\n\n", event(1, "a"), event(2, "b")),
            )],
            End::Drop,
        ),
        Some("2") => Reply::Sse(
            vec![(
                MS,
                format!("{}data: tail-of-2\n\n{}", event(2, "b"), event(3, "c")),
            )],
            End::Close,
        ),
        other => panic!("{other:?}"),
    })
    .await;
    let client = client(&server.url, 3);
    let events: Vec<_> = client
        .trace_events("t", TraceOptions::new().reconnect_delay(MS))
        .try_collect()
        .await
        .unwrap();
    let data: Vec<_> = events
        .iter()
        .map(|e| (e.id.clone().unwrap(), e.data.starts_with("tail")))
        .collect();
    assert_eq!(
        data,
        [
            ("1".to_string(), false),
            ("2".to_string(), false),
            ("2".to_string(), true),
            ("3".to_string(), false)
        ]
    );
}

#[tokio::test]
async fn events_at_or_before_the_starting_id_are_not_handed_out() {
    let server = TestServer::start(|_, _| {
        Reply::Sse(
            vec![(
                MS,
                format!("{}{}{}", event(4, "old"), event(5, "old"), event(6, "new")),
            )],
            End::Close,
        )
    })
    .await;
    let client = client(&server.url, 3);
    let (ids, err) = drain(client.trace_events("t", TraceOptions::new().last_id("5"))).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids, ["6"]);
}

#[tokio::test]
async fn a_server_asking_for_retry_0_does_not_get_a_tight_reconnect_loop() {
    // Every connection brings one new event and `retry: 0`, then drops: real
    // progress each time, so only the wait bounds the connections.
    let server = TestServer::start(|_, index| {
        Reply::Sse(
            vec![(MS, format!("retry: 0\n{}", event(index as u32 + 1, "x")))],
            End::Drop,
        )
    })
    .await;
    let client = client(&server.url, 3);
    let mut events = client.trace_events("t", TraceOptions::new().reconnect_delay(MS));
    let mut ids = Vec::new();
    let window = Duration::from_millis(1500);
    let _ = tokio::time::timeout(window, async {
        while let Some(e) = events.try_next().await.unwrap() {
            ids.push(e.id.unwrap());
        }
    })
    .await;
    let connections = server.requests().len();
    // A 500 ms floor allows at most 4 in 1.5 s (without it: thousands).
    assert!(connections <= 5, "{connections} connections in {window:?}");
    let want: Vec<String> = (1..=ids.len()).map(|i| i.to_string()).collect();
    assert_eq!(ids, want, "no event lost or repeated");
}

#[tokio::test]
async fn a_503_is_tried_as_often_as_the_policy_says_not_its_square() {
    let server =
        TestServer::start(|_, _| Reply::Json(503, support::fail(503, "busy, try later"))).await;
    let client = client(&server.url, 3);
    let (ids, err) = drain(client.trace_events("t", TraceOptions::new().reconnect_delay(MS))).await;
    assert!(ids.is_empty());
    let err = err.expect("the 503 is returned");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(
        server.requests().len(),
        3,
        "one budget: the policy's 3 attempts"
    );
}
