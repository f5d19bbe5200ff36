//! The key SaladCloud signs job webhooks with, and (with the `webhooks`
//! feature) a verifier of those signatures.

use api_client_transport::http::Method;
use api_client_transport::Result;

use crate::models::WebhookSecretKey;
use crate::organization::Organization;

impl Organization {
    /// Reads the key job webhooks are signed with. The answer is kept out of
    /// error messages and the key prints as `***`.
    #[doc(alias = "get_webhook_secret_key")]
    pub async fn webhook_secret_key(&self) -> Result<WebhookSecretKey> {
        let request = self
            .request(Method::GET, &["webhook-secret-key"])
            .sensitive(true);
        self.client().send(request).await?.json().await
    }

    /// Replaces the webhook key with a new random one and returns it; webhooks
    /// signed with the old key stop verifying. Retried: a repeated rotation
    /// only rotates again, and the answer always carries the key in force.
    #[doc(alias = "update_webhook_secret_key")]
    pub async fn rotate_webhook_secret_key(&self) -> Result<WebhookSecretKey> {
        let request = self
            .request(Method::POST, &["webhook-secret-key"])
            .retryable(true)
            .sensitive(true);
        self.client().send(request).await?.json().await
    }
}

#[cfg(feature = "webhooks")]
pub use verify::{Verifier, VerifyError};

/// Checking the signature of a job webhook.
///
/// SaladCloud signs job webhooks the Standard Webhooks way (its documentation
/// points to the svix libraries): three headers, `webhook-id`,
/// `webhook-timestamp` (Unix seconds) and `webhook-signature` (a
/// space-separated list of `v1,<base64 HMAC-SHA256>`), where the MAC is
/// computed with the base64-decoded secret key over
/// `"{webhook-id}.{webhook-timestamp}.{raw body}"`.
#[cfg(feature = "webhooks")]
mod verify {
    use std::fmt;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use api_client_transport::http::HeaderMap;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    /// How far a webhook's timestamp may be from the local clock by default.
    const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);
    /// Prefix some tools put before a Standard Webhooks key.
    const KEY_PREFIX: &str = "whsec_";

    /// Why a webhook was refused.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[non_exhaustive]
    pub enum VerifyError {
        /// The secret key is not base64 (after an optional `whsec_` prefix) or is empty.
        #[error("the webhook secret key is not valid base64")]
        BadKey,
        /// A signing header is missing or not text.
        #[error("the webhook has no valid {0} header")]
        MissingHeader(&'static str),
        /// `webhook-timestamp` is not a number of seconds.
        #[error("webhook-timestamp is not a Unix time in seconds")]
        BadTimestamp,
        /// The timestamp is further from the local clock than the tolerance:
        /// a replayed or badly delayed webhook.
        #[error("the webhook's timestamp is {0:?} away from now, beyond the tolerance")]
        Stale(Duration),
        /// No `v1` signature of the header matches the body with this key.
        #[error("no webhook signature matches")]
        NoMatch,
    }

    /// Checks that a job webhook came from SaladCloud, unaltered and recently.
    ///
    /// Build it once from the organization's key (see
    /// [`Organization::webhook_secret_key`](crate::Organization::webhook_secret_key))
    /// and call [`Verifier::verify`] with the request's headers and its body
    /// exactly as received, before parsing it.
    ///
    /// ```
    /// use salad_api::webhooks::{Verifier, VerifyError};
    /// use salad_api::http::HeaderMap;
    /// let verifier = Verifier::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// let mut headers = HeaderMap::new();
    /// headers.insert("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".parse().unwrap());
    /// headers.insert("webhook-timestamp", "1614265330".parse().unwrap());
    /// headers.insert("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".parse().unwrap());
    /// let body = br#"{"test": 2432232314}"#;
    /// // Years late: refused as stale, however good the signature.
    /// assert!(matches!(verifier.verify(&headers, body), Err(VerifyError::Stale(_))));
    /// ```
    #[derive(Clone)]
    pub struct Verifier {
        mac: Hmac<Sha256>,
        tolerance: Duration,
    }

    impl fmt::Debug for Verifier {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Verifier")
                .field("key", &"***")
                .field("tolerance", &self.tolerance)
                .finish()
        }
    }

    impl Verifier {
        /// A verifier for `secret_key`, the base64 key SaladCloud returns (a
        /// `whsec_` prefix is accepted too), with a tolerance of five minutes.
        pub fn new(secret_key: &str) -> Result<Self, VerifyError> {
            let encoded = secret_key.trim();
            let encoded = encoded.strip_prefix(KEY_PREFIX).unwrap_or(encoded);
            let key = STANDARD.decode(encoded).map_err(|_| VerifyError::BadKey)?;
            if key.is_empty() {
                return Err(VerifyError::BadKey);
            }
            let mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| VerifyError::BadKey)?;
            Ok(Verifier {
                mac,
                tolerance: DEFAULT_TOLERANCE,
            })
        }

        /// How far the timestamp may be from the local clock, either way
        /// (default five minutes). Larger values widen the replay window.
        pub fn tolerance(mut self, tolerance: Duration) -> Self {
            self.tolerance = tolerance;
            self
        }

        /// Checks the headers and raw body of a webhook against the local clock.
        pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
            self.verify_at(headers, body, SystemTime::now())
        }

        /// [`Verifier::verify`] as if the clock read `now`.
        pub fn verify_at(
            &self,
            headers: &HeaderMap,
            body: &[u8],
            now: SystemTime,
        ) -> Result<(), VerifyError> {
            let header = |name: &'static str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .ok_or(VerifyError::MissingHeader(name))
            };
            let id = header("webhook-id")?;
            let timestamp = header("webhook-timestamp")?;
            let signatures = header("webhook-signature")?;

            let seconds: u64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
            let sent = UNIX_EPOCH
                .checked_add(Duration::from_secs(seconds))
                .ok_or(VerifyError::BadTimestamp)?;
            let skew = match now.duration_since(sent) {
                Ok(late) => late,
                Err(early) => early.duration(),
            };
            if skew > self.tolerance {
                return Err(VerifyError::Stale(skew));
            }

            let mut mac = self.mac.clone();
            mac.update(id.as_bytes());
            mac.update(b".");
            mac.update(timestamp.as_bytes());
            mac.update(b".");
            mac.update(body);
            for signature in signatures.split(' ') {
                let Some(("v1", encoded)) = signature.split_once(',') else {
                    continue; // another scheme, or noise: not ours to judge
                };
                let Ok(given) = STANDARD.decode(encoded) else {
                    continue;
                };
                // `verify_slice` compares in constant time.
                if mac.clone().verify_slice(&given).is_ok() {
                    return Ok(());
                }
            }
            Err(VerifyError::NoMatch)
        }
    }
}
