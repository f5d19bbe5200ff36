//! The table, the goals, the machine and versions, and BENCHMARKS.md.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::Config;

/// A target issue 22 sets for docker-engine's figure on one row. Rows whose
/// figure is not a goal carry none: they are reported only.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// docker-engine / floor at most this (the per-call decoding floor).
    AtMostFloor(f64),
    /// docker-engine / bollard at most this (build time and CPU).
    AtMostPeer(f64),
    /// On a time row: docker-engine at least this many times as fast as
    /// bollard (bollard's time / docker-engine's at least this).
    FasterThanPeer(f64),
    /// On a time row whose floor column is the docker CLI: docker-engine at
    /// least this many times as fast as the CLI.
    FasterThanCli(f64),
}

/// Whether a goal was met, and a one-line account.
pub struct Verdict {
    pub met: bool,
    pub text: String,
}

impl Goal {
    /// The verdict on `row`, or `None` when a figure it needs is missing.
    fn check(self, row: &Row) -> Option<Verdict> {
        let de = row.de?;
        // `r` is the measured ratio, `miss` how far short of the goal it fell
        // (a fraction of the goal), both in the goal's own direction.
        let (met, miss, text) = match self {
            Goal::AtMostFloor(max) => {
                let r = de / row.floor?;
                (
                    r <= max,
                    r / max - 1.0,
                    format!("≤ {max:.2}x floor: {r:.2}x"),
                )
            }
            Goal::AtMostPeer(max) => {
                let r = de / row.bollard?;
                (
                    r <= max,
                    r / max - 1.0,
                    format!("≤ {max:.2}x bollard: {r:.2}x"),
                )
            }
            Goal::FasterThanPeer(min) => {
                let r = row.bollard? / de;
                (
                    r >= min,
                    1.0 - r / min,
                    format!("≥ {min:.2}x bollard's speed: {r:.2}x"),
                )
            }
            Goal::FasterThanCli(min) => {
                let r = row.floor? / de;
                (
                    r >= min,
                    1.0 - r / min,
                    format!("≥ {min:.2}x the docker CLI's speed: {r:.2}x"),
                )
            }
        };
        let text = if met {
            format!("met ({text})")
        } else {
            format!("**MISSED** by {:.0}% ({text})", miss * 100.0)
        };
        Some(Verdict { met, text })
    }
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub metric: String,
    pub unit: &'static str,
    pub higher_is_better: bool,
    pub de: Option<f64>,
    pub bollard: Option<f64>,
    pub floor: Option<f64>,
    pub goals: Vec<Goal>,
}

/// A figure with about three significant digits.
pub fn fmt(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => format!("{:.2}x", a / b),
        _ => "—".into(),
    }
}

fn cell(v: Option<f64>) -> String {
    v.map(fmt).unwrap_or_else(|| "—".into())
}

fn command(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".into())
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Versions of the crates that matter, read from bench/Cargo.lock.
fn locked_versions() -> Vec<(String, String)> {
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock");
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let wanted = [
        "docker-engine",
        "api-client-transport",
        "bollard",
        "bollard-stubs",
        "hyper",
        "hyper-util",
        "hyperlocal",
        "tokio",
        "serde_json",
    ];
    let mut found = Vec::new();
    let mut name: Option<String> = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            if wanted.contains(&n.as_str()) {
                found.push((n, v.trim_matches('"').to_string()));
            }
        }
    }
    found.sort_by_key(|(n, _)| wanted.iter().position(|w| w == n));
    found
}

struct Section {
    name: &'static str,
    rows: Vec<Row>,
    took: Duration,
}

/// Everything one run found.
pub struct Report {
    config: Config,
    date: String,
    load_start: String,
    load_end: String,
    sections: Vec<Section>,
}

impl Report {
    pub fn new(config: &Config) -> Report {
        Report {
            config: config.clone(),
            date: command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            load_start: loadavg(),
            load_end: String::new(),
            sections: Vec::new(),
        }
    }

    pub fn add(&mut self, name: &'static str, rows: Vec<Row>, took: Duration) {
        self.sections.push(Section { name, rows, took });
    }

    pub fn finish(&mut self) {
        self.load_end = loadavg();
    }

    fn rows(&self) -> impl Iterator<Item = (&'static str, &Row)> {
        self.sections
            .iter()
            .flat_map(|s| s.rows.iter().map(move |r| (s.name, r)))
    }

    /// The one table, in markdown.
    pub fn table(&self) -> String {
        let mut t = String::new();
        t.push_str("| section | figure | unit | docker-engine | bollard | floor | de ÷ bollard | de ÷ floor | bollard ÷ floor | goal |\n");
        t.push_str("|---|---|---|--:|--:|--:|--:|--:|--:|---|\n");
        for (section, row) in self.rows() {
            let goal = row
                .goals
                .iter()
                .filter_map(|g| g.check(row))
                .map(|v| v.text)
                .collect::<Vec<_>>()
                .join("; ");
            let better = if row.higher_is_better { "↑" } else { "↓" };
            let _ = writeln!(
                t,
                "| {section} | {} | {} {better} | {} | {} | {} | {} | {} | {} | {} |",
                row.metric,
                row.unit,
                cell(row.de),
                cell(row.bollard),
                cell(row.floor),
                ratio(row.de, row.bollard),
                ratio(row.de, row.floor),
                ratio(row.bollard, row.floor),
                if goal.is_empty() { "—".into() } else { goal },
            );
        }
        t
    }

    /// Goals met and missed, one per line.
    pub fn goals_text(&self) -> String {
        let mut met = 0;
        let mut missed = 0;
        let mut lines = String::new();
        let mut unjudged = 0;
        for (section, row) in self.rows() {
            for goal in &row.goals {
                let text = match goal.check(row) {
                    Some(v) if v.met => {
                        met += 1;
                        v.text
                    }
                    Some(v) => {
                        missed += 1;
                        v.text
                    }
                    None => {
                        unjudged += 1;
                        format!("**NOT JUDGED**: a figure is missing ({goal:?})")
                    }
                };
                let _ = writeln!(lines, "- {section} / {}: {text}", row.metric);
            }
        }
        // A section left out (BENCH_ONLY) leaves its goals unjudged: say so.
        for name in crate::SECTIONS {
            if !self.sections.iter().any(|s| s.name == name) {
                let _ = writeln!(lines, "- {name}: **NOT RUN**, its goals are not judged");
            }
        }
        format!("Goals: {met} met, {missed} missed, {unjudged} not judged.\n\n{lines}")
    }

    pub fn markdown(&self) -> String {
        let c = &self.config;
        let mut m = String::new();
        m.push_str("# Benchmarks\n\n");
        m.push_str(
            "docker-engine side by side with [bollard](https://crates.io/crates/bollard) (what a \
             user would pick instead) and with a raw hyper request on the same socket (the floor: \
             hyper-util's legacy client + hyperlocal, no SDK). Every figure below comes from one \
             run of `bench/run.sh` on one machine; each is the median over repeated runs, and \
             the ratios are what to read, since the machine is shared and noisy.\n\n\
             This file is written by the benchmark program (`bench/`); only the analysis at the \
             end comes from `bench/ANALYSIS.md`. Run it again with `bench/run.sh` (all sizes can \
             be made smaller through the environment, see `bench/README.md`).\n\n",
        );
        let _ = writeln!(m, "## Machine and versions\n");
        let _ = writeln!(m, "- date: {}", self.date);
        let _ = writeln!(
            m,
            "- machine: {} cores ({}), {} memory, Linux {}",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0),
            cpu_model(),
            mem_total(),
            std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
        );
        let _ = writeln!(
            m,
            "- load average (1/5/15 min) at start: {}; at end: {} (other jobs shared the machine)",
            self.load_start, self.load_end
        );
        let _ = writeln!(m, "- daemon: dockerd {}", crate::setup::daemon_version());
        let _ = writeln!(m, "- compiler: {}", command("rustc", &["-V"]));
        let git = command(
            "git",
            &[
                "-C",
                env!("CARGO_MANIFEST_DIR"),
                "rev-parse",
                "--short",
                "HEAD",
            ],
        );
        let dirty = command(
            "git",
            &[
                "-C",
                env!("CARGO_MANIFEST_DIR"),
                "status",
                "--porcelain",
                "--",
                "../crates/docker-engine",
                "../crates/api-client-transport",
                ".",
            ],
        );
        let dirty = if dirty.is_empty() || dirty == "unknown" {
            ""
        } else {
            " (with uncommitted changes)"
        };
        let _ = writeln!(m, "- workspace commit: {git}{dirty}");
        let versions = locked_versions()
            .into_iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(m, "- crates: {versions}");
        let _ = writeln!(
            m,
            "- sizes: {} inspect calls x {} runs (and {} in flight); {} MiB stream x {} runs; \
             {} lines x {} runs of each of {}; {} MiB archive x {} runs; list of {} containers, {} decode rounds; {} clean build(s) per program\n",
            c.calls,
            c.call_runs,
            c.inflight,
            c.stream_bytes >> 20,
            c.stream_runs,
            c.lines,
            c.lines_runs,
            c.lines_kinds
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", "),
            c.archive_bytes >> 20,
            c.archive_runs,
            c.list_len,
            c.decode_runs,
            c.build_runs
        );
        m.push_str("## Results\n\n");
        m.push_str(
            "↓: lower is better, ↑: higher is better. A ratio is docker-engine's figure divided \
             by the other's, whatever the direction (so 0.90x on a time is 10% faster, and 1.50x \
             on a throughput is 50% faster).\n\n",
        );
        m.push_str(&self.table());
        m.push('\n');
        m.push_str("## Goals\n\n");
        m.push_str(&self.goals_text());
        m.push('\n');
        m.push_str("## How each figure is made\n\n");
        m.push_str(METHOD);
        m.push_str("\n## Time each section took\n\n");
        for s in &self.sections {
            let _ = writeln!(m, "- {}: {:.0} s", s.name, s.took.as_secs_f64());
        }
        m.push('\n');
        with_analysis(&m)
    }
}

/// Marks where the generated part of BENCHMARKS.md ends and bench/ANALYSIS.md begins.
const ANALYSIS_MARKER: &str =
    "<!-- Everything below comes from bench/ANALYSIS.md (bench/run.sh render re-copies it). -->";

/// The generated part, then the marker, then bench/ANALYSIS.md.
fn with_analysis(generated: &str) -> String {
    let analysis = Path::new(env!("CARGO_MANIFEST_DIR")).join("ANALYSIS.md");
    let text = std::fs::read_to_string(analysis).unwrap_or_default();
    format!(
        "{}\n{ANALYSIS_MARKER}\n\n{}\n",
        generated.trim_end(),
        text.trim_end()
    )
}

/// `bench render`: copies the current bench/ANALYSIS.md under the figures of the last
/// run in `out`, without measuring again.
pub fn render(out: &Path) {
    let text =
        std::fs::read_to_string(out).unwrap_or_else(|e| panic!("reading {}: {e}", out.display()));
    let generated = text.split(ANALYSIS_MARKER).next().unwrap_or_default();
    std::fs::write(out, with_analysis(generated))
        .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    eprintln!("bench: re-rendered {}", out.display());
}

const METHOD: &str = "\
- **percall**: `inspect` of one running busybox container on the real daemon. A sequential \
run makes N calls with each implementation, interleaved call by call (the order rotating) so \
that all three meet the same moments of a noisy machine; a concurrent run makes N calls with \
K in flight at once (`buffer_unordered`), one implementation after the other. Each call is \
timed from its first poll to its decoded answer. A run gives the median and p99 per call and \
the calls per second; the table shows the median over the runs. docker-engine and bollard \
decode the answer into their models; the floor (issue 16) is raw hyper plus \
`serde_json::from_slice` into the same docker-engine model, and the figure of raw hyper \
alone (bytes read, nothing decoded) is quoted in the row's text. All \
readers are warmed up first (version negotiation, first connections). The `on a stub server` \
rows repeat this against a stub Engine API (a child process answering every inspect at once \
with a fixed 7 KiB body), where the daemon's own time is gone and only the clients' cost is \
left.
- **stream**: one multiplexed stdout/stderr stream (frame payloads log-uniform between 16 B \
and 64 KiB, 3 stdout frames for 1 stderr frame, text lines; made from a fixed seed) is \
served by a stub Engine API in a child process on a unix socket, as the answer to \
`GET /containers/{id}/logs`, labelled `application/vnd.docker.multiplexed-stream` as API \
1.42+ daemons do, one HTTP chunk per frame as dockerd flushes each frame on its own (the \
chunking is in the figure's name: `BENCH_STREAM_CHUNKS=65536` cuts fixed 64 KiB chunks \
instead, so that frames straddle chunks). Each SDK consumes it as \
its log stream and counts the payload bytes of every frame (checked against the generator's \
count); the floor reads the same body with raw hyper and counts bytes. GB/s = wire bytes / \
wall seconds (1 GB = 10^9 bytes); the second row divides by the CPU time of the client \
process instead (all its threads, from /proc/self/task/*/schedstat), which other jobs on \
the machine disturb less. docker-engine's `logs` reads on a dedicated connection that its \
stream drives; the floor uses hyper-util's pooled client, whose connection is a task of its own.
- **lines**: short-line streams as dockerd sends them, of five kinds (`BENCH_LINES_KINDS`). \
`logs` and `follow` (`follow=1`): a stub serves N frames of one 100-byte line each, every \
frame its own HTTP chunk and its own write on the socket. `events`: N container `start` \
events as dockerd 20.10 encodes them (one JSON object and a newline, full ids), each its own \
chunk. `exec` (exec create, inspect, then `POST /exec/{id}/start`) and `attach` (`POST \
/containers/{id}/attach?stream=1&stdout=1&stderr=1`): the answer is `101` with `Upgrade: tcp`, \
then the same N frames written raw on the hijacked socket, each its own write. Every stream \
ends with the stub closing it. Five readers, each in a fresh child process, in an order \
rotated per run: docker-engine and bollard with the reader in the `block_on` of a \
multi-thread runtime (what `#[tokio::main]` builds) and on a current-thread runtime, each \
checking its count (payload bytes of the frames, or events whose `Action` is `start`), and \
the docker CLI (`docker logs [--follow] bench`, `docker events`, `docker exec bench cat`, \
`docker attach --no-stdin bench`; `DOCKER_HOST` on the stub, output to /dev/null, exit status \
0 required) in the floor column. The parent reaps each child with `wait4`: wall \
time from spawn to exit, CPU time (user + system) and context switches (voluntary + \
involuntary), all threads. The rows give the median; the spread (min–max) of the runs is in \
the row's text, as for the per-call and stream rows. With `exec` among the kinds, one more \
row on the real daemon: exec `busybox cat` in a running busybox container, attached to \
stdin, stdout and stderr; a spawned task writes N x 100 bytes into its input while the \
`block_on` task of a multi-thread runtime reads them back from its output (the split \
reader and writer of issue 22), docker-engine and bollard in turn, in process; wall time \
from exec create to the last byte read back, median of the runs.
- **archive**: a tar holding one file (header, then the file's bytes generated on the fly in \
fresh 64 KiB buffers, never the whole file) is PUT into a created busybox container at `/`, \
then the file is read back with GET archive and counted. Each direction of each \
implementation runs in its own child process; the child reports its throughput and its peak \
resident memory (VmHWM from /proc/self/status). MB/s = file bytes / seconds, 1 MB = 10^6 \
bytes; the daemon's own tar and disk work is part of the time, and `sync` runs between \
transfers so that one's write-back does not land in the next. Peak memory is the worst run.
- **decode**: a synthetic `GET /containers/json` answer listing the configured number of \
containers, and one synthetic `GET /containers/{id}/json` answer, both modelled on what \
dockerd 20.10 sends, with ports, labels, mounts and networks filled in. docker-engine decodes \
them the way its calls do (`api_client_transport::decode_json`, which tracks the JSON path for errors); \
bollard with `serde_json::from_slice` into its models, as its calls do; the floor parses the \
same JSON into `serde::de::IgnoredAny` (syntax only, no model). A second docker-engine row \
decodes into its models with plain `serde_json::from_slice`, to separate the models from the \
path tracking. Time per decode = median over rounds.
- **build**: two tiny programs under `bench/build/` that ping the daemon and list all \
containers, one with docker-engine and one with bollard (same tokio features, default \
features of each SDK, same release profile), each built from clean with its own fresh \
`CARGO_TARGET_DIR` (`cargo build --release --frozen`, dependencies fetched beforehand so no \
download is timed, `nice -n 15` as every build on this shared machine is), then run once \
against the daemon. Rounds alternate which program is built first. Figures: wall time of \
the build, CPU time of the build (cutime + cstime, less disturbed by other jobs), size of \
the binary. Two more pairs use the same source: docker-engine with every API area \
(its features but `full` and the transports `tls` and `websocket`) beside the same bollard \
build, since bollard's default build is its whole API; and docker-engine `full` (areas, \
`tls`: rustls with ring, `websocket`) beside bollard with its opt-in `ssl` (rustls with \
ring) and `websocket` (`bench/build/bollard-full`), so that both sides carry the same \
transports. The two docker-engine programs are written under the temp dir at run time, \
their feature lists read from docker-engine's manifest.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn row(de: f64, bollard: Option<f64>, floor: Option<f64>) -> Row {
        Row {
            metric: "wall".into(),
            unit: "s",
            higher_is_better: false,
            de: Some(de),
            bollard,
            floor,
            goals: Vec::new(),
        }
    }

    #[test]
    fn speed_goals_compare_times_the_right_way_round() {
        // 1 s against bollard's 2 s: twice as fast, short of 3x by a third.
        let r = row(1.0, Some(2.0), Some(1.5));
        let v = Goal::FasterThanPeer(3.0).check(&r).unwrap();
        assert!(!v.met);
        assert!(v.text.starts_with("**MISSED** by 33%"), "{}", v.text);
        assert!(Goal::FasterThanPeer(2.0).check(&r).unwrap().met);
        // The CLI's 1.5 s sits in the floor column.
        assert!(Goal::FasterThanCli(1.0).check(&r).unwrap().met);
        assert!(!Goal::FasterThanCli(2.0).check(&r).unwrap().met);
    }

    #[test]
    fn ceilings_and_missing_figures() {
        let r = row(0.84, Some(1.0), None);
        let v = Goal::AtMostPeer(0.8).check(&r).unwrap();
        assert!(!v.met);
        assert!(v.text.starts_with("**MISSED** by 5%"), "{}", v.text);
        assert!(Goal::AtMostPeer(1.0).check(&r).unwrap().met);
        // No floor on the row: the goal cannot be judged.
        assert!(Goal::AtMostFloor(1.05).check(&r).is_none());
        assert!(Goal::FasterThanCli(1.0).check(&r).is_none());
    }
}
