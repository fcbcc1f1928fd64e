//! Refreshing before expiry, in the background, so no caller waits: each
//! published token schedules one refresh at `schedule::refresh_at`. When it
//! fires, the slot refreshes (through the store and fleet lock, like a miss,
//! and joined by any caller that misses meanwhile) unless the token was
//! replaced already or nobody asked for it since it was published — an idle
//! slot stops refreshing. A retriable failure is retried when its back-off
//! ends, while the old token is still valid; any other failure waits for the
//! next caller, who sees it (backed off) once the old token has expired.

use std::cmp::{Ordering as Order, Reverse};
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::Notify;

use super::cached::{Mode, ScheduleAhead, Slot};
use super::counters::bump;
use super::schedule::refresh_at;
use crate::engine::token::{expires_at, Token};
use crate::support::clock::{self, Clock};
use crate::support::random;
use crate::support::sync::lock;

/// How long `token` is served in total: `refresh_in` when configured, else
/// its lifetime less the early-expiry margin.
fn served_lifetime_ms(slot: &Slot, token: &Token) -> i64 {
    expires_at(0, token.expires_in, slot.config().refresh_in())
}

async fn sleep_until_ms(clock: &dyn Clock, at: i64) {
    let wait = at.saturating_sub(clock.now_ms()).max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait)).await;
}

impl Slot {
    /// Schedules the refresh of `token` (generation `generation`).
    pub(super) fn schedule_ahead(self: &Arc<Self>, token: &Token, generation: u32) {
        match INSTALLED.get() {
            Some(queue) if self.handle().is_some() => queue.push(self, token, generation),
            _ => self.spawn_ahead(token, generation),
        }
    }

    /// Schedules the refresh of `token` as a timer task of its own (when a
    /// runtime is at hand).
    fn spawn_ahead(self: &Arc<Self>, token: &Token, generation: u32) {
        let Some(at) = self.ahead_at(token) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let uses_at_install = self.uses_at_install.load(Ordering::Relaxed);
        let expires = token.expires_at;
        // Weak: a slot the registry released is not kept alive by its timer.
        let slot = Arc::downgrade(self);
        let clock = self.shared.clock.clone();
        runtime.spawn(async move {
            sleep_until_ms(clock.as_ref(), at).await;
            if let Some(slot) = slot.upgrade() {
                slot.refresh_ahead_of(generation, uses_at_install, expires)
                    .await;
            }
        });
    }

    /// The moment to refresh `token` ahead, or `None` when refresh-ahead is off.
    fn ahead_at(&self, token: &Token) -> Option<i64> {
        self.refresh_ahead.load(Ordering::Relaxed).then(|| {
            refresh_at(
                token.expires_at,
                served_lifetime_ms(self, token),
                random::unit(),
            )
        })
    }

    pub(super) async fn refresh_ahead_of(
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
                    bump(&self.shared.counters().background_refreshes);
                    return;
                }
                Err(error) => error,
            };
            match error.retry_at_ms() {
                Some(at) if error.is_retriable() && at < expires => {
                    sleep_until_ms(self.shared.clock.as_ref(), at).await;
                }
                // Not retriable, or the old token expires first: the next
                // caller meets the (backed-off) failure.
                _ => return,
            }
        }
    }
}

/// A refresh ahead waiting in an [`AheadQueue`]: the slot by its handle
/// (its board row), so a waiting entry keeps no freed slot's memory; the
/// generation (unique in the process) tells whether it is still that slot's
/// token when the entry comes due.
struct Due {
    /// When to start the refresh (epoch ms).
    at: i64,
    handle: u32,
    generation: u32,
    uses_at_install: u64,
}

// Ordered by due time alone (ties in any order).
impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Order> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> Order {
        self.at.cmp(&other.at)
    }
}

/// How long the runner collects rotation reads before starting them.
const ROTATION_BATCH: Duration = Duration::from_millis(25);
/// Rotation reads of one batch in flight at once.
const ROTATION_READS: usize = 8;

static INSTALLED: OnceLock<Arc<AheadQueue>> = OnceLock::new();

/// Makes `queue` the one every slot with a handle schedules on (the binding
/// installs one whose `run` it started on its runtime).
pub fn install_queue(queue: Arc<AheadQueue>) {
    let _ = INSTALLED.set(queue);
}

/// Refreshes ahead scheduled from outside the runtime (a token adopted on the
/// JS thread): one timer task for all of them instead of a task spawned per
/// token, whose cross-thread wake-up would cost the caller more than the rest
/// of its call. Entries hold their slot by handle, looked up when due through
/// the function the queue was made with (the registry's, given by the binding:
/// this module does not reach up to the registry). Runs on the system clock.
pub struct AheadQueue {
    /// Earliest first (a heap: 24 bytes an entry, no tree nodes).
    due: Mutex<BinaryHeap<Reverse<Due>>>,
    /// Slots (by handle) to learn the fleet's rotation for, in one batch.
    rotations: Mutex<Vec<u32>>,
    /// Whether a batch of `rotations` is waiting (its first push woke the runner).
    rotation_batch: AtomicBool,
    wake: Notify,
    lookup: fn(u32) -> Option<Arc<Slot>>,
}

impl AheadQueue {
    /// A queue that finds a due entry's slot with `lookup` (by handle).
    pub fn new(lookup: fn(u32) -> Option<Arc<Slot>>) -> Self {
        AheadQueue {
            due: Mutex::new(BinaryHeap::new()),
            rotations: Mutex::new(Vec::new()),
            rotation_batch: AtomicBool::new(false),
            wake: Notify::new(),
            lookup,
        }
    }

    /// Schedules the refresh ahead of `token` (generation `generation`) of `slot`.
    /// A slot without a handle (made outside the registry) gets a timer task
    /// of its own.
    pub fn push(&self, slot: &Arc<Slot>, token: &Token, generation: u32) {
        let Some(handle) = slot.handle() else {
            slot.spawn_ahead(token, generation);
            return;
        };
        let Some(at) = slot.ahead_at(token) else {
            return;
        };
        let due = Due {
            at,
            handle,
            generation,
            uses_at_install: slot.uses_at_install.load(Ordering::Relaxed),
        };
        let earliest = {
            let mut queue = lock(&self.due);
            let first = queue.peek().map(|Reverse(first)| first.at);
            queue.push(Reverse(due));
            first.is_none_or(|first| at < first)
        };
        if earliest {
            self.wake.notify_one();
        }
    }

    /// How many refreshes are waiting.
    pub fn len(&self) -> usize {
        lock(&self.due).len()
    }

    /// Whether no refresh is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues `slot` for a rotation read (`Slot::learn_rotation`). Reads are
    /// batched: the first of a batch wakes the runner, which waits
    /// `ROTATION_BATCH` for the rest, so a burst of new connectors costs the
    /// JS thread one wake-up, not one each.
    pub fn learn_rotation(&self, slot: &Arc<Slot>) {
        let Some(handle) = slot.handle() else {
            return;
        };
        lock(&self.rotations).push(handle);
        if !self.rotation_batch.swap(true, Ordering::AcqRel) {
            self.wake.notify_one();
        }
    }

    /// Starts the rotation reads of the waiting batch, if there is one: one
    /// task reads them, `ROTATION_READS` at a time, so a burst of 100 000 new
    /// connectors keeps a list of handles, not 100 000 reads in flight.
    async fn learn_rotations(&self) {
        if !self.rotation_batch.load(Ordering::Acquire) {
            return;
        }
        tokio::time::sleep(ROTATION_BATCH).await;
        self.rotation_batch.store(false, Ordering::Release);
        let handles = std::mem::take(&mut *lock(&self.rotations));
        let lookup = self.lookup;
        tokio::spawn(async move {
            futures::stream::iter(handles)
                .for_each_concurrent(ROTATION_READS, |handle| async move {
                    if let Some(slot) = lookup(handle) {
                        slot.learn_rotation().await;
                    }
                })
                .await;
        });
    }

    /// Starts each refresh when it is due (as a task of its own); runs forever.
    pub async fn run(&self) {
        loop {
            self.learn_rotations().await;
            let next = self.start_due(clock::now_ms());
            match next {
                Some(at) => {
                    let wait =
                        Duration::from_millis(at.saturating_sub(clock::now_ms()).max(0) as u64);
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = self.wake.notified() => {}
                    }
                }
                None => self.wake.notified().await,
            }
        }
    }

    /// Starts the refreshes due at `now`; returns when the next one is due.
    fn start_due(&self, now: i64) -> Option<i64> {
        let mut queue = lock(&self.due);
        while let Some(Reverse(first)) = queue.peek() {
            if first.at > now {
                return Some(first.at);
            }
            let Some(Reverse(due)) = queue.pop() else {
                break;
            };
            // Still that token (generations are unique): its expiry bounds
            // the retries, read here rather than kept in every entry.
            let Some(slot) = (self.lookup)(due.handle) else {
                continue;
            };
            if let Some(token) = slot.token_of_generation(due.generation) {
                tokio::spawn(slot.refresh_ahead_of(
                    due.generation,
                    due.uses_at_install,
                    token.expires_at,
                ));
            }
        }
        None
    }
}

impl ScheduleAhead for AheadQueue {
    fn push(&self, slot: &Arc<Slot>, token: &Token, generation: u32) {
        AheadQueue::push(self, slot, token, generation);
    }

    fn learn_rotation(&self, slot: &Arc<Slot>) {
        AheadQueue::learn_rotation(self, slot);
    }
}
