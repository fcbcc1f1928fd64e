//! A code exchange moves the connector to the new refresh token's slot, and a
//! revocation forgets every stored entry, against a local token endpoint.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::{config, token_server};
use zcatalyst_connector_rs::engine::config::ConnectorConfig;
use zcatalyst_connector_rs::engine::oauth::OAuthClient;
use zcatalyst_connector_rs::engine::slot::exchange::exchange_code;
use zcatalyst_connector_rs::engine::slot::registry;
use zcatalyst_connector_rs::engine::slot::revoke::revoke;
use zcatalyst_connector_rs::store::guard::GuardedStore;
use zcatalyst_connector_rs::store::memory::MemoryStore;
use zcatalyst_connector_rs::store::TokenStore;

#[tokio::test]
async fn an_exchange_publishes_in_the_new_refresh_tokens_slot_and_stores_it() {
    let (url, count) = token_server(
        200,
        r#"{"access_token":"1000.exchanged","refresh_token":"1000.new-rt","expires_in":3600}"#,
        Duration::ZERO,
    )
    .await;
    let plain = config(&url, "1000.old-rt");
    let mut parts = plain.parts();
    parts.redirect_url = Some("https://example.com/cb".into());
    let original = ConnectorConfig::from_parts(parts, plain.refresh_token.clone());
    let memory = Arc::new(MemoryStore::new());
    let store = Arc::new(GuardedStore::new(memory.clone(), Duration::from_secs(2)));
    let client = OAuthClient::new(Duration::from_secs(5));
    let (id, token) = exchange_code(&client, &original, "code-1", None, Some(store), true)
        .await
        .unwrap();
    assert_eq!(token.access_token, "1000.exchanged");
    let slot = registry::get(id).unwrap();
    assert_eq!(slot.config().refresh_token.as_deref(), Some("1000.new-rt"));
    assert_eq!(slot.current().unwrap().access_token, "1000.exchanged");
    let stored = memory.get(&slot.cache_key()).await.unwrap().unwrap();
    assert!(stored.contains("1000.exchanged"), "{stored}");
    assert_eq!(count.load(Ordering::SeqCst), 1);

    let error = exchange_code(&client, &original, "", None, None, true)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "app/INVALID_ARGUMENT");
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "no request for an empty code"
    );
}

#[tokio::test]
async fn a_revocation_clears_the_slot_and_every_stored_entry() {
    let (url, count) = token_server(
        200,
        r#"{"access_token":"1000.fresh","expires_in":3600}"#,
        Duration::ZERO,
    )
    .await;
    let plain = config(&url, "1000.revoked-rt");
    let mut parts = plain.parts();
    parts.provider.revoke_url = Some(url.clone());
    let settings = ConnectorConfig::from_parts(parts, plain.refresh_token.clone());
    let (_, slot) = registry::open(settings);
    let memory = Arc::new(MemoryStore::new());
    let store = Arc::new(GuardedStore::new(memory.clone(), Duration::from_secs(2)));
    slot.get(Some(store.clone())).await.unwrap();
    slot.flush().await;
    let keys = slot.shared().keys().clone();
    memory
        .put(
            &keys.rotation,
            r#"{"refresh_token":"x"}"#,
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let client = OAuthClient::new(Duration::from_secs(5));
    revoke(&client, &slot, Some(store)).await.unwrap();
    assert!(slot.current().is_none());
    for key in [&keys.entry, &keys.rotation, &keys.error] {
        assert_eq!(memory.get(key).await.unwrap(), None, "{key}");
    }
    assert_eq!(
        count.load(Ordering::SeqCst),
        2,
        "one refresh, one revocation"
    );
}
