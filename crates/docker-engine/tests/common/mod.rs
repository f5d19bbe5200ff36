//! Shared helpers of the live tests: reaching the daemon, a busybox image built in
//! process, a tar writer and reader (the `tar` crate), and cleanup that runs even when a test fails.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use api_client_transport::bytes::Bytes;
use docker_engine::models::ContainerCreateRequest;
use docker_engine::{CreateContainerOptions, Docker, ImportImageOptions, RemoveContainerOptions};
use tokio::sync::OnceCell;

/// The image every live test runs (imported once per test binary).
pub const IMAGE_REPO: &str = "docker-engine-test/busybox";

/// Tag of the test image: changes whenever its content would (applets, busybox build),
/// so a copy left by an earlier run is reused only when it is the same.
pub fn image_tag() -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    APPLETS.hash(&mut h);
    // How the root filesystem tar is written (now by the `tar` crate).
    "tar-crate".hash(&mut h);
    std::fs::metadata(busybox_path())
        .map(|m| m.len())
        .unwrap_or(0)
        .hash(&mut h);
    format!("live-{:016x}", h.finish())
}

/// Applets linked into the test image's `/bin`.
pub const APPLETS: &[&str] = &[
    "sh", "echo", "cat", "sleep", "ls", "printf", "touch", "true", "false", "env", "id", "head",
    "seq", "wc", "mkdir", "rm", "ps", "stty",
];

/// A handle on the local daemon, or `None` (after saying so loudly) when there is
/// none outside CI. With `CI` set, a missing daemon fails the test.
pub async fn docker() -> Option<Docker> {
    let docker = match Docker::connect() {
        Ok(d) => d,
        Err(e) => return unavailable(&format!("cannot build a Docker handle: {e}")),
    };
    if !busybox_path().is_file() {
        let why = format!(
            "no static busybox at {} to build the test image (install busybox-static or set BUSYBOX)",
            busybox_path().display()
        );
        return unavailable(&why);
    }
    match docker.ping().await {
        Ok(_) => Some(docker),
        Err(e) => unavailable(&format!("no Docker daemon answers: {e}")),
    }
}

fn unavailable<T>(why: &str) -> Option<T> {
    if std::env::var_os("CI").is_some() {
        panic!("live Docker test: {why} (CI is set, so this is a failure)");
    }
    // Straight to the process's stderr: the test harness captures eprintln! of passing tests.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n=== SKIPPING live Docker test: {why} ===\n=== (set CI=1 to make this a failure) ===\n"
    );
    None
}

/// A name no other test (or run) uses.
pub fn unique(what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "de-{what}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

// ------------------------------------------------------------------ tar

/// Builds a tar archive in memory (the `tar` crate): directories, regular
/// files and symlinks, with a fixed owner and time so archives are reproducible.
pub struct Tar {
    builder: tar::Builder<Vec<u8>>,
}

impl Default for Tar {
    fn default() -> Self {
        Tar {
            builder: tar::Builder::new(Vec::new()),
        }
    }
}

impl Tar {
    pub fn new() -> Self {
        Tar::default()
    }

    fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_size(size);
        header.set_mtime(1_700_000_000);
        header.set_uid(0);
        header.set_gid(0);
        header
    }

    pub fn dir(mut self, name: &str, mode: u32) -> Self {
        let mut header = Self::header(tar::EntryType::Directory, mode, 0);
        self.builder
            .append_data(&mut header, name, std::io::empty())
            .expect("tar: directory entry");
        self
    }

    pub fn file(mut self, name: &str, mode: u32, data: &[u8]) -> Self {
        let mut header = Self::header(tar::EntryType::Regular, mode, data.len() as u64);
        self.builder
            .append_data(&mut header, name, data)
            .expect("tar: file entry");
        self
    }

    pub fn symlink(mut self, name: &str, target: &str) -> Self {
        let mut header = Self::header(tar::EntryType::Symlink, 0o777, 0);
        self.builder
            .append_link(&mut header, name, target)
            .expect("tar: symlink entry");
        self
    }

    pub fn finish(self) -> Vec<u8> {
        self.builder.into_inner().expect("tar: finish")
    }
}

/// One entry read back from a tar archive.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    /// The type flag byte (`b'0'` file, `b'5'` directory, `b'2'` symlink).
    pub kind: u8,
    pub data: Vec<u8>,
}

/// Reads the entries of a tar archive (the `tar` crate resolves PAX and GNU
/// long names, which dockerd writes for deep paths).
pub fn read_tar(data: &[u8]) -> Vec<Entry> {
    use std::io::Read as _;
    let mut archive = tar::Archive::new(data);
    archive
        .entries()
        .expect("tar: entries")
        .map(|entry| {
            let mut entry = entry.expect("tar: entry");
            let name = entry
                .path()
                .expect("tar: path")
                .to_string_lossy()
                .into_owned();
            let kind = entry.header().entry_type().as_byte();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("tar: data");
            Entry { name, kind, data }
        })
        .collect()
}

/// Path of a static busybox: `BUSYBOX`, else Debian's `/usr/bin/busybox`.
pub fn busybox_path() -> std::path::PathBuf {
    std::env::var_os("BUSYBOX")
        .map(Into::into)
        .unwrap_or_else(|| "/usr/bin/busybox".into())
}

/// A root filesystem tar with busybox and its applet links.
pub fn busybox_rootfs() -> Vec<u8> {
    let path = busybox_path();
    let busybox = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read busybox at {} ({e}); install busybox-static or set BUSYBOX",
            path.display()
        )
    });
    let mut tar = Tar::new()
        .dir("bin/", 0o755)
        .dir("tmp/", 0o1777)
        .dir("etc/", 0o755);
    tar = tar.file("bin/busybox", 0o755, &busybox);
    for applet in APPLETS {
        tar = tar.symlink(&format!("bin/{applet}"), "busybox");
    }
    tar.finish()
}

/// Splits bytes into a stream of chunks, as an upload body.
pub fn chunked(
    data: Vec<u8>,
    chunk: usize,
) -> impl api_client_transport::futures_core::Stream<Item = std::io::Result<Bytes>> + Send + 'static
{
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures_util::stream::iter(chunks)
}

/// Imports the test image once per test binary; returns its `repo:tag`.
pub async fn image(docker: &Docker) -> String {
    static DONE: OnceCell<String> = OnceCell::const_new();
    DONE.get_or_init(|| async {
        let tag = image_tag();
        let name = format!("{IMAGE_REPO}:{tag}");
        // Re-importing on every run would leave the previous copy behind, dangling.
        match docker.images().inspect(&name).await {
            Ok(_) => return name,
            Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => {}
            Err(e) => panic!("inspect the test image: {e}"),
        }
        // The tag rides in `repo` (the API allows `name:tag` there): podman 4.3
        // ignores the separate `tag` parameter of an import and tags `latest`.
        let options = ImportImageOptions {
            repo: Some(name.clone()),
            tag: None,
            message: Some("docker-engine live tests".into()),
            changes: vec![r#"CMD ["/bin/sh"]"#.into(), "ENV PATH=/bin".into()],
            ..Default::default()
        };
        let imported = docker
            .images()
            .import(chunked(busybox_rootfs(), 256 * 1024), options)
            .await
            .expect("import the busybox test image");
        assert!(
            imported
                .id
                .as_deref()
                .is_some_and(|id| id.starts_with("sha256:")),
            "{imported:?}"
        );
        name
    })
    .await
    .clone()
}

/// A create body running `cmd` in the test image.
pub fn config(image: &str, cmd: &[&str]) -> ContainerCreateRequest {
    ContainerCreateRequest {
        image: Some(image.to_string()),
        cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    }
}

/// Creates a container from `body` under a fresh name, removed by `cleanup`.
pub async fn create(
    docker: &Docker,
    cleanup: &mut Cleanup,
    body: &ContainerCreateRequest,
) -> String {
    let options = CreateContainerOptions {
        name: Some(unique("c")),
        ..Default::default()
    };
    let created = docker
        .containers()
        .create(body, options)
        .await
        .expect("create");
    cleanup.add(created.id.clone());
    created.id
}

/// A started container that sleeps for five minutes (something to exec in).
pub async fn sleeping(docker: &Docker, cleanup: &mut Cleanup, image: &str) -> String {
    let id = create(docker, cleanup, &config(image, &["sleep", "300"])).await;
    docker
        .containers()
        .start(&id, Default::default())
        .await
        .expect("start");
    id
}

/// Removes the named containers when dropped, also when the test panicked.
pub struct Cleanup {
    ids: Vec<String>,
}

impl Cleanup {
    pub fn new() -> Self {
        Cleanup { ids: Vec::new() }
    }

    pub fn add(&mut self, id: impl Into<String>) {
        self.ids.push(id.into());
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.ids.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut self.ids);
        // Drop cannot await, and the test's runtime may be the one unwinding: use a
        // fresh thread, runtime and handle (pooled connections belong to a runtime).
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let Ok(docker) = Docker::connect() else {
                    return;
                };
                for id in ids {
                    let _ = docker
                        .containers()
                        .remove(
                            &id,
                            RemoveContainerOptions {
                                force: true,
                                volumes: true,
                                ..Default::default()
                            },
                        )
                        .await;
                }
            });
        })
        .join();
    }
}

#[test]
fn tar_round_trip() {
    let tar = Tar::new()
        .dir("d/", 0o755)
        .file("d/f.txt", 0o644, b"hello")
        .symlink("d/l", "f.txt")
        .finish();
    assert_eq!(tar.len() % 512, 0);
    let entries = read_tar(&tar);
    assert_eq!(entries.len(), 3);
    assert_eq!(
        entries[1],
        Entry {
            name: "d/f.txt".into(),
            kind: b'0',
            data: b"hello".to_vec()
        }
    );
    assert_eq!(entries[2].kind, b'2');
}

/// Whether the daemon is podman's Docker-compatible service (its version lists a
/// "Podman Engine" component). The live tests check podman's own departures
/// from dockerd with it, naming each.
pub async fn is_podman(docker: &Docker) -> bool {
    let version = docker.version().await.expect("version");
    version
        .components
        .unwrap_or_default()
        .iter()
        .any(|c| c.name.to_ascii_lowercase().contains("podman"))
}
