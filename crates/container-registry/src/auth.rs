//! The bearer token a client sends: a fixed one, or a session that knows its
//! expiry and logs in again with the credentials it was given.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use api_client_transport::bytes::Bytes;
use api_client_transport::http::{header::AUTHORIZATION, HeaderValue};
use api_client_transport::{ApiError, Error, ErrorMessage, Request, Result, Secret};

use crate::models::LoginResp;
use crate::Client;

/// How long before its stated expiry a session's token is replaced: a token
/// that expires while a request is in flight would fail that request.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// A token and what the log-in answer said about it.
#[derive(Clone)]
pub(crate) struct Token {
    pub(crate) value: Secret,
    pub(crate) expires_at: Option<SystemTime>,
    /// Counts log-ins, so concurrent 401s lead to one re-login, not one each.
    pub(crate) generation: u64,
}

/// The user name and password a session logs in with again.
struct Credentials {
    username: String,
    password: Secret,
}

/// The token state shared by a client and its clones.
#[derive(Clone, Default)]
pub(crate) struct Auth {
    token: Arc<RwLock<Option<Token>>>,
    credentials: Option<Arc<Credentials>>,
    relogin: Arc<tokio::sync::Mutex<()>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = self.current().is_some();
        f.debug_struct("Auth")
            .field("token", if set { &"***" } else { &"none" })
            .field("relogin", &self.credentials.is_some())
            .finish()
    }
}

impl Auth {
    /// A fixed token (or none).
    pub(crate) fn fixed(token: Option<Secret>) -> Self {
        Auth {
            token: Arc::new(RwLock::new(token.map(|value| Token {
                value,
                expires_at: None,
                generation: 0,
            }))),
            ..Auth::default()
        }
    }

    pub(crate) fn current(&self) -> Option<Token> {
        // A poisoned lock only means another thread panicked while swapping
        // the token: the value inside is still a whole token.
        match self.token.read() {
            Ok(t) => t.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set(&self, token: Token) {
        match self.token.write() {
            Ok(mut t) => *t = Some(token),
            Err(p) => *p.into_inner() = Some(token),
        }
    }

    pub(crate) fn can_relogin(&self) -> bool {
        self.credentials.is_some()
    }
}

/// Adds `Authorization: Bearer <token>`; an empty or whitespace-only token is
/// refused, never sent as `Bearer ` (which some servers read as "anonymous").
pub(crate) fn authorize(req: Request, token: Option<&Token>) -> Result<Request> {
    let Some(token) = token else {
        return Ok(req);
    };
    if token.value.expose().trim().is_empty() {
        return Err(Error::invalid(
            "token",
            "the bearer token is empty or blank; log in again or give a token",
        ));
    }
    let mut value =
        HeaderValue::try_from(format!("Bearer {}", token.value.expose())).map_err(|_| {
            Error::invalid(
                "token",
                "the token contains characters a header cannot carry",
            )
        })?;
    value.set_sensitive(true);
    Ok(req.header(AUTHORIZATION, value))
}

/// The same error with every copy of `token` taken out: a server that echoes
/// the bearer token in an answer must not have it quoted in logs.
pub(crate) fn scrub(error: Error, token: Option<&Token>) -> Error {
    let Some(token) = token.map(|t| t.value.expose()).filter(|t| !t.is_empty()) else {
        return error;
    };
    match error {
        Error::Decode {
            ref snippet,
            ref source,
            ..
        } if snippet.contains(token) || source.to_string().contains(token) => error.redact_body(),
        Error::Api(api) => {
            let body = api.body();
            let in_body = contains(body, token.as_bytes());
            let in_message = api.message().contains(token);
            if !in_body && !in_message {
                return Error::Api(api);
            }
            let body = if in_body {
                Bytes::from(replace(body, token.as_bytes(), b"***"))
            } else {
                body.clone()
            };
            let rebuilt = ApiError::new(api.status(), api.method().clone(), api.path(), body)
                .with_message(ErrorMessage {
                    code: api.code().map(str::to_string),
                    message: api.message().replace(token, "***"),
                });
            Error::Api(Box::new(rebuilt))
        }
        other => other,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// Reads an RFC 3339 time such as `2025-03-05T08:00:00Z` or
/// `2025-03-05T16:00:00.5+08:00`. `None` for anything else: an expiry this
/// client cannot read is treated as unknown, not as expired (and does not
/// fail the log-in).
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    // Seconds and nanoseconds apart: nanoseconds since 1970 overflow a u64
    // in the year 2554.
    let secs = at.unix_timestamp();
    let whole = Duration::from_secs(secs.unsigned_abs());
    let base = if secs >= 0 {
        UNIX_EPOCH.checked_add(whole)?
    } else {
        UNIX_EPOCH.checked_sub(whole)?
    };
    base.checked_add(Duration::from_nanos(u64::from(at.nanosecond())))
}

impl Client {
    /// Logs in and returns a client that sends the fresh token, knows when it
    /// expires, and logs in again with the same credentials when the token
    /// has expired or the server answers `401 Unauthorized` (then the call is
    /// sent once more). The credentials are kept only in memory and print as
    /// `***`; no error ever quotes them.
    ///
    /// This is the opt-in form of [`Client::login`] plus
    /// [`Client::with_token`]; clones of the returned client share the
    /// session, so one re-login serves them all.
    ///
    /// ```no_run
    /// # async fn run() -> container_registry_client::Result<()> {
    /// use container_registry_client::{Client, Secret};
    ///
    /// let anonymous = Client::builder().base_url("http://localhost:8082").build()?;
    /// let client = anonymous.session("alice", Secret::new("correct horse")).await?;
    /// println!("token valid until {:?}", client.token_expires_at());
    /// # Ok(()) }
    /// ```
    pub async fn session(&self, username: &str, password: Secret) -> Result<Client> {
        let credentials = Arc::new(Credentials {
            username: username.to_string(),
            password,
        });
        let login = self
            .login(&credentials.username, &credentials.password)
            .await?;
        let auth = Auth {
            credentials: Some(credentials),
            ..Auth::default()
        };
        auth.set(token_of(login, 1)?);
        Ok(Client {
            http: self.http.clone(),
            auth,
            retry: self.retry.clone(),
        })
    }

    /// When the current token stops working, as the log-in answer said
    /// (`None` for a token given by hand, or an expiry this client cannot read).
    pub fn token_expires_at(&self) -> Option<SystemTime> {
        self.auth.current().and_then(|t| t.expires_at)
    }

    /// The token to send now: a session whose token has expired logs in
    /// again first.
    pub(crate) async fn token_for_request(&self) -> Result<Option<Token>> {
        let current = self.auth.current();
        if let (Some(token), true) = (&current, self.auth.can_relogin()) {
            let expired = token
                .expires_at
                .is_some_and(|at| at <= SystemTime::now() + EXPIRY_MARGIN);
            if expired {
                return self.relogin(token.generation).await.map(Some);
            }
        }
        Ok(current)
    }

    /// Logs in again unless another task already did since `seen` was sent.
    pub(crate) async fn relogin(&self, seen: u64) -> Result<Token> {
        let Some(credentials) = self.auth.credentials.clone() else {
            return Err(Error::invalid(
                "token",
                "this client has no credentials to log in again",
            ));
        };
        let _one_at_a_time = self.auth.relogin.lock().await;
        if let Some(token) = self.auth.current().filter(|t| t.generation != seen) {
            return Ok(token);
        }
        let login = self
            .login(&credentials.username, &credentials.password)
            .await?;
        let token = token_of(login, seen + 1)?;
        self.auth.set(token.clone());
        Ok(token)
    }
}

fn token_of(login: LoginResp, generation: u64) -> Result<Token> {
    // `login` already refused an answer without a token.
    let value = login
        .token
        .ok_or_else(|| Error::invalid("token", "the log-in answer carries no token"))?;
    Ok(Token {
        value,
        expires_at: login.expires_at.as_deref().and_then(parse_rfc3339),
        generation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        let at =
            |s: &str| parse_rfc3339(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs_f64());
        assert_eq!(at("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(at("2025-03-05T08:00:00Z"), Some(1_741_161_600.0));
        assert_eq!(at("2025-03-05T16:00:00+08:00"), Some(1_741_161_600.0));
        assert_eq!(at("2025-03-05T07:30:00-00:30"), Some(1_741_161_600.0));
        assert_eq!(at("2024-02-29T00:00:00.25Z"), Some(1_709_164_800.25));
        assert_eq!(at("2999-01-01T00:00:00Z"), Some(32_472_144_000.0));
        for bad in [
            "",
            "2025-03-05",
            "2025-13-05T08:00:00Z",
            "2025-03-05T08:00:00",
            "2025-03-05T08:00:00+0800",
            "2025-03-05T08:00:00.Z",
            "2025-03-05T08:00:00Zjunk",
            "２０２５-03-05T08:00:00Z",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }

    #[test]
    fn echoed_tokens_are_scrubbed() {
        let token = Token {
            value: Secret::new("tok-SECRET"),
            expires_at: None,
            generation: 0,
        };
        let body = Bytes::from_static(br#"{"code":400,"message":"bad token tok-SECRET"}"#);
        let api = ApiError::new(
            api_client_transport::http::StatusCode::BAD_REQUEST,
            api_client_transport::http::Method::GET,
            "/x",
            body,
        )
        .with_message(ErrorMessage {
            code: Some("400".into()),
            message: "bad token tok-SECRET".into(),
        });
        let err = scrub(Error::Api(Box::new(api)), Some(&token));
        let shown = format!("{err} {err:?} {:?}", err.api().unwrap().body());
        assert!(!shown.contains("tok-SECRET"), "{shown}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
        assert_eq!(replace(b"aXXbXX", b"XX", b"*"), b"a*b*");
    }
}
