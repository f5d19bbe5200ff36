//! A drop-in replacement for SaladCloud's Go job-queue worker sidecar.
//!
//! It reads the same environment (`SALAD_METADATA_URI`,
//! `SALAD_SERVICE_ENDPOINT`, `SALAD_SERVICE_USE_TLS`, and `SALAD_LOG_LEVEL`
//! for what it logs to standard error), accepts jobs while
//! IMDS says the container is ready, and forwards each one as
//! `POST http://localhost:{port}{path}` with the job's input as the body: a
//! 2xx answer's body completes the job, anything else rejects it. It stops on
//! Ctrl-C or SIGTERM (finishing or rejecting the job in hand) and when IMDS
//! says the instance is gone.
//!
//! ```text
//! cargo run -p salad-imds --features worker --example job_worker
//! ```

use std::process::ExitCode;

use salad_imds::worker::{HttpForwarder, Worker};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    log_to_stderr();
    let worker = match Worker::from_env() {
        Ok(worker) => worker,
        Err(e) => {
            eprintln!("job_worker: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("job_worker: {worker:?}");
    let stopped = worker.run_until(HttpForwarder::new(), stop_signal()).await;
    eprintln!("job_worker: stopped ({stopped:?})");
    ExitCode::SUCCESS
}

/// The worker logs through `tracing`; this prints its events to standard
/// error at `SALAD_LOG_LEVEL` (`error`, `warn`, `info`, `debug` or `trace`;
/// `info` when unset or not one of those).
fn log_to_stderr() {
    let level = std::env::var("SALAD_LOG_LEVEL")
        .ok()
        .and_then(|level| level.trim().parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

/// Ctrl-C, or SIGTERM (what a container runtime sends first) on unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
