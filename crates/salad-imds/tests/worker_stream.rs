//! The worker against a local job-queue service: the stream, reconnects,
//! readiness and the instance going away.

mod worker_common;

use std::time::Duration;

use bytes::Bytes;
use salad_imds::worker::{Job, Stopped};
use worker_common::{shutdown, worker, Behaviour, Imds, Queue, DEADLINE};

fn reverse(job: &Job) -> Bytes {
    let mut v = job.input().to_vec();
    v.reverse();
    Bytes::from(v)
}

/// 100 jobs over a stream the server cuts at random points (an error status
/// or a plain end, after a job as after a heartbeat): each job is completed
/// exactly once with the handler's output, nothing is rejected, at most one
/// stream is open at a time, and every reconnect made while the server had a
/// job out carries that job's id as `current_job_id`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_jobs_over_a_stream_cut_at_random_are_each_completed_once() {
    let imds = Imds::new("token-1").await;
    let queue = Queue::new(
        Behaviour {
            cut_percent: 35,
            heartbeat: Duration::from_millis(3),
            ..Behaviour::default()
        },
        0x5eed_1234,
    );
    for i in 0..100 {
        queue.push(&format!("job-{i:03}"), format!("input {i}").as_bytes());
    }
    let addr = queue.serve().await;
    let worker = worker(addr, &imds).build().unwrap();
    let (stop, stopped) = shutdown();
    let run = tokio::spawn(async move {
        worker
            .run_until(
                |job: Job| async move {
                    // Hold the job a moment, so cuts land while it is in hand.
                    let pause = 8 * (job.input().len() as u64 % 4);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                    Ok(reverse(&job))
                },
                stopped,
            )
            .await
    });
    queue
        .wait_for("100 completions", |s| {
            s.completed.len() == 100 && s.in_flight.is_none()
        })
        .await;
    stop.send(()).unwrap();
    let how = tokio::time::timeout(DEADLINE, run).await.unwrap().unwrap();
    assert_eq!(how, Stopped::Cancelled);

    let s = queue.state.lock().unwrap();
    for i in 0..100 {
        let id = format!("job-{i:03}");
        let (count, output) = s.completed.get(&id).expect("completed");
        assert_eq!(*count, 1, "{id} completed {count} times");
        let mut want = format!("input {i}").into_bytes();
        want.reverse();
        assert_eq!(&output[..], &want[..], "{id}'s output");
    }
    assert!(s.rejected.is_empty(), "rejected: {:?}", s.rejected);
    assert_eq!(s.jobs_sent, 100, "each job sent once");
    assert!(
        s.cuts >= 20,
        "the server cut the stream only {} times",
        s.cuts
    );
    assert_eq!(s.max_open_streams, 1, "more than one stream open at a time");
    let mut with_job_out = 0;
    for call in &s.accept_calls {
        if let Some(out) = &call.in_flight {
            with_job_out += 1;
            assert_eq!(
                &call.current_job_id, out,
                "a reconnect while {out} was in hand did not name it: {call:?}"
            );
        }
        assert_eq!(call.token, "token-1", "the IMDS token as bearer");
    }
    eprintln!(
        "{} cuts, {} AcceptJobs calls, {with_job_out} of them with a job out",
        s.cuts,
        s.accept_calls.len()
    );
    assert!(
        with_job_out >= 5,
        "only {with_job_out} reconnects happened with a job in hand; the test proves little"
    );
}

/// Ready false: the worker closes its stream and takes no job; ready true
/// again: it reconnects and takes the waiting job.
#[tokio::test]
async fn readiness_false_stops_acceptance_and_true_resumes_it() {
    let mut imds = Imds::new("token-1").await;
    let queue = Queue::new(Behaviour::default(), 7);
    let addr = queue.serve().await;
    let worker = worker(addr, &imds).build().unwrap();
    let (stop, stopped) = shutdown();
    let run = tokio::spawn(async move {
        worker
            .run_until(|job: Job| async move { Ok(reverse(&job)) }, stopped)
            .await
    });
    queue.push("first", b"abc");
    queue
        .wait_for("the first job done", |s| s.completions("first") == 1)
        .await;

    imds.set_ready(false).await;
    queue
        .wait_for("the stream closed", |s| s.open_streams == 0)
        .await;
    let calls_before = queue.with(|s| s.accept_calls.len());
    queue.push("second", b"def");
    // Many status polls (10 ms apart) pass; the job must stay queued.
    tokio::time::sleep(Duration::from_millis(300)).await;
    queue.with(|s| {
        assert_eq!(s.jobs_sent, 1, "a job was sent while not ready");
        assert_eq!(s.open_streams, 0, "a stream was open while not ready");
        assert_eq!(
            s.accept_calls.len(),
            calls_before,
            "AcceptJobs called while not ready"
        );
    });

    imds.set_ready(true).await;
    queue
        .wait_for("the second job done", |s| s.completions("second") == 1)
        .await;
    stop.send(()).unwrap();
    assert_eq!(
        tokio::time::timeout(DEADLINE, run).await.unwrap().unwrap(),
        Stopped::Cancelled
    );
}

/// IMDS answering 404 (the instance is gone) ends `run` by itself.
#[tokio::test]
async fn imds_404_stops_the_worker() {
    let mut imds = Imds::new("token-1").await;
    let queue = Queue::new(Behaviour::default(), 9);
    let addr = queue.serve().await;
    let worker = worker(addr, &imds).build().unwrap();
    let run = tokio::spawn(async move {
        worker
            .run(|job: Job| async move { Ok(reverse(&job)) })
            .await
    });
    queue.push("one", b"1");
    queue
        .wait_for("the job done", |s| s.completions("one") == 1)
        .await;
    imds.set_gone().await;
    let how = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("the worker stopped")
        .unwrap();
    assert_eq!(how, Stopped::InstanceGone);
    queue
        .wait_for("the stream closed", |s| s.open_streams == 0)
        .await;
}

/// A job the service no longer knows (`NotFound` on reconnect with its id)
/// is dropped: its handler is cancelled, nothing is reported, the next job runs.
#[tokio::test]
async fn not_found_on_reconnect_drops_the_job_in_hand() {
    let imds = Imds::new("token-1").await;
    let queue = Queue::new(Behaviour::default(), 11);
    let addr = queue.serve().await;
    let worker = worker(addr, &imds).build().unwrap();
    let (stop, stopped) = shutdown();
    let (held_tx, held) = tokio::sync::oneshot::channel();
    let held_tx = std::sync::Mutex::new(Some(held_tx));
    let run = tokio::spawn(async move {
        worker
            .run_until(
                move |job: Job| {
                    if job.id() == "stuck" {
                        if let Some(tx) = held_tx.lock().unwrap().take() {
                            let _ = tx.send(());
                        }
                    }
                    async move {
                        if job.id() == "stuck" {
                            std::future::pending::<()>().await;
                        }
                        Ok(reverse(&job))
                    }
                },
                stopped,
            )
            .await
    });
    queue.push("stuck", b"x");
    // Cut only once the worker holds the job: a cut that loses the job on
    // the wire would leave nothing to name on the reconnect.
    tokio::time::timeout(DEADLINE, held)
        .await
        .expect("the stuck job reached the handler in time")
        .unwrap();
    // The service forgets the job and cuts the stream.
    queue.with(|s| {
        s.in_flight = None;
        s.behaviour.cut_percent = 100;
    });
    queue
        .wait_for("a reconnect naming the stuck job", |s| {
            s.accept_calls.iter().any(|c| c.current_job_id == "stuck")
        })
        .await;
    queue.with(|s| s.behaviour.cut_percent = 0);
    queue.push("next", b"y");
    queue
        .wait_for("the next job done", |s| s.completions("next") == 1)
        .await;
    queue.with(|s| {
        assert_eq!(s.completions("stuck"), 0);
        assert_eq!(s.rejections("stuck"), 0);
    });
    stop.send(()).unwrap();
    tokio::time::timeout(DEADLINE, run).await.unwrap().unwrap();
}
