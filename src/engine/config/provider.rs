//! Per-connector provider options: how the client authenticates at the token
//! endpoint, extra token parameters, scope, the API header scheme, the
//! authorize and revoke endpoints, and Zoho data centres by name.
//!
//! Every option is optional; without any, behaviour is the JS package's
//! (credentials in the form body, Zoho's header scheme for Zoho hosts).

use serde_json::{Map, Value};

use super::settings::{FieldRef, Fields};
use crate::engine::error::{ConnectorError, Result};

/// How the client proves itself at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body (the default).
    #[default]
    Post,
    /// HTTP Basic with the form-encoded id and secret.
    Basic,
}

/// Provider options of one connector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ProviderOptions {
    /// `token_endpoint_auth_method`.
    pub client_auth: ClientAuth,
    /// `token_params`: extra form parameters for every token request.
    pub token_params: Vec<(String, String)>,
    /// `scope`: the default scope of authorization URLs.
    pub scope: Option<String>,
    /// `authorize_url`: the consent page (filled for Zoho data centres).
    pub authorize_url: Option<String>,
    /// `revoke_url`: the revocation endpoint (derived for Zoho hosts).
    pub revoke_url: Option<String>,
    /// The `Authorization` scheme for API calls.
    pub authorization_scheme: String,
    /// `api_domain`: where relative `fetch()` URLs go when the token answer
    /// named none (a token read from a store never does); derived for Zoho.
    pub api_domain: Option<String>,
}

/// Zoho's accounts server per data centre.
pub fn zoho_accounts(data_centre: &str) -> Option<&'static str> {
    Some(match data_centre.to_ascii_lowercase().as_str() {
        "us" | "com" => "https://accounts.zoho.com",
        "eu" => "https://accounts.zoho.eu",
        "in" => "https://accounts.zoho.in",
        "au" => "https://accounts.zoho.com.au",
        "jp" => "https://accounts.zoho.jp",
        "ca" => "https://accounts.zohocloud.ca",
        "sa" => "https://accounts.zoho.sa",
        "cn" => "https://accounts.zoho.com.cn",
        _ => return None,
    })
}

/// Zoho's API domain for an accounts server: `accounts.zoho.<tld>` →
/// `https://www.zohoapis.<tld>` (`accounts.zohocloud.ca` → `www.zohoapis.ca`).
pub fn zoho_api_domain(accounts_url: &str) -> Option<String> {
    let host = url::Url::parse(accounts_url).ok()?.host_str()?.to_owned();
    let tld = host
        .strip_prefix("accounts.zoho.")
        .or_else(|| host.strip_prefix("accounts.zohocloud."))?;
    Some(format!("https://www.zohoapis.{tld}"))
}

/// Whether `url` is on a Zoho accounts server.
pub fn is_zoho_accounts(url: &str) -> bool {
    // Most URLs are not Zoho's: only those naming it are parsed.
    let named = url
        .as_bytes()
        .windows(b"accounts.zoho".len())
        .any(|w| w.eq_ignore_ascii_case(b"accounts.zoho"));
    named
        && url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .is_some_and(|host| {
                host.starts_with("accounts.zoho") || host.starts_with("accounts.zohocloud")
            })
}

fn string(map: &impl Fields, key: &str) -> Option<String> {
    map.field(key)
        .and_then(FieldRef::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn invalid(name: &str, property: &str, expected: &str) -> ConnectorError {
    ConnectorError::Validation(format!(
        "Value for property {property} in connector.{name} object must be {expected}"
    ))
}

/// Fills `auth_url`, `refresh_url` and `authorize_url` from `data_centre`
/// where they are missing, so the required-property check passes.
pub fn fill_data_centre(name: &str, map: &mut Map<String, Value>) -> Result<()> {
    let Some(dc) = string(map, "data_centre") else {
        return Ok(());
    };
    let accounts = zoho_accounts(&dc)
        .ok_or_else(|| invalid(name, "data_centre", "one of us, eu, in, au, jp, ca, sa, cn"))?;
    for (key, path) in [
        ("auth_url", "/oauth/v2/token"),
        ("refresh_url", "/oauth/v2/token"),
        ("authorize_url", "/oauth/v2/auth"),
        ("revoke_url", "/oauth/v2/token/revoke"),
    ] {
        if string(map, key).is_none() {
            map.insert(key.to_owned(), Value::String(format!("{accounts}{path}")));
        }
    }
    Ok(())
}

impl ProviderOptions {
    /// Reads the options of `connector.<name>`; `refresh_url` decides defaults.
    pub fn from_entry(name: &str, map: &impl Fields, refresh_url: &str) -> Result<Self> {
        let client_auth = match string(map, "token_endpoint_auth_method").as_deref() {
            None | Some("client_secret_post") => ClientAuth::Post,
            Some("client_secret_basic") => ClientAuth::Basic,
            Some(_) => {
                return Err(invalid(
                    name,
                    "token_endpoint_auth_method",
                    "client_secret_post or client_secret_basic",
                ))
            }
        };
        let token_params = match map.field("token_params") {
            None | Some(FieldRef::Value(Value::Null)) => Vec::new(),
            Some(FieldRef::Value(Value::Object(params))) => params
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    Value::Number(n) => Ok((k.clone(), n.to_string())),
                    Value::Bool(b) => Ok((k.clone(), b.to_string())),
                    _ => Err(invalid(name, "token_params", "an object of strings")),
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(invalid(name, "token_params", "an object of strings")),
        };
        let zoho = is_zoho_accounts(refresh_url);
        let revoke_url = string(map, "revoke_url").or_else(|| {
            zoho.then(|| url::Url::parse(refresh_url).ok())
                .flatten()
                .map(|u| format!("{}/oauth/v2/token/revoke", u.origin().ascii_serialization()))
        });
        Ok(ProviderOptions {
            client_auth,
            token_params,
            scope: string(map, "scope"),
            authorize_url: string(map, "authorize_url"),
            revoke_url,
            api_domain: string(map, "api_domain")
                .or_else(|| zoho.then(|| zoho_api_domain(refresh_url)).flatten()),
            authorization_scheme: string(map, "authorization_scheme")
                .unwrap_or_else(|| if zoho { "Zoho-oauthtoken" } else { "Bearer" }.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn data_centres_fill_the_accounts_urls() {
        let mut m = map(json!({"data_centre": "eu"}));
        fill_data_centre("crm", &mut m).unwrap();
        assert_eq!(m["refresh_url"], "https://accounts.zoho.eu/oauth/v2/token");
        assert_eq!(m["authorize_url"], "https://accounts.zoho.eu/oauth/v2/auth");
        let mut m = map(json!({"data_centre": "ca", "auth_url": "https://x/t"}));
        fill_data_centre("crm", &mut m).unwrap();
        assert_eq!(m["auth_url"], "https://x/t", "explicit URLs win");
        assert_eq!(
            m["refresh_url"],
            "https://accounts.zohocloud.ca/oauth/v2/token"
        );
        let err = fill_data_centre("crm", &mut map(json!({"data_centre": "mars"}))).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
    }

    #[test]
    fn defaults_follow_the_host() {
        let zoho = ProviderOptions::from_entry(
            "z",
            &Map::new(),
            "https://accounts.zoho.in/oauth/v2/token",
        )
        .unwrap();
        assert_eq!(zoho.authorization_scheme, "Zoho-oauthtoken");
        assert_eq!(
            zoho.revoke_url.as_deref(),
            Some("https://accounts.zoho.in/oauth/v2/token/revoke")
        );
        assert_eq!(zoho.client_auth, ClientAuth::Post);
        assert_eq!(zoho.api_domain.as_deref(), Some("https://www.zohoapis.in"));
        assert_eq!(
            zoho_api_domain("https://accounts.zohocloud.ca/oauth/v2/token").as_deref(),
            Some("https://www.zohoapis.ca")
        );
        let other =
            ProviderOptions::from_entry("g", &Map::new(), "https://oauth2.googleapis.com/token")
                .unwrap();
        assert_eq!(other.authorization_scheme, "Bearer");
        assert_eq!(other.revoke_url, None);
        assert_eq!(other.api_domain, None);
    }

    #[test]
    fn options_are_read_and_checked() {
        let m = map(
            json!({"token_endpoint_auth_method": "client_secret_basic", "scope": "a b",
                           "token_params": {"audience": "api", "n": 1}, "authorization_scheme": "Token"}),
        );
        let o = ProviderOptions::from_entry("p", &m, "https://p/t").unwrap();
        assert_eq!(o.client_auth, ClientAuth::Basic);
        assert_eq!(
            o.token_params,
            vec![("audience".into(), "api".into()), ("n".into(), "1".into())]
        );
        assert_eq!(
            (o.scope.as_deref(), o.authorization_scheme.as_str()),
            (Some("a b"), "Token")
        );
        for bad in [
            json!({"token_endpoint_auth_method": "jwt"}),
            json!({"token_params": "x=1"}),
            json!({"token_params": {"a": []}}),
        ] {
            assert!(ProviderOptions::from_entry("p", &map(bad), "https://p/t").is_err());
        }
    }
}
