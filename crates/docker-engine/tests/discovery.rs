//! Where a daemon is looked for when nothing names one: every place of
//! `Discovery`, its order, and the error that lists them all, over a fake home
//! and runtime directory with real unix sockets in them.
#![cfg(unix)]

use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use docker_engine::{Discovery, Docker, PlaceKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Tree {
    root: PathBuf,
}

impl Tree {
    fn new(name: &str) -> Tree {
        let root =
            std::env::temp_dir().join(format!("dengine-discovery-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["home/.docker/run", "run/podman", "sys", "podman-root"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Tree { root }
    }

    fn discovery(&self) -> Discovery {
        Discovery::empty()
            .home(self.root.join("home"))
            .runtime_dir(self.root.join("run"))
            .system_socket(self.root.join("sys/docker.sock"))
            .podman_system_socket(self.root.join("podman-root/podman.sock"))
    }

    fn path(&self, kind: PlaceKind) -> PathBuf {
        self.root.join(match kind {
            PlaceKind::SystemDocker => "sys/docker.sock",
            PlaceKind::DockerDesktop => "home/.docker/run/docker.sock",
            PlaceKind::RootlessDocker => "run/docker.sock",
            PlaceKind::RootlessPodman => "run/podman/podman.sock",
            PlaceKind::SystemPodman => "podman-root/podman.sock",
            _ => unreachable!(),
        })
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

const ORDER: [PlaceKind; 5] = [
    PlaceKind::SystemDocker,
    PlaceKind::DockerDesktop,
    PlaceKind::RootlessDocker,
    PlaceKind::RootlessPodman,
    PlaceKind::SystemPodman,
];

fn bind(path: &Path) -> UnixListener {
    let _ = std::fs::remove_file(path);
    UnixListener::bind(path).unwrap()
}

#[test]
fn the_places_and_their_order() {
    let t = Tree::new("order");
    let d = t.discovery();
    let places = d.places();
    let kinds: Vec<PlaceKind> = places.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, ORDER);
    for p in &places {
        assert_eq!(p.path, t.path(p.kind));
        assert_eq!(p.host(), format!("unix://{}", p.path.display()));
    }
    // Without a home or runtime directory only the system places remain.
    let kinds: Vec<PlaceKind> = Discovery::empty().places().iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [PlaceKind::SystemDocker, PlaceKind::SystemPodman]);
    assert_eq!(
        Discovery::empty().places()[0].path,
        PathBuf::from("/var/run/docker.sock")
    );
    assert_eq!(
        Discovery::empty().places()[1].path,
        PathBuf::from("/run/podman/podman.sock")
    );
}

#[test]
fn each_place_alone_is_found() {
    for kind in ORDER {
        let t = Tree::new(&format!("alone-{kind:?}"));
        assert_eq!(t.discovery().first_present(), None);
        let _l = bind(&t.path(kind));
        let found = t.discovery().first_present().unwrap();
        assert_eq!(found.kind, kind);
        assert_eq!(found.path, t.path(kind));
    }
}

#[test]
fn the_earliest_present_place_wins() {
    let t = Tree::new("earliest");
    let mut listeners: Vec<UnixListener> = ORDER.iter().map(|k| bind(&t.path(*k))).collect();
    for kind in ORDER {
        assert_eq!(t.discovery().first_present().unwrap().kind, kind);
        std::fs::remove_file(t.path(kind)).unwrap();
        listeners.remove(0);
    }
    assert_eq!(t.discovery().first_present(), None);
}

#[test]
fn a_link_to_a_socket_counts_and_a_plain_file_does_not() {
    let t = Tree::new("link");
    std::fs::write(t.path(PlaceKind::SystemDocker), b"not a socket").unwrap();
    let real = t.root.join("real.sock");
    let _l = bind(&real);
    std::os::unix::fs::symlink(&real, t.path(PlaceKind::RootlessDocker)).unwrap();
    let found = t.discovery().first_present().unwrap();
    assert_eq!(found.kind, PlaceKind::RootlessDocker);
    // The builder aims at it.
    let docker = t.discovery().builder().build().unwrap();
    assert_eq!(docker.host(), found.host());
}

#[tokio::test]
async fn the_error_names_every_place_tried() {
    let t = Tree::new("none");
    // A socket nobody listens on any more: present, but refused.
    drop(bind(&t.path(PlaceKind::DockerDesktop)));
    let err = t.discovery().connect(Docker::builder()).await.unwrap_err();
    let text = format!(
        "{err}: {}",
        std::error::Error::source(&err)
            .map(|s| s.to_string())
            .unwrap_or_default()
    );
    for kind in ORDER {
        let p = t.path(kind).display().to_string();
        assert!(text.contains(&p), "{p} missing from: {text}");
    }
    assert!(text.contains("no socket"), "{text}");
    assert!(
        matches!(err, docker_engine::Error::Connect { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn connect_skips_a_dead_socket_for_the_next_that_answers() {
    let t = Tree::new("answer");
    drop(bind(&t.path(PlaceKind::SystemDocker)));
    let path = t.path(PlaceKind::RootlessPodman);
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let mut got = Vec::new();
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
        sock.write_all(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK")
            .await
            .unwrap();
        String::from_utf8_lossy(&got).to_string()
    });
    let docker = t.discovery().connect(Docker::builder()).await.unwrap();
    assert_eq!(docker.host(), format!("unix://{}", path.display()));
    let request = server.await.unwrap();
    assert!(request.starts_with("GET /_ping HTTP/1.1"), "{request}");
}

#[test]
fn npipe_hosts_are_refused_off_windows() {
    let err = Docker::builder()
        .host("npipe:////./pipe/docker_engine")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("only on Windows"), "{err}");
}
