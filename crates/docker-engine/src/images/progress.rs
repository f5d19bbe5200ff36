//! Progress streams of pulls, pushes, builds and loads: newline-delimited JSON
//! messages where a failure arrives as a message, after the `200 OK`.

use std::pin::Pin;
use std::task::{Context, Poll};

use api_client_transport::bytes::Bytes;
use api_client_transport::futures_core::Stream;
use api_client_transport::http::{Method, StatusCode};
use api_client_transport::{ApiError, Error, ErrorMessage, Result};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::models::{BuildInfo, CreateImageInfo, PushImageInfo};
use crate::streams::JsonLines;

/// A message of a progress stream that may carry the operation's failure.
pub trait ProgressMessage: DeserializeOwned + Send + 'static {
    /// The failure this message reports, if it reports one.
    fn error_message(&self) -> Option<String>;

    /// Whether this is one tick of a byte counter (`Downloading 5 MB / 30 MB`): there
    /// may be thousands per layer, and [`Progress::finish`] does not keep them.
    fn is_tick(&self) -> bool;
}

macro_rules! progress_message {
    ($($t:ty),*) => {$(
        impl ProgressMessage for $t {
            fn error_message(&self) -> Option<String> {
                self.error_detail
                    .as_ref()
                    .and_then(|d| d.message.clone())
                    .or_else(|| self.error.clone())
                    .filter(|m| !m.is_empty())
            }

            fn is_tick(&self) -> bool {
                // Podman sends `"progress": ""` on milestones too (its import's
                // final message carries the new image's id): only a bar is a tick.
                self.progress.as_deref().is_some_and(|p| !p.is_empty())
                    || self
                        .progress_detail
                        .as_ref()
                        .is_some_and(|d| d.current.is_some())
            }
        }
    )*};
}
progress_message!(CreateImageInfo, PushImageInfo, BuildInfo);

/// The typed progress of a pull, push, build or load.
///
/// Each item is one message of the daemon. A failure the daemon reports inside the
/// stream (it has already answered `200 OK` by then) becomes an [`Error::Api`] with
/// the daemon's message, and ends the stream. Dropping the stream stops reading; the
/// daemon may still finish the operation.
pub struct Progress<T> {
    lines: JsonLines<T>,
    method: Method,
    path: String,
    done: bool,
}

impl<T> std::fmt::Debug for Progress<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("path", &self.path)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: ProgressMessage> Progress<T> {
    pub(crate) fn new<S>(body: S, method: Method, path: String) -> Self
    where
        S: Stream<Item = Result<Bytes>> + Send + 'static,
    {
        Progress {
            lines: JsonLines::new(body, method.clone(), path.clone()),
            method,
            path,
            done: false,
        }
    }

    /// Reads the stream to its end and returns its messages, or the first failure.
    ///
    /// Byte-counter ticks ([`ProgressMessage::is_tick`]) are left out, so that the
    /// memory kept stays proportional to the number of layers and steps, not to the
    /// size of the image; read the stream itself to see them.
    pub async fn finish(mut self) -> Result<Vec<T>> {
        let mut messages = Vec::new();
        while let Some(message) = self.next().await {
            let message = message?;
            if !message.is_tick() {
                messages.push(message);
            }
        }
        Ok(messages)
    }
}

impl Progress<BuildInfo> {
    /// Reads a build to its end and returns the id of the image it made
    /// (`None` when the daemon did not report one, as older classic builders may not).
    pub async fn image_id(self) -> Result<Option<String>> {
        let messages = self.finish().await?;
        let from_aux = messages
            .iter()
            .rev()
            .find_map(|m| m.aux.as_ref().and_then(|a| a.id.clone()));
        // The classic builder of older daemons only prints "Successfully built <id>";
        // a quiet build (`quiet`) prints nothing but the id: `sha256:<hex>` from
        // dockerd, the bare hex from podman (given back with its `sha256:`).
        let from_text = || {
            messages.iter().rev().find_map(|m| {
                let text = m.stream.as_deref()?.trim();
                if let Some(id) = text.strip_prefix("Successfully built ") {
                    return Some(id.trim().to_string());
                }
                let hex = text.strip_prefix("sha256:").unwrap_or(text);
                (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| format!("sha256:{hex}"))
            })
        };
        Ok(from_aux.or_else(from_text))
    }
}

/// The error for a failure reported inside a progress stream; its body is the
/// message's line as the daemon sent it.
pub(crate) fn in_stream_error(method: &Method, path: &str, body: Bytes, text: String) -> Error {
    let api = ApiError::new(StatusCode::OK, method.clone(), path.to_string(), body).with_message(
        ErrorMessage {
            code: None,
            message: text,
        },
    );
    Error::Api(Box::new(api))
}

impl<T: ProgressMessage> Stream for Progress<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match this.lines.poll_next_line(cx) {
            Poll::Ready(Some(Ok((message, line)))) => match message.error_message() {
                Some(text) => {
                    this.done = true;
                    let err = in_stream_error(&this.method, &this.path, line, text);
                    Poll::Ready(Some(Err(err)))
                }
                None => Poll::Ready(Some(Ok(message))),
            },
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &'static str) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        futures_util::stream::iter([Ok(Bytes::from_static(text.as_bytes()))])
    }

    #[tokio::test]
    async fn an_error_message_ends_the_stream_as_an_api_error() {
        let mut p = Progress::<PushImageInfo>::new(
            body("{\"status\":\"Preparing\"}\n{\"errorDetail\":{\"message\":\"denied: no\"},\"error\":\"denied: no\"}\n{\"status\":\"late\"}\n"),
            Method::POST,
            "/v1.41/images/x/push".into(),
        );
        assert_eq!(
            p.next().await.unwrap().unwrap().status.as_deref(),
            Some("Preparing")
        );
        let err = p.next().await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert!(err.to_string().contains("denied: no"), "{err}");
        // The body is the daemon's line itself, byte for byte.
        assert_eq!(
            err.api().unwrap().body().as_ref(),
            b"{\"errorDetail\":{\"message\":\"denied: no\"},\"error\":\"denied: no\"}"
        );
        assert!(p.next().await.is_none());
    }

    #[tokio::test]
    async fn finish_keeps_milestones_not_ticks() {
        let p = Progress::<CreateImageInfo>::new(
            body("{\"status\":\"Pulling fs layer\",\"id\":\"a\"}\n{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1,\"total\":9},\"progress\":\"[=> ]\",\"id\":\"a\"}\n{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"a\"}\n"),
            Method::POST,
            "/images/create".into(),
        );
        let kept: Vec<_> = p
            .finish()
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.status.unwrap())
            .collect();
        assert_eq!(kept, ["Pulling fs layer", "Pull complete"]);
    }

    #[tokio::test]
    async fn podmans_empty_progress_is_a_milestone_not_a_tick() {
        let p = Progress::<CreateImageInfo>::new(
            body("{\"status\":\"sha256:4be3\",\"progress\":\"\",\"progressDetail\":{},\"id\":\"sha256:4be3\"}\n"),
            Method::POST,
            "/images/create".into(),
        );
        let kept = p.finish().await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].status.as_deref(), Some("sha256:4be3"));
    }

    #[tokio::test]
    async fn build_id_from_aux_or_text() {
        let p = Progress::<BuildInfo>::new(
            body("{\"stream\":\"Step 1/1 : FROM x\\n\"}\n{\"aux\":{\"ID\":\"sha256:ab\"}}\n{\"stream\":\"Successfully built ab\\n\"}\n"),
            Method::POST,
            "/build".into(),
        );
        assert_eq!(p.image_id().await.unwrap().as_deref(), Some("sha256:ab"));
        let p = Progress::<BuildInfo>::new(
            body("{\"stream\":\"Successfully built 0123abcd\\n\"}\n"),
            Method::POST,
            "/build".into(),
        );
        assert_eq!(p.image_id().await.unwrap().as_deref(), Some("0123abcd"));
    }
}
