//! When and how long to wait before trying a request again.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

/// Longest `Retry-After` the client will honour; a server asking for more gets
/// the error back instead of a client that hangs.
const RETRY_AFTER_CEILING: Duration = Duration::from_secs(60);

/// How many times a request is tried and how long to wait between tries.
///
/// Only requests that are safe to repeat are retried: idempotent methods
/// (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`) unless the request says
/// otherwise, and never a request whose body is a stream. Any other request
/// goes again only when it cannot have had an effect: the connection was never
/// made, or the server refused it with `429 Too Many Requests`. The waits grow
/// exponentially from `base_delay` up to `max_delay`, with jitter, and are
/// never shorter than the server's `Retry-After` (up to 60 s).
///
/// ```
/// use std::time::Duration;
/// let policy = api_client_transport::RetryPolicy::new(5)
///     .base_delay(Duration::from_millis(100))
///     .max_delay(Duration::from_secs(5))
///     .retry_on_status(&[429, 500, 502, 503, 504]);
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    jitter: bool,
    statuses: Vec<u16>,
}

impl Default for RetryPolicy {
    /// Three attempts, 200 ms base delay, 10 s cap, jitter, on 429, 502, 503, 504.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            jitter: true,
            statuses: vec![429, 502, 503, 504],
        }
    }
}

impl RetryPolicy {
    /// The default policy with `max_attempts` tries in all (at least one).
    pub fn new(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            ..Self::default()
        }
    }

    /// A single attempt: no retries.
    pub fn none() -> Self {
        Self::new(1)
    }

    /// The wait before the first retry; later waits double.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest wait between two attempts (a `Retry-After` may exceed it, up to 60 s).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Whether waits are randomised (between half and all of the computed delay),
    /// so many clients that failed together do not retry together.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The response statuses worth another attempt.
    pub fn retry_on_status(mut self, statuses: &[u16]) -> Self {
        self.statuses = statuses.to_vec();
        self
    }

    /// Tries in all, including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn retries_status(&self, status: StatusCode) -> bool {
        self.statuses.contains(&status.as_u16())
    }

    /// The wait after failed attempt number `attempt` (1-based).
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let mut delay = self.base_delay.saturating_mul(factor).min(self.max_delay);
        if self.jitter && !delay.is_zero() {
            // Between half and all of the delay, from fastrand's per-thread
            // generator (seeded from the OS-randomised hasher keys).
            let half = delay / 2;
            let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
            delay = half + Duration::from_nanos(fastrand::u64(0..=spread));
        }
        match retry_after {
            Some(wait) if wait <= RETRY_AFTER_CEILING => delay.max(wait),
            _ => delay,
        }
    }

    /// Whether a `Retry-After` is too long to wait for.
    pub(crate) fn retry_after_too_long(retry_after: Option<Duration>) -> bool {
        retry_after.is_some_and(|wait| wait > RETRY_AFTER_CEILING)
    }
}

/// Reads `Retry-After` as delta-seconds or as an HTTP date.
pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let p = RetryPolicy::new(10)
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_secs(1))
            .jitter(false);
        assert_eq!(p.delay(1, None), Duration::from_millis(100));
        assert_eq!(p.delay(2, None), Duration::from_millis(200));
        assert_eq!(p.delay(3, None), Duration::from_millis(400));
        assert_eq!(p.delay(9, None), Duration::from_secs(1));
        assert_eq!(p.delay(200, None), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        let p = RetryPolicy::new(3).base_delay(Duration::from_millis(400));
        for _ in 0..100 {
            let d = p.delay(1, None);
            assert!(
                d >= Duration::from_millis(200) && d <= Duration::from_millis(400),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let p = RetryPolicy::new(3).jitter(false);
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("7"),
        );
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(30);
        let date = httpdate::fmt_http_date(later);
        h.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_str(&date).unwrap(),
        );
        let got = parse_retry_after(&h).unwrap();
        assert!(
            got > Duration::from_secs(28) && got <= Duration::from_secs(30),
            "{got:?}"
        );
        h.insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("soon"),
        );
        assert_eq!(parse_retry_after(&h), None);
    }
}
