//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use salad_imds::{ImdsClient, RetryPolicy};

/// Three quick attempts, so retry tests stay fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::new(3)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
        .jitter(false)
        .retry_on_status(&[429, 500, 502, 503, 504])
}

pub fn client(url: &str) -> ImdsClient {
    ImdsClient::builder()
        .base_url(url)
        .retry(fast_retry())
        .poll_interval(Duration::from_millis(10))
        .build()
        .expect("client")
}

/// base64url without padding (the `base64` crate, not the client's own decoding path).
pub fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An unsigned-looking JWT with the given claims (the signature is random text:
/// the crate never checks it).
pub fn make_jwt(claims: &serde_json::Value) -> String {
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "test-key"});
    format!(
        "{}.{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes()),
        "c2lnbmF0dXJlLW5vdC1jaGVja2Vk-SECRET-SIG"
    )
}

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}
