//! Background tasks (an image build is one) and the server's health.

use api_client_transport::{Error, Request, Result};
use serde::Serialize;

use crate::client::API;
use crate::models::{
    HealthCheckResp, ListTaskResp, StatusType, TaskDetailResp, TaskResp, TaskState,
};
use crate::paging::{paginate, Page, Paginated};
use crate::{envelope, Client};

impl TaskState {
    /// Whether a task in this state will not change any more: completed,
    /// failed or cancelled. A state this client does not know is not final.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TaskState::Completed | TaskState::Error | TaskState::Cancelled
        )
    }
}

/// Filters and paging of [`Client::list_tasks`].
///
/// Every field is optional; `Default` asks for the server's first page of
/// every task. Page numbers and sizes are unsigned: the spec says "integer",
/// and a negative page or size has no meaning.
///
/// ```
/// use container_registry_client::ListTasksParams;
/// use container_registry_client::models::TaskState;
///
/// let params = ListTasksParams::new()
///     .trace_id("5e2d9b1c-0000-4000-8000-000000000002")
///     .state(TaskState::Running)
///     .size(50);
/// assert_eq!(params.size, Some(50));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ListTasksParams {
    /// 1-based page number (the server starts at 1 when it is left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Items per page (the server's default is 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// Only tasks of this kind, by its integer code (0 to 6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_type: Option<i64>,
    /// Only tasks run at once (`true`) or scheduled (`false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immediate: Option<bool>,
    /// Only tasks of this trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Only tasks of this group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Only tasks of this project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<i64>,
    /// Only tasks in this state; sent as its integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<TaskState>,
    /// Only tasks with this record status; sent as its integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusType>,
}

impl ListTasksParams {
    /// No filters, the server's default page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the 1-based page number (for the stream: the first page to fetch).
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Sets the page size.
    pub fn size(mut self, size: u32) -> Self {
        self.size = Some(size);
        self
    }

    /// Only tasks of this kind (its integer code, 0 to 6).
    pub fn task_type(mut self, task_type: i64) -> Self {
        self.task_type = Some(task_type);
        self
    }

    /// Only tasks run at once, or only scheduled ones.
    pub fn immediate(mut self, immediate: bool) -> Self {
        self.immediate = Some(immediate);
        self
    }

    /// Only tasks of this trace.
    pub fn trace_id(mut self, trace_id: impl Into<String>) -> Self {
        self.trace_id = Some(trace_id.into());
        self
    }

    /// Only tasks of this group.
    pub fn group_id(mut self, group_id: impl Into<String>) -> Self {
        self.group_id = Some(group_id.into());
        self
    }

    /// Only tasks of this project.
    pub fn project_id(mut self, project_id: i64) -> Self {
        self.project_id = Some(project_id);
        self
    }

    /// Only tasks in this state.
    pub fn state(mut self, state: TaskState) -> Self {
        self.state = Some(state);
        self
    }

    /// Only tasks with this record status.
    pub fn status(mut self, status: StatusType) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        if let Some(t) = self.task_type {
            if !(0..=6).contains(&t) {
                return Err(Error::invalid(
                    "task_type",
                    format!("{t} is not a task kind the API defines; known values: 0 to 6"),
                ));
            }
        }
        if let Some(s) = &self.state {
            api_client_transport::Validate::validate_at(s, "state")?;
        }
        if let Some(s) = &self.status {
            api_client_transport::Validate::validate_at(s, "status")?;
        }
        Ok(())
    }
}

impl Client {
    /// Fetches a task with its state, payload and log lines.
    ///
    /// ```no_run
    /// # async fn run(client: container_registry_client::Client) -> container_registry_client::Result<()> {
    /// let task = client.get_task("a1b2c3d4-0000-4000-8000-000000000001").await?;
    /// if task.state.as_ref().is_some_and(|s| s.is_final()) {
    ///     for line in task.logs.iter().flatten() {
    ///         println!("{line}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    #[doc(alias = "get_task_by_id")]
    pub async fn get_task(&self, task_id: &str) -> Result<TaskDetailResp> {
        self.call(|| Ok(Request::get(API.iter().copied().chain(["tasks", task_id]))))
            .await
    }

    /// Fetches one page of tasks.
    ///
    /// [`Client::list_tasks_stream`] walks all pages.
    pub async fn list_tasks(&self, params: &ListTasksParams) -> Result<ListTaskResp> {
        self.call(|| {
            Ok(Request::get(API.iter().chain(&["tasks"]))
                .query(params)?
                .validated(params.check()))
        })
        .await
    }

    /// Every task matching `params`, fetched page by page as the stream is read.
    ///
    /// `params.page` is the first page fetched (default 1). Invalid parameters
    /// end the stream with their error before anything is sent.
    #[doc(alias = "list_tasks")]
    pub fn list_tasks_stream(&self, params: ListTasksParams) -> Paginated<TaskResp> {
        let client = self.clone();
        let first = params.page.unwrap_or(1);
        let size = params.size;
        paginate(first, size, move |page| {
            let client = client.clone();
            let params = ListTasksParams {
                page: Some(page),
                ..params.clone()
            };
            async move {
                let got = client.list_tasks(&params).await?;
                Ok(Page {
                    items: got.items.map(crate::List::into_vec).unwrap_or_default(),
                    pagination: got.pagination,
                })
            }
        })
    }

    /// Asks the server how it is. Needs no token (none is sent).
    ///
    /// ```no_run
    /// # async fn run(client: container_registry_client::Client) -> container_registry_client::Result<()> {
    /// let health = client.health().await?;
    /// println!("{:?} {:?}", health.status, health.version);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "get_system_health")]
    pub async fn health(&self) -> Result<HealthCheckResp> {
        let req = Request::get(["system", "health"]);
        let (method, path) = (req.method().clone(), req.path().to_string());
        let resp = self.http.send(req).await?;
        let status = resp.status();
        envelope::unwrap(status, &method, &path, resp.bytes().await?)
    }
}
