//! The shared-cache key of `@zcatalyst/connector`: `ZC_CONN_<name>:<5 hex digits>`.

use super::config::ConnectorConfig;

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
