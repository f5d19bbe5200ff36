//! Section 1: per-call overhead, `inspect` of one running container on the real daemon,
//! one call at a time and with many in flight.

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
                    .inspect_container(id, None::<bollard::query_parameters::InspectContainerOptions>)
                    .await
                    .expect("bollard inspect");
                black_box(info);
            }
            Impl::Raw(r) => {
                black_box(r.get_bytes(&format!("/containers/{id}/json")).await);
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

async fn one_run(imp: &Impl, id: &str, calls: usize, inflight: usize) -> RunFigures {
    let start = Instant::now();
    let times: Vec<Duration> = if inflight <= 1 {
        let mut times = Vec::with_capacity(calls);
        for _ in 0..calls {
            let t = Instant::now();
            imp.inspect(id).await;
            times.push(t.elapsed());
        }
        times
    } else {
        futures_util::stream::iter(0..calls)
            .map(|_| {
                let imp = imp.clone();
                async move {
                    // The clock starts when the call is first polled, i.e. once it is in flight.
                    let t = Instant::now();
                    imp.inspect(id).await;
                    t.elapsed()
                }
            })
            .buffer_unordered(inflight)
            .collect()
            .await
    };
    let wall = start.elapsed().as_secs_f64();
    let us = micros(&times);
    RunFigures {
        median_us: median(&us),
        p99_us: percentile(&us, 99.0),
        rps: calls as f64 / wall,
    }
}

pub fn run(cfg: &Config) -> Vec<Row> {
    setup::ensure_image();
    let id = setup::running_container();
    let rt = clients::runtime();
    let rows = rt.block_on(async {
        let de = clients::docker_engine(&cfg.socket);
        let bo = clients::bollard(&cfg.socket).await;
        let raw = Raw::new(&cfg.socket).await;
        let impls: HashMap<&str, Impl> = [
            (Who::DockerEngine.name(), Impl::De(de.clone())),
            (Who::Bollard.name(), Impl::Bollard(bo)),
            (Who::Raw.name(), Impl::Raw(raw)),
        ]
        .into_iter()
        .collect();
        // Warm-up: version negotiation, first connections, page faults.
        for imp in impls.values() {
            for _ in 0..20 {
                imp.inspect(&id).await;
            }
        }
        let got = de
            .containers()
            .inspect(&id, Default::default())
            .await
            .expect("inspect");
        assert_eq!(got.id.as_deref(), Some(id.as_str()), "inspect answered another container");

        let mut rows = Vec::new();
        for (label, inflight) in [("sequential", 1), ("in flight", cfg.inflight)] {
            let label = if inflight > 1 {
                format!("{inflight} {label}")
            } else {
                label.to_string()
            };
            let mut figures: HashMap<Who, Vec<RunFigures>> = HashMap::new();
            for round in 0..cfg.call_runs {
                for who in Who::rotated(round) {
                    let f = one_run(&impls[who.name()], &id, cfg.calls, inflight).await;
                    eprintln!(
                        "  inspect {label} {:<13} run {round}: median {:.0} us, p99 {:.0} us, {:.0} req/s",
                        who.name(),
                        f.median_us,
                        f.p99_us,
                        f.rps
                    );
                    figures.entry(who).or_default().push(f);
                }
            }
            let pick = |who: Who, get: fn(&RunFigures) -> f64| {
                Some(median(&figures[&who].iter().map(get).collect::<Vec<_>>()))
            };
            let row = |metric: &str, unit: &'static str, higher: bool, get: fn(&RunFigures) -> f64| Row {
                metric: format!("inspect x{}, {label}: {metric}", cfg.calls),
                unit,
                higher_is_better: higher,
                de: pick(Who::DockerEngine, get),
                bollard: pick(Who::Bollard, get),
                floor: pick(Who::Raw, get),
                goals: Vec::new(),
            };
            let mut med = row("median per call", "µs", false, |f| f.median_us);
            med.goals = vec![Goal::AtMostFloor(1.10), Goal::AtMostPeer(1.0)];
            rows.push(med);
            rows.push(row("p99 per call", "µs", false, |f| f.p99_us));
            rows.push(row("requests per second", "req/s", true, |f| f.rps));
        }
        rows
    });
    setup::remove(&id);
    rows
}
