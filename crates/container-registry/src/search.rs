//! Typed construction and checking of container searches.

use std::fmt::Display;

use api_client_transport::{Error, Result};

use crate::models::{
    ContainerType, DateRange, FilterOperator, SearchContainerReq, SearchFilter, SortDirection,
    SortOption, StatusType,
};

impl SearchFilter {
    /// A filter with one operand, for every operator but the list, range and
    /// null tests: `SearchFilter::new("name", FilterOperator::Like, "rca")`.
    pub fn new(field: impl Into<String>, operator: FilterOperator, value: impl Display) -> Self {
        SearchFilter {
            field: field.into(),
            operator,
            value: Some(value.to_string()),
            values: None,
        }
    }

    /// A filter with several operands, for `in`, `nin` and `dbetween`.
    pub fn with_values<I, V>(field: impl Into<String>, operator: FilterOperator, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Display,
    {
        SearchFilter {
            field: field.into(),
            operator,
            value: None,
            values: Some(values.into_iter().map(|v| v.to_string()).collect()),
        }
    }

    /// `field == value`.
    pub fn eq(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::Equal, value)
    }

    /// `field != value`.
    pub fn ne(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::NotEqual, value)
    }

    /// `field > value`.
    pub fn gt(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::Greater, value)
    }

    /// `field >= value`.
    pub fn gte(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::GreaterEq, value)
    }

    /// `field < value`.
    pub fn lt(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::Less, value)
    }

    /// `field <= value`.
    pub fn lte(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::LessEq, value)
    }

    /// `field` contains `value`.
    pub fn like(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::Like, value)
    }

    /// `field` does not contain `value`.
    pub fn not_like(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::NotLike, value)
    }

    /// `field` starts with `value`.
    pub fn starts_with(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::StartsWith, value)
    }

    /// `field` ends with `value`.
    pub fn ends_with(field: impl Into<String>, value: impl Display) -> Self {
        Self::new(field, FilterOperator::EndsWith, value)
    }

    /// `field` is one of `values`.
    pub fn is_in<I: IntoIterator<Item = V>, V: Display>(
        field: impl Into<String>,
        values: I,
    ) -> Self {
        Self::with_values(field, FilterOperator::In, values)
    }

    /// `field` is none of `values`.
    pub fn not_in<I: IntoIterator<Item = V>, V: Display>(
        field: impl Into<String>,
        values: I,
    ) -> Self {
        Self::with_values(field, FilterOperator::NotIn, values)
    }

    /// `field` is null.
    pub fn is_null(field: impl Into<String>) -> Self {
        Self::unary(field, FilterOperator::IsNull)
    }

    /// `field` is not null.
    pub fn is_not_null(field: impl Into<String>) -> Self {
        Self::unary(field, FilterOperator::IsNotNull)
    }

    /// The date of `field` is `date` (`YYYY-MM-DD`).
    pub fn date_eq(field: impl Into<String>, date: impl Display) -> Self {
        Self::new(field, FilterOperator::DateEqual, date)
    }

    /// The date of `field` is after `date`.
    pub fn date_after(field: impl Into<String>, date: impl Display) -> Self {
        Self::new(field, FilterOperator::DateAfter, date)
    }

    /// The date of `field` is before `date`.
    pub fn date_before(field: impl Into<String>, date: impl Display) -> Self {
        Self::new(field, FilterOperator::DateBefore, date)
    }

    /// The date of `field` is between `from` and `to`, both included.
    pub fn date_between(field: impl Into<String>, from: impl Display, to: impl Display) -> Self {
        Self::with_values(
            field,
            FilterOperator::DateBetween,
            [from.to_string(), to.to_string()],
        )
    }

    fn unary(field: impl Into<String>, operator: FilterOperator) -> Self {
        SearchFilter {
            field: field.into(),
            operator,
            value: None,
            values: None,
        }
    }
}

impl SortOption {
    /// Ascending by `field`.
    pub fn asc(field: impl Into<String>) -> Self {
        SortOption {
            field: field.into(),
            direction: SortDirection::Asc,
        }
    }

    /// Descending by `field`.
    pub fn desc(field: impl Into<String>) -> Self {
        SortOption {
            field: field.into(),
            direction: SortDirection::Desc,
        }
    }
}

impl DateRange {
    /// From `from` to `to`, both included (`YYYY-MM-DD` or RFC 3339).
    pub fn between(from: impl Into<String>, to: impl Into<String>) -> Self {
        DateRange {
            from: Some(from.into()),
            to: Some(to.into()),
        }
    }

    /// From `from` on.
    pub fn since(from: impl Into<String>) -> Self {
        DateRange {
            from: Some(from.into()),
            to: None,
        }
    }

    /// Up to `to`.
    pub fn until(to: impl Into<String>) -> Self {
        DateRange {
            from: None,
            to: Some(to.into()),
        }
    }
}

/// Chainable setters, so a search reads as one expression:
///
/// ```
/// use container_registry_client::models::{ContainerType, DateRange, SearchContainerReq, SearchFilter, SortOption};
///
/// let search = SearchContainerReq::new()
///     .keyword("rca")
///     .container_type(ContainerType::Algorithm)
///     .filter(SearchFilter::is_in("status", [0, 1]))
///     .sort(SortOption::desc("created_at"))
///     .created(DateRange::between("2025-01-01", "2025-03-31"))
///     .size(50);
/// assert_eq!(search.r#type.as_deref(), Some("algorithm"));
/// ```
impl SearchContainerReq {
    /// Free text matched against the searchable fields.
    pub fn keyword(mut self, keyword: impl Into<String>) -> Self {
        self.keyword = Some(keyword.into());
        self
    }

    /// Containers whose name contains `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Containers whose image contains `image`.
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.image = Some(image.into());
        self
    }

    /// Containers with exactly this tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }

    /// Containers whose command contains `command`.
    pub fn command(mut self, command: impl Into<String>) -> Self {
        self.command = Some(command.into());
        self
    }

    /// Containers of this kind, sent by the name the server answers with
    /// (`algorithm`, `benchmark`, `pedestal`). A kind this client does not
    /// know is sent as it was read (a name, or the integer as text); set
    /// `r#type` directly to send any other string.
    pub fn container_type(mut self, container_type: ContainerType) -> Self {
        self.r#type = Some(match container_type {
            ContainerType::Algorithm => "algorithm".to_string(),
            ContainerType::Benchmark => "benchmark".to_string(),
            ContainerType::Pedestal => "pedestal".to_string(),
            // Sent as it was read: the integer as text, or the name.
            ContainerType::Unknown(value) => {
                api_client_transport::__private::unknown_text(&value).to_string()
            }
        });
        self
    }

    /// Containers in this state, sent as its integer. The API's field takes any
    /// integer: `status(StatusType::from(9))` is sent as `9`.
    pub fn status(mut self, status: impl Into<StatusType>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Adds a condition; all conditions must hold.
    pub fn filter(mut self, filter: SearchFilter) -> Self {
        self.filters.get_or_insert_with(Vec::new).push(filter);
        self
    }

    /// Adds a sort key, after the ones already given.
    pub fn sort(mut self, sort: SortOption) -> Self {
        self.sort.get_or_insert_with(Vec::new).push(sort);
        self
    }

    /// Only containers created within `range`.
    pub fn created(mut self, range: DateRange) -> Self {
        self.created_at = Some(range);
        self
    }

    /// Only containers changed within `range`.
    pub fn updated(mut self, range: DateRange) -> Self {
        self.updated_at = Some(range);
        self
    }

    /// Only containers of this project.
    pub fn project_id(mut self, project_id: i64) -> Self {
        self.project_id = Some(project_id);
        self
    }

    /// Sets the 1-based page number (for the stream: the first page to fetch).
    pub fn page(mut self, page: i64) -> Self {
        self.page = Some(page);
        self
    }

    /// Sets the page size (1 to 1000).
    pub fn size(mut self, size: i64) -> Self {
        self.size = Some(size);
        self
    }

    /// The schema's own checks (bounds, known operators and directions), and
    /// that `status` is an integer, as the API's field is.
    ///
    /// Nothing more: the API accepts any operand with any operator (`eq` with
    /// no value, `null` with one, `dbetween` with three dates), any text as a
    /// date, an empty date range and any integer as a status. What it makes of
    /// them is the server's to say.
    pub(crate) fn check(&self) -> Result<()> {
        api_client_transport::Validate::validate(self)?;
        if let Some(s) = &self.status {
            if s.as_i64().is_none() {
                return Err(Error::invalid(
                    "status",
                    "must be an integer (a state name this version does not know cannot be sent as one)",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: Error) -> String {
        match err {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    /// Inputs the API's schema accepts are accepted here too (issue 23 item 11).
    #[test]
    fn what_the_spec_accepts_is_accepted() {
        let filters = [
            SearchFilter::unary("name", FilterOperator::Equal),
            SearchFilter::new("status", FilterOperator::In, "1"),
            SearchFilter::new("readme", FilterOperator::IsNull, "x"),
            SearchFilter::date_after("created_at", "yesterday"),
            SearchFilter::with_values(
                "created_at",
                FilterOperator::DateBetween,
                ["2025-01-01", "2025-02-01", "2025-03-01"],
            ),
            SearchFilter::with_values("id", FilterOperator::In, Vec::<String>::new()),
            SearchFilter::date_between("created_at", "2025-01-01", "soon"),
        ];
        for f in filters {
            SearchContainerReq::new()
                .filter(f.clone())
                .check()
                .unwrap_or_else(|e| panic!("{f:?}: {e}"));
        }
        SearchContainerReq::new()
            .created(DateRange::default())
            .updated(DateRange::since("2025/01/01"))
            .status(StatusType::from(9))
            .check()
            .unwrap();
        let sent = serde_json::to_value(SearchContainerReq::new().status(9)).unwrap();
        assert_eq!(sent["status"], 9);
    }

    #[test]
    fn what_the_spec_refuses_is_refused() {
        // An operator or direction this version does not know, named with the known ones.
        let err = SearchContainerReq::new()
            .filter(SearchFilter::new("x", FilterOperator::from("regex"), ".*"))
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("known values: eq, ne"), "{err}");
        assert_eq!(field_of(err), "filters[0].operator");
        let mut sort = SortOption::asc("name");
        sort.direction = SortDirection::from("sideways");
        let err = SearchContainerReq::new().sort(sort).check().unwrap_err();
        assert!(err.to_string().contains("asc, desc"), "{err}");
        assert_eq!(field_of(err), "sort[0].direction");
        // The schema's bounds.
        let err = SearchContainerReq::new().page(0).check().unwrap_err();
        assert_eq!(field_of(err), "page");
        let err = SearchContainerReq::new().size(1001).check().unwrap_err();
        assert_eq!(field_of(err), "size");
        // The API's status is an integer: a name it cannot be is refused.
        let err = SearchContainerReq::new()
            .status(StatusType::from("archived"))
            .check()
            .unwrap_err();
        assert_eq!(field_of(err), "status");
        SearchContainerReq::new()
            .created(DateRange::until("2025-03-31"))
            .page(1)
            .size(1000)
            .check()
            .unwrap();
    }
}
