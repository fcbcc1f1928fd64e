//! One connector's configuration, parsed and validated like `@zcatalyst/connector` does.

use std::fmt;

use serde_json::{Map, Value};

use super::provider::{fill_data_centre, ProviderOptions};
use crate::engine::error::{ConnectorError, Result};

/// The properties that `getConnector()` requires, in the order the JS package checks them.
const REQUIRED: [&str; 4] = ["client_id", "client_secret", "auth_url", "refresh_url"];

/// A validated connector configuration. `Debug` redacts every secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ConnectorConfig {
    /// The connector's name (the key in the connection JSON).
    pub name: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret (secret).
    pub client_secret: String,
    /// Token endpoint used for the authorization-code exchange.
    pub auth_url: String,
    /// Token endpoint used for refreshing.
    pub refresh_url: String,
    /// Long-lived refresh token (secret); may be absent until a code is exchanged.
    pub refresh_token: Option<String>,
    /// Redirect URL registered with the provider.
    pub redirect_url: Option<String>,
    /// Configured `expires_in`, seconds (replaced by the provider's answer).
    pub expires_in: Option<i64>,
    /// Configured `refresh_in`, seconds: when set, a token is used for exactly this long.
    pub refresh_in: Option<i64>,
    /// Key for encrypting stored tokens (secret).
    pub secret_key: Option<String>,
    /// Provider options (client authentication, scope, endpoints, header scheme).
    pub provider: ProviderOptions,
}

impl fmt::Debug for ConnectorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("ConnectorConfig")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("auth_url", &self.auth_url)
            .field("refresh_url", &self.refresh_url)
            .field("refresh_token", &redact(&self.refresh_token))
            .field("redirect_url", &self.redirect_url)
            .field("expires_in", &self.expires_in)
            .field("refresh_in", &self.refresh_in)
            .field("secret_key", &redact(&self.secret_key))
            .field("provider", &self.provider)
            .finish()
    }
}

/// A property as a string: strings as they are, numbers in their JS form; empty,
/// `null`, missing and other types are `None`.
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// JavaScript `parseInt` of a property: leading integer digits of a string or a
/// number's integer part; anything else is `None` (NaN).
pub fn parse_int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.trunc() as i64)
        }),
        Value::String(s) => {
            let t = s.trim_start();
            let (sign, digits) = match t.strip_prefix('-') {
                Some(rest) => (-1, rest),
                None => (1, t.strip_prefix('+').unwrap_or(t)),
            };
            let end = digits
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(digits.len());
            digits[..end].parse::<i64>().ok().map(|v| sign * v)
        }
        _ => None,
    }
}

impl ConnectorConfig {
    /// Validates the entry `connection_json[name]` as `getConnector(name)` does.
    pub fn from_entry(name: &str, entry: &Value) -> Result<Self> {
        let mut map = match entry {
            Value::Object(map) => map.clone(),
            _ => {
                return Err(ConnectorError::Validation(format!(
                    "Value provided for connector.{name} is expected to be a non-null json object."
                )))
            }
        };
        fill_data_centre(name, &mut map)?;
        let map = &map;
        let mut required = REQUIRED.iter().map(|prop| {
            text(map, prop).ok_or_else(|| {
                ConnectorError::Validation(format!(
                    "Value for property {prop} cannot be null or undefined in connector.{name} object"
                ))
            })
        });
        let mut next = || required.next().expect("four required properties");
        let (client_id, client_secret, auth_url, refresh_url) =
            (next()?, next()?, next()?, next()?);
        Ok(ConnectorConfig {
            name: name.to_owned(),
            client_id,
            client_secret,
            auth_url,
            refresh_token: text(map, "refresh_token"),
            redirect_url: text(map, "redirect_url"),
            expires_in: map.get("expires_in").and_then(parse_int),
            refresh_in: map.get("refresh_in").and_then(parse_int).filter(|v| *v > 0),
            secret_key: text(map, "secret_key"),
            provider: ProviderOptions::from_entry(name, map, &refresh_url)?,
            refresh_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full() -> Value {
        json!({
            "client_id": "id", "client_secret": "very-secret", "auth_url": "https://a/t",
            "refresh_url": "https://a/t", "refresh_token": "rt-secret", "expires_in": "3600",
            "refresh_in": 120, "redirect_url": "https://app/cb", "secret_key": "k"
        })
    }

    #[test]
    fn parses_a_full_entry() {
        let c = ConnectorConfig::from_entry("crm", &full()).unwrap();
        assert_eq!(c.client_id, "id");
        assert_eq!(c.refresh_token.as_deref(), Some("rt-secret"));
        assert_eq!(c.expires_in, Some(3600));
        assert_eq!(c.refresh_in, Some(120));
    }

    #[test]
    fn reports_the_first_missing_property_like_the_js_package() {
        let mut v = full();
        v["client_secret"] = Value::Null;
        v["auth_url"] = json!("");
        let err = ConnectorConfig::from_entry("crm", &v).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert_eq!(
            err.to_string(),
            "Value for property client_secret cannot be null or undefined in connector.crm object"
        );
        let err = ConnectorConfig::from_entry("x", &Value::Null).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Value provided for connector.x is expected to be a non-null json object."
        );
    }

    #[test]
    fn parse_int_follows_javascript() {
        assert_eq!(parse_int(&json!("42abc")), Some(42));
        assert_eq!(parse_int(&json!(" -7")), Some(-7));
        assert_eq!(parse_int(&json!(3599.9)), Some(3599));
        assert_eq!(parse_int(&json!("abc")), None);
        assert_eq!(parse_int(&json!(null)), None);
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let c = ConnectorConfig::from_entry("crm", &full()).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("very-secret"));
        assert!(!shown.contains("rt-secret"));
        assert!(shown.contains("<redacted>"));
    }
}
