//! The slot with a store: reading before refreshing, writing after, the legacy
//! key, encryption, and a store that fails.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::{config, token_server};
use futures::FutureExt;
use serde_json::json;
use zcatalyst_connector_rs::engine::config::ConnectorConfig;
use zcatalyst_connector_rs::engine::error::ConnectorError;
use zcatalyst_connector_rs::engine::slot::Slot;
use zcatalyst_connector_rs::store::guard::GuardedStore;
use zcatalyst_connector_rs::store::memory::MemoryStore;
use zcatalyst_connector_rs::store::{StoreError, StoreFuture, TokenStore};

const BODY: &str = r#"{"access_token":"1000.fresh","expires_in":3600}"#;

fn guarded(store: Arc<dyn TokenStore>) -> Arc<GuardedStore> {
    Arc::new(GuardedStore::new(store, Duration::from_secs(2)))
}

fn with_secret(url: &str, refresh_token: &str, secret: &str) -> ConnectorConfig {
    let entry = json!({"client_id": "id", "client_secret": "secret", "auth_url": url,
                       "refresh_url": url, "refresh_token": refresh_token, "secret_key": secret});
    ConnectorConfig::from_entry("engine-test", &entry).unwrap()
}

/// Two slots with one configuration stand for two processes sharing a store.
#[tokio::test]
async fn a_second_process_starts_warm_from_the_store() {
    let (url, count) = token_server(200, BODY, Duration::ZERO).await;
    let memory = Arc::new(MemoryStore::new());
    let store = guarded(memory.clone());
    let first = Arc::new(Slot::new(config(&url, "warm")));
    assert_eq!(
        first.get(Some(store.clone())).await.unwrap().access_token,
        "1000.fresh"
    );
    first.flush().await;
    let stored = memory.get(&first.cache_key()).await.unwrap().unwrap();
    assert!(
        stored
            .starts_with(r#"{"access_token":"1000.fresh","expiry_in_seconds":3600,"expires_at":"#),
        "{stored}"
    );

    let second = Arc::new(Slot::new(config(&url, "warm")));
    let token = second.get(Some(store)).await.unwrap();
    assert_eq!(token.access_token, "1000.fresh");
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "the second slot made no token request"
    );
    second.flush().await;
    let stats = second.stats();
    // The token entry, then (once per slot, after the caller had its token)
    // the rotated refresh token entry.
    assert_eq!(
        (stats.store_reads, stats.store_hits, stats.refreshes),
        (2, 1, 0)
    );
    assert_eq!(first.stats().store_writes, 1);
}

#[tokio::test]
async fn the_legacy_key_is_read_once_and_written_forward() {
    let (url, count) = token_server(200, BODY, Duration::ZERO).await;
    let memory = Arc::new(MemoryStore::new());
    let legacy = format!(
        r#"{{"access_token":"1000.legacy","expiry_in_seconds":3600,"expires_at":{}}}"#,
        i64::MAX / 2
    );
    memory
        .put("ZC_CONN_engine-test", &legacy, Duration::from_secs(60))
        .await
        .unwrap();
    let slot = Arc::new(Slot::new(config(&url, "legacy")));
    let token = slot.get(Some(guarded(memory.clone()))).await.unwrap();
    assert_eq!(token.access_token, "1000.legacy");
    assert_eq!(count.load(Ordering::SeqCst), 0);
    // Written forward as it was, plus the writer's strong fingerprint.
    let forward = memory.get(&slot.cache_key()).await.unwrap().unwrap();
    assert!(
        forward.starts_with(legacy.trim_end_matches('}')),
        "{forward}"
    );
    assert!(forward.contains(r#","zc_fp":""#), "{forward}");
    assert_eq!(slot.stats().store_writes, 1);
}

#[tokio::test]
async fn encrypted_entries_need_the_key_and_bad_ones_are_replaced() {
    let (url, count) = token_server(200, BODY, Duration::ZERO).await;
    let memory = Arc::new(MemoryStore::new());
    let store = guarded(memory.clone());
    let writer = Arc::new(Slot::new(with_secret(&url, "sealed", "key-one")));
    writer.get(Some(store.clone())).await.unwrap();
    writer.flush().await;
    let stored = memory.get(&writer.cache_key()).await.unwrap().unwrap();
    assert!(
        !stored.contains("1000.fresh"),
        "the access token is sealed: {stored}"
    );

    let reader = Arc::new(Slot::new(with_secret(&url, "sealed", "key-one")));
    assert_eq!(
        reader.get(Some(store.clone())).await.unwrap().access_token,
        "1000.fresh"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);

    let keyless = Arc::new(Slot::new(config(&url, "sealed")));
    assert_eq!(
        keyless.get(Some(store.clone())).await.unwrap_err().code(),
        ConnectorError::SecretKeyMissing.code()
    );

    let other_key = Arc::new(Slot::new(with_secret(&url, "sealed", "key-two")));
    other_key.get(Some(store.clone())).await.unwrap();
    other_key.flush().await;
    assert_eq!(
        count.load(Ordering::SeqCst),
        2,
        "undecryptable means absent: refreshed"
    );
    let replaced = memory.get(&writer.cache_key()).await.unwrap().unwrap();
    assert_ne!(replaced, stored, "and overwritten");
}

#[tokio::test]
async fn garbage_in_the_store_is_refreshed_over() {
    let (url, count) = token_server(200, BODY, Duration::ZERO).await;
    let memory = Arc::new(MemoryStore::new());
    let slot = Arc::new(Slot::new(config(&url, "garbage")));
    memory
        .put(&slot.cache_key(), "{not json", Duration::from_secs(60))
        .await
        .unwrap();
    slot.get(Some(guarded(memory.clone()))).await.unwrap();
    slot.flush().await;
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(memory
        .get(&slot.cache_key())
        .await
        .unwrap()
        .unwrap()
        .contains("1000.fresh"));
}

/// A store whose every operation fails.
struct Broken;

impl TokenStore for Broken {
    fn name(&self) -> &str {
        "broken"
    }
    fn get<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Option<String>> {
        async { Err(StoreError::new("broken: refused")) }.boxed()
    }
    fn put<'a>(&'a self, _: &'a str, _: &'a str, _: Duration) -> StoreFuture<'a, ()> {
        async { Err(StoreError::new("broken: refused")) }.boxed()
    }
    fn delete<'a>(&'a self, _: &'a str) -> StoreFuture<'a, ()> {
        async { Err(StoreError::new("broken: refused")) }.boxed()
    }
}

#[tokio::test]
async fn a_failing_store_degrades_to_refreshing_directly() {
    let (url, count) = token_server(200, BODY, Duration::ZERO).await;
    let slot = Arc::new(Slot::new(config(&url, "broken")));
    let store = guarded(Arc::new(Broken));
    assert_eq!(
        slot.get(Some(store.clone())).await.unwrap().access_token,
        "1000.fresh"
    );
    slot.flush().await;
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let stats = slot.stats();
    assert_eq!(
        stats.store_errors, 2,
        "the read failed, and the write (reads and writes back off separately)"
    );
    assert_eq!(stats.store_writes, 0);
    let error = slot.persist(Some(&store)).await.unwrap_err();
    assert_eq!(error.code(), "app/STORE_UNAVAILABLE");
}
