//! When to refresh ahead of expiry: pure arithmetic, so the policy is tested
//! without clocks.
//!
//! A token served for a lifetime `L` is refreshed `lead(L)` before its
//! `expires_at`: a tenth of `L`, but at least a minute when that is no more
//! than a fifth of `L` (tokens of 5 minutes or more). Each schedule moves the
//! moment earlier by a random jitter of up to a quarter of the lead, so a fleet
//! does not refresh in the same second. (Retries after a failure: `backoff`.)

const MINUTE_MS: i64 = 60_000;

/// How long before `expires_at` a token of served lifetime `lifetime_ms` is refreshed.
pub fn lead_ms(lifetime_ms: i64) -> i64 {
    let lifetime = lifetime_ms.max(0);
    let tenth = lifetime / 10;
    if MINUTE_MS <= lifetime / 5 {
        tenth.max(MINUTE_MS)
    } else {
        tenth
    }
}

/// The moment (epoch ms) to refresh a token expiring at `expires_at`, with
/// `jitter` in `[0, 1)` choosing how much earlier than the lead.
pub fn refresh_at(expires_at: i64, lifetime_ms: i64, jitter: f64) -> i64 {
    let lead = lead_ms(lifetime_ms);
    let extra = (lead as f64 / 4.0 * jitter.clamp(0.0, 1.0)) as i64;
    expires_at.saturating_sub(lead).saturating_sub(extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_are_a_tenth_with_a_minute_floor_for_long_tokens() {
        assert_eq!(lead_ms(2_700_000), 270_000); // Zoho: 45 min served
        assert_eq!(lead_ms(300_000), 60_000); // 5 min: a minute
        assert_eq!(lead_ms(200_000), 20_000); // under 5 min: a tenth
        assert_eq!(lead_ms(3_000), 300);
        assert_eq!(lead_ms(-5), 0);
    }

    #[test]
    fn jitter_moves_the_refresh_earlier_by_at_most_a_quarter_lead() {
        assert_eq!(refresh_at(1_000_000, 3_000, 0.0), 999_700);
        assert_eq!(refresh_at(1_000_000, 3_000, 0.999_999), 999_626);
        assert_eq!(refresh_at(1_000_000, 3_000, 7.0), 999_625, "clamped");
    }
}
