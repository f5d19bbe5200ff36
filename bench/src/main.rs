//! Side-by-side benchmarks: docker-engine against bollard (what a user would pick
//! instead) and against a raw hyper request on the same socket (the floor).
//!
//! `bench` runs every section and writes one table to stdout and to BENCHMARKS.md.
//! Sizes come from the environment (see `Config`) so a quick smoke run is possible.
//! `bench render` re-copies bench/ANALYSIS.md under the figures of the last run.
//! `bench archive-child ...` is the child process the archive section runs once per
//! SDK and direction, so that the peak resident memory of one SDK never mixes
//! with another's.

// The synthetic inspect answer is one big `json!` literal.
#![recursion_limit = "512"]

mod archive;
mod buildcost;
mod clients;
mod decode;
mod lines;
mod percall;
mod report;
mod setup;
mod stats;
mod stream;

use std::time::Instant;

use report::{Report, Row};

/// Every section, in the order they run (`BENCH_ONLY` picks some).
pub const SECTIONS: [&str; 6] = ["percall", "stream", "lines", "archive", "decode", "build"];

/// Every size and count, with the figures as defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Docker socket path.
    pub socket: String,
    /// Sections to run (comma list of percall,stream,lines,archive,decode,build; default all).
    pub only: Vec<String>,
    /// Calls per per-call run.
    pub calls: usize,
    /// Calls in flight in the concurrent per-call run.
    pub inflight: usize,
    /// Repeated per-call runs (the table shows the median of their figures).
    pub call_runs: usize,
    /// Bytes of multiplexed stream.
    pub stream_bytes: usize,
    /// Repeated stream runs.
    pub stream_runs: usize,
    /// How the stub cuts the logs body into HTTP chunks: `frame` (one per frame, as
    /// dockerd does) or a fixed byte count (frames then straddle chunks).
    pub stream_chunks: String,
    /// Log lines in the short-line logs section (one frame and chunk each).
    pub lines: usize,
    /// Repeated short-line runs (each: every reader once, in rotated order).
    pub lines_runs: usize,
    /// Kinds of short-line stream (`BENCH_LINES_KINDS`, default all).
    pub lines_kinds: Vec<lines::Kind>,
    /// Size of the file inside the archive.
    pub archive_bytes: u64,
    /// Repeated archive runs.
    pub archive_runs: usize,
    /// Containers in the synthetic list answer.
    pub list_len: usize,
    /// Rounds of decoding (each round decodes for about `decode_round_ms`).
    pub decode_runs: usize,
    /// Target length of one decode round.
    pub decode_round_ms: u64,
    /// Clean builds per program.
    pub build_runs: usize,
    /// Where the markdown goes.
    pub out: std::path::PathBuf,
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        _ => default,
    }
}

impl Config {
    fn from_env() -> Config {
        let only = std::env::var("BENCH_ONLY")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let default_out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
        Config {
            socket: std::env::var("BENCH_DOCKER_SOCKET")
                .unwrap_or_else(|_| "/var/run/docker.sock".into()),
            only,
            calls: env_num("BENCH_CALLS", 2000),
            inflight: env_num("BENCH_INFLIGHT", 64),
            call_runs: env_num("BENCH_CALL_RUNS", 5),
            stream_bytes: env_num::<usize>("BENCH_STREAM_MB", 1024) << 20,
            stream_runs: env_num("BENCH_STREAM_RUNS", 15),
            lines: env_num("BENCH_LINES", 500_000),
            lines_runs: env_num("BENCH_LINES_RUNS", 3),
            lines_kinds: match std::env::var("BENCH_LINES_KINDS") {
                Ok(v) if !v.trim().is_empty() => {
                    v.split(',').map(|k| lines::Kind::parse(k.trim())).collect()
                }
                _ => lines::KINDS.to_vec(),
            },
            stream_chunks: std::env::var("BENCH_STREAM_CHUNKS").unwrap_or_else(|_| "frame".into()),
            archive_bytes: env_num::<u64>("BENCH_ARCHIVE_MB", 1024) << 20,
            archive_runs: env_num("BENCH_ARCHIVE_RUNS", 5),
            list_len: env_num("BENCH_LIST_LEN", 2000),
            decode_runs: env_num("BENCH_DECODE_RUNS", 21),
            decode_round_ms: env_num("BENCH_DECODE_ROUND_MS", 100),
            build_runs: env_num("BENCH_BUILD_RUNS", 3),
            out: std::env::var("BENCH_OUT")
                .map(Into::into)
                .unwrap_or(default_out),
        }
    }

    fn wants(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("archive-child") => return archive::child_main(&args[2..]),
        Some("stub-server") => return stream::stub_main(&args[2..]),
        Some("lines-child") => return lines::child_main(&args[2..]),
        _ => {}
    }
    let config = Config::from_env();
    if args.get(1).map(String::as_str) == Some("render") {
        return report::render(&config.out);
    }
    let mut report = Report::new(&config);
    eprintln!("bench: {config:?}");

    // The build section is the slow one: it runs last.
    type Section = (&'static str, fn(&Config) -> Vec<Row>);
    let sections: [Section; 6] = [
        ("percall", percall::run),
        ("stream", stream::run),
        ("lines", lines::run),
        ("archive", archive::run),
        ("decode", decode::run),
        ("build", buildcost::run),
    ];
    debug_assert!(sections.iter().map(|s| s.0).eq(SECTIONS));
    for (name, run) in sections {
        if !config.wants(name) {
            continue;
        }
        eprintln!("bench: section {name} ...");
        let start = Instant::now();
        let rows = run(&config);
        let took = start.elapsed();
        eprintln!("bench: section {name} took {:.1} s", took.as_secs_f64());
        report.add(name, rows, took);
    }
    report.finish();
    let markdown = report.markdown();
    println!("{}", report.table());
    println!("{}", report.goals_text());
    std::fs::write(&config.out, markdown)
        .unwrap_or_else(|e| panic!("writing {}: {e}", config.out.display()));
    eprintln!("bench: wrote {}", config.out.display());
}
