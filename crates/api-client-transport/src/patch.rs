//! The three states of a field in a JSON merge patch (RFC 7396).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field of a merge-patch body: leave it as it is, clear it, or set it.
///
/// Use it with
/// `#[serde(default, skip_serializing_if = "api_client_transport::Patch::is_absent")]`
/// so an absent field is left out of the body, `Null` goes as `null` and
/// `Value` goes as the value.
///
/// ```
/// use api_client_transport::Patch;
/// #[derive(serde::Serialize, Default)]
/// struct Update {
///     #[serde(default, skip_serializing_if = "Patch::is_absent")]
///     name: Patch<String>,
///     #[serde(default, skip_serializing_if = "Patch::is_absent")]
///     replicas: Patch<u32>,
///     #[serde(default, skip_serializing_if = "Patch::is_absent")]
///     note: Patch<String>,
/// }
/// let body = Update { name: "web".to_string().into(), replicas: Patch::Absent, note: Patch::Null };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"name":"web","note":null}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// Leave the field untouched: it is not sent.
    #[default]
    Absent,
    /// Clear the field: it is sent as `null`.
    Null,
    /// Set the field to this value.
    Value(T),
}

impl<T> Patch<T> {
    /// Whether the field is left out of the body.
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// The value, if one is set.
    pub fn as_value(&self) -> Option<&T> {
        match self {
            Patch::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Patch::Value(value)
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `Some(v)` sets the field, `None` clears it.
    fn from(value: Option<T>) -> Self {
        match value {
            Some(v) => Patch::Value(v),
            None => Patch::Null,
        }
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // `Absent` is normally skipped by `skip_serializing_if`; if it is not,
            // `null` is the only JSON value that does not invent data.
            Patch::Absent | Patch::Null => serializer.serialize_none(),
            Patch::Value(v) => v.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(v) => Patch::Value(v),
            None => Patch::Null,
        })
    }
}
