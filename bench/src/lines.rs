//! Section `lines`: short-line streams, as dockerd sends them, of five kinds:
//! logs, followed logs (one frame per 100-byte line, each its own HTTP chunk,
//! 108 bytes on the wire), events (one JSON `start` event per chunk), and the
//! output of exec and attach (the same frames, each its own write on a
//! hijacked connection). Read by docker-engine and bollard on both runtimes
//! and by the docker CLI. Every reader runs in a child process of its own,
//! reaped with `wait4`, so its CPU time and context switches (all threads,
//! from the kernel's rusage) are its own and nothing else's.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Instant;

use futures_util::StreamExt;

use crate::report::{Goal, Row};
use crate::stats::median;
use crate::stream::Stub;
use crate::Config;

/// Length of every log line (the payload of one frame).
pub const LINE: usize = 100;

/// One kind of short-line stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `GET /containers/{id}/logs` of an exited container.
    Logs,
    /// The same with `follow=1` (the stub ends it by closing).
    Follow,
    /// `GET /events`: one container `start` event per chunk.
    Events,
    /// Exec create, then `POST /exec/{id}/start` hijacked: frames on the raw socket.
    Exec,
    /// `POST /containers/{id}/attach` hijacked: frames on the raw socket.
    Attach,
}

/// Every kind, in the table's order.
pub const KINDS: [Kind; 5] = [
    Kind::Logs,
    Kind::Follow,
    Kind::Events,
    Kind::Exec,
    Kind::Attach,
];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Logs => "logs",
            Kind::Follow => "follow",
            Kind::Events => "events",
            Kind::Exec => "exec",
            Kind::Attach => "attach",
        }
    }

    pub fn parse(s: &str) -> Kind {
        KINDS
            .into_iter()
            .find(|k| k.name() == s)
            .unwrap_or_else(|| {
                panic!("unknown kind {s} (BENCH_LINES_KINDS: logs,follow,events,exec,attach)")
            })
    }

    /// The docker CLI command that reads this kind.
    fn cli_args(self) -> &'static [&'static str] {
        match self {
            Kind::Logs => &["logs", "bench"],
            Kind::Follow => &["logs", "--follow", "bench"],
            Kind::Events => &["events"],
            Kind::Exec => &["exec", "bench", "cat"],
            Kind::Attach => &["attach", "--no-stdin", "bench"],
        }
    }

    /// How the row names the stream.
    fn label(self, n: usize, event_len: usize) -> String {
        match self {
            Kind::Logs => format!("short-line logs, {n} lines of {LINE} B, one chunk each"),
            Kind::Follow => {
                format!(
                    "short-line followed logs (`follow=1`), {n} lines of {LINE} B, one chunk each"
                )
            }
            Kind::Events => {
                format!("events, {n} container `start` events of {event_len} B, one chunk each")
            }
            Kind::Exec => {
                format!("short-line exec output (hijacked), {n} lines of {LINE} B, one write each")
            }
            Kind::Attach => format!(
                "short-line attach output (hijacked), {n} lines of {LINE} B, one write each"
            ),
        }
    }
}

/// One reader of the same stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Reader {
    /// docker-engine in the `block_on` of a multi-thread runtime: `#[tokio::main]`.
    DeMain,
    /// docker-engine on a current-thread runtime.
    DeCurrent,
    BollardMain,
    BollardCurrent,
    /// `docker logs`, the Go CLI, stdout and stderr to /dev/null.
    Cli,
}

const READERS: [Reader; 5] = [
    Reader::DeMain,
    Reader::BollardMain,
    Reader::Cli,
    Reader::DeCurrent,
    Reader::BollardCurrent,
];

impl Reader {
    fn name(self) -> &'static str {
        match self {
            Reader::DeMain => "de-main",
            Reader::DeCurrent => "de-current",
            Reader::BollardMain => "bollard-main",
            Reader::BollardCurrent => "bollard-current",
            Reader::Cli => "cli",
        }
    }

    fn parse(s: &str) -> Reader {
        READERS
            .into_iter()
            .find(|r| r.name() == s)
            .unwrap_or_else(|| panic!("unknown reader {s}"))
    }
}

/// A figure of the table: its name, its unit and where it comes from.
type Measure = (&'static str, &'static str, fn(&Cost) -> f64);

/// What one run of one reader cost.
#[derive(Clone, Copy, Debug)]
struct Cost {
    wall: f64,
    cpu: f64,
    switches: f64,
}

/// Runs `child` to its end and returns its wall time, CPU time (user +
/// system) and context switches (voluntary + involuntary), all threads.
fn measure(mut child: Command) -> Cost {
    let started = Instant::now();
    let child = child.spawn().expect("spawn reader");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // `Child::wait` throws the rusage away, so the child is reaped here.
    // SAFETY: `rusage` is plain integers, for which all-zero is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live locals of the right types; `pid` is
    // our own child, not yet reaped (std never waits on it: it is dropped
    // without `wait`).
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(reaped, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "reader exited with status {status}"
    );
    drop(child);
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Cost {
        wall,
        cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        switches: (usage.ru_nvcsw + usage.ru_nivcsw) as f64,
    }
}

/// `bench lines-child <kind> <reader> <socket> <lines>`: reads the stub's
/// stream of that kind once and checks the count (payload bytes, or events).
pub fn child_main(args: &[String]) {
    let [kind, reader, socket, lines] = args else {
        panic!("usage: lines-child <kind> <reader> <socket> <lines>");
    };
    let kind = Kind::parse(kind);
    let reader = Reader::parse(reader);
    let lines: u64 = lines.parse().expect("lines");
    let rt = match reader {
        // What `#[tokio::main]` builds: the reader runs in `block_on` on the
        // main thread, the runtime's workers beside it.
        Reader::DeMain | Reader::BollardMain => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    }
    .expect("runtime");
    let got = rt.block_on(async {
        match reader {
            Reader::DeMain | Reader::DeCurrent => read_de(kind, socket).await,
            Reader::BollardMain | Reader::BollardCurrent => read_bollard(kind, socket).await,
            Reader::Cli => unreachable!("the CLI is run directly"),
        }
    });
    let want = match kind {
        Kind::Events => lines,
        _ => lines * LINE as u64,
    };
    assert_eq!(got, want, "{} {} miscounted", reader.name(), kind.name());
}

/// Payload bytes of every frame of a docker-engine output stream.
async fn count_de(mut output: docker_engine::frames::LogStream) -> u64 {
    let mut n = 0u64;
    while let Some(frame) = output.next().await {
        n += frame.expect("docker-engine frame").message().len() as u64;
    }
    n
}

/// Reads one stream of `kind` with docker-engine: payload bytes, or `start` events.
async fn read_de(kind: Kind, socket: &str) -> u64 {
    let docker = crate::clients::docker_engine(socket);
    match kind {
        Kind::Logs | Kind::Follow => {
            let options = docker_engine::LogsOptions {
                follow: kind == Kind::Follow,
                ..Default::default()
            };
            let logs = docker
                .containers()
                .logs("bench", options)
                .await
                .expect("docker-engine logs");
            count_de(logs).await
        }
        Kind::Events => {
            let mut events = docker
                .events(docker_engine::EventsOptions::default())
                .await
                .expect("docker-engine events");
            let mut n = 0u64;
            while let Some(event) = events.next().await {
                let event = event.expect("docker-engine event");
                n += u64::from(event.action.as_deref() == Some("start"));
            }
            n
        }
        Kind::Exec => {
            let config = docker_engine::models::ExecConfig {
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                cmd: Some(vec!["cat".to_string()]),
                ..Default::default()
            };
            let id = docker
                .exec()
                .create("bench", &config)
                .await
                .expect("docker-engine exec create")
                .id;
            let attached = docker
                .exec()
                .start(&id, docker_engine::StartExecOptions::default())
                .await
                .expect("docker-engine exec start");
            count_de(attached.into_parts().0).await
        }
        Kind::Attach => {
            let options = docker_engine::AttachOptions {
                stream: true,
                stdout: true,
                stderr: true,
                ..Default::default()
            };
            let attached = docker
                .containers()
                .attach("bench", options)
                .await
                .expect("docker-engine attach");
            count_de(attached.into_parts().0).await
        }
    }
}

/// Payload bytes of every frame of a bollard output stream.
async fn count_bollard<S>(mut output: S) -> u64
where
    S: futures_util::Stream<Item = Result<bollard::container::LogOutput, bollard::errors::Error>>
        + Unpin,
{
    let mut n = 0u64;
    while let Some(frame) = output.next().await {
        n += frame.expect("bollard frame").as_ref().len() as u64;
    }
    n
}

/// Reads one stream of `kind` with bollard: payload bytes, or `start` events.
async fn read_bollard(kind: Kind, socket: &str) -> u64 {
    let docker = crate::clients::bollard(socket).await;
    match kind {
        Kind::Logs | Kind::Follow => {
            let options = bollard::query_parameters::LogsOptionsBuilder::default()
                .follow(kind == Kind::Follow)
                .stdout(true)
                .stderr(true)
                .build();
            count_bollard(Box::pin(docker.logs("bench", Some(options)))).await
        }
        Kind::Events => {
            let mut events = Box::pin(docker.events(None));
            let mut n = 0u64;
            while let Some(event) = events.next().await {
                let event = event.expect("bollard event");
                n += u64::from(event.action.as_deref() == Some("start"));
            }
            n
        }
        Kind::Exec => {
            let config = bollard::exec::CreateExecOptions {
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                cmd: Some(vec!["cat"]),
                ..Default::default()
            };
            let id = docker
                .create_exec("bench", config)
                .await
                .expect("bollard create_exec")
                .id;
            match docker
                .start_exec(&id, None)
                .await
                .expect("bollard start_exec")
            {
                bollard::exec::StartExecResults::Attached { output, .. } => {
                    count_bollard(output).await
                }
                bollard::exec::StartExecResults::Detached => panic!("bollard exec detached"),
            }
        }
        Kind::Attach => {
            let options = bollard::query_parameters::AttachContainerOptionsBuilder::default()
                .stream(true)
                .stdout(true)
                .stderr(true)
                .build();
            let attached = docker
                .attach_container("bench", Some(options))
                .await
                .expect("bollard attach_container");
            count_bollard(attached.output).await
        }
    }
}

fn command(kind: Kind, reader: Reader, socket: &str, lines: usize) -> Command {
    let mut cmd = match reader {
        Reader::Cli => {
            let mut cmd = Command::new("docker");
            cmd.args(kind.cli_args())
                .env("DOCKER_HOST", format!("unix://{socket}"));
            cmd
        }
        _ => {
            let mut cmd = Command::new(std::env::current_exe().expect("current exe"));
            cmd.args([
                "lines-child",
                kind.name(),
                reader.name(),
                socket,
                &lines.to_string(),
            ]);
            cmd
        }
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    cmd
}

/// Runs the CLI's command for `kind` once, untimed, with its output captured,
/// and checks that it read the whole stream: every payload byte on stdout, or
/// one line per event. The timed runs send the output to /dev/null instead,
/// and are checked by their exit status only.
fn check_cli(kind: Kind, socket: &str, lines: usize) {
    let mut cmd = command(kind, Reader::Cli, socket, lines);
    let out = cmd.stdout(Stdio::piped()).output().expect("run docker CLI");
    assert!(
        out.status.success(),
        "docker {} exited with {}",
        kind.cli_args().join(" "),
        out.status
    );
    let (got, want) = match kind {
        Kind::Events => (out.stdout.iter().filter(|&&b| b == b'\n').count(), lines),
        _ => (out.stdout.len(), lines * LINE),
    };
    assert_eq!(got, want, "docker {} miscounted", kind.cli_args().join(" "));
}

/// Whether the docker CLI is there to compare with.
fn cli_present() -> bool {
    Command::new("docker")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `min–max` of some figures, for the spread of the runs.
pub fn spread(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{}–{}", crate::report::fmt(min), crate::report::fmt(max))
}

pub fn run(cfg: &Config) -> Vec<Row> {
    // One stub serves every kind: the same frames for logs, exec and attach,
    // as many events as lines.
    let stub = Stub::start(cfg.lines, "small", "lines");
    eprintln!(
        "  lines: {} frames of {LINE} B, {} bytes on the wire; kinds {}",
        stub.frames,
        stub.len,
        cfg.lines_kinds
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(",")
    );
    let cli = cli_present();
    if !cli {
        eprintln!("  lines: no docker CLI on PATH, its column stays empty");
    }
    let mut rows = Vec::new();
    for &kind in &cfg.lines_kinds {
        rows.extend(run_kind(cfg, kind, &stub, cli));
    }
    if cfg.lines_kinds.contains(&Kind::Exec) {
        rows.push(split_exec(cfg));
    }
    rows
}

/// Exec `cat` on the live dockerd with a split reader and writer (the case of
/// issue 22): a spawned task writes `lines` x 100 B into stdin while the
/// `block_on` task reads them back from the output, on a multi-thread runtime.
fn split_exec(cfg: &Config) -> Row {
    type Input = std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>;
    crate::setup::ensure_image();
    let id = crate::setup::running_container();
    let total = (cfg.lines * LINE) as u64;
    let rt = crate::clients::runtime();
    let (de, bo) = rt.block_on(async {
        (
            crate::clients::docker_engine(&cfg.socket),
            crate::clients::bollard(&cfg.socket).await,
        )
    });
    let cmd = || Some(vec!["busybox".to_string(), "cat".to_string()]);
    let (mut de_wall, mut bo_wall, mut hung) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..cfg.lines_runs.max(1) {
        for bollard in [round % 2 == 1, round % 2 == 0] {
            let t = Instant::now();
            let (output, input): (futures_util::stream::BoxStream<'static, usize>, Input) = rt
                .block_on(async {
                    if bollard {
                        let config = bollard::exec::CreateExecOptions {
                            attach_stdin: Some(true),
                            attach_stdout: Some(true),
                            attach_stderr: Some(true),
                            cmd: cmd(),
                            ..Default::default()
                        };
                        let exec = bo
                            .create_exec(&id, config)
                            .await
                            .expect("bollard create_exec")
                            .id;
                        match bo
                            .start_exec(&exec, None)
                            .await
                            .expect("bollard start_exec")
                        {
                            bollard::exec::StartExecResults::Attached { output, input } => (
                                output
                                    .map(|f| f.expect("bollard frame").as_ref().len())
                                    .boxed(),
                                input,
                            ),
                            bollard::exec::StartExecResults::Detached => {
                                panic!("bollard exec detached")
                            }
                        }
                    } else {
                        let config = docker_engine::models::ExecConfig {
                            attach_stdin: Some(true),
                            attach_stdout: Some(true),
                            attach_stderr: Some(true),
                            cmd: cmd(),
                            ..Default::default()
                        };
                        let exec = de
                            .exec()
                            .create(&id, &config)
                            .await
                            .expect("docker-engine exec create")
                            .id;
                        let (output, input) = de
                            .exec()
                            .start(&exec, Default::default())
                            .await
                            .expect("docker-engine exec start")
                            .into_parts();
                        (
                            output
                                .map(|f| f.expect("docker-engine frame").message().len())
                                .boxed(),
                            Box::pin(input) as Input,
                        )
                    }
                });
            // A generous deadline that only a hang reaches (the hang
            // stalled for good): such a run counts as the deadline, and says so.
            let deadline = std::time::Duration::from_secs(60 + total / (1 << 20));
            let n = rt.block_on(async move {
                let writer = tokio::spawn(async move {
                    use tokio::io::AsyncWriteExt;
                    let (mut input, chunk) = (input, vec![b'x'; 64 * 1024]);
                    let mut left = total;
                    while left > 0 {
                        let k = left.min(chunk.len() as u64) as usize;
                        input.write_all(&chunk[..k]).await.expect("write stdin");
                        left -= k as u64;
                    }
                    input // kept open until the output is read back
                });
                let (mut output, mut n) = (output, 0u64);
                let read = async {
                    while n < total {
                        n += output.next().await.expect("exec output ended early") as u64;
                    }
                };
                if tokio::time::timeout(deadline, read).await.is_err() {
                    writer.abort();
                    return n;
                }
                drop(writer.await.expect("writer task"));
                n
            });
            let who = if bollard { "bollard" } else { "docker-engine" };
            let wall = if n == total {
                t.elapsed().as_secs_f64()
            } else {
                eprintln!("  lines split-exec {who}: HUNG after {n} of {total} B");
                hung.push(who);
                deadline.as_secs_f64()
            };
            eprintln!("  lines split-exec {who:<13} run {round}: {wall:.2} s");
            if bollard {
                bo_wall.push(wall)
            } else {
                de_wall.push(wall)
            }
        }
    }
    crate::setup::remove(&id);
    Row {
        metric: format!(
            "exec `cat` on dockerd, {total} B into stdin from a spawned task while the `block_on` task reads them back, #[tokio::main]: wall (runs docker-engine {}, bollard {}{})",
            spread(&de_wall),
            spread(&bo_wall),
            if hung.is_empty() {
                String::new()
            } else {
                format!("; **HUNG**, counted as the deadline: {}", hung.join(", "))
            }
        ),
        unit: "s",
        higher_is_better: false,
        de: Some(median(&de_wall)),
        bollard: Some(median(&bo_wall)),
        floor: None,
        // Issue 22: exec output never slower than bollard.
        goals: vec![Goal::FasterThanPeer(1.0)],
    }
}

/// Every reader of one kind, `cfg.lines_runs` times; that kind's rows.
fn run_kind(cfg: &Config, kind: Kind, stub: &Stub, cli: bool) -> Vec<Row> {
    if cli {
        check_cli(kind, &stub.socket, cfg.lines);
    }
    let mut costs: HashMap<Reader, Vec<Cost>> = HashMap::new();
    for round in 0..cfg.lines_runs {
        let mut order = READERS;
        order.rotate_left(round % READERS.len());
        for reader in order {
            if reader == Reader::Cli && !cli {
                continue;
            }
            let cost = measure(command(kind, reader, &stub.socket, cfg.lines));
            eprintln!(
                "  lines {:<6} {:<16} run {round}: {:.2} s wall, {:.2} s CPU, {:.0} context switches",
                kind.name(),
                reader.name(),
                cost.wall,
                cost.cpu,
                cost.switches
            );
            costs.entry(reader).or_default().push(cost);
        }
    }
    let figures = |reader: Reader, pick: fn(&Cost) -> f64| -> Option<Vec<f64>> {
        costs.get(&reader).map(|c| c.iter().map(pick).collect())
    };
    let med = |v: &Option<Vec<f64>>| v.as_ref().map(|v| median(v));
    let spreads = |de: &Option<Vec<f64>>, bo: &Option<Vec<f64>>, cli: &Option<Vec<f64>>| {
        let one = |name: &str, v: &Option<Vec<f64>>| match v {
            Some(v) => format!("{name} {}", spread(v)),
            None => String::new(),
        };
        [
            one("docker-engine", de),
            one("bollard", bo),
            one("CLI", cli),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
    };
    let label = kind.label(cfg.lines, crate::stream::event_pool()[0].len());
    let mut rows = Vec::new();
    let measures: [Measure; 3] = [
        ("wall", "s", |c| c.wall),
        ("CPU (user+system, all threads)", "s", |c| c.cpu),
        ("context switches (all threads)", "count", |c| c.switches),
    ];
    for (runtime, de, bo) in [
        ("#[tokio::main]", Reader::DeMain, Reader::BollardMain),
        ("current_thread", Reader::DeCurrent, Reader::BollardCurrent),
    ] {
        for (i, (what, unit, pick)) in measures.iter().enumerate() {
            let (d, b, c) = (
                figures(de, *pick),
                figures(bo, *pick),
                figures(Reader::Cli, *pick),
            );
            let goals = match kind {
                // Issue 22, on the wall time of `#[tokio::main]`: logs,
                // followed logs and events at least as fast as the docker
                // CLI and at least 3x as fast as bollard.
                Kind::Logs | Kind::Follow | Kind::Events if i == 0 && de == Reader::DeMain => {
                    vec![Goal::FasterThanCli(1.0), Goal::FasterThanPeer(3.0)]
                }
                // Exec and attach output, whose cost is the kernel's: never
                // slower than bollard or the CLI, on either runtime.
                Kind::Exec | Kind::Attach if i == 0 => {
                    vec![Goal::FasterThanCli(1.0), Goal::FasterThanPeer(1.0)]
                }
                _ => Vec::new(),
            };
            rows.push(Row {
                metric: format!(
                    "{label}, {runtime}: {what} (floor column: `docker {}`; runs {})",
                    kind.cli_args().join(" "),
                    spreads(&d, &b, &c)
                ),
                unit,
                higher_is_better: false,
                de: med(&d),
                bollard: med(&b),
                floor: if i == 0 || de == Reader::DeMain {
                    med(&c)
                } else {
                    None
                },
                goals,
            });
        }
    }
    // The runtime ratio: reported, no longer a goal (issue 22).
    let (main, current) = (
        figures(Reader::DeMain, |c| c.wall),
        figures(Reader::DeCurrent, |c| c.wall),
    );
    if let (Some(main), Some(current)) = (main, current) {
        rows.push(Row {
            metric: format!(
                "{}, docker-engine wall: #[tokio::main] / current_thread (reported, not a goal)",
                label.split(',').next().unwrap_or_default(),
            ),
            unit: "ratio",
            higher_is_better: false,
            de: Some(median(&main) / median(&current)),
            bollard: None,
            floor: None,
            goals: Vec::new(),
        });
    }
    rows
}
