//! Credentials inside request and response bodies.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A credential inside a body (a registry password, a log sink's API key):
/// sent and read as a plain JSON string, but `Debug` prints `***`, so logging
/// a [`CreateContainerGroup`](crate::models::CreateContainerGroup) or an error
/// that holds one does not leak it.
///
/// ```
/// use salad_api::SecretString;
/// let password = SecretString::from("hunter2");
/// assert_eq!(format!("{password:?}"), "***");
/// assert_eq!(password.expose(), "hunter2");
/// assert_eq!(serde_json::to_string(&password).unwrap(), r#""hunter2""#);
/// ```
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The credential itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString(value.to_owned())
    }
}
