//! Docker contexts: which daemon the docker CLI would talk to, read from the same
//! environment variables, configuration file and context store.
//!
//! The CLI picks the context, first match wins:
//!
//! 1. `DOCKER_HOST` set and not empty: the `default` context, at that address;
//! 2. `DOCKER_CONTEXT`;
//! 3. `currentContext` of `config.json` in `DOCKER_CONFIG` (else `~/.docker`),
//!    as written by `docker context use`;
//! 4. `default`: [`DEFAULT_HOST`].
//!
//! A named context lives in the store under the configuration directory:
//! `contexts/meta/<id>/meta.json` holds its `Name`, the daemon address
//! (`Endpoints.docker.Host`) and `SkipTLSVerify`, and
//! `contexts/tls/<id>/docker/{ca,cert,key}.pem` its TLS material. The CLI makes
//! `<id>` the SHA-256 of the name; this crate finds the directory by the `Name`
//! inside instead, as `docker context ls` lists them, which spares every build a
//! hash implementation for one lookup.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use api_client_transport::{Error, Result};
use serde::Deserialize;

use crate::docker::DEFAULT_HOST;

/// Name of the context that means "`DOCKER_HOST`, else the local socket".
pub const DEFAULT_CONTEXT: &str = "default";

/// Largest `config.json` or `meta.json` read; real ones are a few hundred bytes.
const MAX_FILE: u64 = 1 << 20;

/// Where a daemon address came from, so that an error can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointSource {
    /// Given in code ([`DockerBuilder::host`](crate::DockerBuilder::host)).
    Explicit,
    /// The `DOCKER_HOST` variable.
    DockerHost,
    /// A context named by the `DOCKER_CONTEXT` variable.
    DockerContext,
    /// A context named by `currentContext` in this configuration file.
    ConfigFile(PathBuf),
    /// A context chosen in code ([`Endpoint::from_context`], [`ContextStore::endpoint`]).
    Chosen,
    /// Nothing was set: the default socket.
    Default,
}

/// TLS files of a context, as the context store holds them. Each path names
/// something present in the store (perhaps unreadable, which building the
/// client then refuses); a file the store does not have is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TlsFiles {
    /// CA certificates that sign the daemon's certificate (`ca.pem`).
    pub ca: Option<PathBuf>,
    /// The client certificate (`cert.pem`).
    pub cert: Option<PathBuf>,
    /// The client certificate's private key (`key.pem`).
    pub key: Option<PathBuf>,
}

impl TlsFiles {
    fn is_empty(&self) -> bool {
        self.ca.is_none() && self.cert.is_none() && self.key.is_none()
    }
}

/// A daemon address and how to reach it, resolved the way the docker CLI does.
///
/// ```no_run
/// use docker_engine::{Docker, Endpoint};
/// # fn main() -> docker_engine::Result<()> {
/// let endpoint = Endpoint::from_env()?;
/// println!("context {} at {}", endpoint.context, endpoint.host);
/// let docker = Docker::builder().endpoint(endpoint).build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// The daemon address, e.g. `unix:///var/run/docker.sock` or `tcp://host:2376`.
    pub host: String,
    /// The context it belongs to (`default` unless a named context was used).
    pub context: String,
    /// Where the choice came from.
    pub source: EndpointSource,
    /// The context asks not to verify the daemon's certificate (`SkipTLSVerify`).
    pub skip_tls_verify: bool,
    /// The context's TLS material; `None` when its store holds none.
    pub tls: Option<TlsFiles>,
}

impl Endpoint {
    /// An address given in code; no context is read.
    pub fn explicit(host: impl Into<String>) -> Self {
        Endpoint {
            host: host.into(),
            context: DEFAULT_CONTEXT.to_string(),
            source: EndpointSource::Explicit,
            skip_tls_verify: false,
            tls: None,
        }
    }

    /// The endpoint the docker CLI would use, from `DOCKER_HOST`, `DOCKER_CONTEXT`,
    /// the configuration's `currentContext`, or the default socket (in that order).
    ///
    /// Fails, naming the variable or file, when the chosen context does not exist or
    /// its files are unreadable; nothing is connected yet.
    pub fn from_env() -> Result<Self> {
        resolve(&|name| std::env::var(name).ok())
    }

    /// The endpoint of the context `name` (`default` is `DOCKER_HOST`, else the
    /// default socket), from the store in `DOCKER_CONFIG` or `~/.docker`.
    pub fn from_context(name: &str) -> Result<Self> {
        let lookup = |var: &str| std::env::var(var).ok();
        let mut endpoint = by_name(&lookup, name, "context")?;
        endpoint.source = EndpointSource::Chosen;
        Ok(endpoint)
    }

    /// What to blame in an error about this endpoint, e.g. `DOCKER_HOST=tcp://h:2375`.
    pub(crate) fn origin(&self) -> Option<String> {
        match &self.source {
            EndpointSource::Explicit => None,
            EndpointSource::DockerHost => Some(format!("DOCKER_HOST={}", redact_host(&self.host))),
            EndpointSource::Default => None,
            _ => Some(format!("context {}", self.context)),
        }
    }

    /// The name of the setting that chose this address, for input errors.
    pub(crate) fn field(&self) -> String {
        match &self.source {
            EndpointSource::Explicit | EndpointSource::Default => "host".to_string(),
            EndpointSource::DockerHost => "DOCKER_HOST".to_string(),
            _ => format!("context {} (Endpoints.docker.Host)", self.context),
        }
    }
}

impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointSource::Explicit => f.write_str("the builder"),
            EndpointSource::DockerHost => f.write_str("DOCKER_HOST"),
            EndpointSource::DockerContext => f.write_str("DOCKER_CONTEXT"),
            EndpointSource::ConfigFile(path) => write!(f, "currentContext in {}", path.display()),
            EndpointSource::Chosen => f.write_str("the builder's context"),
            EndpointSource::Default => f.write_str("the default"),
        }
    }
}

/// `host` as it may be shown in a message: the password of a
/// `scheme://user:password@host` replaced by `***`.
pub(crate) fn redact_host(host: &str) -> String {
    let Some(scheme_end) = host.find("://") else {
        return host.to_string();
    };
    let rest = &host[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return host.to_string();
    };
    let user_info = &authority[..at];
    let user = match user_info.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None => user_info.to_string(),
    };
    format!("{}{user}{}", &host[..scheme_end + 3], &rest[at..])
}

fn non_empty(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name).filter(|v| !v.trim().is_empty())
}

/// The CLI's order: `DOCKER_HOST`, `DOCKER_CONTEXT`, `currentContext`, default.
pub(crate) fn resolve(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Endpoint> {
    if non_empty(lookup, "DOCKER_HOST").is_some() {
        return by_name(lookup, DEFAULT_CONTEXT, "DOCKER_HOST");
    }
    if let Some(name) = non_empty(lookup, "DOCKER_CONTEXT") {
        let mut endpoint = by_name(lookup, name.trim(), "DOCKER_CONTEXT")?;
        endpoint.source = EndpointSource::DockerContext;
        return Ok(endpoint);
    }
    let config = config_dir(lookup).map(|dir| dir.join("config.json"));
    if let Some(path) = config.filter(|p| is_present(p)) {
        if let Some(name) = current_context(&path)? {
            let mut endpoint = by_name(lookup, &name, "currentContext")?;
            endpoint.source = EndpointSource::ConfigFile(path);
            return Ok(endpoint);
        }
    }
    by_name(lookup, DEFAULT_CONTEXT, "context")
}

/// The endpoint of context `name`; `field` names the setting that chose it.
fn by_name(lookup: &dyn Fn(&str) -> Option<String>, name: &str, field: &str) -> Result<Endpoint> {
    if name == DEFAULT_CONTEXT {
        return Ok(match non_empty(lookup, "DOCKER_HOST") {
            Some(host) => Endpoint {
                source: EndpointSource::DockerHost,
                ..Endpoint::explicit(host.trim())
            },
            None => Endpoint {
                source: EndpointSource::Default,
                ..Endpoint::explicit(DEFAULT_HOST)
            },
        });
    }
    let dir = config_dir(lookup).ok_or_else(|| {
        Error::invalid(
            field,
            format!("context `{name}`: no configuration directory (set DOCKER_CONFIG or HOME)"),
        )
    })?;
    ContextStore::new(dir).endpoint_for(name, field)
}

/// `DOCKER_CONFIG`, else `.docker` in the home directory.
fn config_dir(lookup: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(dir) = non_empty(lookup, "DOCKER_CONFIG") {
        return Some(PathBuf::from(dir));
    }
    let home = if cfg!(windows) {
        non_empty(lookup, "USERPROFILE")
    } else {
        non_empty(lookup, "HOME")
    }?;
    Some(Path::new(&home).join(".docker"))
}

/// Whether anything is at `path`, a dangling link included: such a file is
/// then read, and a failure to read it is an error naming it, never a reason
/// to go on without it.
pub(crate) fn is_present(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// Reads a small configuration file (`config.json`, `meta.json`, a `*.pem`)
/// whole, refusing what is not a regular file before opening it (a FIFO
/// would block the thread until a writer came; `/dev/zero` never ends) and
/// what is larger than 1 MiB. Errors name `field` and the file.
pub(crate) fn read_capped(path: &Path, field: &str) -> Result<Vec<u8>> {
    let bad = |why: String| Error::invalid(field, format!("{}: {why}", path.display()));
    // Follows links, as opening would.
    let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a regular file".to_string()));
    }
    if meta.len() > MAX_FILE {
        return Err(bad(format!("larger than {MAX_FILE} bytes")));
    }
    let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(bad(format!("larger than {MAX_FILE} bytes")));
    }
    Ok(bytes)
}

/// `currentContext` of a `config.json`, if it names one.
fn current_context(path: &Path) -> Result<Option<String>> {
    #[derive(Deserialize)]
    struct Config {
        #[serde(rename = "currentContext", default)]
        current_context: Option<String>,
    }
    let bytes = read_capped(path, "currentContext")?;
    let config: Config = serde_json::from_slice(&bytes).map_err(|e| {
        Error::invalid(
            "currentContext",
            format!("{} is not a docker configuration: {e}", path.display()),
        )
    })?;
    Ok(config.current_context.filter(|c| !c.trim().is_empty()))
}

/// A docker CLI context store: `contexts/` under a configuration directory.
///
/// ```no_run
/// use docker_engine::ContextStore;
/// # fn main() -> docker_engine::Result<()> {
/// let store = ContextStore::new("/home/me/.docker");
/// let endpoint = store.endpoint("build-box")?;
/// assert_eq!(endpoint.context, "build-box");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextStore {
    config_dir: PathBuf,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "Name", default)]
    name: Option<String>,
    #[serde(rename = "Endpoints", default)]
    endpoints: Option<Endpoints>,
}

#[derive(Deserialize)]
struct Endpoints {
    #[serde(default)]
    docker: Option<DockerEndpointMeta>,
}

#[derive(Deserialize)]
struct DockerEndpointMeta {
    #[serde(rename = "Host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: Option<bool>,
}

impl ContextStore {
    /// The store of the configuration directory `config_dir` (the one holding
    /// `config.json` and `contexts/`).
    pub fn new(config_dir: impl Into<PathBuf>) -> Self {
        ContextStore {
            config_dir: config_dir.into(),
        }
    }

    /// The `meta.json` of the named context and what it holds: the entry of
    /// `contexts/meta` whose metadata carries that `Name`.
    fn find(&self, name: &str, field: &str) -> Result<(PathBuf, Meta)> {
        let meta_dir = self.config_dir.join("contexts").join("meta");
        let not_found = |unreadable: &[String]| {
            let mut text = format!(
                "context `{name}` not found in {}; `docker context ls` lists the contexts",
                meta_dir.display()
            );
            if !unreadable.is_empty() {
                text.push_str(&format!(
                    " (not context metadata, so not searched: {})",
                    unreadable.join("; ")
                ));
            }
            Error::invalid(field, text)
        };
        let entries = match std::fs::read_dir(&meta_dir) {
            Ok(entries) => entries,
            Err(_) => return Err(not_found(&[])),
        };
        let mut unreadable = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path().join("meta.json");
            if !path.is_file() {
                continue;
            }
            let bytes = read_capped(&path, field)?;
            match serde_json::from_slice::<Meta>(&bytes) {
                Ok(meta) if meta.name.as_deref() == Some(name) => return Ok((path, meta)),
                Ok(_) => {}
                Err(e) => unreadable.push(format!("{}: {e}", path.display())),
            }
        }
        Err(not_found(&unreadable))
    }

    /// The endpoint of the named context. The `default` context is not in any
    /// store: ask [`Endpoint::from_context`] for it.
    pub fn endpoint(&self, name: &str) -> Result<Endpoint> {
        self.endpoint_for(name, "context")
    }

    fn endpoint_for(&self, name: &str, field: &str) -> Result<Endpoint> {
        let (meta_path, meta) = self.find(name, field)?;
        let docker = meta.endpoints.and_then(|e| e.docker);
        let host = docker
            .as_ref()
            .and_then(|d| d.host.clone())
            .filter(|h| !h.trim().is_empty())
            .ok_or_else(|| {
                Error::invalid(
                    field,
                    format!("context `{name}` has no docker endpoint (Endpoints.docker.Host)"),
                )
            })?;
        // The TLS material sits under the same id as the metadata.
        let id = meta_path
            .parent()
            .and_then(Path::file_name)
            .unwrap_or_default();
        let tls_dir = self
            .config_dir
            .join("contexts")
            .join("tls")
            .join(id)
            .join("docker");
        // Anything there is used: a file that cannot be read (a dangling
        // link, a FIFO) is refused when the client is built, naming it, as
        // the docker CLI refuses it; never dropped for plain HTTP.
        let file = |name: &str| Some(tls_dir.join(name)).filter(|p| is_present(p));
        let tls = TlsFiles {
            ca: file("ca.pem"),
            cert: file("cert.pem"),
            key: file("key.pem"),
        };
        Ok(Endpoint {
            host: host.trim().to_string(),
            context: name.to_string(),
            source: EndpointSource::Chosen,
            skip_tls_verify: docker.and_then(|d| d.skip_tls_verify).unwrap_or(false),
            tls: Some(tls).filter(|t| !t.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "dremote-context-{tag}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// The directory name the docker CLI gives a context: the hex SHA-256 of its name.
    fn id(name: &str) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(name.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn add_context(config: &Path, name: &str, host: &str, skip: bool, tls: &[&str]) {
        let id = id(name);
        write(
            &config.join("contexts/meta").join(&id).join("meta.json"),
            &serde_json::json!({
                "Name": name,
                "Metadata": {"Description": "made by a test"},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip}}
            })
            .to_string(),
        );
        for file in tls {
            write(
                &config
                    .join("contexts/tls")
                    .join(&id)
                    .join("docker")
                    .join(file),
                "-----BEGIN CERTIFICATE-----\n",
            );
        }
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn a_context_is_found_by_the_name_inside_whatever_its_directory() {
        let config = TempDir::new("by-name");
        add_context(&config.0, "hashed", "tcp://hashed:2376", false, &[]);
        // A store written by something else than the CLI, with its TLS beside it.
        write(
            &config.0.join("contexts/meta/any-dir/meta.json"),
            r#"{"Name":"other","Endpoints":{"docker":{"Host":"tcp://other:2376"}}}"#,
        );
        write(
            &config.0.join("contexts/tls/any-dir/docker/ca.pem"),
            "-----BEGIN CERTIFICATE-----\n",
        );
        write(&config.0.join("contexts/meta/empty-dir/.keep"), "");
        let store = ContextStore::new(&config.0);
        assert_eq!(store.endpoint("hashed").unwrap().host, "tcp://hashed:2376");
        let other = store.endpoint("other").unwrap();
        assert_eq!(other.host, "tcp://other:2376");
        let tls = other.tls.expect("the TLS material of its directory");
        assert!(tls
            .ca
            .unwrap()
            .ends_with("contexts/tls/any-dir/docker/ca.pem"));
        let err = store.endpoint("Hashed").unwrap_err();
        assert!(err.to_string().contains("`Hashed` not found"), "{err}");
    }

    #[test]
    fn nothing_set_means_the_default_socket() {
        let home = TempDir::new("nothing");
        let e = resolve(&env(&[("HOME", home.0.to_str().unwrap())])).unwrap();
        assert_eq!(e.host, DEFAULT_HOST);
        assert_eq!(e.context, "default");
        assert_eq!(e.source, EndpointSource::Default);
        assert_eq!(e.tls, None);
    }

    #[test]
    fn docker_context_reads_the_store_with_its_tls_material() {
        let config = TempDir::new("ctx");
        let dir = config.0.to_str().unwrap();
        add_context(
            &config.0,
            "remote",
            "tcp://10.1.2.3:2376",
            true,
            &["ca.pem", "cert.pem", "key.pem"],
        );
        let e = resolve(&env(&[
            ("DOCKER_CONFIG", dir),
            ("DOCKER_CONTEXT", "remote"),
        ]))
        .unwrap();
        assert_eq!(e.host, "tcp://10.1.2.3:2376");
        assert_eq!(e.context, "remote");
        assert_eq!(e.source, EndpointSource::DockerContext);
        assert!(e.skip_tls_verify);
        let tls = e.tls.unwrap();
        let id = id("remote");
        let tls_dir = config.0.join("contexts/tls").join(id).join("docker");
        assert_eq!(tls.ca, Some(tls_dir.join("ca.pem")));
        assert_eq!(tls.cert, Some(tls_dir.join("cert.pem")));
        assert_eq!(tls.key, Some(tls_dir.join("key.pem")));
    }

    #[test]
    fn current_context_of_the_config_file_under_home() {
        let home = TempDir::new("home");
        let config = home.0.join(".docker");
        add_context(&config, "box", "unix:///run/box.sock", false, &["ca.pem"]);
        write(
            &config.join("config.json"),
            r#"{"auths":{},"currentContext":"box"}"#,
        );
        let e = resolve(&env(&[("HOME", home.0.to_str().unwrap())])).unwrap();
        assert_eq!(e.host, "unix:///run/box.sock");
        assert_eq!(
            e.source,
            EndpointSource::ConfigFile(config.join("config.json"))
        );
        assert!(!e.skip_tls_verify);
        let tls = e.tls.unwrap();
        assert!(tls.ca.is_some() && tls.cert.is_none() && tls.key.is_none());
        // DOCKER_CONTEXT wins over the file, and "default" means the default socket
        let e = resolve(&env(&[
            ("HOME", home.0.to_str().unwrap()),
            ("DOCKER_CONTEXT", "default"),
        ]))
        .unwrap();
        assert_eq!(e.host, DEFAULT_HOST);
    }

    #[test]
    fn docker_host_takes_precedence_over_contexts() {
        let config = TempDir::new("precedence");
        let dir = config.0.to_str().unwrap();
        add_context(&config.0, "remote", "tcp://10.1.2.3:2376", false, &[]);
        write(
            &config.0.join("config.json"),
            r#"{"currentContext":"remote"}"#,
        );
        let e = resolve(&env(&[
            ("DOCKER_CONFIG", dir),
            ("DOCKER_CONTEXT", "remote"),
            ("DOCKER_HOST", "tcp://127.0.0.1:2375"),
        ]))
        .unwrap();
        assert_eq!(e.host, "tcp://127.0.0.1:2375");
        assert_eq!(e.source, EndpointSource::DockerHost);
        assert_eq!(e.context, "default");
        // an empty DOCKER_HOST counts as unset, as in the CLI
        let e = resolve(&env(&[("DOCKER_CONFIG", dir), ("DOCKER_HOST", "")])).unwrap();
        assert_eq!(e.host, "tcp://10.1.2.3:2376");
        assert!(e.tls.is_none());
    }

    #[test]
    fn a_missing_or_broken_context_is_named() {
        let config = TempDir::new("broken");
        let dir = config.0.to_str().unwrap();
        let err = resolve(&env(&[("DOCKER_CONFIG", dir), ("DOCKER_CONTEXT", "nope")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("DOCKER_CONTEXT") && text.contains("`nope` not found"),
            "{text}"
        );

        write(
            &config
                .0
                .join("contexts/meta")
                .join(id("junk"))
                .join("meta.json"),
            "<html>",
        );
        let err = resolve(&env(&[("DOCKER_CONFIG", dir), ("DOCKER_CONTEXT", "junk")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`junk` not found") && text.contains("not context metadata"),
            "{text}"
        );

        let id = id("kube-only");
        write(
            &config.0.join("contexts/meta").join(&id).join("meta.json"),
            r#"{"Name":"kube-only","Endpoints":{"kubernetes":{}}}"#,
        );
        let err = ContextStore::new(&config.0)
            .endpoint("kube-only")
            .unwrap_err();
        assert!(err.to_string().contains("no docker endpoint"), "{err}");

        write(&config.0.join("config.json"), "{not json");
        let err = resolve(&env(&[("DOCKER_CONFIG", dir)])).unwrap_err();
        assert!(err.to_string().contains("currentContext"), "{err}");

        write(
            &config.0.join("config.json"),
            r#"{"currentContext":"gone"}"#,
        );
        let err = resolve(&env(&[("DOCKER_CONFIG", dir)])).unwrap_err();
        assert!(err.to_string().contains("`gone` not found"), "{err}");
    }

    #[test]
    fn an_oversized_file_is_refused_unread() {
        let config = TempDir::new("big");
        let big = format!(
            r#"{{"currentContext":"x","pad":"{}"}}"#,
            "a".repeat(1 << 21)
        );
        write(&config.0.join("config.json"), &big);
        let err = resolve(&env(&[("DOCKER_CONFIG", config.0.to_str().unwrap())])).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }
}
