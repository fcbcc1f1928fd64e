//! The slot against a local token endpoint: single-flight, errors, publication.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{config, token_server};
use zcatalyst_connector_rs::engine::slot::registry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_callers_share_one_request() {
    let (url, count) = token_server(
        200,
        r#"{"access_token":"at-1","expires_in":3600}"#,
        Duration::from_millis(50),
    )
    .await;
    let (_, slot) = registry::open(config(&url, "single-flight"));
    let calls: Vec<_> = (0..500)
        .map(|_| {
            let s = slot.clone();
            tokio::spawn(async move { s.get(None).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().access_token, "at-1");
    }
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let stats = slot.stats();
    assert_eq!(stats.token_requests, 1);
    assert_eq!(stats.misses, 500);
    assert_ne!(
        slot.fresh_generation(zcatalyst_connector_rs::support::clock::now_ms()),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_is_shared_and_backed_off() {
    let (url, count) = token_server(
        200,
        r#"{"error":"invalid_code"}"#,
        Duration::from_millis(20),
    )
    .await;
    let (_, slot) = registry::open(config(&url, "failing"));
    let (a, b) = tokio::join!(slot.get(None), slot.get(None));
    assert_eq!(a.unwrap_err().code(), "app/OAUTH_ERROR");
    assert_eq!(b.unwrap_err().code(), "app/OAUTH_ERROR");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let again = slot.get(None).await.unwrap_err();
    assert_eq!(again.code(), "app/OAUTH_ERROR", "the same error, at once");
    assert!(again.retry_at_ms().is_some());
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "no request while backed off"
    );
    assert_eq!(slot.stats().token_request_errors, 1);
    assert_eq!(slot.stats().backed_off, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_replaces_a_fresh_token_and_bumps_the_generation() {
    let (url, count) = token_server(
        200,
        r#"{"access_token":"at","expires_in":"3600"}"#,
        Duration::ZERO,
    )
    .await;
    let (_, slot) = registry::open(config(&url, "forced"));
    slot.get(None).await.unwrap();
    let now = zcatalyst_connector_rs::support::clock::now_ms();
    let first = slot.fresh_generation(now);
    slot.refresh(None).await.unwrap();
    let second = slot.fresh_generation(now);
    assert_ne!(first, second);
    assert!(slot.token_of_generation(first).is_none());
    assert_eq!(slot.token_of_generation(second).unwrap().access_token, "at");
    assert_eq!(count.load(Ordering::SeqCst), 2);
    slot.clear();
    assert_eq!(slot.fresh_generation(now), 0);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_503_network_error() {
    let (_, slot) = registry::open(config("http://127.0.0.1:9/t", "unreachable"));
    let err = slot.get(None).await.unwrap_err();
    assert_eq!(err.code(), "app/NETWORK_ERROR");
    assert_eq!(err.status_code(), 503);
    assert!(!err.to_string().contains("secret"));
}
