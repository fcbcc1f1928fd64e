//! The shared source's refresh under the fleet lease (see `lease`): take it,
//! or wait for its owner's outcome — its token, or its recorded failure — and
//! take over a dead owner's lease; refresh holding it, and release it after the
//! writes. Rotating refresh tokens are never used without it.

use std::sync::atomic::Ordering;
use std::sync::Arc;
// Tokio's clock (the system's, except in tests that pause it), which the
// polls sleep on.
use tokio::time::Instant;

use futures::FutureExt;

use super::counters::bump;
use super::lease::{wait_bound, Lease, LEASE};
use super::rotation::HELD_WRITE_FOR;
use super::shared::{Obtained, SharedSource, Want};
use super::source::TokenSource;
use crate::engine::error::{ConnectorError, Result};
use crate::store::guard::{GuardedStore, StoreFailure};
use crate::support::events::{Event, Level};
use crate::support::random;

const FIRST_POLL: std::time::Duration = std::time::Duration::from_millis(20);
const MAX_POLL: std::time::Duration = std::time::Duration::from_millis(200);

impl SharedSource {
    pub(super) async fn refresh_under_lock(
        self: Arc<Self>,
        store: Arc<GuardedStore>,
        want: Want,
        started: Instant,
    ) -> Result<Obtained> {
        let floor = want.floor;
        let give_up = started + wait_bound(self.source.timeout());
        let mut waited = false;
        let mut poll = FIRST_POLL;
        loop {
            let taken = Lease::take(&store, &self.keys_in(&store).lock, self.hold(&store)).await;
            self.count_failure(&store, &taken);
            match taken {
                Ok(Some(lease)) => return self.refresh_holding(store, want, lease, waited).await,
                Ok(None) if Instant::now() < give_up => {
                    if !waited {
                        waited = true;
                        bump(&self.counters().lock_waits);
                        self.emit(Event::new(
                            "lock_wait",
                            Level::Debug,
                            "another process is refreshing; waiting for its token",
                        ));
                    }
                    tokio::time::sleep(
                        poll.mul_f64(0.5 + random::unit())
                            .min(give_up.saturating_duration_since(Instant::now())),
                    )
                    .await;
                    poll = (poll * 2).min(MAX_POLL);
                    if let Some(token) = self.adopt(&store, floor, false).await? {
                        return Ok(Obtained::ready(token));
                    }
                    // Past the bound, the read just made was the last store
                    // round trip this wait may cost: no failure read, no retake.
                    if Instant::now() >= give_up {
                        return self.give_up(store, want, Ok(())).await;
                    }
                    // The owner failed: its failure is ours, at once.
                    self.check_failure(&store).await?;
                    if Instant::now() >= give_up {
                        return self.give_up(store, want, Ok(())).await;
                    }
                }
                // The store does not answer (a Redis failover, a restart) and
                // the refresh token rotates: it cannot be used without the
                // lease, so keep asking until the bound, as for a held lease.
                Err(_) if self.rotates() && Instant::now() < give_up => {
                    tokio::time::sleep(
                        poll.mul_f64(0.5 + random::unit())
                            .min(give_up.saturating_duration_since(Instant::now())),
                    )
                    .await;
                    poll = (poll * 2).min(MAX_POLL);
                }
                other => return self.give_up(store, want, other.map(drop)).await,
            }
        }
    }

    /// The end of a wait that had no lease: it stayed taken past its bound,
    /// or the store does not answer (`outcome`). A refresh token that
    /// rotates must not be used without the lease (another process may be
    /// using it right now); any other is refreshed directly rather than
    /// failing the callers.
    async fn give_up(
        self: Arc<Self>,
        store: Arc<GuardedStore>,
        want: Want,
        outcome: std::result::Result<(), StoreFailure>,
    ) -> Result<Obtained> {
        if self.rotates() {
            let why = match outcome {
                Ok(()) => "another process held it past one lease and one HTTP timeout".to_owned(),
                Err(failure) => failure
                    .error()
                    .map_or("the store is backing off".to_owned(), |e| e.to_string()),
            };
            return Err(ConnectorError::LockUnavailable(why));
        }
        self.refresh(Some(store), want, None).await
    }

    /// How long a lease on `store` is held beyond its renewals (see
    /// `Lease::take`): on a store that fails over, for a refresh token that
    /// rotates (or may: the store has not said yet), the whole refresh — one
    /// lease to start, one HTTP timeout, and the rotation's writes — so that a
    /// successor never refreshes with a token this owner may have rotated
    /// away while a failover kept it from the store.
    fn hold(&self, store: &GuardedStore) -> Option<std::time::Duration> {
        let rotates = self.rotates() || !self.rotation_read.load(Ordering::Acquire);
        (store.fails_over() && rotates).then(|| LEASE + self.source.timeout() + HELD_WRITE_FOR)
    }

    /// Refreshes while holding the lease; it is released after the writes.
    async fn refresh_holding(
        self: Arc<Self>,
        store: Arc<GuardedStore>,
        want: Want,
        lease: Lease,
        waited: bool,
    ) -> Result<Obtained> {
        let floor = want.floor;
        let lease = Arc::new(lease);
        let adopted = match self.adopt(&store, floor, false).await {
            Ok(Some(token)) => Ok(Some(token)),
            Ok(None) => self.check_failure(&store).await.map(|()| None),
            Err(error) => Err(error),
        };
        let result = match adopted {
            Ok(Some(token)) => Ok(Obtained::ready(token)),
            Ok(None) => {
                if waited {
                    // We waited on another owner, who left no token and no
                    // failure: it died or stalled, and we take over.
                    bump(&self.counters().lock_takeovers);
                    self.emit(Event::new(
                        "lock_takeover",
                        Level::Info,
                        "took the fleet lease over",
                    ));
                }
                self.clone()
                    .refresh(Some(store.clone()), want, Some(lease.clone()))
                    .await
            }
            Err(error) => Err(error),
        };
        let release = {
            let this = self.clone();
            async move {
                // The writes hold the other clone until they finish.
                if let Ok(lease) = Arc::try_unwrap(lease) {
                    let released = lease.release().await;
                    this.count_failure(&store, &released);
                }
            }
        };
        match result {
            Ok(mut obtained) => {
                let writes = obtained.finish.take();
                obtained.finish = Some(
                    async move {
                        if let Some(writes) = writes {
                            writes.await;
                        }
                        release.await;
                    }
                    .boxed(),
                );
                Ok(obtained)
            }
            Err(error) => {
                release.await;
                Err(error)
            }
        }
    }
}
