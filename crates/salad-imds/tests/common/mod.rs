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

/// base64url without padding, written independently of the crate's decoder.
pub fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
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
