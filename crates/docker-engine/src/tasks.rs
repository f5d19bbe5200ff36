//! Swarm tasks: [`Tasks`], reached with [`Docker::tasks`] (feature `swarm`).

use api_client_transport::http::Method;
use api_client_transport::Result;

use crate::frames::LogStream;
use crate::models::{Task, TaskState};
use crate::swarm_common::{swarm_filters, swarm_logs, TaskLogsOptions};
use crate::unsupported::{non_empty, send};
use crate::Docker;

swarm_filters! {
    /// Filters of the task list.
    ///
    /// ```
    /// use docker_engine::TaskFilters;
    /// let f = TaskFilters::new().service("web").desired_state("running");
    /// assert_eq!(f.filters().to_json(), r#"{"desired-state":["running"],"service":["web"]}"#);
    /// ```
    TaskFilters {
        /// Tasks whose desired state is this: `running`, `shutdown` or `accepted`.
        desired_state => "desired-state",
        /// Tasks whose id starts with this.
        id => "id",
        /// Tasks with this label (`key` or `key=value`).
        label => "label",
        /// Tasks whose name starts with this.
        name => "name",
        /// Tasks on this node (id or name).
        node => "node",
        /// Tasks of this service (id or name).
        service => "service",
    }
}

impl TaskFilters {
    /// Tasks whose desired state is `state`.
    pub fn desired(self, state: TaskState) -> Self {
        self.desired_state(state.as_str())
    }
}

/// Options of [`Tasks::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListTasksOptions {
    /// Which tasks to list (default: all).
    pub filters: TaskFilters,
}

impl ListTasksOptions {
    /// The tasks of one service.
    pub fn service(service: impl Into<String>) -> Self {
        ListTasksOptions {
            filters: TaskFilters::new().service(service),
        }
    }
}

/// The task operations of a [`Docker`] handle (a swarm manager).
#[derive(Debug, Clone)]
pub struct Tasks {
    docker: Docker,
}

impl Docker {
    /// The task operations.
    pub fn tasks(&self) -> Tasks {
        Tasks {
            docker: self.clone(),
        }
    }
}

impl Tasks {
    /// Lists tasks.
    #[doc(alias = "TaskList")]
    #[doc(alias = "task_list")]
    pub async fn list(&self, options: ListTasksOptions) -> Result<Vec<Task>> {
        let (r, _) = self.docker.request(Method::GET, &["tasks"]).await?;
        let r = options.filters.filters().apply(r);
        let list: Option<Vec<Task>> = send(&self.docker, r).await?.json().await?;
        Ok(list.unwrap_or_default())
    }

    /// Detail of one task.
    #[doc(alias = "TaskInspect")]
    #[doc(alias = "task_inspect")]
    pub async fn inspect(&self, id: &str) -> Result<Task> {
        non_empty("id", id)?;
        let (r, _) = self.docker.request(Method::GET, &["tasks", id]).await?;
        send(&self.docker, r).await?.json().await
    }

    /// The logged output of one task, as [`LogStream`] frames. Whether the output
    /// is multiplexed is read from the answer's media type (API 1.42+), else from
    /// the task's `TTY`.
    #[doc(alias = "TaskLogs")]
    #[doc(alias = "task_logs")]
    pub async fn logs(&self, id: &str, options: TaskLogsOptions) -> Result<LogStream> {
        non_empty("id", id)?;
        swarm_logs(&self.docker, &["tasks", id, "logs"], &options, || async {
            let task = self.inspect(id).await?;
            Ok(task
                .spec
                .and_then(|t| t.container_spec)
                .and_then(|c| c.tty)
                .unwrap_or(false))
        })
        .await
    }
}
