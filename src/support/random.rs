//! Randomness from the OS source. The OS source does not fail on supported
//! platforms; should it, the buffer stays zeroed, which weakens jitter and
//! salts but never breaks a caller.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    let _ = getrandom::getrandom(&mut bytes);
    bytes
}

/// A uniform number in `[0, 1)`, for jitter: SplitMix64 over a process-wide
/// counter seeded once from the OS source (a system call per draw would cost
/// more than the work it jitters). Not for secrets: salts and identifiers
/// come from `bytes`.
pub fn unit() -> f64 {
    static STATE: LazyLock<AtomicU64> =
        LazyLock::new(|| AtomicU64::new(u64::from_le_bytes(bytes::<8>())));
    let mut z = STATE
        .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
        .wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// 16 random bytes as 32 hex digits (lock owners, identifiers).
pub fn hex_id() -> String {
    super::hex::encode(&bytes::<16>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_stay_in_range_and_ids_differ() {
        let draws: Vec<f64> = (0..1000).map(|_| unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        // Spread over the range, not stuck: each tenth of it is hit.
        for tenth in 0..10 {
            let low = f64::from(tenth) / 10.0;
            assert!(
                draws.iter().any(|u| (low..low + 0.1).contains(u)),
                "no draw in [{low}, {low}+0.1)"
            );
        }
        assert_eq!(hex_id().len(), 32);
        assert_ne!(hex_id(), hex_id());
    }
}
