//! Refreshing before expiry, in the background, so no caller waits: each
//! published token schedules one refresh at `schedule::refresh_at`. When it
//! fires, the slot refreshes (through the store and fleet lock, like a miss,
//! and joined by any caller that misses meanwhile) unless the token was
//! replaced already or nobody asked for it since it was published — an idle
//! slot stops refreshing. A retriable failure is retried with back-off while
//! the old token is still valid; any other failure waits for the next caller,
//! who sees it once the old token has expired.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::schedule::{random_unit, refresh_at, retry_delay};
use super::slot::{Mode, Slot};
use super::sync::lock;
use super::token::{expires_at, now_ms, Token};

/// How long `token` is served in total: `refresh_in` when configured, else
/// its lifetime less the early-expiry margin.
fn served_lifetime_ms(slot: &Slot, token: &Token) -> i64 {
    expires_at(0, token.expires_in, slot.config().refresh_in)
}

async fn sleep_until_ms(at: i64) {
    let wait = at.saturating_sub(now_ms()).max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait)).await;
}

impl Slot {
    /// Schedules the refresh of `token` (generation `generation`).
    pub(super) fn schedule_ahead(self: &Arc<Self>, token: &Token, generation: u32) {
        if !self.refresh_ahead.load(Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let at = refresh_at(
            token.expires_at,
            served_lifetime_ms(self, token),
            random_unit(),
        );
        let uses_at_install = self.uses_at_install.load(Ordering::Relaxed);
        let expires = token.expires_at;
        let slot = Arc::clone(self);
        runtime.spawn(async move {
            sleep_until_ms(at).await;
            slot.refresh_ahead_of(generation, uses_at_install, expires)
                .await;
        });
    }

    async fn refresh_ahead_of(
        self: Arc<Self>,
        generation: u32,
        uses_at_install: u64,
        expires: i64,
    ) {
        let mut attempt = 0;
        loop {
            let replaced = self.generation() != generation;
            let idle = self.uses() == uses_at_install;
            if replaced || idle || !self.refresh_ahead.load(Ordering::Relaxed) {
                return;
            }
            let store = lock(&self.background_store).clone();
            let error = match self.join_or_start_now(store, Mode::Ahead).await {
                Ok(_) => {
                    self.count(|s| s.background_refreshes += 1);
                    return;
                }
                Err(error) => error,
            };
            if !error.is_retriable() {
                return;
            }
            attempt += 1;
            let hint = *lock(&self.retry_after);
            let delay = retry_delay(attempt, hint, random_unit());
            if now_ms().saturating_add(delay.as_millis() as i64) >= expires {
                return; // the old token expires first: the next caller refreshes
            }
            tokio::time::sleep(delay).await;
        }
    }
}
