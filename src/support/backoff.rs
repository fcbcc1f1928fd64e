//! The one back-off formula: exponential from `first`, doubling per attempt,
//! capped at `cap`, with "equal jitter" (a random point in the upper half of
//! the step), so waits grow predictably while a fleet still spreads out.

use std::time::Duration;

/// The wait before attempt `attempt` (1-based) after a failure; `jitter` is
/// a uniform number in `[0, 1)` (0 gives half the step, 1 the whole step).
pub fn delay(first: Duration, cap: Duration, attempt: u32, jitter: f64) -> Duration {
    let step = first
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
        .min(cap);
    step.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_within_the_upper_half_of_each_step() {
        let (first, cap) = (Duration::from_secs(1), Duration::from_secs(30));
        assert_eq!(delay(first, cap, 1, 1.0), Duration::from_secs(1));
        assert_eq!(delay(first, cap, 1, 0.0), Duration::from_millis(500));
        assert_eq!(delay(first, cap, 3, 1.0), Duration::from_secs(4));
        assert_eq!(delay(first, cap, 6, 1.0), Duration::from_secs(30));
        assert_eq!(delay(first, cap, 60, 0.0), Duration::from_secs(15));
        assert_eq!(delay(first, cap, 0, 7.0), Duration::from_secs(1), "clamped");
    }
}
