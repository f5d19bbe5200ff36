//! What generated models call and nothing else should: hidden from the
//! documentation and outside the semver promise.

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default: servers send `null` for an empty list
/// or map where their schema promises one.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
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
