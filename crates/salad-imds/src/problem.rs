//! Reading the service's error answers (problem details), in both shapes it has used.

use std::collections::BTreeMap;

use api_client_transport::{ApiErrorBody, ErrorMessage};
use serde_json::Value;

use crate::models::Problem;

/// Most characters of the per-property messages appended to an error message.
const MAX_ERRORS_CHARS: usize = 500;

/// The kind of failure the service reported, whichever shape its answer had.
///
/// The older service put a snake_case code in `type` (`container_not_found`);
/// the current one puts a kebab-case code in `code` (`container-not-found`) and a
/// URL in `type`. Both map to the same variant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A reallocation was asked for without a reason (400).
    ReasonRequired,
    /// The `Metadata: true` header was missing or wrong (403).
    RequestHeaderInvalid,
    /// There is no container instance to act on, for example while it stops (404).
    ContainerNotFound,
    /// Any other code, normalized to snake_case.
    Other(String),
}

impl ProblemKind {
    /// Maps a code in either spelling to a kind.
    pub fn from_code(code: &str) -> Self {
        let code = normalize_code(code);
        match code.as_str() {
            "reason_required" => ProblemKind::ReasonRequired,
            "request_header_invalid" => ProblemKind::RequestHeaderInvalid,
            "container_not_found" => ProblemKind::ContainerNotFound,
            _ => ProblemKind::Other(code),
        }
    }
}

impl Problem {
    /// Parses an error body. Fields of the wrong type are skipped rather than
    /// failing the whole answer; `None` if the body is not a JSON object at all.
    pub fn from_slice(body: &[u8]) -> Option<Self> {
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        let errors = object.get("errors").and_then(Value::as_object).map(|map| {
            map.iter()
                .map(|(field, messages)| {
                    let messages = match messages {
                        Value::Array(items) => items
                            .iter()
                            .filter_map(|m| m.as_str().map(str::to_owned))
                            .collect(),
                        Value::String(one) => vec![one.clone()],
                        _ => Vec::new(),
                    };
                    (field.clone(), messages)
                })
                .collect::<BTreeMap<_, _>>()
        });
        Some(Problem {
            r#type: text("type"),
            code: text("code"),
            title: text("title"),
            status: object
                .get("status")
                .and_then(Value::as_i64)
                .and_then(|s| i32::try_from(s).ok()),
            detail: text("detail"),
            instance: text("instance"),
            errors,
        })
    }

    /// The problem in an error returned by this crate, if the service sent one.
    pub fn from_error(error: &api_client_transport::Error) -> Option<Self> {
        Self::from_slice(error.api()?.body())
    }

    /// The short code of the failure in snake_case (`container_not_found`),
    /// from `code`, else from `type` (its last path segment when it is a URL).
    /// `None` when neither says anything (`about:blank`).
    pub fn short_code(&self) -> Option<String> {
        if let Some(code) = self.code.as_deref().filter(|c| !c.trim().is_empty()) {
            return Some(normalize_code(code));
        }
        let kind = self.r#type.as_deref()?.trim();
        if kind.is_empty() || kind == "about:blank" {
            return None;
        }
        let path = if let Some((_, after_scheme)) = kind.split_once("://") {
            // Skip the host: only a path segment can name the error.
            after_scheme.split_once('/').map_or("", |(_, path)| path)
        } else if kind.starts_with('/') {
            kind
        } else {
            return Some(normalize_code(kind));
        };
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let last = path.rsplit('/').find(|s| !s.is_empty())?;
        Some(normalize_code(last))
    }

    /// The kind of failure, if the answer names one.
    pub fn kind(&self) -> Option<ProblemKind> {
        self.short_code().map(|c| ProblemKind::from_code(&c))
    }
}

/// The kind of failure behind an error returned by this crate, if the service
/// answered with a problem body that names one.
///
/// ```
/// # async fn demo(imds: salad_imds::ImdsClient) {
/// use salad_imds::{problem_kind, ProblemKind};
///
/// match imds.reallocate_container("GPU missing").await {
///     Ok(()) => println!("moving"),
///     Err(e) if problem_kind(&e) == Some(ProblemKind::ContainerNotFound) => println!("already stopping"),
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
pub fn problem_kind(error: &api_client_transport::Error) -> Option<ProblemKind> {
    Problem::from_error(error)?.kind()
}

fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_lowercase().replace('-', "_")
}

/// The hook given to api-client-transport: turns a problem body into the code and message of
/// `ApiError`. Returns `None` (api-client-transport then quotes the body) when the body is
/// not a problem, such as an HTML page from something in the middle.
pub(crate) fn parse_error(answer: &ApiErrorBody<'_>) -> Option<ErrorMessage> {
    let problem = Problem::from_slice(answer.body)?;
    let code = problem.short_code();
    let mut message = match (problem.title.as_deref(), problem.detail.as_deref()) {
        (Some(title), Some(detail)) if !detail.contains(title) => format!("{title}: {detail}"),
        (_, Some(detail)) => detail.to_owned(),
        (Some(title), None) => title.to_owned(),
        (None, None) => code.clone()?,
    };
    if let Some(errors) = problem.errors.as_ref().filter(|e| !e.is_empty()) {
        let mut listed = String::new();
        for (field, messages) in errors {
            if !listed.is_empty() {
                listed.push_str("; ");
            }
            listed.push_str(field);
            listed.push_str(": ");
            listed.push_str(&messages.join(", "));
        }
        if listed.chars().count() > MAX_ERRORS_CHARS {
            listed = listed.chars().take(MAX_ERRORS_CHARS).collect();
            listed.push('…');
        }
        message = format!("{message} ({listed})");
    }
    Some(ErrorMessage { code, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_code_from_both_shapes() {
        let old = Problem::from_slice(
            br#"{"type":"reason_required","title":"Bad Request","status":400}"#,
        )
        .unwrap();
        assert_eq!(old.short_code().as_deref(), Some("reason_required"));
        assert_eq!(old.kind(), Some(ProblemKind::ReasonRequired));

        let new = Problem::from_slice(
            br#"{"type":"https://leaf.salad.com/e/container-not-found","code":"container-not-found"}"#,
        )
        .unwrap();
        assert_eq!(new.kind(), Some(ProblemKind::ContainerNotFound));

        let url_only =
            Problem::from_slice(br#"{"type":"https://leaf.salad.com/e/request-header-invalid/"}"#)
                .unwrap();
        assert_eq!(url_only.kind(), Some(ProblemKind::RequestHeaderInvalid));

        let blank = Problem::from_slice(br#"{"type":"about:blank","status":500}"#).unwrap();
        assert_eq!(blank.kind(), None);
        let bare_host = Problem::from_slice(br#"{"type":"https://leaf.salad.com"}"#).unwrap();
        assert_eq!(bare_host.kind(), None);

        let other = Problem::from_slice(br#"{"code":"Node-Draining"}"#).unwrap();
        assert_eq!(
            other.kind(),
            Some(ProblemKind::Other("node_draining".into()))
        );
    }

    #[test]
    fn tolerant_of_odd_fields_and_garbage() {
        let p = Problem::from_slice(
            br#"{"type":null,"status":"404","detail":7,"title":"Nope","errors":{"reason":"too long","x":[1,"bad"]}}"#,
        )
        .unwrap();
        assert_eq!(p.status, None);
        assert_eq!(p.detail, None);
        assert_eq!(p.title.as_deref(), Some("Nope"));
        let errors = p.errors.unwrap();
        assert_eq!(errors["reason"], ["too long"]);
        assert_eq!(errors["x"], ["bad"]);
        for garbage in [
            &b"<html>502</html>"[..],
            b"",
            b"[]",
            b"\"text\"",
            b"{",
            b"\xff\xfe",
        ] {
            assert_eq!(Problem::from_slice(garbage), None);
        }
    }
}
