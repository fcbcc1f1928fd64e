//! How a refresh reaches a token: from the store when another process already
//! put a good one there, else from the provider — and, with a store that can
//! lock, by one process of the fleet only.
//!
//! The lock protocol: take `<key>:lock` with a random owner token and a TTL
//! longer than the whole refresh (HTTP timeout plus two store operations);
//! read the store again (the previous owner may just have written); refresh;
//! write the token unless the store holds a newer one; release the lock only
//! if we still own it. Processes that find the lock taken poll the store for
//! the owner's token (20 ms, doubling to 200 ms, with jitter) and adopt it; if
//! the owner dies, its lock expires and the next poll takes it over.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::Result;
use super::oauth::OAuthClient;
use super::schedule::random_unit;
use super::slot::{Mode, Slot};
use super::sync::lock;
use super::token::{now_ms, Token};
use crate::store::guard::GuardedStore;

const FIRST_POLL: Duration = Duration::from_millis(20);
const MAX_POLL: Duration = Duration::from_millis(200);

fn owner_token() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::getrandom(&mut bytes);
    format!("{}:{}", std::process::id(), hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Slot {
    /// The token a refresh in `mode` ends with (published, and written to the
    /// store when it came from the provider).
    pub(super) async fn obtain(
        self: &Arc<Self>,
        store: Option<&GuardedStore>,
        mode: Mode,
    ) -> Result<Arc<Token>> {
        let Some(store) = store else {
            return self.refresh_direct(None).await;
        };
        // The expiry a stored token must beat to be adopted; none for a forced
        // refresh, which asks the provider (still under the lock, so a
        // rotating refresh token is never used twice).
        let floor = match mode {
            Mode::Miss => Some(now_ms()),
            Mode::Ahead => Some(self.current().map_or(now_ms(), |t| t.expires_at)),
            Mode::Forced => None,
        };
        if let Some(token) = self.adopt(store, floor).await? {
            return Ok(token);
        }
        if store.can_lock() {
            self.refresh_under_lock(store, floor).await
        } else {
            self.refresh_direct(Some(store)).await
        }
    }

    /// Publishes the store's token if it expires after `floor` (never without one).
    async fn adopt(
        self: &Arc<Self>,
        store: &GuardedStore,
        floor: Option<i64>,
    ) -> Result<Option<Arc<Token>>> {
        let Some(floor) = floor else {
            return Ok(None);
        };
        let invalidated = lock(&self.invalidated).clone();
        let usable = self
            .load(store, floor)
            .await?
            .filter(|token| invalidated.as_deref() != Some(token.access_token.as_str()));
        Ok(usable.map(|token| {
            let token = Arc::new(token);
            self.publish(token.clone());
            token
        }))
    }

    async fn refresh_under_lock(
        self: &Arc<Self>,
        store: &GuardedStore,
        floor: Option<i64>,
    ) -> Result<Arc<Token>> {
        let lock_key = format!("{}:lock", self.cache_key());
        let owner = owner_token();
        let lock_ttl = OAuthClient::shared().timeout() + store.timeout() * 2;
        let give_up = Instant::now() + lock_ttl * 2;
        let mut waited = false;
        let mut poll = FIRST_POLL;
        loop {
            let taken = store.try_lock(&lock_key, &owner, lock_ttl).await;
            self.count_failure(&taken);
            match taken {
                Ok(true) => {
                    if waited {
                        self.count(|s| s.lock_takeovers += 1);
                    }
                    let result = match self.adopt(store, floor).await {
                        Ok(Some(token)) => Ok(token),
                        Ok(None) => self.refresh_direct(Some(store)).await,
                        Err(error) => Err(error),
                    };
                    self.count_failure(&store.unlock(&lock_key, &owner).await);
                    return result;
                }
                Ok(false) if Instant::now() < give_up => {
                    if !waited {
                        waited = true;
                        self.count(|s| s.lock_waits += 1);
                    }
                    tokio::time::sleep(poll.mul_f64(0.5 + random_unit())).await;
                    poll = (poll * 2).min(MAX_POLL);
                    if let Some(token) = self.adopt(store, floor).await? {
                        return Ok(token);
                    }
                }
                // Waited two lock lifetimes, or the store stopped answering:
                // refresh on our own rather than fail the callers.
                _ => return self.refresh_direct(Some(store)).await,
            }
        }
    }

    /// A token from the provider: published, then written to `store` unless
    /// it holds a newer one.
    pub(super) async fn refresh_direct(
        self: &Arc<Self>,
        store: Option<&GuardedStore>,
    ) -> Result<Arc<Token>> {
        if let Some(store) = store {
            self.read_rotation(store).await;
        }
        let refresh_token = self.refresh_token();
        let (result, retry_after) = OAuthClient::shared()
            .refresh_with_hint(self.config(), refresh_token.as_deref())
            .await;
        *lock(&self.retry_after) = retry_after;
        self.count_token_request(result.is_ok());
        self.count(|s| s.refreshes += 1);
        let token = Arc::new(result?);
        self.adopt_rotation(&token, store).await;
        self.publish(token.clone());
        if let Some(store) = store {
            let _ = self.save(store, &token).await;
        }
        Ok(token)
    }
}
