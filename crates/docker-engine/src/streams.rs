//! Small stream adapters: newline-delimited JSON, and a reader turned into chunks.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use api_client_transport::bytes::{Bytes, BytesMut};
use api_client_transport::futures_core::Stream;
use api_client_transport::http::Method;
use api_client_transport::{Error, Result};
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, ReadBuf};

/// Longest line a JSON stream may send before it is treated as broken.
const MAX_LINE: usize = 16 * 1024 * 1024;

/// A stream of JSON documents, one per line, decoded as they arrive.
///
/// Used for the stats stream, events and image import progress. A line split
/// across chunks is put back together; blank lines are skipped; a line that does
/// not decode ends the stream with an [`Error::Decode`] naming the JSON path that
/// failed.
///
/// The stats stream and events read on a connection of their own, driven by this
/// stream's reader. Import progress comes over the pooled connection, whose task runs
/// on a worker thread: on a multi-thread runtime, read it from inside a
/// spawned task (`tokio::spawn`) rather than from `block_on` on the main
/// thread, so the reader and the connection can share a worker.
pub struct JsonLines<T> {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>,
    buf: BytesMut,
    /// Bytes of `buf` already known to hold no newline, so a long line is scanned once.
    scanned: usize,
    method: Method,
    path: String,
    done: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for JsonLines<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLines")
            .field("path", &self.path)
            .field("buffered", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl<T> JsonLines<T> {
    pub(crate) fn new<S>(inner: S, method: Method, path: String) -> Self
    where
        S: Stream<Item = Result<Bytes>> + Send + 'static,
    {
        JsonLines {
            inner: Box::pin(inner),
            buf: BytesMut::new(),
            scanned: 0,
            method,
            path,
            done: false,
            _t: PhantomData,
        }
    }
}

impl<T: DeserializeOwned> JsonLines<T> {
    /// The next complete line, decoded, with its bytes (as sent, less surrounding
    /// whitespace).
    fn next_line(&mut self, at_end: bool) -> Option<Result<(T, Bytes)>> {
        loop {
            let newline = self.buf[self.scanned..].iter().position(|&b| b == b'\n');
            let line = match newline {
                Some(i) => {
                    let end = self.scanned + i + 1;
                    self.scanned = 0;
                    self.buf.split_to(end).freeze()
                }
                None if at_end && !self.buf.is_empty() => {
                    self.scanned = 0;
                    self.buf.split().freeze()
                }
                None => {
                    self.scanned = self.buf.len();
                    // Only an unfinished line counts: one big chunk of many short
                    // lines is fine, and they have all been taken by now.
                    if self.buf.len() > MAX_LINE {
                        return Some(Err(Error::Stream {
                            method: self.method.clone(),
                            path: self.path.clone(),
                            source: format!("a JSON line grew past {MAX_LINE} bytes").into(),
                        }));
                    }
                    return None;
                }
            };
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() {
                continue;
            }
            let raw = line.slice_ref(trimmed);
            return Some(
                api_client_transport::decode_json(&self.method, &self.path, &raw)
                    .map(|message| (message, raw)),
            );
        }
    }

    /// Like `poll_next`, with each message's line: a progress stream's failure keeps
    /// the daemon's own words as the error body.
    pub(crate) fn poll_next_line(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(T, Bytes)>>> {
        let this = self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(item) = this.next_line(false) {
                if item.is_err() {
                    this.done = true;
                }
                return Poll::Ready(Some(item));
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => this.buf.extend_from_slice(&chunk),
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(this.next_line(true));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T: DeserializeOwned> Stream for JsonLines<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_line(cx)
            .map(|item| item.map(|r| r.map(|(message, _)| message)))
    }
}

/// The read half of a hijacked connection as a stream of chunks.
pub(crate) struct ReaderStream<R> {
    reader: R,
    method: Method,
    path: String,
    done: bool,
}

impl<R> ReaderStream<R> {
    pub(crate) fn new(reader: R, method: Method, path: String) -> Self {
        ReaderStream {
            reader,
            method,
            path,
            done: false,
        }
    }
}

impl<R: AsyncRead + Unpin> Stream for ReaderStream<R> {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let mut chunk = [0u8; 16 * 1024];
        let mut buf = ReadBuf::new(&mut chunk);
        match Pin::new(&mut this.reader).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) if buf.filled().is_empty() => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Ok(())) => Poll::Ready(Some(Ok(Bytes::copy_from_slice(buf.filled())))),
            Poll::Ready(Err(e)) => {
                this.done = true;
                Poll::Ready(Some(Err(Error::Stream {
                    method: this.method.clone(),
                    path: this.path.clone(),
                    source: Box::new(e),
                })))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::report;
    use futures_util::StreamExt;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct N {
        n: u32,
    }

    fn chunks(parts: &[&'static str]) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        futures_util::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p.as_bytes())))
                .collect::<Vec<_>>(),
        )
    }

    #[tokio::test]
    async fn lines_split_across_chunks_and_unterminated_tail() {
        let s = JsonLines::<N>::new(
            chunks(&["{\"n\":1}\n{\"n\"", ":2}\r\n\n", "{\"n\":3}"]),
            Method::GET,
            "/x".into(),
        );
        let got: Vec<_> = s.map(|r| r.unwrap().n).collect().await;
        assert_eq!(got, vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn bad_line_ends_stream_with_decode_error() {
        let mut s = JsonLines::<N>::new(
            chunks(&["{\"n\":1}\n{\"n\":\"x\"}\n{\"n\":3}\n"]),
            Method::GET,
            "/x".into(),
        );
        assert_eq!(s.next().await.unwrap().unwrap(), N { n: 1 });
        let err = s.next().await.unwrap().unwrap_err();
        assert!(
            matches!(err, Error::Decode { ref json_path, .. } if json_path == "n"),
            "{err:?}"
        );
        assert!(s.next().await.is_none());
    }

    #[tokio::test]
    async fn one_chunk_of_many_short_lines_past_the_line_limit_decodes() {
        let line = b"{\"n\":7}\n";
        let count = MAX_LINE / line.len() + 10;
        let body = Bytes::from(line.repeat(count));
        let s = JsonLines::<N>::new(
            futures_util::stream::iter([Ok(body)]),
            Method::GET,
            "/x".into(),
        );
        let (ok, bad) = s
            .fold((0, 0), |(ok, bad), r| async move {
                match r {
                    Ok(N { n: 7 }) => (ok + 1, bad),
                    _ => (ok, bad + 1),
                }
            })
            .await;
        assert_eq!((ok, bad), (count, 0));
    }

    #[tokio::test]
    async fn an_endless_line_is_an_error() {
        let part = Bytes::from(vec![b' '; 1024 * 1024]);
        let endless = futures_util::stream::iter(std::iter::repeat(part).map(Ok));
        let mut s = JsonLines::<N>::new(endless, Method::GET, "/x".into());
        let err = s.next().await.unwrap().unwrap_err();
        assert!(report(&err).contains("grew past"), "{}", report(&err));
        assert!(s.next().await.is_none());
    }
}
