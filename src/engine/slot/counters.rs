//! What a slot did, counted where it happens (each layer bumps its own
//! counters) and read as one snapshot by `stats()`.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Counters of what a slot did, for `stats()` and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SlotStats {
    /// Token requests sent to the provider (refreshes and code exchanges).
    pub token_requests: u64,
    /// Token requests that failed.
    pub token_request_errors: u64,
    /// Callers that found no fresh token and waited for one.
    pub misses: u64,
    /// Calls answered from the cached token.
    pub hits: u64,
    /// Refresh requests sent (a subset of `token_requests`).
    pub refreshes: u64,
    /// Store reads attempted (the current key, and the legacy key once).
    pub store_reads: u64,
    /// Store reads that gave a usable token (no refresh needed).
    pub store_hits: u64,
    /// Store writes that succeeded.
    pub store_writes: u64,
    /// Store operations that failed or timed out.
    pub store_errors: u64,
    /// Refreshes that found another process's fleet lock taken and waited.
    pub lock_waits: u64,
    /// Waits that ended with this process taking the lock over (the owner
    /// died or failed).
    pub lock_takeovers: u64,
    /// Refreshes made ahead of expiry, in the background.
    pub background_refreshes: u64,
    /// Refresh tokens the provider rotated to.
    pub rotations: u64,
    /// Callers answered at once with the failure being backed off.
    pub backed_off: u64,
}

macro_rules! counters {
    ($($field:ident),* $(,)?) => {
        /// The live counters behind [`SlotStats`], shared by a slot's layers.
        /// Hits are 64-bit; the others, counting work done on misses and
        /// refreshes, are 32-bit (a slot is kept per configuration, and none
        /// of them comes near 2^32 in a process's life; they would wrap).
        #[derive(Debug, Default)]
        pub struct Counters {
            /// See [`SlotStats::hits`].
            pub hits: AtomicU64,
            $(
                #[doc = concat!("See [`SlotStats::", stringify!($field), "`].")]
                pub $field: AtomicU32,
            )*
        }

        impl Counters {
            /// A snapshot of every counter.
            pub fn snapshot(&self) -> SlotStats {
                SlotStats {
                    hits: self.hits.load(Ordering::Relaxed),
                    $($field: u64::from(self.$field.load(Ordering::Relaxed)),)*
                }
            }
        }
    };
}

counters!(
    token_requests,
    token_request_errors,
    misses,
    refreshes,
    store_reads,
    store_hits,
    store_writes,
    store_errors,
    lock_waits,
    lock_takeovers,
    background_refreshes,
    rotations,
    backed_off,
);

/// Adds one to `counter`.
pub fn bump(counter: &AtomicU32) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Adds one to the hit counter.
pub fn bump_hits(counters: &Counters) {
    counters.hits.fetch_add(1, Ordering::Relaxed);
}
