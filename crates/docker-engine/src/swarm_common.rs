//! What the swarm modules share: typed list filters and the log options of
//! services and tasks.

macro_rules! swarm_filters {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $fn:ident => $key:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $name($crate::filters::Filters);

        impl $name {
            /// No filter: everything.
            pub fn new() -> Self {
                Self::default()
            }
            $(
                $(#[$fdoc])*
                pub fn $fn(self, value: impl Into<String>) -> Self {
                    Self(self.0.add($key, value))
                }
            )*
            /// Any other filter the daemon knows.
            pub fn custom(self, name: impl Into<String>, value: impl Into<String>) -> Self {
                Self(self.0.add(name, value))
            }
            /// The filters as sent.
            pub fn filters(&self) -> &$crate::filters::Filters {
                &self.0
            }
        }

        impl From<$name> for $crate::filters::Filters {
            fn from(f: $name) -> $crate::filters::Filters {
                f.0
            }
        }
    };
}
pub(crate) use swarm_filters;

#[cfg(feature = "swarm")]
use crate::timestamp::Timestamp;

/// Options of the service and task logs
/// ([`Services::logs`](crate::Services::logs), [`Tasks::logs`](crate::Tasks::logs)).
#[cfg(feature = "swarm")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskLogsOptions {
    /// Keep streaming new output (until the stream is dropped).
    pub follow: bool,
    /// Include standard output.
    pub stdout: bool,
    /// Include standard error.
    pub stderr: bool,
    /// Only output after this time.
    pub since: Option<Timestamp>,
    /// Prefix every line with an RFC 3339 timestamp.
    pub timestamps: bool,
    /// Only this many of the last lines (`None`: all).
    pub tail: Option<u64>,
    /// Include the extra attributes given to the log driver (as `key=value,...` before
    /// each line).
    pub details: bool,
}

#[cfg(feature = "swarm")]
impl Default for TaskLogsOptions {
    fn default() -> Self {
        TaskLogsOptions {
            follow: false,
            stdout: true,
            stderr: true,
            since: None,
            timestamps: false,
            tail: None,
            details: false,
        }
    }
}

#[cfg(feature = "swarm")]
impl TaskLogsOptions {
    /// Both streams, followed.
    pub fn follow() -> Self {
        TaskLogsOptions {
            follow: true,
            ..Default::default()
        }
    }

    pub(crate) fn apply(
        &self,
        mut r: api_client_transport::Request,
    ) -> api_client_transport::Result<api_client_transport::Request> {
        if !self.stdout && !self.stderr {
            return Err(api_client_transport::Error::invalid(
                "stdout",
                "choose stdout, stderr or both",
            ));
        }
        for (key, on) in [
            ("details", self.details),
            ("follow", self.follow),
            ("stdout", self.stdout),
            ("stderr", self.stderr),
            ("timestamps", self.timestamps),
        ] {
            if on {
                r = r.query_pair(key, "true");
            }
        }
        if let Some(since) = &self.since {
            r = r.query_pair("since", since.to_string());
        }
        if let Some(tail) = self.tail {
            r = r.query_pair("tail", tail.to_string());
        }
        Ok(r)
    }
}

/// Opens the logs of a service or task (`segments`, ending in `logs`) as a
/// [`LogStream`](crate::frames::LogStream). Whether the output is multiplexed is read from
/// the answer's media type (API 1.42+); only when it is not there is `tty` asked
/// whether the object runs with a TTY (which an inspect tells).
#[cfg(feature = "swarm")]
pub(crate) async fn swarm_logs<Tty>(
    docker: &crate::Docker,
    segments: &[&str],
    options: &TaskLogsOptions,
    tty: impl FnOnce() -> Tty,
) -> api_client_transport::Result<crate::frames::LogStream>
where
    Tty: std::future::Future<Output = api_client_transport::Result<bool>>,
{
    use api_client_transport::http::Method;
    let (r, version) = docker.request(Method::GET, segments).await?;
    let mut r = options.apply(r.dedicated_connection(true))?;
    if options.follow {
        r = r.head_timeout(docker.quiet_stream_allowance());
    }
    let path = r.path().to_string();
    let response = crate::unsupported::send(docker, r).await?;
    let multiplexed = match crate::attach::framing_from_headers(response.headers(), version) {
        Some(multiplexed) => multiplexed,
        None => !tty().await?,
    };
    Ok(crate::attach::log_stream(
        response.into_stream(),
        multiplexed,
        docker.config().max_frame_bytes,
        Method::GET,
        path,
    ))
}

#[cfg(feature = "swarm")]
/// Reads a swarm object's `Version.Index`, naming `what` when it is missing.
pub(crate) fn version_of(
    version: Option<&crate::models::ObjectVersion>,
    what: &str,
) -> api_client_transport::Result<u64> {
    version.and_then(|v| v.index).ok_or_else(|| {
        api_client_transport::Error::invalid(
            what,
            "the daemon's answer has no Version.Index to update against",
        )
    })
}

#[cfg(feature = "swarm")]
/// Bytes that must not show up in logs: the decoded content of a secret or config.
/// `Debug` prints `***` and the length; [`expose`](Self::expose) gives the bytes.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretBytes(Vec<u8>);

#[cfg(feature = "swarm")]
impl SecretBytes {
    /// Wraps `bytes`.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        SecretBytes(bytes.into())
    }

    /// The bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Takes the bytes out.
    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

#[cfg(feature = "swarm")]
impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "***({} bytes)", self.0.len())
    }
}

#[cfg(feature = "swarm")]
impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        SecretBytes(bytes)
    }
}
