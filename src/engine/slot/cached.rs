//! Layer 3 of the refresh core, the *slot*: one configuration's cached token,
//! shared by every connector with that configuration. Concurrent misses share
//! one refresh (single-flight); a refresh that failed is backed off — callers
//! get its error at once until the next attempt is due, and then one caller
//! makes it; published tokens are refreshed ahead of expiry (`ahead`). How a
//! refresh reaches a token (store, fleet lock, provider) is the shared
//! source's business (`shared`).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures::future::{BoxFuture, FutureExt, Shared};

use super::backoff::retry_at;
use super::board;
use super::counters::{bump, bump_hits, SlotStats};
use super::entries::WrittenEntry;
use super::events::{SlotEvent, SlotListener, TokensEvent};
use super::shared::{SharedSource, StoreRef, Want};
use super::source::{http_endpoint, ProviderSource, TokenEndpoint};
use crate::engine::config::ConnectorConfig;
use crate::engine::entry::stored::mentions_owner;
use crate::engine::error::{ConnectorError, Result};
use crate::engine::token::Token;
use crate::support::clock::{self, Clock};
use crate::support::ids::next_nonzero;
use crate::support::sync::lock;

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

/// How the latest caller wants background work done (whether at all is
/// `Slot::refresh_ahead`).
#[derive(Clone)]
pub(super) struct CallerOptions {
    pub(super) store: StoreRef,
}

#[derive(Default)]
struct State {
    token: Option<Arc<Token>>,
    /// The refresh in progress, with the number that identifies it.
    /// Boxed: set only while a refresh runs, and a slot is kept per configuration.
    inflight: Option<Box<(u32, Refresh)>>,
    next_refresh_id: u32,
    /// The last refresh failed: its error (backed off) until its retry time.
    /// Boxed: rare, and a slot is kept per configuration.
    failure: Option<Box<ConnectorError>>,
    /// The store writes of the last refresh, still running.
    /// Boxed: set only after a refresh, and a slot is kept per configuration.
    writing: Option<Box<Shared<BoxFuture<'static, ()>>>>,
}

/// What a store entry read by the caller gave (`Slot::adopt_stored`).
#[derive(Debug)]
pub enum Stored {
    /// Served from now on: the token and its generation.
    Adopted(Arc<Token>, u32),
    /// Missing, stale, rejected or not ours: refresh without reading it again.
    Unusable,
    /// Decoding needs scrypt or failed: leave the read to the refresh path.
    Undecided,
}

/// Where refreshes ahead are scheduled from outside the runtime (the
/// binding's `AheadQueue`, in `ahead`): a trait, so that the slot does not
/// depend on the module that depends on it.
pub trait ScheduleAhead: Send + Sync {
    /// Schedules the refresh ahead of `token` (generation `generation`) of `slot`.
    fn push(&self, slot: &Arc<Slot>, token: &Token, generation: u32);
    /// Has `slot` read, soon and in the background, whether the fleet uses a
    /// rotated refresh token (`Slot::learn_rotation`).
    fn learn_rotation(&self, slot: &Arc<Slot>);
}

/// One configuration's token, shared by every connector with that configuration.
pub struct Slot {
    pub(super) shared: Arc<SharedSource>,
    state: Mutex<State>,
    /// The current token's generation, bumped on every publish or clear (0 is
    /// never a generation, so it can mean "none"), and its expiry: lock-free for
    /// the hot path, written only under the `state` lock, generation last.
    generation: AtomicU32,
    fresh_until: AtomicI64,
    /// `uses()` when the current token was installed: unchanged at refresh
    /// time means nobody asked for this token, and refreshing stops.
    pub(super) uses_at_install: AtomicU64,
    pub(super) refresh_ahead: AtomicBool,
    caller: Mutex<CallerOptions>,
    /// The slot's row on the freshness board (`board`), `u32::MAX` for none.
    board_row: AtomicU32,
}

impl Slot {
    /// A cold slot for `config`, refreshing over HTTP on the system clock.
    pub fn new(config: ConnectorConfig) -> Self {
        Slot::with_parts(config, http_endpoint(), clock::system())
    }

    /// A cold slot for `config` whose refreshes go to `endpoint` and whose
    /// time is `clock` (tests pass fakes of both).
    pub fn with_parts(
        config: ConnectorConfig,
        endpoint: Arc<dyn TokenEndpoint>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Slot::with_shared_config(config, endpoint, clock)
    }

    /// A cold slot over HTTP and the system clock for `config` (stored once:
    /// the registry's index reads it from the slot).
    pub fn with_config(config: ConnectorConfig) -> Self {
        Slot::with_shared_config(config, http_endpoint(), clock::system())
    }

    fn with_shared_config(
        config: ConnectorConfig,
        endpoint: Arc<dyn TokenEndpoint>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let source = ProviderSource::new(endpoint);
        let shared = Arc::new(SharedSource::new(config, source, clock));
        Slot {
            shared,
            state: Mutex::new(State::default()),
            generation: AtomicU32::new(0),
            fresh_until: AtomicI64::new(i64::MIN),
            uses_at_install: AtomicU64::new(0),
            refresh_ahead: AtomicBool::new(true),
            caller: Mutex::new(CallerOptions { store: None }),
            board_row: AtomicU32::new(u32::MAX),
        }
    }

    /// Publishes this slot's freshness on row `row` of the board from now on.
    pub fn attach_board(&self, row: usize) {
        let state = self.state();
        board::reset(row);
        // Handles are u32 (the registry's); a row past that has no handle.
        self.board_row
            .store(u32::try_from(row).unwrap_or(u32::MAX), Ordering::Release);
        board::publish(
            row,
            self.fresh_until.load(Ordering::Acquire),
            self.generation(),
        );
        drop(state);
    }

    /// The slot's handle in the registry (its board row), if it has one.
    pub fn handle(&self) -> Option<u32> {
        match self.board_row.load(Ordering::Acquire) {
            u32::MAX => None,
            row => Some(row),
        }
    }

    /// Hits JavaScript served from the board.
    fn board_hits(&self) -> u64 {
        match self.board_row.load(Ordering::Acquire) {
            u32::MAX => 0,
            row => board::js_hits(row as usize),
        }
    }

    /// The configuration this slot refreshes with.
    pub fn config(&self) -> &ConnectorConfig {
        self.shared.config()
    }

    /// The JS package's shared-cache key for this configuration.
    pub fn cache_key(&self) -> String {
        self.shared.entry_key()
    }

    /// The shared source below this slot (store entries, refresh token).
    pub fn shared(&self) -> &Arc<SharedSource> {
        &self.shared
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Calls so far, answered from memory or not.
    pub(super) fn uses(&self) -> u64 {
        self.shared.counters().hits.load(Ordering::Relaxed)
            + u64::from(self.shared.counters().misses.load(Ordering::Relaxed))
            + self.board_hits()
    }

    /// The current generation (0: none).
    pub(super) fn generation(&self) -> u32 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers how the latest caller wants background refreshes done: through
    /// `store`, and at all only when `refresh_ahead`.
    pub fn set_caller_options(&self, store: &StoreRef, refresh_ahead: bool) {
        self.refresh_ahead.store(refresh_ahead, Ordering::Relaxed);
        let mut caller = lock(&self.caller);
        caller.store = store.clone();
    }

    /// Sends later refreshes through `endpoint` (the latest caller's HTTP
    /// client: its timeout and trusted authorities).
    pub fn set_endpoint(&self, endpoint: Arc<dyn TokenEndpoint>) {
        self.shared.source.set_endpoint(endpoint);
    }

    /// The latest caller's listener for rotations and diagnostics.
    pub fn set_listener(&self, listener: Option<SlotListener>) {
        self.shared.set_listener(listener);
    }

    pub(super) fn caller(&self) -> CallerOptions {
        lock(&self.caller).clone()
    }

    /// Drops the cached token if it is `access_token` (one an API rejected),
    /// and never adopts it from the store again; the next call refreshes.
    /// Returns whether it was the current token.
    pub fn invalidate(&self, access_token: &str) -> bool {
        self.shared.invalidate(access_token);
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
        let mut stats = self.shared.counters().snapshot();
        stats.hits += self.board_hits();
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
            bump_hits(self.shared.counters());
            return generation;
        }
    }

    /// Records `token` (or none) as the current one; the caller holds the
    /// lock. Returns the new generation.
    fn install(&self, state: &mut State, token: Option<Arc<Token>>) -> u32 {
        let generation = next_generation();
        let fresh_until = token.as_ref().map_or(i64::MIN, |t| {
            t.expires_at.saturating_sub(COARSE_CLOCK_SLACK_MS)
        });
        self.uses_at_install.store(self.uses(), Ordering::Relaxed);
        if token.is_some() {
            state.failure = None;
        }
        state.token = token;
        self.generation.store(0, Ordering::Release);
        self.fresh_until.store(fresh_until, Ordering::Release);
        self.generation.store(generation, Ordering::Release);
        match self.board_row.load(Ordering::Acquire) {
            u32::MAX => {}
            row => board::publish(row as usize, fresh_until, generation),
        }
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
    /// may hold a fresh token) and writes what it refreshes back to it. While
    /// a failed refresh is backed off, the call fails at once with its error.
    pub async fn get(self: &Arc<Self>, store: StoreRef) -> Result<Arc<Token>> {
        self.get_after_read(store, false).await
    }

    /// `get`, for a caller that already read the store's token entry itself and
    /// found nothing usable (`entry_read`, see `adopt_stored`): a refresh it
    /// starts does not read that entry again.
    pub async fn get_after_read(
        self: &Arc<Self>,
        store: StoreRef,
        entry_read: bool,
    ) -> Result<Arc<Token>> {
        let refresh = {
            let mut state = self.state();
            if let Some(token) = state
                .token
                .as_ref()
                .filter(|t| t.is_fresh(self.shared.clock.now_ms()))
            {
                bump_hits(self.shared.counters());
                return Ok(token.clone());
            }
            self.backed_off(&state)?;
            self.join_or_start(&mut state, store, Mode::Miss, entry_read)
        };
        bump(&self.shared.counters().misses);
        refresh.await
    }

    /// A new token from the provider, even if the cached one is fresh, written
    /// to `store`; joins a refresh already in flight rather than starting a
    /// second one, and is backed off after a failure like any refresh.
    pub async fn refresh(self: &Arc<Self>, store: StoreRef) -> Result<Arc<Token>> {
        let refresh = {
            let mut state = self.state();
            self.backed_off(&state)?;
            self.join_or_start(&mut state, store, Mode::Forced, false)
        };
        refresh.await
    }

    /// The failure being backed off, unless a refresh is in flight to join.
    fn backed_off(&self, state: &State) -> Result<()> {
        match self.backed_off_error(state) {
            Some(error) => {
                bump(&self.shared.counters().backed_off);
                Err(error.clone())
            }
            None => Ok(()),
        }
    }

    fn backed_off_error<'s>(&self, state: &'s State) -> Option<&'s ConnectorError> {
        if state.inflight.is_some() {
            return None;
        }
        state.failure.as_deref().filter(|error| {
            error
                .retry_at_ms()
                .is_some_and(|at| self.shared.clock.now_ms() < at)
        })
    }

    /// The refresh in flight, or a new one started in `mode`.
    pub(super) fn join_or_start_now(self: &Arc<Self>, store: StoreRef, mode: Mode) -> Refresh {
        self.join_or_start(&mut self.state(), store, mode, false)
    }

    fn join_or_start(
        self: &Arc<Self>,
        state: &mut State,
        store: StoreRef,
        mode: Mode,
        entry_read: bool,
    ) -> Refresh {
        if let Some((_, refresh)) = state.inflight.as_deref() {
            return refresh.clone();
        }
        state.next_refresh_id = state.next_refresh_id.wrapping_add(1);
        let id = state.next_refresh_id;
        let want = Want {
            floor: match mode {
                Mode::Miss => Some(self.shared.clock.now_ms()),
                Mode::Ahead => Some(
                    state
                        .token
                        .as_ref()
                        .map_or(self.shared.clock.now_ms(), |t| t.expires_at),
                ),
                Mode::Forced => None,
            },
            background: mode == Mode::Ahead,
            entry_read,
        };
        let slot = Arc::clone(self);
        // The refresh runs in the task of whoever awaits it first — for a JS
        // caller, the task the binding spawned for its call, which runs to the
        // end whether or not the caller still waits — so a miss costs no second
        // task and no hand-over between tasks. Any joiner drives it as well.
        // Callers get the token as soon as it is known; the store writes run
        // as a task of their own afterwards.
        let refresh = async move {
            match slot.shared.clone().obtain(store, want).await {
                Ok(obtained) => {
                    let finish = obtained.finish.map(FutureExt::shared);
                    slot.state().writing = finish.clone().map(Box::new);
                    if let Some(finish) = finish {
                        tokio::spawn(finish);
                    }
                    slot.publish(obtained.token.clone());
                    slot.announce_rotation(&obtained.token);
                    slot.finish_refresh(id, None);
                    Ok(obtained.token)
                }
                Err(error) => {
                    let error = match error.retry_at_ms() {
                        Some(_) => error,
                        None => {
                            let at = retry_at(slot.shared.clock.now_ms(), 1, &error);
                            error.backed_off(at)
                        }
                    };
                    slot.finish_refresh(id, Some(error.clone()));
                    Err(error)
                }
            }
        }
        .boxed()
        .shared();
        state.inflight = Some(Box::new((id, refresh.clone())));
        refresh
    }

    fn finish_refresh(&self, id: u32, failure: Option<ConnectorError>) {
        let mut state = self.state();
        if matches!(state.inflight.as_deref(), Some((current, _)) if *current == id) {
            state.inflight = None;
        }
        if let Some(failure) = failure {
            state.failure = Some(Box::new(failure));
        }
    }

    fn announce_rotation(&self, token: &Token) {
        let Some(refresh_token) = token.refresh_token.as_deref().map(str::to_owned) else {
            return;
        };
        self.shared.tell(SlotEvent::Tokens(TokensEvent {
            connector_name: self.config().name().to_owned(),
            refresh_token,
            access_token: token.access_token.clone(),
            expires_at: token.expires_at,
        }));
    }

    /// Whether a caller that found no fresh token should read the store
    /// itself (`adopt_stored`): no refresh is in flight to join and no failure
    /// is being backed off (those answer at once through `get`).
    pub fn wants_store_read(&self) -> bool {
        let state = self.state();
        let fresh = state
            .token
            .as_ref()
            .is_some_and(|t| t.is_fresh(self.shared.clock.now_ms()));
        !fresh && state.inflight.is_none() && self.backed_off_error(&state).is_none()
    }

    /// Adopts the token entry a caller read from the store itself (`None`:
    /// the store holds none), by the shared source's rules (decoding, sealed
    /// values, rejected tokens): a usable token is published — refresh ahead
    /// scheduled — and counted as a store hit. `Unusable` sends the caller to
    /// `get_after_read(store, true)`; `Undecided` (the value needs scrypt, or
    /// is sealed and this connector has no secret key) to `get`, which reads
    /// and decodes off the caller's thread and reports such errors.
    /// `queue`: where to schedule the refresh ahead when the caller is not on
    /// the runtime (else a timer task is spawned, as for any published token).
    pub fn adopt_stored(
        self: &Arc<Self>,
        value: Option<&str>,
        queue: Option<&dyn ScheduleAhead>,
    ) -> Stored {
        let now = self.shared.clock.now_ms();
        let token = match self.shared.usable_now(value, now) {
            Some(Ok(Some(token))) => token,
            Some(Ok(None)) => return Stored::Unusable,
            None | Some(Err(_)) => return Stored::Undecided,
        };
        let token = Arc::new(token);
        let generation = {
            let mut state = self.state();
            if let Some(current) = state.token.as_ref().filter(|t| t.is_fresh(now)) {
                if current.expires_at >= token.expires_at {
                    return Stored::Adopted(current.clone(), self.generation());
                }
            }
            self.install(&mut state, Some(token.clone()))
        };
        bump(&self.shared.counters().store_hits);
        bump(&self.shared.counters().misses);
        match queue {
            Some(queue) => {
                queue.push(self, &token, generation);
                // As after a store hit on the native path: once per slot, off
                // the caller's path, learn whether the fleet rotates — unless
                // the entry is the JS package's (plain JSON without `zc_fp`):
                // its writer cannot have been refreshing with a rotated
                // token, and the next refresh reads the rotation as always.
                let js_package_entry =
                    value.is_some_and(|v| v.trim_start().starts_with('{') && !mentions_owner(v));
                if !js_package_entry && !self.shared.rotation_read.load(Ordering::Acquire) {
                    queue.learn_rotation(self);
                }
            }
            None => self.schedule_ahead(&token, generation),
        }
        Stored::Adopted(token, generation)
    }

    /// Reads, once per slot, whether the fleet uses a rotated refresh token
    /// (adopting it if so), through the latest caller's store: what the
    /// native path does after a store hit, for tokens adopted on the JS
    /// thread. A slot that knows it rotates never refreshes without the lease.
    pub async fn learn_rotation(&self) {
        if self.shared.rotation_read.load(Ordering::Acquire) {
            return;
        }
        if let Some(store) = self.caller().store {
            self.shared.read_rotation(&store, None).await;
        }
    }

    /// Waits until the store writes of the last refresh have finished (they
    /// run after callers got the token; tests and shutdowns wait for them).
    pub async fn flush(&self) {
        let writing = self.state().writing.as_deref().cloned();
        if let Some(writing) = writing {
            writing.await;
        }
    }

    /// `putAccessTokenInCache()`: writes the current token to `store` (when
    /// there is one) and returns the entry.
    pub async fn persist(
        &self,
        store: Option<&crate::store::guard::GuardedStore>,
    ) -> Result<WrittenEntry> {
        let token = self.current().ok_or(ConnectorError::NoAccessToken)?;
        self.shared.persist(store, &token).await
    }

    /// Counts a token request made outside the slot (a code exchange).
    pub fn count_token_request(&self, ok: bool) {
        bump(&self.shared.counters().token_requests);
        if !ok {
            bump(&self.shared.counters().token_request_errors);
        }
    }
}

/// A generation no other token in the process has (until the counter wraps
/// after 2^32 publishes): a board row reused by another slot never matches a
/// string JavaScript cached for the old one. 0 is never a generation.
fn next_generation() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    next_nonzero(&NEXT)
}
