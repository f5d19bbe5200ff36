//! Section 4: decoding big answers into each SDK's models.

use std::hint::black_box;
use std::time::Instant;

use serde_json::{json, Value};

use crate::report::Row;
use crate::stats::median;
use crate::stream::Rng;
use crate::Config;

fn hex(rng: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from_digit(rng.below(16) as u32, 16).unwrap_or('0'))
        .collect()
}

fn network(rng: &mut Rng, ip: &str) -> Value {
    json!({
        "IPAMConfig": null, "Links": null, "Aliases": null,
        "NetworkID": hex(rng, 64), "EndpointID": hex(rng, 64),
        "Gateway": "172.17.0.1", "IPAddress": ip, "IPPrefixLen": 16,
        "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
        "MacAddress": "02:42:ac:11:00:02", "DriverOpts": null
    })
}

fn labels(rng: &mut Rng, n: usize) -> Value {
    let mut map = serde_json::Map::new();
    for i in 0..n {
        map.insert(
            format!("com.example.team{i}.component"),
            Value::String(format!("service-{}", rng.below(1000))),
        );
    }
    map.insert("com.docker.compose.project".into(), "shop".into());
    map.insert(
        "com.docker.compose.service".into(),
        format!("web{}", rng.below(50)).into(),
    );
    Value::Object(map)
}

/// A `GET /containers/json?all=1` answer with `n` containers, shaped like dockerd 20.10's.
pub fn list_json(n: usize) -> Vec<u8> {
    let mut rng = Rng::new(7);
    let states = [
        ("running", "Up 3 hours"),
        ("exited", "Exited (0) 2 days ago"),
        ("created", "Created"),
    ];
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let (state, status) = states[rng.below(3) as usize];
            let port = 8000 + i as u64 % 1000;
            let ip = format!("172.17.{}.{}", i / 250, 2 + i % 250);
            json!({
                "Id": hex(&mut rng, 64),
                "Names": [format!("/shop-web-{i}")],
                "Image": format!("registry.example.com/shop/web:1.{}.{}", rng.below(20), rng.below(10)),
                "ImageID": format!("sha256:{}", hex(&mut rng, 64)),
                "Command": "/docker-entrypoint.sh nginx -g 'daemon off;'",
                "Created": 1_700_000_000 + rng.below(10_000_000),
                "Ports": [
                    {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": port, "Type": "tcp"},
                    {"IP": "::", "PrivatePort": 80, "PublicPort": port, "Type": "tcp"},
                    {"PrivatePort": 443, "Type": "tcp"}
                ],
                "Labels": labels(&mut rng, 4),
                "State": state,
                "Status": status,
                "HostConfig": {"NetworkMode": "default"},
                "NetworkSettings": {"Networks": {"bridge": network(&mut rng, &ip)}},
                "Mounts": [
                    {"Type": "bind", "Source": "/srv/shop/conf", "Destination": "/etc/nginx/conf.d",
                     "Mode": "ro", "RW": false, "Propagation": "rprivate"},
                    {"Type": "volume", "Name": hex(&mut rng, 64), "Source": "/var/lib/docker/volumes/x/_data",
                     "Destination": "/var/cache/nginx", "Driver": "local", "Mode": "", "RW": true, "Propagation": ""}
                ]
            })
        })
        .collect();
    serde_json::to_vec(&items).expect("list json")
}

/// The container id in [`inspect_json`].
pub fn inspect_id() -> String {
    hex(&mut Rng::new(11), 64)
}

/// A `GET /containers/{id}/json` answer of a running container with ports, mounts,
/// labels, env and a health check, shaped like dockerd 20.10's.
pub fn inspect_json() -> Vec<u8> {
    let mut rng = Rng::new(11);
    let id = hex(&mut rng, 64);
    debug_assert_eq!(id, inspect_id());
    let dir = format!("/var/lib/docker/containers/{id}");
    let overlay = hex(&mut rng, 64);
    let env: Vec<String> = (0..30)
        .map(|i| format!("SHOP_SETTING_{i}=value-{}", rng.below(100_000)))
        .collect();
    let log: Vec<Value> = (0..5)
        .map(|i| json!({"Start": format!("2024-05-01T12:00:{i:02}.000000000Z"), "End": format!("2024-05-01T12:00:{i:02}.100000000Z"), "ExitCode": 0, "Output": "ok\n"}))
        .collect();
    let value = json!({
        "Id": id, "Created": "2024-05-01T11:59:00.123456789Z", "Path": "/docker-entrypoint.sh",
        "Args": ["nginx", "-g", "daemon off;"],
        "State": {"Status": "running", "Running": true, "Paused": false, "Restarting": false,
                  "OOMKilled": false, "Dead": false, "Pid": 12075, "ExitCode": 0, "Error": "",
                  "StartedAt": "2024-05-01T12:00:00.715932256Z", "FinishedAt": "0001-01-01T00:00:00Z",
                  "Health": {"Status": "healthy", "FailingStreak": 0, "Log": log}},
        "Image": format!("sha256:{}", hex(&mut rng, 64)),
        "ResolvConfPath": format!("{dir}/resolv.conf"), "HostnamePath": format!("{dir}/hostname"),
        "HostsPath": format!("{dir}/hosts"), "LogPath": format!("{dir}/{id}-json.log"),
        "Name": "/shop-web-1", "RestartCount": 0, "Driver": "overlay2", "Platform": "linux",
        "MountLabel": "", "ProcessLabel": "", "AppArmorProfile": "docker-default", "ExecIDs": null,
        "HostConfig": {
            "Binds": ["/srv/shop/conf:/etc/nginx/conf.d:ro"], "ContainerIDFile": "",
            "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}},
            "NetworkMode": "default",
            "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "443/tcp": [{"HostIp": "", "HostPort": "8443"}]},
            "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0}, "AutoRemove": false,
            "VolumeDriver": "", "VolumesFrom": null, "CapAdd": ["NET_ADMIN"], "CapDrop": null,
            "CgroupnsMode": "host", "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": null,
            "GroupAdd": null, "IpcMode": "private", "Cgroup": "", "Links": null, "OomScoreAdj": 0,
            "PidMode": "", "Privileged": false, "PublishAllPorts": false, "ReadonlyRootfs": false,
            "SecurityOpt": null, "UTSMode": "", "UsernsMode": "", "ShmSize": 67108864, "Runtime": "runc",
            "ConsoleSize": [0, 0], "Isolation": "", "CpuShares": 0, "Memory": 536870912, "NanoCpus": 1500000000,
            "CgroupParent": "", "BlkioWeight": 0, "BlkioWeightDevice": [], "BlkioDeviceReadBps": [],
            "BlkioDeviceWriteBps": [], "BlkioDeviceReadIOps": [], "BlkioDeviceWriteIOps": [],
            "CpuPeriod": 0, "CpuQuota": 0, "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0,
            "CpusetCpus": "", "CpusetMems": "", "Devices": [], "DeviceCgroupRules": null,
            "DeviceRequests": null, "KernelMemory": 0, "KernelMemoryTCP": 0, "MemoryReservation": 0,
            "MemorySwap": 1073741824, "MemorySwappiness": null, "OomKillDisable": false, "PidsLimit": null,
            "Ulimits": [{"Name": "nofile", "Soft": 65536, "Hard": 65536}], "CpuCount": 0, "CpuPercent": 0,
            "IOMaximumIOps": 0, "IOMaximumBandwidth": 0,
            "MaskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
            "ReadonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        },
        "GraphDriver": {"Name": "overlay2", "Data": {
            "LowerDir": format!("/var/lib/docker/overlay2/{overlay}-init/diff:/var/lib/docker/overlay2/{}/diff", hex(&mut rng, 64)),
            "MergedDir": format!("/var/lib/docker/overlay2/{overlay}/merged"),
            "UpperDir": format!("/var/lib/docker/overlay2/{overlay}/diff"),
            "WorkDir": format!("/var/lib/docker/overlay2/{overlay}/work")}},
        "Mounts": [
            {"Type": "bind", "Source": "/srv/shop/conf", "Destination": "/etc/nginx/conf.d", "Mode": "ro", "RW": false, "Propagation": "rprivate"},
            {"Type": "volume", "Name": hex(&mut rng, 64), "Source": "/var/lib/docker/volumes/x/_data",
             "Destination": "/var/cache/nginx", "Driver": "local", "Mode": "", "RW": true, "Propagation": ""}
        ],
        "Config": {
            "Hostname": &id[..12], "Domainname": "", "User": "101", "AttachStdin": false,
            "AttachStdout": false, "AttachStderr": false,
            "ExposedPorts": {"80/tcp": {}, "443/tcp": {}}, "Tty": false, "OpenStdin": false,
            "StdinOnce": false, "Env": env, "Cmd": ["nginx", "-g", "daemon off;"],
            "Healthcheck": {"Test": ["CMD-SHELL", "wget -qO- http://localhost/health || exit 1"],
                            "Interval": 30000000000u64, "Timeout": 5000000000u64, "Retries": 3},
            "Image": "registry.example.com/shop/web:1.4.2", "Volumes": {"/var/cache/nginx": {}},
            "WorkingDir": "/", "Entrypoint": ["/docker-entrypoint.sh"], "OnBuild": null,
            "Labels": labels(&mut rng, 12), "StopSignal": "SIGQUIT"
        },
        "NetworkSettings": {
            "Bridge": "", "SandboxID": hex(&mut rng, 64), "HairpinMode": false,
            "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
            "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}],
                      "443/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8443"}, {"HostIp": "::", "HostPort": "8443"}]},
            "SandboxKey": "/var/run/docker/netns/4c97bdbecec8", "SecondaryIPAddresses": null,
            "SecondaryIPv6Addresses": null, "EndpointID": hex(&mut rng, 64), "Gateway": "172.17.0.1",
            "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "IPAddress": "172.17.0.2", "IPPrefixLen": 16,
            "IPv6Gateway": "", "MacAddress": "02:42:ac:11:00:02",
            "Networks": {"bridge": network(&mut rng, "172.17.0.2")}
        }
    });
    serde_json::to_vec(&value).expect("inspect json")
}

type Decoder = (&'static str, Box<dyn Fn(&[u8])>);

/// Median time of one decode (µs) for each decoder, over `runs` rounds of about
/// `round_ms` each, the decoders' order rotating from round to round.
fn time(decoders: &[Decoder], json: &[u8], runs: usize, round_ms: u64) -> Vec<f64> {
    let iters: Vec<u32> = decoders
        .iter()
        .map(|(_, f)| {
            f(json); // warm-up, and proof that it decodes
            let t = Instant::now();
            f(json);
            let one = t.elapsed().as_secs_f64().max(1e-7);
            ((round_ms as f64 / 1000.0 / one) as u32).clamp(3, 1_000_000)
        })
        .collect();
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); decoders.len()];
    for round in 0..runs {
        for k in 0..decoders.len() {
            let i = (k + round) % decoders.len();
            let (_, f) = &decoders[i];
            let t = Instant::now();
            for _ in 0..iters[i] {
                f(json);
            }
            per[i].push(t.elapsed().as_secs_f64() * 1e6 / f64::from(iters[i]));
        }
    }
    for ((name, _), v) in decoders.iter().zip(&per) {
        eprintln!("  decode {name:<22}: {:.1} us (rounds {v:.1?})", median(v));
    }
    per.iter().map(|v| median(v)).collect()
}

fn decoders<De, Bo>(sdk_path: &'static str, check: fn(&De, &Bo)) -> Vec<Decoder>
where
    De: serde::de::DeserializeOwned + 'static,
    Bo: serde::de::DeserializeOwned + 'static,
{
    let timed: Vec<Decoder> = vec![
        (
            "docker-engine (SDK path)",
            Box::new(move |json: &[u8]| {
                let v: De = api_client_transport::decode_json(&http::Method::GET, sdk_path, json)
                    .expect("docker-engine decode");
                black_box(v);
            }),
        ),
        (
            "docker-engine (plain)",
            Box::new(|json: &[u8]| {
                let v: De = serde_json::from_slice(json).expect("docker-engine models decode");
                black_box(v);
            }),
        ),
        (
            "bollard",
            Box::new(move |json: &[u8]| {
                let v: Bo = serde_json::from_slice(json).expect("bollard decode");
                black_box(v);
            }),
        ),
        (
            "floor (IgnoredAny)",
            Box::new(|json: &[u8]| {
                let v: serde::de::IgnoredAny = serde_json::from_slice(json).expect("json");
                black_box(v);
            }),
        ),
    ];
    timed
        .into_iter()
        .chain(std::iter::once((
            "check",
            Box::new(move |json: &[u8]| {
                let de: De = serde_json::from_slice(json).expect("docker-engine");
                let bo: Bo = serde_json::from_slice(json).expect("bollard");
                check(&de, &bo);
            }) as Box<dyn Fn(&[u8])>,
        )))
        .collect()
}

fn rows_for(what: &str, mut decoders: Vec<Decoder>, json: &[u8], cfg: &Config) -> Vec<Row> {
    let (_, check) = decoders.pop().expect("check");
    check(json);
    let t = time(&decoders, json, cfg.decode_runs, cfg.decode_round_ms);
    let size = json.len() as f64 / 1024.0;
    let row = |how: &str, de: f64| Row {
        metric: format!("decode {what} ({size:.0} KiB), {how}: time per decode"),
        unit: "µs",
        higher_is_better: false,
        de: Some(de),
        bollard: Some(t[2]),
        floor: Some(t[3]),
        goals: Vec::new(),
    };
    vec![
        row("as the SDK's call does", t[0]),
        row("models only (plain serde_json)", t[1]),
    ]
}

pub fn run(cfg: &Config) -> Vec<Row> {
    let list = list_json(cfg.list_len);
    let inspect = inspect_json();
    let mut rows = rows_for(
        &format!("list of {} containers", cfg.list_len),
        decoders::<
            Vec<docker_engine::models::ContainerSummary>,
            Vec<bollard::models::ContainerSummary>,
        >("/v1.41/containers/json", |de, bo| {
            assert_eq!(de.len(), bo.len());
            assert_eq!(de[0].id, bo[0].id);
            assert_eq!(de[0].mounts.as_ref().map(Vec::len), Some(2));
        }),
        &list,
        cfg,
    );
    rows.extend(rows_for(
        "one inspect",
        decoders::<
            docker_engine::models::ContainerInspectResponse,
            bollard::models::ContainerInspectResponse,
        >("/v1.41/containers/x/json", |de, bo| {
            assert_eq!(de.id, bo.id);
            assert!(de
                .config
                .as_ref()
                .and_then(|c| c.env.as_ref())
                .is_some_and(|e| e.len() == 30));
        }),
        &inspect,
        cfg,
    ));
    rows
}
