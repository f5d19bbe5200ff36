//! Query parameters of the list operations.

use serde::Serialize;

use crate::models::{ContainerType, StatusType};
use crate::PageSize;

/// Filters and paging of [`Client::list_containers`](crate::Client::list_containers).
///
/// Every field is optional; `Default` asks for the server's first page.
///
/// ```
/// use container_registry_client::{ListContainersParams, PageSize};
/// use container_registry_client::models::{ContainerType, StatusType};
///
/// let params = ListContainersParams::new()
///     .container_type(ContainerType::Algorithm)
///     .status(StatusType::Enabled)
///     .size(PageSize::Fifty);
/// assert_eq!(params.size, Some(PageSize::Fifty));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListContainersParams {
    /// 1-based page number (the server starts at 1 when it is left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Items per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<PageSize>,
    /// Only containers of this kind; sent as its integer.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub container_type: Option<ContainerType>,
    /// Only public (`true`) or only private (`false`) containers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    /// Only containers in this state; sent as its integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusType>,
}

impl ListContainersParams {
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
    pub fn size(mut self, size: PageSize) -> Self {
        self.size = Some(size);
        self
    }

    /// Only containers of this kind.
    pub fn container_type(mut self, container_type: ContainerType) -> Self {
        self.container_type = Some(container_type);
        self
    }

    /// Only public or only private containers.
    pub fn is_public(mut self, is_public: bool) -> Self {
        self.is_public = Some(is_public);
        self
    }

    /// Only containers in this state.
    pub fn status(mut self, status: StatusType) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn check(&self) -> api_client_transport::Result<()> {
        if let Some(t) = &self.container_type {
            api_client_transport::Validate::validate_at(t, "type")?;
        }
        if let Some(s) = &self.status {
            api_client_transport::Validate::validate_at(s, "status")?;
        }
        Ok(())
    }
}

/// Filters and paging of [`Client::list_container_versions`](crate::Client::list_container_versions).
///
/// Unlike the container list, the server takes any page size here.
///
/// ```
/// use container_registry_client::ListVersionsParams;
/// let params = ListVersionsParams::new().page(2).size(25);
/// assert_eq!(params.size, Some(25));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListVersionsParams {
    /// 1-based page number (the server starts at 1 when it is left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Items per page (the server's default is 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// Only versions in this state; sent as its integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusType>,
}

impl ListVersionsParams {
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

    /// Only versions in this state.
    pub fn status(mut self, status: StatusType) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn check(&self) -> api_client_transport::Result<()> {
        if let Some(s) = &self.status {
            api_client_transport::Validate::validate_at(s, "status")?;
        }
        Ok(())
    }
}
