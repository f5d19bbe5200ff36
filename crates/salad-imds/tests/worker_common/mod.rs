//! A stand-in for the SaladCloud job-queue service, from the same proto (the
//! server side `cargo xtask codegen` writes to tests/generated/), and a
//! mockito IMDS. Shared by tests/worker_*.rs.
#![allow(dead_code)]
// tonic::Status is what the generated service trait returns.
#![allow(clippy::result_large_err)]

#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[path = "../generated/job_queue_worker_server.rs"]
pub mod proto;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use proto::accept_jobs_response::Message;
use proto::job_queue_worker_service_server::{JobQueueWorkerService, JobQueueWorkerServiceServer};
use proto::{AcceptJobsRequest, AcceptJobsResponse, CompleteJobRequest, Job, RejectJobRequest};
use tokio::sync::{mpsc, Notify};
use tonic::{Code, Request, Response, Status};

/// Generous bound on anything a test waits for: catches hangs, not speed.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// One `AcceptJobs` call as the server saw it.
#[derive(Debug, Clone)]
pub struct AcceptCall {
    pub current_job_id: String,
    /// The job the server had sent and not yet seen completed or rejected.
    pub in_flight: Option<String>,
    pub token: String,
}

/// How the server treats its streams.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Chance (0..=100) that the stream is cut after each message it sends.
    pub cut_percent: u32,
    /// Pause between heartbeats.
    pub heartbeat: Duration,
    /// Tokens accepted; empty: any.
    pub valid_tokens: HashSet<String>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            cut_percent: 0,
            heartbeat: Duration::from_millis(20),
            valid_tokens: HashSet::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct State {
    pub behaviour: Behaviour,
    pub pending: VecDeque<Job>,
    pub in_flight: Option<String>,
    /// Completions per job id, and the last output.
    pub completed: HashMap<String, (u32, Bytes)>,
    pub rejected: HashMap<String, u32>,
    pub accept_calls: Vec<AcceptCall>,
    /// Tokens each CompleteJob call carried, in order, with the answer code.
    pub complete_calls: Vec<(String, String, Code)>,
    pub reject_calls: Vec<(String, String, Code)>,
    /// Codes the next CompleteJob calls answer with, before any real handling.
    pub complete_failures: VecDeque<Code>,
    pub open_streams: usize,
    pub max_open_streams: usize,
    pub jobs_sent: u32,
    pub cuts: u32,
    rng: u64,
}

impl State {
    fn random(&mut self) -> u32 {
        // xorshift64: deterministic per seed, good enough for cut points.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x % 100) as u32
    }

    fn authorize(&self, token: &str) -> Result<(), Status> {
        if self.behaviour.valid_tokens.is_empty() || self.behaviour.valid_tokens.contains(token) {
            Ok(())
        } else {
            Err(Status::unauthenticated("token refused"))
        }
    }

    pub fn completions(&self, id: &str) -> u32 {
        self.completed.get(id).map_or(0, |c| c.0)
    }

    pub fn rejections(&self, id: &str) -> u32 {
        self.rejected.get(id).copied().unwrap_or(0)
    }
}

/// The fake queue service; clones share the state.
#[derive(Clone)]
pub struct Queue {
    pub state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
}

fn bearer<T>(request: &Request<T>) -> String {
    request
        .metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned()
}

impl Queue {
    pub fn new(behaviour: Behaviour, seed: u64) -> Self {
        let state = State {
            behaviour,
            rng: seed | 1,
            ..State::default()
        };
        Queue {
            state: Arc::new(Mutex::new(state)),
            changed: Arc::new(Notify::new()),
        }
    }

    pub fn push(&self, id: &str, input: &[u8]) {
        self.push_job(Job {
            job_id: id.to_owned(),
            port: 8080,
            path: "/run".to_owned(),
            input: Bytes::copy_from_slice(input),
        });
    }

    pub fn push_job(&self, job: Job) {
        self.state.lock().unwrap().pending.push_back(job);
        self.changed.notify_waiters();
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let r = f(&mut self.state.lock().unwrap());
        self.changed.notify_waiters();
        r
    }

    /// Waits (at most [`DEADLINE`]) until `done` holds.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if done(&self.state.lock().unwrap()) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let s = self.state.lock().unwrap();
                panic!(
                    "timed out waiting for {what}; pending {}, in flight {:?}, completed {}, \
                     rejected {:?}, {} AcceptJobs calls (last {:?}), CompleteJob calls {:?}, \
                     RejectJob calls {:?}, open streams {}",
                    s.pending.len(),
                    s.in_flight,
                    s.completed.len(),
                    s.rejected,
                    s.accept_calls.len(),
                    s.accept_calls.last(),
                    s.complete_calls.iter().rev().take(5).collect::<Vec<_>>(),
                    s.reject_calls,
                    s.open_streams,
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Serves on 127.0.0.1 in plain HTTP/2; returns the address.
    pub async fn serve(&self) -> SocketAddr {
        let incoming = tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse().unwrap())
            .expect("bind");
        let addr = incoming.local_addr().expect("addr");
        let svc = JobQueueWorkerServiceServer::new(self.clone());
        tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(svc)
                .serve_with_incoming(incoming)
                .await
                .expect("serve");
        });
        addr
    }

    /// Serves on 127.0.0.1 over TLS with `cert`/`key` (PEM).
    pub async fn serve_tls(&self, cert: &str, key: &str) -> SocketAddr {
        let incoming = tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse().unwrap())
            .expect("bind");
        let addr = incoming.local_addr().expect("addr");
        let svc = JobQueueWorkerServiceServer::new(self.clone());
        let tls = tonic::transport::ServerTlsConfig::new()
            .identity(tonic::transport::Identity::from_pem(cert, key));
        let builder = tonic::transport::Server::builder()
            .tls_config(tls)
            .expect("tls config");
        let mut builder = builder;
        tokio::spawn(async move {
            builder
                .add_service(svc)
                .serve_with_incoming(incoming)
                .await
                .expect("serve");
        });
        addr
    }
}

/// Ends the stream's bookkeeping however the stream ends.
struct StreamGuard(Arc<Mutex<State>>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        if let Ok(mut s) = self.0.lock() {
            s.open_streams -= 1;
        }
    }
}

#[tonic::async_trait]
impl JobQueueWorkerService for Queue {
    type AcceptJobsStream =
        tokio_stream::wrappers::ReceiverStream<Result<AcceptJobsResponse, Status>>;

    async fn accept_jobs(
        &self,
        request: Request<AcceptJobsRequest>,
    ) -> Result<Response<Self::AcceptJobsStream>, Status> {
        let token = bearer(&request);
        let current = request.into_inner().current_job_id;
        {
            let mut s = self.state.lock().unwrap();
            let call = AcceptCall {
                current_job_id: current.clone(),
                in_flight: s.in_flight.clone(),
                token: token.clone(),
            };
            s.accept_calls.push(call);
            s.authorize(&token)?;
            // A job the worker still holds that the service no longer knows.
            if !current.is_empty()
                && s.in_flight.as_deref() != Some(current.as_str())
                && !s.completed.contains_key(&current)
                && !s.rejected.contains_key(&current)
            {
                return Err(Status::not_found("no such job"));
            }
            s.open_streams += 1;
            s.max_open_streams = s.max_open_streams.max(s.open_streams);
        }
        let (tx, rx) = mpsc::channel(4);
        let state = self.state.clone();
        let changed = self.changed.clone();
        tokio::spawn(async move {
            let _guard = StreamGuard(state.clone());
            loop {
                let notified = changed.notified();
                // Decide under the lock, send outside it.
                let (next, heartbeat) = {
                    let mut s = state.lock().unwrap();
                    let next = if s.in_flight.is_none() {
                        s.pending.pop_front()
                    } else {
                        None
                    };
                    if let Some(job) = &next {
                        s.in_flight = Some(job.job_id.clone());
                        s.jobs_sent += 1;
                    }
                    (next, s.behaviour.heartbeat)
                };
                let message = match next {
                    Some(job) => Message::Job(job),
                    None => {
                        tokio::select! {
                            () = notified => continue,
                            () = tokio::time::sleep(heartbeat) => Message::Heartbeat(()),
                        }
                    }
                };
                let response = AcceptJobsResponse {
                    message: Some(message),
                };
                if tx.send(Ok(response)).await.is_err() {
                    return; // the worker closed the stream
                }
                let cut = {
                    let mut s = state.lock().unwrap();
                    let roll = s.random();
                    let cut = roll < s.behaviour.cut_percent;
                    if cut {
                        s.cuts += 1;
                    }
                    cut.then_some(roll % 2 == 0)
                };
                match cut {
                    // An error status, as when the service's node goes away...
                    Some(true) => {
                        let _ = tx.send(Err(Status::unavailable("stream cut"))).await;
                        return;
                    }
                    // ...or a plain end of the stream.
                    Some(false) => return,
                    None => {}
                }
            }
        });
        Ok(Response::new(tokio_stream::wrappers::ReceiverStream::new(
            rx,
        )))
    }

    async fn complete_job(
        &self,
        request: Request<CompleteJobRequest>,
    ) -> Result<Response<()>, Status> {
        let token = bearer(&request);
        let CompleteJobRequest { job_id, output } = request.into_inner();
        let answer = {
            let mut s = self.state.lock().unwrap();
            let answer = if let Some(code) = s.complete_failures.pop_front() {
                Err(Status::new(code, "scripted failure"))
            } else if let Err(e) = s.authorize(&token) {
                Err(e)
            } else if s.in_flight.as_deref() == Some(job_id.as_str()) {
                s.in_flight = None;
                let entry = s
                    .completed
                    .entry(job_id.clone())
                    .or_insert((0, Bytes::new()));
                entry.0 += 1;
                entry.1 = output;
                Ok(Response::new(()))
            } else {
                if s.completed.contains_key(&job_id) {
                    // Counted, so a second completion shows in the test.
                    s.completed.get_mut(&job_id).unwrap().0 += 1;
                }
                Err(Status::not_found("no such job"))
            };
            let code = answer.as_ref().map_or_else(|e| e.code(), |_| Code::Ok);
            s.complete_calls.push((job_id, token, code));
            answer
        };
        self.changed.notify_waiters();
        answer
    }

    async fn reject_job(&self, request: Request<RejectJobRequest>) -> Result<Response<()>, Status> {
        let token = bearer(&request);
        let job_id = request.into_inner().job_id;
        let answer = {
            let mut s = self.state.lock().unwrap();
            let answer = if let Err(e) = s.authorize(&token) {
                Err(e)
            } else {
                *s.rejected.entry(job_id.clone()).or_insert(0) += 1;
                if s.in_flight.as_deref() == Some(job_id.as_str()) {
                    s.in_flight = None;
                }
                Ok(Response::new(()))
            };
            let code = answer.as_ref().map_or_else(|e| e.code(), |_| Code::Ok);
            s.reject_calls.push((job_id, token, code));
            answer
        };
        self.changed.notify_waiters();
        answer
    }
}

/// A mockito IMDS answering ready with `token`.
pub struct Imds {
    pub server: mockito::ServerGuard,
    pub status: Option<mockito::Mock>,
    pub token: Option<mockito::Mock>,
}

impl Imds {
    pub async fn new(token: &str) -> Self {
        let mut imds = Imds {
            server: mockito::Server::new_async().await,
            status: None,
            token: None,
        };
        imds.set_ready(true).await;
        imds.set_token(token).await;
        imds
    }

    /// Answers `GET /v1/status` with `ready` (replacing the previous answer).
    pub async fn set_ready(&mut self, ready: bool) {
        if let Some(old) = self.status.take() {
            old.remove_async().await;
        }
        let body = serde_json::json!({ "ready": ready, "started": true }).to_string();
        self.status = Some(
            self.server
                .mock("GET", "/v1/status")
                .match_header("metadata", "true")
                .with_header("content-type", "application/json")
                .with_body(body)
                .create_async()
                .await,
        );
    }

    /// Answers `GET /v1/status` with 404 (the instance is gone).
    pub async fn set_gone(&mut self) {
        if let Some(old) = self.status.take() {
            old.remove_async().await;
        }
        self.status = Some(
            self.server
                .mock("GET", "/v1/status")
                .with_status(404)
                .with_header("content-type", "application/problem+json")
                .with_body(r#"{"type":"container_not_found","title":"Not Found","status":404}"#)
                .create_async()
                .await,
        );
    }

    /// Answers `GET /v1/token` with `token` (replacing the previous answer).
    pub async fn set_token(&mut self, token: &str) {
        if let Some(old) = self.token.take() {
            old.remove_async().await;
        }
        let body = serde_json::json!({ "jwt": token }).to_string();
        self.token = Some(
            self.server
                .mock("GET", "/v1/token")
                .match_header("metadata", "true")
                .with_header("content-type", "application/json")
                .with_body(body)
                .create_async()
                .await,
        );
    }

    pub fn client(&self) -> salad_imds::ImdsClient {
        salad_imds::ImdsClient::builder()
            .base_url(self.server.url())
            .retry(salad_imds::RetryPolicy::none())
            .build()
            .expect("imds client")
    }
}

/// A worker for `addr` in plain HTTP/2 with short pauses.
pub fn worker(addr: SocketAddr, imds: &Imds) -> salad_imds::worker::WorkerBuilder {
    salad_imds::worker::Worker::builder()
        .service_endpoint(addr.to_string())
        .use_tls(false)
        .imds(imds.client())
        .status_poll_interval(Duration::from_millis(10))
        .backoff(Duration::from_millis(5), Duration::from_millis(50))
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
}

/// A shutdown signal the test fires.
pub fn shutdown() -> (
    tokio::sync::oneshot::Sender<()>,
    impl std::future::Future<Output = ()>,
) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    (tx, async move {
        let _ = rx.await;
    })
}
