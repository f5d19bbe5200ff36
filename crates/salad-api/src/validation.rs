//! Checks the generated validators cannot express.

use sdk_core::{validate, Patch, Result};

use crate::models::{
    ContainerLogging, ContainerLoggingAxiom, ContainerLoggingDatadog, ContainerLoggingHttp,
    ContainerLoggingNewRelic, ContainerLoggingSplunk, ContainerRegistryAuthentication, CountryCode,
    CreateContainerGroup, UpdateContainerGroup, UpdateContainerLogging,
};
use crate::Secret;

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

/// The bounds of the credentials in a create body. They are [`Secret`]s,
/// which the generated validators skip, so the schema's rules live here.
pub(crate) fn check_create_secrets(group: &CreateContainerGroup) -> Result<()> {
    let container = &group.container;
    if let Some(auth) = &container.registry_authentication {
        check_registry("container.registry_authentication", auth)?;
    }
    if let Some(ContainerLogging {
        axiom,
        datadog,
        http,
        new_relic,
        splunk,
        tcp: _,
    }) = &container.logging
    {
        check_sinks(
            "container.logging",
            axiom.as_ref(),
            datadog.as_ref(),
            http.as_ref(),
            new_relic.as_ref(),
            splunk.as_ref(),
        )?;
    }
    Ok(())
}

/// [`check_create_secrets`] for a merge patch: only values that are set.
pub(crate) fn check_update_secrets(patch: &UpdateContainerGroup) -> Result<()> {
    let Patch::Value(container) = &patch.container else {
        return Ok(());
    };
    if let Patch::Value(auth) = &container.registry_authentication {
        check_registry("container.registry_authentication", auth)?;
    }
    if let Patch::Value(UpdateContainerLogging {
        axiom,
        datadog,
        http,
        new_relic,
        splunk,
        tcp: _,
    }) = &container.logging
    {
        check_sinks(
            "container.logging",
            set(axiom),
            set(datadog),
            set(http),
            set(new_relic),
            set(splunk),
        )?;
    }
    Ok(())
}

/// The value of a patch field that is set.
fn set<T>(field: &Patch<T>) -> Option<&T> {
    match field {
        Patch::Value(value) => Some(value),
        Patch::Absent | Patch::Null => None,
    }
}

fn check_registry(path: &str, auth: &ContainerRegistryAuthentication) -> Result<()> {
    const MAX: u64 = 10_000;
    if let Some(basic) = &auth.basic {
        secret(
            &format!("{path}.basic.password"),
            &basic.password,
            MAX,
            true,
        )?;
    }
    if let Some(hub) = &auth.docker_hub {
        let field = format!("{path}.docker_hub.personal_access_token");
        secret(&field, &hub.personal_access_token, MAX, true)?;
    }
    if let Some(ecr) = &auth.aws_ecr {
        let field = format!("{path}.aws_ecr.secret_access_key");
        secret(&field, &ecr.secret_access_key, MAX, true)?;
    }
    // Service account keys are JSON documents: line breaks are allowed.
    if let Some(gcr) = &auth.gcp_gcr {
        secret(
            &format!("{path}.gcp_gcr.service_key"),
            &gcr.service_key,
            MAX,
            false,
        )?;
    }
    if let Some(gar) = &auth.gcp_gar {
        secret(
            &format!("{path}.gcp_gar.service_key"),
            &gar.service_key,
            MAX,
            false,
        )?;
    }
    Ok(())
}

fn check_sinks(
    path: &str,
    axiom: Option<&ContainerLoggingAxiom>,
    datadog: Option<&ContainerLoggingDatadog>,
    http: Option<&ContainerLoggingHttp>,
    new_relic: Option<&ContainerLoggingNewRelic>,
    splunk: Option<&ContainerLoggingSplunk>,
) -> Result<()> {
    const MAX: u64 = 1000;
    if let Some(axiom) = axiom {
        secret(
            &format!("{path}.axiom.api_token"),
            &axiom.api_token,
            MAX,
            true,
        )?;
    }
    if let Some(datadog) = datadog {
        secret(
            &format!("{path}.datadog.api_key"),
            &datadog.api_key,
            MAX,
            true,
        )?;
    }
    if let Some(password) = http.and_then(|h| h.password.as_ref()) {
        secret(&format!("{path}.http.password"), password, MAX, true)?;
    }
    if let Some(relic) = new_relic {
        let field = format!("{path}.new_relic.ingestion_key");
        secret(&field, &relic.ingestion_key, MAX, true)?;
    }
    if let Some(splunk) = splunk {
        secret(&format!("{path}.splunk.token"), &splunk.token, MAX, true)?;
    }
    Ok(())
}

/// 1 to `max` characters; `single_line` is the schema's `^.*$` (no line
/// feed). The error names the field, never the value (the generated pattern
/// check would quote it).
fn secret(field: &str, value: &Secret, max: u64, single_line: bool) -> Result<()> {
    let value = value.expose();
    validate::length(field, value, Some(1), Some(max))?;
    if single_line && value.contains('\n') {
        return Err(sdk_core::Error::invalid(field, "must be a single line"));
    }
    Ok(())
}
