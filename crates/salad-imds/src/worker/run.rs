//! The worker's loop: readiness, the one `AcceptJobs` stream, the job in
//! hand, and the rules for reporting a result.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tonic::Code;

use super::job::{from_proto, Handler, Job};
use super::proto::accept_jobs_response::Message;
use super::proto::AcceptJobsResponse;
use super::service::{CallError, Service};
use super::{Stopped, WorkerSettings};

pub(crate) struct Shared {
    pub(crate) service: Service,
    pub(crate) settings: WorkerSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readiness {
    NotReady,
    Ready,
    Gone,
}

/// Aborts the task when dropped, so nothing outlives the worker's future.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Exponential pauses between `min` and `max`.
struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    fn new(settings: &WorkerSettings) -> Self {
        Backoff {
            min: settings.backoff_min,
            max: settings.backoff_max.max(settings.backoff_min),
            next: settings.backoff_min,
        }
    }

    fn next(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).clamp(self.min, self.max);
        now
    }

    fn reset(&mut self) {
        self.next = self.min;
    }
}

/// Polls `GET /v1/status`: ready, not ready (also after
/// `status_failures` failed checks in a row), or gone (404: the instance no
/// longer exists; the poller stops).
fn spawn_readiness(shared: Arc<Shared>) -> (watch::Receiver<Readiness>, AbortOnDrop<()>) {
    let (tx, rx) = watch::channel(Readiness::NotReady);
    let task = tokio::spawn(async move {
        let settings = &shared.settings;
        let mut failures = 0u32;
        loop {
            match shared.service.imds().status().await {
                Ok(status) => {
                    failures = 0;
                    let now = if status.ready {
                        Readiness::Ready
                    } else {
                        Readiness::NotReady
                    };
                    tx.send_if_modified(|r| std::mem::replace(r, now) != now);
                }
                Err(e) if e.is_not_found() => {
                    tracing::warn!("IMDS answered 404: the instance is gone, the worker stops");
                    let _ = tx.send(Readiness::Gone);
                    return;
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(failures, error = %e, "IMDS status check failed");
                    if failures >= settings.status_failures {
                        tx.send_if_modified(|r| {
                            std::mem::replace(r, Readiness::NotReady) != Readiness::NotReady
                        });
                    }
                }
            }
            tokio::time::sleep(settings.status_poll_interval).await;
        }
    });
    (rx, AbortOnDrop(task))
}

/// The job being worked on: its handler and the report of its result.
struct InHand {
    id: String,
    task: AbortOnDrop<()>,
}

enum Event {
    Shutdown,
    Readiness(Readiness),
    JobDone,
    Message(Result<Option<AcceptJobsResponse>, tonic::Status>),
    Connect,
}

async fn job_finished(job: &mut Option<InHand>) {
    match job {
        Some(job) => {
            let _ = (&mut job.task.0).await;
        }
        None => std::future::pending().await,
    }
}

async fn next_message(
    stream: &mut Option<tonic::Streaming<AcceptJobsResponse>>,
) -> Result<Option<AcceptJobsResponse>, tonic::Status> {
    match stream {
        Some(stream) => stream.message().await,
        None => std::future::pending().await,
    }
}

pub(crate) async fn run(
    shared: Arc<Shared>,
    handler: Arc<dyn Handler>,
    shutdown: impl Future<Output = ()>,
) -> Stopped {
    let (mut readiness, _poller) = spawn_readiness(shared.clone());
    let mut ready = false;
    let mut stream: Option<tonic::Streaming<AcceptJobsResponse>> = None;
    let mut retry_at = Instant::now();
    let mut backoff = Backoff::new(&shared.settings);
    let mut job: Option<InHand> = None;
    // The service sends the next job as soon as it has the previous one's
    // result, which can be before the previous job's task has returned here:
    // that job waits its turn. (A correct service never sends a third.)
    let mut next: Option<Job> = None;
    // The job named as `current_job_id` when the open stream was requested.
    let mut stream_current: Option<String> = None;
    // Jobs sent while one is in hand and one waits: rejected on the side.
    let mut strays: JoinSet<()> = JoinSet::new();
    tokio::pin!(shutdown);

    let stopped = loop {
        let want_stream = ready && stream.is_none();
        let event = tokio::select! {
            biased;
            () = &mut shutdown => Event::Shutdown,
            changed = readiness.changed() => match changed {
                Ok(()) => Event::Readiness(*readiness.borrow_and_update()),
                Err(_) => Event::Readiness(Readiness::Gone),
            },
            () = job_finished(&mut job), if job.is_some() => Event::JobDone,
            message = next_message(&mut stream), if stream.is_some() => Event::Message(message),
            () = tokio::time::sleep_until(retry_at), if want_stream => Event::Connect,
        };
        match event {
            Event::Shutdown => break Stopped::Cancelled,
            Event::Readiness(Readiness::Gone) => break Stopped::InstanceGone,
            Event::Readiness(Readiness::Ready) => {
                tracing::info!("the instance is ready: accepting jobs");
                ready = true;
                retry_at = Instant::now();
            }
            Event::Readiness(Readiness::NotReady) => {
                if ready {
                    tracing::info!("the instance is not ready: no new jobs");
                }
                ready = false;
                // Closing the stream is how the service learns not to send more.
                stream = None;
            }
            Event::JobDone => {
                job = next.take().map(|n| start(&shared, &handler, n));
            }
            Event::Message(Ok(Some(AcceptJobsResponse { message }))) => {
                backoff.reset();
                match message {
                    Some(Message::Heartbeat(())) | None => {}
                    Some(Message::Job(sent)) => {
                        let known = |id: &str| {
                            job.as_ref().is_some_and(|j| j.id == id)
                                || next.as_ref().is_some_and(|n| n.id() == id)
                        };
                        if known(&sent.job_id) {
                            tracing::debug!(job_id = %sent.job_id, "a job already in hand, sent again");
                        } else if job.is_none() {
                            job = Some(start(&shared, &handler, from_proto(sent)));
                        } else if next.is_none() {
                            tracing::debug!(job_id = %sent.job_id, "next job received: it waits for the previous one's task");
                            next = Some(from_proto(sent));
                        } else {
                            tracing::warn!(job_id = %sent.job_id, "a third job while two are in hand: rejected");
                            let shared = shared.clone();
                            strays.spawn(async move {
                                reject(&shared, &sent.job_id).await;
                            });
                        }
                    }
                }
            }
            Event::Message(Ok(None)) => {
                tracing::debug!("the service closed the job stream");
                stream = None;
                retry_at = Instant::now() + backoff.next();
            }
            Event::Message(Err(status)) => {
                stream = None;
                let named = stream_current.take();
                stream_failed(
                    &shared,
                    CallError::Status(status),
                    named,
                    &mut job,
                    &mut next,
                )
                .await;
                if job.is_none() {
                    job = next.take().map(|n| start(&shared, &handler, n));
                }
                retry_at = Instant::now() + backoff.next();
            }
            Event::Connect => {
                // The job the service considers running: the waiting one if
                // any (the service had the previous one's result), else the
                // one in hand.
                let current = next
                    .as_ref()
                    .map(|n| n.id().to_owned())
                    .or_else(|| job.as_ref().map(|j| j.id.clone()));
                let opened = tokio::select! {
                    biased;
                    () = &mut shutdown => break Stopped::Cancelled,
                    opened = shared.service.accept_jobs(current.as_deref()) => opened,
                };
                match opened {
                    Ok(s) => {
                        tracing::debug!(current_job_id = ?current, "job stream open");
                        stream = Some(s);
                        stream_current = current;
                    }
                    Err(e) => {
                        stream_failed(&shared, e, current, &mut job, &mut next).await;
                        if job.is_none() {
                            job = next.take().map(|n| start(&shared, &handler, n));
                        }
                        retry_at = Instant::now() + backoff.next();
                    }
                }
            }
        }
    };
    drop(stream);
    strays.abort_all();
    if let Some(job) = job.take() {
        finish_in_hand(&shared, job).await;
    }
    if let Some(waiting) = next.take() {
        tracing::info!(job_id = %waiting.id(), "stopping: rejecting the job that had not started");
        let deadline = shared.settings.config.timeout;
        let _ = tokio::time::timeout(deadline, reject(&shared, waiting.id())).await;
    }
    stopped
}

fn start(shared: &Arc<Shared>, handler: &Arc<dyn Handler>, job: Job) -> InHand {
    tracing::info!(job_id = %job.id(), "job received");
    InHand {
        id: job.id().to_owned(),
        task: AbortOnDrop(tokio::spawn(work(shared.clone(), handler.clone(), job))),
    }
}

/// What a failed stream means for the jobs in hand and the token. `named`
/// is the `current_job_id` the stream was requested with: `NotFound` says
/// that job no longer exists, so its handler is cancelled (or it never
/// starts) and nothing is reported.
async fn stream_failed(
    shared: &Shared,
    error: CallError,
    named: Option<String>,
    job: &mut Option<InHand>,
    next: &mut Option<Job>,
) {
    match (error.code(), named) {
        (Some(Code::NotFound), Some(gone)) => {
            tracing::warn!(job_id = %gone, "the job in hand no longer exists: dropped");
            if next.as_ref().is_some_and(|n| n.id() == gone) {
                *next = None;
            } else if job.as_ref().is_some_and(|j| j.id == gone) {
                *job = None;
            }
        }
        (Some(Code::Unauthenticated | Code::PermissionDenied), _) => {
            tracing::warn!(error = %error, "job stream refused the token: fetching a new one");
            shared.service.forget_token().await;
        }
        _ => tracing::warn!(error = %error, "job stream failed: reconnecting"),
    }
}

/// Graceful end: the job in hand gets `shutdown_grace` to finish and be
/// reported; after that it is cancelled and rejected.
async fn finish_in_hand(shared: &Shared, mut job: InHand) {
    let grace = shared.settings.shutdown_grace;
    tracing::info!(job_id = %job.id, ?grace, "stopping: waiting for the job in hand");
    if tokio::time::timeout(grace, &mut job.task.0).await.is_ok() {
        return;
    }
    job.task.0.abort();
    tracing::warn!(job_id = %job.id, "the job did not finish in time: rejecting it");
    // Bounded: the process is going away.
    let deadline = shared.settings.config.timeout;
    let _ = tokio::time::timeout(deadline, reject(shared, &job.id)).await;
}

/// The handler's verdict on a job.
enum Verdict {
    Complete(Bytes),
    Reject(String),
}

/// Runs the handler on its own task (a panic stays there), within the job
/// deadline, then reports the result.
async fn work(shared: Arc<Shared>, handler: Arc<dyn Handler>, job: Job) {
    let id = job.id().to_owned();
    match verdict(&shared.settings, handler, job).await {
        Verdict::Complete(output) => complete(&shared, &id, output).await,
        Verdict::Reject(reason) => {
            tracing::warn!(job_id = %id, %reason, "job rejected");
            reject(&shared, &id).await;
        }
    }
}

async fn verdict(settings: &WorkerSettings, handler: Arc<dyn Handler>, job: Job) -> Verdict {
    if job.input().len() > settings.max_input_bytes {
        return Verdict::Reject(format!(
            "the input has {} bytes, over max_input_bytes ({})",
            job.input().len(),
            settings.max_input_bytes
        ));
    }
    let mut task = AbortOnDrop(tokio::spawn(handler.handle(job)));
    let joined = match settings.job_timeout {
        Some(limit) => match tokio::time::timeout(limit, &mut task.0).await {
            Ok(joined) => joined,
            // The handler's task is aborted when `task` drops.
            Err(_) => return Verdict::Reject(format!("the handler took longer than {limit:?}")),
        },
        None => (&mut task.0).await,
    };
    match joined {
        Ok(Ok(output)) if output.len() > settings.max_output_bytes => Verdict::Reject(format!(
            "the output has {} bytes, over max_output_bytes ({})",
            output.len(),
            settings.max_output_bytes
        )),
        Ok(Ok(output)) => Verdict::Complete(output),
        Ok(Err(rejection)) => Verdict::Reject(rejection.reason().to_owned()),
        Err(e) if e.is_panic() => Verdict::Reject("the handler panicked".to_owned()),
        Err(_) => Verdict::Reject("the handler was cancelled".to_owned()),
    }
}

/// `CompleteJob` with the Go worker's rules (see [`report`]); `InvalidArgument`
/// or `ResourceExhausted` (the service refuses the output) -> `RejectJob`.
async fn complete(shared: &Shared, id: &str, output: Bytes) {
    let call = || shared.service.complete_job(id, output.clone());
    let refusals = [Code::InvalidArgument, Code::ResourceExhausted];
    match report(shared, id, "CompleteJob", &refusals, call).await {
        Reported::Done => tracing::info!(job_id = %id, "job completed"),
        Reported::Gone => {}
        Reported::Refused(error) => {
            tracing::warn!(job_id = %id, error = %error, "the service refused the output: rejecting the job");
            reject(shared, id).await;
        }
    }
}

/// `RejectJob` with the same rules; a refusal (`InvalidArgument`) ends the
/// attempts.
async fn reject(shared: &Shared, id: &str) {
    let call = || shared.service.reject_job(id);
    match report(shared, id, "RejectJob", &[Code::InvalidArgument], call).await {
        Reported::Done => tracing::info!(job_id = %id, "job rejected"),
        Reported::Gone => {}
        Reported::Refused(error) => {
            tracing::warn!(job_id = %id, error = %error, "the service refused RejectJob");
        }
    }
}

/// How reporting a job's outcome ended.
enum Reported {
    Done,
    /// `NotFound`: the job no longer exists.
    Gone,
    /// The service refused the report itself (one of the `refusals` codes).
    Refused(CallError),
}

/// Sends one report (`what`, made by `call`) until it goes through, with the
/// Go worker's rules: a code among `refusals` ends the attempts; `NotFound`
/// means the job is gone; `Unauthenticated`/`PermissionDenied` -> a fresh
/// token and again at once (once); anything else -> back off and again.
async fn report<Call, Sent>(
    shared: &Shared,
    id: &str,
    what: &str,
    refusals: &[Code],
    call: Call,
) -> Reported
where
    Call: Fn() -> Sent,
    Sent: std::future::Future<Output = Result<(), CallError>>,
{
    let mut backoff = Backoff::new(&shared.settings);
    let mut reauthenticated = false;
    loop {
        let error = match call().await {
            Ok(()) => return Reported::Done,
            Err(e) => e,
        };
        match error.code() {
            Some(code) if refusals.contains(&code) => return Reported::Refused(error),
            Some(Code::NotFound) => {
                tracing::warn!(job_id = %id, "the job no longer exists");
                return Reported::Gone;
            }
            Some(Code::Unauthenticated | Code::PermissionDenied) => {
                shared.service.forget_token().await;
                if !reauthenticated {
                    reauthenticated = true;
                    continue;
                }
            }
            _ => {}
        }
        let pause = backoff.next();
        tracing::warn!(job_id = %id, error = %error, ?pause, "{what} failed: trying again");
        tokio::time::sleep(pause).await;
    }
}
