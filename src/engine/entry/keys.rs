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
    let mut hash: i32 = 0;
    let mut first = true;
    for part in parts.iter().flatten().filter(|p| !p.is_empty()) {
        if !first {
            hash = hash.wrapping_mul(31).wrapping_add(':' as i32);
        }
        first = false;
        for unit in part.encode_utf16() {
            hash = hash.wrapping_mul(31).wrapping_add(i32::from(unit));
        }
    }
    let masked = (31i32.wrapping_add(hash) as u32) & 0xfffff;
    format!("{masked:05x}")
}

/// The cache key the JS package reads and writes for this configuration.
pub fn cache_key(config: &ConnectorConfig) -> String {
    let parts = [
        config.refresh_token.as_deref(),
        Some(config.client_id.as_str()),
        Some(config.client_secret.as_str()),
        Some(config.auth_url.as_str()),
        Some(config.refresh_url.as_str()),
        config.redirect_url.as_deref(),
    ];
    format!("ZC_CONN_{}:{}", config.name, fingerprint(&parts))
}

/// The key older JS versions used, read once on a miss.
pub fn legacy_cache_key(name: &str) -> String {
    format!("ZC_CONN_{name}")
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
        let entry = cache_key(config);
        Keys {
            legacy: legacy_cache_key(&config.name),
            lock: format!("{entry}:lock"),
            rotation: format!("{entry}:refresh_token"),
            error: format!("{entry}:error"),
            entry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
