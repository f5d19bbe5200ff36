//! The Go worker's contract, as a handler: each job is an HTTP `POST` to the
//! workload on localhost.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::job::{Handler, HandlerFuture, Job, Rejection};
use super::DEFAULT_MAX_OUTPUT_BYTES;

/// Forwards each job to the workload exactly as SaladCloud's Go worker
/// (v0.3.0) does: `POST http://localhost:{port}{path}` (a `/` is put before a
/// path without one) with the job's input as the body and the headers
/// `Content-Type: application/json` and `Salad-Job-Id: <job id>`. An answer
/// of 408, 429 or 5xx, or no answer at all, rejects the job; any other answer
/// (2xx, and also 4xx such as 404: the workload's own verdict) completes it
/// with the answer's body as the output.
///
/// One difference: the Go worker's HTTP client follows redirects; this one
/// hands a 3xx answer's body back as the output, like any other answer.
///
/// With this handler, `examples/job_worker.rs` replaces the Go sidecar one
/// to one.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use salad_imds::worker::{HttpForwarder, Worker};
/// let worker = Worker::from_env()?;
/// worker.run(HttpForwarder::new()).await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct HttpForwarder {
    client: hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>,
    host: String,
    max_output_bytes: usize,
}

impl Default for HttpForwarder {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpForwarder {
    /// Forwards to `localhost`, reading answers up to
    /// [`DEFAULT_MAX_OUTPUT_BYTES`]. No proxy is ever used.
    pub fn new() -> Self {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_secs(10)));
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(http);
        HttpForwarder {
            client,
            host: "localhost".to_owned(),
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
        }
    }

    /// Forwards to another host than `localhost` (such as `127.0.0.1`, or a
    /// sibling container's name). The Go worker has no such setting.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// Most bytes of the workload's answer read; a longer answer rejects the
    /// job (default [`DEFAULT_MAX_OUTPUT_BYTES`]).
    pub fn max_output_bytes(mut self, bytes: usize) -> Self {
        self.max_output_bytes = bytes;
        self
    }

    async fn forward(&self, job: Job) -> Result<Bytes, Rejection> {
        let port = u16::try_from(job.port())
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| Rejection::new(format!("job port {} is not a TCP port", job.port())))?;
        let path = if job.path().starts_with('/') {
            job.path().to_owned()
        } else {
            format!("/{}", job.path())
        };
        let uri: http::Uri = format!("http://{}:{port}{path}", self.host)
            .parse()
            .map_err(|e| Rejection::new(format!("job path is not a valid URL path: {e}")))?;
        let job_id = http::HeaderValue::from_str(job.id())
            .map_err(|_| Rejection::new("the job id is not a valid header value"))?;
        let request = http::Request::post(uri)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("salad-job-id", job_id)
            .body(Full::new(job.into_input()))
            .map_err(|e| Rejection::new(format!("cannot build the request: {e}")))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| Rejection::new(format!("the workload did not answer: {e}")))?;
        let status = response.status();
        if status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error() {
            return Err(Rejection::new(format!("the workload answered {status}")));
        }
        let body = Limited::new(response.into_body(), self.max_output_bytes)
            .collect()
            .await
            .map_err(|e| {
                Rejection::new(format!(
                    "the workload's answer could not be read in full (limit {} bytes): {e}",
                    self.max_output_bytes
                ))
            })?;
        Ok(body.to_bytes())
    }
}

impl Handler for HttpForwarder {
    fn handle(&self, job: Job) -> HandlerFuture {
        let this = self.clone();
        Box::pin(async move { this.forward(job).await })
    }
}
