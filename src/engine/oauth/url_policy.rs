//! Which token-endpoint URLs we send credentials to.

use reqwest::Url;

use crate::engine::error::{ConnectorError, Result};

/// Accepts `https:` URLs, and plain `http:` only to the local machine
/// (`localhost`, `127.0.0.1`, `[::1]`) for development and tests.
pub fn check_token_url(field: &'static str, raw: &str) -> Result<Url> {
    let url = Url::parse(raw).map_err(|_| ConnectorError::InvalidOAuthUrl { field })?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" => match url.host_str() {
            Some("localhost") | Some("127.0.0.1") | Some("[::1]") => Ok(url),
            Some(_) => Err(ConnectorError::InsecureOAuthUrl { field }),
            None => Err(ConnectorError::InvalidOAuthUrl { field }),
        },
        _ => Err(ConnectorError::InvalidOAuthUrl { field }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_local_http_pass() {
        assert!(check_token_url("refresh_url", "https://accounts.zoho.com/oauth/v2/token").is_ok());
        assert!(check_token_url("refresh_url", "http://127.0.0.1:8080/t").is_ok());
        assert!(check_token_url("refresh_url", "http://localhost/t").is_ok());
    }

    #[test]
    fn remote_http_and_garbage_fail_with_their_codes() {
        let insecure = check_token_url("auth_url", "http://accounts.zoho.com/t").unwrap_err();
        assert_eq!(insecure.code(), "app/INSECURE_OAUTH_URL");
        let invalid = check_token_url("auth_url", "not a url").unwrap_err();
        assert_eq!(invalid.code(), "app/INVALID_OAUTH_URL");
        let ftp = check_token_url("auth_url", "ftp://localhost/t").unwrap_err();
        assert_eq!(ftp.code(), "app/INVALID_OAUTH_URL");
    }
}
