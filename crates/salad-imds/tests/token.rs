//! The identity token never shows in `Debug` or `Display` output, and its
//! claims are read from tokens built here.

mod common;

use common::{client, make_jwt, now_secs};
use salad_imds::models::Token;
use salad_imds::{Claims, ClaimsError, IdentityToken, JwtPart};
use serde_json::json;

const SIGNATURE: &str = "c2lnbmF0dXJlLW5vdC1jaGVja2Vk-SECRET-SIG";

fn assert_hidden(text: &str, jwt: &str, what: &str) {
    assert!(!text.contains(jwt), "{what} shows the token: {text}");
    assert!(
        !text.contains(SIGNATURE),
        "{what} shows the signature: {text}"
    );
    // The header part alone is no secret, but its presence would mean the token leaked.
    let first = jwt.split('.').next().unwrap();
    assert!(
        !text.contains(first),
        "{what} shows part of the token: {text}"
    );
}

#[tokio::test]
async fn the_token_never_shows_in_debug_or_display() {
    let jwt = make_jwt(&json!({"sub": "m", "aud": "o", "exp": now_secs() + 60}));
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/token")
        .with_body(json!({ "jwt": jwt }).to_string())
        .expect(1)
        .create_async()
        .await;
    let imds = client(&server.url());
    let token = imds.token().await.unwrap();
    mock.assert_async().await;
    assert_eq!(
        token.expose(),
        jwt,
        "the raw token is still reachable on purpose"
    );

    // An answer model: decoded, as from the server (it cannot be built by literal).
    let model: Token = serde_json::from_value(serde_json::json!({ "jwt": jwt })).unwrap();
    let claims = token.claims().unwrap();
    let secret = token.secret().clone();
    let outputs = [
        ("IdentityToken Debug", format!("{token:?}")),
        ("IdentityToken alt Debug", format!("{token:#?}")),
        ("IdentityToken Display", format!("{token}")),
        ("models::Token Debug", format!("{model:?}")),
        ("Secret Debug", format!("{secret:?}")),
        ("Secret Display", format!("{secret}")),
        ("Claims Debug", format!("{claims:?}")),
        ("Result Debug", format!("{:?}", Ok::<_, ()>(token.clone()))),
        ("ImdsClient Debug", format!("{imds:?}")),
    ];
    for (what, text) in &outputs {
        assert_hidden(text, &jwt, what);
    }
    assert_eq!(format!("{token}"), "***");
    assert_eq!(format!("{token:?}"), "IdentityToken(***)");
}

#[tokio::test]
async fn malformed_token_answers_do_not_quote_the_body() {
    let jwt = make_jwt(&json!({"sub": "m"}));
    let bodies = [
        json!(jwt).to_string(),              // a bare string, not an object
        json!({ "jwt": [jwt] }).to_string(), // wrong type
        json!({ "token": jwt }).to_string(), // wrong field name
        format!("{{\"jwt\": \"{jwt}\""),     // cut short
        format!("jwt={jwt}"),                // not JSON
    ];
    for body in bodies {
        let mut server = mockito::Server::new_async().await;
        let mock = server
            .mock("GET", "/v1/token")
            .with_body(body.clone())
            .expect(1)
            .create_async()
            .await;
        let err = client(&server.url()).token().await.unwrap_err();
        assert!(
            matches!(err, salad_imds::Error::Decode { .. }),
            "{body}: {err:?}"
        );
        assert_hidden(&format!("{err:?}"), &jwt, "Decode error Debug");
        assert_hidden(&format!("{err}"), &jwt, "Decode error Display");
        mock.assert_async().await;
    }
}

#[test]
fn claims_of_a_built_token() {
    let claims = Claims::decode(&make_jwt(&json!({
        "sub": "machine-1",
        "aud": "organization-1",
        "iat": 1_700_000_000,
        "nbf": 1_700_000_001,
        "exp": 1_700_003_600,
        "jti": "token-1",
        "salad_machine_id": "machine-1",
        "salad_container_group_id": "group-1",
        "salad_project_name": "project",
        "salad_gpu_count": 2,
        "custom": true
    })))
    .unwrap();
    assert_eq!(claims.subject.as_deref(), Some("machine-1"));
    assert_eq!(claims.audience, ["organization-1"]);
    assert_eq!(claims.issued_at, Some(1_700_000_000));
    assert_eq!(claims.not_before, Some(1_700_000_001));
    assert_eq!(claims.expires_at, Some(1_700_003_600));
    assert_eq!(claims.jwt_id.as_deref(), Some("token-1"));
    assert_eq!(claims.machine_id(), Some("machine-1"));
    assert_eq!(claims.organization_id(), Some("organization-1"));
    assert_eq!(claims.container_group_id(), Some("group-1"));
    assert_eq!(claims.salad_str("salad_project_name"), Some("project"));
    assert_eq!(claims.salad_str("gpu_count"), None, "a number is not text");
    assert_eq!(claims.salad["salad_gpu_count"], json!(2));
    assert_eq!(claims.other["custom"], json!(true));
    assert!(!claims.other.contains_key("sub"));
    assert_eq!(claims.salad.len(), 4);
    let exp = claims.expires_at_time().unwrap();
    assert!(claims.is_expired_at(exp));
    assert!(!claims.is_expired_at(exp - std::time::Duration::from_secs(1)));
}

#[test]
fn an_expired_token_is_reported_expired() {
    let expired = IdentityToken::new(make_jwt(&json!({"sub": "m", "exp": now_secs() - 1})));
    assert_eq!(expired.is_expired(), Ok(true));
    assert!(expired.claims().unwrap().is_expired());
    assert_eq!(
        expired.claims().unwrap().expires_in(),
        Some(std::time::Duration::ZERO)
    );

    let fresh = IdentityToken::new(make_jwt(&json!({"sub": "m", "exp": now_secs() + 3600})));
    assert_eq!(fresh.is_expired(), Ok(false));
    let left = fresh.claims().unwrap().expires_in().unwrap();
    assert!(left.as_secs() > 3000 && left.as_secs() <= 3600, "{left:?}");

    let no_exp = IdentityToken::new(make_jwt(&json!({"sub": "m"})));
    assert_eq!(no_exp.is_expired(), Ok(false), "no exp: never expires");
}

#[test]
fn garbage_tokens_give_errors_not_panics() {
    let cases: [(&str, ClaimsError); 5] = [
        ("", ClaimsError::Segments { found: 1 }),
        ("only.two", ClaimsError::Segments { found: 2 }),
        (
            "e30.%%%.sig",
            ClaimsError::Base64 {
                part: JwtPart::Payload,
                offset: 0,
            },
        ),
        // "bm90IGpzb24" is base64url for "not json".
        (
            "e30.bm90IGpzb24.sig",
            ClaimsError::Json {
                part: JwtPart::Payload,
            },
        ),
        (
            "e30.eyJleHAiOiJzb29uIn0.sig", // {"exp":"soon"}
            ClaimsError::Claim { name: "exp".into() },
        ),
    ];
    for (raw, expected) in cases {
        let err = IdentityToken::new(raw).claims().unwrap_err();
        assert_eq!(err, expected, "{raw:?}");
        // The error never quotes the token.
        if !raw.is_empty() {
            assert!(!err.to_string().contains(raw));
        }
    }
    assert!(matches!(
        IdentityToken::new("!!.e30.sig").header(),
        Err(ClaimsError::Base64 {
            part: JwtPart::Header,
            ..
        })
    ));
}

#[test]
fn token_round_trips_through_serde() {
    let jwt = make_jwt(&json!({"sub": "m"}));
    // The model is only read (an answer); the token inside it also writes itself.
    let model: Token = serde_json::from_value(json!({ "jwt": jwt })).unwrap();
    assert_eq!(model.jwt.expose(), jwt);
    assert_eq!(serde_json::to_value(&model.jwt).unwrap(), json!(jwt));
}
