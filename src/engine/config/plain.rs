//! The common settings given one by one: what `connector.js` sends for a
//! connector whose settings are all common ones (a Zoho data centre or token
//! URLs, no provider option, no secret key) and whose values are strings,
//! numbers or unset — most connectors. Read like the positional form,
//! without JSON.

use serde_json::{Number, Value};

use super::provider::data_centre_endpoints;
use super::settings::{FieldRef, Fields};
use super::ConnectorConfig;
use crate::engine::error::Result;

/// A connector's common settings, each a string, a number or unset.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainSettings<'a> {
    /// `client_id`.
    pub client_id: Option<&'a str>,
    /// `client_secret` (secret).
    pub client_secret: Option<&'a str>,
    /// `auth_url`.
    pub auth_url: Option<&'a str>,
    /// `refresh_url`.
    pub refresh_url: Option<&'a str>,
    /// `refresh_token` (secret).
    pub refresh_token: Option<&'a str>,
    /// `redirect_url`.
    pub redirect_url: Option<&'a str>,
    /// `data_centre`: a Zoho data centre whose endpoints fill the missing URLs.
    pub data_centre: Option<&'a str>,
    /// `expires_in`, seconds.
    pub expires_in: Option<f64>,
    /// `refresh_in`, seconds.
    pub refresh_in: Option<f64>,
}

/// `PlainSettings` read as `Fields` (numbers as JSON numbers, as the
/// positional form has them).
struct PlainFields<'a> {
    settings: PlainSettings<'a>,
    expires_in: Option<Value>,
    refresh_in: Option<Value>,
    /// The data centre's endpoints (`auth_url`, `refresh_url`,
    /// `authorize_url`, `revoke_url`), used where the settings have none.
    endpoints: Option<[(&'static str, String); 4]>,
}

fn number(value: Option<f64>) -> Option<Value> {
    value.map(|v| Number::from_f64(v).map_or(Value::Null, Value::Number))
}

impl Fields for PlainFields<'_> {
    fn field(&self, key: &str) -> Option<FieldRef<'_>> {
        let s = &self.settings;
        let text = match key {
            "client_id" => s.client_id,
            "client_secret" => s.client_secret,
            "auth_url" => s.auth_url,
            "refresh_url" => s.refresh_url,
            "refresh_token" => s.refresh_token,
            "redirect_url" => s.redirect_url,
            "data_centre" => s.data_centre,
            "expires_in" => return self.expires_in.as_ref().map(FieldRef::Value),
            "refresh_in" => return self.refresh_in.as_ref().map(FieldRef::Value),
            _ => None,
        };
        text.or_else(|| {
            let endpoints = self.endpoints.as_ref()?;
            let (_, url) = endpoints.iter().find(|(name, _)| *name == key)?;
            Some(url.as_str())
        })
        .map(FieldRef::Text)
    }
}

impl ConnectorConfig {
    /// Validates a connector's common settings given one by one, as
    /// `from_positional` validates the same values.
    pub fn from_plain(name: &str, settings: PlainSettings<'_>) -> Result<Self> {
        // An empty data centre is unset, as in the object form.
        let endpoints = match settings.data_centre.filter(|dc| !dc.is_empty()) {
            Some(dc) => Some(data_centre_endpoints(name, dc)?),
            None => None,
        };
        let fields = PlainFields {
            settings,
            expires_in: number(settings.expires_in),
            refresh_in: number(settings.refresh_in),
            endpoints,
        };
        ConnectorConfig::from_fields(name, &fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::FIELDS;
    use serde_json::json;

    #[test]
    fn an_empty_data_centre_is_unset_as_in_the_object_form() {
        let plain = PlainSettings {
            client_id: Some("id"),
            client_secret: Some("s"),
            data_centre: Some(""),
            ..PlainSettings::default()
        };
        let object = json!({"client_id": "id", "client_secret": "s", "data_centre": ""});
        assert_eq!(
            ConnectorConfig::from_plain("crm", plain)
                .unwrap_err()
                .to_string(),
            ConnectorConfig::from_entry("crm", &object)
                .unwrap_err()
                .to_string()
        );
    }

    #[test]
    fn plain_settings_read_like_the_positional_form() {
        let plain = PlainSettings {
            client_id: Some("id"),
            client_secret: Some("secret"),
            auth_url: Some("https://a.example/t"),
            refresh_url: Some("https://a.example/r"),
            refresh_token: Some("rt"),
            redirect_url: Some("https://app/cb"),
            data_centre: None,
            expires_in: Some(3599.9),
            refresh_in: Some(-5.0),
        };
        let mut values = vec![Value::Null; FIELDS.len()];
        for (key, value) in [
            ("client_id", json!("id")),
            ("client_secret", json!("secret")),
            ("auth_url", json!("https://a.example/t")),
            ("refresh_url", json!("https://a.example/r")),
            ("refresh_token", json!("rt")),
            ("redirect_url", json!("https://app/cb")),
            ("expires_in", json!(3599.9)),
            ("refresh_in", json!(-5)),
        ] {
            values[FIELDS.iter().position(|k| *k == key).unwrap()] = value;
        }
        let positional = serde_json::to_string(&values).unwrap();
        let a = ConnectorConfig::from_plain("crm", plain).unwrap();
        assert_eq!(
            a,
            ConnectorConfig::from_positional("crm", &positional).unwrap()
        );
        assert_eq!(a.expires_in(), Some(3599));
        assert_eq!(a.refresh_in(), None);
        // Missing and empty values are refused with the JS package's message.
        let missing = PlainSettings {
            client_secret: Some(""),
            ..plain
        };
        let error = ConnectorConfig::from_plain("crm", missing).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Value for property client_secret cannot be null or undefined in connector.crm object"
        );
    }

    #[test]
    fn a_data_centre_fills_the_missing_urls_as_in_the_json_form() {
        let mut values = vec![Value::Null; FIELDS.len()];
        let at = |key: &str| FIELDS.iter().position(|k| *k == key).unwrap();
        values[at("client_id")] = json!("id");
        values[at("client_secret")] = json!("secret");
        values[at("data_centre")] = json!("eu");
        values[at("auth_url")] = json!("https://own.example/token");
        let positional = serde_json::to_string(&values).unwrap();
        let plain = PlainSettings {
            client_id: Some("id"),
            client_secret: Some("secret"),
            data_centre: Some("eu"),
            auth_url: Some("https://own.example/token"),
            ..PlainSettings::default()
        };
        let a = ConnectorConfig::from_plain("crm", plain).unwrap();
        assert_eq!(
            a,
            ConnectorConfig::from_positional("crm", &positional).unwrap()
        );
        assert_eq!(a.auth_url(), "https://own.example/token");
        assert_eq!(a.refresh_url(), "https://accounts.zoho.eu/oauth/v2/token");
        assert_eq!(
            a.revoke_url().as_deref(),
            Some("https://accounts.zoho.eu/oauth/v2/token/revoke")
        );
        let unknown = PlainSettings {
            data_centre: Some("mars"),
            ..plain
        };
        let error = ConnectorConfig::from_plain("crm", unknown).unwrap_err();
        assert_eq!(error.code(), "INVALID_ARGUMENT");
        assert!(error.to_string().contains("data_centre"), "{error}");
    }
}
