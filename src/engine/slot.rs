//! A slot holds one configuration's cached token and makes concurrent misses
//! share one refresh (single-flight).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures::future::{BoxFuture, FutureExt, Shared};

use super::cache_key::cache_key;
use super::config::ConnectorConfig;
use super::error::{ConnectorError, Result};
use super::oauth::OAuthClient;
use super::token::{now_ms, Token};
use crate::store::guard::GuardedStore;

/// The store a call reads and writes through; `None` is memory only.
pub type StoreRef = Option<Arc<GuardedStore>>;

type Refresh = Shared<BoxFuture<'static, Result<Arc<Token>>>>;

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
        // A poisoned lock only means a panic elsewhere; the state itself stays valid.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn count(&self, f: impl FnOnce(&mut SlotStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SlotStats {
        let mut stats = *self.stats.lock().unwrap_or_else(|p| p.into_inner());
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

    /// Records `token` (or none) as the current one; the caller holds the lock.
    fn install(&self, state: &mut State, token: Option<Arc<Token>>) {
        let generation = next_generation(self.generation.load(Ordering::Acquire));
        let fresh_until = token.as_ref().map_or(i64::MIN, |t| t.expires_at);
        state.token = token;
        self.generation.store(0, Ordering::Release);
        self.fresh_until.store(fresh_until, Ordering::Release);
        self.generation.store(generation, Ordering::Release);
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

    /// Makes `token` the slot's token.
    pub fn publish(&self, token: Arc<Token>) {
        let mut state = self.state();
        self.install(&mut state, Some(token));
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
            self.join_or_start(&mut state, store, true)
        };
        self.count(|s| s.misses += 1);
        refresh.await
    }

    /// A new token from the provider, even if the cached one is fresh, written
    /// to `store`; joins a refresh already in flight rather than starting a
    /// second one.
    pub async fn refresh(self: &Arc<Self>, store: StoreRef) -> Result<Arc<Token>> {
        let refresh = self.join_or_start(&mut self.state(), store, false);
        refresh.await
    }

    fn join_or_start(
        self: &Arc<Self>,
        state: &mut State,
        store: StoreRef,
        read_store: bool,
    ) -> Refresh {
        if let Some((_, refresh)) = &state.inflight {
            return refresh.clone();
        }
        state.next_refresh_id += 1;
        let id = state.next_refresh_id;
        let slot = Arc::clone(self);
        // The refresh runs as its own task so it completes (and publishes) even if
        // every caller stops waiting.
        let task = tokio::spawn(async move {
            let result = slot.obtain(store.as_deref(), read_store).await;
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

    /// The store's token if it holds a usable one, else a refreshed token
    /// (published, then written to the store).
    async fn obtain(&self, store: Option<&GuardedStore>, read_store: bool) -> Result<Arc<Token>> {
        if let (Some(store), true) = (store, read_store) {
            if let Some(token) = self.load(store).await? {
                let token = Arc::new(token);
                self.publish(token.clone());
                return Ok(token);
            }
        }
        let result = OAuthClient::shared()
            .refresh(&self.config)
            .await
            .map(Arc::new);
        self.count_token_request(result.is_ok());
        self.count(|s| s.refreshes += 1);
        let token = result?;
        self.publish(token.clone());
        if let Some(store) = store {
            let _ = self.save(store, &token).await;
        }
        Ok(token)
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
