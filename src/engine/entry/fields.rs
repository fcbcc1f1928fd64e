//! The fields of a token entry that decoding reads, parsed in one pass
//! without building the whole JSON value: the other fields are checked for
//! syntax and skipped, the keys are compared in place. Reads what
//! `serde_json::Value` would (the value must be one JSON object; a repeated
//! field counts with its last value), for a fraction of the allocations —
//! a store read on the caller's path decodes one entry per new connector.

use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// The fields of an entry decoding reads (`None`: absent).
#[derive(Debug, Default, PartialEq)]
pub struct EntryFields {
    /// `access_token`, as written (sealed or not).
    pub access_token: Option<Value>,
    /// `expires_at`, epoch milliseconds.
    pub expires_at: Option<Value>,
    /// `expiry_in_seconds`.
    pub expiry_in_seconds: Option<Value>,
    /// `zc_fp`, the writer's strong fingerprint (entries this package writes).
    pub zc_fp: Option<Value>,
}

impl EntryFields {
    /// The fields of `value`, or `None` when it is not one JSON object.
    pub fn parse(value: &str) -> Option<EntryFields> {
        let mut deserializer = serde_json::Deserializer::from_str(value);
        let fields = deserializer.deserialize_map(FieldsVisitor).ok()?;
        deserializer.end().ok()?;
        Some(fields)
    }

    /// `access_token` if it is a string.
    pub fn access_token(&self) -> Option<&str> {
        self.access_token.as_ref().and_then(Value::as_str)
    }

    /// `zc_fp` (the writer's strong fingerprint) if it is a string.
    pub fn owner(&self) -> Option<&str> {
        self.zc_fp.as_ref().and_then(Value::as_str)
    }
}

/// Which field a key names.
enum Key {
    AccessToken,
    ExpiresAt,
    ExpiryInSeconds,
    ZcFp,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "access_token" => Key::AccessToken,
            "expires_at" => Key::ExpiresAt,
            "expiry_in_seconds" => Key::ExpiryInSeconds,
            "zc_fp" => Key::ZcFp,
            _ => Key::Other,
        })
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = EntryFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EntryFields, A::Error> {
        let mut fields = EntryFields::default();
        while let Some(key) = map.next_key::<Key>()? {
            let slot = match key {
                Key::AccessToken => &mut fields.access_token,
                Key::ExpiresAt => &mut fields.expires_at,
                Key::ExpiryInSeconds => &mut fields.expiry_in_seconds,
                Key::ZcFp => &mut fields.zc_fp,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value::<Value>()?);
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What reading the same fields from a whole `serde_json::Value` gives.
    fn through_value(value: &str) -> Option<EntryFields> {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(value) else {
            return None;
        };
        Some(EntryFields {
            access_token: map.get("access_token").cloned(),
            expires_at: map.get("expires_at").cloned(),
            expiry_in_seconds: map.get("expiry_in_seconds").cloned(),
            zc_fp: map.get("zc_fp").cloned(),
        })
    }

    #[test]
    fn reads_what_a_whole_value_reads() {
        let cases = [
            r#"{"access_token":"at","expiry_in_seconds":3600,"expires_at":1764000000000}"#,
            r#"{"access_token":"at","expires_at":"1764000000000","zc_fp":"ab12","x":[1,{"y":null}]}"#,
            r#"{"access\u005ftoken":"escaped key","expires_at":1.5e12}"#,
            r#"{"access_token":"first","access_token":"last"}"#,
            r#"{"access_token":{"nested":true},"expires_at":-1}"#,
            r#"  {}  "#,
            r#"{"expires_at":18446744073709551615}"#,
            "[1,2]",
            "\"text\"",
            "{\"access_token\":\"at\"} trailing",
            "{\"access_token\":",
            "",
        ];
        for case in cases {
            assert_eq!(EntryFields::parse(case), through_value(case), "{case}");
        }
        let last = EntryFields::parse(cases[3]).unwrap();
        assert_eq!(last.access_token(), Some("last"));
    }
}
