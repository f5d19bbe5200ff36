//! The log-entries query: container log lines of a time range.

use api_client_transport::http::Method;
use api_client_transport::{Result, Validate};
use time::OffsetDateTime;

use crate::models::{LogEntryList, LogEntryQuery, LogEntrySortOrder};
use crate::organization::Organization;

impl LogEntryQuery {
    /// A query for the lines between `start_time` and `end_time` that match
    /// `query` (empty: every line), in the server's default order and page size.
    ///
    /// ```
    /// use salad_api::models::{LogEntryQuery, LogEntrySortOrder};
    /// use salad_api::time::{Duration, OffsetDateTime};
    /// let end = OffsetDateTime::now_utc();
    /// let query = LogEntryQuery::new(
    ///     end - Duration::hours(1),
    ///     end,
    ///     r#"container_group_name = "mandelbrot""#,
    /// )
    /// .sort(LogEntrySortOrder::Asc)
    /// .limit(100);
    /// assert_eq!(query.page_size, Some(100));
    /// ```
    pub fn new(
        start_time: OffsetDateTime,
        end_time: OffsetDateTime,
        query: impl Into<String>,
    ) -> Self {
        LogEntryQuery {
            start_time,
            end_time,
            query: query.into(),
            sort_order: None,
            page_size: None,
        }
    }

    /// Oldest or newest lines first (the server's default: newest).
    pub fn sort(mut self, order: LogEntrySortOrder) -> Self {
        self.sort_order = Some(order);
        self
    }

    /// The most lines to return, 1 to 100.
    pub fn limit(mut self, page_size: i32) -> Self {
        self.page_size = Some(page_size);
        self
    }
}

impl Organization {
    /// Reads the container log lines that `query` selects. Retried like a
    /// read: a query changes nothing, although it is sent as a POST.
    /// Answers are kept out of error messages, since log lines may hold
    /// anything a container printed.
    pub async fn query_log_entries(&self, query: &LogEntryQuery) -> Result<LogEntryList> {
        let request = self
            .request(Method::POST, &["log-entries"])
            .json(query)?
            .validated(query.validate())
            .retryable(true)
            .sensitive(true);
        self.client().send(request).await?.json().await
    }
}
