//! The consent-page URL (`authorize_url` with `response_type=code`) and PKCE
//! (RFC 7636): a random `code_verifier` and its S256 `code_challenge`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::engine::config::ConnectorConfig;
use crate::engine::error::{ConnectorError, Result};

/// What goes into an authorization URL besides the connector's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// Space-separated scopes (default: the connector's `scope`).
    pub scope: Option<String>,
    /// An opaque value the provider sends back, against CSRF.
    pub state: Option<String>,
    /// `offline` asks Zoho and Google for a refresh token.
    pub access_type: Option<String>,
    /// `consent` forces the consent screen (and a new refresh token).
    pub prompt: Option<String>,
    /// A PKCE verifier: its S256 challenge is added.
    pub code_verifier: Option<String>,
    /// Further query parameters.
    pub extra: Vec<(String, String)>,
}

/// A new PKCE `code_verifier`: 43 URL-safe characters from 32 random bytes.
pub fn new_code_verifier() -> String {
    let mut bytes = [0u8; 32];
    let _ = getrandom::getrandom(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 `code_challenge` of `verifier`.
pub fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The consent-page URL for `config` and `request`.
pub fn authorization_url(
    config: &ConnectorConfig,
    request: &AuthorizationRequest,
) -> Result<String> {
    let base = config.authorize_url().ok_or_else(|| {
        ConnectorError::InvalidArgument(format!(
            "Value for property authorize_url (or data_centre) is needed in connector.{} to build an authorization URL",
            config.name()
        ))
    })?;
    let mut url = url::Url::parse(&base).map_err(|_| ConnectorError::InvalidOAuthUrl {
        field: "authorize_url",
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(ConnectorError::InvalidOAuthUrl {
            field: "authorize_url",
        });
    }
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("response_type", "code");
        query.append_pair("client_id", config.client_id());
        if let Some(redirect) = config.redirect_url() {
            query.append_pair("redirect_uri", redirect);
        }
        if let Some(scope) = request.scope.as_deref().or(config.scope()) {
            query.append_pair("scope", scope);
        }
        for (key, value) in [
            ("state", &request.state),
            ("access_type", &request.access_type),
            ("prompt", &request.prompt),
        ] {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        if let Some(verifier) = &request.code_verifier {
            query.append_pair("code_challenge", &code_challenge(verifier));
            query.append_pair("code_challenge_method", "S256");
        }
        for (key, value) in &request.extra {
            query.append_pair(key, value);
        }
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_rfc_7636_example_challenge() {
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let verifier = new_code_verifier();
        assert_eq!(verifier.len(), 43);
        assert_ne!(verifier, new_code_verifier());
    }

    #[test]
    fn builds_the_consent_url() {
        let entry = json!({"client_id": "1000.ID", "client_secret": "s", "data_centre": "eu",
                           "redirect_url": "https://app.example/cb", "scope": "ZohoCRM.modules.ALL"});
        let config = ConnectorConfig::from_entry("crm", &entry).unwrap();
        let request = AuthorizationRequest {
            state: Some("xyz".into()),
            access_type: Some("offline".into()),
            code_verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()),
            extra: vec![("login_hint".into(), "a@b.c".into())],
            ..Default::default()
        };
        assert_eq!(
            authorization_url(&config, &request).unwrap(),
            "https://accounts.zoho.eu/oauth/v2/auth?response_type=code&client_id=1000.ID\
             &redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=ZohoCRM.modules.ALL&state=xyz\
             &access_type=offline&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
             &code_challenge_method=S256&login_hint=a%40b.c"
        );
        let plain = ConnectorConfig::from_entry(
            "p",
            &json!({"client_id": "i", "client_secret": "s",
            "auth_url": "https://p/t", "refresh_url": "https://p/t"}),
        )
        .unwrap();
        assert_eq!(
            authorization_url(&plain, &request).unwrap_err().code(),
            "app/INVALID_ARGUMENT"
        );
    }
}
