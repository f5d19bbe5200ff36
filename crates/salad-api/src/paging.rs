//! Page parameters, and streams that walk every page of a list.

use std::future::Future;

use api_client_transport::{paging, validate, Request, Result};

/// Which page of a list to read, and how long a page is.
///
/// Both are optional: the server starts at page 1 and picks its own page size
/// (100 at most). Bounds are checked before sending: `page` from 1,
/// `page_size` from 1 to 100.
///
/// ```
/// let options = salad_api::PageOptions::new().page(2).page_size(50);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageOptions {
    /// The page to read, from 1.
    pub page: Option<i32>,
    /// The most items the page may hold, from 1 to 100.
    pub page_size: Option<i32>,
}

impl PageOptions {
    /// No page parameters: the server's first page and default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// The page to read, from 1.
    pub fn page(mut self, page: i32) -> Self {
        self.page = Some(page);
        self
    }

    /// The most items per page, from 1 to 100.
    pub fn page_size(mut self, page_size: i32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Checks the bounds and adds the parameters that are set to `request`.
    pub(crate) fn apply(&self, request: Request) -> Result<Request> {
        let mut request = request;
        if let Some(page) = self.page {
            validate::range_i64("page", page.into(), Some(1), Some(i32::MAX.into()))?;
            request = request.query_pair("page", page.to_string());
        }
        if let Some(size) = self.page_size {
            validate::range_i64("page_size", size.into(), Some(1), Some(100))?;
            request = request.query_pair("page_size", size.to_string());
        }
        Ok(request)
    }
}

/// One page as the stream sees it: its items and, when the server says so,
/// how many items all pages hold together.
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) total_size: Option<i32>,
}

/// A stream of the items of every page of a list: see
/// [`api_client_transport::paging::Paginated`].
///
/// ```no_run
/// # async fn run(queues: salad_api::Queues) -> salad_api::Result<()> {
/// use futures_util::TryStreamExt;
/// let mut jobs = queues.jobs_stream("render-jobs", 100);
/// while let Some(job) = jobs.try_next().await? {
///     println!("{} {:?}", job.id, job.status);
/// }
/// # Ok(()) }
/// ```
pub use api_client_transport::paging::Paginated;

/// Whether a page follows page `page` (of `size` items asked for).
///
/// A total from the server decides exactly; without one, only a full page can
/// have a successor. An empty page is always the last, so a server that keeps
/// answering with a total it never reaches cannot make the stream run forever.
fn has_more<T>(page: i32, size: i32, got: &Page<T>) -> bool {
    if got.items.is_empty() {
        return false;
    }
    match got.total_size {
        Some(total) => i64::from(page) * i64::from(size) < i64::from(total),
        None => got.items.len() >= size as usize,
    }
}

/// Streams the items of pages 1, 2, ... of `size` items each, reading page
/// `n` with `fetch(n)`.
pub(crate) fn paginate<T, F, Fut>(size: i32, mut fetch: F) -> Paginated<T>
where
    T: Send + 'static,
    F: FnMut(PageOptions) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    Paginated::new(1, move |n: u32| {
        // Page numbers start at 1 and stop at i32::MAX (`checked_add` below).
        let page = i32::try_from(n).unwrap_or(i32::MAX);
        let got = fetch(PageOptions::new().page(page).page_size(size));
        async move {
            let got = got.await?;
            let next = if has_more(page, size, &got) {
                page.checked_add(1).and_then(|p| u32::try_from(p).ok())
            } else {
                None
            };
            Ok(paging::Page::new(got.items, next))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize, total: Option<i32>) -> Page<u8> {
        Page {
            items: vec![0; n],
            total_size: total,
        }
    }

    #[test]
    fn the_total_decides_when_there_is_one() {
        assert!(has_more(1, 10, &page(10, Some(11))));
        assert!(!has_more(2, 10, &page(1, Some(11))));
        assert!(!has_more(1, 10, &page(10, Some(10))));
        // A short page that the total says is not the last: trust the total.
        assert!(has_more(1, 10, &page(7, Some(30))));
    }

    #[test]
    fn without_a_total_a_full_page_may_have_a_successor() {
        assert!(has_more(1, 10, &page(10, None)));
        assert!(!has_more(1, 10, &page(9, None)));
    }

    #[test]
    fn an_empty_page_is_the_last() {
        assert!(!has_more(1, 10, &page(0, Some(1000))));
        assert!(!has_more(3, 10, &page(0, None)));
    }

    #[test]
    fn page_bounds_are_checked() {
        let req = || Request::get(["x"]);
        let err = PageOptions::new().page(0).apply(req()).unwrap_err();
        assert!(err.to_string().contains("page"), "{err}");
        let err = PageOptions::new().page_size(101).apply(req()).unwrap_err();
        assert!(err.to_string().contains("page_size"), "{err}");
        let ok = PageOptions::new()
            .page(2)
            .page_size(100)
            .apply(req())
            .unwrap();
        assert_eq!(ok.query_string(), "page=2&page_size=100");
    }
}
