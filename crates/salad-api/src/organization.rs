//! The organization handle and what belongs to an organization as a whole:
//! GPU classes, quotas and the capacity available now.

use std::sync::Arc;

use api_client_transport::http::Method;
use api_client_transport::{Error, Request, Result, Validate};

use crate::client::Client;
use crate::models::{
    CpuAvailability, CpuAvailabilityRequest, GpuAvailability, GpuAvailabilityRequest, GpuClass,
    GpuClassList, Quotas,
};
use crate::names::check_name;

impl Client {
    /// A handle on one organization, for what is not part of a project: GPU
    /// classes, quotas, capacity, inference endpoints, the webhook key and
    /// logs. The name is checked here, as [`Client::project`] checks its names.
    ///
    /// ```
    /// let client = salad_api::Client::new("key").unwrap();
    /// assert!(client.organization("acme-corp").is_ok());
    /// assert!(client.organization("-acme").is_err());
    /// ```
    pub fn organization(&self, organization_name: &str) -> Result<Organization> {
        check_name("organization_name", organization_name)?;
        Ok(Organization {
            client: self.clone(),
            name: organization_name.into(),
        })
    }
}

/// One organization of a [`Client`], its name checked once.
#[derive(Debug, Clone)]
pub struct Organization {
    client: Client,
    name: Arc<str>,
}

impl Organization {
    /// The organization name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client this handle sends through.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A request to `/organizations/{name}/...`.
    pub(crate) fn request(&self, method: Method, rest: &[&str]) -> Request {
        let base = ["organizations", &self.name];
        Request::new(method, base.iter().copied().chain(rest.iter().copied()))
    }

    /// Lists the GPU classes the organization can put in a group's
    /// `gpu_classes`, with their limits and hourly prices.
    pub async fn list_gpu_classes(&self) -> Result<GpuClassList> {
        let request = self.request(Method::GET, &["gpu-classes"]);
        self.client.send(request).await?.json().await
    }

    /// The GPU classes whose names are among `names`, in the order of `names`;
    /// a name matches its class ignoring ASCII case and surrounding spaces. A
    /// name no class has is an [`Error::InvalidInput`] for `gpu_classes` that
    /// lists the names there are, so a typo cannot silently leave a group
    /// without a GPU.
    ///
    /// ```no_run
    /// # async fn run(org: salad_api::Organization) -> salad_api::Result<()> {
    /// let classes = org.gpu_classes_by_name(&["RTX 4090 (24 GB)", "RTX 3090 (24 GB)"]).await?;
    /// let ids: Vec<_> = classes.iter().map(|c| c.id.clone()).collect();
    /// # let _ = ids;
    /// # Ok(()) }
    /// ```
    pub async fn gpu_classes_by_name(&self, names: &[&str]) -> Result<Vec<GpuClass>> {
        let list = self.list_gpu_classes().await?;
        pick_gpu_classes(list.items, names)
    }

    /// Reads the limits of the organization and how much of them is in use.
    #[doc(alias = "get_quotas")]
    pub async fn quotas(&self) -> Result<Quotas> {
        let request = self.request(Method::GET, &["quotas"]);
        self.client.send(request).await?.json().await
    }

    /// Counts the CPU-only nodes that could take a workload of the shape of
    /// `request` now. A question, so retried like a read although it is a POST.
    #[doc(alias = "get_cpu_availability")]
    pub async fn cpu_availability(
        &self,
        request: &CpuAvailabilityRequest,
    ) -> Result<CpuAvailability> {
        let request = self
            .request(Method::POST, &["availability", "sce-cpu-availability"])
            .json(request)?
            .validated(request.validate())
            .retryable(true);
        self.client.send(request).await?.json().await
    }

    /// Counts the GPU nodes that could take a workload of the shape of
    /// `request` now, per priority. Retried like a read.
    #[doc(alias = "get_gpu_availability")]
    pub async fn gpu_availability(
        &self,
        request: &GpuAvailabilityRequest,
    ) -> Result<GpuAvailability> {
        let request = self
            .request(Method::POST, &["availability", "sce-gpu-availability"])
            .json(request)?
            .validated(request.validate())
            .retryable(true);
        self.client.send(request).await?.json().await
    }
}

/// The classes named by `names`, in that order (see
/// [`Organization::gpu_classes_by_name`]).
pub(crate) fn pick_gpu_classes(classes: Vec<GpuClass>, names: &[&str]) -> Result<Vec<GpuClass>> {
    let mut picked = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let wanted = name.trim();
        match classes
            .iter()
            .find(|c| c.name.trim().eq_ignore_ascii_case(wanted))
        {
            Some(class) => picked.push(class.clone()),
            None => {
                let known: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();
                return Err(Error::invalid(
                    format!("gpu_classes[{i}]"),
                    format!("no GPU class is named {wanted:?}; the organization has {known:?}"),
                ));
            }
        }
    }
    Ok(picked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(name: &str, id: &str) -> GpuClass {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "prices": [{"priority": "high", "price": "0.3"}]
        }))
        .unwrap()
    }

    #[test]
    fn classes_are_picked_by_name_in_the_asked_order() {
        let classes = vec![
            class("RTX 4090 (24 GB)", "ed563892-aacd-40f5-80b7-90c9be6c759b"),
            class("RTX 3060 (12 GB)", "a5db5c50-cbcb-4596-ae80-6a0c8090d80f"),
        ];
        let got =
            pick_gpu_classes(classes.clone(), &[" rtx 3060 (12 gb)", "RTX 4090 (24 GB)"]).unwrap();
        let names: Vec<_> = got.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["RTX 3060 (12 GB)", "RTX 4090 (24 GB)"]);

        let err = pick_gpu_classes(classes, &["RTX 4090 (24 GB)", "H100"]).unwrap_err();
        match err {
            Error::InvalidInput { field, reason } => {
                assert_eq!(field, "gpu_classes[1]");
                assert!(
                    reason.contains("H100") && reason.contains("RTX 3060 (12 GB)"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
