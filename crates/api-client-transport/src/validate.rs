//! Checks of request values against their schema, run before anything is sent.
//!
//! [`Validate`] is the public face; the helper functions here are what
//! generated models and the API crates' own parameter checks call, hidden from
//! the documentation and outside the semver promise.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;
use std::sync::{Arc, OnceLock, RwLock};

use crate::error::{Error, Result};
use crate::patch::Patch;

/// A value that can check itself against the constraints of its schema.
pub trait Validate {
    /// Checks the value; the error names the failing field.
    fn validate(&self) -> Result<()> {
        self.validate_at("")
    }

    /// Checks the value found at `path` (e.g. `container.resources`), naming
    /// failing fields below it.
    fn validate_at(&self, path: &str) -> Result<()>;
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, path: &str) -> Result<()> {
        self.as_ref().map_or(Ok(()), |v| v.validate_at(path))
    }
}

impl<T: Validate> Validate for Patch<T> {
    fn validate_at(&self, path: &str) -> Result<()> {
        self.as_value().map_or(Ok(()), |v| v.validate_at(path))
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate_at(&self, path: &str) -> Result<()> {
        (**self).validate_at(path)
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, path: &str) -> Result<()> {
        self.iter()
            .enumerate()
            .try_for_each(|(i, v)| v.validate_at(&format!("{path}[{i}]")))
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate_at(&self, path: &str) -> Result<()> {
        self.iter()
            .try_for_each(|(k, v)| v.validate_at(&field(path, k)))
    }
}

/// A value checked as text: strings, and [`Secret`](crate::Secret)s, whose
/// checks never quote them.
pub trait Text {
    /// The text to check.
    fn text(&self) -> &str;
}

impl Text for str {
    fn text(&self) -> &str {
        self
    }
}

impl Text for String {
    fn text(&self) -> &str {
        self
    }
}

impl Text for crate::Secret {
    fn text(&self) -> &str {
        self.expose()
    }
}

impl<T: Text + ?Sized> Text for &T {
    fn text(&self) -> &str {
        (**self).text()
    }
}

/// The path of `name` below `path`: `field("a.b", "c") == "a.b.c"`.
#[doc(hidden)]
pub fn field(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// The length of `value` in characters lies within `min..=max`.
#[doc(hidden)]
pub fn length<T: Text + ?Sized>(
    field: &str,
    value: &T,
    min: Option<u64>,
    max: Option<u64>,
) -> Result<()> {
    let len = value.text().chars().count() as u64;
    within(field, len, min, max, "be", " characters long")
}

/// `value` lies within `min..=max`; the error reads "must {verb} at least
/// {min}{unit} (got {value})" (or "at most").
fn within<T: PartialOrd + Display + Copy>(
    field: &str,
    value: T,
    min: Option<T>,
    max: Option<T>,
    verb: &str,
    unit: &str,
) -> Result<()> {
    let (side, bound) = match (min, max) {
        (Some(min), _) if value < min => ("least", min),
        (_, Some(max)) if value > max => ("most", max),
        _ => return Ok(()),
    };
    Err(Error::invalid(
        field,
        format!("must {verb} at {side} {bound}{unit} (got {value})"),
    ))
}

/// `value` matches `pattern`, read with the ECMA-262 semantics OpenAPI
/// specifies (with the `u` flag): a search (anchored only by `^`/`$`), `.`
/// stopping at every line terminator, `\d`/`\w` ASCII and `\s` ECMA's Unicode
/// white space. Each pattern is translated into regex-lite's syntax and
/// compiled once per process, at its first use.
#[doc(hidden)]
pub fn pattern<T: Text + ?Sized>(field: &str, value: &T, pattern: &'static str) -> Result<()> {
    match compiled(pattern).map(|p| p.is_match(value.text())) {
        None => Err(Error::invalid(
            field,
            format!("has a pattern that cannot be compiled: {pattern}"),
        )),
        Some(true) => Ok(()),
        // The value is not quoted: pattern-checked fields include passwords and tokens.
        Some(false) => Err(Error::invalid(
            field,
            format!("must match the pattern {pattern}"),
        )),
    }
}

/// Why [`pattern`] cannot use `pattern`, or `None` if it can: what code
/// generation asks before it writes a pattern check into a model. The same
/// translation and compilation as [`pattern`]'s, so a pattern that passes
/// here compiles there.
#[doc(hidden)]
pub fn pattern_error(pattern: &str) -> Option<String> {
    crate::ecma::compile(pattern).err()
}

/// The compiled form of `pattern` (`None` if it does not translate or
/// compile), made on first use. The cache holds only the `'static` patterns of
/// the crates' code, so it stays as small as their source; once a pattern is
/// in, checks take only a shared lock.
fn compiled(pattern: &'static str) -> Option<Arc<regex_lite::Regex>> {
    type Cache = RwLock<HashMap<&'static str, Option<Arc<regex_lite::Regex>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    // A panic elsewhere while a lock was held leaves the map intact.
    if let Some(found) = cache.read().unwrap_or_else(|e| e.into_inner()).get(pattern) {
        return found.clone();
    }
    // Compiled outside the lock; two threads may both compile a new pattern
    // once, and the first one stored is kept.
    let made = crate::ecma::compile(pattern).ok().map(Arc::new);
    // Matching happens after the lock is released: a long value checked on
    // one thread does not hold up checks on others.
    cache
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .entry(pattern)
        .or_insert(made)
        .clone()
}

/// `value` lies within `min..=max`.
#[doc(hidden)]
pub fn range_i64(field: &str, value: i64, min: Option<i64>, max: Option<i64>) -> Result<()> {
    within(field, value, min, max, "be", "")
}

/// `value` is a finite number within `min..=max`.
#[doc(hidden)]
pub fn range_f64(field: &str, value: f64, min: Option<f64>, max: Option<f64>) -> Result<()> {
    if !value.is_finite() {
        return Err(Error::invalid(
            field,
            format!("must be a finite number (got {value})"),
        ));
    }
    within(field, value, min, max, "be", "")
}

/// A list of `len` items has between `min` and `max` of them.
#[doc(hidden)]
pub fn items(field: &str, len: usize, min: Option<u64>, max: Option<u64>) -> Result<()> {
    within(field, len as u64, min, max, "have", " items")
}

/// `value` is a UUID in its hyphenated form (`8-4-4-4-12` hex digits).
#[doc(hidden)]
pub fn uuid<T: Text + ?Sized>(field: &str, value: &T) -> Result<()> {
    let value = value.text();
    let groups: Vec<&str> = value.split('-').collect();
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("must be a UUID (got {value:?})"),
        ))
    }
}

/// `value` is an absolute `http` or `https` URL with a host (`format: url`/`uri`).
///
/// Parsed by [`http::Uri`], which the client already uses for every request: no
/// whitespace or control characters, a scheme, a host. A fragment (`#...`) is
/// allowed. The value is never quoted in the error: a webhook URL may carry a
/// token in its query.
#[doc(hidden)]
pub fn url<T: Text + ?Sized>(field: &str, value: &T) -> Result<()> {
    let text = value.text();
    // `http::Uri` takes no fragment; a URL may carry one.
    let before_fragment = text.split('#').next().unwrap_or_default();
    let problem = match before_fragment.parse::<http::Uri>() {
        Err(_) => Some("must be an absolute http or https URL"),
        Ok(uri) => match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("http" | "https") => {
                if uri.host().map_or(true, str::is_empty) {
                    Some("must be an http or https URL with a host")
                } else {
                    None
                }
            }
            Some(_) => Some("must be an http or https URL (another scheme was given)"),
            None => Some("must be an absolute http or https URL"),
        },
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(Error::invalid(field, p.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(r: Result<()>) -> String {
        match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn checks_name_the_field() {
        assert_eq!(field_of(length("name", "a", Some(2), Some(63))), "name");
        assert_eq!(
            field_of(length("name", &"a".repeat(64), Some(2), Some(63))),
            "name"
        );
        assert!(length("name", "ab", Some(2), Some(63)).is_ok());
        assert_eq!(
            field_of(pattern("g", "Web", "^[a-z][a-z0-9-]{0,61}[a-z0-9]$")),
            "g"
        );
        assert!(pattern("g", "web-1", "^[a-z][a-z0-9-]{0,61}[a-z0-9]$").is_ok());
        match pattern("password", &crate::Secret::new("hunter2\nx"), "^.*$") {
            Err(e) => assert!(!e.to_string().contains("hunter2"), "{e}"),
            Ok(()) => panic!("a line break must fail ^.*$"),
        }
        assert_eq!(
            field_of(range_i64("replicas", 501, Some(0), Some(500))),
            "replicas"
        );
        assert_eq!(field_of(range_f64("x", f64::NAN, None, None)), "x");
        assert_eq!(field_of(items("l", 0, Some(1), None)), "l");
        assert!(uuid("id", "1b4e28ba-2fa1-11d2-883f-0016d3cca427").is_ok());
        assert_eq!(
            field_of(uuid("id", "1b4e28ba-2fa1-11d2-883f-0016d3cca42")),
            "id"
        );
        assert_eq!(
            field_of(uuid("id", "zb4e28ba-2fa1-11d2-883f-0016d3cca427")),
            "id"
        );
    }

    #[test]
    fn patterns_follow_ecma_262() {
        // `.` stops at every ECMA line terminator, not only `\n`.
        for bad in ["a\rb", "a\nb", "a\u{2028}b", "a\u{2029}b"] {
            assert_eq!(field_of(pattern("v", bad, "^.*$")), "v", "{bad:?}");
        }
        assert!(pattern("v", "a\tb\u{e9}", "^.*$").is_ok());
        // `\s` covers ECMA's Unicode spaces, in and out of classes.
        assert!(pattern("v", "\u{a0}", r"^\s$").is_ok());
        assert!(pattern("v", "\u{feff}", r"^[\sx]$").is_ok());
        assert_eq!(field_of(pattern("v", "\u{3000}", r"^\S$")), "v");
        // Classes keep their own meaning of `.`.
        assert!(pattern("v", ".", "^[.]$").is_ok());
        assert_eq!(field_of(pattern("v", "x", "^[.]$")), "v");
        // A pattern that does not compile is an error naming the field, every time.
        for _ in 0..2 {
            assert_eq!(field_of(pattern("p", "x", "(")), "p");
        }
    }

    #[test]
    fn paths_nest() {
        struct Leaf(i64);
        impl Validate for Leaf {
            fn validate_at(&self, path: &str) -> Result<()> {
                range_i64(&field(path, "n"), self.0, Some(0), None)
            }
        }
        let v = vec![Leaf(1), Leaf(-1)];
        assert_eq!(field_of(v.validate_at("items")), "items[1].n");
        let p: Patch<Leaf> = Patch::Value(Leaf(-2));
        assert_eq!(field_of(p.validate()), "n");
        assert!(Patch::<Leaf>::Null.validate().is_ok());
    }

    #[test]
    fn urls_are_absolute_http_with_a_host_and_never_quoted() {
        for ok in [
            "https://hooks.example.com/salad?token=abc",
            "http://10.0.0.1:8080/x",
            "HTTPS://EXAMPLE.COM",
            "https://user:pw@example.com/a#frag",
        ] {
            assert!(url("w", ok).is_ok(), "{ok}");
        }
        for bad in [
            "not a url",
            "example.com/hook",
            "/relative",
            "ftp://example.com/x",
            "https://",
            "https:///path",
            "https://exa mple.com/",
            "",
        ] {
            let err = url("webhook", bad).unwrap_err();
            let text = err.to_string();
            assert_eq!(field_of(Err(err)), "webhook", "{bad}");
            if !bad.is_empty() {
                assert!(!text.contains(bad), "{text}");
            }
        }
    }
}
