//! RFC 9457 problem details: the error body shape both Salad APIs use.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiErrorBody, ErrorMessage};

/// An RFC 9457 problem document (`application/problem+json`), as read from
/// an error answer.
///
/// Reading is lenient the way the RFC asks: a standard member of the wrong
/// type (a numeric `title`, a `status` that is not an HTTP status) is ignored,
/// not an error; every other member is kept in [`extensions`](Self::extensions).
///
/// ```
/// use api_client_transport::ProblemDetails;
/// let body = br#"{"type":"https://example.com/probs/out-of-credit","title":"Out of credit",
///                 "status":403,"detail":"Balance is 30, cost is 50","balance":30}"#;
/// let problem = ProblemDetails::from_body(body).unwrap();
/// assert_eq!(problem.status, Some(403));
/// assert_eq!(problem.message().as_deref(), Some("Out of credit: Balance is 30, cost is 50"));
/// assert_eq!(problem.extensions["balance"], 30);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ProblemDetails {
    /// `type`: a URI naming the kind of problem; absent means `about:blank`.
    pub problem_type: Option<String>,
    /// `title`: a short summary of the kind of problem.
    pub title: Option<String>,
    /// `status`: the HTTP status the server meant (100-599).
    pub status: Option<u16>,
    /// `detail`: what went wrong this time.
    pub detail: Option<String>,
    /// `instance`: a URI naming this occurrence.
    pub instance: Option<String>,
    /// Every other member, as sent (e.g. `errors`, `code`, `traceId`).
    pub extensions: Map<String, Value>,
}

impl ProblemDetails {
    /// Reads a problem document from an error body; `None` when the body is
    /// not a JSON object (a body cut short is not one). The body is already
    /// bounded: the client reads at most
    /// [`max_error_body_bytes`](crate::ClientConfig::max_error_body_bytes)
    /// (by default [`MAX_ERROR_BODY`](crate::MAX_ERROR_BODY)) of an error answer.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        let Ok(Value::Object(mut members)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        let mut text = |name: &str| match members.remove(name) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let problem_type = text("type");
        let title = text("title");
        let detail = text("detail");
        let instance = text("instance");
        let status = match members.remove("status") {
            Some(Value::Number(n)) => n
                .as_u64()
                .filter(|s| (100..=599).contains(s))
                .map(|s| s as u16),
            _ => None,
        };
        Some(ProblemDetails {
            problem_type,
            title,
            status,
            detail,
            instance,
            extensions: members,
        })
    }

    /// Reads the problem document in an API error's (bounded) body.
    pub fn from_error(error: &ApiError) -> Option<Self> {
        Self::from_body(error.body())
    }

    /// `title: detail`, or whichever of them the server sent.
    pub fn message(&self) -> Option<String> {
        match (&self.title, &self.detail) {
            (Some(title), Some(detail)) if title != detail => Some(format!("{title}: {detail}")),
            (_, Some(detail)) => Some(detail.clone()),
            (Some(title), None) => Some(title.clone()),
            (None, None) => None,
        }
    }

    /// The `type`, unless absent or the meaningless `about:blank`.
    pub fn code(&self) -> Option<&str> {
        self.problem_type.as_deref().filter(|t| *t != "about:blank")
    }

    /// An [`ErrorParser`](crate::ErrorParser) for APIs that answer errors
    /// with problem documents: the message is [`message`](Self::message), the
    /// code is [`code`](Self::code). `None` (the client's own guess stands)
    /// when the body is not a problem document or says neither title nor detail.
    pub fn error_parser(body: &ApiErrorBody<'_>) -> Option<ErrorMessage> {
        let problem = Self::from_body(body.body)?;
        let message = problem.message()?;
        Some(ErrorMessage {
            code: problem.code().map(str::to_owned),
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MAX_ERROR_BODY;

    #[test]
    fn members_of_the_wrong_type_are_ignored_and_others_kept() {
        let p = ProblemDetails::from_body(
            br#"{"type":7,"title":"Bad","status":"400","detail":null,"instance":"/x","errors":{"name":["too long"]}}"#,
        )
        .unwrap();
        assert_eq!(p.problem_type, None);
        assert_eq!(p.title.as_deref(), Some("Bad"));
        assert_eq!(p.status, None);
        assert_eq!(p.detail, None);
        assert_eq!(p.instance.as_deref(), Some("/x"));
        assert_eq!(p.extensions.len(), 1);
        assert_eq!(p.extensions["errors"]["name"][0], "too long");
        assert_eq!(p.message().as_deref(), Some("Bad"));
    }

    #[test]
    fn status_out_of_range_is_ignored() {
        for body in [
            &br#"{"status":99}"#[..],
            br#"{"status":600}"#,
            br#"{"status":-1}"#,
            br#"{"status":4.5}"#,
        ] {
            assert_eq!(ProblemDetails::from_body(body).unwrap().status, None);
        }
        assert_eq!(
            ProblemDetails::from_body(br#"{"status":404}"#)
                .unwrap()
                .status,
            Some(404)
        );
    }

    #[test]
    fn not_an_object_or_cut_short_is_none() {
        assert!(ProblemDetails::from_body(b"<html>502</html>").is_none());
        assert!(ProblemDetails::from_body(b"[1]").is_none());
        let mut big = br#"{"title":""#.to_vec();
        big.extend(std::iter::repeat(b'a').take(MAX_ERROR_BODY));
        // Cut short, as a kept error body is: not a document.
        assert!(ProblemDetails::from_body(&big[..MAX_ERROR_BODY]).is_none());
        // Whole, however long the caller allowed it to be: read.
        big.extend(br#""}"#);
        assert_eq!(
            ProblemDetails::from_body(&big)
                .unwrap()
                .title
                .unwrap()
                .len(),
            MAX_ERROR_BODY
        );
    }

    #[test]
    fn parser_skips_about_blank_and_documents_without_text() {
        let headers = http::HeaderMap::new();
        let seen = |body: &'static [u8]| ApiErrorBody {
            status: http::StatusCode::BAD_REQUEST,
            headers: &headers,
            body,
        };
        let m = ProblemDetails::error_parser(&seen(
            br#"{"type":"about:blank","title":"Not Found","detail":"no group g"}"#,
        ))
        .unwrap();
        assert_eq!(m.code, None);
        assert_eq!(m.message, "Not Found: no group g");
        let m = ProblemDetails::error_parser(&seen(br#"{"type":"urn:x","detail":"d"}"#)).unwrap();
        assert_eq!(m.code.as_deref(), Some("urn:x"));
        assert!(ProblemDetails::error_parser(&seen(br#"{"type":"urn:x"}"#)).is_none());
    }
}
