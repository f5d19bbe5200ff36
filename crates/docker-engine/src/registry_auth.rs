//! Registry credentials: given explicitly, or found the way the docker CLI finds them
//! (`DOCKER_CONFIG` or `~/.docker/config.json`: `auths`, `credsStore`, `credHelpers`),
//! and sent as the `X-Registry-Auth` / `X-Registry-Config` headers. `POST /auth` checks them.
//!
//! Passwords and tokens live in [`Secret`]s: their `Debug` prints `***`, the header
//! values carrying them are marked sensitive, and no error message quotes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use api_client_transport::http::{HeaderName, Method, StatusCode};
use api_client_transport::{Error, Request, Result, Secret};
use base64::Engine;
use serde::Deserialize;

use crate::models::{AuthConfig, SystemAuthResponse};
use crate::Docker;

/// The key Docker Hub credentials are stored under in a Docker config file.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// How long a credential helper may take before it is given up on.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// Most bytes of a credential helper's answer read (real ones are well under 1 KiB).
const HELPER_MAX_OUTPUT: u64 = 1 << 20;

/// Most bytes of a credential helper's stderr kept for an error message.
const HELPER_MAX_STDERR: u64 = 4096;

/// Credentials for one registry, ready to be sent with a pull, push or build.
///
/// ```
/// use docker_engine::RegistryAuth;
/// let auth = RegistryAuth::password("localhost:5000", "ci", "s3cr3t");
/// assert!(!format!("{auth:?}").contains("s3cr3t"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegistryAuth {
    config: AuthConfig,
}

impl RegistryAuth {
    /// A user name and password (or access token) for the registry at `server`
    /// (`localhost:5000`, `ghcr.io`, or [`DOCKER_HUB_KEY`]).
    pub fn password(
        server: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        let config = AuthConfig {
            serveraddress: Some(server.into()),
            username: Some(username.into()),
            password: Some(password.into()),
            ..Default::default()
        };
        RegistryAuth { config }
    }

    /// An identity token (from an earlier [`Docker::auth`] or a credential helper),
    /// used by the daemon instead of a password.
    pub fn identity_token(server: impl Into<String>, token: impl Into<Secret>) -> Self {
        let config = AuthConfig {
            serveraddress: Some(server.into()),
            identitytoken: Some(token.into()),
            ..Default::default()
        };
        RegistryAuth { config }
    }

    /// Wraps a complete [`AuthConfig`].
    pub fn from_config(config: AuthConfig) -> Self {
        RegistryAuth { config }
    }

    /// The credentials as the daemon reads them.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// The registry these credentials are for, if known.
    pub fn server(&self) -> Option<&str> {
        self.config.serveraddress.as_deref()
    }

    /// Credentials for the registry of `image` (`localhost:5000/app:1`, `busybox`) from
    /// the user's Docker config, or `None` when it holds none for that registry.
    /// Runs a credential helper (`docker-credential-<name> get`) when the config names one.
    pub async fn from_docker_config(image: &str) -> Result<Option<RegistryAuth>> {
        DockerConfig::load()?.auth_for(&registry_of(image)).await
    }

    /// The `X-Registry-Auth` header value: base64url of the JSON credentials.
    pub(crate) fn header_secret(&self) -> Result<Secret> {
        let json = serde_json::to_vec(&self.config)
            .map_err(|e| Error::invalid("auth", format!("cannot encode the credentials: {e}")))?;
        Ok(Secret::new(
            base64::engine::general_purpose::URL_SAFE.encode(json),
        ))
    }

    /// Sends these credentials with `request` as `X-Registry-Auth`: the header
    /// is sensitive, and no error of the request quotes it, nor the password
    /// or tokens inside it, should the daemon echo them.
    pub(crate) fn attach(&self, request: Request) -> Result<Request> {
        let request = request.secret_header(X_REGISTRY_AUTH, &self.header_secret()?);
        Ok(self.secrets_of(request))
    }

    /// Marks the password and tokens as secrets of `request`.
    pub(crate) fn secrets_of(&self, mut request: Request) -> Request {
        let c = &self.config;
        for secret in [&c.password, &c.identitytoken, &c.registrytoken]
            .into_iter()
            .flatten()
        {
            request = request.secret(secret);
        }
        request
    }
}

/// The registry part of an image reference, as Docker config files key it:
/// `localhost:5000/app:1` -> `localhost:5000`; `busybox` or `library/busybox` ->
/// [`DOCKER_HUB_KEY`].
///
/// ```
/// use docker_engine::registry_of;
/// assert_eq!(registry_of("localhost:5000/team/app:1"), "localhost:5000");
/// assert_eq!(registry_of("ghcr.io/o/r@sha256:00"), "ghcr.io");
/// assert_eq!(registry_of("team/app"), docker_engine::DOCKER_HUB_KEY);
/// ```
pub fn registry_of(image: &str) -> String {
    match image.split_once('/') {
        // The first component names a registry only when it looks like a host:
        // it has a dot or a port, or is `localhost` (the rule the docker CLI uses).
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            if first == "docker.io" || first == "index.docker.io" {
                DOCKER_HUB_KEY.to_string()
            } else {
                first.to_string()
            }
        }
        _ => DOCKER_HUB_KEY.to_string(),
    }
}

/// The credential part of a Docker config file (`config.json`).
///
/// Lookups follow the docker CLI: a `credHelpers` entry for the registry wins, then
/// `credsStore`, then the inline `auths` entry (`auth` is base64 of `user:password`).
#[derive(Clone, Debug)]
pub struct DockerConfig {
    path: Option<PathBuf>,
    auths: BTreeMap<String, FileAuth>,
    creds_store: Option<String>,
    cred_helpers: BTreeMap<String, String>,
    helper_timeout: Duration,
}

impl Default for DockerConfig {
    fn default() -> Self {
        DockerConfig {
            path: None,
            auths: BTreeMap::new(),
            creds_store: None,
            cred_helpers: BTreeMap::new(),
            helper_timeout: HELPER_TIMEOUT,
        }
    }
}

#[derive(Clone, Default, Deserialize)]
struct FileAuth {
    #[serde(default)]
    auth: Option<Secret>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<Secret>,
    #[serde(default)]
    identitytoken: Option<Secret>,
    #[serde(default)]
    registrytoken: Option<Secret>,
}

impl std::fmt::Debug for FileAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileAuth")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize, Default)]
struct FileConfig {
    #[serde(default)]
    auths: Option<BTreeMap<String, FileAuth>>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: Option<BTreeMap<String, String>>,
}

impl DockerConfig {
    /// Reads `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`. A missing
    /// file is an empty configuration (no credentials), as for the docker CLI.
    ///
    /// The file is read as [`from_path`](Self::from_path) reads it: at most
    /// 1 MiB, and only if it is a regular file.
    pub fn load() -> Result<DockerConfig> {
        let dir = match std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
                Some(home) => PathBuf::from(home).join(".docker"),
                None => return Ok(DockerConfig::default()),
            },
        };
        let path = dir.join("config.json");
        if !crate::context::is_present(&path) {
            return Ok(DockerConfig::default());
        }
        DockerConfig::from_path(&path)
    }

    /// Reads one config file: at most 1 MiB, and refused unopened when it is
    /// not a regular file (a FIFO or a device would block or never end).
    pub fn from_path(path: &Path) -> Result<DockerConfig> {
        let field = || format!("docker config {}", path.display());
        let text = crate::context::read_capped(path, "docker config")?;
        // Only the position is reported: a credential is never quoted in an error.
        let file: FileConfig = serde_json::from_slice(&text).map_err(|e| {
            Error::invalid(
                field(),
                format!("not valid JSON (line {}, column {})", e.line(), e.column()),
            )
        })?;
        Ok(DockerConfig {
            path: Some(path.to_path_buf()),
            auths: file.auths.unwrap_or_default(),
            creds_store: file.creds_store.filter(|s| !s.is_empty()),
            cred_helpers: file.cred_helpers.unwrap_or_default(),
            helper_timeout: HELPER_TIMEOUT,
        })
    }

    /// How long a credential helper may take (default 30 s). At the
    /// deadline the helper and every process it started are killed.
    pub fn with_helper_timeout(mut self, timeout: Duration) -> Self {
        self.helper_timeout = timeout;
        self
    }

    /// The file this was read from (`None` when there was none).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Credentials for `registry` (a key such as `localhost:5000` or
    /// [`DOCKER_HUB_KEY`]; see [`registry_of`]), or `None` when there are none.
    pub async fn auth_for(&self, registry: &str) -> Result<Option<RegistryAuth>> {
        if let Some(helper) = self.cred_helpers.get(registry) {
            let field = format!("credHelpers.{registry}");
            return run_helper(helper, registry, &field, self.helper_timeout).await;
        }
        if let Some(store) = &self.creds_store {
            if let Some(found) =
                run_helper(store, registry, "credsStore", self.helper_timeout).await?
            {
                return Ok(Some(found));
            }
        }
        let entry = self.auths.get(registry).or_else(|| {
            // Entries are often written with a scheme or path (`https://host/v1/`).
            self.auths
                .iter()
                .find(|(key, _)| normalize_key(key) == normalize_key(registry))
                .map(|(_, v)| v)
        });
        match entry {
            Some(entry) => self.decode_entry(registry, entry).map(Some),
            None => Ok(None),
        }
    }

    /// Credentials for every registry the config names inline or through a helper,
    /// as needed for a build's `X-Registry-Config`.
    pub async fn all(&self) -> Result<BTreeMap<String, RegistryAuth>> {
        let mut out = BTreeMap::new();
        let mut keys: Vec<&String> = self.auths.keys().collect();
        keys.extend(self.cred_helpers.keys());
        for key in keys {
            if let Some(auth) = self.auth_for(key).await? {
                out.insert(key.clone(), auth);
            }
        }
        Ok(out)
    }

    fn decode_entry(&self, registry: &str, entry: &FileAuth) -> Result<RegistryAuth> {
        let mut config = AuthConfig {
            serveraddress: Some(registry.to_string()),
            username: entry.username.clone(),
            password: entry.password.clone(),
            identitytoken: entry.identitytoken.clone().filter(|t| !t.is_empty()),
            registrytoken: entry.registrytoken.clone().filter(|t| !t.is_empty()),
            ..Default::default()
        };
        if let Some(auth) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
            let bad = || {
                let file = self
                    .path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                Error::invalid(
                    format!("auths.{registry}.auth"),
                    format!("in {file}: not base64 of `user:password`"),
                )
            };
            let raw = base64::engine::general_purpose::STANDARD
                .decode(auth.expose().trim())
                .map_err(|_| bad())?;
            let raw = String::from_utf8(raw).map_err(|_| bad())?;
            let (user, password) = raw.split_once(':').ok_or_else(bad)?;
            config.username = Some(user.to_string());
            config.password = Some(Secret::new(password));
        }
        Ok(RegistryAuth { config })
    }
}

fn normalize_key(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: Secret,
}

/// Asks `docker-credential-<helper> get` for the credentials of `registry`.
///
/// The helper runs in a process group of its own (unix): when it overruns
/// `timeout` or its answer passes [`HELPER_MAX_OUTPUT`], the whole group is
/// killed, so nothing it started outlives the call. Its stdout is read up to
/// that cap, its stderr up to [`HELPER_MAX_STDERR`].
async fn run_helper(
    helper: &str,
    registry: &str,
    setting: &str,
    timeout: Duration,
) -> Result<Option<RegistryAuth>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The docker CLI would run a path relative to the working directory.
    if helper.contains(['/', '\\']) || helper == ".." {
        return Err(Error::invalid(
            setting,
            format!(
                "`{helper}` is not a helper name: the helper is the program \
                 docker-credential-<name> on PATH, so the name cannot hold a path separator"
            ),
        ));
    }
    let program = format!("docker-credential-{helper}");
    let field = || format!("credential helper {program}");
    let mut command = tokio::process::Command::new(&program);
    command
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| Error::invalid(field(), format!("cannot run it: {e} (is it on PATH?)")))?;
    let group = child.id();
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        kill_group(&mut child, group).await;
        return Err(Error::invalid(field(), "started without its pipes"));
    };
    let talk = async {
        // A helper that never reads its input must not stop us reading its answer.
        let write = async {
            let _ = stdin.write_all(registry.as_bytes()).await;
            drop(stdin);
        };
        // stderr is read on the side (its first bytes kept, the rest
        // drained so a chatty helper never blocks on a full pipe); it ends
        // when the helper and its children are gone.
        let read_err = tokio::spawn(async move {
            let mut stderr = stderr;
            let mut err = Vec::new();
            let _ = (&mut stderr)
                .take(HELPER_MAX_STDERR)
                .read_to_end(&mut err)
                .await;
            let _ = tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await;
            err
        });
        let mut out = Vec::new();
        let mut limited_out = stdout.take(HELPER_MAX_OUTPUT + 1);
        let read_out = limited_out.read_to_end(&mut out);
        let ((), read) = futures_util::future::join(write, read_out).await;
        read.map_err(|e| Error::invalid(field(), format!("cannot read its answer: {e}")))?;
        if out.len() as u64 > HELPER_MAX_OUTPUT {
            read_err.abort();
            return Err(Error::invalid(
                field(),
                format!("its answer is longer than {HELPER_MAX_OUTPUT} bytes"),
            ));
        }
        let status = child
            .wait()
            .await
            .map_err(|e| Error::invalid(field(), e.to_string()))?;
        let err = read_err.await.unwrap_or_default();
        Ok((status, out, err))
    };
    let outcome = match tokio::time::timeout(timeout, talk).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => {
            kill_group(&mut child, group).await;
            return Err(e);
        }
        Err(_) => {
            kill_group(&mut child, group).await;
            return Err(Error::invalid(
                field(),
                format!("gave no answer within {:?}", timeout),
            ));
        }
    };
    let (status, stdout, stderr) = outcome;
    if !status.success() {
        let said = String::from_utf8_lossy(&stdout);
        // The helpers' protocol: this text on stdout means "nothing stored".
        if said.contains("credentials not found") {
            return Ok(None);
        }
        let err = String::from_utf8_lossy(&stderr);
        let mut why: String = err.trim().chars().take(300).collect();
        if why.is_empty() {
            why = said.trim().chars().take(300).collect();
        }
        return Err(Error::invalid(
            field(),
            format!("`get` for {registry} failed ({status}): {why}"),
        ));
    }
    let output = HelperOutput { stdout };
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout).map_err(|e| {
        Error::invalid(
            field(),
            format!(
                "its answer is not the expected JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })?;
    // A helper that stores an identity token says so with this user name.
    let auth = if answer.username == "<token>" {
        RegistryAuth::identity_token(registry, answer.secret)
    } else {
        RegistryAuth::password(registry, answer.username, answer.secret)
    };
    Ok(Some(auth))
}

/// What a helper that succeeded wrote on stdout.
struct HelperOutput {
    stdout: Vec<u8>,
}

/// Kills a helper and everything in its process group (unix), then reaps it.
async fn kill_group(child: &mut tokio::process::Child, group: Option<u32>) {
    #[cfg(unix)]
    if let Some(group) = group {
        // No signal API without `unsafe` in std: the system's `kill` sends it
        // to the whole group (`-PGID`) while the leader is not yet reaped,
        // so the id cannot have been reused.
        let _ = tokio::process::Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{group}")])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await;
    }
    #[cfg(not(unix))]
    let _ = group;
    let _ = child.kill().await;
}

/// Sends every registry's credentials with a build's `request` as
/// `X-Registry-Config`, kept out of its errors as [`RegistryAuth::attach`] does.
pub(crate) fn attach_config(auths: &[RegistryAuth], mut request: Request) -> Result<Request> {
    let map: BTreeMap<&str, &AuthConfig> = auths
        .iter()
        .map(|a| (a.server().unwrap_or(DOCKER_HUB_KEY), a.config()))
        .collect();
    let json = serde_json::to_vec(&map)
        .map_err(|e| Error::invalid("registry_auth", format!("cannot encode: {e}")))?;
    let value = Secret::new(base64::engine::general_purpose::URL_SAFE.encode(json));
    request = request.secret_header(X_REGISTRY_CONFIG, &value);
    for auth in auths {
        request = auth.secrets_of(request);
    }
    Ok(request)
}

pub(crate) const X_REGISTRY_AUTH: HeaderName = HeaderName::from_static("x-registry-auth");
pub(crate) const X_REGISTRY_CONFIG: HeaderName = HeaderName::from_static("x-registry-config");

impl Docker {
    /// Checks credentials with a registry through the daemon (`POST /auth`). Wrong
    /// credentials are an [`Error::Api`] with the daemon's reason (status 401; daemons
    /// up to 20.10 answer 500 with the registry's `401 Unauthorized` in the message).
    #[doc(alias = "SystemAuth")]
    #[doc(alias = "system_auth")]
    pub async fn auth(&self, auth: &RegistryAuth) -> Result<SystemAuthResponse> {
        let (r, _) = self.request(Method::POST, &["auth"]).await?;
        // The password and tokens are the request's own secrets: an error
        // never quotes them, even from an answer that echoes the body.
        let r: Request = auth.secrets_of(r.json(auth.config())?.sensitive(true));
        let response = self.send(r).await?;
        if response.status() == StatusCode::NO_CONTENT {
            return serde_json::from_str(r#"{"Status":""}"#)
                .map_err(|e| Error::invalid("auth", e.to_string()));
        }
        response.json().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_keys() {
        assert_eq!(registry_of("busybox"), DOCKER_HUB_KEY);
        assert_eq!(registry_of("docker.io/library/busybox"), DOCKER_HUB_KEY);
        assert_eq!(registry_of("localhost/app"), "localhost");
        assert_eq!(registry_of("127.0.0.1:5000/a/b:c"), "127.0.0.1:5000");
        assert_eq!(
            normalize_key("https://index.docker.io/v1/"),
            "index.docker.io"
        );
    }

    #[tokio::test]
    async fn inline_auths_decode_and_never_print() {
        let dir = std::env::temp_dir().join(format!("dimg-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        // "u:p:w" has a colon in the password, which must survive
        std::fs::write(
            &path,
            r#"{"auths":{"https://localhost:5000/v1/":{"auth":"dTpwOnc="},"bad:1":{"auth":"!!"}}}"#,
        )
        .unwrap();
        let config = DockerConfig::from_path(&path).unwrap();
        let auth = config.auth_for("localhost:5000").await.unwrap().unwrap();
        assert_eq!(auth.config().username.as_deref(), Some("u"));
        assert_eq!(auth.config().password.as_ref().unwrap().expose(), "p:w");
        assert!(!format!("{auth:?}{config:?}").contains("p:w"));
        let err = config.auth_for("bad:1").await.unwrap_err().to_string();
        assert!(err.contains("auths.bad:1.auth"), "{err}");
        assert!(config.auth_for("other:1").await.unwrap().is_none());
        std::fs::write(&path, r#"{"auths": {"x": {"auth": "secretvalue"#).unwrap();
        let err = DockerConfig::from_path(&path).unwrap_err().to_string();
        assert!(
            err.contains("config.json") && !err.contains("secretvalue"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn header_is_base64url_json() {
        let auth = RegistryAuth::password("localhost:5000", "u", "p?>");
        let value = auth.header_secret().unwrap();
        let json = base64::engine::general_purpose::URL_SAFE
            .decode(value.expose())
            .unwrap();
        let back: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"username":"u","password":"p?>","serveraddress":"localhost:5000"})
        );
    }
}
