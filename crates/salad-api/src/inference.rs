//! Inference endpoints: ready-made models SaladCloud runs, and the jobs given
//! to them.

use std::fmt;

use api_client_transport::http::Method;
use api_client_transport::{Request, Result};
use serde::Serialize;

use crate::models::{
    CreateInferenceEndpointJob, InferenceEndpoint, InferenceEndpointJob, InferenceEndpointJobList,
    InferenceEndpointList,
};
use crate::names::{check_id, check_name};
use crate::organization::Organization;
use crate::paging::{paginate, Page, PageOptions, Paginated};
use crate::wait::{wait_for_job, WaitError, WaitOptions};

impl Organization {
    /// The inference endpoints this organization can use.
    pub fn inference_endpoints(&self) -> InferenceEndpoints {
        InferenceEndpoints { org: self.clone() }
    }
}

/// The inference endpoints of an organization: list and read them, and
/// submit, read, list, cancel and wait for their jobs.
#[derive(Debug, Clone)]
pub struct InferenceEndpoints {
    org: Organization,
}

impl InferenceEndpoints {
    /// The organization these endpoints belong to.
    pub fn organization(&self) -> &Organization {
        &self.org
    }

    fn endpoint_request(&self, method: Method, endpoint: &str, rest: &[&str]) -> Result<Request> {
        check_name("inference_endpoint_name", endpoint)?;
        let mut segments = vec!["inference-endpoints", endpoint];
        segments.extend_from_slice(rest);
        Ok(self.org.request(method, &segments))
    }

    fn job_request(
        &self,
        method: Method,
        endpoint: &str,
        job_id: impl fmt::Display,
    ) -> Result<Request> {
        check_name("inference_endpoint_name", endpoint)?;
        let id = check_id("inference_endpoint_job_id", job_id)?;
        Ok(self
            .org
            .request(method, &["inference-endpoints", endpoint, "jobs", &id]))
    }

    /// Reads one page of the inference endpoints.
    #[doc(alias = "list_inference_endpoints")]
    pub async fn list(&self, page: PageOptions) -> Result<InferenceEndpointList> {
        let request = page.apply(self.org.request(Method::GET, &["inference-endpoints"]))?;
        self.org.client().send(request).await?.json().await
    }

    /// Every inference endpoint, read `page_size` (1 to 100) at a time as the
    /// stream is consumed; the server's total decides when to stop.
    pub fn stream(&self, page_size: i32) -> Paginated<InferenceEndpoint> {
        let this = self.clone();
        paginate(page_size, move |page| {
            let this = this.clone();
            async move {
                let list = this.list(page).await?;
                Ok(Page {
                    items: list.items,
                    total_size: Some(list.total_size),
                })
            }
        })
    }

    /// Reads one inference endpoint, with the JSON schemas of its input and output.
    #[doc(alias = "get_inference_endpoint")]
    pub async fn get(&self, endpoint: &str) -> Result<InferenceEndpoint> {
        let request = self.endpoint_request(Method::GET, endpoint, &[])?;
        self.org.client().send(request).await?.json().await
    }

    /// Reads one page of the jobs of an endpoint.
    #[doc(alias = "list_inference_endpoint_jobs")]
    pub async fn list_jobs(
        &self,
        endpoint: &str,
        page: PageOptions,
    ) -> Result<InferenceEndpointJobList> {
        let request = page.apply(self.endpoint_request(Method::GET, endpoint, &["jobs"])?)?;
        self.org
            .client()
            .send(request.sensitive(true))
            .await?
            .json()
            .await
    }

    /// Every job of an endpoint, read `page_size` (1 to 100) at a time as the
    /// stream is consumed.
    pub fn jobs_stream(&self, endpoint: &str, page_size: i32) -> Paginated<InferenceEndpointJob> {
        let this = self.clone();
        let endpoint = endpoint.to_owned();
        paginate(page_size, move |page| {
            let this = this.clone();
            let endpoint = endpoint.clone();
            async move {
                let list = this.list_jobs(&endpoint, page).await?;
                Ok(Page {
                    items: list.items,
                    total_size: Some(list.total_size),
                })
            }
        })
    }

    /// Gives a job to an endpoint. Resent only after a 429 or a connection
    /// that could not be made: a resend after a lost answer would submit it twice.
    #[doc(alias = "create_inference_endpoint_job")]
    pub async fn create_job(
        &self,
        endpoint: &str,
        job: &CreateInferenceEndpointJob,
    ) -> Result<InferenceEndpointJob> {
        let request = self.endpoint_request(Method::POST, endpoint, &["jobs"])?;
        let request = request
            .json(job)?
            .validated(crate::jobs::check_inference_job(job))
            .sensitive(true);
        self.org.client().send(request).await?.json().await
    }

    /// Gives a job whose input is `input` (any serializable value) to an
    /// endpoint: [`InferenceEndpoints::create_job`] with
    /// [`CreateInferenceEndpointJob::new`].
    pub async fn submit(
        &self,
        endpoint: &str,
        input: &impl Serialize,
    ) -> Result<InferenceEndpointJob> {
        self.create_job(endpoint, &CreateInferenceEndpointJob::new(input)?)
            .await
    }

    /// Reads one job of an endpoint; `job_id` is anything that prints as its UUID.
    #[doc(alias = "get_inference_endpoint_job")]
    pub async fn get_job(
        &self,
        endpoint: &str,
        job_id: impl fmt::Display,
    ) -> Result<InferenceEndpointJob> {
        let request = self.job_request(Method::GET, endpoint, job_id)?;
        self.org
            .client()
            .send(request.sensitive(true))
            .await?
            .json()
            .await
    }

    /// Cancels a job of an endpoint. Retried: cancelling twice leaves the job cancelled.
    #[doc(alias = "delete_inference_endpoint_job")]
    pub async fn delete_job(&self, endpoint: &str, job_id: impl fmt::Display) -> Result<()> {
        let request = self
            .job_request(Method::DELETE, endpoint, job_id)?
            .retryable(true);
        self.org.client().send(request).await?;
        Ok(())
    }

    /// Polls a job until it is over and returns it as last read, exactly as
    /// [`Queues::wait_for_job`](crate::Queues::wait_for_job) does for queue jobs.
    pub async fn wait_for_job(
        &self,
        endpoint: &str,
        job_id: impl fmt::Display,
        options: WaitOptions,
    ) -> Result<InferenceEndpointJob, WaitError> {
        let id = job_id.to_string();
        self.job_request(Method::GET, endpoint, &id)?;
        wait_for_job(
            &id,
            options,
            || self.get_job(endpoint, &id),
            |job| &job.status,
        )
        .await
    }
}
