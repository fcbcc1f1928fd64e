//! Process-unique numbers from a counter, for ids that JavaScript holds and
//! that 0 never names (0 means "none" across the binding).

use std::sync::atomic::{AtomicU32, Ordering};

/// The next value of `counter`, skipping 0: unique in the process until the
/// counter wraps after 2^32 values.
pub fn next_nonzero(counter: &AtomicU32) -> u32 {
    loop {
        let value = counter.fetch_add(1, Ordering::Relaxed);
        if value != 0 {
            return value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_and_skips_zero_when_it_wraps() {
        let counter = AtomicU32::new(u32::MAX - 1);
        assert_eq!(next_nonzero(&counter), u32::MAX - 1);
        assert_eq!(next_nonzero(&counter), u32::MAX);
        assert_eq!(next_nonzero(&counter), 1);
        assert_eq!(next_nonzero(&counter), 2);
    }
}
