//! The webhook verifier: signatures computed independently of it are
//! accepted; a tampered body, a wrong key and a stale timestamp are refused.
#![cfg(feature = "webhooks")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use salad_api::http::HeaderMap;
use salad_api::webhooks::{Verifier, VerifyError};
use sha2::Sha256;

/// The published Standard Webhooks (svix) test vector; its signature was
/// also recomputed with Python's `hmac` module when this test was written.
const VECTOR_KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const VECTOR_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const VECTOR_TS: u64 = 1_614_265_330;
const VECTOR_BODY: &[u8] = br#"{"test": 2432232314}"#;
const VECTOR_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

fn headers(id: &str, ts: u64, sig: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("webhook-id", id.parse().unwrap());
    h.insert("webhook-timestamp", ts.to_string().parse().unwrap());
    h.insert("webhook-signature", sig.parse().unwrap());
    h
}

fn at(ts: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(ts)
}

/// Signs the way the scheme says, with the hmac crate directly.
fn sign(key_b64: &str, id: &str, ts: u64, body: &[u8]) -> String {
    let key = STANDARD.decode(key_b64).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// A key shaped like the ones SaladCloud hands out (base64, no prefix).
const SALAD_KEY: &str = "kT3x0YQ0m3yZ8hK1c1WmG1kzv6qfN7xg2Qb5r9tL0aE=";
const JOB_BODY: &[u8] = br#"{"action":"succeeded","data":{"id":"7dcd6922-50e9-4d56-89b5-91cde26f0211","status":"succeeded","output":{"image":"s3://acme-renders/7dcd6922.png"}}}"#;

#[test]
fn the_published_vector_verifies() {
    let verifier = Verifier::new(VECTOR_KEY).unwrap();
    let h = headers(VECTOR_ID, VECTOR_TS, VECTOR_SIG);
    verifier
        .verify_at(&h, VECTOR_BODY, at(VECTOR_TS + 10))
        .unwrap();
    // The same key without its prefix, as SaladCloud returns it.
    Verifier::new(VECTOR_KEY.trim_start_matches("whsec_"))
        .unwrap()
        .verify_at(&h, VECTOR_BODY, at(VECTOR_TS))
        .unwrap();
}

#[test]
fn a_signature_made_with_the_hmac_crate_verifies_now() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let sig = sign(SALAD_KEY, "msg_2abc", now, JOB_BODY);
    let verifier = Verifier::new(SALAD_KEY).unwrap();
    verifier
        .verify(&headers("msg_2abc", now, &sig), JOB_BODY)
        .unwrap();
    // Among several signatures (a key rotation), one matching is enough.
    let several = format!("v1,AAAA {sig} v2,whatever");
    verifier
        .verify(&headers("msg_2abc", now, &several), JOB_BODY)
        .unwrap();
}

#[test]
fn a_tampered_body_is_refused() {
    let verifier = Verifier::new(VECTOR_KEY).unwrap();
    let h = headers(VECTOR_ID, VECTOR_TS, VECTOR_SIG);
    let tampered = br#"{"test": 2432232315}"#;
    assert_eq!(
        verifier.verify_at(&h, tampered, at(VECTOR_TS)),
        Err(VerifyError::NoMatch)
    );
    // So is a changed id or timestamp under the same signature.
    let h = headers("msg_other", VECTOR_TS, VECTOR_SIG);
    assert_eq!(
        verifier.verify_at(&h, VECTOR_BODY, at(VECTOR_TS)),
        Err(VerifyError::NoMatch)
    );
    let h = headers(VECTOR_ID, VECTOR_TS + 1, VECTOR_SIG);
    assert_eq!(
        verifier.verify_at(&h, VECTOR_BODY, at(VECTOR_TS)),
        Err(VerifyError::NoMatch)
    );
}

#[test]
fn a_wrong_key_is_refused() {
    let verifier = Verifier::new(SALAD_KEY).unwrap();
    let h = headers(VECTOR_ID, VECTOR_TS, VECTOR_SIG);
    assert_eq!(
        verifier.verify_at(&h, VECTOR_BODY, at(VECTOR_TS)),
        Err(VerifyError::NoMatch)
    );
}

#[test]
fn stale_and_future_timestamps_are_refused() {
    let verifier = Verifier::new(VECTOR_KEY).unwrap();
    let h = headers(VECTOR_ID, VECTOR_TS, VECTOR_SIG);
    assert_eq!(
        verifier.verify_at(&h, VECTOR_BODY, at(VECTOR_TS + 301)),
        Err(VerifyError::Stale(Duration::from_secs(301)))
    );
    assert_eq!(
        verifier.verify_at(&h, VECTOR_BODY, at(VECTOR_TS - 301)),
        Err(VerifyError::Stale(Duration::from_secs(301)))
    );
    verifier
        .verify_at(&h, VECTOR_BODY, at(VECTOR_TS + 300))
        .unwrap();
    // A wider tolerance is the caller's choice.
    verifier
        .clone()
        .tolerance(Duration::from_secs(3600))
        .verify_at(&h, VECTOR_BODY, at(VECTOR_TS + 3000))
        .unwrap();
}

#[test]
fn missing_or_malformed_headers_and_keys_are_named() {
    let verifier = Verifier::new(VECTOR_KEY).unwrap();
    let mut h = headers(VECTOR_ID, VECTOR_TS, VECTOR_SIG);
    h.remove("webhook-signature");
    assert_eq!(
        verifier.verify_at(&h, VECTOR_BODY, at(VECTOR_TS)),
        Err(VerifyError::MissingHeader("webhook-signature"))
    );
    let mut h = headers(VECTOR_ID, VECTOR_TS, VECTOR_SIG);
    h.insert("webhook-timestamp", "yesterday".parse().unwrap());
    assert_eq!(
        verifier.verify_at(&h, VECTOR_BODY, at(VECTOR_TS)),
        Err(VerifyError::BadTimestamp)
    );
    let h = headers(VECTOR_ID, VECTOR_TS, "v1,not base64!");
    assert_eq!(
        verifier.verify_at(&h, VECTOR_BODY, at(VECTOR_TS)),
        Err(VerifyError::NoMatch)
    );
    assert_eq!(Verifier::new("***").unwrap_err(), VerifyError::BadKey);
    assert_eq!(Verifier::new("").unwrap_err(), VerifyError::BadKey);
    assert!(!format!("{verifier:?}").contains("MfKQ"));
}
