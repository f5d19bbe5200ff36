// Hand-written stand-in until `cargo xtask codegen` exists; it will overwrite this file.
//! Models of the metadata service, from `openapi.json`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Health flags of the running container, as the node's probes report them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Status {
    /// Whether the container is ready.
    pub ready: bool,
    /// Whether the container has started.
    pub started: bool,
}

impl sdk_core::Validate for Status {
    fn validate_at(&self, _path: &str) -> sdk_core::Result<()> {
        Ok(())
    }
}

/// The identity token of the running container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Token {
    /// A signed JSON Web Token that identifies this container instance.
    pub jwt: crate::IdentityToken,
}

impl sdk_core::Validate for Token {
    fn validate_at(&self, _path: &str) -> sdk_core::Result<()> {
        Ok(())
    }
}

/// Body of a reallocation request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ReallocatePrototype {
    /// Why the instance wants to move.
    pub reason: String,
}

impl sdk_core::Validate for ReallocatePrototype {
    fn validate_at(&self, path: &str) -> sdk_core::Result<()> {
        sdk_core::validate::length(
            &sdk_core::validate::field(path, "reason"),
            &self.reason,
            Some(1),
            Some(1000),
        )?;
        Ok(())
    }
}

/// Relative cost of deleting this instance when the group shrinks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DeletionCost {
    /// The cost.
    pub deletion_cost: i32,
}

impl sdk_core::Validate for DeletionCost {
    fn validate_at(&self, _path: &str) -> sdk_core::Result<()> {
        Ok(())
    }
}

/// An error answer (RFC 9457 problem details).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Problem {
    /// A short code (older shape) or a URL naming the kind of error (current shape).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// A short code meant for programs (current shape only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// One-line summary of the kind of error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The HTTP status the server chose for this answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// What went wrong this time, for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A reference to this particular occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Messages per offending property, for validation failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

impl sdk_core::Validate for Problem {
    fn validate_at(&self, _path: &str) -> sdk_core::Result<()> {
        Ok(())
    }
}
