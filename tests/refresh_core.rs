//! The refresh core's layers run on a paused tokio clock with a fake token
//! endpoint: minutes of expiries and back-offs pass in milliseconds, and every
//! request is counted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{join_all, BoxFuture};
use futures::FutureExt;
use serde_json::json;
use zcatalyst_connector_rs::engine::config::ConnectorConfig;
use zcatalyst_connector_rs::engine::error::{ConnectorError, Result};
use zcatalyst_connector_rs::engine::slot::source::TokenEndpoint;
use zcatalyst_connector_rs::engine::slot::{Slot, SlotEvent, StoreRef};
use zcatalyst_connector_rs::engine::token::{expires_at, Token};
use zcatalyst_connector_rs::store::guard::GuardedStore;
use zcatalyst_connector_rs::store::memory::MemoryStore;
use zcatalyst_connector_rs::support::clock::{Clock, TokioClock};

const EPOCH: i64 = 1_700_000_000_000;

/// What the fake endpoint answers.
#[derive(Clone)]
enum Answer {
    Token { expires_in: i64 },
    Fail(ConnectorError),
    Rotate,
}

/// A token endpoint that answers from a script and counts requests.
struct FakeEndpoint {
    clock: Arc<dyn Clock>,
    answer: Mutex<Answer>,
    requests: AtomicUsize,
    refresh_tokens: Mutex<Vec<Option<String>>>,
}

impl FakeEndpoint {
    fn new(clock: Arc<dyn Clock>, answer: Answer) -> Arc<Self> {
        Arc::new(FakeEndpoint {
            clock,
            answer: Mutex::new(answer),
            requests: AtomicUsize::new(0),
            refresh_tokens: Mutex::new(Vec::new()),
        })
    }

    fn set(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl TokenEndpoint for FakeEndpoint {
    fn refresh<'a>(
        &'a self,
        config: &'a ConnectorConfig,
        refresh_token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Token>> {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        self.refresh_tokens
            .lock()
            .unwrap()
            .push(refresh_token.map(str::to_owned));
        let answer = self.answer.lock().unwrap().clone();
        let now = self.clock.now_ms();
        async move {
            // A token request takes 50 ms.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let expires_in = match answer {
                Answer::Fail(error) => return Err(error),
                Answer::Token { expires_in } => expires_in,
                Answer::Rotate => 3600,
            };
            Ok(Token {
                access_token: format!("at-{n}"),
                expires_in,
                expires_at: expires_at(now, expires_in, config.refresh_in()),
                refresh_token: matches!(answer, Answer::Rotate).then(|| format!("rt-{n}").into()),
                api_domain: None,
            })
        }
        .boxed()
    }
}

fn config(name: &str) -> ConnectorConfig {
    let entry = json!({"client_id": "c", "client_secret": "s", "auth_url": "https://a/t",
                       "refresh_url": "https://a/t", "refresh_token": "rt-0"});
    ConnectorConfig::from_entry(name, &entry).unwrap()
}

fn slot(name: &str, endpoint: &Arc<FakeEndpoint>, clock: &Arc<TokioClock>) -> Arc<Slot> {
    Arc::new(Slot::with_parts(
        config(name),
        endpoint.clone(),
        clock.clone(),
    ))
}

fn server_error() -> ConnectorError {
    ConnectorError::HttpStatus {
        status: 500,
        retry_after: None,
    }
}

/// `callers` tasks each calling `get` every 10 ms for `seconds` (virtual).
async fn hammer(slot: &Arc<Slot>, store: StoreRef, callers: usize, seconds: u64) -> (usize, usize) {
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let until = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let tasks = (0..callers).map(|_| {
        let (slot, store, ok, failed) = (slot.clone(), store.clone(), ok.clone(), failed.clone());
        tokio::spawn(async move {
            while tokio::time::Instant::now() < until {
                match slot.get(store.clone()).await {
                    Ok(_) => ok.fetch_add(1, Ordering::SeqCst),
                    Err(_) => failed.fetch_add(1, Ordering::SeqCst),
                };
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    });
    join_all(tasks).await;
    (ok.load(Ordering::SeqCst), failed.load(Ordering::SeqCst))
}

#[tokio::test(start_paused = true)]
async fn a_failing_endpoint_is_asked_once_per_back_off_step() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Fail(server_error()));
    let slot = slot("backoff", &endpoint, &clock);
    let (ok, failed) = hammer(&slot, None, 20, 6).await;
    assert_eq!(ok, 0);
    assert!(failed > 1_000, "callers kept asking: {failed}");
    // Steps of 1, 2, 4 s (each jittered to its upper half): 3 to 5 requests in 6 s.
    let requests = endpoint.requests();
    assert!((3..=5).contains(&requests), "{requests} requests");
    assert!(slot.stats().backed_off > 1_000);

    // The endpoint recovers: the next attempt succeeds and clears the back-off.
    endpoint.set(Answer::Token { expires_in: 3600 });
    tokio::time::sleep(Duration::from_secs(31)).await;
    assert!(slot.get(None).await.is_ok());
    assert_eq!(
        slot.get(None).await.unwrap().access_token,
        format!("at-{}", endpoint.requests())
    );
}

#[tokio::test(start_paused = true)]
async fn every_caller_gets_the_same_error_with_its_retry_time() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let hinted = ConnectorError::HttpStatus {
        status: 429,
        retry_after: Some(Duration::from_secs(2)),
    };
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Fail(hinted));
    let slot = slot("retry-after", &endpoint, &clock);
    let first = slot.get(None).await.unwrap_err();
    let second = slot.get(None).await.unwrap_err();
    assert_eq!(first.code(), "app/TOKEN_ENDPOINT_ERROR");
    assert_eq!(first.status_code(), 429);
    assert_eq!(first.to_string(), second.to_string());
    let retry_at = first.retry_at_ms().unwrap();
    assert_eq!(retry_at, second.retry_at_ms().unwrap());
    assert!(
        (2_000..2_100).contains(&(retry_at - EPOCH)),
        "Retry-After honoured: {}",
        retry_at - EPOCH
    );
    assert_eq!(endpoint.requests(), 1);
    let (_, _) = hammer(&slot, None, 20, 6).await;
    // One request per 2 s Retry-After step.
    let requests = endpoint.requests();
    assert!((3..=5).contains(&requests), "{requests} requests");
}

#[tokio::test(start_paused = true)]
async fn errors_no_retry_can_fix_are_backed_off_too() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let grant = ConnectorError::OAuth {
        error: "invalid_grant".into(),
        description: None,
        status: 400,
        retry_after: None,
    };
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Fail(grant));
    let slot = slot("invalid-grant", &endpoint, &clock);
    hammer(&slot, None, 20, 6).await;
    assert!(
        (3..=5).contains(&endpoint.requests()),
        "{}",
        endpoint.requests()
    );
}

#[tokio::test(start_paused = true)]
async fn tokens_are_refreshed_ahead_so_no_caller_waits() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Token { expires_in: 3600 });
    let slot = slot("ahead", &endpoint, &clock);
    slot.get(None).await.unwrap();
    // Two hours of calls every 10 s: served 45 min, refreshed ahead each time.
    for _ in 0..720 {
        tokio::time::sleep(Duration::from_secs(10)).await;
        slot.get(None).await.unwrap();
    }
    let stats = slot.stats();
    assert_eq!(stats.misses, 1, "only the first call waited");
    assert!((2..=4).contains(&stats.background_refreshes), "{stats:?}");
    assert_eq!(endpoint.requests() as u64, 1 + stats.background_refreshes);
}

#[tokio::test(start_paused = true)]
async fn a_background_failure_is_retried_while_the_old_token_lives() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Token { expires_in: 600 });
    let slot = slot("ahead-retry", &endpoint, &clock);
    slot.get(None).await.unwrap();
    endpoint.set(Answer::Fail(server_error()));
    // Served 300 s, lead 60 s: the background refresh starts about 240 s in.
    for _ in 0..26 {
        tokio::time::sleep(Duration::from_secs(10)).await;
        slot.get(None).await.unwrap();
    }
    let failed = endpoint.requests() - 1;
    assert!(failed >= 2, "retried in the background: {failed}");
    endpoint.set(Answer::Token { expires_in: 600 });
    tokio::time::sleep(Duration::from_secs(40)).await;
    assert_eq!(
        slot.get(None).await.unwrap().access_token,
        format!("at-{}", endpoint.requests())
    );
    assert_eq!(slot.stats().misses, 1, "no caller ever waited");
}

fn shared_store() -> Arc<GuardedStore> {
    Arc::new(GuardedStore::new(
        Arc::new(MemoryStore::new()),
        Duration::from_secs(2),
    ))
}

#[tokio::test(start_paused = true)]
async fn the_fleet_shares_a_back_off_through_the_store() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Fail(server_error()));
    // A store that can lock, as the fleet's would (Redis or a file).
    let dir = std::env::temp_dir().join(format!("zc-fleet-backoff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = zcatalyst_connector_rs::store::file::FileStore::new(dir.join("tokens.json"));
    let store = Arc::new(GuardedStore::new(Arc::new(file), Duration::from_secs(2)));
    // Eight "processes": eight slots of one configuration over one store.
    let slots: Vec<_> = (0..8)
        .map(|_| slot("fleet-backoff", &endpoint, &clock))
        .collect();
    let runs = slots
        .iter()
        .map(|slot| hammer(slot, Some(store.clone()), 5, 6));
    join_all(runs).await;
    let requests = endpoint.requests();
    // One process's budget (3 to 5), plus at most a few racing at step edges.
    assert!(requests <= 10, "{requests} requests for 8 processes");
}

#[tokio::test(start_paused = true)]
async fn a_second_slot_adopts_the_stored_token_and_rotation() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Rotate);
    let store = shared_store();
    let first = slot("rotation", &endpoint, &clock);
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    first.set_listener(Some(Arc::new(move |event| {
        seen.lock().unwrap().push(event)
    })));
    first.get(Some(store.clone())).await.unwrap();
    first.flush().await;
    let rotated: Vec<_> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            SlotEvent::Tokens(t) => Some(t.refresh_token.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(rotated, ["rt-1"]);

    let second = slot("rotation", &endpoint, &clock);
    assert_eq!(
        second.get(Some(store.clone())).await.unwrap().access_token,
        "at-1"
    );
    assert_eq!(endpoint.requests(), 1, "adopted, not refreshed");
    // A forced refresh in the second process uses the rotated refresh token.
    second.refresh(Some(store.clone())).await.unwrap();
    let used = endpoint.refresh_tokens.lock().unwrap().clone();
    assert_eq!(used, [Some("rt-0".to_owned()), Some("rt-1".to_owned())]);
}

#[tokio::test(start_paused = true)]
async fn a_slow_store_write_does_not_delay_callers() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Token { expires_in: 3600 });
    let store = Arc::new(GuardedStore::new(
        Arc::new(Delayed {
            inner: Arc::new(MemoryStore::new()),
            reads: Duration::ZERO,
            writes: Duration::from_millis(1_500),
        }),
        Duration::from_secs(2),
    ));
    let slot = slot("slow-store", &endpoint, &clock);
    let started = tokio::time::Instant::now();
    slot.get(Some(store.clone())).await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(500),
        "the caller waited {waited:?}"
    );
    slot.flush().await;
    assert!(
        started.elapsed() >= Duration::from_millis(1_500),
        "the write ran afterwards"
    );
    assert_eq!(slot.stats().store_writes, 1);
}

#[tokio::test(start_paused = true)]
async fn unusable_lifetimes_fail_and_are_backed_off() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(
        clock.clone(),
        Answer::Fail(ConnectorError::UnusableLifetime { status: 200 }),
    );
    let slot = slot("lifetime", &endpoint, &clock);
    hammer(&slot, None, 20, 6).await;
    assert!(
        (3..=5).contains(&endpoint.requests()),
        "{}",
        endpoint.requests()
    );
    let error = slot.get(None).await.unwrap_err();
    assert_eq!(error.code(), "app/INVALID_RESPONSE");
}

#[tokio::test(start_paused = true)]
async fn the_file_store_lock_lets_one_process_of_eight_refresh() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Token { expires_in: 3600 });
    let dir = std::env::temp_dir().join(format!("zc-fleet-lock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = zcatalyst_connector_rs::store::file::FileStore::new(dir.join("tokens.json"));
    let store = Arc::new(GuardedStore::new(Arc::new(file), Duration::from_secs(2)));
    let slots: Vec<_> = (0..8)
        .map(|_| slot("fleet-lock", &endpoint, &clock))
        .collect();
    let tokens = join_all(slots.iter().map(|slot| slot.get(Some(store.clone())))).await;
    assert!(tokens
        .iter()
        .all(|t| t.as_ref().unwrap().access_token == "at-1"));
    assert_eq!(endpoint.requests(), 1);
    let waits: u64 = slots.iter().map(|s| s.stats().lock_waits).sum();
    assert!(waits >= 1, "the others waited for the lock");
}

fn file_store(
    name: &str,
) -> (
    Arc<GuardedStore>,
    Arc<zcatalyst_connector_rs::store::file::FileStore>,
) {
    let dir = std::env::temp_dir().join(format!("zc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = Arc::new(zcatalyst_connector_rs::store::file::FileStore::new(
        dir.join("tokens.json"),
    ));
    (
        Arc::new(GuardedStore::new(file.clone(), Duration::from_secs(2))),
        file,
    )
}

// Real time: the file store's leases expire by the wall clock.
#[tokio::test]
async fn a_dead_owners_lease_is_taken_over_within_one_lease() {
    use zcatalyst_connector_rs::engine::slot::lease::LEASE;
    use zcatalyst_connector_rs::store::StoreLock;
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Token { expires_in: 3600 });
    let (store, file) = file_store("dead-owner");
    let slot = slot("dead-owner", &endpoint, &clock);
    // A process took the lease and was killed: it never renews nor releases.
    let lock_key = slot.shared().keys().lock.clone();
    assert_eq!(
        file.try_lock(&lock_key, "dead", LEASE).await.unwrap(),
        Some(1)
    );
    let started = tokio::time::Instant::now();
    assert_eq!(
        slot.get(Some(store.clone())).await.unwrap().access_token,
        "at-1"
    );
    let waited = started.elapsed();
    assert!(
        waited <= LEASE + Duration::from_millis(500),
        "took over after {waited:?}"
    );
    assert!(
        waited >= LEASE - Duration::from_millis(100),
        "not before the lease ended: {waited:?}"
    );
    let stats = slot.stats();
    assert_eq!((stats.lock_waits, stats.lock_takeovers), (1, 1));
    assert_eq!(endpoint.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_owner_that_loses_its_lease_writes_nothing() {
    use zcatalyst_connector_rs::store::{StoreLock, TokenStore};
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Rotate);
    let (store, file) = file_store("lost-lease");
    let slot = slot("lost-lease", &endpoint, &clock);
    let keys = slot.shared().keys().clone();
    // While the owner's request is in flight its lease is taken from it
    // (as when its store stalled past the lease and another process took over).
    let owner = {
        let (slot, store) = (slot.clone(), store.clone());
        tokio::spawn(async move { slot.get(Some(store)).await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    file.delete(&keys.lock).await.unwrap();
    assert_eq!(
        file.try_lock(&keys.lock, "successor", Duration::from_secs(60))
            .await
            .unwrap(),
        Some(2)
    );
    file.put_fenced(
        &keys.rotation,
        r#"{"refresh_token":"rt-successor"}"#,
        Duration::from_secs(60),
        None,
        &keys.lock,
        2,
    )
    .await
    .unwrap();
    // The owner still gets its token for its own callers…
    let token = owner.await.unwrap().unwrap();
    assert_eq!(token.access_token, "at-1");
    slot.flush().await;
    // …but neither its token nor its rotated refresh token reached the store.
    assert_eq!(file.get(&keys.entry).await.unwrap(), None);
    assert_eq!(
        file.get(&keys.rotation).await.unwrap().as_deref(),
        Some(r#"{"refresh_token":"rt-successor"}"#)
    );
    assert_eq!(
        file.get(&keys.lock).await.unwrap().as_deref(),
        Some("successor"),
        "not released either"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rotating_refresh_token_is_not_used_without_the_lease() {
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Rotate);
    let (store, _) = file_store("fail-closed");
    let slot = slot("fail-closed", &endpoint, &clock);
    slot.get(Some(store.clone())).await.unwrap();
    slot.flush().await;
    assert_eq!(endpoint.requests(), 1);
    // The store goes away (its directory is replaced by a file: every
    // operation fails), and a refresh is due.
    let dir = std::env::temp_dir().join(format!("zc-fail-closed-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, "not a directory").unwrap();
    let error = slot.refresh(Some(store.clone())).await.unwrap_err();
    assert_eq!(error.code(), "app/LOCK_UNAVAILABLE");
    assert_eq!(endpoint.requests(), 1, "no refresh without the lease");
    assert_eq!(
        slot.get(Some(store)).await.unwrap().access_token,
        "at-1",
        "the valid token is still served"
    );
    let _ = std::fs::remove_file(&dir);
}

/// Two configurations of one connector name whose JS-package keys collide.
fn colliding_configs() -> (ConnectorConfig, ConnectorConfig) {
    use std::collections::HashMap;
    use zcatalyst_connector_rs::engine::entry::keys::cache_key;
    let mut seen: HashMap<String, ConnectorConfig> = HashMap::new();
    for i in 0.. {
        let entry = json!({"client_id": "c", "client_secret": "s", "auth_url": "https://a/t",
                           "refresh_url": "https://a/t", "refresh_token": format!("rt-tenant-{i}")});
        let config = ConnectorConfig::from_entry("crm", &entry).unwrap();
        if let Some(other) = seen.insert(cache_key(&config), config.clone()) {
            return (other, config);
        }
    }
    unreachable!()
}

#[tokio::test(start_paused = true)]
async fn configurations_whose_keys_collide_never_share_a_token() {
    let (a, b) = colliding_configs();
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Token { expires_in: 3600 });
    let store = shared_store();
    let make = |config: &ConnectorConfig| {
        Arc::new(Slot::with_parts(
            config.clone(),
            endpoint.clone(),
            clock.clone(),
        ))
    };
    let (first_a, first_b) = (make(&a), make(&b));
    assert_eq!(
        first_a.cache_key(),
        first_b.cache_key(),
        "the JS keys collide"
    );
    let token_a = first_a.get(Some(store.clone())).await.unwrap();
    first_a.flush().await;
    let token_b = first_b.get(Some(store.clone())).await.unwrap();
    first_b.flush().await;
    assert_ne!(
        token_a.access_token, token_b.access_token,
        "b did not adopt a's token"
    );
    assert_eq!(endpoint.requests(), 2);
    // Other processes of each configuration find their own token, and neither
    // entry was overwritten by the other ("ping-pong").
    let (second_a, second_b) = (make(&a), make(&b));
    assert_eq!(
        second_b
            .get(Some(store.clone()))
            .await
            .unwrap()
            .access_token,
        token_b.access_token
    );
    assert_eq!(
        second_a
            .get(Some(store.clone()))
            .await
            .unwrap()
            .access_token,
        token_a.access_token
    );
    assert_eq!(endpoint.requests(), 2);
    assert_ne!(
        first_b.shared().keys().entry,
        first_a.shared().keys().entry,
        "b moved to a key of its own"
    );
}

/// A store whose reads and writes each take a while longer than its inner
/// store's (its leases are the inner store's own).
struct Delayed {
    inner: Arc<dyn zcatalyst_connector_rs::store::TokenStore>,
    reads: Duration,
    writes: Duration,
}

impl zcatalyst_connector_rs::store::TokenStore for Delayed {
    fn name(&self) -> &str {
        "delayed"
    }

    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> zcatalyst_connector_rs::store::StoreFuture<'a, Option<String>> {
        async move {
            tokio::time::sleep(self.reads).await;
            self.inner.get(key).await
        }
        .boxed()
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> zcatalyst_connector_rs::store::StoreFuture<'a, ()> {
        async move {
            tokio::time::sleep(self.writes).await;
            self.inner.put(key, value, ttl).await
        }
        .boxed()
    }

    fn delete<'a>(&'a self, key: &'a str) -> zcatalyst_connector_rs::store::StoreFuture<'a, ()> {
        self.inner.delete(key)
    }

    fn lock(&self) -> Option<&dyn zcatalyst_connector_rs::store::StoreLock> {
        self.inner.lock()
    }
}

#[tokio::test(start_paused = true)]
async fn a_waiter_gives_up_at_its_bound_plus_one_store_round_trip_however_slow_the_reads() {
    use zcatalyst_connector_rs::engine::slot::lease::wait_bound;
    use zcatalyst_connector_rs::store::StoreLock;
    let clock = Arc::new(TokioClock::starting_at(EPOCH));
    let endpoint = FakeEndpoint::new(clock.clone(), Answer::Rotate);
    let (_, file) = file_store("slow-reads");
    let store_timeout = Duration::from_millis(500);
    let slow = Arc::new(Delayed {
        inner: file.clone(),
        reads: Duration::from_millis(450),
        writes: Duration::ZERO,
    });
    let store = Arc::new(GuardedStore::new(slow, store_timeout));
    let slot = slot("slow-reads", &endpoint, &clock);
    // The token rotates (learned from its first refresh), then another
    // process takes the lease and keeps it past any waiter's bound.
    slot.get(Some(store.clone())).await.unwrap();
    slot.flush().await;
    let lock_key = slot.shared().keys().lock.clone();
    assert!(file
        .try_lock(&lock_key, "other", Duration::from_secs(3600))
        .await
        .unwrap()
        .is_some());
    // The application reports the token rejected: the next call needs a new
    // one, and each poll of the waiter reads the store (slowly) for it.
    assert!(slot.invalidate("at-1"));
    let started = tokio::time::Instant::now();
    let error = slot.get(Some(store.clone())).await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(error.code(), "app/LOCK_UNAVAILABLE");
    assert_eq!(endpoint.requests(), 1, "no refresh without the lease");
    let bound = wait_bound(Duration::from_secs(30)) + store_timeout;
    assert!(
        waited <= bound,
        "gave up after {waited:?} (bound {bound:?})"
    );
}
