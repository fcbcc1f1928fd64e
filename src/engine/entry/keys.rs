//! Every key this package reads or writes in a shared store, in one place.
//!
//! The token entry's key is `@zcatalyst/connector`'s: `ZC_CONN_<name>:<5 hex
//! digits>` (a fingerprint of the configuration), so both packages share
//! entries. Beside it live entries only this package uses: `<key>:lock` (the
//! fleet lock), `<key>:refresh_token` (a rotated refresh token) and
//! `<key>:error` (the fleet-wide back-off after a failed refresh). Older JS
//! versions used `ZC_CONN_<name>`, read once on a miss.

use crate::engine::config::ConnectorConfig;

/// The 5-hex-digit fingerprint: a base-31 rolling hash over the UTF-16 code units
/// of the non-empty configuration values joined with `:`, with 32-bit wrapping
/// exactly as JavaScript's `| 0` does, masked to 20 bits.
pub fn fingerprint(parts: &[Option<&str>]) -> String {
    let mut hex = String::with_capacity(5);
    push_fingerprint(&mut hex, parts);
    hex
}

/// Appends `fingerprint(parts)` to `out`.
fn push_fingerprint(out: &mut String, parts: &[Option<&str>]) {
    let mut hash: i32 = 0;
    let mut first = true;
    for part in parts.iter().flatten().filter(|p| !p.is_empty()) {
        if !first {
            hash = hash.wrapping_mul(31).wrapping_add(':' as i32);
        }
        first = false;
        if part.is_ascii() {
            // One UTF-16 unit per byte.
            for &byte in part.as_bytes() {
                hash = hash.wrapping_mul(31).wrapping_add(i32::from(byte));
            }
        } else {
            for unit in part.encode_utf16() {
                hash = hash.wrapping_mul(31).wrapping_add(i32::from(unit));
            }
        }
    }
    let masked = (31i32.wrapping_add(hash) as u32) & 0xfffff;
    for shift in [16, 12, 8, 4, 0] {
        let digit = (masked >> shift) & 0xf;
        out.push(char::from_digit(digit, 16).unwrap_or('0'));
    }
}

/// The cache key the JS package reads and writes for this configuration.
pub fn cache_key(config: &ConnectorConfig) -> String {
    let parts = [
        config.refresh_token.as_deref(),
        Some(config.client_id()),
        Some(config.client_secret()),
        Some(config.auth_url()),
        Some(config.refresh_url()),
        config.redirect_url(),
    ];
    let mut key = String::with_capacity(8 + config.name().len() + 1 + 5);
    key.push_str("ZC_CONN_");
    key.push_str(config.name());
    key.push(':');
    push_fingerprint(&mut key, &parts);
    key
}

/// The token entry's key `config` moves to when another configuration holds
/// its JS-package key: `<key>#<first 8 digits of the strong fingerprint>`.
pub fn alternate_key(config: &ConnectorConfig, strong: &str) -> String {
    format!("{}#{}", cache_key(config), &strong[..8])
}

/// The key older JS versions used, read once on a miss.
pub fn legacy_cache_key(name: &str) -> String {
    format!("ZC_CONN_{name}")
}

/// A strong fingerprint of the whole configuration: HMAC-SHA256, keyed with
/// the client secret (so a reader of the store learns nothing about the
/// configuration from it), over every setting that decides which token the
/// provider hands out; 128 bits as 32 hex digits. Written into every entry
/// this package stores (`zc_fp`) so that two configurations whose JS-package
/// keys collide (5 hex digits: a collision is likely from about a thousand
/// configurations under one name) never adopt each other's tokens.
pub fn strong_fingerprint(config: &ConnectorConfig) -> String {
    let message = serde_json::json!([
        config.name(),
        config.client_id(),
        config.auth_url(),
        config.refresh_url(),
        config.refresh_token,
        config.redirect_url(),
        config.scope(),
        config.token_params(),
        format!("{:?}", config.client_auth()),
    ])
    .to_string();
    let mac = hmac_sha256(config.client_secret().as_bytes(), message.as_bytes());
    crate::support::hex::encode(&mac[..16])
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The keys of one configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// The token entry, shared with the JS package.
    pub entry: String,
    /// The JS package's older key for the same connector.
    pub legacy: String,
    /// The fleet lock.
    pub lock: String,
    /// The refresh token the provider rotated to.
    pub rotation: String,
    /// The last failed refresh and when the next attempt is due.
    pub error: String,
}

impl Keys {
    /// The keys of `config`.
    pub fn of(config: &ConnectorConfig) -> Self {
        Keys::under(cache_key(config), config.name())
    }

    /// The keys `config` moves to when another configuration holds its
    /// JS-package key (see `alternate_key`).
    pub fn alternate(config: &ConnectorConfig, strong: &str) -> Self {
        Keys::under(alternate_key(config, strong), config.name())
    }

    /// The keys beside the token entry `entry` of the connector `name`.
    pub fn under(entry: String, name: &str) -> Self {
        Keys {
            legacy: legacy_cache_key(name),
            lock: format!("{entry}:lock"),
            rotation: format!("{entry}:refresh_token"),
            error: format!("{entry}:error"),
            entry,
        }
    }

    /// The same keys for a store that groups them by Redis Cluster hash tag
    /// (`TokenStore::hash_tags`), so that a lease, its fence and the writes
    /// it fences share one slot: the others become `{<entry>}:lock`,
    /// `{<entry>}:refresh_token` and `{<entry>}:error` (the fence
    /// `{<entry>}:lock:fence`), which hash like `<entry>` itself, so the
    /// token entry keeps the JS package's name. An entry key with a brace of
    /// its own (from the connector's name) could hash otherwise: it becomes
    /// `{<entry>}` too. The legacy key is only ever read alone.
    pub fn hash_tagged(self) -> Self {
        let base = self.entry;
        let entry = if base.contains(['{', '}']) {
            format!("{{{base}}}")
        } else {
            base.clone()
        };
        Keys {
            legacy: self.legacy,
            lock: format!("{{{base}}}:lock"),
            rotation: format!("{{{base}}}:refresh_token"),
            error: format!("{{{base}}}:error"),
            entry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_fingerprints_tell_configurations_apart_and_hmac_matches_rfc_4231() {
        // RFC 4231 test case 2.
        assert_eq!(
            crate::support::hex::encode(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let entry = |rt: &str| {
            serde_json::json!({"client_id": "c", "client_secret": "s", "auth_url": "https://a/t",
                               "refresh_url": "https://a/t", "refresh_token": rt})
        };
        let a = ConnectorConfig::from_entry("crm", &entry("one")).unwrap();
        let b = ConnectorConfig::from_entry("crm", &entry("two")).unwrap();
        assert_eq!(strong_fingerprint(&a), strong_fingerprint(&a.clone()));
        assert_ne!(strong_fingerprint(&a), strong_fingerprint(&b));
        assert_eq!(strong_fingerprint(&a).len(), 32);
        assert!(Keys::alternate(&a, &strong_fingerprint(&a))
            .entry
            .starts_with(&cache_key(&a)));
    }

    #[test]
    fn hash_tagged_keys_keep_the_entry_and_tag_the_rest() {
        let keys = Keys::under("ZC_CONN_crm:0a1b2".into(), "crm").hash_tagged();
        assert_eq!(keys.entry, "ZC_CONN_crm:0a1b2");
        assert_eq!(keys.lock, "{ZC_CONN_crm:0a1b2}:lock");
        assert_eq!(keys.rotation, "{ZC_CONN_crm:0a1b2}:refresh_token");
        assert_eq!(keys.error, "{ZC_CONN_crm:0a1b2}:error");
        assert_eq!(keys.legacy, "ZC_CONN_crm");
        let braced = Keys::under("ZC_CONN_a}b:0a1b2".into(), "a}b").hash_tagged();
        assert_eq!(braced.entry, "{ZC_CONN_a}b:0a1b2}");
        assert!(braced.lock.starts_with("{ZC_CONN_a}b:0a1b2}"));
    }

    /// Reference values printed by the JS package's own hash function in Node.
    #[test]
    fn matches_javascript_for_ascii_and_non_ascii() {
        assert_eq!(fingerprint(&[]), "0001f");
        assert_eq!(
            fingerprint(&[
                Some("rt"),
                Some("id"),
                Some("sec"),
                Some("https://a/x"),
                Some("https://a/x")
            ]),
            "8bb8b"
        );
        assert_eq!(fingerprint(&[Some("ключ"), None, Some("😀x")]), "854d4");
        let zoho = [
            Some("1000.abc"),
            Some("1000.CLIENT"),
            Some("secret"),
            Some("https://accounts.zoho.com/oauth/v2/token"),
            Some("https://accounts.zoho.com/oauth/v2/token"),
            Some("https://example.com/cb"),
        ];
        assert_eq!(fingerprint(&zoho), "f46a2");
    }

    #[test]
    fn empty_parts_are_dropped() {
        assert_eq!(
            fingerprint(&[Some("a"), Some(""), None, Some("b")]),
            fingerprint(&[Some("a"), Some("b")])
        );
    }
}
