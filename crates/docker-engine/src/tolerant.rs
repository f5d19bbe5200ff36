//! Readers for fields that Docker-compatible daemons send in more than one
//! shape. Named from `openapi.json` through `x-deserialize-with`.

use serde::{Deserialize, Deserializer};

/// An argument list that may also arrive as one string (Podman's compatible
/// API does this for `Entrypoint`): the string becomes a one-item list, as the
/// daemon would run it, rather than a guess at how to split it.
pub(crate) fn string_or_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        List(Vec<String>),
        One(String),
    }
    Ok(match Option::<Shape>::deserialize(deserializer)? {
        None => None,
        Some(Shape::List(list)) => Some(list),
        Some(Shape::One(one)) => Some(vec![one]),
    })
}

#[cfg(test)]
mod tests {
    use crate::models::ContainerConfig;

    #[test]
    fn entrypoint_and_cmd_read_as_list_string_null_or_missing() {
        let c: ContainerConfig =
            serde_json::from_str(r#"{"Entrypoint":"/bin/sh","Cmd":["-c","true"]}"#).unwrap();
        assert_eq!(c.entrypoint, Some(vec!["/bin/sh".to_string()]));
        assert_eq!(c.cmd, Some(vec!["-c".to_string(), "true".to_string()]));
        let c: ContainerConfig = serde_json::from_str(r#"{"Entrypoint":null}"#).unwrap();
        assert_eq!((c.entrypoint, c.cmd), (None, None));
        assert!(serde_json::from_str::<ContainerConfig>(r#"{"Cmd":7}"#).is_err());
    }
}
