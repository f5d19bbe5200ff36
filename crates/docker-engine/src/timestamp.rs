//! [`Timestamp`]: a point in time for `since`/`until` filters, written in any form the
//! docker CLI accepts for `docker logs --since`.
//!
//! RFC 3339 is read by the `time` crate; Go durations (`1h30m`, `250ms`) by
//! the small parser here, since no crate the workspace keeps reads Go's syntax.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use api_client_transport::Error;

/// A point in time, sent to the daemon as Unix seconds with nanoseconds
/// (`1700000000.250000000`), which every API version reads.
///
/// Parse one from the forms `docker logs --since/--until` take:
///
/// - a duration before now, computed against the local clock at parse time like
///   the CLI does: `10m`, `1h30m`, `1.5h`, `90s`, `250ms` (units `ns`, `us`, `µs`,
///   `ms`, `s`, `m`, `h`; a leading `-` means after now);
/// - Unix seconds, with an optional fraction: `1700000000`, `1700000000.5`;
/// - RFC 3339 with a zone, nanoseconds allowed: `2024-05-01T10:00:00.123456789Z`,
///   `2024-05-01T12:00:00+02:00`, and the CLI's shorter `2024-05-01Z`,
///   `2024-05-01T10Z`, `2024-05-01T10:00+02:00`.
///
/// A date or time without a zone is refused: the CLI reads it in the local time
/// zone, which this crate cannot know without a time zone database, and a guess
/// would silently shift the window by hours.
///
/// ```
/// use docker_engine::Timestamp;
/// let t: Timestamp = "2024-05-01T10:00:00.5Z".parse().unwrap();
/// assert_eq!(t.to_string(), "1714557600.500000000");
/// let recent: Timestamp = "1h30m".parse().unwrap();
/// assert!(recent > t);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    seconds: u64,
    nanos: u32,
}

impl Timestamp {
    /// Unix time: whole seconds and nanoseconds (nanoseconds above a second carry over).
    pub fn from_unix(seconds: u64, nanos: u32) -> Self {
        let carry = u64::from(nanos / 1_000_000_000);
        Timestamp {
            seconds: seconds.saturating_add(carry),
            nanos: nanos % 1_000_000_000,
        }
    }

    /// The moment `ago` before now, by the local clock.
    pub fn ago(ago: Duration) -> Self {
        let now = SystemTime::now();
        Self::from(now.checked_sub(ago).unwrap_or(UNIX_EPOCH))
    }

    /// Whole seconds since the Unix epoch.
    pub fn seconds(&self) -> u64 {
        self.seconds
    }

    /// Nanoseconds past [`Timestamp::seconds`].
    pub fn nanos(&self) -> u32 {
        self.nanos
    }

    /// Reads any of the CLI's forms (see the type's documentation); `field` names
    /// the option in the error.
    pub(crate) fn parse_field(field: &str, text: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::invalid(field, format!("`{text}`: {why}"));
        let t = text.trim();
        if t.is_empty() {
            return Err(bad("empty"));
        }
        // The CLI tries a duration first, except for a bare `0` (Unix time zero).
        if t != "0" {
            if let Some(d) = parse_duration(t) {
                let now = SystemTime::now();
                let at = match d {
                    Signed::Past(d) => now.checked_sub(d),
                    Signed::Future(d) => now.checked_add(d),
                };
                return at
                    .map(Self::from)
                    .ok_or_else(|| bad("the duration reaches outside the clock's range"));
            }
        }
        if t.contains('-') {
            return parse_rfc3339(t).map_err(bad);
        }
        parse_unix(t).ok_or_else(|| {
            bad("not a duration (10m, 1h30m), Unix seconds (1700000000.5) or RFC 3339 time with a zone")
        })
    }
}

impl fmt::Display for Timestamp {
    /// Unix seconds with nine decimals, as sent to the daemon.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.seconds, self.nanos)
    }
}

impl FromStr for Timestamp {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse_field("timestamp", s)
    }
}

impl From<SystemTime> for Timestamp {
    /// Times before the Unix epoch become the epoch (the API has no earlier time).
    fn from(time: SystemTime) -> Self {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        Timestamp {
            seconds: since.as_secs(),
            nanos: since.subsec_nanos(),
        }
    }
}

enum Signed {
    Past(Duration),
    Future(Duration),
}

/// A Go-style duration (`1h30m`, `1.5s`, `-10m`), the form `--since` takes first.
fn parse_duration(text: &str) -> Option<Signed> {
    let (future, mut rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest.is_empty() {
        return None;
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_end);
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && frac.is_empty() {
            return None;
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        total = total.checked_add(whole.checked_mul(scale)?)?;
        // Fraction digits beyond nanosecond precision of the unit do not matter.
        let mut place = scale;
        for digit in frac.bytes() {
            place /= 10;
            if place == 0 {
                break;
            }
            total = total.checked_add(u128::from(digit - b'0') * place)?;
        }
        rest = tail;
    }
    let secs = u64::try_from(total / 1_000_000_000).ok()?;
    let d = Duration::new(secs, (total % 1_000_000_000) as u32);
    Some(if future {
        Signed::Future(d)
    } else {
        Signed::Past(d)
    })
}

/// Unix seconds with an optional fraction (`1700000000`, `1700000000.25`).
fn parse_unix(text: &str) -> Option<Timestamp> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds = whole.parse().ok()?;
    let mut nanos = 0u32;
    for i in 0..9 {
        let digit = frac.as_bytes().get(i).map_or(0, |b| u32::from(b - b'0'));
        nanos = nanos * 10 + digit;
    }
    Some(Timestamp { seconds, nanos })
}

/// `YYYY-MM-DD[Thh[:mm[:ss[.fraction]]]]` followed by `Z` or `±hh:mm`: the
/// CLI's shorter forms are completed with zeros, then the `time` crate reads
/// the result as RFC 3339.
fn parse_rfc3339(text: &str) -> Result<Timestamp, &'static str> {
    const SHAPE: &str = "not an RFC 3339 time like 2024-05-01T10:00:00Z";
    let zone_at = if text.ends_with(['Z', 'z']) {
        text.len() - 1
    } else {
        match text.len().checked_sub(6) {
            Some(at) if text.is_char_boundary(at) && text[at..].starts_with(['+', '-']) => at,
            _ => {
                return Err("add a zone (Z or an offset like +02:00): a local time needs the local time zone, which this client does not read")
            }
        }
    };
    let (body, zone) = text.split_at(zone_at);
    if !body.is_ascii() {
        return Err(SHAPE);
    }
    let padding = match body.len() {
        10 => "T00:00:00",
        13 => ":00:00",
        16 => ":00",
        _ => "",
    };
    if let Some((_, frac)) = body.split_once('.') {
        if frac.len() > 9 {
            return Err("the fraction of a second takes 1 to 9 digits");
        }
    }
    let full = format!("{body}{padding}{zone}");
    let time = time::OffsetDateTime::parse(&full, &time::format_description::well_known::Rfc3339)
        .map_err(|_| SHAPE)?;
    let nanos = time.unix_timestamp_nanos();
    let seconds =
        u64::try_from(nanos.div_euclid(1_000_000_000)).map_err(|_| "before the Unix epoch")?;
    Ok(Timestamp {
        seconds,
        nanos: nanos.rem_euclid(1_000_000_000) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Timestamp {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn rfc3339_forms() {
        assert_eq!(p("1970-01-01T00:00:00Z"), Timestamp::from_unix(0, 0));
        assert_eq!(p("2024-05-01T10:00:00Z").seconds(), 1_714_557_600);
        assert_eq!(
            p("2024-05-01T10:00:00.123456789Z"),
            Timestamp::from_unix(1_714_557_600, 123_456_789)
        );
        assert_eq!(
            p("2024-05-01T12:00:00.5+02:00"),
            Timestamp::from_unix(1_714_557_600, 500_000_000)
        );
        assert_eq!(p("2024-05-01T05:30:00-04:30").seconds(), 1_714_557_600);
        assert_eq!(p("2024-05-01Z").seconds(), 1_714_521_600);
        assert_eq!(p("2024-05-01T10Z").seconds(), 1_714_557_600);
        assert_eq!(p("2024-05-01T10:00+00:00").seconds(), 1_714_557_600);
        assert_eq!(p("2000-02-29T00:00:00Z").seconds(), 951_782_400);
        for bad in [
            "2024-05-01T10:00:00",
            "2024-05-01",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T10:00:00.Z",
            "2024-05-01T10:00:00.1234567891Z",
            "2024-05-01T10:00:00+2:00",
            "1969-12-31T23:59:59Z",
            "2024-5-1T10:00:00Z",
            "2024-05-01T10:00:00Zjunk",
        ] {
            let err = Timestamp::parse_field("since", bad).unwrap_err();
            assert!(err.to_string().contains("since"), "{bad}: {err}");
        }
    }

    #[test]
    fn unix_forms_keep_nanoseconds() {
        assert_eq!(p("1700000000"), Timestamp::from_unix(1_700_000_000, 0));
        assert_eq!(p("0"), Timestamp::from_unix(0, 0));
        assert_eq!(
            p("1700000000.25"),
            Timestamp::from_unix(1_700_000_000, 250_000_000)
        );
        assert_eq!(
            p("1700000000.000000001").to_string(),
            "1700000000.000000001"
        );
        assert!("1700000000.0000000001".parse::<Timestamp>().is_err());
        assert!("12ab".parse::<Timestamp>().is_err());
        assert!("".parse::<Timestamp>().is_err());
        assert_eq!(
            Timestamp::from_unix(1, 1_500_000_000).to_string(),
            "2.500000000"
        );
    }

    #[test]
    fn durations_count_back_from_the_local_clock() {
        let now = Timestamp::from(SystemTime::now());
        let t = p("1h30m");
        let expected = now.seconds() - 5400;
        // the clock moved on between the two readings by far less than a minute
        assert!(
            t.seconds() >= expected && t.seconds() < expected + 60,
            "{t}"
        );
        let t = p("1.5h");
        assert!(
            t.seconds() >= expected && t.seconds() < expected + 60,
            "{t}"
        );
        let t = p("-10m");
        assert!(t.seconds() >= now.seconds() + 600, "{t}");
        let t = p("250ms");
        assert!(t.seconds() + 60 > now.seconds() && t <= Timestamp::from(SystemTime::now()));
        for bad in ["10", "10x", "m", "1h-30m", "1..5h", "-"] {
            // bare numbers are Unix times, not durations; the rest are nothing
            let parsed = bad.parse::<Timestamp>();
            if bad == "10" {
                assert_eq!(parsed.unwrap(), Timestamp::from_unix(10, 0));
            } else {
                assert!(parsed.is_err(), "{bad}");
            }
        }
        assert!("99999999999999999999h".parse::<Timestamp>().is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_errs_without_panicking(text in "\\PC{0,40}") {
            let _ = text.parse::<Timestamp>();
        }

        #[test]
        fn near_misses_of_every_form_never_panic(
            text in "[-+]?[0-9.:TZz+µsmhun-]{0,32}"
        ) {
            let _ = text.parse::<Timestamp>();
        }

        #[test]
        fn the_wire_form_parses_back(seconds in 0u64..=4_102_444_800, nanos in 0u32..1_000_000_000) {
            let t = Timestamp::from_unix(seconds, nanos);
            proptest::prop_assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
        }

        #[test]
        fn rfc3339_agrees_with_unix_seconds(days in 0i64..40_000, secs in 0u32..86_400, nanos in 0u32..1_000_000_000) {
            // Civil date of `days` since the epoch, inverse of days_from_civil.
            let z = days + 719_468;
            let era = z.div_euclid(146_097);
            let doe = z - era * 146_097;
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let day = doy - (153 * mp + 2) / 5 + 1;
            let month = if mp < 10 { mp + 3 } else { mp - 9 };
            let year = yoe + era * 400 + i64::from(month <= 2);
            let text = format!(
                "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
                secs / 3600,
                secs / 60 % 60,
                secs % 60
            );
            let expected = Timestamp::from_unix(days as u64 * 86_400 + u64::from(secs), nanos);
            proptest::prop_assert_eq!(text.parse::<Timestamp>().unwrap(), expected);
        }
    }
}
