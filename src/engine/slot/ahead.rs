//! Refreshing before expiry, in the background, so no caller waits: each
//! published token schedules one refresh at `schedule::refresh_at`. When it
//! fires, the slot refreshes (through the store and fleet lock, like a miss,
//! and joined by any caller that misses meanwhile) unless the token was
//! replaced already or nobody asked for it since it was published — an idle
//! slot stops refreshing. A retriable failure is retried when its back-off
//! ends, while the old token is still valid; any other failure waits for the
//! next caller, who sees it (backed off) once the old token has expired.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::cached::{Mode, Slot};
use super::counters::bump;
use super::schedule::refresh_at;
use crate::engine::token::{expires_at, Token};
use crate::support::clock::Clock;
use crate::support::random;

/// How long `token` is served in total: `refresh_in` when configured, else
/// its lifetime less the early-expiry margin.
fn served_lifetime_ms(slot: &Slot, token: &Token) -> i64 {
    expires_at(0, token.expires_in, slot.config().refresh_in)
}

async fn sleep_until_ms(clock: &dyn Clock, at: i64) {
    let wait = at.saturating_sub(clock.now_ms()).max(0) as u64;
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
            random::unit(),
        );
        let uses_at_install = self.uses_at_install.load(Ordering::Relaxed);
        let expires = token.expires_at;
        let slot = Arc::clone(self);
        runtime.spawn(async move {
            sleep_until_ms(slot.clock.as_ref(), at).await;
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
        loop {
            let replaced = self.generation() != generation;
            let idle = self.uses() == uses_at_install;
            if replaced || idle || !self.refresh_ahead.load(Ordering::Relaxed) {
                return;
            }
            let store = self.caller().store;
            let error = match self.join_or_start_now(store, Mode::Ahead).await {
                Ok(_) => {
                    bump(&self.counters.background_refreshes);
                    return;
                }
                Err(error) => error,
            };
            match error.retry_at_ms() {
                Some(at) if error.is_retriable() && at < expires => {
                    sleep_until_ms(self.clock.as_ref(), at).await;
                }
                // Not retriable, or the old token expires first: the next
                // caller meets the (backed-off) failure.
                _ => return,
            }
        }
    }
}
