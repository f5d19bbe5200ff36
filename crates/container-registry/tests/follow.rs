//! A build followed to its end over a real socket: submitted, its trace
//! events streamed, its final state read; an error state is an error that
//! carries the task's last log lines.

mod support;

use std::time::Duration;

use container_registry_client::models::{SubmitBuildContainerReq, TaskState};
use container_registry_client::{
    BuildError, Client, FollowOptions, Progress, RetryPolicy, Secret, TraceOptions,
};
use futures_util::TryStreamExt;
use serde_json::json;
use support::{event, ok, End, Reply, TestServer};

const MS: Duration = Duration::from_millis(1);

fn client(url: &str) -> Client {
    Client::builder()
        .base_url(url)
        .token(Secret::new("t0k"))
        .retry(RetryPolicy::new(3).base_delay(MS))
        .build()
        .unwrap()
}

fn fast() -> FollowOptions {
    FollowOptions::new()
        .poll_interval(Duration::from_millis(50))
        .trace(TraceOptions::new().reconnect_delay(MS))
}

/// A server whose build task runs while the trace streams, then ends in `last`.
async fn build_server(last: i64, logs: Vec<String>) -> TestServer {
    TestServer::start(
        move |req, _| match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/api/v2/containers/build") => Reply::Json(
                200,
                ok(json!({"task_id": "task-1", "trace_id": "trace-1", "group_id": "g"})),
            ),
            ("GET", "/api/v2/traces/trace-1/stream") => Reply::Sse(
                vec![
                    (
                        MS,
                        format!("{}{}", event(1, "build.started"), event(2, "build.step")),
                    ),
                    (Duration::from_millis(10), event(3, "build.finished")),
                ],
                End::Close,
            ),
            ("GET", "/api/v2/tasks/task-1") => Reply::Json(
                200,
                ok(json!({"id": "task-1", "state": last, "logs": logs})),
            ),
            other => panic!("unexpected {other:?}"),
        },
    )
    .await
}

#[tokio::test]
async fn a_build_followed_to_completed_yields_its_events_then_the_task() {
    let server = build_server(3, vec!["pushed".into()]).await;
    let client = client(&server.url);
    let build = SubmitBuildContainerReq::new("detector-rca", "opspai/detector-rca");
    let handle = client.submit_build(&build).await.unwrap();
    assert_eq!(handle.task_id(), Some("task-1"));
    let items: Vec<Progress> = handle.follow_with(fast()).try_collect().await.unwrap();
    let (events, last) = items.split_at(items.len() - 1);
    let names: Vec<_> = events
        .iter()
        .map(|p| match p {
            Progress::Event(e) => e.details.as_ref().unwrap().event_name.clone().unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["build.started", "build.step", "build.finished"]);
    match &last[0] {
        Progress::Finished(task) => assert_eq!(task.state, Some(TaskState::Completed)),
        other => panic!("{other:?}"),
    }
    // One submission, the trace, then the state once the trace closed.
    let build_posts = server.requests_to("/api/v2/containers/build");
    assert_eq!(build_posts.len(), 1);
    assert!(build_posts[0].body.contains("opspai/detector-rca"));
    assert!(!server.requests_to("/api/v2/tasks/task-1").is_empty());
    for r in server.requests() {
        assert_eq!(r.header("authorization"), Some("Bearer t0k"), "{r:?}");
    }
}

#[tokio::test]
async fn a_build_that_fails_is_an_error_with_the_last_log_lines() {
    let logs: Vec<String> = (1..=30).map(|i| format!("line {i}")).collect();
    let server = build_server(-1, logs).await;
    let client = client(&server.url);
    let build = SubmitBuildContainerReq::new("detector-rca", "opspai/detector-rca");
    let err = client
        .submit_build(&build)
        .await
        .unwrap()
        .follow_with(fast())
        .wait()
        .await
        .unwrap_err();
    let failed = match &err {
        BuildError::Failed(f) => f,
        other => panic!("{other:?}"),
    };
    assert_eq!(failed.state(), Some(&TaskState::Error));
    assert_eq!(failed.last_logs().len(), 20);
    assert_eq!(failed.last_logs().first().unwrap(), "line 11");
    assert_eq!(failed.last_logs().last().unwrap(), "line 30");
    let shown = err.to_string();
    assert!(
        shown.contains("task-1") && shown.contains("line 30"),
        "{shown}"
    );
}

#[tokio::test]
async fn build_and_wait_returns_the_completed_task() {
    let server = build_server(3, vec![]).await;
    // The default poll interval is 5 s, but the trace closes first here, so
    // the state is read at once.
    let task = client(&server.url)
        .build_and_wait(&SubmitBuildContainerReq::new("x", "o/r"))
        .await
        .unwrap();
    assert_eq!(task.id.as_deref(), Some("task-1"));
}

#[tokio::test]
async fn a_quiet_trace_of_a_task_that_ended_is_not_waited_on_forever() {
    // The trace stays open and silent; the state check ends the follow.
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/api/v2/traces/tr/stream" => Reply::Sse(
            vec![
                (MS, event(1, "started")),
                (Duration::from_secs(60), event(2, "never")),
            ],
            End::Close,
        ),
        "/api/v2/tasks/tk" => Reply::Json(200, ok(json!({"id": "tk", "state": "cancelled"}))),
        other => panic!("{other}"),
    })
    .await;
    let err = client(&server.url)
        .follow_task("tk", "tr", fast())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.failed().unwrap().state(), Some(&TaskState::Cancelled));
    assert!(err.to_string().contains("cancelled"), "{err}");
}

#[tokio::test]
async fn a_state_this_client_does_not_know_after_the_trace_ended_is_an_error_not_a_hang() {
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/api/v2/traces/tr/stream" => Reply::Sse(vec![(MS, event(1, "x"))], End::Close),
        "/api/v2/tasks/tk" => Reply::Json(200, ok(json!({"id": "tk", "state": "timed_out"}))),
        other => panic!("{other}"),
    })
    .await;
    let err = client(&server.url)
        .follow_task("tk", "tr", fast())
        .wait()
        .await
        .unwrap_err();
    match &err {
        BuildError::UnknownState(task) => {
            assert_eq!(task.state, Some(TaskState::from("timed_out")))
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("timed_out"), "{err}");
}

#[tokio::test]
async fn a_build_answer_without_ids_cannot_be_followed() {
    let server = TestServer::start(|_, _| Reply::Json(200, ok(json!({"group_id": "g"})))).await;
    let handle = client(&server.url)
        .submit_build(&SubmitBuildContainerReq::new("x", "o/r"))
        .await
        .unwrap();
    let err = handle.follow().wait().await.unwrap_err();
    match err {
        BuildError::Client(container_registry_client::Error::InvalidInput { field, .. }) => {
            assert_eq!(field, "task_id")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1, "nothing but the submission");
}

/// A trace that replays ids 1-3 on every connection and drops it.
fn replaying_trace() -> Reply {
    Reply::Sse(
        vec![(
            MS,
            format!("{}{}{}", event(1, "a"), event(2, "b"), event(3, "c")),
        )],
        End::Drop,
    )
}

/// Fails a test that hangs, without setting a timing goal.
async fn within<T>(run: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("no hang")
}

#[tokio::test]
async fn wait_on_a_task_that_already_completed_returns_its_final_state_at_once() {
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/api/v2/traces/tr/stream" => replaying_trace(),
        "/api/v2/tasks/tk" => {
            Reply::Json(200, ok(json!({"id": "tk", "state": 3, "logs": ["done"]})))
        }
        other => panic!("{other}"),
    })
    .await;
    // The default options: a 5 s poll interval and a 1 s reconnect delay.
    let task = within(
        client(&server.url)
            .follow_task("tk", "tr", FollowOptions::new())
            .wait(),
    )
    .await
    .unwrap();
    assert_eq!(task.state, Some(TaskState::Completed));
    assert_eq!(
        task.logs.map(|l| l.into_vec()),
        Some(vec!["done".to_string()])
    );
    assert_eq!(server.requests_to("/api/v2/tasks/tk").len(), 1);
    assert!(
        server.requests_to("/api/v2/traces/").is_empty(),
        "the trace is not read"
    );
}

#[tokio::test]
async fn following_a_completed_task_with_a_replaying_trace_ends_without_duplicates() {
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/api/v2/traces/tr/stream" => replaying_trace(),
        "/api/v2/tasks/tk" => Reply::Json(200, ok(json!({"id": "tk", "state": "completed"}))),
        other => panic!("{other}"),
    })
    .await;
    let items: Vec<Progress> = within(
        client(&server.url)
            .follow_task("tk", "tr", fast())
            .try_collect(),
    )
    .await
    .unwrap();
    let ids: Vec<_> = items
        .iter()
        .filter_map(|p| match p {
            Progress::Event(e) => e.id.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert!(
        matches!(items.last(), Some(Progress::Finished(_))),
        "{items:?}"
    );
    assert!(server.requests_to("/api/v2/traces/tr/stream").len() <= 3);
}

#[tokio::test]
async fn when_the_trace_fails_the_follow_polls_the_task_to_its_end() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let reads = Arc::new(AtomicUsize::new(0));
    let counter = reads.clone();
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        // Not retryable: the trace gives up at once.
        "/api/v2/traces/tr/stream" => Reply::Json(404, support::fail(404, "no such trace")),
        "/api/v2/tasks/tk" => {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let state = if n < 3 { "running" } else { "completed" };
            Reply::Json(200, ok(json!({"id": "tk", "state": state})))
        }
        other => panic!("{other}"),
    })
    .await;
    let items: Vec<Progress> = within(
        client(&server.url)
            .follow_task("tk", "tr", fast())
            .try_collect(),
    )
    .await
    .unwrap();
    match items.as_slice() {
        [Progress::Finished(task)] => assert_eq!(task.state, Some(TaskState::Completed)),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests_to("/api/v2/traces/tr/stream").len(), 1);
    assert_eq!(reads.load(Ordering::SeqCst), 3, "polled until completed");
}
