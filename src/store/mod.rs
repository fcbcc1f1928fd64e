//! Shared token stores: where a token obtained by one process waits for the
//! next one. Entries are the JS package's (`ZC_CONN_<name>:<fingerprint>` →
//! `{"access_token":…,"expiry_in_seconds":…,"expires_at":…}` with a TTL), so
//! processes on `@zcatalyst/connector` and on this package share them.
//!
//! A store only moves strings; what they mean (encryption, expiry) is the
//! engine's business (`engine::stored_token`). Every operation goes through a
//! [`guard::GuardedStore`], which bounds it with a timeout and turns failures
//! into counted, logged, recoverable events.

use std::time::Duration;

use futures::future::BoxFuture;

pub mod file;
pub mod guard;
pub mod memory;
pub mod open;
pub mod redis;

/// A failed store operation. The message names the store and what failed,
/// never a value (values hold access tokens).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

impl StoreError {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError(message.into())
    }
}

/// The future a store operation returns.
pub type StoreFuture<'a, T> = BoxFuture<'a, Result<T, StoreError>>;

/// A key-value store with expiring entries.
pub trait TokenStore: Send + Sync {
    /// What the store is, for log lines and errors: a URL without credentials,
    /// `catalyst-cache` or `js-store`.
    fn name(&self) -> &str;

    /// The value under `key`, or `None` when absent or expired.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>>;

    /// Stores `value` under `key` for `ttl`.
    fn put<'a>(&'a self, key: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()>;

    /// Removes `key` (absent keys are not an error).
    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;

    /// The store's lock, for stores that can coordinate processes (one refresh
    /// per fleet); `None` for the rest.
    fn lock(&self) -> Option<&dyn StoreLock> {
        None
    }
}

/// A lock shared by every process using the store: taken with an owner token
/// and a TTL (so a dead owner's lock expires), released only by its owner.
pub trait StoreLock: Send + Sync {
    /// Takes `key` for `owner` unless someone holds it; `true` when taken.
    fn try_lock<'a>(&'a self, key: &'a str, owner: &'a str, ttl: Duration)
        -> StoreFuture<'a, bool>;

    /// Releases `key` if `owner` still holds it.
    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()>;
}
