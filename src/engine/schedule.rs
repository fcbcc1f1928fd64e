//! When to refresh ahead of expiry and how long to wait between retries: pure
//! arithmetic, so the policy is tested without clocks.
//!
//! A token served for a lifetime `L` is refreshed `lead(L)` before its
//! `expires_at`: a tenth of `L`, but at least a minute when that is no more
//! than a fifth of `L` (tokens of 5 minutes or more). Each schedule moves the
//! moment earlier by a random jitter of up to a quarter of the lead, so a fleet
//! does not refresh in the same second. Retries back off exponentially from
//! 1 s with full jitter, capped at 30 s, and honour a server's `Retry-After`.

use std::time::Duration;

const MINUTE_MS: i64 = 60_000;
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(30);

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

/// The wait before retry number `attempt` (1-based): a server's `retry_after`
/// when given, else exponential back-off with full jitter (`jitter` in `[0, 1)`).
pub fn retry_delay(attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
    if let Some(wait) = retry_after {
        return wait.min(MAX_RETRY * 4);
    }
    let ceiling = FIRST_RETRY
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(MAX_RETRY);
    // Full jitter, but never less than a tenth of the ceiling.
    ceiling.mul_f64(0.1 + 0.9 * jitter.clamp(0.0, 1.0))
}

/// A uniform number in `[0, 1)` from the OS random source.
pub fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    let _ = getrandom::getrandom(&mut bytes);
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
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

    #[test]
    fn retries_back_off_exponentially_and_honour_retry_after() {
        assert_eq!(retry_delay(1, None, 1.0), Duration::from_secs(1));
        assert_eq!(retry_delay(3, None, 1.0), Duration::from_secs(4));
        assert_eq!(retry_delay(30, None, 1.0), Duration::from_secs(30));
        assert_eq!(retry_delay(3, None, 0.0), Duration::from_millis(400));
        assert_eq!(
            retry_delay(1, Some(Duration::from_secs(7)), 0.5),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn random_units_stay_in_range() {
        for _ in 0..1000 {
            let x = random_unit();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
