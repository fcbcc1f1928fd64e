//! The connector-settings parser over arbitrary JSON.
//!
//! Input: the connector's name, a newline, then the JSON of its entry
//! (`connection_json[name]`); input that is not JSON is skipped.
//!
//! Properties: `ConnectorConfig::from_entry` never panics, nor does
//! formatting its error; an accepted configuration has the four required
//! properties non-empty; the positional form (`from_positional`, the array
//! `connector.js` sends) reads exactly like the object form, and so does the
//! plain form (`from_plain`, the common settings one by one) wherever
//! `connector.js` would send it; and its `Debug` output never shows the secrets. The
//! last is checked as "the output does not depend on the secret values": the
//! same configuration with `client_secret`, `refresh_token` and `secret_key`
//! replaced by other values formats identically. (A literal "does not contain"
//! check would fail on short secrets such as `"a"` that occur in other fields'
//! text by chance; where a secret does not occur in the neutral output, the
//! equality implies it does not occur in the real one either, which is also
//! asserted.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use zcatalyst_connector_rs::engine::config::{ConnectorConfig, PlainSettings, FIELDS};

/// The settings `connector.js` sends one by one: only the common ones, each a
/// string, a number (the lifetimes) or null/absent.
const PLAIN: [&str; 9] = [
    "client_id",
    "client_secret",
    "auth_url",
    "refresh_url",
    "refresh_token",
    "redirect_url",
    "data_centre",
    "expires_in",
    "refresh_in",
];

/// `map` as the plain form, if `connector.js` would send it so.
fn plain(map: &serde_json::Map<String, Value>) -> Option<PlainSettings<'_>> {
    if map
        .keys()
        .any(|key| FIELDS.contains(&key.as_str()) && !PLAIN.contains(&key.as_str()))
    {
        return None;
    }
    let text = |key: &str| match map.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) if !s.contains('\0') => Some(Some(s.as_str())),
        _ => None,
    };
    let number = |key: &str| match map.get(key) {
        None | Some(Value::Null) => Some(None),
        // A JS number is an f64: integers it cannot hold exactly never reach
        // either form from JavaScript.
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), Some(f)) if f as i64 != i => None,
            (_, f) => f.map(Some),
        },
        _ => None,
    };
    Some(PlainSettings {
        client_id: text("client_id")?,
        client_secret: text("client_secret")?,
        auth_url: text("auth_url")?,
        refresh_url: text("refresh_url")?,
        refresh_token: text("refresh_token")?,
        redirect_url: text("redirect_url")?,
        data_centre: text("data_centre")?,
        expires_in: number("expires_in")?,
        refresh_in: number("refresh_in")?,
    })
}

fuzz_target!(|data: &[u8]| {
    let (name, json) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b"crm"[..], data),
    };
    let name = String::from_utf8_lossy(name);
    let Ok(entry) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    // The positional form connector.js sends must read exactly like the object.
    if let Value::Object(map) = &entry {
        let values: Vec<Value> = FIELDS
            .iter()
            .map(|key| map.get(*key).cloned().unwrap_or(Value::Null))
            .collect();
        let positional = ConnectorConfig::from_positional(&name, &Value::Array(values).to_string());
        let object = ConnectorConfig::from_entry(&name, &entry);
        match (&positional, &object) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "positional and object forms differ"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            _ => panic!("one form was accepted, the other refused"),
        }
        if let Some(settings) = plain(map) {
            match (ConnectorConfig::from_plain(&name, settings), &object) {
                (Ok(a), Ok(b)) => assert_eq!(&a, b, "plain and object forms differ"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                _ => panic!("the plain form and the object form disagree on validity"),
            }
        }
    }
    let config = match ConnectorConfig::from_entry(&name, &entry) {
        Ok(config) => config,
        Err(error) => {
            let _ = (error.code(), error.to_string(), format!("{error:?}"));
            return;
        }
    };
    for required in [
        config.client_id(),
        config.client_secret(),
        config.auth_url(),
        config.refresh_url(),
    ] {
        assert!(!required.is_empty(), "a required property came out empty");
    }
    let shown = format!("{config:?}");
    let mut parts = config.parts();
    parts.client_secret = "\u{1}client-secret\u{1}".into();
    parts.secret_key = config.secret_key().map(|_| "\u{1}secret-key\u{1}".into());
    let neutral = ConnectorConfig::from_parts(
        parts,
        config
            .refresh_token
            .as_ref()
            .map(|_| "\u{1}refresh-token\u{1}".into()),
    );
    let neutral_shown = format!("{neutral:?}");
    assert_eq!(shown, neutral_shown, "Debug output depends on a secret");
    let secrets = [
        Some(config.client_secret()),
        config.refresh_token.as_deref(),
        config.secret_key(),
    ];
    for secret in secrets.into_iter().flatten() {
        if !neutral_shown.contains(secret) {
            assert!(!shown.contains(secret), "Debug output shows a secret");
        }
    }
});
