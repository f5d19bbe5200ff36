//! Opt-in HTTP proxies: which proxy, if any, a client's one endpoint goes
//! through. The decision is made once, when the client is built, since a
//! client talks to one origin; hyper-util's matcher reads the rules (the
//! curl conventions for `NO_PROXY`) and its tunnel speaks `CONNECT`.

use std::fmt;

#[cfg(feature = "proxy")]
use http::{HeaderValue, Uri};
#[cfg(feature = "proxy")]
use hyper_util::client::proxy::matcher::Matcher;

#[cfg(feature = "proxy")]
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Whether a client goes through an HTTP proxy.
///
/// Its constructors come with the `proxy` feature (on by default); without
/// it no `Proxy` can be made, and no client goes through one.
///
/// No client ever uses a proxy unless it is given one of these: an
/// environment that sets `HTTPS_PROXY` must not redirect, say, a metadata
/// service that only answers on the local link. Unix sockets and custom
/// dialers never go through a proxy.
///
/// `https://` endpoints are reached through a `CONNECT` tunnel (the proxy
/// sees only the host and port); `http://` endpoints are sent to the proxy
/// in absolute form. The proxy itself is spoken to in plain HTTP. Credentials
/// in a proxy URL (`http://user:password@proxy:3128`) are sent as
/// `Proxy-Authorization: Basic`, and are never printed.
///
/// ```
/// # #[cfg(feature = "proxy")]
/// # fn run() -> api_client_transport::Result<()> {
/// use api_client_transport::{Client, Proxy};
/// // As curl does: HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case).
/// let client = Client::builder("https://api.example.com").proxy(Proxy::from_env()).build()?;
/// // Or one proxy, whatever the environment says.
/// let proxy = Proxy::url("http://proxy.internal:3128")?.no_proxy("localhost, .internal");
/// let client = Client::builder("https://api.example.com").proxy(proxy).build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
#[cfg_attr(not(feature = "proxy"), allow(dead_code))]
pub struct Proxy {
    source: Source,
    no_proxy: Option<String>,
}

#[derive(Clone)]
#[cfg_attr(not(feature = "proxy"), allow(dead_code))]
enum Source {
    Env,
    /// Kept as a secret: it may carry a password.
    Url(Secret),
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Proxy");
        match &self.source {
            Source::Env => d.field("source", &"environment"),
            // Only scheme, host and port: never the user info.
            Source::Url(url) => d.field("url", &redacted(url.expose())),
        };
        d.field("no_proxy", &self.no_proxy).finish()
    }
}

impl Proxy {
    /// The proxy the environment names, read when the client is built:
    /// `HTTPS_PROXY` for `https://` endpoints, `HTTP_PROXY` for `http://`
    /// ones, unless the host matches `NO_PROXY` (each name upper or lower
    /// case, the upper-case one first). As curl does, `HTTP_PROXY` in upper
    /// case is ignored when `REQUEST_METHOD` is set (a CGI script, where a
    /// request header can set it). `ALL_PROXY` is not read: it often names a
    /// SOCKS proxy, which is not supported.
    #[cfg(feature = "proxy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
    pub fn from_env() -> Self {
        Proxy {
            source: Source::Env,
            no_proxy: None,
        }
    }

    /// One proxy for every endpoint: `http://[user:password@]host[:port]`
    /// (`host:port` alone means `http://`; the port defaults to 80).
    ///
    /// Fails, naming `proxy`, for another scheme, a path or a bad port; the
    /// message never quotes the URL, which may hold a password.
    #[cfg(feature = "proxy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
    pub fn url(url: impl Into<String>) -> Result<Self> {
        let url = Secret::new(url.into());
        check_url(url.expose()).map_err(|reason| Error::invalid("proxy", reason))?;
        Ok(Proxy {
            source: Source::Url(url),
            no_proxy: None,
        })
    }

    /// Hosts reached directly: a comma-separated list of names (each also
    /// matching its subdomains, a leading dot optional), IP addresses,
    /// CIDR blocks, or `*` for all (names and IP addresses alike). Replaces
    /// `NO_PROXY` from the environment.
    #[cfg(feature = "proxy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        self.no_proxy = Some(hosts.into());
        self
    }

    /// The proxy for `target` (an `http` or `https` origin), if any.
    #[cfg(feature = "proxy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
    pub(crate) fn route(&self, target: &Uri) -> Result<Option<Route>> {
        let https = target.scheme_str() == Some("https");
        let (url, field) = match &self.source {
            Source::Url(url) => (url.expose().to_string(), "proxy"),
            Source::Env if https => (env_first(&["HTTPS_PROXY", "https_proxy"]), "HTTPS_PROXY"),
            Source::Env => {
                // httpoxy: in a CGI script a `Proxy:` request header arrives as HTTP_PROXY.
                let cgi = std::env::var_os("REQUEST_METHOD").is_some();
                let names: &[&str] = if cgi {
                    &["http_proxy"]
                } else {
                    &["HTTP_PROXY", "http_proxy"]
                };
                (env_first(names), "HTTP_PROXY")
            }
        };
        if url.is_empty() {
            return Ok(None);
        }
        check_url(&url).map_err(|reason| Error::invalid(field, reason))?;
        let no_proxy = match (&self.no_proxy, &self.source) {
            (Some(list), _) => list.clone(),
            (None, Source::Env) => env_first(&["NO_PROXY", "no_proxy"]),
            (None, Source::Url(_)) => String::new(),
        };
        // `*` means every host, as curl reads it; hyper-util's matcher
        // applies it to names only, so an IP-literal endpoint would still
        // go through the proxy.
        if no_proxy.split(',').any(|entry| entry.trim() == "*") {
            return Ok(None);
        }
        let matcher = Matcher::builder()
            .http(url.as_str())
            .https(url.as_str())
            .no(no_proxy)
            .build();
        Ok(matcher.intercept(target).map(|hit| Route {
            proxy: hit.uri().clone(),
            authorization: hit.basic_auth().cloned(),
        }))
    }
}

/// No route at all: without the `proxy` feature no `Proxy` can be made.
#[cfg(not(feature = "proxy"))]
pub(crate) enum NoRoute {}

#[cfg(not(feature = "proxy"))]
impl NoRoute {
    pub(crate) fn describe(&self) -> String {
        match *self {}
    }
}

/// Where a client's connections go instead of its endpoint.
#[cfg(feature = "proxy")]
#[derive(Clone)]
pub(crate) struct Route {
    /// `http://host:port/`, without user info.
    pub(crate) proxy: Uri,
    /// `Basic ...`, marked sensitive.
    pub(crate) authorization: Option<HeaderValue>,
}

#[cfg(feature = "proxy")]
impl Route {
    /// The proxy's address for messages: never any credential.
    pub(crate) fn describe(&self) -> String {
        match self.proxy.authority() {
            Some(authority) => format!("proxy {authority}"),
            None => "proxy".to_string(),
        }
    }
}

#[cfg(feature = "proxy")]
fn env_first(names: &[&str]) -> String {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

/// Checks a proxy URL the way the matcher will read it, so a typo is an
/// error instead of a silently direct connection. Never quotes the URL.
#[cfg(feature = "proxy")]
fn check_url(url: &str) -> std::result::Result<(), String> {
    const SHAPE: &str = "expected http://[user:password@]host[:port]";
    let uri: Uri = url
        .trim()
        .parse()
        .map_err(|_| format!("not a valid proxy URL ({SHAPE})"))?;
    match uri.scheme_str() {
        None | Some("http") => {}
        Some("https") => {
            return Err(format!(
                "a proxy reached over TLS is not supported ({SHAPE})"
            ))
        }
        Some(_) => return Err(format!("only HTTP proxies are supported ({SHAPE})")),
    }
    let authority = uri
        .authority()
        .ok_or_else(|| format!("no proxy host ({SHAPE})"))?;
    let host_port = authority
        .as_str()
        .rsplit_once('@')
        .map_or(authority.as_str(), |(_, hp)| hp);
    let host_port: http::uri::Authority = host_port
        .parse()
        .map_err(|_| format!("not a valid proxy host ({SHAPE})"))?;
    if host_port.host().is_empty() {
        return Err(format!("no proxy host ({SHAPE})"));
    }
    // `http::Uri` accepts any digits as a port; a u16 is what a socket takes.
    if let Some(port) = host_port.as_str().rsplit_once(':').map(|(_, p)| p) {
        if !host_port.as_str().ends_with(']') && port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(format!("the proxy port must be 1 to 65535 ({SHAPE})"));
        }
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(format!("a proxy URL has no path ({SHAPE})"));
    }
    Ok(())
}

/// `scheme://host:port` of a proxy URL, without user info.
fn redacted(url: &str) -> String {
    match url.trim().parse::<http::Uri>() {
        Ok(uri) => {
            let authority = uri.authority().map_or("", |a| a.as_str());
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
            format!("{}://{host_port}", uri.scheme_str().unwrap_or("http"))
        }
        Err(_) => "<invalid>".to_string(),
    }
}

#[cfg(all(test, feature = "proxy"))]
mod tests {
    use super::*;

    #[test]
    fn bad_proxy_urls_are_refused_without_quoting_them() {
        for bad in [
            "socks5://u:hunter2@h:1080",
            "https://u:hunter2@h:443",
            "http://u:hunter2@h:99999",
            "http://u:hunter2@h:0",
            "http://u:hunter2@h:3128/path",
            "http://u:hunter2@:3128",
            "not a url hunter2",
        ] {
            let err = Proxy::url(bad).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(
                matches!(err, Error::InvalidInput { ref field, .. } if field == "proxy"),
                "{bad}: {text}"
            );
            assert!(!text.contains("hunter2"), "{bad}: {text}");
        }
    }

    #[test]
    fn good_proxy_urls_route_and_debug_hides_credentials() {
        let proxy = Proxy::url("http://user:hunter2@proxy.test:3128").unwrap();
        assert!(!format!("{proxy:?}").contains("hunter2"));
        assert!(format!("{proxy:?}").contains("proxy.test:3128"));
        let route = proxy
            .route(&Uri::from_static("https://api.example.com"))
            .unwrap()
            .unwrap();
        assert_eq!(route.proxy.authority().unwrap().as_str(), "proxy.test:3128");
        assert_eq!(route.describe(), "proxy proxy.test:3128");
        let auth = route.authorization.unwrap();
        assert!(auth.is_sensitive());
        // base64("user:hunter2")
        assert_eq!(auth, "Basic dXNlcjpodW50ZXIy");
    }

    #[test]
    fn no_proxy_hosts_go_direct() {
        let proxy = Proxy::url("proxy.test:3128")
            .unwrap()
            .no_proxy("example.com, 10.0.0.0/8");
        for direct in [
            "https://example.com",
            "https://api.example.com:8443",
            "http://10.1.2.3",
        ] {
            assert!(
                proxy.route(&direct.parse().unwrap()).unwrap().is_none(),
                "{direct}"
            );
        }
        let via = proxy
            .route(&Uri::from_static("http://notexample.com"))
            .unwrap()
            .unwrap();
        assert_eq!(via.proxy.scheme_str(), Some("http"));
        assert!(via.authorization.is_none());
    }

    #[test]
    fn a_star_in_no_proxy_exempts_ip_literals_too() {
        for list in ["*", " * ", "example.com, *", "*,10.0.0.0/8"] {
            let proxy = Proxy::url("proxy.test:3128").unwrap().no_proxy(list);
            for direct in [
                "http://127.0.0.1:8080",
                "https://10.1.2.3",
                "http://[::1]:2375",
                "https://api.example.com",
                "http://localhost",
            ] {
                assert!(
                    proxy.route(&direct.parse().unwrap()).unwrap().is_none(),
                    "{list:?} {direct}"
                );
            }
        }
        // A `*` inside a name is no wildcard: the IP still goes through the proxy.
        let proxy = Proxy::url("proxy.test:3128")
            .unwrap()
            .no_proxy("*.example.com");
        assert!(proxy
            .route(&Uri::from_static("http://127.0.0.1:8080"))
            .unwrap()
            .is_some());
    }
}
