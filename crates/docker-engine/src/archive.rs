//! The path stat the daemon sends with archive calls, in the
//! `X-Docker-Container-Path-Stat` header as base64 of a JSON object.

use api_client_transport::http::{HeaderMap, Method};
use api_client_transport::{Error, Result};
use base64::Engine;

use crate::models::PathStat;

/// Name of the header carrying the stat.
pub const PATH_STAT_HEADER: &str = "x-docker-container-path-stat";

/// Go's `os.ModeDir` bit.
const MODE_DIR: i64 = 1 << 31;
/// Go's `os.ModeSymlink` bit.
const MODE_SYMLINK: i64 = 1 << 27;

impl PathStat {
    /// Whether the path is a directory.
    pub fn is_dir(&self) -> bool {
        self.mode.unwrap_or(0) & MODE_DIR != 0
    }

    /// Whether the path is a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.mode.unwrap_or(0) & MODE_SYMLINK != 0
    }

    /// The Unix permission bits (`0o755` and the like).
    pub fn permissions(&self) -> u32 {
        (self.mode.unwrap_or(0) & 0o777) as u32
    }
}

/// Decodes the stat header of an archive answer.
pub(crate) fn path_stat_from_headers(
    headers: &HeaderMap,
    method: &Method,
    path: &str,
) -> Result<PathStat> {
    let raw = headers.get(PATH_STAT_HEADER).ok_or_else(|| Error::Stream {
        method: method.clone(),
        path: path.to_string(),
        source: format!("the answer has no {PATH_STAT_HEADER} header").into(),
    })?;
    decode_path_stat(raw.as_bytes(), method, path)
}

pub(crate) fn decode_path_stat(raw: &[u8], method: &Method, path: &str) -> Result<PathStat> {
    let raw = raw.trim_ascii();
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
    ];
    let json = engines
        .iter()
        .find_map(|e| e.decode(raw).ok())
        .ok_or_else(|| Error::Stream {
            method: method.clone(),
            path: path.to_string(),
            source: format!("the {PATH_STAT_HEADER} header is not base64").into(),
        })?;
    api_client_transport::decode_json(method, path, &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::report;

    #[test]
    fn decodes_directory_and_file_stats() {
        // {"name":"etc","size":4096,"mode":2147484141,"mtime":"2024-01-01T00:00:00Z","linkTarget":""}
        let json = br#"{"name":"etc","size":4096,"mode":2147484141,"mtime":"2024-01-01T00:00:00Z","linkTarget":"","extra":1}"#;
        let b64 = base64::engine::general_purpose::STANDARD.encode(json);
        let stat = decode_path_stat(b64.as_bytes(), &Method::HEAD, "/x").unwrap();
        assert_eq!(stat.name.as_deref(), Some("etc"));
        assert!(stat.is_dir() && !stat.is_symlink());
        assert_eq!(stat.permissions(), 0o755);
        let err = decode_path_stat(b"%%%", &Method::HEAD, "/x").unwrap_err();
        assert!(report(&err).contains("base64"), "{}", report(&err));
        let mut headers = HeaderMap::new();
        assert!(path_stat_from_headers(&headers, &Method::HEAD, "/x").is_err());
        headers.insert(PATH_STAT_HEADER, b64.parse().unwrap());
        assert_eq!(
            path_stat_from_headers(&headers, &Method::HEAD, "/x").unwrap(),
            stat
        );
    }
}
