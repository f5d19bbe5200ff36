//! The `{code, message, data, timestamp}` wrapper around every RCABench answer.

use api_client_transport::bytes::Bytes;
use api_client_transport::http::{Method, StatusCode};
use api_client_transport::{ApiError, ApiErrorBody, Error, ErrorMessage, Result};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The parts of an envelope that say whether the call worked. `data` is
/// skipped here: it is decoded separately, against the operation's type, and
/// only once the code said "success" (an error's `data` need not fit it).
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    code: Option<serde_json::Value>,
    // A message that is not text is no reason to lose the answer.
    #[serde(default)]
    message: Option<serde_json::Value>,
}

impl Head {
    fn message(&self) -> Option<String> {
        self.message
            .as_ref()
            .and_then(|m| m.as_str())
            .map(str::to_string)
    }
}

/// Whether `body` holds a JSON object: the derived [`Head`] would also read
/// an array such as `[200, "ok"]`, which is no envelope.
fn is_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// An envelope with its payload, decoded once the head said "success". The
/// spec requires no `data`: a missing or `null` one reads as an empty object,
/// which fits every answer type whose fields are all optional.
#[derive(Deserialize)]
struct WithData<T> {
    // Option: serde reads a missing field as None without asking T for a default.
    data: Option<T>,
}

/// Whether an envelope code means success: RCABench uses the HTTP status
/// (200, 201, ...) as the code; 0 is accepted too, as "no error".
fn code_is_success(code: i64) -> bool {
    code == 0 || (200..300).contains(&code)
}

/// The code as text, whether the server sent a number or a string.
fn code_text(code: &serde_json::Value) -> Option<String> {
    match code {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The hook given to api-client-transport: reads `code` and `message` from the envelope of
/// an answer with an error status. Bodies that are not an envelope (a proxy's
/// HTML page, say) fall back to api-client-transport's own guess.
pub(crate) fn parse_error(body: &ApiErrorBody<'_>) -> Option<ErrorMessage> {
    if !is_object(body.body) {
        return None;
    }
    let head: Head = serde_json::from_slice(body.body).ok()?;
    let code = head.code.as_ref().and_then(code_text);
    let message = head.message().filter(|m| !m.is_empty());
    if code.is_none() && message.is_none() {
        return None;
    }
    Some(ErrorMessage {
        code,
        message: message.unwrap_or_default(),
    })
}

/// Unwraps a 2xx answer: the payload if the envelope's code says success, an
/// [`Error::Api`] carrying the envelope's code and message if it does not.
///
/// A failure inside a 2xx answer gets the envelope's code as its status when
/// that code is an HTTP error status, so `err.status()` reads the same as it
/// would had the server used the status line.
///
/// A caller whose answers carry secrets (the log-in) passes the error through
/// [`Error::redact_body`], which drops the kept body and message.
pub(crate) fn unwrap<T: DeserializeOwned>(
    status: StatusCode,
    method: &Method,
    path: &str,
    body: Bytes,
) -> Result<T> {
    // An answer that is not even an envelope is a decode error of the whole body.
    if !is_object(&body) {
        // Decoding as a map gives the decode error that names what came instead.
        api_client_transport::decode_json::<serde_json::Map<String, serde_json::Value>>(
            method, path, &body,
        )?;
    }
    let head: Head = api_client_transport::decode_json(method, path, &body)?;
    let numeric = head.code.as_ref().and_then(|c| match c {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    });
    if let Some(code) = numeric.filter(|c| !code_is_success(*c)) {
        let shown = u16::try_from(code)
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .filter(|s| s.is_client_error() || s.is_server_error())
            .unwrap_or(status);
        let message = ErrorMessage {
            code: head.code.as_ref().and_then(code_text),
            message: head.message().unwrap_or_default(),
        };
        let err = ApiError::new(shown, method.clone(), path, body).with_message(message);
        return Err(Error::Api(Box::new(err)));
    }
    let wrapped: WithData<T> = api_client_transport::decode_json(method, path, &body)?;
    match wrapped.data {
        Some(data) => Ok(data),
        // Decoded through the envelope, so the error names `data`.
        None => api_client_transport::decode_json::<WithData<T>>(method, path, br#"{"data":{}}"#)?
            .data
            .ok_or_else(|| Error::invalid("data", "unreachable: an object is not null")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_client_transport::http::HeaderMap;

    #[test]
    fn error_parser_reads_code_and_message() {
        let headers = HeaderMap::new();
        let body = br#"{"code":404,"message":"container not found","data":null,"timestamp":1}"#;
        let got = parse_error(&ApiErrorBody {
            status: StatusCode::NOT_FOUND,
            headers: &headers,
            body,
        })
        .unwrap();
        assert_eq!(got.code.as_deref(), Some("404"));
        assert_eq!(got.message, "container not found");
    }

    #[test]
    fn error_parser_leaves_non_envelopes_alone() {
        let headers = HeaderMap::new();
        for body in [&b"<html>bad gateway</html>"[..], b"{}", b"[1]", b"null"] {
            let got = parse_error(&ApiErrorBody {
                status: StatusCode::BAD_GATEWAY,
                headers: &headers,
                body,
            });
            assert!(got.is_none(), "{body:?}");
        }
    }

    #[test]
    fn success_codes() {
        for ok in [0, 200, 201, 204] {
            assert!(code_is_success(ok), "{ok}");
        }
        for bad in [1, 199, 300, 400, 404, 500, -1] {
            assert!(!code_is_success(bad), "{bad}");
        }
    }

    #[test]
    fn error_inside_a_200_becomes_an_api_error() {
        let body = Bytes::from_static(br#"{"code":409,"message":"name taken","data":null}"#);
        let err =
            unwrap::<serde_json::Value>(StatusCode::OK, &Method::POST, "/x", body).unwrap_err();
        let api = err.api().expect("api error");
        assert_eq!(api.status(), StatusCode::CONFLICT);
        assert_eq!(api.code(), Some("409"));
        assert_eq!(api.message(), "name taken");
    }

    #[test]
    fn odd_code_inside_a_200_keeps_the_http_status() {
        let body = Bytes::from_static(br#"{"code":"E42","message":"nope"}"#);
        // A non-numeric code cannot be judged: the payload decides.
        let err = unwrap::<u8>(StatusCode::OK, &Method::GET, "/x", body).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");

        let body = Bytes::from_static(br#"{"code":7,"message":"nope"}"#);
        let err = unwrap::<u8>(StatusCode::OK, &Method::GET, "/x", body).unwrap_err();
        let api = err.api().expect("api error");
        assert_eq!(api.status(), StatusCode::OK);
        assert_eq!(api.code(), Some("7"));
    }

    #[test]
    fn payload_is_returned_and_decode_errors_name_the_path() {
        let body =
            Bytes::from_static(br#"{"code":200,"message":"ok","data":{"a":1},"timestamp":5}"#);
        let v: serde_json::Value = unwrap(StatusCode::OK, &Method::GET, "/x", body).unwrap();
        assert_eq!(v["a"], 1);

        #[derive(Debug, Default, Deserialize)]
        #[allow(dead_code)]
        struct P {
            a: String,
        }
        let body = Bytes::from_static(br#"{"code":200,"data":{"a":1}}"#);
        let err = unwrap::<P>(StatusCode::OK, &Method::GET, "/x", body).unwrap_err();
        match err {
            Error::Decode { json_path, .. } => assert_eq!(json_path, "data.a"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_or_null_data_reads_as_the_default() {
        #[derive(Debug, Default, PartialEq, Deserialize)]
        struct P {
            a: Option<u8>,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Required {
            id: i64,
        }
        let body = Bytes::from_static(br#"{"code":200,"data":null}"#);
        match unwrap::<Required>(StatusCode::OK, &Method::GET, "/x", body) {
            Err(Error::Decode {
                json_path, source, ..
            }) => {
                assert_eq!(json_path, "data");
                assert!(source.to_string().contains("`id`"), "{source}");
            }
            other => panic!("{other:?}"),
        }
        for body in [
            &br#"{"code":200,"message":"ok"}"#[..],
            br#"{"code":200,"message":"ok","data":null}"#,
            br#"{"code":201}"#,
        ] {
            let got: P = unwrap(StatusCode::OK, &Method::GET, "/x", Bytes::from_static(body))
                .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(body)));
            assert_eq!(got, P::default());
        }
        // A message that is not text does not lose the answer.
        let body = Bytes::from_static(br#"{"code":200,"message":{"x":1},"data":{"a":3}}"#);
        let got: P = unwrap(StatusCode::OK, &Method::GET, "/x", body).unwrap();
        assert_eq!(got.a, Some(3));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_give_a_value_or_an_error(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let headers = HeaderMap::new();
            let _ = parse_error(&ApiErrorBody { status: StatusCode::BAD_REQUEST, headers: &headers, body: &body });
            let _ = unwrap::<serde_json::Value>(StatusCode::OK, &Method::GET, "/x", Bytes::from(body));
        }

        #[test]
        fn the_code_alone_decides_success(code in -1000i64..1000, message in "[a-z ]{0,20}") {
            let body = serde_json::json!({"code": code, "message": message, "data": 5, "timestamp": 1});
            let got = unwrap::<u8>(StatusCode::OK, &Method::GET, "/x", Bytes::from(body.to_string()));
            if code_is_success(code) {
                proptest::prop_assert_eq!(got.unwrap(), 5);
            } else {
                let err = got.unwrap_err();
                let api = err.api().unwrap();
                let want = code.to_string();
                proptest::prop_assert_eq!(api.code(), Some(want.as_str()));
                if !message.is_empty() {
                    proptest::prop_assert_eq!(api.message(), message.as_str());
                }
            }
        }
    }
}
