//! Submitting a build and following it to its end.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use api_client_transport::{Error, Result};
use futures_core::Stream;
use futures_util::future::{select, Either};
use futures_util::stream::{self, StreamExt};

use crate::models::{SubmitBuildContainerReq, SubmitContainerBuildResp, TaskDetailResp, TaskState};
use crate::{Client, TraceEvent, TraceEvents, TraceOptions};

/// How many of a failed task's last log lines a [`TaskFailed`] keeps.
const LAST_LOG_LINES: usize = 20;

/// A queued build: its ids, and the client to follow it with. Made by
/// [`Client::submit_build`].
#[derive(Debug, Clone)]
pub struct BuildHandle {
    client: Client,
    answer: SubmitContainerBuildResp,
}

impl BuildHandle {
    /// The server's answer to the submission (task, trace and group ids).
    pub fn answer(&self) -> &SubmitContainerBuildResp {
        &self.answer
    }

    /// The build task's id.
    pub fn task_id(&self) -> Option<&str> {
        self.answer.task_id.as_deref()
    }

    /// The id of the trace that carries the build's events.
    pub fn trace_id(&self) -> Option<&str> {
        self.answer.trace_id.as_deref()
    }

    /// Follows the build with default [`FollowOptions`].
    pub fn follow(&self) -> Follow {
        self.follow_with(FollowOptions::default())
    }

    /// Follows the build: its trace events as they happen, then its final
    /// state. See [`Follow`].
    pub fn follow_with(&self, options: FollowOptions) -> Follow {
        match (self.task_id(), self.trace_id()) {
            (Some(task), Some(trace)) if !task.is_empty() && !trace.is_empty() => {
                self.client.follow_task(task, trace, options)
            }
            _ => Follow::failed(BuildError::Client(Error::invalid(
                "task_id",
                "the build answer carries no task or trace id to follow",
            ))),
        }
    }
}

/// How [`Follow`] watches a task.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FollowOptions {
    /// How the trace stream connects and reconnects.
    pub trace: TraceOptions,
    /// How often the task's state is checked while its trace is quiet or
    /// closed (default 5 s): the state, not the trace, says when it ended.
    pub poll_interval: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            trace: TraceOptions::default(),
            poll_interval: Duration::from_secs(5),
        }
    }
}

impl FollowOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how the trace stream connects.
    pub fn trace(mut self, trace: TraceOptions) -> Self {
        self.trace = trace;
        self
    }

    /// Sets how often the task's state is checked.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }
}

/// What following a task yields: its events, then its final state.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// An event of the task's trace.
    Event(TraceEvent),
    /// The task completed; this is its final record. Always the last item.
    Finished(TaskDetailResp),
}

/// A task that ended in `error` or `cancelled`, with its last log lines.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", describe_failure(.task, .last_logs))]
pub struct TaskFailed {
    task: Box<TaskDetailResp>,
    last_logs: Vec<String>,
}

/// `task <id> failed` (or `was cancelled`), and its last log line.
fn describe_failure(task: &TaskDetailResp, last_logs: &[String]) -> String {
    let id = task.id.as_deref().unwrap_or("?");
    let mut text = match &task.state {
        Some(TaskState::Cancelled) => format!("task {id} was cancelled"),
        _ => format!("task {id} failed"),
    };
    if let Some(last) = last_logs.last() {
        text.push_str("; last log line: ");
        text.push_str(last);
    }
    text
}

impl TaskFailed {
    /// The task's final record.
    pub fn task(&self) -> &TaskDetailResp {
        &self.task
    }

    /// The state it ended in.
    pub fn state(&self) -> Option<&TaskState> {
        self.task.state.as_ref()
    }

    /// Its last log lines (at most 20), oldest first.
    pub fn last_logs(&self) -> &[String] {
        &self.last_logs
    }
}

/// Why following a build did not end in `completed`.
///
/// `Display` says what the inner error says and `source()` gives that
/// error's own cause, so a report that walks the chain says each cause once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The task ended in `error` or `cancelled`.
    #[error(transparent)]
    Failed(TaskFailed),
    /// Submitting, streaming or asking for the task's state failed.
    #[error(transparent)]
    Client(#[from] Error),
    /// The task's trace has ended but its state is one this client does not
    /// know, so whether it succeeded cannot be said (rather than wait forever).
    #[error(
        "task {} ended its trace in a state this client does not know: {:?}",
        .0.id.as_deref().unwrap_or("?"),
        .0.state
    )]
    UnknownState(Box<TaskDetailResp>),
}

impl BuildError {
    /// The failed task, when the build itself failed.
    pub fn failed(&self) -> Option<&TaskFailed> {
        match self {
            BuildError::Failed(f) => Some(f),
            _ => None,
        }
    }
}

/// The events of a task, then its end: `Ok(Progress::Finished)` when it
/// completed, `Err(BuildError::Failed)` with its last log lines when it
/// failed or was cancelled. Made by [`BuildHandle::follow`] and
/// [`Client::follow_task`].
///
/// The trace stream is resumed from its last event id when the connection
/// drops; the task's state is checked whenever the trace closes or has been
/// quiet for [`FollowOptions::poll_interval`]. When the trace fails for good
/// (its reconnects spent, or the server refusing it), the follow goes on by
/// reading the task's state every `poll_interval` until it ends, without
/// more events. `Unpin`.
pub struct Follow {
    inner: Pin<Box<dyn Stream<Item = std::result::Result<Progress, BuildError>> + Send>>,
    /// The task, for [`Follow::wait`] to read its state before anything else.
    task: Option<(Client, String)>,
}

impl fmt::Debug for Follow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Follow").finish_non_exhaustive()
    }
}

impl Stream for Follow {
    type Item = std::result::Result<Progress, BuildError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl Follow {
    fn failed(error: BuildError) -> Follow {
        Follow {
            inner: stream::once(async move { Err(error) }).boxed(),
            task: None,
        }
    }

    /// Skips the events and waits for the end: the completed task, or why it
    /// did not complete. A task that has already ended is answered from its
    /// state at once, without reading its trace.
    pub async fn wait(mut self) -> std::result::Result<TaskDetailResp, BuildError> {
        if let Some((client, task_id)) = self.task.take() {
            // A failure here (a task not visible yet, say) is not the end:
            // the follow below reads the state again and reports what lasts.
            if let Ok(task) = client.get_task(&task_id).await {
                if let Some(end) = ending(task, false) {
                    return end;
                }
            }
        }
        while let Some(item) = self.next().await {
            if let Progress::Finished(task) = item? {
                return Ok(task);
            }
        }
        Err(BuildError::Client(Error::invalid(
            "task_id",
            "the follow stream ended without the task's final state",
        )))
    }
}

struct FollowState {
    client: Client,
    task_id: String,
    trace_id: String,
    options: FollowOptions,
    trace: Option<TraceEvents>,
    /// Where the next trace connection resumes.
    last_id: Option<String>,
    /// The trace failed for good: the task's state is polled instead.
    polling: bool,
    done: bool,
}

/// The final item for `task` if it has ended. `trace_ended`: no trace is
/// being read, so a state this client does not know will not be followed by
/// anything it does know.
fn ending(
    task: TaskDetailResp,
    trace_ended: bool,
) -> Option<std::result::Result<TaskDetailResp, BuildError>> {
    let state = task.state.clone()?;
    if trace_ended && matches!(state, TaskState::Unknown(_)) {
        return Some(Err(BuildError::UnknownState(Box::new(task))));
    }
    if !state.is_final() {
        return None;
    }
    if state == TaskState::Completed {
        return Some(Ok(task));
    }
    let logs: &[String] = task.logs.as_ref().map_or(&[], |l| l.as_slice());
    let last_logs = logs[logs.len().saturating_sub(LAST_LOG_LINES)..].to_vec();
    Some(Err(BuildError::Failed(TaskFailed {
        task: Box::new(task),
        last_logs,
    })))
}

impl FollowState {
    /// The final item if the task has ended (an error reading it ends too).
    async fn check(
        &mut self,
        trace_ended: bool,
    ) -> Option<std::result::Result<Progress, BuildError>> {
        match self.client.get_task(&self.task_id).await {
            Ok(task) => ending(task, trace_ended).map(|end| end.map(Progress::Finished)),
            Err(e) => Some(Err(BuildError::Client(e))),
        }
    }

    async fn next(&mut self) -> Option<std::result::Result<Progress, BuildError>> {
        loop {
            if self.done {
                return None;
            }
            if self.polling {
                // The trace is gone: the task's state alone says when it ends.
                if let Some(end) = self.check(true).await {
                    self.done = true;
                    return Some(end);
                }
                tokio::time::sleep(self.options.poll_interval).await;
                continue;
            }
            if self.trace.is_none() {
                let mut options = self.options.trace.clone();
                options.last_id = self.last_id.clone();
                self.trace = Some(self.client.trace_events(&self.trace_id, options));
            }
            let trace = self.trace.as_mut()?;
            let tick = tokio::time::sleep(self.options.poll_interval);
            let outcome = match select(trace.next(), Box::pin(tick)).await {
                Either::Left((item, _)) => Some(item),
                Either::Right(_) => None,
            };
            self.last_id = trace.last_id();
            match outcome {
                Some(Some(Ok(event))) => return Some(Ok(Progress::Event(event))),
                // Quiet for a while: the task may have ended without a word.
                None => {}
                // The trace closed: the state decides.
                Some(None) => {
                    self.trace = None;
                }
                // The trace broke for good (its reconnects are spent, or the
                // server refuses it): follow the task by its state instead.
                Some(Some(Err(_))) => {
                    self.trace = None;
                    self.polling = true;
                    continue;
                }
            }
            let trace_ended = self.trace.is_none();
            if let Some(end) = self.check(trace_ended).await {
                self.done = true;
                return Some(end);
            }
            if self.trace.is_none() {
                // A closed trace of a running task: look again after a pause.
                tokio::time::sleep(self.options.poll_interval).await;
            }
        }
    }
}

impl Client {
    /// Queues an image build and returns a handle to follow it with.
    ///
    /// ```no_run
    /// # async fn run(client: container_registry_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use container_registry_client::Progress;
    /// use container_registry_client::models::SubmitBuildContainerReq;
    /// use futures_util::TryStreamExt;
    ///
    /// let build = SubmitBuildContainerReq::new("detector-rca", "opspai/detector-rca");
    /// let mut follow = client.submit_build(&build).await?.follow();
    /// while let Some(progress) = follow.try_next().await? {
    ///     match progress {
    ///         Progress::Event(e) => println!("{}", e.data),
    ///         Progress::Finished(task) => println!("done: {:?}", task.state),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn submit_build(&self, request: &SubmitBuildContainerReq) -> Result<BuildHandle> {
        let answer = self.build_container_image(request).await?;
        Ok(BuildHandle {
            client: self.clone(),
            answer,
        })
    }

    /// Submits a build and waits for its end: the completed task, or a
    /// [`BuildError::Failed`] carrying the task's last log lines.
    ///
    /// ```no_run
    /// # async fn run(client: container_registry_client::Client) {
    /// use container_registry_client::BuildError;
    /// use container_registry_client::models::SubmitBuildContainerReq;
    ///
    /// let build = SubmitBuildContainerReq::new("detector-rca", "opspai/detector-rca");
    /// match client.build_and_wait(&build).await {
    ///     Ok(task) => println!("built: {:?}", task.id),
    ///     Err(BuildError::Failed(f)) => eprintln!("{f}\n{}", f.last_logs().join("\n")),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// # }
    /// ```
    pub async fn build_and_wait(
        &self,
        request: &SubmitBuildContainerReq,
    ) -> std::result::Result<TaskDetailResp, BuildError> {
        self.submit_build(request).await?.follow().wait().await
    }

    /// Follows a task through the events of its trace to its final state.
    pub fn follow_task(&self, task_id: &str, trace_id: &str, options: FollowOptions) -> Follow {
        let state = FollowState {
            client: self.clone(),
            task_id: task_id.to_string(),
            trace_id: trace_id.to_string(),
            last_id: options.trace.last_id.clone(),
            options,
            trace: None,
            polling: false,
            done: false,
        };
        let inner = stream::unfold(state, |mut state| async move {
            let item = state.next().await?;
            Some((item, state))
        });
        Follow {
            inner: inner.boxed(),
            task: Some((self.clone(), task_id.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    fn task(state: &str, logs: &[&str]) -> TaskDetailResp {
        serde_json::from_value(serde_json::json!({"id": "tk", "state": state, "logs": logs}))
            .unwrap()
    }

    #[test]
    fn messages_say_each_cause_once() {
        let failed = |state, logs: &[&str]| match ending(task(state, logs), false) {
            Some(Err(e)) => e,
            other => panic!("{other:?}"),
        };
        let e = failed("error", &["a", "b"]);
        assert_eq!(e.to_string(), "task tk failed; last log line: b");
        assert!(e.source().is_none());
        let e = failed("cancelled", &[]);
        assert_eq!(e.to_string(), "task tk was cancelled");
        let e = match ending(task("timed_out", &[]), true) {
            Some(Err(e)) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            e.to_string(),
            "task tk ended its trace in a state this client does not know: Some(Unknown(\"timed_out\"))"
        );
        // A client error reads as itself; its cause comes once, from source().
        let inner = Error::Stream {
            method: api_client_transport::http::Method::GET,
            path: "/x".into(),
            source: "cut".into(),
        };
        let shown = inner.to_string();
        let e = BuildError::from(inner);
        assert_eq!(e.to_string(), shown);
        assert_eq!(e.source().map(ToString::to_string).as_deref(), Some("cut"));
    }
}
