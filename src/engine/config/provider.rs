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
#[repr(u8)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body (the default).
    #[default]
    Post = 0,
    /// HTTP Basic with the form-encoded id and secret.
    Basic = 1,
}

impl ClientAuth {
    /// The method a byte written as `method as u8` stands for.
    pub fn from_code(code: u8) -> Self {
        if code == ClientAuth::Basic as u8 {
            ClientAuth::Basic
        } else {
            ClientAuth::Post
        }
    }
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

/// A Zoho accounts server, as a token URL names it: what its connectors'
/// other endpoints are, found with one parse of the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZohoServer {
    /// `https://accounts.zoho.<tld>` (the URL's origin).
    origin: String,
    /// Zoho's API domain for it: `accounts.zoho.<tld>` → `https://www.zohoapis.<tld>`
    /// (`accounts.zohocloud.ca` → `www.zohoapis.ca`); none for other hosts.
    api_domain: Option<String>,
}

impl ZohoServer {
    /// The Zoho accounts server `url` is on, if it is on one.
    pub fn of(url: &str) -> Option<Self> {
        // Most URLs are not Zoho's: only those naming it are parsed.
        let named = url
            .as_bytes()
            .windows(b"accounts.zoho".len())
            .any(|w| w.eq_ignore_ascii_case(b"accounts.zoho"));
        if !named {
            return None;
        }
        let parsed = url::Url::parse(url).ok()?;
        let host = parsed.host_str()?;
        if !host.starts_with("accounts.zoho") {
            return None;
        }
        let api_domain = host
            .strip_prefix("accounts.zoho.")
            .or_else(|| host.strip_prefix("accounts.zohocloud."))
            .map(|tld| format!("https://www.zohoapis.{tld}"));
        Some(ZohoServer {
            origin: parsed.origin().ascii_serialization(),
            api_domain,
        })
    }

    /// The consent page: `<origin>/oauth/v2/auth`.
    pub fn authorize_url(&self) -> String {
        format!("{}/oauth/v2/auth", self.origin)
    }

    /// The revocation endpoint: `<origin>/oauth/v2/token/revoke`.
    pub fn revoke_url(&self) -> String {
        format!("{}/oauth/v2/token/revoke", self.origin)
    }

    /// The API domain, if the host names a data centre.
    pub fn api_domain(&self) -> Option<&str> {
        self.api_domain.as_deref()
    }
}

/// Zoho's API domain for an accounts server: `accounts.zoho.<tld>` →
/// `https://www.zohoapis.<tld>` (`accounts.zohocloud.ca` → `www.zohoapis.ca`).
pub fn zoho_api_domain(accounts_url: &str) -> Option<String> {
    ZohoServer::of(accounts_url)?.api_domain
}

/// Whether `url` is on a Zoho accounts server.
pub fn is_zoho_accounts(url: &str) -> bool {
    ZohoServer::of(url).is_some()
}

/// The default `Authorization` scheme: Zoho's on its accounts servers, else `Bearer`.
pub fn scheme_for(zoho: bool) -> &'static str {
    if zoho {
        "Zoho-oauthtoken"
    } else {
        "Bearer"
    }
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

/// The endpoints a Zoho data centre gives, by setting name: `auth_url`,
/// `refresh_url`, `authorize_url` and `revoke_url` on its accounts server;
/// an unknown data centre is refused.
pub fn data_centre_endpoints(name: &str, data_centre: &str) -> Result<[(&'static str, String); 4]> {
    let accounts = zoho_accounts(data_centre)
        .ok_or_else(|| invalid(name, "data_centre", "one of us, eu, in, au, jp, ca, sa, cn"))?;
    Ok([
        ("auth_url", "/oauth/v2/token"),
        ("refresh_url", "/oauth/v2/token"),
        ("authorize_url", "/oauth/v2/auth"),
        ("revoke_url", "/oauth/v2/token/revoke"),
    ]
    .map(|(key, path)| (key, format!("{accounts}{path}"))))
}

/// Fills `auth_url`, `refresh_url`, `authorize_url` and `revoke_url` from
/// `data_centre` where they are missing, so the required-property check passes.
pub fn fill_data_centre(name: &str, map: &mut Map<String, Value>) -> Result<()> {
    let Some(dc) = string(map, "data_centre") else {
        return Ok(());
    };
    for (key, url) in data_centre_endpoints(name, &dc)? {
        if string(map, key).is_none() {
            map.insert(key.to_owned(), Value::String(url));
        }
    }
    Ok(())
}

impl ProviderOptions {
    /// Reads the options of `connector.<name>`; the Zoho server its refresh
    /// URL is on (`zoho`), if any, decides defaults.
    pub fn from_entry(name: &str, map: &impl Fields, zoho: Option<&ZohoServer>) -> Result<Self> {
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
        Ok(ProviderOptions {
            client_auth,
            token_params,
            scope: string(map, "scope"),
            authorize_url: string(map, "authorize_url"),
            revoke_url: string(map, "revoke_url").or_else(|| zoho.map(ZohoServer::revoke_url)),
            api_domain: string(map, "api_domain")
                .or_else(|| zoho.and_then(|z| z.api_domain().map(str::to_owned))),
            authorization_scheme: string(map, "authorization_scheme")
                .unwrap_or_else(|| scheme_for(zoho.is_some()).to_owned()),
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
        let server = ZohoServer::of("https://accounts.zoho.in/oauth/v2/token");
        assert!(server.is_some());
        let zoho = ProviderOptions::from_entry("z", &Map::new(), server.as_ref()).unwrap();
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
        assert_eq!(ZohoServer::of("https://oauth2.googleapis.com/token"), None);
        assert_eq!(
            ZohoServer::of("https://accounts.zohoexample.org/t").map(|z| z.api_domain),
            Some(None)
        );
        let other = ProviderOptions::from_entry("g", &Map::new(), None).unwrap();
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
        let o = ProviderOptions::from_entry("p", &m, None).unwrap();
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
            assert!(ProviderOptions::from_entry("p", &map(bad), None).is_err());
        }
    }
}
