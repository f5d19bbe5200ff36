//! The container-group operations of a project.

use api_client_transport::http::Method;
use api_client_transport::{Request, Result, Validate};

use crate::client::Project;
use crate::models::{
    ContainerGroup, ContainerGroupInstance, ContainerGroupInstanceList, ContainerGroupList,
    CreateContainerGroup, SystemLogList, UpdateContainerGroup, UpdateContainerGroupInstance,
};
use crate::names::{check_instance_id, check_name};

/// Content type of the update bodies (RFC 7396).
pub(crate) const MERGE_PATCH: &str = "application/merge-patch+json";

/// The container groups of one project: create, read, change, start, stop and
/// delete them, and manage their instances.
///
/// Every method checks its names, ids and body before sending anything; a
/// rule that does not hold is an [`Error::InvalidInput`](crate::Error::InvalidInput)
/// naming the field and the rule, and the server sees nothing.
#[derive(Debug, Clone)]
pub struct ContainerGroups {
    project: Project,
}

impl ContainerGroups {
    pub(crate) fn new(project: Project) -> Self {
        ContainerGroups { project }
    }

    /// The project these groups belong to.
    pub fn project(&self) -> &Project {
        &self.project
    }

    fn group_request(&self, method: Method, name: &str, rest: &[&str]) -> Result<Request> {
        check_name("container_group_name", name)?;
        let mut segments = vec![name];
        segments.extend_from_slice(rest);
        Ok(self.project.request(method, &segments))
    }

    fn instance_request(
        &self,
        method: Method,
        name: &str,
        id: &str,
        rest: &[&str],
    ) -> Result<Request> {
        check_name("container_group_name", name)?;
        check_instance_id(id)?;
        let mut segments = vec![name, "instances", id];
        segments.extend_from_slice(rest);
        Ok(self.project.request(method, &segments))
    }

    /// Lists the container groups of the project.
    #[doc(alias = "list_container_groups")]
    pub async fn list(&self) -> Result<ContainerGroupList> {
        let request = self.project.request(Method::GET, &[]);
        self.project
            .client()
            .send(request.sensitive(true))
            .await?
            .json()
            .await
    }

    /// Creates a container group and returns it as the server stored it.
    ///
    /// Not retried on errors that leave the outcome unknown (a timeout, a
    /// 502): the group may exist already. Resent only after a 429 or a
    /// connection that could not be made.
    #[doc(alias = "create_container_group")]
    pub async fn create(&self, group: &CreateContainerGroup) -> Result<ContainerGroup> {
        // A POST: api-client-transport resends it only after a 429 or a failed connect.
        let request = self
            .project
            .request(Method::POST, &[])
            .json(group)?
            .validated(group.validate());
        self.project
            .client()
            .send(request.sensitive(true))
            .await?
            .json()
            .await
    }

    /// Reads one container group.
    #[doc(alias = "get_container_group")]
    pub async fn get(&self, name: &str) -> Result<ContainerGroup> {
        let request = self.group_request(Method::GET, name, &[])?;
        self.project
            .client()
            .send(request.sensitive(true))
            .await?
            .json()
            .await
    }

    /// Changes a container group with a JSON merge patch and returns the
    /// result. Each field of `patch` is left out, set, or set to `null`.
    ///
    /// Retried like a read: the same patch applied twice has the same effect.
    #[doc(alias = "update_container_group")]
    pub async fn update(&self, name: &str, patch: &UpdateContainerGroup) -> Result<ContainerGroup> {
        let request = self.group_request(Method::PATCH, name, &[])?;
        self.send_merge_patch(request.validated(patch.validate()), patch)
            .await
    }

    /// Deletes a container group (and stops its instances).
    ///
    /// Retried like a read; if a lost answer hid a deletion that took place,
    /// the retry answers 404.
    #[doc(alias = "delete_container_group")]
    pub async fn delete(&self, name: &str) -> Result<()> {
        let request = self.group_request(Method::DELETE, name, &[])?;
        self.project.client().send(request).await?;
        Ok(())
    }

    /// Starts a container group. Retried: starting twice is starting once.
    #[doc(alias = "start_container_group")]
    pub async fn start(&self, name: &str) -> Result<()> {
        let request = self
            .group_request(Method::POST, name, &["start"])?
            .retryable(true);
        self.project.client().send(request).await?;
        Ok(())
    }

    /// Stops a container group. Retried: stopping twice is stopping once.
    #[doc(alias = "stop_container_group")]
    pub async fn stop(&self, name: &str) -> Result<()> {
        let request = self
            .group_request(Method::POST, name, &["stop"])?
            .retryable(true);
        self.project.client().send(request).await?;
        Ok(())
    }

    /// Reads the recent platform events of a group (allocations, image pulls,
    /// exits), newest first.
    #[doc(alias = "get_system_logs")]
    pub async fn system_logs(&self, name: &str) -> Result<SystemLogList> {
        let request = self.group_request(Method::GET, name, &["system-logs"])?;
        self.project
            .client()
            .send(request.sensitive(true))
            .await?
            .json()
            .await
    }

    /// Lists the instances (replicas placed on nodes) of a group.
    #[doc(alias = "list_container_group_instances")]
    pub async fn list_instances(&self, name: &str) -> Result<ContainerGroupInstanceList> {
        let request = self.group_request(Method::GET, name, &["instances"])?;
        self.project
            .client()
            .send(request.sensitive(true))
            .await?
            .json()
            .await
    }

    /// Reads one instance of a group; `instance_id` is a UUID.
    #[doc(alias = "get_container_group_instance")]
    pub async fn get_instance(
        &self,
        name: &str,
        instance_id: &str,
    ) -> Result<ContainerGroupInstance> {
        let request = self.instance_request(Method::GET, name, instance_id, &[])?;
        self.project
            .client()
            .send(request.sensitive(true))
            .await?
            .json()
            .await
    }

    /// Changes one instance (its deletion cost) with a JSON merge patch.
    /// Retried like a read.
    #[doc(alias = "update_container_group_instance")]
    pub async fn update_instance(
        &self,
        name: &str,
        instance_id: &str,
        patch: &UpdateContainerGroupInstance,
    ) -> Result<ContainerGroupInstance> {
        let request = self.instance_request(Method::PATCH, name, instance_id, &[])?;
        self.send_merge_patch(request.validated(patch.validate()), patch)
            .await
    }

    /// Moves an instance to another node, which downloads the image again.
    /// Resent only after a 429: a second move would disrupt the workload again.
    #[doc(alias = "reallocate_container_group_instance")]
    pub async fn reallocate_instance(&self, name: &str, instance_id: &str) -> Result<()> {
        self.instance_action(name, instance_id, "reallocate").await
    }

    /// Replaces an instance's container on the same node, keeping the
    /// downloaded image. Resent only after a 429.
    #[doc(alias = "recreate_container_group_instance")]
    pub async fn recreate_instance(&self, name: &str, instance_id: &str) -> Result<()> {
        self.instance_action(name, instance_id, "recreate").await
    }

    /// Restarts an instance's container on the same node. Resent only after a 429.
    #[doc(alias = "restart_container_group_instance")]
    pub async fn restart_instance(&self, name: &str, instance_id: &str) -> Result<()> {
        self.instance_action(name, instance_id, "restart").await
    }

    /// Sends `patch` as a merge patch, retried like a read (applying it twice
    /// changes nothing more), and decodes the answer.
    async fn send_merge_patch<P: serde::Serialize, R: serde::de::DeserializeOwned>(
        &self,
        request: Request,
        patch: &P,
    ) -> Result<R> {
        let request = request
            .json_with_content_type(patch, MERGE_PATCH)?
            .retryable(true)
            .sensitive(true);
        self.project.client().send(request).await?.json().await
    }

    async fn instance_action(&self, name: &str, instance_id: &str, action: &str) -> Result<()> {
        // A POST: api-client-transport resends it only after a 429 or a failed connect.
        let request = self.instance_request(Method::POST, name, instance_id, &[action])?;
        self.project.client().send(request).await?;
        Ok(())
    }
}
