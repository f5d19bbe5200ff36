//! Turning page-at-a-time operations into streams of items.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use api_client_transport::Result;
use futures_core::Stream;
use futures_util::stream::{self, StreamExt, TryStreamExt};

use crate::models::PaginationInfo;

/// One page of a list or search answer, as the stream helpers see it.
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) pagination: Option<PaginationInfo>,
}

/// A stream of items that fetches the next page only when the items of the
/// current one have been consumed, and ends after the last page.
///
/// It is `Unpin`, so `StreamExt::next` works on it directly; an error ends it.
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
pub struct Paginated<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T>> + Send>>,
}

impl<T> fmt::Debug for Paginated<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginated").finish_non_exhaustive()
    }
}

impl<T> Stream for Paginated<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

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
pub(crate) fn paginate<T, F, Fut>(first: u32, requested_size: Option<u32>, fetch: F) -> Paginated<T>
where
    T: Send + 'static,
    F: FnMut(u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let pages = stream::try_unfold((Some(first), fetch), move |(next, mut fetch)| async move {
        let Some(page) = next else {
            return Ok::<_, api_client_transport::Error>(None);
        };
        let got = fetch(page).await?;
        let following = has_more(page, requested_size, &got)
            .then(|| page.checked_add(1))
            .flatten();
        Ok(Some((got.items, (following, fetch))))
    });
    let items = pages
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten();
    Paginated {
        inner: items.boxed(),
    }
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
