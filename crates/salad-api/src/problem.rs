//! Reading SaladCloud error answers: RFC 9457 problem documents, or the HTML
//! page a proxy in front of the API sometimes sends instead.

use api_client_transport::{ApiError, ApiErrorBody, Error, ErrorMessage};

use crate::models::ProblemDetails;

/// Most characters kept from an HTML page's title.
const MAX_TITLE_CHARS: usize = 200;

/// The `error_parser` hook given to the transport: fills the API error's
/// message (`title: detail`) and code (the problem `type`, unless it is the
/// meaningless `about:blank`).
pub(crate) fn parse_error(body: &ApiErrorBody<'_>) -> Option<ErrorMessage> {
    // Only what the server said: with neither title nor detail, the transport's
    // own guess (another message field, the start of the body) says more.
    let problem = parse_body(body.body);
    let message = match (&problem.title, &problem.detail) {
        (Some(title), Some(detail)) if title != detail => format!("{title}: {detail}"),
        (_, Some(detail)) => detail.clone(),
        (Some(title), None) => title.clone(),
        (None, None) => return None,
    };
    let code = problem.r#type.filter(|t| t != "about:blank");
    Some(ErrorMessage { code, message })
}

/// Reads an error body into a problem document as sent: a JSON problem as
/// is, an HTML page as its `<title>` (or first `<h1>`).
fn parse_body(body: &[u8]) -> ProblemDetails {
    serde_json::from_slice::<ProblemDetails>(body)
        .ok()
        .unwrap_or_else(|| ProblemDetails {
            title: html_title(body),
            ..ProblemDetails::default()
        })
}

/// [`parse_body`], with the status falling back to the HTTP status and the
/// title to its reason phrase.
fn read_problem(status: u16, body: &[u8]) -> ProblemDetails {
    let mut problem = parse_body(body);
    if problem.status.is_none() {
        problem.status = Some(status.into());
    }
    if problem.title.is_none() {
        problem.title = api_client_transport::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .map(str::to_owned);
    }
    problem
}

/// The text of the first `<title>` or `<h1>` element, whitespace collapsed.
fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    for tag in ["title", "h1"] {
        let Some(open) = lower.find(&format!("<{tag}")) else {
            continue;
        };
        let Some(start) = lower[open..].find('>').map(|i| open + i + 1) else {
            continue;
        };
        let end = lower[start..]
            .find(&format!("</{tag}"))
            .map_or(lower.len(), |i| start + i);
        let inner = strip_tags(&text[start..end]);
        let collapsed: String = inner.split_whitespace().collect::<Vec<_>>().join(" ");
        if !collapsed.is_empty() {
            return Some(collapsed.chars().take(MAX_TITLE_CHARS).collect());
        }
    }
    None
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Typed access to the problem document of a failed call.
///
/// ```
/// use salad_api::ProblemExt;
/// # fn show(err: &salad_api::Error) {
/// if let Some(problem) = err.problem() {
///     eprintln!("{:?} {:?}: {:?}", problem.status, problem.title, problem.detail);
/// }
/// # }
/// ```
pub trait ProblemExt {
    /// The server's problem document, or `None` when the call did not fail with
    /// an HTTP error status. For an HTML error page the title comes from the
    /// page; a missing status or title is filled from the HTTP status.
    fn problem(&self) -> Option<ProblemDetails>;
}

impl ProblemExt for ApiError {
    fn problem(&self) -> Option<ProblemDetails> {
        Some(read_problem(self.status().as_u16(), self.body()))
    }
}

impl ProblemExt for Error {
    fn problem(&self) -> Option<ProblemDetails> {
        self.api().and_then(ProblemExt::problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_titles_are_found_and_cleaned() {
        let page = b"<!DOCTYPE html><html><head><TITLE>\n api.salad.com | 502: Bad &amp; gateway\n</TITLE></head></html>";
        assert_eq!(
            html_title(page).as_deref(),
            Some("api.salad.com | 502: Bad & gateway")
        );
        let page = b"<html><body><h1 class=x>Service <b>Unavailable</b></h1></body></html>";
        assert_eq!(html_title(page).as_deref(), Some("Service Unavailable"));
        assert_eq!(html_title(b"<html><title></title></html>"), None);
        assert_eq!(
            html_title(b"<title>unterminated"),
            Some("unterminated".into())
        );
        assert_eq!(html_title(b"\xff\xfe<title"), None);
    }

    #[test]
    fn empty_or_odd_bodies_still_give_a_problem() {
        let p = read_problem(503, b"");
        assert_eq!(p.status, Some(503));
        assert_eq!(p.title.as_deref(), Some("Service Unavailable"));
        let p = read_problem(599, b"[1,2]");
        assert_eq!(p.status, Some(599));
        assert_eq!(p.title, None);
    }
}
