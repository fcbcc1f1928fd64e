//! One connector's configuration, parsed and validated like `@zcatalyst/connector` does.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde_json::{Map, Value};

use super::packed::{intern, SettingsParts, SettingsView, SharedRef, SharedSettings};
use super::provider::{fill_data_centre, ProviderOptions, ZohoServer};
use crate::engine::error::{ConnectorError, Result};

/// The properties that `getConnector()` requires, in the order the JS package checks them.
const REQUIRED: [&str; 4] = ["client_id", "client_secret", "auth_url", "refresh_url"];

/// A validated connector configuration: the shared settings (reached through
/// `Deref`, so `config.client_id()` reads them) and the refresh token. `Debug`
/// redacts every secret. Equality compares everything (the shared settings
/// by pointer first); the hash covers the refresh token, the name and the
/// client id only, which tell configurations apart in practice and are cheap.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectorConfig {
    shared: SharedRef,
    /// Long-lived refresh token (secret); may be absent until a code is exchanged.
    pub refresh_token: Option<String>,
}

impl Hash for ConnectorConfig {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.refresh_token.hash(state);
        self.shared.name().hash(state);
        self.shared.client_id().hash(state);
    }
}

impl Deref for ConnectorConfig {
    type Target = SharedSettings;

    fn deref(&self) -> &SharedSettings {
        &self.shared
    }
}

impl fmt::Debug for ConnectorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorConfig")
            .field("settings", &&*self.shared)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// One property as read: text (borrowed from the input where it can be), or
/// any other JSON value.
#[derive(Debug, Clone, Copy)]
pub enum FieldRef<'a> {
    /// A string.
    Text(&'a str),
    /// Any JSON value (a string too, when read from an object).
    Value(&'a Value),
}

impl<'a> FieldRef<'a> {
    /// The string, if this property is one.
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            FieldRef::Text(text) => Some(text),
            FieldRef::Value(value) => value.as_str(),
        }
    }

    /// The JSON value (`Text` becomes a string value).
    pub fn to_value(self) -> Value {
        match self {
            FieldRef::Text(text) => Value::String(text.to_owned()),
            FieldRef::Value(value) => value.clone(),
        }
    }
}

/// Where a configuration's properties are read from: a JSON object, or the
/// positional array `connector.js` sends (`FIELDS` order, `positional`).
pub trait Fields {
    /// The property `key`, if present.
    fn field(&self, key: &str) -> Option<FieldRef<'_>>;
}

impl Fields for Map<String, Value> {
    fn field(&self, key: &str) -> Option<FieldRef<'_>> {
        self.get(key).map(FieldRef::Value)
    }
}

/// The properties of a configuration, in the order of the positional form
/// (`ConnectorConfig::from_positional`, in `positional`).
pub const FIELDS: [&str; 17] = [
    "client_id",
    "client_secret",
    "auth_url",
    "refresh_url",
    "refresh_token",
    "redirect_url",
    "expires_in",
    "refresh_in",
    "secret_key",
    "data_centre",
    "authorize_url",
    "revoke_url",
    "scope",
    "token_endpoint_auth_method",
    "token_params",
    "authorization_scheme",
    "api_domain",
];

/// A property as a string: strings as they are, numbers in their JS form; empty,
/// `null`, missing and other types are `None`.
pub(super) fn text<'a>(map: &'a impl Fields, key: &str) -> Option<Cow<'a, str>> {
    match map.field(key)? {
        FieldRef::Text(s) if !s.is_empty() => Some(Cow::Borrowed(s)),
        FieldRef::Value(Value::String(s)) if !s.is_empty() => Some(Cow::Borrowed(s)),
        FieldRef::Value(Value::Number(n)) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// `parse_int` of a property, as read.
fn int_field(field: FieldRef<'_>) -> Option<i64> {
    match field {
        FieldRef::Text(text) => parse_int_text(text),
        FieldRef::Value(value) => parse_int(value),
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
        Value::String(s) => parse_int_text(s),
        _ => None,
    }
}

/// JavaScript `parseInt` of a string: its leading integer digits.
fn parse_int_text(s: &str) -> Option<i64> {
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

impl ConnectorConfig {
    /// The configuration of `shared` with `refresh_token`: what validating
    /// an entry with those settings and that refresh token gives (an empty
    /// refresh token is none, as in an entry). The settings were validated
    /// when `shared` was made, and a refresh token is not validated further.
    pub fn with_refresh_token(shared: SharedRef, refresh_token: Option<String>) -> Self {
        ConnectorConfig {
            shared,
            refresh_token: refresh_token.filter(|t| !t.is_empty()),
        }
    }

    /// The settings other than the refresh token (one copy per process).
    pub fn shared(&self) -> &SharedRef {
        &self.shared
    }

    /// The configuration of `parts` with `refresh_token`, as validated
    /// (tests edit a validated configuration's parts this way).
    pub fn from_parts(parts: SettingsParts, refresh_token: Option<String>) -> Self {
        ConnectorConfig::with_refresh_token(
            intern(&SharedSettings::pack(parts.view())),
            refresh_token,
        )
    }

    /// The settings other than the refresh token, as plain values.
    pub fn parts(&self) -> SettingsParts {
        self.shared.parts()
    }

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
        ConnectorConfig::from_fields(name, &map)
    }

    /// Validates a configuration read from `map` (data centres already filled in).
    pub(super) fn from_fields(name: &str, map: &impl Fields) -> Result<Self> {
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
        let redirect_url = text(map, "redirect_url");
        let secret_key = text(map, "secret_key");
        let zoho = ZohoServer::of(&refresh_url);
        let provider = ProviderOptions::from_entry(name, map, zoho.as_ref())?;
        let settings = SettingsView {
            name,
            client_id: &client_id,
            client_secret: &client_secret,
            auth_url: &auth_url,
            refresh_url: &refresh_url,
            redirect_url: redirect_url.as_deref(),
            expires_in: map.field("expires_in").and_then(int_field),
            refresh_in: map
                .field("refresh_in")
                .and_then(int_field)
                .filter(|v| *v > 0),
            secret_key: secret_key.as_deref(),
            provider: &provider,
            zoho: Some(zoho.as_ref()),
        };
        Ok(ConnectorConfig {
            shared: intern(&SharedSettings::pack(settings)),
            refresh_token: text(map, "refresh_token").map(Cow::into_owned),
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
        assert_eq!(c.client_id(), "id");
        assert_eq!(c.refresh_token.as_deref(), Some("rt-secret"));
        assert_eq!(c.expires_in(), Some(3600));
        assert_eq!(c.refresh_in(), Some(120));
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
    fn a_refresh_token_on_shared_settings_reads_like_a_whole_entry() {
        let a = ConnectorConfig::from_entry("crm", &full()).unwrap();
        let mut other = full();
        other["refresh_token"] = json!("rt-2");
        let b = ConnectorConfig::with_refresh_token(a.shared().clone(), Some("rt-2".into()));
        assert_eq!(b, ConnectorConfig::from_entry("crm", &other).unwrap());
        assert!(a.shared().ptr_eq(b.shared()));
        // An empty or absent refresh token is none, as in an entry.
        other["refresh_token"] = json!("");
        let none = ConnectorConfig::from_entry("crm", &other).unwrap();
        assert_eq!(none.refresh_token, None);
        assert_eq!(
            ConnectorConfig::with_refresh_token(a.shared().clone(), Some(String::new())),
            none
        );
        assert_eq!(
            ConnectorConfig::with_refresh_token(a.shared().clone(), None),
            none
        );
    }

    #[test]
    fn the_positional_form_reads_like_the_object_and_settings_are_shared() {
        let object = full();
        let values: Vec<Value> = FIELDS
            .iter()
            .map(|key| object.get(*key).cloned().unwrap_or(Value::Null))
            .collect();
        let text = |values: &Vec<Value>| serde_json::to_string(values).unwrap();
        let a = ConnectorConfig::from_positional("crm", &text(&values)).unwrap();
        assert_eq!(a, ConnectorConfig::from_entry("crm", &object).unwrap());
        // Another refresh token, the same other settings: one shared copy.
        let mut other = values.clone();
        other[FIELDS.iter().position(|k| *k == "refresh_token").unwrap()] = json!("rt-2");
        let b = ConnectorConfig::from_positional("crm", &text(&other)).unwrap();
        assert_ne!(a, b);
        assert!(a.shared.ptr_eq(&b.shared));
        // A data centre fills the URLs in on the positional form too.
        let mut zoho = vec![Value::Null; FIELDS.len()];
        zoho[0] = json!("id");
        zoho[1] = json!("secret");
        zoho[FIELDS.iter().position(|k| *k == "data_centre").unwrap()] = json!("eu");
        let z = ConnectorConfig::from_positional("crm", &text(&zoho)).unwrap();
        // An escaped string is read like any other; anything but an array is refused.
        let mut escaped = values.clone();
        escaped[0] = json!("i\"d");
        let e = ConnectorConfig::from_positional("crm", &text(&escaped)).unwrap();
        assert_eq!(e.client_id(), "i\"d");
        assert!(ConnectorConfig::from_positional("crm", "{}").is_err());
        assert!(ConnectorConfig::from_positional("crm", "[1,").is_err());
        assert_eq!(z.refresh_url(), "https://accounts.zoho.eu/oauth/v2/token");
        // A changed setting gets its own copy; the shared one is untouched.
        let mut parts = a.parts();
        parts.client_id = "another".into();
        let changed = ConnectorConfig::from_parts(parts, a.refresh_token.clone());
        assert_eq!(a.client_id(), "id");
        assert!(!a.shared.ptr_eq(&changed.shared));
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
