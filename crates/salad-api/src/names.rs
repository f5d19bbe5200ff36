//! Checks of the names and ids that go into request paths.

use api_client_transport::{validate, Result};

/// The rule every organization, project, group and queue name follows.
pub(crate) const NAME_PATTERN: &str = "^[a-z][a-z0-9-]{0,61}[a-z0-9]$";

/// Checks a resource name: 2 to 63 characters, lower-case letters, digits and
/// hyphens, starting with a letter and not ending with a hyphen.
pub(crate) fn check_name(field: &str, value: &str) -> Result<()> {
    validate::length(field, value, Some(2), Some(63))?;
    validate::pattern(field, value, NAME_PATTERN)
}

/// Checks an instance id: a UUID.
pub(crate) fn check_instance_id(value: &str) -> Result<()> {
    validate::uuid("container_group_instance_id", value)
}

/// Checks an id that goes into a path (a job id): it must print as a UUID.
/// Returns the printed form, so callers may pass a `&str`, a `String` or any
/// other type that displays as the id.
pub(crate) fn check_id(field: &str, value: impl std::fmt::Display) -> Result<String> {
    let value = value.to_string();
    validate::uuid(field, value.as_str())?;
    Ok(value)
}
