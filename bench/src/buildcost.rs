//! Section 5: clean release build time and binary size of a tiny ping + list
//! program, with docker-engine and with bollard; then the same program with
//! docker-engine's every API area beside bollard's default build (which has no
//! feature gates for API areas: its default is its whole API), and with
//! docker-engine `full` (the areas plus TLS and the websocket attach) beside
//! bollard with its opt-in `ssl` and `websocket`, so that each pair carries the
//! same transports.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::report::{Goal, Row};
use crate::stats::median;
use crate::Config;

/// The programs, in build order of the first round. `de-areas` and `de-full`
/// are written at run time (their feature lists follow docker-engine's
/// manifest); the others live under `build/`.
const PROGRAMS: [&str; 5] = [
    "de-ping",
    "bollard-ping",
    "de-areas",
    "de-full",
    "bollard-full",
];

fn manifest(name: &str) -> PathBuf {
    match name {
        "de-areas" => generated_program(name, &api_areas(&engine_dir())),
        "de-full" => generated_program(name, &every_feature(&engine_dir())),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("build")
            .join(name)
            .join("Cargo.toml"),
    }
}

fn engine_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/docker-engine")
        .canonicalize()
        .expect("crates/docker-engine")
}

/// The features docker-engine's manifest declares (but `default`).
fn declared_features(docker_engine: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(docker_engine.join("Cargo.toml")).expect("docker-engine manifest");
    let mut in_features = false;
    let mut all = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        if !in_features || line.starts_with('#') {
            continue;
        }
        if let Some((name, _)) = line.split_once('=') {
            let name = name.trim();
            if !name.is_empty() && name != "default" {
                all.push(name.to_string());
            }
        }
    }
    all
}

/// Features that are transports rather than API areas: bollard has them as
/// opt-ins too (`ssl`, `websocket`), so they go only into the `full` pair.
const TRANSPORTS: [&str; 2] = ["tls", "websocket"];

/// Every API area of docker-engine (images, networks, volumes, system, ...):
/// what bollard's default build covers.
fn api_areas(docker_engine: &Path) -> Vec<String> {
    declared_features(docker_engine)
        .into_iter()
        .filter(|f| f != "full" && !TRANSPORTS.contains(&f.as_str()))
        .collect()
}

/// docker-engine's `full` where it exists, else every feature it declares.
fn every_feature(docker_engine: &Path) -> Vec<String> {
    let all = declared_features(docker_engine);
    if all.iter().any(|f| f == "full") {
        vec!["full".to_string()]
    } else {
        all
    }
}

/// Writes the program `name` (de-ping's source, docker-engine with
/// `features`) under the temp dir, once per process; returns its manifest.
fn generated_program(name: &str, features: &[String]) -> PathBuf {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = engine_dir();
    let dir = std::env::temp_dir().join(format!("bench-{name}-{}", std::process::id()));
    let manifest = dir.join("Cargo.toml");
    if manifest.exists() {
        return manifest;
    }
    std::fs::create_dir_all(dir.join("src")).expect("program dir");
    let features = features
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[dependencies]\ndocker-engine = {{ path = \"{}\", features = [{features}] }}\ntokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n",
        engine.display()
    );
    std::fs::write(&manifest, text).expect("program manifest");
    std::fs::copy(
        bench.join("build/de-ping/src/main.rs"),
        dir.join("src/main.rs"),
    )
    .expect("program source");
    // The lock of de-ping pins the same versions: start from it.
    let _ = std::fs::copy(
        bench.join("build/de-ping/Cargo.lock"),
        dir.join("Cargo.lock"),
    );
    eprintln!("  build {name}: docker-engine with features [{features}]");
    manifest
}

struct Build {
    secs: f64,
    cpu: f64,
    bytes: u64,
}

/// CPU seconds (user + system) of all waited-for children of this process and their
/// descendants (cutime + cstime of /proc/self/stat): what a build cost, whatever else
/// the machine was doing meanwhile.
fn children_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 16 and 17 of stat(5), counted from 1; `after` starts at field 3.
    let ticks: f64 =
        fields[13].parse::<f64>().unwrap_or(0.0) + fields[14].parse::<f64>().unwrap_or(0.0);
    let hz: f64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0);
    ticks / hz
}

/// Brings the lock file up to date (docker-engine's dependencies may move while the
/// workspace is being worked on) and downloads whatever is missing, before any clock starts.
fn fetch(name: &str) {
    let status = Command::new("cargo")
        .args(["fetch", "--quiet", "--manifest-path"])
        .arg(manifest(name))
        .status()
        .expect("cargo fetch");
    assert!(status.success(), "cargo fetch for {name} failed");
}

fn build(name: &str, round: usize) -> Build {
    fetch(name);
    let target =
        std::env::temp_dir().join(format!("bench-build-{name}-{}-{round}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    let cpu = children_cpu_seconds();
    let t = Instant::now();
    // --frozen: the lock file is current and everything is fetched, so nothing but
    // compiling is timed. nice: every build on this shared machine runs niced.
    let status = Command::new("nice")
        .args([
            "-n",
            "15",
            "cargo",
            "build",
            "--release",
            "--frozen",
            "--quiet",
            "--manifest-path",
        ])
        .arg(manifest(name))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_INCREMENTAL")
        .status()
        .expect("cargo build");
    let secs = t.elapsed().as_secs_f64();
    let cpu = children_cpu_seconds() - cpu;
    if !status.success() {
        // A failed build (a full disk, say) must not leave its target behind.
        let _ = std::fs::remove_dir_all(&target);
        panic!("building {name} failed");
    }
    let binary = target.join("release").join(name);
    let bytes = std::fs::metadata(&binary).expect("binary").len();
    // The program must work, or its size and build time mean nothing.
    let out = Command::new(&binary)
        .stderr(Stdio::inherit())
        .output()
        .expect("run program");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("containers"),
        "{name} did not list: {text}"
    );
    eprintln!(
        "  build {name:<13} round {round}: {secs:.1} s ({cpu:.1} CPU-s), binary {:.2} MiB, says \"{}\"",
        bytes as f64 / 1048576.0,
        text.trim()
    );
    let _ = std::fs::remove_dir_all(&target);
    Build { secs, cpu, bytes }
}

pub fn run(cfg: &Config) -> Vec<Row> {
    let mut results: Vec<Vec<Build>> = PROGRAMS.iter().map(|_| Vec::new()).collect();
    for round in 0..cfg.build_runs.max(1) {
        // Rotate which program is built first.
        let mut order: Vec<usize> = (0..PROGRAMS.len()).collect();
        order.rotate_left(round % PROGRAMS.len());
        for i in order {
            results[i].push(build(PROGRAMS[i], round));
        }
    }
    for name in ["de-areas", "de-full"] {
        let _ = std::fs::remove_dir_all(manifest(name).parent().expect("program dir"));
    }
    let pick = |i: usize, f: fn(&Build) -> f64| {
        Some(median(&results[i].iter().map(f).collect::<Vec<_>>()))
    };
    let secs = |i: usize| pick(i, |b| b.secs);
    let cpu = |i: usize| pick(i, |b| b.cpu);
    let mib = |i: usize| pick(i, |b| b.bytes as f64 / 1048576.0);
    let areas = api_areas(&engine_dir()).join(", ");
    // (docker-engine program, bollard program, name of the pair, the goal of
    // issue 22 on both the build's wall time and its CPU time, if any)
    let pairs = [
        (0, 1, "ping + list program".to_string(), Some(0.8)),
        (
            2,
            1,
            format!("every API area (docker-engine {areas}; bollard default, whose whole API is its default)"),
            None,
        ),
        (
            3,
            4,
            "every feature with TLS and websocket (docker-engine `full`; bollard `ssl` + `websocket`)".to_string(),
            Some(1.0),
        ),
    ];
    let mut rows = Vec::new();
    for (de, bo, name, goal) in pairs {
        rows.push(Row {
            metric: format!("{name}: clean release build time"),
            unit: "s",
            higher_is_better: false,
            de: secs(de),
            bollard: secs(bo),
            floor: None,
            goals: goal.map(Goal::AtMostPeer).into_iter().collect(),
        });
        rows.push(Row {
            metric: format!("{name}: CPU time of the clean build (user + system)"),
            unit: "CPU-s",
            higher_is_better: false,
            de: cpu(de),
            bollard: cpu(bo),
            floor: None,
            goals: goal.map(Goal::AtMostPeer).into_iter().collect(),
        });
        rows.push(Row {
            metric: format!("{name}: binary size"),
            unit: "MiB",
            higher_is_better: false,
            de: mib(de),
            bollard: mib(bo),
            floor: None,
            // Reported: issue 22 sets no goal on binary size.
            goals: Vec::new(),
        });
    }
    rows
}
