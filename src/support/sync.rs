//! Locking that survives a poisoned mutex: a panic elsewhere while a lock was
//! held leaves data that is still valid here (counters, caches, a token), and
//! a panic must never spread across the FFI boundary.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, taking the data over if a panicking thread poisoned it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
