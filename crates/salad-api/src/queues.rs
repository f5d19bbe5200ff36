//! The job queues of a project and the jobs in them.

use std::fmt;

use api_client_transport::http::Method;
use api_client_transport::{Request, Result, Validate};
use serde::Serialize;

use crate::client::Project;
use crate::container_groups::MERGE_PATCH;
use crate::models::{
    CreateQueue, CreateQueueJob, Queue, QueueJob, QueueJobList, QueueList, UpdateQueue,
};
use crate::names::{check_id, check_name};
use crate::paging::{paginate, Page, PageOptions, Paginated};
use crate::wait::{wait_for_job, WaitError, WaitOptions};

impl Project {
    /// The job queues of this project.
    pub fn queues(&self) -> Queues {
        Queues {
            project: self.clone(),
        }
    }
}

/// The job queues of one project: create, read, rename and delete them, and
/// submit, read, list, cancel and wait for their jobs.
///
/// A queue feeds the container groups whose `queue_connection` names it; each
/// job's `input` is handed to one instance, and what the instance answers
/// becomes the job's `output`. Names, ids and bodies are checked before
/// anything is sent.
#[derive(Debug, Clone)]
pub struct Queues {
    project: Project,
}

impl Queues {
    /// The project these queues belong to.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// A request to `/organizations/{o}/projects/{p}/queues/...`.
    fn request(&self, method: Method, rest: &[&str]) -> Request {
        let base = [
            "organizations",
            self.project.organization_name(),
            "projects",
            self.project.project_name(),
            "queues",
        ];
        Request::new(method, base.iter().chain(rest.iter()))
    }

    fn queue_request(&self, method: Method, queue: &str, rest: &[&str]) -> Result<Request> {
        check_name("queue_name", queue)?;
        let mut segments = vec![queue];
        segments.extend_from_slice(rest);
        Ok(self.request(method, &segments))
    }

    fn job_request(
        &self,
        method: Method,
        queue: &str,
        job_id: impl fmt::Display,
    ) -> Result<Request> {
        check_name("queue_name", queue)?;
        let id = check_id("queue_job_id", job_id)?;
        Ok(self.request(method, &[queue, "jobs", &id]))
    }

    /// Lists the queues of the project, with the groups connected to each.
    #[doc(alias = "list_queues")]
    pub async fn list(&self) -> Result<QueueList> {
        let request = self.request(Method::GET, &[]).sensitive(true);
        self.project.client().send(request).await?.json().await
    }

    /// Creates a queue. Resent only after a 429 or a connection that could
    /// not be made: after a lost answer the queue may exist already.
    ///
    /// ```no_run
    /// # async fn run(queues: salad_api::Queues) -> salad_api::Result<()> {
    /// use salad_api::models::CreateQueue;
    /// let queue = queues.create(&CreateQueue::new("render-jobs")).await?;
    /// println!("created {}", queue.name);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "create_queue")]
    pub async fn create(&self, queue: &CreateQueue) -> Result<Queue> {
        let request = self
            .request(Method::POST, &[])
            .json(queue)?
            .validated(queue.validate())
            .sensitive(true);
        self.project.client().send(request).await?.json().await
    }

    /// Reads one queue.
    #[doc(alias = "get_queue")]
    pub async fn get(&self, queue: &str) -> Result<Queue> {
        let request = self.queue_request(Method::GET, queue, &[])?.sensitive(true);
        self.project.client().send(request).await?.json().await
    }

    /// Changes a queue (its display name) with a JSON merge patch. Retried
    /// like a read: the same patch applied twice has the same effect.
    #[doc(alias = "update_queue")]
    pub async fn update(&self, queue: &str, patch: &UpdateQueue) -> Result<Queue> {
        let request = self.queue_request(Method::PATCH, queue, &[])?;
        let request = request
            .json_with_content_type(patch, MERGE_PATCH)?
            .validated(patch.validate())
            .retryable(true)
            .sensitive(true);
        self.project.client().send(request).await?.json().await
    }

    /// Deletes a queue and the jobs in it. Retried: deleting twice leaves the
    /// queue deleted (a retry after a lost answer may report 404).
    #[doc(alias = "delete_queue")]
    pub async fn delete(&self, queue: &str) -> Result<()> {
        let request = self
            .queue_request(Method::DELETE, queue, &[])?
            .retryable(true);
        self.project.client().send(request).await?;
        Ok(())
    }

    /// Reads one page of the jobs of a queue.
    #[doc(alias = "list_queue_jobs")]
    pub async fn list_jobs(&self, queue: &str, page: PageOptions) -> Result<QueueJobList> {
        let request = page.apply(self.queue_request(Method::GET, queue, &["jobs"])?)?;
        self.project.client().send(request).await?.json().await
    }

    /// Every job of a queue, read `page_size` (1 to 100) at a time as the
    /// stream is consumed. A bad name or size is the stream's first item.
    pub fn jobs_stream(&self, queue: &str, page_size: i32) -> Paginated<QueueJob> {
        let queues = self.clone();
        let queue: String = queue.to_owned();
        paginate(page_size, move |page| {
            let queues = queues.clone();
            let queue = queue.clone();
            async move {
                let list = queues.list_jobs(&queue, page).await?;
                Ok(Page {
                    items: list.items,
                    total_size: None,
                })
            }
        })
    }

    /// Puts a job in a queue. Resent only after a 429 or a connection that
    /// could not be made: a resend after a lost answer would queue the job twice.
    #[doc(alias = "create_queue_job")]
    pub async fn create_job(&self, queue: &str, job: &CreateQueueJob) -> Result<QueueJob> {
        let request = self.queue_request(Method::POST, queue, &["jobs"])?;
        let request = request
            .json(job)?
            .validated(crate::jobs::check_queue_job(job))
            .sensitive(true);
        self.project.client().send(request).await?.json().await
    }

    /// Puts a job whose input is `input` (any serializable value) in a queue:
    /// a shorthand for [`Queues::create_job`] with [`CreateQueueJob::new`].
    ///
    /// ```no_run
    /// # async fn run(queues: salad_api::Queues) -> salad_api::Result<()> {
    /// #[derive(serde::Serialize)]
    /// struct Tile { x: f64, y: f64, zoom: u32 }
    /// let job = queues.submit("render-jobs", &Tile { x: -0.75, y: 0.1, zoom: 2000 }).await?;
    /// println!("queued {}", job.id);
    /// # Ok(()) }
    /// ```
    pub async fn submit(&self, queue: &str, input: &impl Serialize) -> Result<QueueJob> {
        self.create_job(queue, &CreateQueueJob::new(input)?).await
    }

    /// Reads one job of a queue; `job_id` is anything that prints as its UUID.
    #[doc(alias = "get_queue_job")]
    pub async fn get_job(&self, queue: &str, job_id: impl fmt::Display) -> Result<QueueJob> {
        let request = self
            .job_request(Method::GET, queue, job_id)?
            .sensitive(true);
        self.project.client().send(request).await?.json().await
    }

    /// Cancels a job of a queue. Retried: cancelling twice leaves the job cancelled.
    #[doc(alias = "delete_queue_job")]
    pub async fn delete_job(&self, queue: &str, job_id: impl fmt::Display) -> Result<()> {
        let request = self
            .job_request(Method::DELETE, queue, job_id)?
            .retryable(true);
        self.project.client().send(request).await?;
        Ok(())
    }

    /// Polls a job until it is over (`succeeded`, `failed` or `cancelled`) and
    /// returns it as last read; check its `status` before reading its output.
    /// Gives up with [`WaitError::JobTimeout`] at the deadline of `options`;
    /// transient read errors do not end the wait, others do.
    /// [`WaitOptions::fail_on`] concerns container groups and is ignored here.
    ///
    /// ```no_run
    /// # async fn run(queues: salad_api::Queues, id: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use salad_api::{models::JobStatus, WaitOptions};
    /// let job = queues
    ///     .wait_for_job("render-jobs", id, WaitOptions::new().timeout(Duration::from_secs(300)))
    ///     .await?;
    /// if job.status == JobStatus::Succeeded {
    ///     let output: serde_json::Value = job.output_as()?;
    ///     println!("{output}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_job(
        &self,
        queue: &str,
        job_id: impl fmt::Display,
        options: WaitOptions,
    ) -> Result<QueueJob, WaitError> {
        let id = job_id.to_string();
        // Bad names fail here, once, rather than on every poll.
        self.job_request(Method::GET, queue, &id)?;
        wait_for_job(&id, options, || self.get_job(queue, &id), |job| &job.status).await
    }
}
