//! An access token, its expiry arithmetic and its shared-cache JSON form.

use std::fmt;

/// The JS package's safety margin: a token is treated as expired 15 minutes early.
const EARLY_EXPIRY_MS: i64 = 15 * 60 * 1000;

/// The longest access-token lifetime believed, in seconds: a day. Providers
/// hand out access tokens for minutes to hours; a larger figure (`1e300`, a
/// millisecond count sent as seconds) is capped to this, so a token is never
/// served "forever".
pub const MAX_LIFETIME_S: i64 = 24 * 3600;

/// When a token obtained at `now_ms` stops being served.
///
/// `refresh_in` (seconds) wins when set, as in the JS package — but never past
/// the provider's `expires_in` (the earlier of the two wins). Otherwise the
/// token lives `expires_in` seconds less the 15-minute margin, the margin
/// capped at half the lifetime so a 600-second token is not born expired.
/// Lifetimes are capped at [`MAX_LIFETIME_S`].
pub fn expires_at(now_ms: i64, expires_in_s: i64, refresh_in_s: Option<i64>) -> i64 {
    let lifetime = expires_in_s.clamp(0, MAX_LIFETIME_S) * 1000;
    if let Some(refresh_in) = refresh_in_s.filter(|r| *r > 0) {
        return now_ms.saturating_add(refresh_in.saturating_mul(1000).min(lifetime));
    }
    now_ms
        .saturating_add(lifetime)
        .saturating_sub(EARLY_EXPIRY_MS.min(lifetime / 2))
}

/// A usable access token. `Debug` redacts the secret parts.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// The bearer value (secret).
    pub access_token: String,
    /// Lifetime the provider announced, seconds.
    pub expires_in: i64,
    /// Epoch milliseconds after which the token is no longer served.
    pub expires_at: i64,
    /// A refresh token the provider returned with it (code exchange or rotation).
    pub refresh_token: Option<Box<str>>,
    /// The provider's `api_domain`, when it sent one.
    pub api_domain: Option<Box<str>>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("api_domain", &self.api_domain)
            .finish()
    }
}

impl Token {
    /// Whether the token may still be served at `now_ms`.
    pub fn is_fresh(&self, now_ms: i64) -> bool {
        now_ms < self.expires_at
    }

    /// The shared-cache value the JS package writes:
    /// `{"access_token":…,"expiry_in_seconds":…,"expires_at":…}`.
    pub fn cache_value(&self) -> String {
        #[derive(serde::Serialize)]
        struct CacheValue<'a> {
            access_token: &'a str,
            expiry_in_seconds: i64,
            expires_at: i64,
        }
        serde_json::to_string(&CacheValue {
            access_token: &self.access_token,
            expiry_in_seconds: self.expires_in,
            expires_at: self.expires_at,
        })
        .unwrap_or_default()
    }

    /// The cache TTL the JS package uses: `ceil(expires_in / 3600)` hours.
    pub fn cache_ttl_hours(&self) -> i64 {
        (self.expires_in.max(0) + 3599) / 3600
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_uses_refresh_in_when_set_but_never_past_the_lifetime() {
        assert_eq!(expires_at(1_000, 3600, Some(60)), 61_000);
        // refresh_in 10 s, provider lifetime 2 s: served 2 s.
        assert_eq!(expires_at(0, 2, Some(10)), 2_000);
        assert_eq!(expires_at(0, 3600, Some(7200)), 3_600_000);
    }

    #[test]
    fn lifetimes_are_capped_at_a_day() {
        assert_eq!(expires_at(0, i64::MAX, None), 86_400_000 - 900_000);
    }

    #[test]
    fn expiry_keeps_the_fifteen_minute_margin_for_long_tokens() {
        assert_eq!(expires_at(0, 3600, None), 3_600_000 - 900_000);
    }

    #[test]
    fn short_tokens_are_not_born_expired() {
        assert_eq!(expires_at(0, 600, None), 300_000);
        assert!(expires_at(0, 1, None) > 0);
        assert_eq!(expires_at(5, 0, None), 5);
    }

    #[test]
    fn cache_value_has_the_js_shape_and_key_order() {
        let t = Token {
            access_token: "a\"b".into(),
            expires_in: 3600,
            expires_at: 42,
            refresh_token: None,
            api_domain: None,
        };
        assert_eq!(
            t.cache_value(),
            r#"{"access_token":"a\"b","expiry_in_seconds":3600,"expires_at":42}"#
        );
        assert_eq!(t.cache_ttl_hours(), 1);
        assert!(!format!("{t:?}").contains("a\\\"b"));
    }
}
