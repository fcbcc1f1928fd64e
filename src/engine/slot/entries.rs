//! The shared source's traffic with its store: the token entry (including,
//! once, the JS package's legacy key), the rotated refresh token, and the
//! fleet-wide back-off entry. Store failures are counted and otherwise
//! ignored here: the slot keeps serving from memory and refreshing directly
//! (see `store::guard`).

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use super::counters::bump;
use super::shared::{SharedFailure, SharedSource};

use crate::engine::entry::fields::EntryFields;
use crate::engine::entry::stored::{
    decode_async, decode_fields_now, encode_async, owner_of, ttl, with_owner, with_rotation_mark,
};
use crate::engine::error::{known_code, ConnectorError, Result};
use crate::engine::token::Token;
use crate::store::guard::{GuardedStore, StoreFailure};
use crate::store::Fenced;
use crate::support::events::{Event, Level};

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

/// Whether a write replaces an entry that expires later than the token written.
#[derive(Debug, Clone, Copy)]
enum Replace {
    /// Whatever the key holds.
    Always,
    /// Unless the entry expires after `floor`; an `explicit` write (one the
    /// application asked for) is tried even while the store backs off.
    UnlessNewer { floor: i64, explicit: bool },
}

/// What a key held, for a slot.
#[derive(Debug, PartialEq)]
enum Read {
    Token(Token),
    Absent,
    Foreign,
    Failed,
}

impl SharedSource {
    pub(super) fn secret(&self) -> Option<&str> {
        self.config().secret_key()
    }

    /// Counts a store operation that failed (a skipped one is not an error),
    /// and reports the first failure of an outage.
    pub(super) fn count_failure<T>(
        &self,
        store: &GuardedStore,
        result: &std::result::Result<T, StoreFailure>,
    ) {
        let Err(failure) = result else {
            if store.take_recovery() {
                self.emit(
                    Event::new(
                        "store_recovered",
                        Level::Info,
                        format!("the token store {} answers again", store.name()),
                    )
                    .text("store", store.name()),
                );
            }
            return;
        };
        if let Some(error) = failure.error() {
            bump(&self.counters().store_errors);
            if matches!(failure, StoreFailure::Down(_)) {
                self.emit(
                    Event::new(
                        "store_error",
                        Level::Warn,
                        format!("the token store failed ({error}); serving tokens from memory and refreshing directly until it answers again"),
                    )
                    .text("store", store.name()),
                );
            }
        }
    }

    /// Counts a write: `Ok(true)` wrote, `Ok(false)` kept a newer entry.
    pub(super) fn count_write(
        &self,
        store: &GuardedStore,
        result: &std::result::Result<bool, StoreFailure>,
    ) {
        self.count_failure(store, result);
        if result == &Ok(true) {
            bump(&self.counters().store_writes);
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
            bump(&self.counters().store_reads);
        }
        self.count_failure(store, &result);
        result
    }

    /// What `key` holds: a token of ours expiring after `floor`, none
    /// (absent, expired, garbage, sealed under another key), another
    /// configuration's entry, or no answer.
    async fn read(&self, store: &GuardedStore, key: &str, floor: i64) -> Result<Read> {
        let value = match self.counted_get(store, key).await {
            Ok(Some(value)) => value,
            Ok(None) => return Ok(Read::Absent),
            Err(_) => return Ok(Read::Failed),
        };
        if owner_of(&value).is_some_and(|owner| owner != self.strong()) {
            return Ok(Read::Foreign);
        }
        self.note_mark(&value);
        let decoded = decode_async(value, self.secret(), self.clock.now_ms()).await?;
        Ok(match decoded.filter(|token| token.expires_at > floor) {
            Some(token) => Read::Token(token),
            None => Read::Absent,
        })
    }

    /// A usable token from `store` that expires after `floor`, from the
    /// current key or (once per slot, after the store answered that the current
    /// key holds none) the legacy key, which is then written forward. An entry
    /// of another configuration under the JS package's key moves this one to
    /// its own keys. `entry_read`: the caller read the current key already
    /// (and found none).
    pub(super) async fn load(
        &self,
        store: &GuardedStore,
        floor: i64,
        entry_read: bool,
    ) -> Result<Option<Token>> {
        // A caller's read of the JS key says nothing about our own key.
        if !entry_read || self.is_collided() {
            let mut read = self.read(store, &self.keys_in(store).entry, floor).await?;
            if read == Read::Foreign {
                self.collide();
                read = self.read(store, &self.keys_in(store).entry, floor).await?;
            }
            match read {
                Read::Token(token) => {
                    bump(&self.counters().store_hits);
                    return Ok(Some(token));
                }
                Read::Failed | Read::Foreign => return Ok(None),
                Read::Absent => {}
            }
        }
        if self.legacy_read.swap(true, Ordering::AcqRel) {
            return Ok(None);
        }
        let legacy = match self.read(store, &self.keys().legacy, floor).await? {
            Read::Token(token) => token,
            _ => return Ok(None),
        };
        bump(&self.counters().store_hits);
        let _ = self.save(store, &legacy).await;
        Ok(Some(legacy))
    }

    /// The token in `value`, the token entry as a caller read it, if it can be
    /// served (`accepts`) and decoded without scrypt; `None`: it needs scrypt
    /// (the caller leaves the read to the refresh path). Counted as a read.
    pub(super) fn usable_now(
        &self,
        value: Option<&str>,
        floor: i64,
    ) -> Option<Result<Option<Token>>> {
        bump(&self.counters().store_reads);
        let Some(value) = value else {
            return Some(Ok(None));
        };
        // Parsed once, for the owner and the token.
        let Some(fields) = EntryFields::parse(value) else {
            return Some(Ok(None));
        };
        if fields.owner().is_some_and(|owner| owner != self.strong()) {
            // Another configuration's entry: move to our own keys (which the
            // refresh path then reads).
            self.collide();
            return Some(Ok(None));
        }
        self.note_mark(value);
        let decoded = decode_fields_now(fields, self.secret(), self.clock.now_ms())?;
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
        self.write(store, token, false, None).await
    }

    /// Writes `token` (see [`SharedSource::save`]); an `explicit` write is
    /// tried even while the store backs off; with a `fence` (the lease's lock
    /// key and number) the store refuses it once a newer lease was taken.
    pub(super) async fn write(
        &self,
        store: &GuardedStore,
        token: &Token,
        explicit: bool,
        fence: Option<(&str, u64)>,
    ) -> std::result::Result<WrittenEntry, StoreFailure> {
        let entry = self.entry(token, Some(store)).await;
        let ttl = ttl(token);
        let (key, value) = (entry.key.as_str(), entry.value.as_str());
        let put = |replace| self.put_entry(store, key, value, ttl, replace, fence);
        let unless_newer = Replace::UnlessNewer {
            floor: token.expires_at,
            explicit,
        };
        let result = match put(unless_newer).await {
            // The newer-looking entry is not ours to keep.
            Ok(Fenced::KeptNewer) => match self.read(store, &entry.key, i64::MIN).await {
                // Garbage, or sealed under another key: replace it.
                Ok(Read::Absent) => put(Replace::Always).await,
                // Another configuration's: leave it, and move to our own key.
                Ok(Read::Foreign) if !self.is_collided() => {
                    self.collide();
                    return Box::pin(self.write(store, token, explicit, None)).await;
                }
                _ => Ok(Fenced::KeptNewer),
            },
            other => other,
        };
        let result = result.map(|fenced| fenced == Fenced::Written);
        self.count_write(store, &result);
        result.map(|_| entry)
    }

    fn fenced_out(&self) {
        self.emit(Event::new(
            "lease_lost",
            Level::Warn,
            "a newer fleet lease was taken during this refresh; its owner's token is kept and ours is not written",
        ));
    }

    /// The entry of `token`, under its key in `store` (hash-tagged in a
    /// cluster, see `Keys::hash_tagged`).
    async fn entry(&self, token: &Token, store: Option<&GuardedStore>) -> WrittenEntry {
        WrittenEntry {
            key: match store {
                Some(store) => self.keys_in(store).entry,
                None => self.keys().entry,
            },
            value: {
                let value = with_owner(&encode_async(token, self.secret()).await, &self.strong());
                if self.rotates() {
                    with_rotation_mark(&value)
                } else {
                    value
                }
            },
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
            None => Ok(self.entry(token, None).await),
            Some(store) => self
                .write(store, token, true, None)
                .await
                .map_err(|failure| {
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

    /// The failure another process (or this one) recorded, while it is due.
    pub(super) async fn read_failure(&self, store: &GuardedStore) -> Option<SharedFailure> {
        let value = self
            .counted_get(store, &self.keys_in(store).error)
            .await
            .ok()??;
        let entry: Value = serde_json::from_str(&value).ok()?;
        if entry.get("zc_fp").and_then(Value::as_str) != Some(self.strong().as_str()) {
            return None;
        }
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
    pub(super) async fn write_failure(
        &self,
        store: &GuardedStore,
        failure: &SharedFailure,
        fence: Option<(&str, u64)>,
    ) {
        let value = json!({
            "code": failure.error.code(),
            "message": failure.error.to_string(),
            "status": failure.error.status_code(),
            "retry_at": failure.retry_at_ms,
            "attempt": failure.attempt,
            "zc_fp": self.strong(),
        })
        .to_string();
        let wait = (failure.retry_at_ms - self.clock.now_ms()).max(1_000) as u64;
        let written = self
            .put_maybe_fenced(
                store,
                &self.keys_in(store).error,
                &value,
                Duration::from_millis(wait),
                fence,
            )
            .await;
        self.count_write(store, &written);
    }

    /// A plain write, fenced when the writer holds a lease; `Ok(true)` when written.
    pub(super) async fn put_maybe_fenced(
        &self,
        store: &GuardedStore,
        key: &str,
        value: &str,
        ttl: Duration,
        fence: Option<(&str, u64)>,
    ) -> std::result::Result<bool, StoreFailure> {
        self.put_entry(store, key, value, ttl, Replace::Always, fence)
            .await
            .map(|fenced| fenced == Fenced::Written)
    }

    /// Every write of this source goes through here: with a `fence` (the
    /// lease's lock key and number) the store refuses it once a newer lease
    /// was taken (reported); `replace` says whether an entry expiring later
    /// is kept.
    async fn put_entry(
        &self,
        store: &GuardedStore,
        key: &str,
        value: &str,
        ttl: Duration,
        replace: Replace,
        fence: Option<(&str, u64)>,
    ) -> std::result::Result<Fenced, StoreFailure> {
        let fenced = match (fence, replace) {
            (Some((lock_key, number)), replace) => {
                let newer_than = match replace {
                    Replace::Always => None,
                    Replace::UnlessNewer { floor, .. } => Some(floor),
                };
                store
                    .put_fenced(key, value, ttl, newer_than, lock_key, number)
                    .await?
            }
            (None, Replace::UnlessNewer { floor, explicit }) => {
                if store.put_if_newer(key, value, floor, ttl, explicit).await? {
                    Fenced::Written
                } else {
                    Fenced::KeptNewer
                }
            }
            (None, Replace::Always) => {
                store.put(key, value, ttl).await?;
                Fenced::Written
            }
        };
        if fenced == Fenced::FencedOut {
            self.fenced_out();
        }
        Ok(fenced)
    }

    /// Forgets every entry of this configuration (after a revocation).
    pub async fn forget(&self, store: &GuardedStore) {
        let keys = self.keys_in(store);
        for key in [&keys.entry, &keys.rotation, &keys.error] {
            let _ = store.delete(key).await;
        }
    }
}
