//! Streams over page-at-a-time list operations.
//!
//! Every paginated API numbers its pages and says, in its own words, whether
//! another one follows. What is common lives here: fetch a page only when the
//! items of the one before have been taken, hand its items out one by one,
//! stop after the last page or at the first error. Each API crate supplies the
//! fetch and its own rule for the next page number.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream::{self, TryStreamExt};

use crate::{Error, Result};

/// One page as a [`Paginated`] stream sees it: its items, and the number of
/// the page that follows, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page, in the server's order.
    pub items: Vec<T>,
    /// The page to fetch once these items are taken; `None` ends the stream.
    pub next: Option<u32>,
}

impl<T> Page<T> {
    /// A page of `items`, followed by page `next` (or by nothing).
    pub fn new(items: Vec<T>, next: Option<u32>) -> Self {
        Self { items, next }
    }
}

/// A stream of the items of every page of a list.
///
/// It fetches the next page only when the items of the current one have been
/// taken, ends after the page whose [`Page::next`] is `None`, and ends after
/// yielding the first error. It is `Unpin`, `Send` and `Sync`, so
/// `StreamExt::next` and `TryStreamExt::try_collect` work on it directly.
///
/// Built from futures-util's [`try_unfold`](futures_util::stream::try_unfold)
/// (one page per step) flattened into items, boxed so that its type can be
/// named.
///
/// ```
/// # async fn run() -> api_client_transport::Result<()> {
/// use api_client_transport::paging::{Page, Paginated};
/// use futures_util::TryStreamExt;
///
/// // Three pages of two numbers each.
/// let all: Vec<u32> = Paginated::new(1, |n| async move {
///     Ok(Page::new(vec![2 * n - 1, 2 * n], (n < 3).then(|| n + 1)))
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(all, [1, 2, 3, 4, 5, 6]);
/// # Ok(()) }
/// ```
pub struct Paginated<T> {
    // The `Mutex` only makes the stream `Sync` (the fetch closure and its
    // futures need only be `Send`): polling reaches the stream through
    // `&mut self` (`Mutex::get_mut`), so it is never locked.
    items: Mutex<Items<T>>,
}

type Items<T> = Pin<Box<dyn Stream<Item = Result<T>> + Send>>;

impl<T> fmt::Debug for Paginated<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginated").finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Paginated<T> {
    /// Streams the items of page `first` and of each page it leads to,
    /// reading page `n` with `fetch(n)`.
    pub fn new<F, Fut>(first: u32, fetch: F) -> Self
    where
        F: FnMut(u32) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        let pages = stream::try_unfold((fetch, Some(first)), |(mut fetch, next)| async move {
            let Some(n) = next else {
                return Ok::<_, Error>(None);
            };
            let page = fetch(n).await?;
            let items = stream::iter(page.items.into_iter().map(Ok::<T, Error>));
            Ok(Some((items, (fetch, page.next))))
        });
        Self {
            items: Mutex::new(Box::pin(pages.try_flatten())),
        }
    }
}

impl<T> Stream for Paginated<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut()
            .items
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_mut()
            .poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    fn assert_send_sync<T: Send + Sync + Unpin>() {}

    #[test]
    fn the_stream_is_send_sync_and_unpin() {
        assert_send_sync::<Paginated<String>>();
        assert_send_sync::<Page<String>>();
    }

    /// Collects the stream by hand, recording how many pages had been fetched
    /// when each item came out.
    async fn drain(stream: &mut Paginated<u32>, fetched: &AtomicU32) -> Vec<(Result<u32>, u32)> {
        let mut out = Vec::new();
        while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
        {
            out.push((item, fetched.load(Ordering::SeqCst)));
        }
        out
    }

    #[tokio::test]
    async fn pages_are_fetched_one_at_a_time_as_their_items_are_taken() {
        let fetched = Arc::new(AtomicU32::new(0));
        let counter = fetched.clone();
        let mut stream = Paginated::new(4, move |n| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(Page::new(
                    vec![n * 10, n * 10 + 1],
                    (n < 6).then_some(n + 1),
                ))
            }
        });
        assert_eq!(
            fetched.load(Ordering::SeqCst),
            0,
            "nothing before the first poll"
        );
        let got = drain(&mut stream, &fetched).await;
        let items: Vec<u32> = got.iter().map(|(i, _)| *i.as_ref().unwrap()).collect();
        assert_eq!(items, [40, 41, 50, 51, 60, 61]);
        let pages: Vec<u32> = got.iter().map(|(_, f)| *f).collect();
        assert_eq!(pages, [1, 1, 2, 2, 3, 3]);
        assert_eq!(fetched.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn empty_pages_in_the_middle_are_skipped_not_an_end() {
        let mut stream = Paginated::new(1, |n| async move {
            let items = if n == 2 { Vec::new() } else { vec![n] };
            Ok(Page::new(items, (n < 3).then_some(n + 1)))
        });
        let fetched = AtomicU32::new(0);
        let items: Vec<u32> = drain(&mut stream, &fetched)
            .await
            .into_iter()
            .map(|(i, _)| i.unwrap())
            .collect();
        assert_eq!(items, [1, 3]);
    }

    #[tokio::test]
    async fn an_error_is_yielded_once_and_ends_the_stream() {
        let fetched = Arc::new(AtomicU32::new(0));
        let counter = fetched.clone();
        let mut stream = Paginated::new(1, move |n| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 2 {
                    Err(crate::Error::invalid("page", "refused by the test"))
                } else {
                    Ok(Page::new(vec![n], Some(n + 1)))
                }
            }
        });
        let got = drain(&mut stream, &fetched).await;
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(*got[0].0.as_ref().unwrap(), 1);
        assert!(got[1].0.is_err());
        assert_eq!(fetched.load(Ordering::SeqCst), 2, "no page after the error");
        let again = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await;
        assert!(again.is_none());
    }

    #[test]
    fn the_size_hint_counts_what_is_in_hand() {
        let stream: Paginated<u32> = Paginated::new(1, |_| async { Ok(Page::new(vec![], None)) });
        assert_eq!(stream.size_hint(), (0, None));
    }
}
