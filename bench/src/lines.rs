//! Section `lines`: short-line logs, as dockerd sends them. One frame per
//! 100-byte line, each its own HTTP chunk (108 bytes on the wire), read by
//! docker-engine and bollard on both runtimes and by the docker CLI. Every
//! reader runs in a child process of its own, reaped with `wait4`, so its
//! CPU time and context switches (all threads, from the kernel's rusage)
//! are its own and nothing else's.

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

/// One reader of the same logs.
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

/// `bench lines-child <reader> <socket> <lines>`: reads the stub's logs once
/// and checks the count.
pub fn child_main(args: &[String]) {
    let [reader, socket, lines] = args else {
        panic!("usage: lines-child <reader> <socket> <lines>");
    };
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
    let bytes = rt.block_on(async {
        match reader {
            Reader::DeMain | Reader::DeCurrent => {
                let docker = crate::clients::docker_engine(socket);
                let mut logs = docker
                    .containers()
                    .logs("bench", docker_engine::LogsOptions::default())
                    .await
                    .expect("docker-engine logs");
                let mut n = 0u64;
                while let Some(frame) = logs.next().await {
                    n += frame.expect("docker-engine frame").message().len() as u64;
                }
                n
            }
            Reader::BollardMain | Reader::BollardCurrent => {
                let docker = crate::clients::bollard(socket).await;
                let options = bollard::query_parameters::LogsOptionsBuilder::default()
                    .stdout(true)
                    .stderr(true)
                    .build();
                let mut logs = docker.logs("bench", Some(options));
                let mut n = 0u64;
                while let Some(frame) = logs.next().await {
                    n += frame.expect("bollard frame").as_ref().len() as u64;
                }
                n
            }
            Reader::Cli => unreachable!("the CLI is run directly"),
        }
    });
    assert_eq!(bytes, lines * LINE as u64, "{} miscounted", reader.name());
}

fn command(reader: Reader, socket: &str, lines: usize) -> Command {
    let mut cmd = match reader {
        Reader::Cli => {
            let mut cmd = Command::new("docker");
            cmd.args(["logs", "bench"])
                .env("DOCKER_HOST", format!("unix://{socket}"));
            cmd
        }
        _ => {
            let mut cmd = Command::new(std::env::current_exe().expect("current exe"));
            cmd.args(["lines-child", reader.name(), socket, &lines.to_string()]);
            cmd
        }
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    cmd
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
    let stub = Stub::start(cfg.lines, "small", "lines");
    eprintln!(
        "  lines: {} frames of {LINE} B, {} bytes on the wire",
        stub.frames, stub.len
    );
    let cli = cli_present();
    if !cli {
        eprintln!("  lines: no docker CLI on PATH, its column stays empty");
    }
    let mut costs: HashMap<Reader, Vec<Cost>> = HashMap::new();
    for round in 0..cfg.lines_runs {
        let mut order = READERS;
        order.rotate_left(round % READERS.len());
        for reader in order {
            if reader == Reader::Cli && !cli {
                continue;
            }
            let cost = measure(command(reader, &stub.socket, cfg.lines));
            eprintln!(
                "  lines {:<16} run {round}: {:.2} s wall, {:.2} s CPU, {:.0} context switches",
                reader.name(),
                cost.wall,
                cost.cpu,
                cost.switches
            );
            costs.entry(reader).or_default().push(cost);
        }
    }
    drop(stub);
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
    let n = cfg.lines;
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
            // Goal 1 (wall on the default runtime): at least the CLI's
            // throughput (wall ≤ 1.0x) and at least 3x bollard's (≤ 0.33x).
            let goals = if i == 0 && de == Reader::DeMain {
                vec![Goal::AtMostFloor(1.0), Goal::AtMostPeer(1.0 / 3.0)]
            } else {
                Vec::new()
            };
            rows.push(Row {
                metric: format!(
                    "short-line logs, {n} lines of {LINE} B, one chunk each, {runtime}: {what} (floor column: `docker logs`; runs {})",
                    spreads(&d, &b, &c)
                ),
                unit,
                higher_is_better: false,
                de: med(&d),
                bollard: med(&b),
                floor: if i == 0 || de == Reader::DeMain { med(&c) } else { None },
                goals,
            });
        }
    }
    // Goal 1, second part: the default runtime at least 0.9x current_thread's
    // throughput, i.e. its wall time at most 1/0.9 of it.
    let (main, current) = (
        figures(Reader::DeMain, |c| c.wall),
        figures(Reader::DeCurrent, |c| c.wall),
    );
    if let (Some(main), Some(current)) = (main, current) {
        rows.push(Row {
            metric: format!(
                "short-line logs, docker-engine wall: #[tokio::main] / current_thread (goal: throughput ≥ 0.9x, so below {:.3})",
                1.0 / 0.9
            ),
            unit: "ratio",
            higher_is_better: false,
            de: Some(median(&main) / median(&current)),
            bollard: None,
            floor: None,
            goals: vec![Goal::Below(1.0 / 0.9)],
        });
    }
    rows
}
