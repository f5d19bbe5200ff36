//! Section 5: clean release build time and binary size of a tiny ping + list program,
//! with docker-engine and with bollard; and of the same program with every
//! feature of docker-engine turned on, beside bollard's (which has no feature
//! gates: its default build is its whole API, so the same bollard build
//! stands beside both).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::report::{Goal, Row};
use crate::stats::median;
use crate::Config;

const PROGRAMS: [&str; 3] = ["de-ping", "bollard-ping", "de-full"];

fn manifest(name: &str) -> PathBuf {
    if name == "de-full" {
        return full_program();
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("build")
        .join(name)
        .join("Cargo.toml")
}

/// docker-engine's features, from its manifest: `full` where it exists (the
/// sum of every area), else every feature it declares but `tls`: bollard's
/// default build has no TLS either (its `ssl` is opt-in), and a TLS stack
/// would weigh more than all the API areas together.
fn every_feature(docker_engine: &Path) -> Vec<String> {
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
            if !name.is_empty() && name != "default" && name != "tls" {
                all.push(name.to_string());
            }
        }
    }
    if all.iter().any(|f| f == "full") {
        vec!["full".to_string()]
    } else {
        all
    }
}

/// Writes the every-feature program (de-ping's source, docker-engine with
/// every feature) under the temp dir, once per process; returns its manifest.
/// Generated, because the feature list follows docker-engine's manifest.
fn full_program() -> PathBuf {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = bench.join("../crates/docker-engine");
    let engine = engine.canonicalize().expect("crates/docker-engine");
    let dir = std::env::temp_dir().join(format!("bench-de-full-{}", std::process::id()));
    let manifest = dir.join("Cargo.toml");
    if manifest.exists() {
        return manifest;
    }
    std::fs::create_dir_all(dir.join("src")).expect("de-full dir");
    let features = every_feature(&engine)
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "[package]\nname = \"de-full\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[dependencies]\ndocker-engine = {{ path = \"{}\", features = [{features}] }}\ntokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n",
        engine.display()
    );
    std::fs::write(&manifest, text).expect("de-full manifest");
    std::fs::copy(
        bench.join("build/de-ping/src/main.rs"),
        dir.join("src/main.rs"),
    )
    .expect("de-full source");
    // The lock of de-ping pins the same versions: start from it.
    let _ = std::fs::copy(
        bench.join("build/de-ping/Cargo.lock"),
        dir.join("Cargo.lock"),
    );
    eprintln!("  build de-full: docker-engine with features [{features}]");
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
    let mut results: [Vec<Build>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for round in 0..cfg.build_runs.max(1) {
        // Rotate which program is built first.
        let mut order = [0, 1, 2];
        order.rotate_left(round % 3);
        for i in order {
            results[i].push(build(PROGRAMS[i], round));
        }
    }
    let _ = std::fs::remove_dir_all(full_program().parent().expect("de-full dir"));
    let secs = |i: usize| {
        Some(median(
            &results[i].iter().map(|b| b.secs).collect::<Vec<_>>(),
        ))
    };
    let cpu = |i: usize| {
        Some(median(
            &results[i].iter().map(|b| b.cpu).collect::<Vec<_>>(),
        ))
    };
    let mib = |i: usize| {
        Some(median(
            &results[i]
                .iter()
                .map(|b| b.bytes as f64 / 1048576.0)
                .collect::<Vec<_>>(),
        ))
    };
    vec![
        Row {
            metric: "ping + list program: clean release build time".into(),
            unit: "s",
            higher_is_better: false,
            de: secs(0),
            bollard: secs(1),
            floor: None,
            goals: vec![Goal::AtMostPeer(0.6)],
        },
        Row {
            metric: "every-feature program (docker-engine `full`; bollard's whole API is its default): clean release build time".into(),
            unit: "s",
            higher_is_better: false,
            de: secs(2),
            bollard: secs(1),
            floor: None,
            goals: vec![Goal::AtMostPeer(0.8)],
        },
        Row {
            metric: "every-feature program: CPU time of the clean build (user + system)".into(),
            unit: "CPU-s",
            higher_is_better: false,
            de: cpu(2),
            bollard: cpu(1),
            floor: None,
            goals: Vec::new(),
        },
        Row {
            metric: "every-feature program: binary size".into(),
            unit: "MiB",
            higher_is_better: false,
            de: mib(2),
            bollard: mib(1),
            floor: None,
            goals: vec![Goal::AtMostPeer(0.9)],
        },
        Row {
            metric: "ping + list program: CPU time of the clean build (user + system)".into(),
            unit: "CPU-s",
            higher_is_better: false,
            de: cpu(0),
            bollard: cpu(1),
            floor: None,
            goals: Vec::new(),
        },
        Row {
            metric: "ping + list program: binary size".into(),
            unit: "MiB",
            higher_is_better: false,
            de: mib(0),
            bollard: mib(1),
            floor: None,
            goals: vec![Goal::AtMostPeer(0.9)],
        },
    ]
}
