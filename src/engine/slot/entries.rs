//! The shared source's traffic with its store: the token entry (including,
//! once, the JS package's legacy key), the rotated refresh token, and the
//! fleet-wide back-off entry. Store failures are counted and otherwise
//! ignored here: the slot keeps serving from memory and refreshing directly
//! (see `store::guard`).

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use super::counters::bump;
use super::shared::SharedSource;
use crate::engine::entry::crypto;
use crate::engine::entry::stored::{
    decode_async, decode_now, encode_async, open_async, seal_async, ttl,
};
use crate::engine::error::{known_code, ConnectorError, Result};
use crate::engine::token::Token;
use crate::store::guard::{GuardedStore, StoreFailure};
use crate::support::events::{Event, Level};

/// Rotated refresh tokens are kept this long in stores (they do not expire by
/// themselves at most providers; a year of silence is a dead connector).
const ROTATION_TTL: Duration = Duration::from_secs(365 * 24 * 3600);

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

/// A failure recorded in the store for the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFailure {
    /// The failure, as the process that met it reported it.
    pub error: ConnectorError,
    /// When the next attempt is due, epoch ms.
    pub retry_at_ms: i64,
    /// How many refreshes in a row have failed.
    pub attempt: u32,
}

impl SharedSource {
    fn secret(&self) -> Option<&str> {
        self.config().secret_key.as_deref()
    }

    /// Counts a store operation that failed (a skipped one is not an error),
    /// and reports the first failure of an outage.
    pub(super) fn count_failure<T>(&self, result: &std::result::Result<T, StoreFailure>) {
        let Err(failure) = result else {
            return;
        };
        if let Some(error) = failure.error() {
            bump(&self.counters.store_errors);
            if matches!(failure, StoreFailure::Down(_)) {
                self.emit(
                    Event::new(
                        "store_error",
                        Level::Warn,
                        format!("the token store failed ({error}); serving tokens from memory and refreshing directly until it answers again"),
                    ),
                );
            }
        }
    }

    /// Counts a write: `Ok(true)` wrote, `Ok(false)` kept a newer entry.
    fn count_write(&self, result: &std::result::Result<bool, StoreFailure>) {
        self.count_failure(result);
        if result == &Ok(true) {
            bump(&self.counters.store_writes);
        }
    }

    /// `store.get(key)`, counted: a read unless skipped, an error if it failed.
    async fn counted_get(
        &self,
        store: &GuardedStore,
        key: &str,
    ) -> std::result::Result<Option<String>, StoreFailure> {
        let result = store.get(key).await;
        if !matches!(result, Err(StoreFailure::Skipped)) {
            bump(&self.counters.store_reads);
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
                let decoded = decode_async(value, self.secret(), self.clock.now_ms()).await?;
                Ok(Ok(decoded.filter(|token| token.expires_at > floor)))
            }
            Ok(None) => Ok(Ok(None)),
            Err(_) => Ok(Err(())),
        }
    }

    /// A usable token from `store` that expires after `floor`, from the
    /// current key or (once per slot, after the store answered that the current
    /// key holds none) the legacy key, which is then written forward.
    /// `entry_read`: the caller read the current key already (and found none).
    pub(super) async fn load(
        &self,
        store: &GuardedStore,
        floor: i64,
        entry_read: bool,
    ) -> Result<Option<Token>> {
        if !entry_read {
            match self.read(store, &self.keys.entry, floor).await? {
                Ok(Some(token)) => {
                    bump(&self.counters.store_hits);
                    return Ok(Some(token));
                }
                Err(()) => return Ok(None),
                Ok(None) => {}
            }
        }
        if self.legacy_read.swap(true, Ordering::AcqRel) {
            return Ok(None);
        }
        let legacy = self
            .read(store, &self.keys.legacy, floor)
            .await?
            .unwrap_or(None);
        if let Some(token) = &legacy {
            bump(&self.counters.store_hits);
            let _ = self.save(store, token).await;
        }
        Ok(legacy)
    }

    /// The token in `value`, the token entry as a caller read it, if it can be
    /// served (`accepts`) and decoded without scrypt; `None`: it needs scrypt
    /// (the caller leaves the read to the refresh path). Counted as a read.
    pub(super) fn usable_now(
        &self,
        value: Option<&str>,
        floor: i64,
    ) -> Option<Result<Option<Token>>> {
        bump(&self.counters.store_reads);
        let Some(value) = value else {
            return Some(Ok(None));
        };
        let decoded = decode_now(value, self.secret(), self.clock.now_ms())?;
        Some(decoded.map(|token| token.filter(|token| self.accepts(token, floor))))
    }

    /// Writes `token` under the slot's key unless the store holds a newer
    /// usable token (skipped while the store backs off). An entry this slot
    /// cannot use — garbage, sealed under another key, unsealed while we seal
    /// — is replaced whatever expiry it claims, as the README promises.
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
        let result = match result {
            Ok(false) if !self.holds_usable(store).await => {
                // The newer-looking entry is one we cannot use: replace it.
                store
                    .put(&entry.key, &entry.value, ttl(token))
                    .await
                    .map(|()| true)
            }
            other => other,
        };
        self.count_write(&result);
        result.map(|_| entry)
    }

    /// Whether the token entry holds a token this slot can open.
    async fn holds_usable(&self, store: &GuardedStore) -> bool {
        matches!(
            self.read(store, &self.keys.entry, i64::MIN).await,
            Ok(Ok(Some(_)))
        )
    }

    async fn entry(&self, token: &Token) -> WrittenEntry {
        WrittenEntry {
            key: self.keys.entry.clone(),
            value: encode_async(token, self.secret()).await,
            ttl_hours: ttl(token).as_secs() as i64 / 3600,
        }
    }

    /// `putAccessTokenInCache()`: writes `token` to `store` and returns the
    /// entry. Unlike the writes a refresh makes, a failure here is reported,
    /// and a store in back-off is tried anyway: the caller asked for this write.
    pub async fn persist(
        &self,
        store: Option<&GuardedStore>,
        token: &Token,
    ) -> Result<WrittenEntry> {
        match store {
            None => Ok(self.entry(token).await),
            Some(store) => self.write(store, token, true).await.map_err(|failure| {
                ConnectorError::StoreUnavailable(match failure.error() {
                    Some(error) => error.0.clone(),
                    None => format!(
                        "{} failed moments ago and is being given time to recover",
                        store.name()
                    ),
                })
            }),
        }
    }

    /// Adopts a refresh token another process rotated to, if the store has one.
    pub(super) async fn read_rotation(&self, store: &GuardedStore) {
        let Ok(Some(value)) = self.counted_get(store, &self.keys.rotation).await else {
            return;
        };
        let stored: Option<String> = serde_json::from_str::<Value>(&value)
            .ok()
            .and_then(|v| v.get("refresh_token")?.as_str().map(str::to_owned));
        let plain = match (stored, self.secret()) {
            (Some(sealed), Some(secret)) if crypto::is_envelope(&sealed) => {
                open_async(secret, &sealed).await
            }
            (Some(plain), None) if !crypto::is_envelope(&plain) => Some(plain),
            _ => None,
        };
        if let Some(refresh_token) = plain {
            if self.source.refresh_token().as_deref() != Some(refresh_token.as_str()) {
                self.source.adopt_refresh_token(refresh_token);
            }
        }
    }

    /// Writes the refresh token the provider rotated to (sealed with the
    /// secret key, when there is one) for every process.
    pub(super) async fn write_rotation(&self, store: &GuardedStore, refresh_token: &str) {
        let sealed = match self.secret() {
            Some(secret) => seal_async(secret, refresh_token).await,
            None => refresh_token.to_owned(),
        };
        let value = json!({"refresh_token": sealed, "rotated_at": self.clock.now_ms()}).to_string();
        let written = store.put(&self.keys.rotation, &value, ROTATION_TTL).await;
        self.count_write(&written.map(|()| true));
    }

    /// The failure another process (or this one) recorded, while it is due.
    pub(super) async fn read_failure(&self, store: &GuardedStore) -> Option<SharedFailure> {
        let value = self.counted_get(store, &self.keys.error).await.ok()??;
        let entry: Value = serde_json::from_str(&value).ok()?;
        let retry_at_ms = entry.get("retry_at")?.as_i64()?;
        if retry_at_ms <= self.clock.now_ms() {
            return None;
        }
        Some(SharedFailure {
            error: ConnectorError::Reported {
                code: known_code(entry.get("code")?.as_str()?),
                message: entry.get("message")?.as_str()?.to_owned(),
                status: entry
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(503),
            },
            retry_at_ms,
            attempt: entry
                .get("attempt")
                .and_then(Value::as_u64)
                .map_or(1, |a| a.min(u64::from(u32::MAX)) as u32),
        })
    }

    /// Records `failure` for the fleet until its next attempt is due.
    pub(super) async fn write_failure(&self, store: &GuardedStore, failure: &SharedFailure) {
        let value = json!({
            "code": failure.error.code(),
            "message": failure.error.to_string(),
            "status": failure.error.status_code(),
            "retry_at": failure.retry_at_ms,
            "attempt": failure.attempt,
        })
        .to_string();
        let wait = (failure.retry_at_ms - self.clock.now_ms()).max(1_000) as u64;
        let written = store
            .put(&self.keys.error, &value, Duration::from_millis(wait))
            .await;
        self.count_write(&written.map(|()| true));
    }

    /// Forgets every entry of this configuration (after a revocation).
    pub async fn forget(&self, store: &GuardedStore) {
        for key in [&self.keys.entry, &self.keys.rotation, &self.keys.error] {
            let _ = store.delete(key).await;
        }
    }
}
