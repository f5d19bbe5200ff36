//! What generated models call and nothing else should: hidden from the
//! documentation and outside the semver promise.

use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};
use crate::unknown::{Repr, UnknownValue};

/// An unknown enum value read or built from text.
pub fn unknown_name(value: &str) -> UnknownValue {
    UnknownValue(Repr::Name(value.to_string()))
}

/// An unknown integer enum value.
pub fn unknown_int_value(value: i64) -> UnknownValue {
    UnknownValue(Repr::Int(value, value.to_string()))
}

/// The value as text (an integer in decimal).
pub fn unknown_text(value: &UnknownValue) -> &str {
    match &value.0 {
        Repr::Name(s) | Repr::Int(_, s) => s,
    }
}

/// The integer, if the value is one.
pub fn unknown_int(value: &UnknownValue) -> Option<i64> {
    match value.0 {
        Repr::Int(n, _) => Some(n),
        Repr::Name(_) => None,
    }
}

/// The value as shown in an error.
pub fn unknown_display(value: &UnknownValue) -> String {
    match &value.0 {
        Repr::Name(s) => format!("{s:?}"),
        Repr::Int(n, _) => n.to_string(),
    }
}

/// The error for an enum value this version does not know, in a request.
pub fn refuse_unknown(field: &str, value: &str, known: &[&str]) -> Result<()> {
    // Long lists (country codes) are cut: the message is for a person.
    const SHOWN: usize = 12;
    let mut list = known[..known.len().min(SHOWN)].join(", ");
    if known.len() > SHOWN {
        list.push_str(&format!(" and {} more", known.len() - SHOWN));
    }
    Err(Error::invalid(
        field,
        format!(
            "is {value}, which this version does not know; known values: {list} \
             (switch local validation off to send it anyway)"
        ),
    ))
}

/// Reads `null` as the type's default: servers send `null` for an empty list
/// or map where their schema promises one.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The rustls client configuration a [`TlsConfig`](crate::TlsConfig) stands
/// for (roots, client certificate, ring provider), for a sibling crate that
/// speaks a protocol the core does not carry (salad-imds' gRPC worker) and must
/// trust exactly what the shared TLS settings say. ALPN is left empty.
#[cfg(feature = "https")]
pub fn rustls_client_config(tls: &crate::TlsConfig) -> Result<rustls::ClientConfig> {
    tls.rustls_config()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Answer {
        #[serde(default, deserialize_with = "null_as_default")]
        names: Vec<String>,
    }

    #[test]
    fn null_and_missing_read_as_empty() {
        for json in [r#"{"names":null}"#, "{}"] {
            let a: Answer = serde_json::from_str(json).unwrap();
            assert!(a.names.is_empty(), "{json}");
        }
        let a: Answer = serde_json::from_str(r#"{"names":["a"]}"#).unwrap();
        assert_eq!(a.names, ["a"]);
        assert!(serde_json::from_str::<Answer>(r#"{"names":3}"#).is_err());
    }
}
