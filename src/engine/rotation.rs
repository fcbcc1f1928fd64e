//! Refresh tokens the provider rotates: when a refresh answer carries a new
//! `refresh_token`, the slot refreshes with it from then on, writes it to the
//! store under `<key>:refresh_token` (sealed when a `secret_key` is set) so
//! every process uses it, and tells the application through its listener.
//!
//! Processes read the stored refresh token before each refresh. With a store
//! that can lock, that read, the refresh and the write all happen under the
//! fleet lock, so no two processes refresh with the same rotating token and no
//! rotation is lost. Stores without a lock cannot promise that.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::crypto;
use super::slot::Slot;
use super::stored_token::{open_async, seal_async};
use super::sync::lock;
use super::token::{now_ms, Token};
use crate::store::guard::GuardedStore;

/// Rotated refresh tokens are kept this long in stores (they do not expire by
/// themselves at most providers; a year of silence is a dead connector).
const ROTATION_TTL: Duration = Duration::from_secs(365 * 24 * 3600);

/// What the application is told when the provider rotates the refresh token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokensEvent {
    /// The connector's name.
    pub connector_name: String,
    /// The new refresh token (secret).
    pub refresh_token: String,
    /// The access token that came with it (secret).
    pub access_token: String,
    /// When that access token stops being served, epoch ms.
    pub expires_at: i64,
}

impl std::fmt::Debug for TokensEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokensEvent")
            .field("connector_name", &self.connector_name)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A callback for rotations.
pub type TokensListener = Arc<dyn Fn(TokensEvent) + Send + Sync>;

impl Slot {
    fn rotation_key(&self) -> String {
        format!("{}:refresh_token", self.cache_key())
    }

    /// The refresh token to refresh with: the last rotated one, else the configured one.
    pub fn refresh_token(&self) -> Option<String> {
        lock(&self.rotated)
            .clone()
            .or_else(|| self.config().refresh_token.clone())
    }

    /// Adopts a refresh token another process rotated to, if the store has one.
    pub(super) async fn read_rotation(&self, store: &GuardedStore) {
        let Ok(Some(value)) = self.counted_get(store, &self.rotation_key()).await else {
            return;
        };
        let stored: Option<String> = serde_json::from_str::<serde_json::Value>(&value)
            .ok()
            .and_then(|v| v.get("refresh_token")?.as_str().map(str::to_owned));
        let plain = match (stored, self.config().secret_key.as_deref()) {
            (Some(sealed), Some(secret)) if crypto::is_envelope(&sealed) => {
                open_async(secret, &sealed).await
            }
            (Some(plain), None) if !crypto::is_envelope(&plain) => Some(plain),
            _ => None,
        };
        if let Some(refresh_token) = plain {
            *lock(&self.rotated) = Some(refresh_token);
        }
    }

    /// Takes up `token.refresh_token` if the provider rotated it: used from
    /// now on, written to `store`, announced to the listener.
    pub(super) async fn adopt_rotation(&self, token: &Token, store: Option<&GuardedStore>) {
        let Some(new) = token.refresh_token.clone() else {
            return;
        };
        if self.refresh_token().as_deref() == Some(new.as_str()) {
            return;
        }
        *lock(&self.rotated) = Some(new.clone());
        if let Some(store) = store {
            let sealed = match self.config().secret_key.as_deref() {
                Some(secret) => seal_async(secret, &new).await,
                None => new.clone(),
            };
            let value = json!({"refresh_token": sealed, "rotated_at": now_ms()}).to_string();
            let written = store.put(&self.rotation_key(), &value, ROTATION_TTL).await;
            self.count_write(&written.map(|()| true));
        }
        let listener = lock(&self.listener).clone();
        if let Some(listener) = listener {
            listener(TokensEvent {
                connector_name: self.config().name.clone(),
                refresh_token: new,
                access_token: token.access_token.clone(),
                expires_at: token.expires_at,
            });
        }
        self.count(|s| s.rotations += 1);
    }
}
