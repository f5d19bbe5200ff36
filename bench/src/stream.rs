//! Section 2: decoding a multiplexed log stream served by a local hyper server.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::clients::{self, Raw, Who};
use crate::report::{Goal, Row};
use crate::stats::median;
use crate::Config;

/// A small, fixed pseudo-random generator (xorshift64*), so the data is the same on
/// every machine and every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Log-like text the frame payloads are cut from.
fn corpus(rng: &mut Rng) -> Vec<u8> {
    let levels = ["info", "info", "info", "debug", "warn", "error"];
    let mut text = Vec::with_capacity(300 * 1024);
    while text.len() < 256 * 1024 {
        let line = format!(
            "2024-05-{:02}T{:02}:{:02}:{:02}.{:09}Z level={} worker={} msg=\"request handled\" \
             path=/api/v1/items/{} status={} dur_ms={}.{:03} trace={:016x}\n",
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.below(1_000_000_000),
            levels[rng.below(levels.len() as u64) as usize],
            rng.below(64),
            rng.below(1_000_000),
            [200, 200, 201, 204, 404, 500][rng.below(6) as usize],
            rng.below(2000),
            rng.below(1000),
            rng.next_u64()
        );
        text.extend_from_slice(line.as_bytes());
    }
    text
}

/// The stream and what a correct decoder must find in it.
pub struct StreamData {
    pub bytes: Bytes,
    pub frames: usize,
    pub stdout: u64,
    pub stderr: u64,
}

/// About `total` bytes of frames: payloads log-uniform in 16 B..=64 KiB, one in four on stderr.
pub fn generate(total: usize) -> StreamData {
    let mut rng = Rng::new(0x5EED_0F_D0C6E5);
    let text = corpus(&mut rng);
    let mut out = Vec::with_capacity(total);
    let (mut frames, mut stdout, mut stderr) = (0, 0u64, 0u64);
    loop {
        let remaining = total - out.len();
        if remaining < 8 + 16 {
            break;
        }
        // 16 * 2^(12 u): from 16 B to 64 KiB, as many 16-32 B frames as 32-64 KiB ones.
        let size = (16.0 * (12.0 * rng.unit()).exp2()) as usize;
        let size = size.clamp(16, 64 * 1024).min(remaining - 8);
        let stream = if rng.below(4) == 0 { 2u8 } else { 1u8 };
        out.extend_from_slice(&[stream, 0, 0, 0]);
        out.extend_from_slice(&(size as u32).to_be_bytes());
        let at = rng.below((text.len() - size) as u64) as usize;
        out.extend_from_slice(&text[at..at + size]);
        frames += 1;
        if stream == 1 {
            stdout += size as u64;
        } else {
            stderr += size as u64;
        }
    }
    StreamData {
        bytes: Bytes::from(out),
        frames,
        stdout,
        stderr,
    }
}

type Body = BoxBody<Bytes, Infallible>;

const CHUNK: usize = 64 * 1024;

fn full(status: u16, content_type: &str, body: &'static str) -> http::Response<Body> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("api-version", "1.45")
        .header("ostype", "linux")
        .body(Full::new(Bytes::from_static(body.as_bytes())).boxed())
        .expect("response")
}

/// Answers just enough of the Engine API for a logs call: ping, version, inspect, logs.
async fn handle(req: http::Request<Incoming>, data: Bytes) -> Result<http::Response<Body>, Infallible> {
    let path = req.uri().path();
    let response = if path.ends_with("/_ping") {
        full(200, "text/plain; charset=utf-8", "OK")
    } else if path.ends_with("/version") {
        full(
            200,
            "application/json",
            r#"{"Version":"26.1.0","ApiVersion":"1.45","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64","KernelVersion":"6.1.0"}"#,
        )
    } else if path.ends_with("/logs") {
        let chunks = (0..data.len().div_ceil(CHUNK)).map(move |i| {
            let end = ((i + 1) * CHUNK).min(data.len());
            Ok::<_, Infallible>(Frame::data(data.slice(i * CHUNK..end)))
        });
        http::Response::builder()
            .status(200)
            .header("content-type", "application/vnd.docker.multiplexed-stream")
            .header("api-version", "1.45")
            .body(BodyExt::boxed(StreamBody::new(futures_util::stream::iter(chunks))))
            .expect("response")
    } else if path.ends_with("/json") {
        full(
            200,
            "application/json",
            r#"{"Id":"bench","Name":"/bench","Config":{"Tty":false,"Image":"busybox"},"State":{"Status":"running","Running":true}}"#,
        )
    } else {
        full(404, "application/json", r#"{"message":"not found"}"#)
    };
    Ok(response)
}

/// Serves `data` on a unix socket from its own thread and runtime; returns the socket path.
fn serve(data: Bytes) -> PathBuf {
    let path = std::env::temp_dir().join(format!("bench-logs-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let bind = path.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::UnixListener::bind(&bind).expect("bind logs socket");
            ready_tx.send(()).expect("ready");
            loop {
                let (conn, _) = listener.accept().await.expect("accept");
                let data = data.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(req, data.clone()));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(conn), service)
                        .await;
                });
            }
        });
    });
    ready_rx.recv().expect("server started");
    path
}

/// Payload bytes counted by a consumer: (stdout, stderr, other).
type Counts = (u64, u64, u64);

async fn consume_de(docker: &docker_engine::Docker) -> Counts {
    use docker_engine::frames::LogOutput;
    let mut logs = docker
        .containers()
        .logs("bench", docker_engine::LogsOptions::default())
        .await
        .expect("docker-engine logs");
    let mut counts = (0, 0, 0);
    while let Some(frame) = logs.next().await {
        match frame.expect("docker-engine frame") {
            LogOutput::StdOut { message } => counts.0 += message.len() as u64,
            LogOutput::StdErr { message } => counts.1 += message.len() as u64,
            other => counts.2 += other.message().len() as u64,
        }
    }
    counts
}

async fn consume_bollard(docker: &bollard::Docker) -> Counts {
    use bollard::container::LogOutput;
    let options = bollard::query_parameters::LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .build();
    let mut logs = docker.logs("bench", Some(options));
    let mut counts = (0, 0, 0);
    while let Some(frame) = logs.next().await {
        match frame.expect("bollard frame") {
            LogOutput::StdOut { message } => counts.0 += message.len() as u64,
            LogOutput::StdErr { message } => counts.1 += message.len() as u64,
            other => counts.2 += other.as_ref().len() as u64,
        }
    }
    counts
}

/// The floor: the same body through raw hyper, bytes counted, nothing decoded.
async fn consume_raw(raw: &Raw) -> u64 {
    let path = format!("{}/containers/bench/logs?stdout=1&stderr=1", raw.prefix);
    let response = raw.send(http::Method::GET, &path, clients::empty()).await;
    assert!(response.status().is_success());
    let mut body = response.into_body();
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("raw body").into_data() {
            total += data.len() as u64;
        }
    }
    total
}

pub fn run(cfg: &Config) -> Vec<Row> {
    let t = Instant::now();
    let data = generate(cfg.stream_bytes);
    eprintln!(
        "  stream: {} bytes, {} frames ({} B stdout, {} B stderr) generated in {:.1} s",
        data.bytes.len(),
        data.frames,
        data.stdout,
        data.stderr,
        t.elapsed().as_secs_f64()
    );
    let socket = serve(data.bytes.clone());
    let socket_str = socket.to_str().expect("utf-8 socket path").to_string();
    let wire = data.bytes.len() as f64;
    let rt = clients::runtime();
    let gbps = rt.block_on(async {
        let de = clients::docker_engine(&socket_str);
        de.ping().await.expect("docker-engine ping");
        de.api_version().await.expect("docker-engine version");
        let bo = clients::bollard(&socket_str).await;
        let raw = Raw::new(&socket_str).await;
        let mut gbps: HashMap<Who, Vec<f64>> = HashMap::new();
        for round in 0..cfg.stream_runs {
            for who in Who::rotated(round) {
                let t = Instant::now();
                match who {
                    Who::DockerEngine => {
                        let c = consume_de(&de).await;
                        assert_eq!(c, (data.stdout, data.stderr, 0), "docker-engine miscounted");
                    }
                    Who::Bollard => {
                        let c = consume_bollard(&bo).await;
                        assert_eq!(c, (data.stdout, data.stderr, 0), "bollard miscounted");
                    }
                    Who::Raw => {
                        assert_eq!(consume_raw(&raw).await, data.bytes.len() as u64, "raw miscounted");
                    }
                }
                let secs = t.elapsed().as_secs_f64();
                let rate = wire / secs / 1e9;
                eprintln!("  stream {:<13} run {round}: {rate:.2} GB/s ({secs:.2} s)", who.name());
                gbps.entry(who).or_default().push(rate);
            }
        }
        gbps
    });
    let _ = std::fs::remove_file(&socket);
    let pick = |who: Who| Some(median(&gbps[&who]));
    vec![Row {
        metric: format!("logs stream, {} MiB of frames: throughput", cfg.stream_bytes >> 20),
        unit: "GB/s",
        higher_is_better: true,
        de: pick(Who::DockerEngine),
        bollard: pick(Who::Bollard),
        floor: pick(Who::Raw),
        goals: vec![Goal::AtLeastPeer(1.5)],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_well_formed() {
        let a = generate(1 << 20);
        let b = generate(1 << 20);
        assert_eq!(a.bytes, b.bytes);
        let mut decoder = docker_engine::frames::FrameDecoder::new();
        decoder.push(a.bytes.clone());
        let (mut out, mut err, mut n) = (0u64, 0u64, 0usize);
        while let Some(frame) = decoder.next_frame().unwrap() {
            match frame {
                docker_engine::frames::LogOutput::StdOut { message } => out += message.len() as u64,
                docker_engine::frames::LogOutput::StdErr { message } => err += message.len() as u64,
                _ => panic!("unexpected stream"),
            }
            n += 1;
        }
        decoder.finish().unwrap();
        assert_eq!((out, err, n), (a.stdout, a.stderr, a.frames));
        assert!(a.bytes.len() > (1 << 20) - 24);
    }
}
