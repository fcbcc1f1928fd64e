//! The wrapper every store operation goes through: a timeout, and a health
//! record so that a store that is down costs one event and then a short
//! back-off instead of a failure (or a timeout) on every call.
//!
//! Reads and writes keep separate records: a store whose reads work while its
//! writes fail (a full disk, a read-only replica) backs its writes off without
//! a read success resetting that, and reports each outage once. While one kind
//! of operation is failing, operations of that kind are skipped until the
//! back-off ends (0.5 s after the first failure, doubling to 30 s — 1 s for a
//! store that fails over — jittered);
//! the first one after that tries again, and a success clears the record and
//! reports that the store answers again: the first failure of an outage comes
//! back as [`StoreFailure::Down`] and the end of one through
//! [`GuardedStore::take_recovery`], which the caller (a slot) reports to its
//! listener. Nothing is printed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::sync::lock;
use crate::support::{backoff, random};

use super::{Fenced, StoreError, StoreFuture, StoreLock, TokenStore};

const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The back-off's cap for a store that fails over (Redis under Sentinel): an
/// outage there is usually a failover, over in seconds, and a fleet whose
/// refresh token rotates cannot refresh until it answers again.
const FAILOVER_MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Why an operation gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreFailure {
    /// Not attempted: the store failed recently and is in back-off.
    Skipped,
    /// Attempted and failed (or timed out) while the store was already failing.
    Failed(StoreError),
    /// Attempted and failed: the first failure of an outage (the one worth
    /// reporting).
    Down(StoreError),
}

impl StoreFailure {
    /// The error of an attempted operation (`None` when it was skipped).
    pub fn error(&self) -> Option<&StoreError> {
        match self {
            StoreFailure::Skipped => None,
            StoreFailure::Failed(error) | StoreFailure::Down(error) => Some(error),
        }
    }
}

#[derive(Default)]
struct Health {
    consecutive_failures: u32,
    retry_at: Option<Instant>,
}

/// Which health record an operation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
}

/// A store with a timeout and a failure record per kind of operation.
pub struct GuardedStore {
    store: Arc<dyn TokenStore>,
    timeout: Duration,
    max_backoff: Duration,
    reads: Mutex<Health>,
    writes: Mutex<Health>,
    /// Set when an outage ended, until one slot reports it.
    recovered: std::sync::atomic::AtomicBool,
}

impl GuardedStore {
    /// Guards `store`; every operation is abandoned after `timeout`.
    pub fn new(store: Arc<dyn TokenStore>, timeout: Duration) -> Self {
        GuardedStore {
            max_backoff: if store.fails_over() {
                FAILOVER_MAX_BACKOFF
            } else {
                MAX_BACKOFF
            },
            store,
            timeout,
            reads: Mutex::new(Health::default()),
            writes: Mutex::new(Health::default()),
            recovered: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The store's name (no credentials).
    pub fn name(&self) -> &str {
        self.store.name()
    }

    /// Whether an outage ended since the last call (true once per recovery,
    /// for the one slot that reports it to its listener).
    pub fn take_recovery(&self) -> bool {
        self.recovered
            .swap(false, std::sync::atomic::Ordering::AcqRel)
    }

    /// Whether the store groups a connector's keys by hash tag (a cluster).
    pub fn hash_tags(&self) -> bool {
        self.store.hash_tags()
    }

    /// Whether the store fails over to a replica (see [`TokenStore::fails_over`]).
    pub fn fails_over(&self) -> bool {
        self.store.fails_over()
    }

    /// Whether the store can lock across processes.
    pub fn can_lock(&self) -> bool {
        self.store.lock().is_some()
    }

    fn health(&self, kind: Kind) -> std::sync::MutexGuard<'_, Health> {
        lock(match kind {
            Kind::Read => &self.reads,
            Kind::Write => &self.writes,
        })
    }

    async fn run<'a, T>(
        &self,
        kind: Kind,
        what: &str,
        operation: impl FnOnce() -> StoreFuture<'a, T>,
    ) -> Result<T, StoreFailure> {
        self.run_unless_backing_off(true, kind, what, operation)
            .await
    }

    async fn run_unless_backing_off<'a, T>(
        &self,
        respect_backoff: bool,
        kind: Kind,
        what: &str,
        operation: impl FnOnce() -> StoreFuture<'a, T>,
    ) -> Result<T, StoreFailure> {
        if respect_backoff
            && self
                .health(kind)
                .retry_at
                .is_some_and(|at| Instant::now() < at)
        {
            return Err(StoreFailure::Skipped);
        }
        let result = match tokio::time::timeout(self.timeout, operation()).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::new(format!(
                "{}: {what} did not finish within {} ms",
                self.name(),
                self.timeout.as_millis()
            ))),
        };
        let mut health = self.health(kind);
        match result {
            Ok(value) => {
                let recovered = health.consecutive_failures > 0;
                *health = Health::default();
                drop(health);
                if recovered {
                    self.recovered
                        .store(true, std::sync::atomic::Ordering::Release);
                }
                Ok(value)
            }
            Err(error) => {
                let first = health.consecutive_failures == 0;
                health.consecutive_failures = health.consecutive_failures.saturating_add(1);
                let wait = backoff::delay(
                    FIRST_BACKOFF,
                    self.max_backoff,
                    health.consecutive_failures,
                    random::unit(),
                );
                health.retry_at = Some(Instant::now() + wait);
                drop(health);
                Err(if first {
                    StoreFailure::Down(error)
                } else {
                    StoreFailure::Failed(error)
                })
            }
        }
    }

    /// Whether reads are being skipped after a failure (a caller that reads
    /// the store by other means skips it too).
    pub fn reads_backing_off(&self) -> bool {
        self.health(Kind::Read)
            .retry_at
            .is_some_and(|at| Instant::now() < at)
    }

    /// The value under `key`.
    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreFailure> {
        self.run(Kind::Read, "get", || self.store.get(key)).await
    }

    /// Stores `value` under `key` for `ttl`.
    pub async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreFailure> {
        self.run(Kind::Write, "put", || self.store.put(key, value, ttl))
            .await
    }

    /// Stores `value` unless the entry under `key` expires after `expires_at`
    /// (`Ok(false)`). An `explicit` write (one a user asked for) is tried even
    /// during a back-off.
    pub async fn put_if_newer(
        &self,
        key: &str,
        value: &str,
        expires_at: i64,
        ttl: Duration,
        explicit: bool,
    ) -> Result<bool, StoreFailure> {
        self.run_unless_backing_off(!explicit, Kind::Write, "put", || {
            self.store.put_if_newer(key, value, expires_at, ttl)
        })
        .await
    }

    /// The bound on each operation.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Removes `key`.
    pub async fn delete(&self, key: &str) -> Result<(), StoreFailure> {
        self.run(Kind::Write, "delete", || self.store.delete(key))
            .await
    }

    /// Takes the fleet lease `key` for `owner` (with a `hold`, see
    /// [`StoreLock::try_lock_holding`]): its fence, or `None` when another
    /// owner holds it.
    pub async fn try_lock(
        &self,
        key: &str,
        owner: &str,
        lease: Duration,
        hold: Option<Duration>,
    ) -> Result<Option<u64>, StoreFailure> {
        match self.store.lock() {
            Some(lock) => {
                self.run(Kind::Write, "lock", || match hold {
                    Some(hold) => lock.try_lock_holding(key, owner, lease, hold),
                    None => lock.try_lock(key, owner, lease),
                })
                .await
            }
            None => Ok(Some(0)),
        }
    }

    /// Extends `owner`'s lease on `key` (`Ok(false)`: lost). Tried even while
    /// writes back off: a lease that is not renewed is lost.
    pub async fn renew(
        &self,
        key: &str,
        owner: &str,
        lease: Duration,
    ) -> Result<bool, StoreFailure> {
        match self.store.lock() {
            Some(lock) => {
                self.run_unless_backing_off(false, Kind::Write, "renew", || {
                    lock.renew(key, owner, lease)
                })
                .await
            }
            None => Ok(true),
        }
    }

    /// Releases the lease `key` if `owner` holds it.
    pub async fn unlock(&self, key: &str, owner: &str) -> Result<(), StoreFailure> {
        match self.store.lock() {
            Some(lock) => {
                self.run_unless_backing_off(false, Kind::Write, "unlock", || {
                    StoreLock::unlock(lock, key, owner)
                })
                .await
            }
            None => Ok(()),
        }
    }

    /// A write by the holder of fence `fence` on `lock_key` (see
    /// [`StoreLock::put_fenced`]); stores without a lock write as usual.
    pub async fn put_fenced(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
        newer_than: Option<i64>,
        lock_key: &str,
        fence: u64,
    ) -> Result<Fenced, StoreFailure> {
        match self.store.lock() {
            // The lease owner's writes are tried even while writes back off:
            // the fence keeps them safe, and a rotated refresh token must land.
            Some(lock) => {
                self.run_unless_backing_off(false, Kind::Write, "put", || {
                    lock.put_fenced(key, value, ttl, newer_than, lock_key, fence)
                })
                .await
            }
            None => match newer_than {
                Some(floor) => {
                    self.put_if_newer(key, value, floor, ttl, false)
                        .await
                        .map(|written| {
                            if written {
                                Fenced::Written
                            } else {
                                Fenced::KeptNewer
                            }
                        })
                }
                None => self.put(key, value, ttl).await.map(|()| Fenced::Written),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    /// A store that fails while `down` is set and counts attempts.
    #[derive(Default)]
    struct Flaky {
        down: AtomicBool,
        attempts: AtomicU32,
        hang: AtomicBool,
    }

    impl TokenStore for Flaky {
        fn name(&self) -> &str {
            "flaky"
        }
        fn get<'a>(&'a self, _key: &'a str) -> StoreFuture<'a, Option<String>> {
            self.attempts.fetch_add(1, Ordering::SeqCst);
            let (down, hang) = (
                self.down.load(Ordering::SeqCst),
                self.hang.load(Ordering::SeqCst),
            );
            async move {
                if hang {
                    futures::future::pending::<()>().await;
                }
                if down {
                    Err(StoreError::new("flaky: down"))
                } else {
                    Ok(Some("v".to_owned()))
                }
            }
            .boxed()
        }
        fn put<'a>(&'a self, _: &'a str, _: &'a str, _: Duration) -> StoreFuture<'a, ()> {
            async { Ok(()) }.boxed()
        }
        fn delete<'a>(&'a self, _: &'a str) -> StoreFuture<'a, ()> {
            async { Ok(()) }.boxed()
        }
    }

    #[tokio::test]
    async fn a_failing_store_backs_off_then_recovers() {
        let flaky = Arc::new(Flaky::default());
        let guarded = GuardedStore::new(flaky.clone(), Duration::from_secs(5));
        flaky.down.store(true, Ordering::SeqCst);
        assert!(matches!(guarded.get("k").await, Err(StoreFailure::Down(_))));
        assert_eq!(guarded.get("k").await, Err(StoreFailure::Skipped));
        assert_eq!(
            flaky.attempts.load(Ordering::SeqCst),
            1,
            "skipped, not attempted"
        );
        flaky.down.store(false, Ordering::SeqCst);
        tokio::time::sleep(FIRST_BACKOFF + Duration::from_millis(50)).await;
        assert_eq!(
            guarded.put("k", "v", Duration::from_secs(1)).await,
            Ok(()),
            "writes keep their own record"
        );
        assert_eq!(guarded.get("k").await, Ok(Some("v".to_owned())));
        assert_eq!(guarded.get("k").await, Ok(Some("v".to_owned())));
    }

    #[tokio::test]
    async fn a_hanging_store_times_out() {
        let flaky = Arc::new(Flaky::default());
        flaky.hang.store(true, Ordering::SeqCst);
        let guarded = GuardedStore::new(flaky, Duration::from_millis(50));
        match guarded.get("k").await {
            Err(StoreFailure::Down(e)) => assert!(e.0.contains("within 50 ms"), "{e}"),
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
}
