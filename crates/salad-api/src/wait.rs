//! Waiting for a container group to reach a status.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::container_groups::ContainerGroups;
use crate::models::{ContainerGroup, ContainerGroupStatus, JobStatus};

/// How long and how often [`ContainerGroups::wait_for_status`] polls, and
/// which statuses end the wait with an error.
///
/// ```
/// use std::time::Duration;
/// use salad_api::{models::ContainerGroupStatus, WaitOptions};
/// let options = WaitOptions::new()
///     .timeout(Duration::from_secs(15 * 60))
///     .poll_interval(Duration::from_secs(10))
///     .fail_on([ContainerGroupStatus::Failed, ContainerGroupStatus::Stopped]);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WaitOptions {
    timeout: Duration,
    poll_interval: Duration,
    fail_on: Vec<ContainerGroupStatus>,
}

impl Default for WaitOptions {
    /// Ten minutes, a poll every five seconds, failing on `failed`.
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(5),
            fail_on: vec![ContainerGroupStatus::Failed],
        }
    }
}

impl WaitOptions {
    /// The defaults: ten minutes, a poll every five seconds, failing on `failed`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The longest time to wait in all.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time between two reads of the group (at least 10 ms).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(10));
        self
    }

    /// Statuses that end the wait with [`WaitError::Failed`] (default `failed`).
    /// The status waited for never counts as a failure.
    pub fn fail_on(mut self, statuses: impl IntoIterator<Item = ContainerGroupStatus>) -> Self {
        self.fail_on = statuses.into_iter().collect();
        self
    }
}

/// Why [`ContainerGroups::wait_for_status`] gave up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The group reached a status that will not turn into the one waited for.
    #[error("container group {name} reached status {status:?} while waiting for {wanted:?}")]
    Failed {
        /// The group's name.
        name: String,
        /// The status it reached.
        status: ContainerGroupStatus,
        /// The status that was waited for.
        wanted: ContainerGroupStatus,
        /// The group as last read.
        group: Box<ContainerGroup>,
    },
    /// The deadline passed first.
    #[error("container group {name} did not reach status {wanted:?} within {waited:?} (last seen: {last:?})")]
    Timeout {
        /// The group's name.
        name: String,
        /// The status that was waited for.
        wanted: ContainerGroupStatus,
        /// The last status read, if any read succeeded.
        last: Option<ContainerGroupStatus>,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// A job was not over by the deadline.
    #[error("job {id} was not over within {waited:?} (last seen: {last:?})")]
    JobTimeout {
        /// The job's id.
        id: String,
        /// The last status read, if any read succeeded.
        last: Option<JobStatus>,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// Reading the group or job failed with an error that waiting will not cure
    /// (a missing group, a bad key, a bad answer).
    #[error(transparent)]
    Request(#[from] api_client_transport::Error),
}

impl ContainerGroups {
    /// Polls the group until its status is `wanted` and returns it as last
    /// read; gives up with [`WaitError::Failed`] on a status of
    /// [`WaitOptions::fail_on`], and with [`WaitError::Timeout`] when the
    /// deadline passes. Transient read errors (429, 5xx, timeouts) do not end
    /// the wait; other errors do.
    ///
    /// ```no_run
    /// # async fn run(groups: salad_api::ContainerGroups) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use salad_api::{models::ContainerGroupStatus, WaitOptions};
    /// groups.start("mandelbrot").await?;
    /// let group = groups
    ///     .wait_for_status(
    ///         "mandelbrot",
    ///         ContainerGroupStatus::Running,
    ///         WaitOptions::new().timeout(Duration::from_secs(900)),
    ///     )
    ///     .await?;
    /// println!("{} is running", group.name);
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_status(
        &self,
        name: &str,
        wanted: ContainerGroupStatus,
        options: WaitOptions,
    ) -> Result<ContainerGroup, WaitError> {
        let started = Instant::now();
        let deadline = started + options.timeout;
        let mut last = None;
        loop {
            match tokio::time::timeout_at(deadline, self.get(name)).await {
                Ok(Ok(group)) => {
                    let status = group.current_state.status.clone();
                    if status == wanted {
                        return Ok(group);
                    }
                    if options.fail_on.contains(&status) {
                        return Err(WaitError::Failed {
                            name: name.to_owned(),
                            status,
                            wanted,
                            group: Box::new(group),
                        });
                    }
                    last = Some(status);
                }
                Ok(Err(e)) if e.is_retryable() => {}
                Ok(Err(e)) => return Err(WaitError::Request(e)),
                Err(_elapsed) => {}
            }
            let next = Instant::now() + options.poll_interval;
            if next >= deadline {
                // The next read would fall after the deadline: wait the deadline out, so a
                // timeout always means the full time passed without the status showing up.
                tokio::time::sleep_until(deadline).await;
                return Err(WaitError::Timeout {
                    name: name.to_owned(),
                    wanted,
                    last,
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep_until(next).await;
        }
    }
}

/// Polls `get` until the status `status_of` reads from the job is final, with
/// the deadline and interval of `options`; the shared loop of the queue and
/// inference job waits.
pub(crate) async fn wait_for_job<J, F, Fut>(
    id: &str,
    options: WaitOptions,
    mut get: F,
    status_of: impl Fn(&J) -> &JobStatus,
) -> Result<J, WaitError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = api_client_transport::Result<J>>,
{
    let started = Instant::now();
    let deadline = started + options.timeout;
    let mut last = None;
    loop {
        match tokio::time::timeout_at(deadline, get()).await {
            Ok(Ok(job)) => {
                let status = status_of(&job);
                if status.is_final() {
                    return Ok(job);
                }
                last = Some(status.clone());
            }
            Ok(Err(e)) if e.is_retryable() => {}
            Ok(Err(e)) => return Err(WaitError::Request(e)),
            Err(_elapsed) => {}
        }
        let next = Instant::now() + options.poll_interval;
        if next >= deadline {
            // As for groups: a timeout always means the full time passed.
            tokio::time::sleep_until(deadline).await;
            return Err(WaitError::JobTimeout {
                id: id.to_owned(),
                last,
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep_until(next).await;
    }
}
