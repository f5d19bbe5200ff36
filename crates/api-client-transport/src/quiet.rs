//! Plain sockets that step off tokio's reactor while they are being drained.
//!
//! A tokio socket stays registered with the runtime's epoll, edge-triggered,
//! for its whole life, so every write the peer makes wakes whichever thread
//! sleeps in `epoll_wait`, whether or not anybody waits for the socket. On a
//! multi-thread runtime whose reader runs elsewhere (`#[tokio::main]`'s
//! `block_on`, or a worker busy with the stream), that is an idle worker woken
//! once per chunk the daemon writes: dockerd writes each log line on its own,
//! and a million lines cost a million pointless wake-ups (`strace -c`: 69,708
//! `epoll_wait` returns against 3,199 reads of the reader itself).
//!
//! A [`Quiet`] socket reads while data keeps coming without being registered:
//! when a read through the reactor fills the caller's buffer, more is likely
//! queued, so the socket is taken off the reactor and read directly until the
//! kernel says `WouldBlock`; then it is registered again and waits as any
//! tokio socket does. Registering reports data already queued (epoll checks
//! the socket when it is added), so nothing can be missed in between. A
//! trickle never leaves the reactor: its reads come back short.

use std::io::{self, Read as _, Write as _};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::runtime::Handle;

/// The most one direct read takes: the size of the copy buffer it reads into.
const DIRECT_READ: usize = 64 * 1024;

/// A tokio socket that can leave the reactor and come back.
pub(crate) trait Socket: AsyncRead + AsyncWrite + Unpin + Sized {
    /// The same socket, unregistered (still non-blocking).
    type Std: io::Read + io::Write + Unpin;
    fn into_std(self) -> io::Result<Self::Std>;
    fn from_std(std: Self::Std) -> io::Result<Self>;
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    fn shutdown_write(std: &Self::Std) -> io::Result<()>;
}

impl Socket for tokio::net::TcpStream {
    type Std = std::net::TcpStream;
    fn into_std(self) -> io::Result<Self::Std> {
        tokio::net::TcpStream::into_std(self)
    }
    fn from_std(std: Self::Std) -> io::Result<Self> {
        tokio::net::TcpStream::from_std(std)
    }
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::net::TcpStream::poll_read_ready(self, cx)
    }
    fn shutdown_write(std: &Self::Std) -> io::Result<()> {
        std.shutdown(std::net::Shutdown::Write)
    }
}

#[cfg(all(unix, feature = "unix"))]
impl Socket for tokio::net::UnixStream {
    type Std = std::os::unix::net::UnixStream;
    fn into_std(self) -> io::Result<Self::Std> {
        tokio::net::UnixStream::into_std(self)
    }
    fn from_std(std: Self::Std) -> io::Result<Self> {
        tokio::net::UnixStream::from_std(std)
    }
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::net::UnixStream::poll_read_ready(self, cx)
    }
    fn shutdown_write(std: &Self::Std) -> io::Result<()> {
        std.shutdown(std::net::Shutdown::Write)
    }
}

enum State<S: Socket> {
    /// On the reactor: waits like any tokio socket.
    Registered(TokioIo<S>),
    /// Off the reactor while data keeps coming; read and written directly.
    Direct(S::Std),
    /// Moving between the two failed; the socket is closed.
    Lost,
}

/// A socket that reads a flood off the reactor and waits on it (module docs).
pub(crate) struct Quiet<S: Socket> {
    state: State<S>,
    /// Where `from_std` registers the socket again, even when the reader is
    /// polled from outside the runtime's context; without one the socket
    /// never leaves the reactor.
    runtime: Option<Handle>,
    /// Direct reads land here before they are copied into hyper's buffer.
    copy: Vec<u8>,
    /// Whether the peer is a plain-HTTP proxy (hyper then writes requests in
    /// absolute form).
    proxied: bool,
}

impl<S: Socket> Quiet<S> {
    /// Wraps a connected tokio socket; `proxied` when its peer is a plain-HTTP
    /// proxy.
    pub(crate) fn new(socket: S, proxied: bool) -> Self {
        let state = State::Registered(TokioIo::new(socket));
        // Sockets are connected inside a runtime, so there is one to return to.
        let runtime = Handle::try_current().ok();
        Self {
            state,
            runtime,
            copy: Vec::new(),
            proxied,
        }
    }

    fn lost() -> io::Error {
        io::Error::new(
            io::ErrorKind::NotConnected,
            "the socket was lost moving on or off the runtime's reactor",
        )
    }

    /// Takes the socket off the reactor.
    fn go_direct(&mut self) -> io::Result<()> {
        // Only on unix does tokio clear a socket's readiness after a short
        // read, which is what tells a flood from a trickle; elsewhere the
        // socket simply stays on the reactor.
        if !cfg!(unix) || self.runtime.is_none() {
            return Ok(());
        }
        match std::mem::replace(&mut self.state, State::Lost) {
            State::Registered(io) => {
                self.state = State::Direct(io.into_inner().into_std()?);
                Ok(())
            }
            other => {
                self.state = other;
                Ok(())
            }
        }
    }

    /// Puts the socket back on the reactor.
    fn register(&mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.state, State::Lost) {
            State::Direct(std) => {
                let _context = self.runtime.as_ref().map(Handle::enter);
                self.state = State::Registered(TokioIo::new(S::from_std(std)?));
                Ok(())
            }
            other => {
                self.state = other;
                Ok(())
            }
        }
    }

    /// Runs `op` on the socket off the reactor; on `WouldBlock` registers it
    /// again and returns `None`, so the caller waits through the reactor.
    fn direct<T>(
        &mut self,
        mut op: impl FnMut(&mut S::Std, &mut Vec<u8>) -> io::Result<T>,
    ) -> Option<io::Result<T>> {
        loop {
            let State::Direct(std) = &mut self.state else {
                return None;
            };
            match op(std, &mut self.copy) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return self.register().err().map(Err);
                }
                other => return Some(other),
            }
        }
    }
}

impl<S: Socket> Read for Quiet<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let want = buf.remaining().min(DIRECT_READ);
        let read = this.direct(|std, copy| {
            copy.resize(want, 0);
            let n = std.read(&mut copy[..want])?;
            Ok(n)
        });
        if let Some(read) = read {
            let n = read?;
            buf.put_slice(&this.copy[..n]);
            return Poll::Ready(Ok(()));
        }
        let State::Registered(io) = &mut this.state else {
            return Poll::Ready(Err(Self::lost()));
        };
        let ready = Pin::new(&mut *io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = ready {
            // tokio keeps the socket marked readable only after a read that
            // filled the buffer: then more is probably queued, and the reads
            // that follow go around the reactor. (`poll_read_ready` on a
            // socket no longer marked readable just registers the waker.)
            if io.inner().poll_read_ready(cx).is_ready() && this.go_direct().is_err() {
                // The bytes just read are still handed over; the socket is
                // gone, and the next operation on it says so.
                tracing::debug!("a socket could not leave the reactor; it is closed");
            }
        }
        ready
    }
}

impl<S: Socket> Write for Quiet<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(written) = this.direct(|std, _| std.write(buf)) {
            return Poll::Ready(written);
        }
        match &mut this.state {
            State::Registered(io) => Pin::new(io).poll_write(cx, buf),
            _ => Poll::Ready(Err(Self::lost())),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(written) = this.direct(|std, _| std.write_vectored(bufs)) {
            return Poll::Ready(written);
        }
        match &mut this.state {
            State::Registered(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            _ => Poll::Ready(Err(Self::lost())),
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A socket buffers nothing in user space.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match &mut this.state {
            State::Registered(io) => Pin::new(io).poll_shutdown(cx),
            State::Direct(std) => Poll::Ready(S::shutdown_write(std)),
            State::Lost => Poll::Ready(Err(Self::lost())),
        }
    }
}

impl<S: Socket> Connection for Quiet<S> {
    fn connected(&self) -> Connected {
        Connected::new().proxy(self.proxied)
    }
}

#[cfg(all(test, unix, feature = "unix"))]
impl<S: Socket> Quiet<S> {
    fn is_direct(&self) -> bool {
        matches!(self.state, State::Direct(_))
    }
}

#[cfg(all(test, unix, feature = "unix"))]
mod tests {
    use super::*;
    use std::os::unix::net::UnixStream as StdUnix;
    use std::sync::mpsc;
    use std::time::Duration;

    use tokio::net::UnixStream;

    /// One `poll_read` into `buf`, awaited: how many bytes came (0 at the end).
    async fn read_some<S: Socket>(quiet: &mut Quiet<S>, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| {
            let mut rb = hyper::rt::ReadBuf::new(buf);
            match Pin::new(&mut *quiet).poll_read(cx, rb.unfilled()) {
                Poll::Ready(Ok(())) => Poll::Ready(Ok(rb.filled().len())),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }

    /// Reads to the end with a 4 KiB buffer; the bytes, and whether the
    /// socket was ever off the reactor (checked after every read).
    async fn read_all<S: Socket>(quiet: &mut Quiet<S>) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let mut went_direct = false;
        let mut buf = [0u8; 4096];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(30), read_some(quiet, &mut buf))
                .await
                .expect("a read hung: a wake-up was lost")
                .expect("read");
            went_direct |= quiet.is_direct();
            if n == 0 {
                return (out, went_direct);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    /// Lines queued before the reader starts.
    const HEAD: usize = 100;

    /// `count` numbered lines of 100 bytes, as a daemon's log lines.
    fn lines(from: usize, count: usize) -> Vec<Vec<u8>> {
        (from..from + count)
            .map(|i| format!("{i:099}\n").into_bytes())
            .collect()
    }

    /// A peer thread writing each line on its own; it tells `started` once
    /// `head` lines are queued, waits for `resume` (if any) before the rest.
    fn writer(
        mut peer: StdUnix,
        all: Vec<Vec<u8>>,
        head: usize,
        resume: Option<mpsc::Receiver<()>>,
    ) -> (std::thread::JoinHandle<()>, mpsc::Receiver<()>) {
        let (started, queued) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            for (i, line) in all.iter().enumerate() {
                if i == head {
                    let _ = started.send(());
                    if let Some(resume) = &resume {
                        resume.recv().expect("resume");
                        // Long enough for the reader to be parked again.
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
                peer.write_all(line).expect("write");
            }
            let _ = started.send(());
        });
        (thread, queued)
    }

    fn pair() -> (UnixStream, StdUnix) {
        let (ours, peer) = StdUnix::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        (UnixStream::from_std(ours).unwrap(), peer)
    }

    async fn flood_is_read_whole_and_off_the_reactor() {
        let (ours, peer) = pair();
        let all = lines(0, 20_000);
        // 100 lines (10,000 bytes) are queued before the first read, so the
        // first 4 KiB read fills its buffer and the socket leaves the reactor.
        // (Not many more: a unix socket charges each small write a whole
        // buffer's overhead, and a blocked writer would never say so.)
        let (thread, queued) = writer(peer, all.clone(), HEAD, None);
        queued.recv().unwrap();
        let mut quiet = Quiet::new(ours, false);
        let (got, went_direct) = read_all(&mut quiet).await;
        thread.join().unwrap();
        assert_eq!(got, all.concat());
        assert!(went_direct, "a flood should be read off the reactor");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_flood_on_current_thread() {
        flood_is_read_whole_and_off_the_reactor().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_on_multi_thread() {
        flood_is_read_whole_and_off_the_reactor().await;
    }

    async fn a_pause_after_the_flood_loses_no_wake_up() {
        let (ours, peer) = pair();
        let all = lines(0, 1_000);
        let (resume, resumed) = mpsc::channel();
        // 100 lines, then a pause until the reader has drained them and is
        // parked, then the rest: the reader must go back on the reactor and
        // be woken for them.
        let (thread, queued) = writer(peer, all.clone(), HEAD, Some(resumed));
        queued.recv().unwrap();
        let mut quiet = Quiet::new(ours, false);
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let mut went_direct = false;
        while got.len() < HEAD * 100 {
            let n = read_some(&mut quiet, &mut buf).await.unwrap();
            went_direct |= quiet.is_direct();
            got.extend_from_slice(&buf[..n]);
        }
        assert!(went_direct);
        resume.send(()).unwrap();
        let (rest, _) = read_all(&mut quiet).await;
        got.extend(rest);
        thread.join().unwrap();
        assert_eq!(got, all.concat());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_pause_on_current_thread() {
        a_pause_after_the_flood_loses_no_wake_up().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pause_on_multi_thread() {
        a_pause_after_the_flood_loses_no_wake_up().await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_trickle_stays_on_the_reactor() {
        let (ours, mut peer) = pair();
        let mut quiet = Quiet::new(ours, false);
        let mut buf = [0u8; 4096];
        for i in 0..20u8 {
            peer.write_all(&[i; 10]).unwrap();
            let n = read_some(&mut quiet, &mut buf).await.unwrap();
            assert_eq!(&buf[..n], &[i; 10]);
            assert!(
                !quiet.is_direct(),
                "a short read must not leave the reactor"
            );
        }
        drop(peer);
        assert_eq!(read_some(&mut quiet, &mut buf).await.unwrap(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_off_the_reactor_wait_for_room_and_arrive_whole() {
        let (ours, peer) = pair();
        let (thread, queued) = writer(peer.try_clone().unwrap(), lines(0, HEAD), HEAD, None);
        queued.recv().unwrap();
        thread.join().unwrap();
        let mut quiet = Quiet::new(ours, false);
        let mut buf = [0u8; 4096];
        let mut drained = 0;
        while drained < HEAD * 100 {
            drained += read_some(&mut quiet, &mut buf).await.unwrap();
        }
        assert!(quiet.is_direct());
        // 4 MiB is far more than the socket buffers hold: the writes run into
        // `WouldBlock`, go back on the reactor and wait for the peer to read.
        let payload: Vec<u8> = (0..4 << 20).map(|i: u32| (i % 251) as u8).collect();
        let reader = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            let mut peer = peer;
            let mut got = Vec::new();
            peer.read_to_end(&mut got).unwrap();
            got
        });
        let mut sent = 0;
        while sent < payload.len() {
            sent += tokio::time::timeout(
                Duration::from_secs(30),
                std::future::poll_fn(|cx| Pin::new(&mut quiet).poll_write(cx, &payload[sent..])),
            )
            .await
            .expect("a write hung")
            .unwrap();
        }
        std::future::poll_fn(|cx| Pin::new(&mut quiet).poll_shutdown(cx))
            .await
            .unwrap();
        assert_eq!(reader.join().unwrap(), payload);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn tcp_floods_leave_the_reactor_too() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let ours = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut peer, _) = listener.accept().unwrap();
        let all = lines(0, 5_000);
        let (done_tx, done) = mpsc::channel();
        let bytes = all.clone();
        let thread = std::thread::spawn(move || {
            for (i, line) in bytes.iter().enumerate() {
                peer.write_all(line).unwrap();
                if i == 100 {
                    let _ = done_tx.send(());
                }
            }
        });
        done.recv().unwrap();
        let mut quiet = Quiet::new(ours, false);
        let (got, went_direct) = read_all(&mut quiet).await;
        thread.join().unwrap();
        assert_eq!(got, all.concat());
        assert!(went_direct);
    }
}
