//! Turning page-at-a-time operations into streams of items.

use std::future::Future;

use api_client_transport::{paging, Result};

use crate::models::PaginationInfo;

/// One page of a list or search answer, as the stream helpers see it.
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) pagination: Option<PaginationInfo>,
}

/// A stream of the items of every page of a list: see
/// [`api_client_transport::paging::Paginated`].
///
/// ```no_run
/// # async fn run(client: container_registry_client::Client) -> container_registry_client::Result<()> {
/// use futures_util::TryStreamExt;
/// use container_registry_client::ListContainersParams;
///
/// let all: Vec<_> = client
///     .list_containers_stream(ListContainersParams::default())
///     .try_collect()
///     .await?;
/// println!("{} containers", all.len());
/// # Ok(()) }
/// ```
pub use api_client_transport::paging::Paginated;

/// Whether a page after `page` exists, judged from what the server said.
///
/// The server's `total_pages` is trusted when present; without it `total` and
/// the page size decide; with neither, a short or empty page is the last.
fn has_more<T>(page: u32, requested_size: Option<u32>, got: &Page<T>) -> bool {
    if got.items.is_empty() {
        return false;
    }
    if let Some(p) = &got.pagination {
        if let Some(total_pages) = p.total_pages {
            return i64::from(page) < total_pages;
        }
        let size = p.size.filter(|s| *s > 0).or(requested_size.map(i64::from));
        if let (Some(total), Some(size)) = (p.total, size) {
            // Saturating: a nonsense size from the server must not overflow.
            return i64::from(page).saturating_mul(size) < total;
        }
    }
    match requested_size {
        Some(size) => got.items.len() >= size as usize,
        None => true,
    }
}

/// Builds the item stream: `fetch(page)` is called for `first`, then for each
/// following page while [`has_more`] says so.
pub(crate) fn paginate<T, F, Fut>(
    first: u32,
    requested_size: Option<u32>,
    mut fetch: F,
) -> Paginated<T>
where
    T: Send + 'static,
    F: FnMut(u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    Paginated::new(first, move |page| {
        let got = fetch(page);
        async move {
            let got = got.await?;
            let next = has_more(page, requested_size, &got)
                .then(|| page.checked_add(1))
                .flatten();
            Ok(paging::Page::new(got.items, next))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize, pagination: Option<PaginationInfo>) -> Page<u8> {
        Page {
            items: vec![0; n],
            pagination,
        }
    }

    fn info(total: Option<i64>, total_pages: Option<i64>, size: Option<i64>) -> PaginationInfo {
        PaginationInfo {
            total,
            total_pages,
            size,
            ..Default::default()
        }
    }

    #[test]
    fn total_pages_decides() {
        let p = page(10, Some(info(Some(25), Some(3), Some(10))));
        assert!(has_more(1, Some(10), &p));
        assert!(has_more(2, Some(10), &p));
        assert!(!has_more(3, Some(10), &p));
    }

    #[test]
    fn total_and_size_decide_without_total_pages() {
        let p = page(10, Some(info(Some(20), None, Some(10))));
        assert!(has_more(1, None, &p));
        assert!(!has_more(2, None, &p));
    }

    #[test]
    fn a_huge_page_size_from_the_server_does_not_overflow() {
        let p = page(10, Some(info(Some(i64::MAX), None, Some(i64::MAX))));
        assert!(!has_more(2, None, &p));
        let p = page(10, Some(info(Some(5), Some(i64::MIN), None)));
        assert!(!has_more(1, None, &p));
    }

    #[test]
    fn short_or_empty_page_ends_without_pagination() {
        assert!(has_more(1, Some(10), &page(10, None)));
        assert!(!has_more(1, Some(10), &page(9, None)));
        assert!(!has_more(
            1,
            None,
            &page(0, Some(info(Some(99), Some(9), None)))
        ));
        assert!(has_more(1, None, &page(3, None)));
    }
}
