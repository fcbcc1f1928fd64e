//! Refresh tokens the provider rotates: when a refresh answer carries a new
//! `refresh_token`, it is written under `<key>:refresh_token` (sealed when a
//! `secret_key` is set, with its rotation time and the writer's fingerprint)
//! so every process refreshes with it; a process reads it before refreshing
//! and adopts it unless its own rotation is newer. Under the lease a rotation
//! the store lacks is written back ("healed") before anyone refreshes.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use super::shared::SharedSource;
use super::source::TokenSource;
use crate::engine::entry::crypto;
use crate::engine::entry::stored::{has_rotation_mark, open_async, owner_of, seal_async};
use crate::store::guard::GuardedStore;

/// Rotated refresh tokens are kept this long in stores (they do not expire by
/// themselves at most providers; a year of silence is a dead connector).
const ROTATION_TTL: Duration = Duration::from_secs(365 * 24 * 3600);
/// How long a rotated refresh token's write is retried (it must not be lost
/// to a store hiccup or a Redis failover): two leases, so that a store that
/// comes back while the lease could still be ours gets it, and the fence
/// keeps a late write from replacing a successor's.
pub(super) const ROTATION_WRITE_FOR: Duration = Duration::from_secs(8);
/// Under a held lease (a store that fails over, see `Lease::take`) the write
/// is retried for as long as the hold stands, which lasts this long beyond
/// one lease and one HTTP timeout: a failover, the new master's replica
/// catching up, and the write acknowledged.
pub(super) const HELD_WRITE_FOR: Duration = Duration::from_secs(20);
/// How long a rotation of ours the store lacks is offered before a refresh
/// (the caller waits for it).
const HEAL_WRITE_FOR: Duration = Duration::from_secs(1);
const ROTATION_WRITE_PAUSE: Duration = Duration::from_millis(250);

impl SharedSource {
    /// Whether the refresh token rotates, as far as this process knows: it
    /// rotated here, or a token entry of the fleet says so.
    pub(super) fn rotates(&self) -> bool {
        self.source.has_rotated() || self.fleet_rotates.load(Ordering::Acquire)
    }

    /// Notes a stored entry's rotation mark (see `with_rotation_mark`).
    pub(super) fn note_mark(&self, value: &str) {
        if has_rotation_mark(value) {
            self.fleet_rotates.store(true, Ordering::Release);
        }
    }

    /// Adopts a refresh token another process rotated to, if the store has one.
    /// Adopts a refresh token another process rotated to, if the store holds
    /// one newer than this process's own rotation. With `fence` (the lease is
    /// held), a rotation of ours the store lacks — its write failed while the
    /// store was down — is written now, before anyone refreshes with the
    /// rotated-away token.
    /// Returns whether the store answered.
    pub(super) async fn read_rotation(
        &self,
        store: &GuardedStore,
        fence: Option<(&str, u64)>,
    ) -> bool {
        let ours = self.rotated_at.load(Ordering::Acquire);
        let read = self.counted_get(store, &self.keys_in(store).rotation).await;
        if read.is_ok() {
            self.rotation_read.store(true, Ordering::Release);
        }
        let value = match read {
            Ok(Some(value)) if owner_of(&value).is_none_or(|owner| owner == self.strong()) => value,
            Ok(_) => {
                self.heal_rotation(store, ours, fence).await;
                return true;
            }
            Err(_) => return false,
        };
        let entry = serde_json::from_str::<Value>(&value).ok();
        let stored_at = entry
            .as_ref()
            .and_then(|v| v.get("rotated_at")?.as_i64())
            .unwrap_or(0);
        if ours > 0 && stored_at < ours {
            self.heal_rotation(store, ours, fence).await;
            return true;
        }
        let stored: Option<String> = entry
            .as_ref()
            .and_then(|v| v.get("refresh_token")?.as_str().map(str::to_owned));
        let plain = match (stored, self.secret()) {
            (Some(sealed), Some(secret)) if crypto::is_envelope(&sealed) => {
                open_async(secret, &sealed).await
            }
            (Some(plain), None) if !crypto::is_envelope(&plain) => Some(plain),
            _ => None,
        };
        if let Some(refresh_token) = plain {
            if self.source.refresh_token(self.config()).as_deref() != Some(refresh_token.as_str()) {
                self.source.adopt_refresh_token(refresh_token);
                self.rotated_at.store(stored_at, Ordering::Release);
            }
        }
        true
    }

    /// Writes this process's rotation (made at `ours`, epoch ms) if it has one
    /// and holds the lease.
    async fn heal_rotation(&self, store: &GuardedStore, ours: i64, fence: Option<(&str, u64)>) {
        if ours == 0 || fence.is_none() {
            return;
        }
        if let Some(refresh_token) = self.source.refresh_token(self.config()) {
            self.write_rotation(store, &refresh_token, ours, fence, HEAL_WRITE_FOR)
                .await;
        }
    }

    /// Writes the refresh token the provider rotated to (sealed with the
    /// secret key, when there is one) for every process.
    /// It is retried for `for_up_to` ([`ROTATION_WRITE_FOR`] after a refresh;
    /// the store may be stalling or failing over): until it lands, the fleet
    /// only has the rotated-away refresh token.
    pub(super) async fn write_rotation(
        &self,
        store: &GuardedStore,
        refresh_token: &str,
        rotated_at: i64,
        fence: Option<(&str, u64)>,
        for_up_to: Duration,
    ) -> bool {
        let sealed = match self.secret() {
            Some(secret) => seal_async(secret, refresh_token).await,
            None => refresh_token.to_owned(),
        };
        let value =
            json!({"refresh_token": sealed, "rotated_at": rotated_at, "zc_fp": self.strong()})
                .to_string();
        let key = self.keys_in(store).rotation;
        let give_up = tokio::time::Instant::now() + for_up_to;
        loop {
            let written = self
                .put_maybe_fenced(store, &key, &value, ROTATION_TTL, fence)
                .await;
            self.count_write(store, &written);
            if written.is_ok() {
                return true;
            }
            if tokio::time::Instant::now() + ROTATION_WRITE_PAUSE >= give_up {
                return false;
            }
            tokio::time::sleep(ROTATION_WRITE_PAUSE).await;
        }
    }
}
