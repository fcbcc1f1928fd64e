//! Wall-clock time in epoch milliseconds (like `Date.now()`), behind a trait
//! so that tests can run a slot through minutes of expiries and back-offs
//! without sleeping.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of `Date.now()`-style time.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        now_ms()
    }
}

/// The shared system clock.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A clock that follows tokio's clock from a fixed epoch time: under
/// `tokio::time::pause()` it stands still until a test advances it (or the
/// runtime auto-advances to the next timer), so timers and `now_ms()` agree.
#[derive(Debug, Clone)]
pub struct TokioClock {
    epoch_ms: i64,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock reading `epoch_ms` now.
    pub fn starting_at(epoch_ms: i64) -> Self {
        TokioClock {
            epoch_ms,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> i64 {
        self.epoch_ms + self.start.elapsed().as_millis() as i64
    }
}

/// Milliseconds since the Unix epoch, like `Date.now()`.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `Date.now()` from the kernel's coarse real-time clock: a few milliseconds
/// behind at worst, and several times cheaper than the precise clock. Used only
/// to decide whether a cached token is still fresh, where expiry already has a
/// margin of seconds to minutes.
#[cfg(target_os = "linux")]
pub fn coarse_now_ms() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes to it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) };
    if rc != 0 {
        return now_ms();
    }
    ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
}

/// `Date.now()` (no coarse clock on this platform).
#[cfg(not(target_os = "linux"))]
pub fn coarse_now_ms() -> i64 {
    now_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coarse_clock_tracks_the_precise_one() {
        let coarse = coarse_now_ms();
        let precise = now_ms();
        assert!((precise - coarse).abs() < 1_000, "{precise} vs {coarse}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_tokio_clock_moves_only_with_tokio_time() {
        let clock = TokioClock::starting_at(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        tokio::time::advance(std::time::Duration::from_secs(5)).await;
        assert_eq!(clock.now_ms(), 6_000);
    }
}
