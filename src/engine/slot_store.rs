//! A slot's traffic with its store: reading a token another process wrote
//! (including, once, the JS package's legacy key), and writing what it gets.
//! Store failures are counted and otherwise ignored here: the slot keeps
//! serving from memory and refreshing directly (see `store::guard`).

use std::sync::atomic::Ordering;

use super::cache_key::legacy_cache_key;
use super::error::{ConnectorError, Result};
use super::slot::Slot;
use super::stored_token::{decode_async, encode_async, ttl};
use super::token::{now_ms, Token};
use crate::store::guard::{GuardedStore, StoreFailure};

/// What `putAccessTokenInCache()` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenEntry {
    /// The key, `ZC_CONN_<name>:<fingerprint>`.
    pub key: String,
    /// The value as stored (access token sealed when a secret key is set).
    pub value: String,
    /// The TTL in hours.
    pub ttl_hours: i64,
}

impl Slot {
    fn secret(&self) -> Option<&str> {
        self.config().secret_key.as_deref()
    }

    /// Counts a store operation that failed (a skipped one is not an error).
    pub(super) fn count_failure<T>(&self, result: &std::result::Result<T, StoreFailure>) {
        if matches!(result, Err(StoreFailure::Failed(_))) {
            self.count(|s| s.store_errors += 1);
        }
    }

    /// Counts a write: `Ok(true)` wrote, `Ok(false)` kept a newer entry.
    pub(super) fn count_write(&self, result: &std::result::Result<bool, StoreFailure>) {
        self.count_failure(result);
        if result == &Ok(true) {
            self.count(|s| s.store_writes += 1);
        }
    }

    /// `store.get(key)`, counted: a read unless skipped, an error if it failed.
    pub(super) async fn counted_get(
        &self,
        store: &GuardedStore,
        key: &str,
    ) -> std::result::Result<Option<String>, StoreFailure> {
        let result = store.get(key).await;
        if !matches!(result, Err(StoreFailure::Skipped)) {
            self.count(|s| s.store_reads += 1);
        }
        self.count_failure(&result);
        result
    }

    /// The token under `key` if it expires after `floor`: `Ok(None)` when the
    /// store answered without such a token, `Err(())` when it did not answer.
    async fn read(
        &self,
        store: &GuardedStore,
        key: &str,
        floor: i64,
    ) -> Result<std::result::Result<Option<Token>, ()>> {
        match self.counted_get(store, key).await {
            Ok(Some(value)) => {
                let decoded = decode_async(value, self.secret(), now_ms()).await?;
                if decoded.is_none() {
                    // Garbage, expired, or sealed under another key: the next
                    // write replaces it whatever its expiry says.
                    self.replace_unusable.store(true, Ordering::Relaxed);
                }
                Ok(Ok(decoded.filter(|token| token.expires_at > floor)))
            }
            Ok(None) => Ok(Ok(None)),
            Err(_) => Ok(Err(())),
        }
    }

    /// A usable token from `store` that expires after `floor`, from the
    /// current key or (once per slot, after the store answered that the current
    /// key holds none) the legacy key, which is then written forward.
    pub(super) async fn load(&self, store: &GuardedStore, floor: i64) -> Result<Option<Token>> {
        match self.read(store, self.cache_key(), floor).await? {
            Ok(Some(token)) => {
                self.count(|s| s.store_hits += 1);
                return Ok(Some(token));
            }
            Err(()) => return Ok(None),
            Ok(None) => {}
        }
        if self.legacy_read.swap(true, Ordering::AcqRel) {
            return Ok(None);
        }
        let legacy = self
            .read(store, &legacy_cache_key(&self.config().name), floor)
            .await?
            .unwrap_or(None);
        if let Some(token) = &legacy {
            self.count(|s| s.store_hits += 1);
            let _ = self.save(store, token).await;
        }
        Ok(legacy)
    }

    /// Writes `token` under the slot's key unless the store holds a newer token
    /// (skipped while the store backs off).
    pub async fn save(
        &self,
        store: &GuardedStore,
        token: &Token,
    ) -> std::result::Result<WrittenEntry, StoreFailure> {
        self.write(store, token, false).await
    }

    async fn write(
        &self,
        store: &GuardedStore,
        token: &Token,
        explicit: bool,
    ) -> std::result::Result<WrittenEntry, StoreFailure> {
        let entry = self.entry(token).await;
        let result = store
            .put_if_newer(
                &entry.key,
                &entry.value,
                token.expires_at,
                ttl(token),
                explicit,
            )
            .await;
        self.count_write(&result);
        result.map(|_| entry)
    }

    async fn entry(&self, token: &Token) -> WrittenEntry {
        WrittenEntry {
            key: self.cache_key().to_owned(),
            value: encode_async(token, self.secret()).await,
            ttl_hours: ttl(token).as_secs() as i64 / 3600,
        }
    }

    /// `putAccessTokenInCache()`: writes the current token to `store` (when
    /// there is one) and returns the entry. Unlike the writes a refresh makes,
    /// a failure here is reported, and a store in back-off is tried anyway:
    /// the caller asked for this write.
    pub async fn persist(&self, store: Option<&GuardedStore>) -> Result<WrittenEntry> {
        let token = self.current().ok_or(ConnectorError::NoAccessToken)?;
        match store {
            None => Ok(self.entry(&token).await),
            Some(store) => self.write(store, &token, true).await.map_err(|failure| {
                ConnectorError::StoreUnavailable(match failure {
                    StoreFailure::Failed(error) => error.0,
                    StoreFailure::Skipped => format!(
                        "{} failed moments ago and is being given time to recover",
                        store.name()
                    ),
                })
            }),
        }
    }
}
