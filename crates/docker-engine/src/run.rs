//! `docker run --rm` in one call: [`Containers::run`].

use futures_util::StreamExt;

use crate::frames::LogOutput;
use crate::models::{ContainerCreateRequest, WaitCondition};
use crate::{
    AttachOptions, Containers, CreateContainerOptions, RemoveContainerOptions, Result, WaitOptions,
};

/// What [`Containers::run`] does with the container's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunOutput {
    /// Leave it in the container's log (gone once the container is removed).
    Discard,
    /// Keep up to `limit` bytes of standard output and as much of standard error;
    /// the rest is read and dropped, and [`RunResult::truncated`] says so.
    Capture {
        /// Most bytes kept per stream.
        limit: usize,
    },
}

impl Default for RunOutput {
    fn default() -> Self {
        RunOutput::Capture {
            limit: 16 * 1024 * 1024,
        }
    }
}

/// Options of [`Containers::run`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Name of the container (the daemon picks one otherwise).
    pub name: Option<String>,
    /// Platform of the image, `os[/arch[/variant]]` (API 1.41+).
    pub platform: Option<String>,
    /// What to do with the output (default: capture up to 16 MiB per stream).
    pub output: RunOutput,
    /// Keep the container afterwards instead of removing it (`docker run` without `--rm`).
    pub keep: bool,
}

/// How a [`Containers::run`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunResult {
    /// Id of the container (already removed unless [`RunOptions::keep`]).
    pub id: String,
    /// Exit code of the main process.
    pub exit_code: i64,
    /// Standard output (with a TTY: all console output).
    pub stdout: Vec<u8>,
    /// Standard error (empty with a TTY).
    pub stderr: Vec<u8>,
    /// Whether output past the capture limit was dropped.
    pub truncated: bool,
    /// An error the daemon reported about waiting for the container, if any.
    pub wait_error: Option<String>,
}

/// Removes the container if the run is abandoned midway (an error, or the future
/// dropped): the removal is spawned on the current runtime, since drop cannot await.
struct RemoveOnDrop {
    containers: Containers,
    id: Option<String>,
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let (Some(id), Ok(handle)) = (self.id.take(), tokio::runtime::Handle::try_current()) else {
            return;
        };
        let containers = self.containers.clone();
        handle.spawn(async move {
            // Nobody is left to report a failure to; the container may also be gone already.
            let _ = containers.remove(&id, remove_options()).await;
        });
    }
}

fn remove_options() -> RemoveContainerOptions {
    RemoveContainerOptions {
        force: true,
        volumes: true,
        link: false,
    }
}

fn append(buffer: &mut Vec<u8>, chunk: &[u8], limit: usize, truncated: &mut bool) {
    let room = limit.saturating_sub(buffer.len());
    if chunk.len() > room {
        *truncated = true;
    }
    buffer.extend_from_slice(&chunk[..chunk.len().min(room)]);
}

impl Containers {
    /// Runs a container to its end, like `docker run --rm`: creates it from
    /// `config`, starts it, collects its output, waits for it to exit, removes it
    /// (with its anonymous volumes) and returns the exit code.
    ///
    /// The container is removed on every path out: on success, on any error after
    /// creation, and when the returned future is dropped (then in the background).
    /// A non-zero exit code is not an error; look at [`RunResult::exit_code`].
    ///
    /// As `docker run` does, the output is attached (stdout and stderr) and
    /// the exit awaited (`wait` with `next-exit`) before the container is
    /// started, so nothing the process writes is missed, however early it
    /// ends; the bytes are the process's own, not the log driver's copy.
    /// With [`RunOutput::Discard`] nothing is attached.
    ///
    /// ```no_run
    /// use docker_engine::models::ContainerCreateRequest;
    /// use docker_engine::Docker;
    ///
    /// # async fn run() -> docker_engine::Result<()> {
    /// let mut config = ContainerCreateRequest::default();
    /// config.image = Some("busybox:latest".into());
    /// config.cmd = Some(vec!["sh".into(), "-c".into(), "echo hi; exit 3".into()]);
    /// let done = Docker::connect()?.containers().run(&config, Default::default()).await?;
    /// assert_eq!((done.exit_code, &done.stdout[..]), (3, &b"hi\n"[..]));
    /// # Ok(()) }
    /// ```
    pub async fn run(
        &self,
        config: &ContainerCreateRequest,
        options: RunOptions,
    ) -> Result<RunResult> {
        let create = CreateContainerOptions {
            name: options.name.clone(),
            platform: options.platform.clone(),
        };
        let id = self.create(config, create).await?.id;
        let mut guard = RemoveOnDrop {
            containers: self.clone(),
            id: (!options.keep).then(|| id.clone()),
        };
        let outcome = self.run_created(&id, options.output).await;
        // Disarm the guard and remove here, where a failure can be reported.
        if guard.id.take().is_some() {
            let removed = self.remove(&id, remove_options()).await;
            if let (Ok(_), Err(e)) = (&outcome, removed) {
                return Err(e);
            }
        }
        outcome
    }

    async fn run_created(&self, id: &str, output: RunOutput) -> Result<RunResult> {
        // As `docker run`: wait registered and output attached before start, so
        // a process that exits at once is neither missed nor cut short. The
        // output is the process's own bytes, not the log driver's re-encoding.
        let pending = self
            .wait_begin(
                id,
                WaitOptions {
                    condition: Some(WaitCondition::NextExit),
                },
            )
            .await?;
        let attached = match output {
            RunOutput::Capture { .. } => {
                let options = AttachOptions {
                    stream: true,
                    stdout: true,
                    stderr: true,
                    ..Default::default()
                };
                Some(self.attach(id, options).await?)
            }
            RunOutput::Discard => None,
        };
        self.start(id, Default::default()).await?;
        let (mut stdout, mut stderr, mut truncated) = (Vec::new(), Vec::new(), false);
        if let (Some(attached), RunOutput::Capture { limit }) = (attached, output) {
            // Only the output is needed: dropping the input half leaves the
            // process's stdin alone (it was not attached).
            let (mut frames, _input) = attached.into_parts();
            while let Some(frame) = frames.next().await {
                match frame? {
                    LogOutput::StdOut { message } | LogOutput::Console { message } => {
                        append(&mut stdout, &message, limit, &mut truncated)
                    }
                    LogOutput::StdErr { message } => {
                        append(&mut stderr, &message, limit, &mut truncated)
                    }
                    _ => {}
                }
            }
        }
        let exit = pending.result().await?;
        Ok(RunResult {
            id: id.to_string(),
            exit_code: exit.status_code,
            stdout,
            stderr,
            truncated,
            wait_error: exit.error.and_then(|e| e.message).filter(|m| !m.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::append;

    #[test]
    fn capture_stops_at_the_limit_and_says_so() {
        let (mut buf, mut cut) = (Vec::new(), false);
        append(&mut buf, b"abc", 5, &mut cut);
        assert!(!cut);
        append(&mut buf, b"defg", 5, &mut cut);
        assert_eq!((&buf[..], cut), (&b"abcde"[..], true));
        append(&mut buf, b"h", 5, &mut cut);
        assert_eq!(buf.len(), 5);
    }
}
