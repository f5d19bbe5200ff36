//! The reporting rules per gRPC status, the bounds on a handler, and
//! graceful shutdown, against a local job-queue service.

mod worker_common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use salad_imds::worker::{json_output, Job, Rejection, Stopped, Worker};
use tonic::Code;
use worker_common::{shutdown, worker, Behaviour, Imds, Queue, DEADLINE};

/// Starts `worker` with `handler`; returns the stop trigger and the run.
fn start(
    worker: Worker,
    handler: impl salad_imds::worker::Handler,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Stopped>,
) {
    let (stop, stopped) = shutdown();
    let run = tokio::spawn(async move { worker.run_until(handler, stopped).await });
    (stop, run)
}

async fn stop(stop: tokio::sync::oneshot::Sender<()>, run: tokio::task::JoinHandle<Stopped>) {
    stop.send(()).unwrap();
    let how = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("stopped")
        .unwrap();
    assert_eq!(how, Stopped::Cancelled);
}

/// The id of the next job a handler was called with.
async fn handler_started(started: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(DEADLINE, started.recv())
        .await
        .expect("the handler was called in time")
        .expect("the worker still holds the handler")
}

fn echo() -> impl salad_imds::worker::Handler {
    |job: Job| async move { Ok(job.into_input()) }
}

/// `Unauthenticated` on `CompleteJob`: the worker fetches a new IMDS token
/// and completes the job with it.
#[tokio::test]
async fn unauthenticated_on_complete_fetches_a_new_token_and_succeeds() {
    let mut imds = Imds::new("token-1").await;
    let queue = Queue::new(Behaviour::default(), 1);
    let addr = queue.serve().await;
    let (stop_tx, run) = start(worker(addr, &imds).build().unwrap(), echo());
    queue.wait_for("a stream", |s| s.open_streams == 1).await;
    // IMDS now hands out token-2, and the service takes only token-2.
    imds.set_token("token-2").await;
    let token_mock = imds.token.as_ref().unwrap();
    queue.with(|s| s.behaviour.valid_tokens = HashSet::from(["token-2".to_owned()]));
    queue.push("j", b"payload");
    queue
        .wait_for("the job done", |s| s.completions("j") == 1)
        .await;
    queue.with(|s| {
        let calls: Vec<_> = s
            .complete_calls
            .iter()
            .map(|(id, token, code)| (id.as_str(), token.as_str(), *code))
            .collect();
        assert_eq!(
            calls,
            [
                ("j", "token-1", Code::Unauthenticated),
                ("j", "token-2", Code::Ok)
            ]
        );
        assert_eq!(&s.completed["j"].1[..], b"payload");
        assert!(s.rejected.is_empty());
    });
    assert!(
        token_mock.matched_async().await,
        "token-2 was fetched from IMDS"
    );
    stop(stop_tx, run).await;
}

/// `ResourceExhausted` and `InvalidArgument` on `CompleteJob` (the service
/// refuses the output) become one `RejectJob`, and the worker goes on.
#[tokio::test]
async fn refused_output_becomes_reject_job() {
    let imds = Imds::new("t").await;
    let queue = Queue::new(Behaviour::default(), 2);
    let addr = queue.serve().await;
    let (stop_tx, run) = start(worker(addr, &imds).build().unwrap(), echo());
    queue.with(|s| s.complete_failures.push_back(Code::ResourceExhausted));
    queue.push("big", b"x");
    queue
        .wait_for("big rejected", |s| s.rejections("big") == 1)
        .await;
    queue.with(|s| s.complete_failures.push_back(Code::InvalidArgument));
    queue.push("bad", b"y");
    queue
        .wait_for("bad rejected", |s| s.rejections("bad") == 1)
        .await;
    queue.push("fine", b"z");
    queue
        .wait_for("fine completed", |s| s.completions("fine") == 1)
        .await;
    queue.with(|s| {
        assert_eq!(s.completions("big"), 0);
        assert_eq!(s.completions("bad"), 0);
        assert_eq!(s.rejections("big"), 1);
        assert_eq!(s.rejections("bad"), 1);
        assert_eq!(s.rejections("fine"), 0);
    });
    stop(stop_tx, run).await;
}

/// `Unavailable` and `Internal` are tried again (after a pause) until the
/// call goes through; `NotFound` means the job is gone: no retry, no
/// `RejectJob`, the next job runs.
#[tokio::test]
async fn transient_failures_are_retried_and_not_found_moves_on() {
    let imds = Imds::new("t").await;
    let queue = Queue::new(Behaviour::default(), 3);
    let addr = queue.serve().await;
    let (stop_tx, run) = start(worker(addr, &imds).build().unwrap(), echo());
    queue.with(|s| {
        s.complete_failures
            .extend([Code::Unavailable, Code::Internal, Code::Unknown])
    });
    queue.push("flaky", b"1");
    queue
        .wait_for("flaky completed", |s| s.completions("flaky") == 1)
        .await;
    queue.with(|s| {
        assert_eq!(s.complete_calls.len(), 4, "three failures, then success");
        s.complete_failures.push_back(Code::NotFound);
    });
    queue.push("gone", b"2");
    queue
        .wait_for("gone answered", |s| s.complete_calls.len() == 5)
        .await;
    // The service forgot it (what NotFound says); the next job must run.
    queue.with(|s| s.in_flight = None);
    queue.push("after", b"3");
    queue
        .wait_for("after completed", |s| s.completions("after") == 1)
        .await;
    queue.with(|s| {
        let gone_calls = s.complete_calls.iter().filter(|c| c.0 == "gone").count();
        assert_eq!(gone_calls, 1, "NotFound is not retried");
        assert_eq!(s.rejections("gone"), 0, "NotFound is not rejected");
    });
    stop(stop_tx, run).await;
}

/// A handler that panics, and one past the per-job deadline, each give one
/// `RejectJob`; the worker goes on with the next job. A handler's own `Err`
/// (here from a JSON input that does not fit) is a `RejectJob` too.
#[tokio::test]
async fn panics_deadlines_and_errors_reject_the_job_and_the_worker_goes_on() {
    let imds = Imds::new("t").await;
    let queue = Queue::new(Behaviour::default(), 4);
    let addr = queue.serve().await;
    let cancelled_after_deadline = Arc::new(AtomicU32::new(0));
    let flag = cancelled_after_deadline.clone();
    let handler = move |job: Job| {
        let flag = flag.clone();
        async move {
            match job.id() {
                "panics" => panic!("the handler fell over"),
                "slow" => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    flag.fetch_add(1, Ordering::SeqCst);
                    Ok(Bytes::new())
                }
                _ => {
                    #[derive(serde::Deserialize, serde::Serialize)]
                    struct In {
                        n: u32,
                    }
                    let input: In = job.input_json()?;
                    json_output(&In { n: input.n + 1 })
                }
            }
        }
    };
    let worker = worker(addr, &imds)
        .job_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let (stop_tx, run) = start(worker, handler);
    for (id, input) in [
        ("panics", "{}"),
        ("ok-1", r#"{"n":1}"#),
        ("slow", "{}"),
        ("ok-2", r#"{"n":2}"#),
        ("not-json", "nope"),
        ("ok-3", r#"{"n":3}"#),
    ] {
        queue.push(id, input.as_bytes());
    }
    queue
        .wait_for("ok-3 completed", |s| s.completions("ok-3") == 1)
        .await;
    queue.with(|s| {
        for id in ["panics", "slow", "not-json"] {
            assert_eq!(s.rejections(id), 1, "{id}: one RejectJob");
            assert_eq!(s.completions(id), 0, "{id}: not completed");
        }
        assert_eq!(&s.completed["ok-1"].1[..], br#"{"n":2}"#);
        assert_eq!(&s.completed["ok-2"].1[..], br#"{"n":3}"#);
        assert_eq!(s.reject_calls.len(), 3);
    });
    assert_eq!(cancelled_after_deadline.load(Ordering::SeqCst), 0);
    stop(stop_tx, run).await;
}

/// Inputs and outputs over the caps reject the job; the handler never sees
/// an input over the cap, and no output over the cap is sent.
#[tokio::test]
async fn size_caps_reject_the_job() {
    let imds = Imds::new("t").await;
    let queue = Queue::new(Behaviour::default(), 5);
    let addr = queue.serve().await;
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let handler = move |job: Job| {
        seen.fetch_add(1, Ordering::SeqCst);
        async move {
            Ok::<_, Rejection>(match job.id() {
                "big-out" => Bytes::from(vec![b'o'; 2048]),
                _ => job.into_input(),
            })
        }
    };
    let worker = worker(addr, &imds)
        .max_input_bytes(1024)
        .max_output_bytes(1024)
        .build()
        .unwrap();
    let (stop_tx, run) = start(worker, handler);
    queue.push("big-in", &[b'i'; 1025]);
    queue.push("big-out", b"small");
    queue.push("at-cap", &[b'c'; 1024]);
    queue
        .wait_for("at-cap completed", |s| s.completions("at-cap") == 1)
        .await;
    queue.with(|s| {
        assert_eq!(s.rejections("big-in"), 1);
        assert_eq!(s.rejections("big-out"), 1);
        assert_eq!(s.completed["at-cap"].1.len(), 1024);
        assert!(
            s.complete_calls.iter().all(|c| c.0 == "at-cap"),
            "no oversized output sent"
        );
    });
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the handler never saw big-in"
    );
    stop(stop_tx, run).await;
}

/// Shutdown with a job in hand that finishes within the grace: it is
/// completed, and no new job is taken.
#[tokio::test]
async fn shutdown_lets_the_job_in_hand_complete() {
    let imds = Imds::new("t").await;
    let queue = Queue::new(Behaviour::default(), 6);
    let addr = queue.serve().await;
    let (release_tx, release_rx) = tokio::sync::watch::channel(false);
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    let handler = move |job: Job| {
        let mut release = release_rx.clone();
        let started_tx = started_tx.clone();
        async move {
            let _ = started_tx.send(job.id().to_owned());
            let _ = release.wait_for(|r| *r).await;
            Ok(job.into_input())
        }
    };
    let worker = worker(addr, &imds)
        .shutdown_grace(DEADLINE)
        .build()
        .unwrap();
    let (stop_tx, run) = start(worker, handler);
    queue.push("held", b"h");
    // The service having sent the job is not enough: shutdown may win the
    // race against the worker reading it off the stream. Wait until the
    // handler holds it.
    assert_eq!(handler_started(&mut started).await, "held");
    stop_tx.send(()).unwrap();
    queue
        .wait_for("the stream closed", |s| s.open_streams == 0)
        .await;
    queue.push("later", b"l");
    release_tx.send(true).unwrap();
    let how = tokio::time::timeout(DEADLINE, run).await.unwrap().unwrap();
    assert_eq!(how, Stopped::Cancelled);
    queue.with(|s| {
        assert_eq!(s.completions("held"), 1);
        assert_eq!(s.rejections("held"), 0);
        assert_eq!(s.jobs_sent, 1, "no job taken after shutdown");
    });
}

/// Shutdown with a job in hand that outlasts the grace: its handler is
/// cancelled and the job rejected, once.
#[tokio::test]
async fn shutdown_rejects_a_job_that_outlasts_the_grace() {
    let imds = Imds::new("t").await;
    let queue = Queue::new(Behaviour::default(), 8);
    let addr = queue.serve().await;
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    let handler = move |job: Job| {
        let _ = started_tx.send(job.id().to_owned());
        async move {
            std::future::pending::<()>().await;
            Ok(Bytes::new())
        }
    };
    let worker = worker(addr, &imds)
        .shutdown_grace(Duration::from_millis(100))
        .build()
        .unwrap();
    let (stop_tx, run) = start(worker, handler);
    queue.push("stuck", b"s");
    assert_eq!(handler_started(&mut started).await, "stuck");
    stop(stop_tx, run).await;
    queue.with(|s| {
        assert_eq!(s.rejections("stuck"), 1);
        assert_eq!(s.completions("stuck"), 0);
    });
}
