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

use crate::Result;

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

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>>> + Send>>;
type Fetch<T> = Box<dyn FnMut(u32) -> PageFuture<T> + Send>;

struct State<T> {
    fetch: Fetch<T>,
    pending: Option<PageFuture<T>>,
    items: std::vec::IntoIter<T>,
    next: Option<u32>,
}

/// A stream of the items of every page of a list.
///
/// It fetches the next page only when the items of the current one have been
/// taken, ends after the page whose [`Page::next`] is `None`, and ends after
/// yielding the first error. It is `Unpin`, `Send` and `Sync`, so
/// `StreamExt::next` and `TryStreamExt::try_collect` work on it directly.
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
    // The `Mutex` only makes the stream `Sync`: polling reaches it through
    // `&mut self` (`Mutex::get_mut`); only `size_hint`, which has `&self`,
    // locks it, and nothing else can hold it then.
    state: Mutex<State<T>>,
}

impl<T> fmt::Debug for Paginated<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginated").finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Paginated<T> {
    /// Streams the items of page `first` and of each page it leads to,
    /// reading page `n` with `fetch(n)`.
    pub fn new<F, Fut>(first: u32, mut fetch: F) -> Self
    where
        F: FnMut(u32) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        let fetch: Fetch<T> = Box::new(move |n| Box::pin(fetch(n)));
        Self {
            state: Mutex::new(State {
                fetch,
                pending: None,
                items: Vec::new().into_iter(),
                next: Some(first),
            }),
        }
    }
}

// Nothing inside is ever pinned: items are moved out, page futures are boxed.
impl<T> Unpin for Paginated<T> {}

impl<T> Stream for Paginated<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let state = self
            .get_mut()
            .state
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            if let Some(item) = state.items.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(pending) = &mut state.pending {
                let page = match pending.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(page) => page,
                };
                state.pending = None;
                match page {
                    Ok(page) => {
                        state.items = page.items.into_iter();
                        state.next = page.next;
                    }
                    Err(e) => {
                        state.next = None;
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                continue;
            }
            match state.next.take() {
                Some(n) => state.pending = Some((state.fetch)(n)),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Only what is in hand is known; more pages may follow.
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let more = state.pending.is_some() || state.next.is_some();
        let len = state.items.len();
        (len, if more { None } else { Some(len) })
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
