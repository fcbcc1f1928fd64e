//! A token as a store entry, exactly as the JS package writes it: the value
//! `{"access_token":…,"expiry_in_seconds":…,"expires_at":…}` (the access token
//! sealed by `crypto` when the connector has a `secret_key`) and a TTL of
//! `ceil(expires_in / 3600)` hours.
//!
//! Sealing and opening may run scrypt (tens of milliseconds on a key not seen
//! before), so the async forms run them on tokio's blocking pool.

use std::time::Duration;

use serde_json::Value;

use super::crypto;
use super::fields::EntryFields;
use crate::engine::config::parse_int;
use crate::engine::error::{ConnectorError, Result};
use crate::engine::token::Token;

/// The entry's TTL: `ceil(expires_in / 3600)` hours, at least one hour (the JS
/// package would write 0 for a token without a lifetime, which stores read as
/// "no expiry" or reject).
pub fn ttl(token: &Token) -> Duration {
    Duration::from_secs(token.cache_ttl_hours().max(1) as u64 * 3600)
}

/// The entry's value, with the access token sealed under `secret` if given.
pub fn encode(token: &Token, secret: Option<&str>) -> String {
    match secret {
        Some(secret) => Token {
            access_token: crypto::encrypt(secret, &token.access_token),
            ..token.clone()
        }
        .cache_value(),
        None => token.cache_value(),
    }
}

/// The token in an entry's value if it is usable at `now_ms`; `Ok(None)` when
/// the value is garbage, expired, sealed under another key, or (with a
/// `secret`) not sealed at all: the caller refreshes and overwrites it. A
/// sealed value and no `secret` is an error.
pub fn decode(value: &str, secret: Option<&str>, now_ms: i64) -> Result<Option<Token>> {
    match EntryFields::parse(value) {
        Some(fields) => decode_fields(fields, secret, now_ms),
        None => Ok(None),
    }
}

/// `decode` of an entry's parsed fields.
fn decode_fields(fields: EntryFields, secret: Option<&str>, now_ms: i64) -> Result<Option<Token>> {
    let Some(Value::String(stored)) = fields
        .access_token
        .filter(|t| t.as_str().is_some_and(|t| !t.is_empty()))
    else {
        return Ok(None);
    };
    let Some(expires_at) = fields.expires_at.as_ref().and_then(parse_int) else {
        return Ok(None);
    };
    if expires_at <= now_ms {
        return Ok(None);
    }
    let access_token = match (secret, crypto::is_envelope(&stored)) {
        (Some(secret), true) => match crypto::decrypt(secret, &stored) {
            Some(plain) => plain,
            None => return Ok(None),
        },
        // With a key, only values that open are trusted: anything else may be
        // a damaged envelope, and serving it would hand out garbage.
        (Some(_), false) => return Ok(None),
        (None, true) => return Err(ConnectorError::SecretKeyMissing),
        (None, false) => stored,
    };
    Ok(Some(Token {
        access_token,
        expires_in: fields
            .expiry_in_seconds
            .as_ref()
            .and_then(parse_int)
            .unwrap_or(0),
        expires_at,
        refresh_token: None,
        api_domain: None,
    }))
}

/// `value` (a JSON object's text) with `"zc_fp":"<fingerprint>"` added as its
/// last field: the strong fingerprint of the configuration that wrote it. The
/// JS package ignores the field.
pub fn with_owner(value: &str, fingerprint: &str) -> String {
    match value.strip_suffix('}') {
        Some(body) if body.trim_end().ends_with('{') => {
            format!("{body}\"zc_fp\":\"{fingerprint}\"}}")
        }
        Some(body) => format!("{body},\"zc_fp\":\"{fingerprint}\"}}"),
        None => value.to_owned(),
    }
}

/// `value` (a JSON object this package wrote) marked as written by a process
/// whose refresh token rotates: `"zc_rot":1` (the JS package ignores it).
pub fn with_rotation_mark(value: &str) -> String {
    match value.strip_suffix('}') {
        Some(body) => format!("{body},\"zc_rot\":1}}"),
        None => value.to_owned(),
    }
}

/// Whether `value` carries the mark of [`with_rotation_mark`].
pub fn has_rotation_mark(value: &str) -> bool {
    value.contains("\"zc_rot\":1")
}

/// Whether `value` may name its writer: a cheap test before `owner_of`
/// parses it. This package writes the key literally (`with_owner`); a value
/// without `"zc_fp"` in its text is treated as the JS package's (one that
/// spells the key with escapes too, which no writer of ours does).
pub fn mentions_owner(value: &str) -> bool {
    value.contains("\"zc_fp\"")
}

/// The strong fingerprint an entry was written with (`None`: written by the
/// JS package, or not an entry).
pub fn owner_of(value: &str) -> Option<String> {
    EntryFields::parse(value)?.owner().map(str::to_owned)
}

/// `decode` when it runs without scrypt (no secret, a legacy envelope, or a
/// key derived before), else `None`: the caller decodes off its thread.
pub fn decode_now(value: &str, secret: Option<&str>, now_ms: i64) -> Option<Result<Option<Token>>> {
    match EntryFields::parse(value) {
        Some(fields) => decode_fields_now(fields, secret, now_ms),
        None => Some(Ok(None)),
    }
}

/// `decode_now` of an entry's parsed fields (for a caller that read them
/// for something else too).
pub fn decode_fields_now(
    fields: EntryFields,
    secret: Option<&str>,
    now_ms: i64,
) -> Option<Result<Option<Token>>> {
    if let (Some(secret), Some(sealed)) = (secret, fields.access_token()) {
        if !crypto::opens_without_scrypt(secret, sealed) {
            return None;
        }
    }
    Some(decode_fields(fields, secret, now_ms))
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(work).await.ok()
}

/// `crypto::encrypt` on the blocking pool (scrypt may run).
pub async fn seal_async(secret: &str, plain: &str) -> String {
    let (secret, plain) = (secret.to_owned(), plain.to_owned());
    blocking(move || crypto::encrypt(&secret, &plain))
        .await
        .unwrap_or_default()
}

/// `crypto::decrypt` on the blocking pool (scrypt may run).
pub async fn open_async(secret: &str, sealed: &str) -> Option<String> {
    let (secret, sealed) = (secret.to_owned(), sealed.to_owned());
    blocking(move || crypto::decrypt(&secret, &sealed))
        .await
        .flatten()
}

/// `encode` off the async threads when it may run scrypt.
pub async fn encode_async(token: &Token, secret: Option<&str>) -> String {
    match secret {
        None => encode(token, None),
        Some(secret) => {
            let (token, secret) = (token.clone(), secret.to_owned());
            blocking(move || encode(&token, Some(&secret)))
                .await
                .unwrap_or_default()
        }
    }
}

/// `decode` off the async threads when it may run scrypt.
pub async fn decode_async(
    value: String,
    secret: Option<&str>,
    now_ms: i64,
) -> Result<Option<Token>> {
    match secret {
        None => decode(&value, None, now_ms),
        Some(secret) => {
            let secret = secret.to_owned();
            blocking(move || decode(&value, Some(&secret), now_ms))
                .await
                .unwrap_or(Ok(None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_carry_their_owner_after_the_js_fields() {
        let value = r#"{"access_token":"a","expiry_in_seconds":1,"expires_at":2}"#;
        let owned = with_owner(value, "f00d");
        assert_eq!(
            owned,
            r#"{"access_token":"a","expiry_in_seconds":1,"expires_at":2,"zc_fp":"f00d"}"#
        );
        assert_eq!(owner_of(&owned).as_deref(), Some("f00d"));
        assert_eq!(owner_of(value), None);
        assert_eq!(with_owner("{}", "f"), r#"{"zc_fp":"f"}"#);
    }

    fn token() -> Token {
        Token {
            access_token: "1000.abc".into(),
            expires_in: 3600,
            expires_at: 10_000,
            refresh_token: Some("r".into()),
            api_domain: None,
        }
    }

    #[test]
    fn plain_entries_round_trip_in_the_js_shape() {
        let value = encode(&token(), None);
        assert_eq!(
            value,
            r#"{"access_token":"1000.abc","expiry_in_seconds":3600,"expires_at":10000}"#
        );
        let back = decode(&value, None, 5_000).unwrap().unwrap();
        assert_eq!(
            (back.access_token.as_str(), back.expires_in, back.expires_at),
            ("1000.abc", 3600, 10_000)
        );
        assert_eq!(ttl(&token()), Duration::from_secs(3600));
    }

    #[test]
    fn expired_garbage_and_empty_entries_are_absent() {
        let value = encode(&token(), None);
        assert_eq!(decode(&value, None, 10_000).unwrap(), None);
        for garbage in [
            "",
            "null",
            "[]",
            "{\"access_token\":\"\",\"expires_at\":99999}",
            "{\"access_token\":\"a\"}",
            "{\"access_token\":\"a\",\"expires_at\":\"soon\"}",
        ] {
            assert_eq!(decode(garbage, None, 0).unwrap(), None, "{garbage}");
        }
    }

    #[test]
    fn sealed_entries_need_the_right_key() {
        let sealed = encode(&token(), Some("k"));
        assert!(!sealed.contains("1000.abc"));
        assert_eq!(
            decode(&sealed, Some("k"), 0).unwrap().unwrap().access_token,
            "1000.abc"
        );
        assert_eq!(decode(&sealed, Some("other"), 0).unwrap(), None);
        assert_eq!(
            decode(&sealed, None, 0),
            Err(ConnectorError::SecretKeyMissing)
        );
        // A connector with a key trusts only sealed entries.
        assert_eq!(decode(&encode(&token(), None), Some("k"), 0).unwrap(), None);
    }
}
