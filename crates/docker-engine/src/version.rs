//! Docker API versions and the checks that keep newer parameters away from older daemons.

use std::fmt;
use std::str::FromStr;

use api_client_transport::Error;

/// A Docker Engine API version such as `1.45`.
///
/// Ordered numerically (`1.9 < 1.41 < 1.45`), printed as `major.minor`.
///
/// ```
/// use docker_engine::ApiVersion;
/// let v: ApiVersion = "1.41".parse().unwrap();
/// assert!(v < ApiVersion::LATEST);
/// assert_eq!(v.to_string(), "1.41");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    /// Major number (always 1 so far).
    pub major: u16,
    /// Minor number.
    pub minor: u16,
}

impl ApiVersion {
    /// The newest version this crate speaks, the one its models follow.
    pub const LATEST: ApiVersion = ApiVersion::new(1, 45);

    /// A version from its two numbers.
    pub const fn new(major: u16, minor: u16) -> Self {
        ApiVersion { major, minor }
    }

    /// The path segment that selects this version, e.g. `v1.41`.
    pub(crate) fn segment(self) -> String {
        format!("v{self}")
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for ApiVersion {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::invalid("api_version", format!("`{s}` is not a version like 1.45"));
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let (major, minor) = t.split_once('.').ok_or_else(bad)?;
        Ok(ApiVersion {
            major: major.parse().map_err(|_| bad())?,
            minor: minor.parse().map_err(|_| bad())?,
        })
    }
}

/// First versions of the parameters this crate gates.
pub(crate) mod since {
    use super::ApiVersion;
    /// `platform` of container create; `one-shot` of stats.
    pub const V1_41: ApiVersion = ApiVersion::new(1, 41);
    /// `signal` of stop and restart; `stdin`/`stdout`/`stderr` of the websocket attach;
    /// `ConsoleSize` of exec create and start; stream Content-Type headers; `type` of
    /// system df; volume update, cluster volume specs and the volume prune `all` filter.
    pub const V1_42: ApiVersion = ApiVersion::new(1, 42);
    /// `HostConfig.Annotations`.
    pub const V1_43: ApiVersion = ApiVersion::new(1, 43);
    /// `Healthcheck.StartInterval`; bind options `CreateMountpoint`, `ReadOnlyNonRecursive`,
    /// `ReadOnlyForceRecursive`.
    pub const V1_44: ApiVersion = ApiVersion::new(1, 44);
    /// Volume option `Subpath`.
    pub const V1_45: ApiVersion = ApiVersion::new(1, 45);
}

/// Fails with a clear error when `field` needs a newer API than the one in use,
/// instead of letting an older daemon silently ignore it. `pinned` says where the
/// version came from, so the message points at the right knob.
pub(crate) fn require(
    in_use: ApiVersion,
    pinned: bool,
    needed: ApiVersion,
    field: &str,
) -> api_client_transport::Result<()> {
    if in_use < needed {
        let how = if pinned {
            format!("this client is pinned to {in_use} (DockerBuilder::api_version)")
        } else {
            format!("this client negotiated {in_use} with the daemon")
        };
        return Err(Error::invalid(
            field,
            format!("needs Docker API {needed} or newer, but {how}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_orders_and_prints() {
        let a: ApiVersion = "1.9".parse().unwrap();
        let b: ApiVersion = "v1.41".parse().unwrap();
        assert!(a < b && b < ApiVersion::LATEST);
        assert_eq!(b.segment(), "v1.41");
        assert!("1".parse::<ApiVersion>().is_err());
        assert!("1.x".parse::<ApiVersion>().is_err());
        assert!("".parse::<ApiVersion>().is_err());
    }

    #[test]
    fn require_names_field_and_versions() {
        let err = require(ApiVersion::new(1, 41), false, since::V1_42, "signal").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("signal")
                && text.contains("1.42")
                && text.contains("1.41")
                && text.contains("negotiated"),
            "{text}"
        );
        assert!(require(ApiVersion::new(1, 42), false, since::V1_42, "signal").is_ok());
    }

    #[test]
    fn a_pinned_version_is_not_called_negotiated() {
        let err = require(ApiVersion::new(1, 41), true, since::V1_42, "signal").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("pinned to 1.41") && !text.contains("negotiated"),
            "{text}"
        );
    }
}
