//! HTTP forwarding, the Go worker's contract: each job is `POST
//! http://localhost:{port}{path}` with the input as the body,
//! `Content-Type: application/json` and `Salad-Job-Id`; a 5xx (or 408, 429)
//! answer rejects the job, any other answer's body completes it. Shown in
//! process (`HttpForwarder`) and through the `job_worker` example binary.

mod worker_common;

use std::path::PathBuf;
use std::process::Stdio;

use salad_imds::worker::{HttpForwarder, Stopped};
use tokio::io::AsyncReadExt;
use worker_common::{proto, shutdown, worker, Behaviour, Imds, Queue, DEADLINE};

/// A workload (mockito) that answers `POST /run` with the output,
/// `POST /fail` with 500 and `POST /missing` with 404; returns the server
/// and its three mocks.
async fn workload() -> (
    mockito::ServerGuard,
    mockito::Mock,
    mockito::Mock,
    mockito::Mock,
) {
    let mut server = mockito::Server::new_async().await;
    let ok = server
        .mock("POST", "/run")
        .match_query(mockito::Matcher::UrlEncoded("mode".into(), "fast".into()))
        .match_header("content-type", "application/json")
        .match_header("salad-job-id", "fine")
        .match_body("job input 1")
        .with_status(200)
        .with_body("job output 1")
        .expect(1)
        .create_async()
        .await;
    let fail = server
        .mock("POST", "/fail")
        .match_header("salad-job-id", "broken")
        .match_body("job input 2")
        .with_status(500)
        .with_body("workload broke")
        .expect(1)
        .create_async()
        .await;
    let missing = server
        .mock("POST", "/missing")
        .match_header("salad-job-id", "answered-404")
        .match_body("job input 3")
        .with_status(404)
        .with_body("no such model")
        .expect(1)
        .create_async()
        .await;
    (server, ok, fail, missing)
}

fn push_jobs(queue: &Queue, port: u16) {
    queue.push_job(proto::Job {
        job_id: "fine".into(),
        port: port.into(),
        path: "/run?mode=fast".into(),
        input: "job input 1".into(),
    });
    queue.push_job(proto::Job {
        job_id: "broken".into(),
        port: port.into(),
        path: "/fail".into(),
        input: "job input 2".into(),
    });
    // A path without its slash gets one, as in the Go worker.
    queue.push_job(proto::Job {
        job_id: "answered-404".into(),
        port: port.into(),
        path: "missing".into(),
        input: "job input 3".into(),
    });
}

/// What both tests expect once the three jobs are reported.
fn check_outcomes(s: &worker_common::State) {
    assert_eq!(&s.completed["fine"].1[..], b"job output 1");
    assert_eq!(s.rejections("fine"), 0);
    assert_eq!(s.rejections("broken"), 1);
    assert_eq!(s.completions("broken"), 0);
    // The Go worker completes a 4xx answer (other than 408/429) with its body.
    assert_eq!(&s.completed["answered-404"].1[..], b"no such model");
}

fn all_reported(s: &worker_common::State) -> bool {
    s.completions("fine") + s.rejections("broken") + s.completions("answered-404") == 3
}

fn port_of(server: &mockito::ServerGuard) -> u16 {
    server.socket_address().port()
}

#[tokio::test]
async fn forwarding_completes_on_2xx_and_4xx_and_rejects_on_500() {
    let (server, ok, fail, missing) = workload().await;
    let imds = Imds::new("t").await;
    let queue = Queue::new(Behaviour::default(), 31);
    let addr = queue.serve().await;
    push_jobs(&queue, port_of(&server));
    let worker = worker(addr, &imds).build().unwrap();
    let (stop, stopped) = shutdown();
    let run = tokio::spawn(async move { worker.run_until(HttpForwarder::new(), stopped).await });
    queue.wait_for("three jobs reported", all_reported).await;
    queue.with(|s| check_outcomes(s));
    ok.assert_async().await;
    fail.assert_async().await;
    missing.assert_async().await;
    stop.send(()).unwrap();
    assert_eq!(
        tokio::time::timeout(DEADLINE, run).await.unwrap().unwrap(),
        Stopped::Cancelled
    );
}

/// The example binary, next to this test. Always asks cargo to build it (a
/// no-op when fresh): a narrow `cargo test --test worker_forward` does not
/// build examples, and an old binary must not stand in for the current code.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let binary = profile_dir
        .join("examples")
        .join(format!("job_worker{}", std::env::consts::EXE_SUFFIX));
    {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = std::process::Command::new(cargo);
        build.args([
            "build",
            "-p",
            "salad-imds",
            "--features",
            "worker",
            "--example",
            "job_worker",
        ]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        // What cargo set for this test (the package's name, its folder...)
        // would look like a changed environment to build scripts that watch
        // those names (ring's does), and rebuild half the tree twice.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            let per_test = [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
            ]
            .iter()
            .any(|p| key.starts_with(p))
                || ["CARGO_TARGET_TMPDIR", "CARGO_PRIMARY_PACKAGE", "OUT_DIR"]
                    .contains(&key.as_str());
            if per_test {
                build.env_remove(&key);
            }
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "building the example failed");
    }
    assert!(
        binary.is_file(),
        "no example binary at {}",
        binary.display()
    );
    binary
}

/// The example, configured only by the Go worker's environment variables,
/// against the local service, IMDS and workload.
#[tokio::test]
async fn the_job_worker_example_replaces_the_sidecar() {
    let binary = example_binary();
    let (server, ok, fail, missing) = workload().await;
    let imds = Imds::new("t").await;
    let queue = Queue::new(Behaviour::default(), 32);
    let addr = queue.serve().await;
    push_jobs(&queue, port_of(&server));
    let mut child = tokio::process::Command::new(binary)
        .env("SALAD_METADATA_URI", imds.server.url())
        .env("SALAD_SERVICE_ENDPOINT", addr.to_string())
        .env("SALAD_SERVICE_USE_TLS", "false")
        .env("SALAD_LOG_LEVEL", "debug")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the example");
    queue.wait_for("three jobs reported", all_reported).await;
    queue.with(|s| {
        check_outcomes(s);
        assert_eq!(s.accept_calls[0].token, "t");
    });
    ok.assert_async().await;
    fail.assert_async().await;
    missing.assert_async().await;
    child.kill().await.unwrap();
    // SALAD_LOG_LEVEL=debug: the worker's debug events reach standard error
    // (at the default level, info, this one would not).
    let mut logged = String::new();
    let mut stderr = child.stderr.take().unwrap();
    tokio::time::timeout(DEADLINE, stderr.read_to_string(&mut logged))
        .await
        .expect("the example's stderr ends once it is killed")
        .unwrap();
    assert!(
        logged.contains("DEBUG") && logged.contains("job stream open"),
        "{logged}"
    );
}
