//! Section 3: a big tar into a container and back, each SDK and direction in its own
//! child process so that peak resident memory is its own.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Instant;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;

use crate::clients::{self, Raw, Who};
use crate::report::Row;
use crate::stats::median;
use crate::stream::Rng;
use crate::{setup, Config};

const CHUNK: usize = 64 * 1024;
const FILE: &str = "big.bin";

/// A ustar header for one regular file.
fn tar_header(name: &str, size: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |field: &mut [u8], value: u64| {
        let text = format!("{:0width$o}\0", value, width = field.len() - 1);
        field.copy_from_slice(text.as_bytes());
    };
    octal(&mut h[100..108], 0o644); // mode
    octal(&mut h[108..116], 0); // uid
    octal(&mut h[116..124], 0); // gid
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], 1_700_000_000); // mtime
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    // The checksum is computed with its own field read as spaces.
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    h
}

/// A tar of one `size`-byte file, made as it is read: every 64 KiB chunk is a fresh
/// buffer (as a file read would give), so an SDK that kept the chunks would show it.
pub fn tar_stream(size: u64) -> impl Stream<Item = Bytes> + Send + 'static {
    let mut rng = Rng::new(42);
    let pattern: Vec<u8> = (0..CHUNK).map(|_| rng.next_u64() as u8).collect();
    let full = size / CHUNK as u64;
    let rest = (size % CHUNK as u64) as usize;
    let pad = (512 - (size % 512) as usize) % 512;
    let head = futures_util::stream::iter([Bytes::copy_from_slice(&tar_header(FILE, size))]);
    let body = futures_util::stream::iter(0..full).map(move |_| Bytes::copy_from_slice(&pattern));
    let tail = futures_util::stream::iter([
        Bytes::from(vec![0xAB; rest]),
        Bytes::from(vec![0u8; pad + 1024]),
    ])
    .filter(|b| std::future::ready(!b.is_empty()));
    head.chain(body).chain(tail)
}

/// Peak resident memory of this process, in KiB (VmHWM).
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmHWM")
}

/// `bench archive-child <who> <put|get> <container> <bytes> <socket>`: one transfer,
/// then `RESULT <seconds> <vmhwm KiB> <bytes moved>` on stdout.
pub fn child_main(args: &[String]) {
    let [who, dir, id, size, socket] = args else {
        panic!("usage: archive-child <who> <put|get> <container> <bytes> <socket>");
    };
    let who = Who::parse(who);
    let size: u64 = size.parse().expect("size");
    let rt = clients::runtime();
    let (secs, moved) = rt.block_on(async {
        match (who, dir.as_str()) {
            (Who::DockerEngine, "put") => {
                let d = clients::docker_engine(socket);
                d.api_version().await.expect("negotiate");
                let t = Instant::now();
                d.containers()
                    .put_archive(
                        id,
                        "/",
                        tar_stream(size).map(Ok::<_, std::io::Error>),
                        docker_engine::PutArchiveOptions::default(),
                    )
                    .await
                    .expect("docker-engine put_archive");
                (t.elapsed(), size)
            }
            (Who::DockerEngine, "get") => {
                let d = clients::docker_engine(socket);
                d.api_version().await.expect("negotiate");
                let t = Instant::now();
                let archive = d
                    .containers()
                    .archive(id, &format!("/{FILE}"))
                    .await
                    .expect("docker-engine archive");
                assert_eq!(archive.stat.size, Some(size as i64), "stat of the file");
                let mut body = archive.body;
                let mut moved = 0u64;
                while let Some(chunk) = body.next().await {
                    moved += chunk.expect("docker-engine archive body").len() as u64;
                }
                (t.elapsed(), moved)
            }
            (Who::Bollard, "put") => {
                let b = clients::bollard(socket).await;
                let t = Instant::now();
                let options = bollard::query_parameters::UploadToContainerOptions {
                    path: "/".into(),
                    ..Default::default()
                };
                b.upload_to_container(id, Some(options), bollard::body_stream(tar_stream(size)))
                    .await
                    .expect("bollard upload_to_container");
                (t.elapsed(), size)
            }
            (Who::Bollard, "get") => {
                let b = clients::bollard(socket).await;
                let t = Instant::now();
                let options = bollard::query_parameters::DownloadFromContainerOptions {
                    path: format!("/{FILE}"),
                };
                let mut body = b.download_from_container(id, Some(options));
                let mut moved = 0u64;
                while let Some(chunk) = body.next().await {
                    moved += chunk.expect("bollard archive body").len() as u64;
                }
                (t.elapsed(), moved)
            }
            (Who::Raw, "put") => {
                let raw = Raw::new(socket).await;
                let t = Instant::now();
                let body = BodyExt::boxed(StreamBody::new(
                    tar_stream(size).map(|b| Ok(Frame::data(b))),
                ));
                let path = format!("{}/containers/{id}/archive?path=%2F", raw.prefix);
                let response = raw.send(http::Method::PUT, &path, body).await;
                let status = response.status();
                let _ = response.into_body().collect().await;
                assert!(status.is_success(), "raw put: {status}");
                (t.elapsed(), size)
            }
            (Who::Raw, "get") => {
                let raw = Raw::new(socket).await;
                let t = Instant::now();
                let path = format!("{}/containers/{id}/archive?path=%2F{FILE}", raw.prefix);
                let response = raw.send(http::Method::GET, &path, clients::empty()).await;
                assert!(
                    response.status().is_success(),
                    "raw get: {}",
                    response.status()
                );
                let mut body = response.into_body();
                let mut moved = 0u64;
                while let Some(frame) = body.frame().await {
                    if let Ok(data) = frame.expect("raw archive body").into_data() {
                        moved += data.len() as u64;
                    }
                }
                (t.elapsed(), moved)
            }
            (_, other) => panic!("unknown direction {other}"),
        }
    });
    if dir == "get" {
        assert!(
            moved >= size + 512,
            "the archive read back is too short: {moved} bytes"
        );
    }
    println!("RESULT {} {} {}", secs.as_secs_f64(), vm_hwm_kib(), moved);
}

struct Transfer {
    mb_per_s: f64,
    peak_mib: f64,
}

fn child(cfg: &Config, who: Who, dir: &str, id: &str) -> Transfer {
    let exe = std::env::current_exe().expect("current exe");
    let out = Command::new(exe)
        .args([
            "archive-child",
            who.name(),
            dir,
            id,
            &cfg.archive_bytes.to_string(),
            &cfg.socket,
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("spawn archive child");
    assert!(
        out.status.success(),
        "archive child {} {dir} failed",
        who.name()
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("no RESULT from child: {text}"));
    let f: Vec<f64> = line
        .split_whitespace()
        .map(|v| v.parse().expect("figure"))
        .collect();
    let t = Transfer {
        mb_per_s: cfg.archive_bytes as f64 / f[0] / 1e6,
        peak_mib: f[1] / 1024.0,
    };
    eprintln!(
        "  archive {dir} {:<13}: {:.0} MB/s, peak RSS {:.1} MiB",
        who.name(),
        t.mb_per_s,
        t.peak_mib
    );
    t
}

pub fn run(cfg: &Config) -> Vec<Row> {
    setup::ensure_image();
    let mut put: HashMap<Who, Vec<Transfer>> = HashMap::new();
    let mut get: HashMap<Who, Vec<Transfer>> = HashMap::new();
    for round in 0..cfg.archive_runs {
        for who in Who::rotated(round) {
            let id = setup::created_container();
            put.entry(who)
                .or_default()
                .push(child(cfg, who, "put", &id));
            get.entry(who)
                .or_default()
                .push(child(cfg, who, "get", &id));
            setup::remove(&id);
            // Let the page cache write the gigabyte out now, not during the next transfer.
            let _ = Command::new("sync").status();
        }
    }
    let mib = cfg.archive_bytes >> 20;
    let mut rows = Vec::new();
    for (dir, figures) in [("put", &put), ("get", &get)] {
        let speed = |who: Who| {
            Some(median(
                &figures[&who].iter().map(|t| t.mb_per_s).collect::<Vec<_>>(),
            ))
        };
        // Memory: the worst run, since a goal on peak memory is a ceiling.
        let peak = |who: Who| figures[&who].iter().map(|t| t.peak_mib).reduce(f64::max);
        rows.push(Row {
            metric: format!("archive {dir}, {mib} MiB file: throughput"),
            unit: "MB/s",
            higher_is_better: true,
            de: speed(Who::DockerEngine),
            bollard: speed(Who::Bollard),
            floor: speed(Who::Raw),
            goals: Vec::new(),
        });
        rows.push(Row {
            metric: format!("archive {dir}, {mib} MiB file: peak RSS of the process (worst run)"),
            unit: "MiB",
            higher_is_better: false,
            de: peak(Who::DockerEngine),
            bollard: peak(Who::Bollard),
            floor: peak(Who::Raw),
            // Reported: issue 22 sets no goal on archives.
            goals: Vec::new(),
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_stream_is_a_valid_tar() {
        let size = 3 * CHUNK as u64 + 1000;
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes: Vec<u8> = rt.block_on(tar_stream(size).collect::<Vec<_>>()).concat();
        assert_eq!(bytes.len() as u64, 512 + size + (512 - 1000 % 512) + 1024);
        assert_eq!(bytes.len() % 512, 0);
        let header = &bytes[..512];
        assert_eq!(&header[..FILE.len()], FILE.as_bytes());
        let sum: u32 = header
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(b)
                }
            })
            .sum();
        let stored =
            u32::from_str_radix(std::str::from_utf8(&header[148..154]).unwrap(), 8).unwrap();
        assert_eq!(sum, stored);
        let size_field = std::str::from_utf8(&header[124..135]).unwrap();
        assert_eq!(u64::from_str_radix(size_field, 8).unwrap(), size);
    }
}
