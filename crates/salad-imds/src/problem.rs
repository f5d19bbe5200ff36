//! The service's error answers: the core's RFC 9457 [`ProblemDetails`], read
//! for the short code in both shapes the service has used.

use api_client_transport::{ApiErrorBody, ErrorMessage, ProblemDetails};
use serde_json::Value;

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

impl ProblemKind {
    /// The kind a problem document names, from its `code` member, else its
    /// `type` (the last path segment when it is a URL); `None` when neither
    /// says anything (`about:blank`).
    pub fn from_problem(problem: &ProblemDetails) -> Option<Self> {
        short_code(problem).map(|c| ProblemKind::from_code(&c))
    }
}

/// The failure's short code in snake_case (`container_not_found`).
fn short_code(problem: &ProblemDetails) -> Option<String> {
    let code = problem.extensions.get("code").and_then(Value::as_str);
    if let Some(code) = code.filter(|c| !c.trim().is_empty()) {
        return Some(normalize_code(code));
    }
    let kind = problem.problem_type.as_deref()?.trim();
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
    ProblemKind::from_problem(&error.problem()?)
}

fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_lowercase().replace('-', "_")
}

/// The hook given to api-client-transport: turns a problem body into the code and message of
/// `ApiError`. Returns `None` (api-client-transport then quotes the body) when the body is
/// not a problem, such as an HTML page from something in the middle.
pub(crate) fn parse_error(answer: &ApiErrorBody<'_>) -> Option<ErrorMessage> {
    let problem = ProblemDetails::from_body(answer.body)?;
    let code = short_code(&problem);
    let mut message = match problem.message() {
        Some(message) => message,
        None => code.clone()?,
    };
    let errors = problem.extensions.get("errors").and_then(Value::as_object);
    if let Some(errors) = errors.filter(|e| !e.is_empty()) {
        let mut listed = String::new();
        for (field, messages) in errors {
            let messages: Vec<&str> = match messages {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                Value::String(one) => vec![one.as_str()],
                _ => Vec::new(),
            };
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

    fn kind(body: &[u8]) -> Option<ProblemKind> {
        ProblemKind::from_problem(&ProblemDetails::from_body(body).unwrap())
    }

    #[test]
    fn kinds_from_both_shapes() {
        assert_eq!(
            kind(br#"{"type":"reason_required","title":"Bad Request","status":400}"#),
            Some(ProblemKind::ReasonRequired)
        );
        assert_eq!(
            kind(br#"{"type":"https://leaf.salad.com/e/container-not-found","code":"container-not-found"}"#),
            Some(ProblemKind::ContainerNotFound)
        );
        assert_eq!(
            kind(br#"{"type":"https://leaf.salad.com/e/request-header-invalid/"}"#),
            Some(ProblemKind::RequestHeaderInvalid)
        );
        assert_eq!(kind(br#"{"type":"about:blank","status":500}"#), None);
        assert_eq!(kind(br#"{"type":"https://leaf.salad.com"}"#), None);
        assert_eq!(
            kind(br#"{"code":"Node-Draining"}"#),
            Some(ProblemKind::Other("node_draining".into()))
        );
    }
}
