//! `ssh://` daemons: each connection is its own `ssh` process running
//! `docker system dial-stdio` on the remote host, as the docker CLI does, with
//! the process's stdin and stdout as the connection.
//!
//! Nothing here is unix-only: `tokio::process` and the OpenSSH client exist
//! on Windows too.

use std::ffi::OsString;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use api_client_transport::{Dialer, Error, Result};
use futures_util::future::{join, select, Either};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::sync::oneshot;

/// The base URL requests are written against: the dialer decides where bytes
/// go, so only the `Host` header sees it (dockerd ignores it).
pub(crate) const BASE_URL: &str = "http://docker";

/// How much of ssh's stderr is kept for an error message; the rest is read
/// and dropped so that a chatty ssh never blocks on a full pipe.
const STDERR_LIMIT: usize = 4096;

/// What the caller set for ssh in [`DockerBuilder`](crate::DockerBuilder).
#[derive(Debug, Clone, Default)]
pub(crate) struct SshOptions {
    pub(crate) program: Option<PathBuf>,
    pub(crate) args: Vec<OsString>,
}

/// A parsed `ssh://[user@]host[:port]` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SshTarget {
    user: Option<String>,
    /// Without the brackets of an IPv6 literal: that is how ssh takes it.
    host: String,
    port: Option<u16>,
}

impl SshTarget {
    /// `None` when `url` is not an `ssh://` address; an error naming
    /// `DOCKER_HOST` when it is one ssh cannot safely be given.
    pub(crate) fn parse(url: &str) -> Result<Option<SshTarget>> {
        let url = url.trim();
        let Some(rest) = url.strip_prefix("ssh://") else {
            return Ok(None);
        };
        let shown = crate::context::redact_host(url);
        let bad = |reason: &str| Error::invalid("DOCKER_HOST", format!("`{shown}`: {reason}"));
        let (authority, tail) = match rest.find(['/', '?', '#']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if !tail.is_empty() && tail != "/" {
            return Err(bad(
                "an ssh:// address is ssh://[user@]host[:port], with no path, query or fragment",
            ));
        }
        let (user, host_port) = match authority.rsplit_once('@') {
            Some((user, host_port)) => (Some(user), host_port),
            None => (None, authority),
        };
        if let Some(user) = user {
            if user.contains(':') {
                return Err(bad(
                    "a password in an ssh:// address is not supported; use a key (ssh-agent or an identity file)",
                ));
            }
            if user.is_empty() {
                return Err(bad("the user before '@' is empty"));
            }
            // ssh would read `-oProxyCommand=...` as an option: never hand it one.
            if user.starts_with('-') {
                return Err(bad("the user must not start with '-'"));
            }
            if user.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(bad(
                    "the user must not contain spaces or control characters",
                ));
            }
        }
        let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
            let Some((host, after)) = bracketed.split_once(']') else {
                return Err(bad("an IPv6 address needs its closing ']'"));
            };
            match after {
                "" => (host, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None => return Err(bad("only :port may follow ']'")),
                },
            }
        } else {
            match host_port.rsplit_once(':') {
                Some((host, _)) if host.contains(':') => {
                    return Err(bad(
                        "write an IPv6 address in brackets, like ssh://[::1]:22",
                    ))
                }
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            }
        };
        if host.is_empty() {
            return Err(bad("missing host"));
        }
        if host.starts_with('-') {
            return Err(bad("the host must not start with '-'"));
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad(
                "the host must not contain spaces or control characters",
            ));
        }
        let port = match port {
            None => None,
            Some(port) => match port.parse::<u16>() {
                Ok(p) if p != 0 => Some(p),
                _ => return Err(bad("the port must be 1 to 65535")),
            },
        };
        Ok(Some(SshTarget {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
        }))
    }

    /// The arguments given to ssh: the caller's first (ssh keeps the first
    /// value it sees of an option, so they may override ours), then never
    /// prompting, the connect timeout, no terminal, port, user, and `--` so
    /// that nothing after it is read as an option.
    pub(crate) fn args(&self, extra: &[OsString], connect_timeout: Duration) -> Vec<OsString> {
        // ssh takes whole seconds and reads 0 as "the system default".
        let secs = connect_timeout
            .as_secs()
            .saturating_add(u64::from(connect_timeout.subsec_nanos() > 0))
            .max(1);
        let mut args: Vec<OsString> = extra.to_vec();
        args.extend(
            [
                "-o".to_string(),
                "BatchMode=yes".to_string(),
                "-o".to_string(),
                format!("ConnectTimeout={secs}"),
                "-T".to_string(),
            ]
            .map(OsString::from),
        );
        if let Some(port) = self.port {
            args.extend(["-p".into(), port.to_string().into()]);
        }
        if let Some(user) = &self.user {
            args.extend(["-l".into(), user.into()]);
        }
        args.extend(["--", &self.host, "docker", "system", "dial-stdio"].map(OsString::from));
        args
    }

    /// A dialer starting one ssh process per connection.
    pub(crate) fn dialer(&self, options: &SshOptions, connect_timeout: Duration) -> Dialer {
        let program = options
            .program
            .clone()
            .unwrap_or_else(|| PathBuf::from("ssh"));
        let args = self.args(&options.args, connect_timeout);
        let spawn = Arc::new(Spawn { program, args });
        Dialer::new(move || {
            let spawn = Arc::clone(&spawn);
            async move { spawn.run() }
        })
    }
}

/// The command line of every connection.
struct Spawn {
    program: PathBuf,
    args: Vec<OsString>,
}

impl Spawn {
    fn run(&self) -> io::Result<SshStream> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                let hint = if e.kind() == io::ErrorKind::NotFound {
                    " (is the OpenSSH client installed and on PATH?)"
                } else {
                    ""
                };
                io::Error::new(
                    e.kind(),
                    format!("could not run `{}`: {e}{hint}", self.program.display()),
                )
            })?;
        let missing = || io::Error::other("ssh started without the pipes asked for");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr = child.stderr.take().ok_or_else(missing)?;
        let (closed_tx, closed_rx) = oneshot::channel::<()>();
        let (exit_tx, exit_rx) = oneshot::channel();
        let program = self.program.display().to_string();
        // Owns the process: reports how it ended, or, once the connection is
        // dropped, returns, and dropping `child` kills ssh (kill_on_drop).
        tokio::spawn(async move {
            let mut child = child;
            let ended = std::pin::pin!(async {
                let (status, stderr) = join(child.wait(), read_bounded(stderr)).await;
                SshFailure {
                    program,
                    code: status
                        .ok()
                        .and_then(|s| if s.success() { Some(0) } else { s.code() }),
                    stderr,
                }
            });
            if let Either::Left((ended, _)) = select(ended, closed_rx).await {
                let _ = exit_tx.send(ended);
            }
        });
        Ok(SshStream {
            stdin: Some(stdin),
            stdout,
            read_any: false,
            exit: Exit::Running(exit_rx),
            _closed: closed_tx,
        })
    }
}

/// Reads stderr to its end, keeping the first [`STDERR_LIMIT`] bytes.
async fn read_bounded(mut stderr: ChildStderr) -> String {
    let mut kept = Vec::new();
    let mut dropped = 0usize;
    let mut chunk = [0u8; 1024];
    loop {
        match stderr.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = STDERR_LIMIT - kept.len();
                kept.extend_from_slice(&chunk[..n.min(room)]);
                dropped = dropped.saturating_add(n.saturating_sub(room));
            }
        }
    }
    let mut text = String::from_utf8_lossy(&kept).trim().to_string();
    if dropped > 0 {
        text.push_str(&format!(" ... ({dropped} more bytes)"));
    }
    text
}

/// ssh ended before the daemon said anything: the connection never reached
/// dockerd. Carries what ssh wrote on stderr (at most 4 KiB), which says why:
/// the host key, the key refused, `docker: command not found`, ...
///
/// It is the source of an [`Error::Connect`](crate::Error::Connect) for an
/// `ssh://` host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}", ended(program, *code), said(stderr))]
pub struct SshFailure {
    program: String,
    code: Option<i32>,
    stderr: String,
}

impl SshFailure {
    /// The exit code of ssh (255 for its own failures, else the remote
    /// command's, e.g. 127 when `docker` is not found); `None` when a signal
    /// ended it.
    pub fn exit_code(&self) -> Option<i32> {
        self.code
    }

    /// What ssh wrote on stderr, trimmed, cut after 4 KiB.
    pub fn stderr(&self) -> &str {
        &self.stderr
    }
}

/// How ssh ended, for the message.
fn ended(program: &str, code: Option<i32>) -> String {
    match code {
        Some(code) => format!("`{program}` exited with status {code}"),
        None => format!("`{program}` was ended by a signal"),
    }
}

/// What ssh wrote, or that it wrote nothing, for the message.
fn said(stderr: &str) -> String {
    if stderr.is_empty() {
        " before the daemon answered, saying nothing on stderr".to_string()
    } else {
        format!(" before the daemon answered: {stderr}")
    }
}

enum Exit {
    Running(oneshot::Receiver<SshFailure>),
    /// How it ended; `None` once the owner task is gone without a word.
    Ended(Option<SshFailure>),
}

/// One connection: ssh's stdout to read, its stdin to write.
struct SshStream {
    /// `None` once shut down: closing the pipe is how ssh learns of the end
    /// of input and passes it on (`docker system dial-stdio` then half-closes
    /// its connection to the daemon, which sees EOF on the process's stdin).
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    /// Whether the daemon has sent anything: an end after that is the
    /// connection's own business, not a failure of ssh.
    read_any: bool,
    exit: Exit,
    /// Dropped with the stream, which tells the owner task to kill ssh.
    _closed: oneshot::Sender<()>,
}

impl SshStream {
    /// Waits for ssh to end and tells why, when it failed.
    fn poll_failure(&mut self, cx: &mut Context<'_>) -> Poll<Option<SshFailure>> {
        if let Exit::Running(rx) = &mut self.exit {
            let ended = match Pin::new(rx).poll(cx) {
                Poll::Ready(ended) => ended.ok(),
                Poll::Pending => return Poll::Pending,
            };
            self.exit = Exit::Ended(ended);
        }
        match &self.exit {
            Exit::Ended(Some(failure)) if failure.code != Some(0) => {
                Poll::Ready(Some(failure.clone()))
            }
            _ => Poll::Ready(None),
        }
    }
}

impl AsyncRead for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stdout).poll_read(cx, buf);
        match read {
            Poll::Ready(Ok(())) if buf.filled().len() > before => {
                this.read_any = true;
                Poll::Ready(Ok(()))
            }
            // The end before a single byte: ssh (or the remote command) gave
            // up. Its exit and stderr say why; a clean exit stays a plain end.
            Poll::Ready(Ok(())) if !this.read_any && buf.remaining() > 0 => {
                match this.poll_failure(cx) {
                    Poll::Ready(Some(failure)) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        failure,
                    ))),
                    Poll::Ready(None) => Poll::Ready(Ok(())),
                    Poll::Pending => Poll::Pending,
                }
            }
            other => other,
        }
    }
}

impl AsyncWrite for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let Some(stdin) = &mut this.stdin else {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the connection's input was shut down",
            )));
        };
        match Pin::new(stdin).poll_write(cx, buf) {
            // ssh closed its end of stdin: it is ending, and its exit says why.
            Poll::Ready(Err(e)) => match this.poll_failure(cx) {
                Poll::Ready(Some(failure)) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    failure,
                ))),
                Poll::Ready(None) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().stdin {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Closes ssh's stdin (a pipe has no half-close but closing): the remote
    /// end sees EOF, while ssh's stdout stays open for the rest of the answer.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(stdin) = &mut this.stdin {
            ready!(Pin::new(stdin).poll_flush(cx))?;
        }
        this.stdin = None;
        Poll::Ready(Ok(()))
    }
}

/// Rewords an error of an `ssh://` host: a connect error names the address
/// as given, and a request that failed because ssh ended before the daemon
/// said anything is a connect error too (dockerd saw nothing), with ssh's
/// own words as its source.
pub(crate) fn explain(error: Error, endpoint: String) -> Error {
    match error {
        Error::Connect { source, .. } => Error::Connect { endpoint, source },
        Error::Transport {
            source,
            method,
            path,
        } => {
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
            while let Some(e) = cause {
                // An io::Error's `source()` skips the error it wraps: look inside.
                let inner = e
                    .downcast_ref::<io::Error>()
                    .and_then(|io| io.get_ref())
                    .map_or(e, |inner| inner as &(dyn std::error::Error + 'static));
                if let Some(failure) = inner.downcast_ref::<SshFailure>() {
                    return Error::Connect {
                        endpoint,
                        source: Box::new(failure.clone()),
                    };
                }
                cause = e.source();
            }
            Error::Transport {
                source,
                method,
                path,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> SshTarget {
        SshTarget::parse(url).unwrap().unwrap()
    }

    fn strings(args: Vec<OsString>) -> Vec<String> {
        args.into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    /// The messages are the hand-written ones of before thiserror, each
    /// cause said once (the failure has no source of its own).
    #[test]
    fn failure_messages() {
        let failure = |code, stderr: &str| SshFailure {
            program: "ssh".into(),
            code,
            stderr: stderr.into(),
        };
        assert_eq!(
            failure(Some(255), "Permission denied (publickey).").to_string(),
            "`ssh` exited with status 255 before the daemon answered: Permission denied (publickey)."
        );
        assert_eq!(
            failure(None, "").to_string(),
            "`ssh` was ended by a signal before the daemon answered, saying nothing on stderr"
        );
        assert!(std::error::Error::source(&failure(Some(1), "x")).is_none());
    }

    #[test]
    fn addresses_parse_as_the_cli_reads_them() {
        assert_eq!(SshTarget::parse("unix:///x").unwrap(), None);
        let t = parse("ssh://me@build-box:2222");
        assert_eq!(
            (t.user.as_deref(), t.host.as_str(), t.port),
            (Some("me"), "build-box", Some(2222))
        );
        let t = parse("ssh://host/");
        assert_eq!((t.user, t.host.as_str(), t.port), (None, "host", None));
        let t = parse("ssh://root@[::1]:22");
        assert_eq!((t.host.as_str(), t.port), ("::1", Some(22)));
        assert_eq!(parse("ssh://[fe80::1]").host, "fe80::1");
    }

    #[test]
    fn unsafe_or_malformed_addresses_are_refused_naming_docker_host() {
        for (url, says) in [
            (
                "ssh://-oProxyCommand=touch%20x",
                "host must not start with '-'",
            ),
            (
                "ssh://-oProxyCommand=x@host",
                "user must not start with '-'",
            ),
            ("ssh://me:secret@host", "password"),
            ("ssh://@host", "user before '@' is empty"),
            ("ssh://", "missing host"),
            ("ssh://me@", "missing host"),
            ("ssh://host:0", "port"),
            ("ssh://host:70000", "port"),
            ("ssh://host:", "port"),
            ("ssh://host/var/run/docker.sock", "no path"),
            ("ssh://host?x=1", "no path"),
            ("ssh://::1", "brackets"),
            ("ssh://[::1", "closing"),
            ("ssh://[::1]x", "only :port"),
            ("ssh://a b", "spaces"),
            ("ssh://a\nb@h", "spaces"),
        ] {
            let err = SshTarget::parse(url).unwrap_err();
            let text = err.to_string();
            assert!(
                matches!(err, Error::InvalidInput { ref field, .. } if field == "DOCKER_HOST"),
                "{url}: {err:?}"
            );
            assert!(text.contains(says), "{url}: {text}");
        }
    }

    #[test]
    fn argv_never_prompts_and_ends_options_before_the_host() {
        let t = parse("ssh://me@box:2222");
        let args = strings(t.args(&["-i".into(), "/k".into()], Duration::from_millis(2500)));
        assert_eq!(
            args,
            [
                "-i",
                "/k",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=3",
                "-T",
                "-p",
                "2222",
                "-l",
                "me",
                "--",
                "box",
                "docker",
                "system",
                "dial-stdio"
            ]
        );
        let args = strings(parse("ssh://box").args(&[], Duration::ZERO));
        assert_eq!(
            args,
            [
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=1",
                "-T",
                "--",
                "box",
                "docker",
                "system",
                "dial-stdio"
            ]
        );
    }

    #[test]
    fn failure_says_status_and_stderr() {
        let f = SshFailure {
            program: "ssh".into(),
            code: Some(255),
            stderr: "Permission denied (publickey).".into(),
        };
        assert_eq!(
            f.to_string(),
            "`ssh` exited with status 255 before the daemon answered: Permission denied (publickey)."
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn stderr_is_kept_bounded() {
        // A stand-in for ssh's stderr: any child whose stderr is a pipe.
        let script = "i=0; while [ $i -lt 3000 ]; do echo xxxxxxxxx >&2; i=$((i+1)); done";
        let mut child = Command::new("sh")
            .args(["-c", script])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let text = read_bounded(child.stderr.take().unwrap()).await;
        child.wait().await.unwrap();
        assert!(text.len() < STDERR_LIMIT + 40, "{}", text.len());
        assert!(text.ends_with("(25904 more bytes)"), "{text}");
    }
}
