//! The identity token and its claims.
//!
//! The claims are decoded **without checking the signature**. They are good for
//! logging and for deciding when to fetch a new token; they prove nothing. A
//! service that receives the token must verify it against SaladCloud's published
//! key set before trusting any claim.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use api_client_transport::Secret;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The identity token (a JWT) of the running container.
///
/// The raw token lives in a [`Secret`]: `Debug` and `Display` print `***`, and
/// the only ways to the raw text are [`IdentityToken::expose`] and
/// [`IdentityToken::secret`]. Serializing it (with serde) writes the raw token,
/// since that is what a caller serializing it asks for.
///
/// ```
/// use salad_imds::IdentityToken;
///
/// let token = IdentityToken::new("aaa.bbb.ccc");
/// assert_eq!(format!("{token} {token:?}"), "*** IdentityToken(***)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityToken(Secret);

impl IdentityToken {
    /// Wraps a raw token, for tests or for a token obtained elsewhere.
    pub fn new(jwt: impl Into<String>) -> Self {
        Self(Secret::new(jwt))
    }

    /// The raw token, to put in an `Authorization` header of another service.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The token as a [`Secret`], for APIs that take one (such as
    /// `api_client_transport::ClientBuilder::bearer_token`).
    pub fn secret(&self) -> &Secret {
        &self.0
    }

    /// Decodes the claims (the middle part of the JWT).
    ///
    /// **The signature is not verified**: treat the result as a hint about this
    /// token, never as proof of identity.
    pub fn claims(&self) -> Result<Claims, ClaimsError> {
        let (_, payload) = self.parts()?;
        Claims::from_object(decode_object(payload, JwtPart::Payload)?)
    }

    /// Decodes the JOSE header (the first part of the JWT), without verifying anything.
    pub fn header(&self) -> Result<JwtHeader, ClaimsError> {
        let (header, _) = self.parts()?;
        let object = decode_object(header, JwtPart::Header)?;
        Ok(JwtHeader {
            alg: string_claim(&object, "alg")?,
            typ: string_claim(&object, "typ")?,
            kid: string_claim(&object, "kid")?,
        })
    }

    /// Whether the token's `exp` has passed (see [`Claims::is_expired`]).
    ///
    /// An error means the claims could not be read at all.
    pub fn is_expired(&self) -> Result<bool, ClaimsError> {
        Ok(self.claims()?.is_expired())
    }

    fn parts(&self) -> Result<(&str, &str), ClaimsError> {
        let raw = self.0.expose();
        let mut it = raw.split('.');
        match (it.next(), it.next(), it.next(), it.next()) {
            (Some(header), Some(payload), Some(_signature), None) => Ok((header, payload)),
            _ => Err(ClaimsError::Segments {
                found: raw.split('.').count(),
            }),
        }
    }
}

impl fmt::Debug for IdentityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityToken(***)")
    }
}

impl fmt::Display for IdentityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<IdentityToken> for Secret {
    fn from(token: IdentityToken) -> Secret {
        token.0
    }
}

impl From<Secret> for IdentityToken {
    fn from(secret: Secret) -> Self {
        Self(secret)
    }
}

impl Serialize for IdentityToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose())
    }
}

impl<'de> Deserialize<'de> for IdentityToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// The JOSE header of a JWT: which key and algorithm signed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct JwtHeader {
    /// Signing algorithm, such as `RS256` or `ES256`.
    pub alg: Option<String>,
    /// Token type, usually `JWT`.
    pub typ: Option<String>,
    /// Id of the signing key in SaladCloud's key set.
    pub kid: Option<String>,
}

/// The claims of the identity token, decoded **without verifying the signature**.
///
/// SaladCloud puts the machine id in `sub`, the organization id in `aud`, and
/// more ids in claims whose names start with `salad_` (such as
/// `salad_machine_id` and `salad_container_group_id`); all of those are kept in
/// [`Claims::salad`], so a claim added later is not lost.
///
/// Times are JWT "numeric dates": whole seconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Claims {
    /// `sub`: the machine id.
    pub subject: Option<String>,
    /// `aud`: the organization id (a JWT may carry several audiences).
    pub audience: Vec<String>,
    /// `iss`: who issued the token.
    pub issuer: Option<String>,
    /// `iat`: when the token was issued.
    pub issued_at: Option<i64>,
    /// `nbf`: the token is not valid before this time.
    pub not_before: Option<i64>,
    /// `exp`: the token is not valid from this time on.
    pub expires_at: Option<i64>,
    /// `jti`: the token's own id.
    pub jwt_id: Option<String>,
    /// Every claim whose name starts with `salad_`, keyed by its full name.
    pub salad: BTreeMap<String, Value>,
    /// Every other claim.
    pub other: BTreeMap<String, Value>,
}

impl Claims {
    /// Decodes the claims of a raw JWT (without verifying it).
    pub fn decode(jwt: &str) -> Result<Self, ClaimsError> {
        IdentityToken::new(jwt).claims()
    }

    /// The machine id: `salad_machine_id` if present, else `sub`.
    pub fn machine_id(&self) -> Option<&str> {
        self.salad_str("salad_machine_id")
            .or(self.subject.as_deref())
    }

    /// The organization id: `salad_organization_id` if present, else the first `aud`.
    pub fn organization_id(&self) -> Option<&str> {
        self.salad_str("salad_organization_id")
            .or_else(|| self.audience.first().map(String::as_str))
    }

    /// The container group id (`salad_container_group_id`).
    pub fn container_group_id(&self) -> Option<&str> {
        self.salad_str("salad_container_group_id")
    }

    /// A `salad_*` claim as text, by full name (`"salad_machine_id"`) or by the
    /// part after the prefix (`"machine_id"`). Numbers and booleans are not text:
    /// read them from [`Claims::salad`].
    pub fn salad_str(&self, name: &str) -> Option<&str> {
        let value = match self.salad.get(name) {
            Some(value) => value,
            None => self.salad.get(&format!("salad_{name}"))?,
        };
        value.as_str()
    }

    /// Whether `exp` has passed now. A token without `exp` never expires.
    pub fn is_expired(&self) -> bool {
        self.is_expired_at(SystemTime::now())
    }

    /// Whether `exp` has passed at `at`: true from the second `exp` on.
    pub fn is_expired_at(&self, at: SystemTime) -> bool {
        match self.expires_at {
            Some(exp) => unix_seconds(at) >= exp,
            None => false,
        }
    }

    /// Whether `nbf` is still in the future at `at`.
    pub fn is_not_yet_valid_at(&self, at: SystemTime) -> bool {
        match self.not_before {
            Some(nbf) => unix_seconds(at) < nbf,
            None => false,
        }
    }

    /// How long until the token expires: `None` without `exp`, zero once expired.
    /// Handy to schedule fetching a fresh token a little before this.
    pub fn expires_in(&self) -> Option<Duration> {
        let exp = self.expires_at?;
        let now = unix_seconds(SystemTime::now());
        Some(Duration::from_secs(exp.saturating_sub(now).max(0) as u64))
    }

    /// `exp` as a [`SystemTime`], when it is within the range the platform can hold.
    pub fn expires_at_time(&self) -> Option<SystemTime> {
        numeric_date_to_time(self.expires_at?)
    }

    /// `iat` as a [`SystemTime`].
    pub fn issued_at_time(&self) -> Option<SystemTime> {
        numeric_date_to_time(self.issued_at?)
    }

    /// `nbf` as a [`SystemTime`].
    pub fn not_before_time(&self) -> Option<SystemTime> {
        numeric_date_to_time(self.not_before?)
    }

    fn from_object(object: Map<String, Value>) -> Result<Self, ClaimsError> {
        let mut claims = Claims {
            subject: string_claim(&object, "sub")?,
            issuer: string_claim(&object, "iss")?,
            jwt_id: string_claim(&object, "jti")?,
            issued_at: date_claim(&object, "iat")?,
            not_before: date_claim(&object, "nbf")?,
            expires_at: date_claim(&object, "exp")?,
            audience: match object.get("aud") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::String(one)) => vec![one.clone()],
                Some(Value::Array(many)) => many
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| ClaimsError::claim("aud"))?,
                Some(_) => return Err(ClaimsError::claim("aud")),
            },
            ..Claims::default()
        };
        for (name, value) in object {
            if name.starts_with("salad_") {
                claims.salad.insert(name, value);
            } else if !matches!(
                name.as_str(),
                "sub" | "iss" | "jti" | "iat" | "nbf" | "exp" | "aud"
            ) {
                claims.other.insert(name, value);
            }
        }
        Ok(claims)
    }
}

fn unix_seconds(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        // Before 1970: negative, rounded towards the past.
        Err(before) => {
            let d = before.duration();
            let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            if d.subsec_nanos() > 0 {
                secs.saturating_neg().saturating_sub(1)
            } else {
                secs.saturating_neg()
            }
        }
    }
}

fn numeric_date_to_time(secs: i64) -> Option<SystemTime> {
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs as u64))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}

fn string_claim(object: &Map<String, Value>, name: &str) -> Result<Option<String>, ClaimsError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ClaimsError::claim(name)),
    }
}

/// A numeric date: an integer, or a float (fractions are dropped, towards the past).
fn date_claim(object: &Map<String, Value>, name: &str) -> Result<Option<i64>, ClaimsError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
                // `as` saturates at the i64 bounds, which is what a date far away should do.
                Ok(Some(f.floor() as i64))
            } else {
                // Larger than i64::MAX.
                Ok(Some(i64::MAX))
            }
        }
        Some(_) => Err(ClaimsError::claim(name)),
    }
}

fn decode_object(segment: &str, part: JwtPart) -> Result<Map<String, Value>, ClaimsError> {
    let bytes = base64url_decode(segment).map_err(|offset| ClaimsError::Base64 { part, offset })?;
    // Only the kind of failure is kept: serde's message could quote the payload.
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(ClaimsError::Json { part }),
    }
}

/// Decodes base64url with or without padding (JWTs leave it out, some issuers
/// keep it). On failure, returns the offset of the first character that cannot
/// be part of valid input.
pub(crate) fn base64url_decode(input: &str) -> Result<Vec<u8>, usize> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::{alphabet, DecodeError, Engine as _};
    const URL_SAFE_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
        &alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    URL_SAFE_ANY_PADDING.decode(input).map_err(|e| match e {
        DecodeError::InvalidByte(offset, _) | DecodeError::InvalidLastSymbol(offset, _) => offset,
        // A dangling character or a bad amount of padding: point at the end of the data.
        DecodeError::InvalidLength(_) | DecodeError::InvalidPadding => {
            input.trim_end_matches('=').len().saturating_sub(1)
        }
    })
}

/// Which part of a JWT could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtPart {
    /// The first part: algorithm and key id.
    Header,
    /// The middle part: the claims.
    Payload,
}

impl fmt::Display for JwtPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JwtPart::Header => "header",
            JwtPart::Payload => "payload",
        })
    }
}

/// Why the claims of a token could not be read. Never quotes the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// A JWT has three parts separated by dots.
    #[error("not a JWT: expected 3 dot-separated parts, found {found}")]
    Segments {
        /// How many parts there were.
        found: usize,
    },
    /// A part is not valid base64url.
    #[error("the JWT {part} is not valid base64url (at character {offset})")]
    Base64 {
        /// Which part.
        part: JwtPart,
        /// Offset of the first bad character within that part.
        offset: usize,
    },
    /// A part decodes, but not to a JSON object.
    #[error("the JWT {part} is not a JSON object")]
    Json {
        /// Which part.
        part: JwtPart,
    },
    /// A registered claim has the wrong type (for example a text `exp`).
    #[error("the JWT claim `{name}` has an unexpected type")]
    Claim {
        /// The claim's name.
        name: String,
    },
}

impl ClaimsError {
    fn claim(name: &str) -> Self {
        ClaimsError::Claim {
            name: name.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(bytes: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn base64url_accepts_jwt_lengths_with_and_without_padding() {
        use base64::Engine as _;
        let data: Vec<u8> = (0..=255u8).collect();
        for len in 0..40 {
            let padded = base64::engine::general_purpose::URL_SAFE.encode(&data[..len]);
            assert_eq!(
                base64url_decode(&encode(&data[..len])).unwrap(),
                &data[..len]
            );
            assert_eq!(
                base64url_decode(&padded).unwrap(),
                &data[..len],
                "len {len}"
            );
        }
    }

    #[test]
    fn base64url_known_vectors() {
        assert_eq!(base64url_decode("").unwrap(), b"");
        assert_eq!(base64url_decode("Zg").unwrap(), b"f");
        assert_eq!(base64url_decode("Zg==").unwrap(), b"f");
        assert_eq!(base64url_decode("Zm8").unwrap(), b"fo");
        assert_eq!(base64url_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64url_decode("Zm9v").unwrap(), b"foo");
        assert_eq!(base64url_decode("-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn base64url_rejects_garbage_with_an_offset() {
        assert_eq!(base64url_decode("Zm9v!"), Err(4));
        assert_eq!(base64url_decode("Z"), Err(0));
        assert_eq!(base64url_decode("Zm9vZ"), Err(4));
        assert_eq!(
            base64url_decode("Zm+v"),
            Err(2),
            "standard alphabet is not base64url"
        );
        assert_eq!(base64url_decode("Z==="), Err(1));
        assert_eq!(base64url_decode("é"), Err(0));
    }

    #[test]
    fn base64url_never_panics_on_any_short_input() {
        let alphabet = b"Aa0-_=+/.\xff \n";
        // Every string of up to 4 characters over an alphabet with valid and invalid bytes.
        let mut inputs: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..4 {
            let next: Vec<Vec<u8>> = inputs
                .iter()
                .flat_map(|s| {
                    alphabet.iter().map(move |&c| {
                        let mut s = s.clone();
                        s.push(c);
                        s
                    })
                })
                .collect();
            inputs.extend(next);
        }
        for input in inputs {
            let text = String::from_utf8_lossy(&input);
            let _ = base64url_decode(&text);
        }
    }

    fn jwt(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            encode(header.as_bytes()),
            encode(payload.as_bytes())
        )
    }

    #[test]
    fn claims_accept_audience_lists_and_fractional_dates() {
        let token = jwt(
            r#"{"alg":"ES256","kid":"k1"}"#,
            r#"{"aud":["org-1","org-2"],"exp":1700000000.9,"iat":-5}"#,
        );
        let claims = Claims::decode(&token).unwrap();
        assert_eq!(claims.audience, ["org-1", "org-2"]);
        assert_eq!(claims.expires_at, Some(1_700_000_000));
        assert_eq!(claims.issued_at, Some(-5));
        assert_eq!(claims.organization_id(), Some("org-1"));
        let header = IdentityToken::new(token).header().unwrap();
        assert_eq!(header.alg.as_deref(), Some("ES256"));
        assert_eq!(header.kid.as_deref(), Some("k1"));
    }

    #[test]
    fn wrongly_typed_claims_are_errors_not_panics() {
        for (payload, name) in [
            (r#"{"exp":"tomorrow"}"#, "exp"),
            (r#"{"aud":[1]}"#, "aud"),
            (r#"{"aud":{}}"#, "aud"),
            (r#"{"sub":7}"#, "sub"),
        ] {
            let err = Claims::decode(&jwt("{}", payload)).unwrap_err();
            assert_eq!(err, ClaimsError::claim(name), "{payload}");
        }
        assert_eq!(
            Claims::decode(&jwt("{}", "[1,2]")).unwrap_err(),
            ClaimsError::Json {
                part: JwtPart::Payload
            }
        );
        assert_eq!(
            Claims::decode("a.b").unwrap_err(),
            ClaimsError::Segments { found: 2 }
        );
        assert_eq!(
            Claims::decode("a.b.c.d").unwrap_err(),
            ClaimsError::Segments { found: 4 }
        );
        assert!(matches!(
            Claims::decode("e30.!!!.x").unwrap_err(),
            ClaimsError::Base64 {
                part: JwtPart::Payload,
                offset: 0
            }
        ));
        // Huge numbers saturate instead of overflowing.
        let claims = Claims::decode(&jwt("{}", r#"{"exp":1e300,"nbf":-1e300}"#)).unwrap();
        assert_eq!(claims.expires_at, Some(i64::MAX));
        assert_eq!(claims.not_before, Some(i64::MIN));
        assert!(!claims.is_expired());
        let _ = claims.expires_at_time(); // platform-dependent range; must not panic
        let claims = Claims::decode(&jwt("{}", r#"{"exp":18446744073709551615}"#)).unwrap();
        assert_eq!(claims.expires_at, Some(i64::MAX));
    }

    #[test]
    fn expiry_boundaries() {
        let claims = Claims {
            expires_at: Some(100),
            not_before: Some(50),
            ..Claims::default()
        };
        let at = |s| UNIX_EPOCH + Duration::from_secs(s);
        assert!(!claims.is_expired_at(at(99)));
        assert!(claims.is_expired_at(at(100)));
        assert!(claims.is_not_yet_valid_at(at(49)));
        assert!(!claims.is_not_yet_valid_at(at(50)));
        assert_eq!(claims.expires_in(), Some(Duration::ZERO));
        assert!(!Claims::default().is_expired());
        assert_eq!(Claims::default().expires_in(), None);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_millis(1500)), -2);
    }
}
