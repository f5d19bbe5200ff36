//! Readers for fields that Docker-compatible daemons send in more than one
//! shape. Named from `openapi.json` through `x-deserialize-with`.

use api_client_transport::{decode_json, Request, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::Docker;

/// Sends a list request and reads the answer as a list, however empty: `[]`,
/// `null`, or no body at all (podman answers `GET /images/json?digests=true`
/// with `200` and an empty body when there is nothing to list).
pub(crate) async fn list<T: DeserializeOwned>(docker: &Docker, request: Request) -> Result<Vec<T>> {
    let method = request.method().clone();
    let path = request.path().to_string();
    let body = docker.send(request).await?.bytes().await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let list: Option<Vec<T>> = decode_json(&method, &path, &body)?;
    Ok(list.unwrap_or_default())
}

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

/// A string enum that a daemon may send as `""` (podman's inspect does for
/// `HostConfig.CgroupnsMode`): the empty string is the daemon's "unset", so it
/// reads as `None`, and an inspected configuration can be sent back to create.
pub(crate) fn empty_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    Ok(Option::<String>::deserialize(deserializer)?
        .filter(|s| !s.is_empty())
        .map(T::from))
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
