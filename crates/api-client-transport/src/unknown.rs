//! The value of an enum that a crate's version does not know.

use std::fmt;

/// A value a server sent (or a caller built) that this version of an API
/// crate has no variant for, kept so it can be shown and sent back unchanged.
///
/// It is opaque on purpose: matching `Unknown(v) if v == "x"` would silently
/// stop matching the day a new version adds `"x"` as a variant. Build enum
/// values from strings with the enum's `From<&str>` instead, and compare with
/// its `as_str()`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UnknownValue(pub(crate) Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum Repr {
    Name(String),
    Int(i64, String),
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Name(s) => write!(f, "{s:?}"),
            Repr::Int(n, _) => write!(f, "{n}"),
        }
    }
}
