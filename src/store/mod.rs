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

    /// Stores `value` (whose entry expires at `expires_at`, epoch ms) unless the
    /// entry under `key` expires later: a write never replaces a newer token
    /// with an older one. `Ok(false)` when a newer entry was kept. The default
    /// reads then writes; stores that can do it atomically override it.
    fn put_if_newer<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        expires_at: i64,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let current = self.get(key).await?;
            if current.as_deref().and_then(entry_expires_at) > Some(expires_at) {
                return Ok(false);
            }
            self.put(key, value, ttl).await?;
            Ok(true)
        })
    }

    /// Removes `key` (absent keys are not an error).
    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;

    /// The store's lock, for stores that can coordinate processes (one refresh
    /// per fleet); `None` for the rest.
    fn lock(&self) -> Option<&dyn StoreLock> {
        None
    }

    /// Whether keys that are used together (a lease, its fence and the
    /// writes it fences) must share a Redis Cluster hash tag: the engine then
    /// names them `{<entry>}:…` (see `engine::entry::keys::Keys::hash_tagged`).
    fn hash_tags(&self) -> bool {
        false
    }

    /// Whether the store fails over to a replica (Redis under Sentinel, or a
    /// cluster): its leases are then held for the whole of a rotating refresh
    /// (see [`StoreLock::try_lock_holding`]).
    fn fails_over(&self) -> bool {
        false
    }
}

/// The `expires_at` of a stored token entry (`None` for anything else).
pub fn entry_expires_at(value: &str) -> Option<i64> {
    let entry: serde_json::Value = serde_json::from_str(value).ok()?;
    let expires_at = entry.get("expires_at")?;
    expires_at
        .as_i64()
        .or_else(|| expires_at.as_f64().map(|f| f as i64))
}

/// What a fenced write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fenced {
    /// The value was written.
    Written,
    /// The entry holds a token that expires later; it was kept.
    KeptNewer,
    /// A newer fence was taken on the lock since ours: our lease was lost,
    /// and nothing was written.
    FencedOut,
}

/// A lease shared by every process using the store: taken with an owner token
/// for a short time (so a dead owner's lease soon expires), renewed by its
/// owner while it works, released only by its owner. Each lease comes with a
/// *fence*: a number greater than every fence taken before on the same lock,
/// which the owner's writes carry so that a store rejects the writes of an
/// owner whose lease was lost and taken by another.
pub trait StoreLock: Send + Sync {
    /// Takes `key` for `owner` for `lease` unless someone holds it: the fence,
    /// or `None` when held.
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, Option<u64>>;

    /// Extends `owner`'s lease on `key` to `lease` from now; `false` when
    /// `owner` no longer holds it.
    fn renew<'a>(&'a self, key: &'a str, owner: &'a str, lease: Duration) -> StoreFuture<'a, bool>;

    /// [`StoreLock::try_lock`], and — for a store that fails over (Redis under
    /// Sentinel) — a *hold* for `hold`: until the owner unlocks, no other
    /// owner takes the lock even if the lease lapsed meanwhile (a failover
    /// longer than the lease must not let a successor use a refresh token
    /// the owner may already have rotated away). Other stores take the
    /// lease alone.
    fn try_lock_holding<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
        hold: Duration,
    ) -> StoreFuture<'a, Option<u64>> {
        let _ = hold;
        self.try_lock(key, owner, lease)
    }

    /// Releases `key` (and its hold) if `owner` still holds it.
    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()>;

    /// Stores `value` under `key` for `ttl` — unless a fence newer than
    /// `fence` was taken on `lock_key`, or (with `newer_than`) the entry holds
    /// a token expiring after `newer_than` — atomically.
    fn put_fenced<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
        newer_than: Option<i64>,
        lock_key: &'a str,
        fence: u64,
    ) -> StoreFuture<'a, Fenced>;
}

/// Where a lock's hold lives (see [`StoreLock::try_lock_holding`]).
pub fn hold_key(lock_key: &str) -> String {
    format!("{lock_key}:hold")
}

/// Where a lock's fence counter lives.
pub fn fence_key(lock_key: &str) -> String {
    format!("{lock_key}:fence")
}
