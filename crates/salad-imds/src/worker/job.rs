//! What a handler receives and returns.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// One job taken from the queue: the request the Go worker would have sent
/// to the workload as `POST http://localhost:{port}{path}` with
/// [`input`](Self::input) as its body.
///
/// `Debug` shows the id, port, path and the input's length, never the input.
#[derive(Clone, PartialEq, Eq)]
pub struct Job {
    id: String,
    port: i32,
    path: String,
    input: Bytes,
}

impl Job {
    /// A job built by hand, for tests of a handler.
    pub fn new(id: impl Into<String>, port: i32, path: impl Into<String>, input: Bytes) -> Self {
        Job {
            id: id.into(),
            port,
            path: path.into(),
            input,
        }
    }

    /// The job's identifier, as the queue service knows it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The port of the workload's HTTP server the job was submitted for (the
    /// container group's job-queue port).
    pub fn port(&self) -> i32 {
        self.port
    }

    /// The HTTP path the job was submitted for (the queue's path, such as
    /// `/generate`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The job's input: the body the client submitted.
    pub fn input(&self) -> &Bytes {
        &self.input
    }

    /// The input, taken out of the job.
    pub fn into_input(self) -> Bytes {
        self.input
    }

    /// Decodes the input as JSON into `T`. On failure the error names the
    /// JSON path that did not fit and never quotes the input.
    ///
    /// ```
    /// # use salad_imds::worker::Job;
    /// #[derive(serde::Deserialize)]
    /// struct Prompt { text: String }
    /// let job = Job::new("j1", 80, "/run", r#"{"text":"hi"}"#.into());
    /// assert_eq!(job.input_json::<Prompt>().unwrap().text, "hi");
    /// ```
    pub fn input_json<T: DeserializeOwned>(&self) -> Result<T, InputError> {
        serde_json::from_slice(&self.input).map_err(|e| InputError {
            line: e.line(),
            column: e.column(),
            message: redact_serde_message(&e),
        })
    }
}

/// serde_json quotes bits of the input in some messages (`invalid type:
/// string "..."`); keep only the category and the position.
fn redact_serde_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "I/O error",
        Category::Syntax => "not valid JSON",
        Category::Data => "JSON of the wrong shape",
        Category::Eof => "JSON cut short",
    };
    // The text before " at line" names the expected shape; drop any quoted value.
    let full = e.to_string();
    let head = full.split(" at line").next().unwrap_or_default();
    let head = match head.find('"') {
        Some(i) => format!("{}…", &head[..i]),
        None => head.to_string(),
    };
    format!("{what}: {head}")
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("input_len", &self.input.len())
            .finish()
    }
}

/// The job's input was not the JSON the handler expected
/// ([`Job::input_json`]). Converts into a [`Rejection`] with `?`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("job input is {message} (line {line}, column {column})")]
pub struct InputError {
    line: usize,
    column: usize,
    message: String,
}

/// Encodes `value` as the job's JSON output.
///
/// ```
/// let out = salad_imds::worker::json_output(&serde_json::json!({"ok": true})).unwrap();
/// assert_eq!(&out[..], br#"{"ok":true}"#);
/// ```
pub fn json_output<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, Rejection> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| Rejection::new(format!("the output could not be encoded as JSON: {e}")))
}

/// Why a handler refused a job: the worker answers `RejectJob`, and the
/// queue service may hand the job to another instance.
///
/// Any error converts into it (so `?` works in a handler), as do `&str` and
/// `String`. It deliberately does not implement `std::error::Error` itself:
/// that is what lets every error type convert into it (the pattern of
/// `anyhow::Error`).
///
/// ```
/// use salad_imds::worker::Rejection;
/// let r: Rejection = "no GPU left".into();
/// assert_eq!(r.reason(), "no GPU left");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Rejection {
    reason: String,
}

impl Rejection {
    /// A rejection with the given reason (logged by the worker; the service
    /// is not told the reason, its `RejectJob` has no field for one).
    pub fn new(reason: impl Into<String>) -> Self {
        Rejection {
            reason: reason.into(),
        }
    }

    /// The reason given.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rejection").field(&self.reason).finish()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl<E> From<E> for Rejection
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn from(error: E) -> Self {
        Rejection::new(error.into().to_string())
    }
}

/// The future a [`Handler`] returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Bytes, Rejection>> + Send + 'static>>;

/// What the worker calls for each job. Implemented for every
/// `Fn(Job) -> impl Future<Output = Result<impl Into<Bytes>, Rejection>>`
/// closure, and by [`HttpForwarder`](super::HttpForwarder).
///
/// ```
/// use salad_imds::worker::{Handler, Job, Rejection};
/// fn accepts(_: impl Handler) {}
/// accepts(|job: Job| async move {
///     if job.input().is_empty() {
///         return Err(Rejection::new("empty input"));
///     }
///     Ok(job.input().to_ascii_uppercase())
/// });
/// ```
pub trait Handler: Send + Sync + 'static {
    /// Runs one job: `Ok(output)` completes it, `Err` rejects it.
    fn handle(&self, job: Job) -> HandlerFuture;
}

impl<F, Fut, O> Handler for F
where
    F: Fn(Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, Rejection>> + Send + 'static,
    O: Into<Bytes>,
{
    fn handle(&self, job: Job) -> HandlerFuture {
        let fut = self(job);
        Box::pin(async move { fut.await.map(Into::into) })
    }
}

pub(crate) fn from_proto(job: crate::worker::proto::Job) -> Job {
    Job {
        id: job.job_id,
        port: job.port,
        path: job.path,
        input: job.input,
    }
}
