//! Randomness from the OS source. The OS source does not fail on supported
//! platforms; should it, the buffer stays zeroed, which weakens jitter and
//! salts but never breaks a caller.

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    let _ = getrandom::getrandom(&mut bytes);
    bytes
}

/// A uniform number in `[0, 1)`.
pub fn unit() -> f64 {
    (u64::from_le_bytes(bytes::<8>()) >> 11) as f64 / (1u64 << 53) as f64
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
        for _ in 0..1000 {
            assert!((0.0..1.0).contains(&unit()));
        }
        assert_eq!(hex_id().len(), 32);
        assert_ne!(hex_id(), hex_id());
    }
}
