//! Prints the container's status and the claims of its identity token, never
//! the token itself.
//!
//! Run inside a SaladCloud container: `cargo run -p salad-imds --example status`.
//! Elsewhere, point it at a fake service: `SALAD_IMDS_URL=http://127.0.0.1:8080`
//! (read by [`ImdsClient::builder_from_env`]; `tests/example_status.rs` runs
//! [`run`] against a local mock that way).

use std::process::ExitCode;
use std::time::Duration;

use salad_imds::ImdsClient;

#[allow(dead_code)] // the test that runs `run` has no use for `main`
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&*e);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// Prints the status and the token's claims of the service that
/// `SALAD_IMDS_URL` names (the real one when it is unset).
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let imds = ImdsClient::builder_from_env()
        .timeout(Duration::from_secs(3))
        .build()?;
    println!("metadata service: {}", imds.base_url());

    let status = imds.status().await?;
    println!("started: {}", status.started);
    println!("ready:   {}", status.ready);

    let token = imds.token().await?;
    // `token` prints as `***`; only its decoded claims are shown.
    println!("token:   {token} (claims below are NOT verified)");
    match token.claims() {
        Ok(claims) => {
            let show = |v: Option<&str>| v.unwrap_or("-").to_owned();
            println!(
                "  machine id (sub):          {}",
                show(claims.subject.as_deref())
            );
            println!(
                "  organization id (aud):     {}",
                claims.audience.join(", ")
            );
            println!(
                "  issuer:                    {}",
                show(claims.issuer.as_deref())
            );
            for (name, value) in &claims.salad {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                println!("  {name:<25} {text}");
            }
            let date = |d: Option<i64>| d.map_or("-".to_owned(), |s| s.to_string());
            println!("  issued at (iat):           {}", date(claims.issued_at));
            println!("  not before (nbf):          {}", date(claims.not_before));
            println!("  expires at (exp):          {}", date(claims.expires_at));
            match claims.expires_in() {
                Some(_) if claims.is_expired() => println!("  EXPIRED: fetch a new token"),
                Some(left) => println!("  expires in {}s", left.as_secs()),
                None => println!("  no expiry"),
            }
        }
        Err(e) => println!("  claims unreadable: {e}"),
    }
    Ok(())
}
