//! What the mockito suites share: a client pinned to an API version against
//! the mock server, and the query matcher.
#![allow(dead_code)]

use docker_engine::{Docker, RetryPolicy};
use mockito::{Matcher, ServerGuard};

/// A client of `server` pinned to API `version` (no version negotiation).
pub fn pinned(server: &ServerGuard, version: &str) -> Docker {
    Docker::builder()
        .host(server.url())
        .api_version(version.parse().unwrap())
        .build()
        .unwrap()
}

/// A client of `server` pinned to API 1.45 that tries each call once: for
/// mocks that expect exactly one call, error answers included.
pub fn pinned_once(server: &ServerGuard) -> Docker {
    Docker::builder()
        .host(server.url())
        .api_version("1.45".parse().unwrap())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// The query parameter `k` with the value `v` (decoded).
pub fn q(k: &str, v: &str) -> Matcher {
    Matcher::UrlEncoded(k.into(), v.into())
}
