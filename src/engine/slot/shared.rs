//! Layer 2 of the refresh core, the *shared source*: the token source wrapped
//! in the store, so that one process of a fleet refreshes and the others
//! adopt its token, and a failure is backed off by the whole fleet.
//!
//! A refresh here: adopt a fresh enough token from the store if there is
//! one; else, if another process recorded a failure whose back-off has not
//! ended, fail with it at once; else (with a store that can lock; `fleet`) take
//! the fleet lease `<key>:lock` (`lease`) with a fence, read the store again,
//! refresh with the refresh token in use (a rotated one is read from the store
//! first), and — still holding the lock — record the outcome: the token (unless
//! the store holds a newer one) and a rotated refresh token, or the failure
//! and when to try again. Processes that find the lock taken poll the store
//! (20 ms, doubling to 200 ms, jittered) and adopt the owner's token or fail
//! with the owner's recorded failure; if the owner dies, its lock expires and
//! the next poll takes it over.
//!
//! The token is handed to the layer above as soon as it is known; the store
//! writes and the unlock finish afterwards (`Obtained::finish`), so a slow
//! store does not delay callers.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::future::BoxFuture;
use futures::FutureExt;

use super::backoff::retry_at;
use super::counters::Counters;
use super::events::{SlotEvent, SlotListener};
use super::lease::Lease;
use super::source::{ProviderSource, TokenSource};
use crate::engine::config::ConnectorConfig;
use crate::engine::entry::keys::{alternate_key, cache_key, strong_fingerprint, Keys};
use crate::engine::error::{ConnectorError, Result};
use crate::engine::token::Token;
use crate::store::guard::GuardedStore;
use crate::support::clock::Clock;
use crate::support::events::{Event, Level};
use crate::support::sync::lock;

/// The store a call reads and writes through; `None` is memory only.
pub type StoreRef = Option<Arc<GuardedStore>>;

/// What a refresh asks of the shared source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    /// A stored token expiring after this (epoch ms) is adopted; `None` asks
    /// the provider whatever the store holds (a forced refresh, still under
    /// the lock so a rotating refresh token is never used twice).
    pub floor: Option<i64>,
    /// Whether this is a refresh ahead of expiry (for the events).
    pub background: bool,
    /// The caller already read the token entry and found nothing usable
    /// (`Slot::adopt_stored`): the first look skips it (the legacy key, the
    /// fleet's failure and the rotation are still read).
    pub entry_read: bool,
}

/// The outcome of a successful refresh.
pub struct Obtained {
    /// The token.
    pub token: Arc<Token>,
    /// Store writes and the unlock, still to run (the caller runs them after
    /// handing the token out).
    pub finish: Option<BoxFuture<'static, ()>>,
}

impl Obtained {
    pub(super) fn ready(token: Arc<Token>) -> Self {
        Obtained {
            token,
            finish: None,
        }
    }
}

/// A failure recorded in the store for the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFailure {
    /// The failure, as the process that met it reported it.
    pub error: ConnectorError,
    /// When the next attempt is due, epoch ms.
    pub retry_at_ms: i64,
    /// How many refreshes in a row have failed.
    pub attempt: u32,
}

/// The shared source of one configuration.
pub struct SharedSource {
    /// Stored here only: the slot, its source and the registry's index read it here.
    config: ConnectorConfig,
    /// Whether another configuration was found under the JS package's key
    /// (the keys are then this configuration's own, see
    /// `entry::keys::strong_fingerprint`). Keys and the strong fingerprint
    /// are computed when used, not kept: a slot is kept per configuration,
    /// and a store round trip dwarfs an HMAC over the settings.
    collided: AtomicBool,
    pub(super) source: ProviderSource,
    pub(super) clock: Arc<dyn Clock>,
    /// Whether the legacy key `ZC_CONN_<name>` was already read.
    pub(super) legacy_read: AtomicBool,
    /// Whether the stored rotated refresh token was read yet (so that a
    /// process that only ever adopted tokens knows the provider rotates, and
    /// never refreshes without the lease).
    pub(super) rotation_read: AtomicBool,
    /// Whether a token entry of the fleet said its writer's refresh token
    /// rotates (`"zc_rot":1`): then this process never refreshes without the
    /// lease either, even before it has read a rotation itself.
    pub(super) fleet_rotates: AtomicBool,
    /// When the refresh token in use was rotated (epoch ms; 0: never), so a
    /// stale stored rotation never replaces a newer one.
    pub(super) rotated_at: std::sync::atomic::AtomicI64,
    /// Failed refreshes in a row (here or, through the store, in the fleet).
    failures: AtomicU32,
    /// What few slots ever hold (boxed: a slot is kept per configuration).
    rare: Mutex<Option<Box<Rare>>>,
}

/// The rarely set parts of a shared source.
#[derive(Default)]
struct Rare {
    /// An access token the application reported as rejected: never adopted
    /// from the store again.
    invalidated: Option<Box<str>>,
    /// The latest caller's listener (connections with listeners only).
    listener: Option<SlotListener>,
}

impl Rare {
    /// Changes the rare parts of `rare` with `change`, boxing them only
    /// while one is set.
    fn change(rare: &Mutex<Option<Box<Rare>>>, change: impl FnOnce(&mut Rare)) {
        let mut rare = lock(rare);
        let mut parts = rare.take().unwrap_or_default();
        change(&mut parts);
        if parts.invalidated.is_some() || parts.listener.is_some() {
            *rare = Some(parts);
        }
    }
}

impl SharedSource {
    /// The shared source of `config` over `source` (kept inline: one
    /// allocation per slot less).
    pub fn new(config: ConnectorConfig, source: ProviderSource, clock: Arc<dyn Clock>) -> Self {
        SharedSource {
            collided: AtomicBool::new(false),
            config,
            source,
            clock,
            legacy_read: AtomicBool::new(false),
            rotation_read: AtomicBool::new(false),
            fleet_rotates: AtomicBool::new(false),
            rotated_at: std::sync::atomic::AtomicI64::new(0),
            failures: AtomicU32::new(0),
            rare: Mutex::new(None),
        }
    }

    /// Sets the listener told about rotations and diagnostics.
    pub fn set_listener(&self, listener: Option<SlotListener>) {
        if listener.is_none() && lock(&self.rare).is_none() {
            return;
        }
        Rare::change(&self.rare, |rare| rare.listener = listener);
    }

    /// Tells the listener, if there is one.
    pub(super) fn tell(&self, event: SlotEvent) {
        let listener = lock(&self.rare)
            .as_ref()
            .and_then(|rare| rare.listener.clone());
        if let Some(listener) = listener {
            listener(event);
        }
    }

    /// The slot's counters (kept by the token source).
    pub fn counters(&self) -> &Counters {
        self.source.counters()
    }

    /// The configuration.
    pub fn config(&self) -> &ConnectorConfig {
        &self.config
    }

    /// The store keys in use: the JS package's, or (once another
    /// configuration was found under them) this configuration's own.
    pub fn keys(&self) -> Keys {
        Keys::under(self.entry_key(), self.config.name())
    }

    /// The keys in use, as `store` names them (hash-tagged in a cluster).
    pub fn keys_in(&self, store: &GuardedStore) -> Keys {
        let keys = self.keys();
        if store.hash_tags() {
            keys.hash_tagged()
        } else {
            keys
        }
    }

    /// The key of the token entry in use (`keys().entry`, without the others).
    pub fn entry_key(&self) -> String {
        if self.collided.load(Ordering::Acquire) {
            alternate_key(&self.config, &self.strong())
        } else {
            cache_key(&self.config)
        }
    }

    /// This configuration's strong fingerprint (`zc_fp` in its entries).
    pub(super) fn strong(&self) -> String {
        strong_fingerprint(&self.config)
    }

    /// Whether this configuration moved to its own keys.
    pub(super) fn is_collided(&self) -> bool {
        self.collided.load(Ordering::Acquire)
    }

    /// Moves to this configuration's own keys: the JS package's key holds
    /// another configuration's token, which is neither adopted nor replaced.
    pub(super) fn collide(&self) {
        if !self.collided.swap(true, Ordering::AcqRel) {
            self.emit(Event::new(
                "key_collision",
                Level::Info,
                "another configuration's token is stored under this connector's key; using a key of its own",
            ));
        }
    }

    /// The refresh token in use (the configured one, or the last rotated one).
    pub fn refresh_token(&self) -> Option<String> {
        self.source.refresh_token(&self.config)
    }

    /// Never adopts `access_token` from the store again.
    pub fn invalidate(&self, access_token: &str) {
        Rare::change(&self.rare, |rare| {
            rare.invalidated = Some(access_token.into())
        });
    }

    /// A token as `want` asks, from the store or the provider.
    pub fn obtain(
        self: Arc<Self>,
        store: StoreRef,
        want: Want,
    ) -> BoxFuture<'static, Result<Obtained>> {
        // The fleet's wait is bounded from here, the caller's start.
        let started = tokio::time::Instant::now();
        async move {
            let Some(store) = store else {
                return self.refresh(None, want, None).await;
            };
            if let Some(token) = self.adopt(&store, want.floor, want.entry_read).await? {
                // Once per slot, after the caller has the token: does the fleet
                // use a rotated refresh token?
                let finish = (!self.rotation_read.load(Ordering::Acquire)).then(|| {
                    let this = self.clone();
                    async move {
                        this.read_rotation(&store, None).await;
                    }
                    .boxed()
                });
                return Ok(Obtained { token, finish });
            }
            self.check_failure(&store).await?;
            if store.can_lock() {
                self.refresh_under_lock(store, want, started).await
            } else {
                self.refresh(Some(store), want, None).await
            }
        }
        .boxed()
    }

    /// The store's token if it expires after `floor` (never without one);
    /// `entry_read`: the caller already read the token entry.
    pub(super) async fn adopt(
        &self,
        store: &GuardedStore,
        floor: Option<i64>,
        entry_read: bool,
    ) -> Result<Option<Arc<Token>>> {
        let Some(floor) = floor else {
            return Ok(None);
        };
        Ok(self
            .load(store, floor, entry_read)
            .await?
            .filter(|token| self.accepts(token, floor))
            .map(Arc::new))
    }

    /// Whether a token read from a store may be served: it expires after
    /// `floor` and is not one the application reported as rejected.
    pub(super) fn accepts(&self, token: &Token, floor: i64) -> bool {
        token.expires_at > floor
            && lock(&self.rare)
                .as_ref()
                .and_then(|rare| rare.invalidated.as_deref())
                != Some(token.access_token.as_str())
    }

    /// Fails with the fleet's recorded failure while its back-off lasts.
    pub(super) async fn check_failure(&self, store: &GuardedStore) -> Result<()> {
        match self.read_failure(store).await {
            Some(failure) => {
                self.failures.fetch_max(failure.attempt, Ordering::Relaxed);
                Err(failure.error.backed_off(failure.retry_at_ms))
            }
            None => Ok(()),
        }
    }

    /// A token from the provider. A failure is backed off (and recorded in
    /// `store` for the fleet) before it is returned; a success returns the
    /// token with the store writes still to run.
    pub(super) async fn refresh(
        self: Arc<Self>,
        store: StoreRef,
        want: Want,
        lease: Option<Arc<Lease>>,
    ) -> Result<Obtained> {
        if let Some(store) = &store {
            let fence = lease.as_deref().map(Lease::fence);
            let answered = self.read_rotation(store, fence).await;
            // Under the lease, a refresh token that may rotate is used only
            // once the store said which one is current.
            let unknown = self.rotates() || !self.rotation_read.load(Ordering::Acquire);
            if !answered && fence.is_some() && unknown {
                return Err(ConnectorError::LockUnavailable(
                    "the stored refresh token could not be read".into(),
                ));
            }
        }
        let started = Instant::now();
        // This attempt's number: failures in a row before it, plus one.
        let attempt = self.failures.load(Ordering::Relaxed).saturating_add(1);
        match self.source.refresh(&self.config).await {
            Ok(token) => {
                self.failures.store(0, Ordering::Relaxed);
                let rotated_at = self.clock.now_ms();
                if token.refresh_token.is_some() {
                    self.rotated_at.store(rotated_at, Ordering::Release);
                }
                self.emit(
                    Event::new("refresh", Level::Debug, "refreshed the access token")
                        .number("attempt", f64::from(attempt))
                        .number("durationMs", started.elapsed().as_secs_f64() * 1000.0)
                        .number("background", f64::from(u8::from(want.background))),
                );
                let token = Arc::new(token);
                let finish = store.map(|store| {
                    let (this, token) = (self.clone(), token.clone());
                    async move {
                        // A lease whose renewal failed may still be ours (a slow
                        // store) or another's: the fence decides, atomically, in
                        // the store. A rotated refresh token is the only one the
                        // provider still honours, so it is never dropped unoffered.
                        let fence = lease.as_deref().map(Lease::fence);
                        if lease.as_deref().is_some_and(Lease::is_lost) {
                            this.lease_lost();
                        }
                        if let Some(rotated) = &token.refresh_token {
                            let held = lease.as_deref().and_then(Lease::hold_left);
                            let window = held.unwrap_or(super::rotation::ROTATION_WRITE_FOR);
                            let stored = this
                                .write_rotation(&store, rotated, rotated_at, fence, window)
                                .await;
                            if !stored && held.is_some() {
                                if let Some(lease) = lease.as_deref() {
                                    lease.keep_hold();
                                }
                            }
                        }
                        let _ = this.write(&store, &token, false, fence).await;
                    }
                    .boxed()
                });
                Ok(Obtained { token, finish })
            }
            Err(error) => {
                let attempt = self
                    .failures
                    .fetch_add(1, Ordering::Relaxed)
                    .saturating_add(1);
                let retry_at_ms = retry_at(self.clock.now_ms(), attempt, &error);
                self.emit(
                    Event::new(
                        "refresh_failed",
                        Level::Warn,
                        format!("refresh failed: {error}"),
                    )
                    .text("code", error.code())
                    .number("statusCode", f64::from(error.status_code()))
                    .number("attempt", f64::from(attempt))
                    .number("retryAfterMs", (retry_at_ms - self.clock.now_ms()) as f64)
                    .number("durationMs", started.elapsed().as_secs_f64() * 1000.0),
                );
                if let Some(store) = &store {
                    let failure = SharedFailure {
                        error: error.clone(),
                        retry_at_ms,
                        attempt,
                    };
                    if lease.as_deref().is_some_and(Lease::is_lost) {
                        self.lease_lost();
                    }
                    let fence = lease.as_deref().map(Lease::fence);
                    self.write_failure(store, &failure, fence).await;
                }
                Err(error.backed_off(retry_at_ms))
            }
        }
    }

    /// Reports that the lease could not be renewed before the writes (they
    /// are offered with the lease's fence, which the store refuses if another
    /// process took a newer lease).
    pub(super) fn lease_lost(&self) {
        self.emit(Event::new(
            "lease_lost",
            Level::Warn,
            "the fleet lease could not be renewed; writes go to the store only if no other process took it since",
        ));
    }

    /// Reports a diagnostic to the listener and the process-wide sink.
    pub(super) fn emit(&self, event: Event) {
        self.tell(SlotEvent::Diagnostic(event.connector(self.config.name())));
    }
}
