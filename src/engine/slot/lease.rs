//! The fleet lease: one process of a fleet refreshes a configuration's token
//! at a time. A lease is taken for [`LEASE`] and renewed every third of it
//! while its owner works, so a live owner keeps it however long the provider
//! takes, and a dead one (`kill -9`) loses it within one lease. Each lease
//! carries a fence (see `store::StoreLock`): the owner's writes carry it, and a
//! store refuses them once a newer lease was taken — an owner that stalled past
//! its lease can never overwrite its successor. An owner whose renewal failed
//! (a slow store) still offers its writes with its fence: the store takes them
//! only if no newer lease was taken, so a rotated refresh token is not lost to
//! the fleet because of a store hiccup, and a successor is never overwritten.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::store::guard::{GuardedStore, StoreFailure};
use crate::support::random;

/// How long a lease lasts without renewal: a dead owner's lease is taken
/// over at most this long after it died.
pub const LEASE: Duration = Duration::from_secs(4);

/// What a held lease's last write leaves before its hold lapses.
const HOLD_MARGIN: Duration = Duration::from_secs(1);

/// How many times a held lease's release is tried.
const RELEASE_ATTEMPTS: u32 = 10;

/// How soon a renewal the store did not answer is tried again.
const RENEW_RETRY: Duration = Duration::from_millis(200);

/// Renews the lease every third of it until the task is aborted; `false`
/// once it is lost: another owner holds it, or the store answered no renewal
/// for as long as the lease lasts. A store that does not answer (a Redis
/// failover, a restart) is asked again every [`RENEW_RETRY`] meanwhile: the
/// lease is still ours until it would have expired, and a promoted replica
/// that has it (see `store::redis`) lets its owner renew and finish.
async fn keep_renewing(store: &GuardedStore, key: &str, owner: &str, taken_at: Instant) -> bool {
    // The lease lasts at least this long at the store: it was set after we asked.
    let mut held_until = taken_at + LEASE;
    loop {
        tokio::time::sleep(LEASE / 3).await;
        loop {
            let asked = Instant::now();
            match store.renew(key, owner, LEASE).await {
                Ok(true) => {
                    held_until = asked + LEASE;
                    break;
                }
                Ok(false) => return false,
                Err(_) if Instant::now() + RENEW_RETRY < held_until => {
                    tokio::time::sleep(RENEW_RETRY).await;
                }
                Err(_) => return false,
            }
        }
    }
}

/// Releases `owner`'s lease `key`, trying [`RELEASE_ATTEMPTS`] times.
async fn unlock_retrying(store: &GuardedStore, key: &str, owner: &str) -> Result<(), StoreFailure> {
    let mut result = Ok(());
    for attempt in 0..RELEASE_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(RENEW_RETRY).await;
        }
        result = store.unlock(key, owner).await;
        if result.is_ok() {
            break;
        }
    }
    result
}

/// A lease this process holds.
pub struct Lease {
    store: Arc<GuardedStore>,
    key: String,
    owner: String,
    fence: u64,
    held: bool,
    /// When the hold lapses at the store (held leases).
    hold_until: Option<Instant>,
    /// Set when the owner's rotation could not be stored: the hold is then
    /// left to lapse instead of being released, so no successor refreshes
    /// with the rotated-away refresh token before it must.
    keep_hold: AtomicBool,
    lost: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
}

impl Lease {
    /// Takes the lease `key` unless another owner holds it (`Ok(None)`), and
    /// starts renewing it. With `hold`, a store that fails over keeps it from
    /// other owners that long even if a failover outlasts the lease (see
    /// `store::StoreLock::try_lock_holding`); it is released with the lease.
    pub async fn take(
        store: &Arc<GuardedStore>,
        key: &str,
        hold: Option<Duration>,
    ) -> Result<Option<Lease>, StoreFailure> {
        let owner = format!("{}:{}", std::process::id(), random::hex_id());
        let taken_at = Instant::now();
        let fence = match store.try_lock(key, &owner, LEASE, hold).await {
            Ok(Some(fence)) => fence,
            Ok(None) => return Ok(None),
            Err(failure) => {
                if hold.is_some() {
                    // The lock may have been taken and its answer lost: give
                    // the hold back rather than keep the fleet waiting on it.
                    let (store, key, owner) = (store.clone(), key.to_owned(), owner.clone());
                    tokio::spawn(async move { unlock_retrying(&store, &key, &owner).await });
                }
                return Err(failure);
            }
        };
        let lost = Arc::new(AtomicBool::new(false));
        let renewer = {
            let (store, key, owner, lost) =
                (store.clone(), key.to_owned(), owner.clone(), lost.clone());
            tokio::spawn(async move {
                if !keep_renewing(&store, &key, &owner, taken_at).await {
                    lost.store(true, Ordering::Release);
                }
            })
        };
        Ok(Some(Lease {
            store: store.clone(),
            key: key.to_owned(),
            owner,
            fence,
            held: hold.is_some(),
            hold_until: hold.map(|hold| taken_at + hold),
            keep_hold: AtomicBool::new(false),
            lost,
            renewer,
        }))
    }

    /// The lock key and fence the owner's writes carry.
    pub fn fence(&self) -> (&str, u64) {
        (&self.key, self.fence)
    }

    /// Whether a renewal failed: the lease may be someone else's now, and
    /// nothing more may be written under it.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Acquire)
    }

    /// How long the hold still stands, less a margin for the write in
    /// flight (`None`: not held).
    pub fn hold_left(&self) -> Option<Duration> {
        self.hold_until.map(|until| {
            until
                .saturating_duration_since(Instant::now())
                .saturating_sub(HOLD_MARGIN)
        })
    }

    /// Leaves the hold to lapse at the store rather than releasing it (the
    /// owner's rotated refresh token could not be stored).
    pub fn keep_hold(&self) {
        self.keep_hold.store(true, Ordering::Release);
    }

    /// Stops renewing and releases the lease (only if still ours). A held
    /// lease's release is tried a few times: until it lands, its hold keeps
    /// the fleet from refreshing.
    pub async fn release(self) -> Result<(), StoreFailure> {
        self.renewer.abort();
        if self.keep_hold.load(Ordering::Acquire) {
            return Ok(());
        }
        if self.held {
            unlock_retrying(&self.store, &self.key, &self.owner).await
        } else {
            self.store.unlock(&self.key, &self.owner).await
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // A lease dropped without release (a cancelled task) stops renewing
        // and expires by itself.
        self.renewer.abort();
    }
}

/// The longest a waiter waits for another process's lease before it gives
/// up: one lease (a dead owner's expires) plus one HTTP timeout (a live
/// owner's request ends).
pub fn wait_bound(http_timeout: Duration) -> Duration {
    LEASE + http_timeout
}
