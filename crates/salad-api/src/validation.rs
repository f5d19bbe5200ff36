//! Checks the generated validators cannot express.

use api_client_transport::{validate, Result};

use crate::models::CountryCode;

/// Country codes the crate does not know yet (`CountryCode::Unknown`) must
/// still look like one: two lower-case letters.
pub(crate) fn check_country_codes(field: &str, codes: Option<&[CountryCode]>) -> Result<()> {
    for (i, code) in codes.unwrap_or_default().iter().enumerate() {
        if let CountryCode::Unknown(raw) = code {
            validate::pattern(&format!("{field}[{i}]"), raw, "^[a-z]{2}$")?;
        }
    }
    Ok(())
}
