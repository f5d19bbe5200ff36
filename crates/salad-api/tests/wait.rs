//! Waiting for a group to reach a status.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use salad_api::models::ContainerGroupStatus;
use salad_api::{WaitError, WaitOptions};

/// A mock of `get_container_group` answering with the given statuses in turn
/// (the last one repeats).
async fn statuses(
    server: &mut mockito::ServerGuard,
    sequence: &[&str],
    hits: usize,
) -> mockito::Mock {
    let sequence: Vec<String> = sequence.iter().map(|s| s.to_string()).collect();
    let served = Arc::new(AtomicUsize::new(0));
    server
        .mock("GET", concrete(GROUP_PATH).as_str())
        .match_header("salad-api-key", KEY)
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |_| {
            let n = served.fetch_add(1, Ordering::SeqCst);
            let mut group = response_example(GROUP_PATH, "get", "200");
            group["current_state"]["status"] = sequence[n.min(sequence.len() - 1)].clone().into();
            serde_json::to_vec(&group).unwrap()
        })
        .expect(hits)
        .create_async()
        .await
}

fn quick() -> WaitOptions {
    WaitOptions::new()
        .poll_interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(30))
}

#[tokio::test]
async fn returns_the_group_once_it_reaches_the_status() {
    let mut server = server().await;
    let mock = statuses(&mut server, &["pending", "deploying", "running"], 3).await;
    let group = groups(&server)
        .wait_for_status(GROUP, ContainerGroupStatus::Running, quick())
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(group.current_state.status, ContainerGroupStatus::Running);
}

#[tokio::test]
async fn stops_early_on_a_failed_group() {
    let mut server = server().await;
    let mock = statuses(&mut server, &["deploying", "failed", "running"], 2).await;
    let err = groups(&server)
        .wait_for_status(GROUP, ContainerGroupStatus::Running, quick())
        .await
        .unwrap_err();
    mock.assert_async().await;
    match err {
        WaitError::Failed {
            status,
            wanted,
            group,
            ..
        } => {
            assert_eq!(status, ContainerGroupStatus::Failed);
            assert_eq!(wanted, ContainerGroupStatus::Running);
            assert_eq!(group.name, GROUP);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn failure_statuses_are_configurable_and_the_wanted_one_never_fails() {
    let mut server = server().await;
    let mock = statuses(&mut server, &["running", "stopped"], 2).await;
    let groups = groups(&server);
    let options = quick().fail_on([ContainerGroupStatus::Stopped]);
    let err = groups
        .wait_for_status(GROUP, ContainerGroupStatus::Succeeded, options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WaitError::Failed {
                status: ContainerGroupStatus::Stopped,
                ..
            }
        ),
        "{err:?}"
    );
    mock.assert_async().await;

    // Waiting for `failed` itself succeeds when the group fails.
    let mut server = common::server().await;
    let mock = statuses(&mut server, &["failed"], 1).await;
    let group = common::groups(&server)
        .wait_for_status(GROUP, ContainerGroupStatus::Failed, quick())
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(group.current_state.status, ContainerGroupStatus::Failed);
}

#[tokio::test]
async fn gives_up_at_the_deadline() {
    let mut server = server().await;
    let mock = server
        .mock("GET", concrete(GROUP_PATH).as_str())
        .with_status(200)
        .with_body(json_body(&{
            let mut g = response_example(GROUP_PATH, "get", "200");
            g["current_state"]["status"] = "pending".into();
            g
        }))
        .expect_at_least(2)
        .create_async()
        .await;
    let started = Instant::now();
    let err = groups(&server)
        .wait_for_status(
            GROUP,
            ContainerGroupStatus::Running,
            WaitOptions::new()
                .timeout(Duration::from_millis(400))
                .poll_interval(Duration::from_millis(50)),
        )
        .await
        .unwrap_err();
    let waited = started.elapsed();
    mock.assert_async().await;
    match err {
        WaitError::Timeout {
            last,
            waited: reported,
            ..
        } => {
            assert_eq!(last, Some(ContainerGroupStatus::Pending));
            assert!(reported >= Duration::from_millis(400), "{reported:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(waited >= Duration::from_millis(400), "{waited:?}");
}

#[tokio::test]
async fn transient_errors_do_not_end_the_wait_but_others_do() {
    let mut server = server().await;
    let busy = server
        .mock("GET", concrete(GROUP_PATH).as_str())
        .with_status(503)
        .expect(1)
        .create_async()
        .await;
    let ok = statuses(&mut server, &["running"], 1).await;
    groups(&server)
        .wait_for_status(GROUP, ContainerGroupStatus::Running, quick())
        .await
        .unwrap();
    busy.assert_async().await;
    ok.assert_async().await;

    let mut server = common::server().await;
    let missing = server
        .mock("GET", concrete(GROUP_PATH).as_str())
        .with_status(404)
        .with_body(json_body(&problem_example("404")))
        .expect(1)
        .create_async()
        .await;
    let err = groups(&server)
        .wait_for_status(GROUP, ContainerGroupStatus::Running, quick())
        .await
        .unwrap_err();
    missing.assert_async().await;
    match err {
        WaitError::Request(e) => assert_eq!(e.status().unwrap().as_u16(), 404),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bad_name_fails_without_a_request() {
    let server = server().await;
    let err = groups(&server)
        .wait_for_status("Bad Name", ContainerGroupStatus::Running, quick())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WaitError::Request(salad_api::Error::InvalidInput { .. })
        ),
        "{err:?}"
    );
}
