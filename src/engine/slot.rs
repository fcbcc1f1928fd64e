//! A slot holds one configuration's cached token and makes concurrent misses
//! share one refresh (single-flight). How a refresh reaches a token (store,
//! fleet lock, provider) is in `fleet`; refreshing before expiry is in
//! `refresh_ahead`.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt, Shared};

use super::cache_key::cache_key;
use super::config::ConnectorConfig;
use super::error::{ConnectorError, Result};
use super::rotation::TokensListener;
use super::sync::lock;
use super::token::{now_ms, Token};
use crate::store::guard::GuardedStore;

/// The store a call reads and writes through; `None` is memory only.
pub type StoreRef = Option<Arc<GuardedStore>>;

type Refresh = Shared<BoxFuture<'static, Result<Arc<Token>>>>;

/// The hot path reads the kernel's coarse clock, which may lag by a few
/// milliseconds; it stops serving a token this much before its `expires_at`
/// so no token is ever served late.
const COARSE_CLOCK_SLACK_MS: i64 = 10;

/// Why a refresh runs, which decides what a token found in the store must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A caller found no fresh token: any fresh stored token will do.
    Miss,
    /// Ahead of expiry, in the background: only a token newer than ours.
    Ahead,
    /// The user asked for a new token: go to the provider.
    Forced,
}

#[derive(Default)]
struct State {
    token: Option<Arc<Token>>,
    /// The refresh in progress, with the number that identifies it.
    inflight: Option<(u64, Refresh)>,
    next_refresh_id: u64,
}

/// Counters of what a slot did, for `stats()` and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SlotStats {
    /// Token requests sent to the provider (refreshes and code exchanges).
    pub token_requests: u64,
    /// Token requests that failed.
    pub token_request_errors: u64,
    /// Callers that found no fresh token and waited for one.
    pub misses: u64,
    /// Calls answered from the cached token.
    pub hits: u64,
    /// Refresh requests sent (a subset of `token_requests`).
    pub refreshes: u64,
    /// Store reads attempted (the current key, and the legacy key once).
    pub store_reads: u64,
    /// Store reads that gave a usable token (no refresh needed).
    pub store_hits: u64,
    /// Store writes that succeeded.
    pub store_writes: u64,
    /// Store operations that failed or timed out.
    pub store_errors: u64,
    /// Refreshes that found another process's fleet lock taken and waited.
    pub lock_waits: u64,
    /// Waits that ended with this process taking the lock over (the owner
    /// died or failed).
    pub lock_takeovers: u64,
    /// Refreshes made ahead of expiry, in the background.
    pub background_refreshes: u64,
    /// Refresh tokens the provider rotated to.
    pub rotations: u64,
}

/// One configuration's token, shared by every connector with that configuration.
pub struct Slot {
    config: ConnectorConfig,
    cache_key: String,
    state: Mutex<State>,
    stats: Mutex<SlotStats>,
    /// The current token's generation, bumped on every publish or clear (0 is
    /// never a generation, so it can mean "none"), and its expiry: lock-free for
    /// the hot path, written only under the `state` lock, generation last.
    generation: AtomicU32,
    fresh_until: AtomicI64,
    hits: AtomicU64,
    /// Whether the legacy key `ZC_CONN_<name>` was already read.
    pub(super) legacy_read: AtomicBool,
    /// The store held an entry this slot cannot use; the next write replaces
    /// it even if it claims a later expiry.
    pub(super) replace_unusable: AtomicBool,
    /// Whether to refresh ahead of expiry (the last caller's choice).
    pub(super) refresh_ahead: AtomicBool,
    /// The store the last caller used, for background refreshes.
    pub(super) background_store: Mutex<StoreRef>,
    /// `uses()` when the current token was installed: unchanged at refresh
    /// time means nobody asked for this token, and refreshing stops.
    pub(super) uses_at_install: AtomicU64,
    /// The `Retry-After` of the last failed refresh, if the endpoint sent one.
    pub(super) retry_after: Mutex<Option<Duration>>,
    /// The refresh token the provider last rotated to (replaces the configured one).
    pub(super) rotated: Mutex<Option<String>>,
    /// Told about rotations (the last caller's listener).
    pub(super) listener: Mutex<Option<TokensListener>>,
    /// An access token the application reported as rejected: never adopted
    /// from the store again.
    pub(super) invalidated: Mutex<Option<String>>,
}

impl Slot {
    /// A cold slot for `config`.
    pub fn new(config: ConnectorConfig) -> Self {
        Slot {
            cache_key: cache_key(&config),
            config,
            state: Mutex::new(State::default()),
            stats: Mutex::new(SlotStats::default()),
            generation: AtomicU32::new(0),
            fresh_until: AtomicI64::new(i64::MIN),
            hits: AtomicU64::new(0),
            legacy_read: AtomicBool::new(false),
            replace_unusable: AtomicBool::new(false),
            refresh_ahead: AtomicBool::new(true),
            background_store: Mutex::new(None),
            uses_at_install: AtomicU64::new(0),
            retry_after: Mutex::new(None),
            rotated: Mutex::new(None),
            listener: Mutex::new(None),
            invalidated: Mutex::new(None),
        }
    }

    /// The configuration this slot refreshes with.
    pub fn config(&self) -> &ConnectorConfig {
        &self.config
    }

    /// The JS package's shared-cache key for this configuration.
    pub fn cache_key(&self) -> &str {
        &self.cache_key
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub(super) fn count(&self, f: impl FnOnce(&mut SlotStats)) {
        f(&mut lock(&self.stats));
    }

    /// Calls so far, answered from memory or not.
    pub(super) fn uses(&self) -> u64 {
        let misses = lock(&self.stats).misses;
        self.hits.load(Ordering::Relaxed) + misses
    }

    /// The current generation (0: none).
    pub(super) fn generation(&self) -> u32 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers how the latest caller wants background refreshes done: through
    /// `store`, and at all only when `refresh_ahead`.
    pub fn set_caller_options(&self, store: &StoreRef, refresh_ahead: bool) {
        self.refresh_ahead.store(refresh_ahead, Ordering::Relaxed);
        *lock(&self.background_store) = store.clone();
    }

    /// The latest caller's listener for refresh-token rotations.
    pub fn set_listener(&self, listener: Option<TokensListener>) {
        *lock(&self.listener) = listener;
    }

    /// Drops the cached token if it is `access_token` (one an API rejected),
    /// and never adopts it from the store again; the next call refreshes.
    /// Returns whether it was the current token.
    pub fn invalidate(&self, access_token: &str) -> bool {
        *lock(&self.invalidated) = Some(access_token.to_owned());
        let mut state = self.state();
        if state
            .token
            .as_ref()
            .is_some_and(|t| t.access_token == access_token)
        {
            self.install(&mut state, None);
            return true;
        }
        false
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SlotStats {
        let mut stats = *lock(&self.stats);
        stats.hits = self.hits.load(Ordering::Relaxed);
        stats
    }

    /// The generation of the token if it is fresh at `now_ms`, else 0. This is
    /// the hot path: a few atomic loads, no lock, no allocation.
    pub fn fresh_generation(&self, now_ms: i64) -> u32 {
        loop {
            let generation = self.generation.load(Ordering::Acquire);
            let fresh_until = self.fresh_until.load(Ordering::Acquire);
            if generation != self.generation.load(Ordering::Acquire) {
                continue; // a publish raced with us; read the new pair
            }
            if generation == 0 || now_ms >= fresh_until {
                return 0;
            }
            self.hits.fetch_add(1, Ordering::Relaxed);
            return generation;
        }
    }

    /// Records `token` (or none) as the current one; the caller holds the
    /// lock. Returns the new generation.
    fn install(&self, state: &mut State, token: Option<Arc<Token>>) -> u32 {
        let generation = next_generation(self.generation.load(Ordering::Acquire));
        let fresh_until = token.as_ref().map_or(i64::MIN, |t| {
            t.expires_at.saturating_sub(COARSE_CLOCK_SLACK_MS)
        });
        self.uses_at_install.store(self.uses(), Ordering::Relaxed);
        state.token = token;
        self.generation.store(0, Ordering::Release);
        self.fresh_until.store(fresh_until, Ordering::Release);
        self.generation.store(generation, Ordering::Release);
        generation
    }

    /// The access token if `generation` is still the current one.
    pub fn token_of_generation(&self, generation: u32) -> Option<Arc<Token>> {
        let state = self.state();
        (self.generation.load(Ordering::Acquire) == generation)
            .then(|| state.token.clone())
            .flatten()
    }

    /// The last token, fresh or not.
    pub fn current(&self) -> Option<Arc<Token>> {
        self.state().token.clone()
    }

    /// Makes `token` the slot's token and, when refresh-ahead is on and a
    /// runtime is at hand, schedules its refresh before expiry.
    pub fn publish(self: &Arc<Self>, token: Arc<Token>) {
        let generation = {
            let mut state = self.state();
            self.install(&mut state, Some(token.clone()))
        };
        self.schedule_ahead(&token, generation);
    }

    /// Forgets the cached token.
    pub fn clear(&self) {
        let mut state = self.state();
        self.install(&mut state, None);
    }

    /// A fresh token: the cached one, or the result of the one refresh that all
    /// concurrent callers share. A miss reads `store` first (another process
    /// may hold a fresh token) and writes what it refreshes back to it.
    pub async fn get(self: &Arc<Self>, store: StoreRef) -> Result<Arc<Token>> {
        let refresh = {
            let mut state = self.state();
            if let Some(token) = state.token.as_ref().filter(|t| t.is_fresh(now_ms())) {
                return Ok(token.clone());
            }
            self.join_or_start(&mut state, store, Mode::Miss)
        };
        self.count(|s| s.misses += 1);
        refresh.await
    }

    /// A new token from the provider, even if the cached one is fresh, written
    /// to `store`; joins a refresh already in flight rather than starting a
    /// second one.
    pub async fn refresh(self: &Arc<Self>, store: StoreRef) -> Result<Arc<Token>> {
        self.join_or_start_now(store, Mode::Forced).await
    }

    /// The refresh in flight, or a new one started in `mode`.
    pub(super) fn join_or_start_now(self: &Arc<Self>, store: StoreRef, mode: Mode) -> Refresh {
        self.join_or_start(&mut self.state(), store, mode)
    }

    fn join_or_start(self: &Arc<Self>, state: &mut State, store: StoreRef, mode: Mode) -> Refresh {
        if let Some((_, refresh)) = &state.inflight {
            return refresh.clone();
        }
        state.next_refresh_id += 1;
        let id = state.next_refresh_id;
        let slot = Arc::clone(self);
        // The refresh runs as its own task so it completes (and publishes) even if
        // every caller stops waiting.
        let task = tokio::spawn(async move {
            let result = slot.obtain(store.as_deref(), mode).await;
            slot.finish_refresh(id);
            result
        });
        let refresh = async move {
            task.await.unwrap_or_else(|_| {
                Err(ConnectorError::Network {
                    host: String::new(),
                    detail: "the refresh task was cancelled".into(),
                })
            })
        }
        .boxed()
        .shared();
        state.inflight = Some((id, refresh.clone()));
        refresh
    }

    fn finish_refresh(&self, id: u64) {
        let mut state = self.state();
        if matches!(&state.inflight, Some((current, _)) if *current == id) {
            state.inflight = None;
        }
    }

    /// Counts a token request made outside the slot (a code exchange).
    pub fn count_token_request(&self, ok: bool) {
        self.count(|s| {
            s.token_requests += 1;
            if !ok {
                s.token_request_errors += 1;
            }
        });
    }
}

fn next_generation(current: u32) -> u32 {
    match current.wrapping_add(1) {
        0 => 1,
        n => n,
    }
}
