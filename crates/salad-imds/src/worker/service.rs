//! The queue service over gRPC: one HTTP/2 client (hyper, rustls with the
//! core's TLS settings), the bearer token from IMDS, and one attempt of each
//! call. The rules that decide what to do with a failure live in `run.rs`.

use std::time::Duration;

use bytes::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tonic::metadata::MetadataValue;
use tonic::{Code, Status};

use super::proto::job_queue_worker_service_client::JobQueueWorkerServiceClient;
use super::proto::{AcceptJobsRequest, AcceptJobsResponse, CompleteJobRequest, RejectJobRequest};
use super::WorkerSettings;
use crate::{Error, IdentityToken, ImdsClient};

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
type HttpClient = hyper_util::client::legacy::Client<Connector, tonic::body::Body>;
type Grpc = JobQueueWorkerServiceClient<WithUserAgent>;

/// The HTTP/2 client with the builder's `user-agent` on every request (gRPC
/// metadata cannot carry that header).
#[derive(Clone)]
struct WithUserAgent {
    inner: HttpClient,
    user_agent: http::HeaderValue,
}

impl tower_service::Service<http::Request<tonic::body::Body>> for WithUserAgent {
    type Response =
        <HttpClient as tower_service::Service<http::Request<tonic::body::Body>>>::Response;
    type Error = <HttpClient as tower_service::Service<http::Request<tonic::body::Body>>>::Error;
    type Future = <HttpClient as tower_service::Service<http::Request<tonic::body::Body>>>::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<tonic::body::Body>) -> Self::Future {
        request
            .headers_mut()
            .insert(http::header::USER_AGENT, self.user_agent.clone());
        self.inner.call(request)
    }
}

/// A failed call: the service's status, or no token to make the call with.
#[derive(Debug)]
pub(crate) enum CallError {
    Status(Status),
    /// IMDS did not give a token (the error never holds the token).
    Token(Error),
    /// No answer within the per-call deadline.
    Timeout,
}

impl CallError {
    pub(crate) fn code(&self) -> Option<Code> {
        match self {
            CallError::Status(s) => Some(s.code()),
            _ => None,
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Status(s) => write!(f, "{:?}: {}", s.code(), s.message()),
            CallError::Token(e) => write!(f, "no identity token from IMDS: {e}"),
            CallError::Timeout => f.write_str("no answer within the call deadline"),
        }
    }
}

pub(crate) struct Service {
    grpc: Grpc,
    imds: ImdsClient,
    token: tokio::sync::Mutex<Option<IdentityToken>>,
    timeout: Duration,
    stream_head_timeout: Duration,
}

impl Service {
    pub(crate) fn new(settings: &WorkerSettings, imds: ImdsClient) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(settings.config.connect_timeout));
        let tls_settings = if settings.use_tls {
            settings.config.tls.clone()
        } else {
            // Never used for http:// origins; the builder wants a config anyway.
            api_client_transport::TlsConfig::default()
        };
        let tls = api_client_transport::__private::rustls_client_config(&tls_settings)?;
        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls);
        let connector = if settings.use_tls {
            builder.https_only().enable_http2().wrap_connector(http)
        } else {
            builder.https_or_http().enable_http2().wrap_connector(http)
        };
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .http2_only(true)
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(settings.config.pool_idle_timeout)
            // A connection that died without a word (NAT, suspended VM) is
            // noticed within a minute, also while the stream waits for a job.
            .http2_keep_alive_interval(Duration::from_secs(30))
            .http2_keep_alive_timeout(Duration::from_secs(20))
            .http2_keep_alive_while_idle(true)
            .build(connector);
        let origin: http::Uri = settings.origin.parse().map_err(|e| {
            Error::invalid("service_endpoint", format!("not a valid endpoint: {e}"))
        })?;
        let user_agent = http::HeaderValue::from_str(&settings.config.user_agent)
            .map_err(|_| Error::invalid("user_agent", "not a valid header value"))?;
        let client = WithUserAgent {
            inner: client,
            user_agent,
        };
        let grpc = JobQueueWorkerServiceClient::with_origin(client, origin)
            // Room for the largest accepted input plus the job's id and path;
            // bigger inputs inside that room are rejected by the worker.
            .max_decoding_message_size(settings.max_input_bytes.saturating_add(64 * 1024))
            .max_encoding_message_size(settings.max_output_bytes.saturating_add(64 * 1024));
        Ok(Service {
            grpc,
            imds,
            token: tokio::sync::Mutex::new(None),
            timeout: settings.config.timeout,
            stream_head_timeout: settings.config.stream_head_timeout,
        })
    }

    pub(crate) fn imds(&self) -> &ImdsClient {
        &self.imds
    }

    /// The cached token, or a fresh one from IMDS.
    async fn token(&self) -> Result<IdentityToken, CallError> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref() {
            // An undecodable token is still used: the service decides.
            if !token.is_expired().unwrap_or(false) {
                return Ok(token.clone());
            }
        }
        let token = self.imds.token().await.map_err(CallError::Token)?;
        *slot = Some(token.clone());
        Ok(token)
    }

    /// Forgets the token so the next call fetches a new one (after
    /// `Unauthenticated` or `PermissionDenied`).
    pub(crate) async fn forget_token(&self) {
        *self.token.lock().await = None;
    }

    async fn request<T>(
        &self,
        message: T,
        timeout: Option<Duration>,
    ) -> Result<tonic::Request<T>, CallError> {
        let token = self.token().await?;
        let mut value = MetadataValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|_| CallError::Token(Error::invalid("token", "not a valid header value")))?;
        value.set_sensitive(true);
        let mut request = tonic::Request::new(message);
        request.metadata_mut().insert("authorization", value);
        if let Some(timeout) = timeout {
            request.set_timeout(timeout);
        }
        Ok(request)
    }

    /// Opens the `AcceptJobs` stream (waits for the answer's head only).
    pub(crate) async fn accept_jobs(
        &self,
        current_job_id: Option<&str>,
    ) -> Result<tonic::Streaming<AcceptJobsResponse>, CallError> {
        let request = self
            .request(
                AcceptJobsRequest {
                    current_job_id: current_job_id.unwrap_or_default().to_owned(),
                },
                None,
            )
            .await?;
        let mut grpc = self.grpc.clone();
        match tokio::time::timeout(self.stream_head_timeout, grpc.accept_jobs(request)).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(CallError::Status(status)),
            Err(_) => Err(CallError::Timeout),
        }
    }

    /// One `CompleteJob` attempt.
    pub(crate) async fn complete_job(&self, job_id: &str, output: Bytes) -> Result<(), CallError> {
        let request = self
            .request(
                CompleteJobRequest {
                    job_id: job_id.to_owned(),
                    output,
                },
                Some(self.timeout),
            )
            .await?;
        let mut grpc = self.grpc.clone();
        match tokio::time::timeout(self.timeout, grpc.complete_job(request)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(status)) => Err(CallError::Status(status)),
            Err(_) => Err(CallError::Timeout),
        }
    }

    /// One `RejectJob` attempt.
    pub(crate) async fn reject_job(&self, job_id: &str) -> Result<(), CallError> {
        let request = self
            .request(
                RejectJobRequest {
                    job_id: job_id.to_owned(),
                },
                Some(self.timeout),
            )
            .await?;
        let mut grpc = self.grpc.clone();
        match tokio::time::timeout(self.timeout, grpc.reject_job(request)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(status)) => Err(CallError::Status(status)),
            Err(_) => Err(CallError::Timeout),
        }
    }
}
