//! What a client trusts and presents over TLS: root certificates (built-in,
//! extra PEM, the platform's), an optional client certificate, and the
//! reading of certificate failures into something a person can act on.

use std::fmt;
#[cfg(feature = "https")]
use std::path::Path;
#[cfg(feature = "https")]
use std::sync::Arc;

#[cfg(feature = "https")]
use rustls::pki_types::pem::PemObject;
#[cfg(feature = "https")]
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
#[cfg(feature = "https")]
use rustls::{CertificateError, RootCertStore};

#[cfg(feature = "https")]
use crate::error::{Error, Result};

#[cfg(feature = "https")]
/// The TLS settings of a client: which roots to trust and which certificate
/// to present.
///
/// By default a client trusts the Mozilla roots compiled into the crate
/// (webpki-roots), so it behaves the same in a scratch container as on a
/// desktop. Add a private CA with [`add_root_pem`](Self::add_root_pem), the
/// operating system's store with `platform_roots`
/// (feature `native-roots`), and a client certificate with
/// [`identity_pem`](Self::identity_pem).
///
/// ```
/// # fn run(ca: &[u8], cert: &[u8], key: &[u8]) -> api_client_transport::Result<()> {
/// use api_client_transport::{Client, TlsConfig};
/// let tls = TlsConfig::new()
///     .built_in_roots(false) // trust the private CA only
///     .add_root_pem(ca)?
///     .identity_pem(cert, key)?;
/// let client = Client::builder("https://internal.example:8443").tls(tls).build()?;
/// # let _ = client; Ok(()) }
/// ```
///
/// `Debug` never prints the private key.
#[derive(Clone)]
pub struct TlsConfig {
    built_in_roots: bool,
    platform_roots: bool,
    extra_roots: Vec<CertificateDer<'static>>,
    identity: Option<Arc<Identity>>,
}

#[cfg(feature = "https")]
/// A client certificate chain and its private key.
struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

#[cfg(feature = "https")]
impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            built_in_roots: true,
            platform_roots: false,
            extra_roots: Vec::new(),
            identity: None,
        }
    }
}

#[cfg(feature = "https")]
impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("built_in_roots", &self.built_in_roots)
            .field("platform_roots", &self.platform_roots)
            .field("extra_roots", &self.extra_roots.len())
            .field(
                "client_certificates",
                &self.identity.as_ref().map_or(0, |i| i.chain.len()),
            )
            .finish()
    }
}

#[cfg(feature = "https")]
impl TlsConfig {
    /// The defaults: the built-in Mozilla roots, no client certificate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to trust the Mozilla roots compiled into the crate (default
    /// `true`). Turn them off to trust only the roots added here, as the
    /// Docker CLI does with `DOCKER_CERT_PATH/ca.pem`.
    pub fn built_in_roots(mut self, enabled: bool) -> Self {
        self.built_in_roots = enabled;
        self
    }

    /// Whether to also trust the operating system's roots (default `false`),
    /// read when the client is built: on Linux the distribution's bundle (or
    /// `SSL_CERT_FILE`/`SSL_CERT_DIR`), the keychain on macOS, the system
    /// store on Windows. Verification itself stays rustls' own, so a refused
    /// certificate is explained the same way on every platform.
    #[cfg(feature = "native-roots")]
    pub fn platform_roots(mut self, enabled: bool) -> Self {
        self.platform_roots = enabled;
        self
    }

    /// Trusts every CA certificate in `pem` (one or more `CERTIFICATE`
    /// blocks) in addition to the other roots.
    ///
    /// Fails, naming `tls.root_pem`, when the text holds no certificate or a
    /// certificate that cannot be used as a root.
    pub fn add_root_pem(mut self, pem: &[u8]) -> Result<Self> {
        let certs = certificates(pem, "tls.root_pem")?;
        // Checked now, not at build, so the error points at the call that added it.
        let mut store = RootCertStore::empty();
        for cert in &certs {
            store.add(cert.clone()).map_err(|e| {
                Error::invalid("tls.root_pem", format!("not usable as a root: {e}"))
            })?;
        }
        self.extra_roots.extend(certs);
        Ok(self)
    }

    /// [`add_root_pem`](Self::add_root_pem) with the contents of a file.
    pub fn add_root_pem_file(self, path: impl AsRef<Path>) -> Result<Self> {
        let pem = read(path.as_ref(), "tls.root_pem")?;
        self.add_root_pem(&pem)
    }

    /// Presents a client certificate: `cert_chain` holds the certificate
    /// first, then any intermediates (`CERTIFICATE` blocks); `key` its
    /// private key (PKCS#8, PKCS#1 or SEC1 PEM).
    pub fn identity_pem(mut self, cert_chain: &[u8], key: &[u8]) -> Result<Self> {
        let chain = certificates(cert_chain, "tls.client_certificate")?;
        // Never quote the key or the parser's view of it in an error.
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|_| {
            Error::invalid(
                "tls.client_key",
                "no PEM private key (PKCS#8, PKCS#1 or SEC1) found",
            )
        })?;
        self.identity = Some(Arc::new(Identity { chain, key }));
        Ok(self)
    }

    /// [`identity_pem`](Self::identity_pem) with the contents of two files.
    pub fn identity_pem_files(
        self,
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self> {
        let chain = read(cert_chain.as_ref(), "tls.client_certificate")?;
        let key = read(key.as_ref(), "tls.client_key")?;
        self.identity_pem(&chain, &key)
    }

    /// The rustls configuration, with the ring provider passed explicitly so
    /// that no process-wide default provider is needed.
    pub(crate) fn rustls_config(&self) -> Result<rustls::ClientConfig> {
        let mut roots = RootCertStore::empty();
        if self.built_in_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        #[cfg(feature = "native-roots")]
        if self.platform_roots {
            let found = rustls_native_certs::load_native_certs();
            if found.certs.is_empty() {
                let why = found
                    .errors
                    .first()
                    .map_or_else(|| "the store is empty".to_string(), ToString::to_string);
                return Err(Error::invalid(
                    "tls.platform_roots",
                    format!("no platform root certificate could be read: {why}"),
                ));
            }
            // Some stores carry certificates webpki cannot parse; skip those, as browsers do.
            let _ = roots.add_parsable_certificates(found.certs);
        }
        for cert in &self.extra_roots {
            roots
                .add(cert.clone())
                .map_err(|e| Error::invalid("tls.root_pem", e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(Error::invalid(
                "tls",
                "no root certificate to trust: add one or keep the built-in roots",
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::invalid("tls", e.to_string()))?
            .with_root_certificates(roots);
        // ALPN is left to hyper-rustls, which sets it from the enabled HTTP versions.
        let config = match &self.identity {
            Some(identity) => builder
                .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
                .map_err(|e| {
                    Error::invalid(
                        "tls.client_key",
                        format!("does not fit the client certificate: {e}"),
                    )
                })?,
            None => builder.with_no_client_auth(),
        };
        Ok(config)
    }
}

#[cfg(feature = "https")]
fn certificates(pem: &[u8], field: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::invalid(field, format!("not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(Error::invalid(field, "no PEM CERTIFICATE block found"));
    }
    Ok(certs)
}

#[cfg(feature = "https")]
fn read(path: &Path, field: &str) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| Error::invalid(field, format!("cannot read {}: {e}", path.display())))
}

/// What was wrong with a TLS handshake, in the terms a person fixes it in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate chains to no trusted root: add its CA with
    /// [`TlsConfig::add_root_pem`].
    UnknownIssuer,
    /// The server's certificate does not name the host that was dialled.
    NameMismatch,
    /// The server's certificate (or one in its chain) has expired.
    Expired,
    /// The server's certificate is not valid yet (check the clock).
    NotYetValid,
    /// The server's certificate was revoked.
    Revoked,
    /// The server refused this client's certificate, or wanted one and got none.
    ClientCertificateRefused,
    /// Another certificate failure, as rustls words it.
    Other(String),
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::UnknownIssuer => {
                f.write_str("the server's certificate is signed by an unknown issuer")
            }
            TlsFailure::NameMismatch => {
                f.write_str("the server's certificate is not valid for this host name")
            }
            TlsFailure::Expired => f.write_str("the server's certificate has expired"),
            TlsFailure::NotYetValid => f.write_str("the server's certificate is not valid yet"),
            TlsFailure::Revoked => f.write_str("the server's certificate was revoked"),
            TlsFailure::ClientCertificateRefused => {
                f.write_str("the server refused the client certificate (or its absence)")
            }
            TlsFailure::Other(why) => f.write_str(why),
        }
    }
}

impl TlsFailure {
    /// The certificate failure in `error`'s chain, if there is one.
    #[cfg(not(feature = "https"))]
    pub(crate) fn find(_error: &(dyn std::error::Error + 'static)) -> Option<TlsFailure> {
        None
    }

    /// The certificate failure in `error`'s chain, if there is one.
    #[cfg(feature = "https")]
    pub(crate) fn find(error: &(dyn std::error::Error + 'static)) -> Option<TlsFailure> {
        rustls_error(error).and_then(Self::from_rustls)
    }

    /// Whether `error`'s chain holds any TLS failure (a certificate, or a
    /// handshake with something that does not speak TLS): none is worth a retry.
    #[cfg(feature = "https")]
    pub(crate) fn any_in(error: &(dyn std::error::Error + 'static)) -> bool {
        rustls_error(error).is_some()
    }

    /// Whether `error`'s chain holds any TLS failure.
    #[cfg(not(feature = "https"))]
    pub(crate) fn any_in(_error: &(dyn std::error::Error + 'static)) -> bool {
        false
    }

    #[cfg(feature = "https")]
    fn from_rustls(error: &rustls::Error) -> Option<TlsFailure> {
        use rustls::AlertDescription as Alert;
        Some(match error {
            rustls::Error::InvalidCertificate(cert) => match cert {
                CertificateError::UnknownIssuer => TlsFailure::UnknownIssuer,
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsFailure::NameMismatch,
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    TlsFailure::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    TlsFailure::NotYetValid
                }
                CertificateError::Revoked => TlsFailure::Revoked,
                other => TlsFailure::Other(format!("invalid server certificate: {other}")),
            },
            rustls::Error::AlertReceived(
                Alert::CertificateRequired
                | Alert::BadCertificate
                | Alert::UnknownCA
                | Alert::CertificateUnknown
                | Alert::CertificateExpired
                | Alert::CertificateRevoked
                | Alert::UnsupportedCertificate
                | Alert::AccessDenied,
            ) => TlsFailure::ClientCertificateRefused,
            rustls::Error::NoCertificatesPresented => {
                TlsFailure::Other("the server presented no certificate".to_string())
            }
            _ => return None,
        })
    }
}

/// The rustls error in a chain. I/O errors hide their payload from
/// `source()`, so each is opened with `get_ref`.
#[cfg(feature = "https")]
fn rustls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(found) = io.get_ref().and_then(|inner| rustls_error(inner)) {
                return Some(found);
            }
        }
        next = e.source();
    }
    None
}

#[cfg(all(test, feature = "native-roots"))]
mod tests {
    use super::*;

    #[test]
    fn platform_roots_alone_make_a_usable_config() {
        // Needs a CA bundle on the machine (Debian's ca-certificates here).
        let tls = TlsConfig::new().built_in_roots(false).platform_roots(true);
        tls.rustls_config().unwrap();
        assert!(format!("{tls:?}").contains("platform_roots: true"));
    }
}
