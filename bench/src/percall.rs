//! Section 1: per-call overhead, `inspect` of one running container on the real daemon,
//! one call at a time and with many in flight. The same calls against a stub server
//! (no daemon behind the socket) show the client-side cost alone.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use crate::clients::{self, Raw, Who};
use crate::report::{Goal, Row};
use crate::stats::{median, micros, percentile};
use crate::{setup, Config};

#[derive(Clone)]
enum Impl {
    De(docker_engine::Docker),
    Bollard(bollard::Docker),
    Raw(Raw),
    /// Diagnostics (BENCH_PERCALL_DIAG=1): the floor plus docker-engine's decoding,
    /// plain (`false`) or path-tracking as its calls do (`true`).
    RawDecode(Raw, bool),
}

impl Impl {
    async fn inspect(&self, id: &str) {
        match self {
            Impl::De(d) => {
                let info = d
                    .containers()
                    .inspect(id, docker_engine::InspectContainerOptions::default())
                    .await
                    .expect("docker-engine inspect");
                black_box(info);
            }
            Impl::Bollard(b) => {
                let info = b
                    .inspect_container(
                        id,
                        None::<bollard::query_parameters::InspectContainerOptions>,
                    )
                    .await
                    .expect("bollard inspect");
                black_box(info);
            }
            Impl::Raw(r) => {
                black_box(r.get_bytes(&format!("/containers/{id}/json")).await);
            }
            Impl::RawDecode(r, tracked) => {
                let body = r.get_bytes(&format!("/containers/{id}/json")).await;
                let info: docker_engine::models::ContainerInspectResponse = if *tracked {
                    api_client_transport::decode_json(
                        &http::Method::GET,
                        "/v1.41/containers/x/json",
                        &body,
                    )
                    .expect("decode")
                } else {
                    serde_json::from_slice(&body).expect("decode")
                };
                black_box(info);
            }
        }
    }
}

/// Figures of one run: median and p99 per call (µs), calls per second.
struct RunFigures {
    median_us: f64,
    p99_us: f64,
    rps: f64,
}

fn figures(times: &[Duration], wall: f64) -> RunFigures {
    let us = micros(times);
    RunFigures {
        median_us: median(&us),
        p99_us: percentile(&us, 99.0),
        rps: times.len() as f64 / wall,
    }
}

/// One sequential run of every implementation, interleaved call by call (the order
/// rotating each time) so that all of them meet the same moments of a noisy machine.
/// Requests per second are calls / the sum of their own call times.
async fn sequential(impls: &[(String, Impl)], id: &str, calls: usize) -> Vec<RunFigures> {
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(calls); impls.len()];
    for i in 0..calls {
        for k in 0..impls.len() {
            let j = (i + k) % impls.len();
            let t = Instant::now();
            impls[j].1.inspect(id).await;
            times[j].push(t.elapsed());
        }
    }
    times
        .iter()
        .map(|t| figures(t, t.iter().sum::<Duration>().as_secs_f64()))
        .collect()
}

/// `calls` calls with `inflight` at once; the clock of a call starts when it is first
/// polled, i.e. once it is in flight.
async fn concurrent(imp: &Impl, id: &str, calls: usize, inflight: usize) -> RunFigures {
    let start = Instant::now();
    let times: Vec<Duration> = futures_util::stream::iter(0..calls)
        .map(|_| {
            let imp = imp.clone();
            async move {
                let t = Instant::now();
                imp.inspect(id).await;
                t.elapsed()
            }
        })
        .buffer_unordered(inflight)
        .collect()
        .await;
    figures(&times, start.elapsed().as_secs_f64())
}

/// Every run of both modes against the daemon (or stub) on `socket`; rows labelled with `place`.
async fn measure(cfg: &Config, socket: &str, id: &str, place: &str, goals: bool) -> Vec<Row> {
    let de = clients::docker_engine(socket);
    let bo = clients::bollard(socket).await;
    let raw = Raw::new(socket).await;
    let mut impls: Vec<(String, Impl)> = vec![
        (Who::DockerEngine.name().into(), Impl::De(de.clone())),
        (Who::Bollard.name().into(), Impl::Bollard(bo)),
        (Who::Raw.name().into(), Impl::Raw(raw.clone())),
        // The restated floor (issue 16): raw hyper plus serde_json into the
        // same model docker-engine answers with, which any caller pays.
        (DECODING_FLOOR.into(), Impl::RawDecode(raw.clone(), false)),
    ];
    if std::env::var_os("BENCH_PERCALL_DIAG").is_some() {
        impls.push(("raw+decode_json".into(), Impl::RawDecode(raw, true)));
    }
    // For profiling one implementation alone: BENCH_PERCALL_WHO=docker-engine.
    if let Ok(only) = std::env::var("BENCH_PERCALL_WHO") {
        impls.retain(|(name, _)| *name == only);
    }
    // Warm-up: version negotiation, first connections, page faults.
    for (_, imp) in &impls {
        for _ in 0..50 {
            imp.inspect(id).await;
        }
    }
    let got = de
        .containers()
        .inspect(id, Default::default())
        .await
        .expect("inspect");
    assert_eq!(
        got.id.as_deref(),
        Some(id),
        "inspect answered another container"
    );

    let mut rows = Vec::new();
    for inflight in [1, cfg.inflight] {
        let label = if inflight > 1 {
            format!("{inflight} in flight")
        } else {
            "sequential".to_string()
        };
        let mut all: HashMap<String, Vec<RunFigures>> = HashMap::new();
        for round in 0..cfg.call_runs {
            let run: Vec<(String, RunFigures)> = if inflight == 1 {
                let names = impls.iter().map(|(n, _)| n.clone());
                names.zip(sequential(&impls, id, cfg.calls).await).collect()
            } else {
                let mut run = Vec::new();
                for k in 0..impls.len() {
                    let (name, imp) = &impls[(k + round) % impls.len()];
                    run.push((name.clone(), concurrent(imp, id, cfg.calls, inflight).await));
                }
                run
            };
            for (name, f) in run {
                eprintln!(
                    "  inspect {place} {label} {name:<15} run {round}: median {:.0} us, p99 {:.0} us, {:.0} req/s",
                    f.median_us, f.p99_us, f.rps
                );
                all.entry(name).or_default().push(f);
            }
        }
        for (name, runs) in &all {
            if !Who::ALL.iter().any(|w| w.name() == name) {
                let med = median(&runs.iter().map(|f| f.median_us).collect::<Vec<_>>());
                eprintln!(
                    "  inspect {place} {label} {name}: median of medians {med:.0} us (diagnostic)"
                );
            }
        }
        let values = |name: &str, get: fn(&RunFigures) -> f64| -> Option<Vec<f64>> {
            Some(all.get(name)?.iter().map(get).collect())
        };
        let pick = |name: &str, get: fn(&RunFigures) -> f64| Some(median(&values(name, get)?));
        let row = |metric: &str, unit: &'static str, higher: bool, get: fn(&RunFigures) -> f64| {
            let runs = [
                ("docker-engine", Who::DockerEngine.name()),
                ("bollard", Who::Bollard.name()),
                ("floor", DECODING_FLOOR),
                ("raw, no decoding", Who::Raw.name()),
            ]
            .iter()
            .filter_map(|(label, name)| {
                values(name, get).map(|v| format!("{label} {}", crate::lines::spread(&v)))
            })
            .collect::<Vec<_>>()
            .join(", ");
            let bare = pick(Who::Raw.name(), get).map(crate::report::fmt);
            Row {
                metric: format!(
                    "inspect x{} {place}, {label}: {metric} (floor: raw hyper + serde_json into the same model; raw hyper alone {}; runs {runs})",
                    cfg.calls,
                    bare.unwrap_or_default()
                ),
                unit,
                higher_is_better: higher,
                de: pick(Who::DockerEngine.name(), get),
                bollard: pick(Who::Bollard.name(), get),
                floor: pick(DECODING_FLOOR, get),
                goals: Vec::new(),
            }
        };
        let mut med = row("median per call", "µs", false, |f| f.median_us);
        if goals {
            // Issue 22: per call at most 1.05x the decoding floor.
            med.goals = vec![Goal::AtMostFloor(1.05)];
        }
        rows.push(med);
        rows.push(row("p99 per call", "µs", false, |f| f.p99_us));
        rows.push(row("requests per second", "req/s", true, |f| f.rps));
    }
    rows
}

/// The per-call floor of issue 16: what a caller without an SDK pays to get
/// the same typed answer.
const DECODING_FLOOR: &str = "raw+decode";

pub fn run(cfg: &Config) -> Vec<Row> {
    let rt = clients::runtime();
    let mut rows = Vec::new();
    // BENCH_PERCALL_STUB_ONLY=1 skips the daemon (for profiling the client alone).
    if std::env::var_os("BENCH_PERCALL_STUB_ONLY").is_none() {
        setup::ensure_image();
        let id = setup::running_container();
        rows = rt.block_on(measure(cfg, &cfg.socket, &id, "on dockerd", true));
        setup::remove(&id);
    }

    // The same calls against a stub that answers at once with a fixed inspect body:
    // what is left is the client's own cost.
    let stub = crate::stream::Stub::start(0, "big", "frame");
    let stub_id = crate::decode::inspect_id();
    rows.extend(rt.block_on(measure(
        cfg,
        &stub.socket,
        &stub_id,
        "on a stub server",
        false,
    )));
    rows
}
