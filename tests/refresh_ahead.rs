//! Refresh ahead of expiry: in the background while the slot is in use, not
//! when idle or turned off; retriable failures retried, others left for the
//! next caller; never a token served past its expiry.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::{scripted_server, Reply};
use serde_json::json;
use zcatalyst_connector_rs::engine::config::ConnectorConfig;
use zcatalyst_connector_rs::engine::slot::Slot;
use zcatalyst_connector_rs::engine::token::Token;
use zcatalyst_connector_rs::support::clock::now_ms;

const OK: Reply = Reply {
    status: 200,
    body: r#"{"access_token":"1000.a","expires_in":3600}"#,
    retry_after: None,
};

/// A slot whose tokens are served for two seconds (`refresh_in`), so the
/// refresh ahead fires 200–250 ms before expiry (room for a loaded machine).
fn two_second_slot(url: &str, name: &str) -> Arc<Slot> {
    let entry = json!({"client_id": "id", "client_secret": "s", "auth_url": url,
                       "refresh_url": url, "refresh_token": name, "refresh_in": 2});
    Arc::new(Slot::new(
        ConnectorConfig::from_entry("ahead", &entry).unwrap(),
    ))
}

/// Calls the hot path every 5 ms for `duration`; returns how many calls found
/// no fresh token (callers that would have waited).
async fn use_for(slot: &Slot, duration: Duration) -> usize {
    let end = now_ms() + duration.as_millis() as i64;
    let mut waits = 0;
    while now_ms() < end {
        if slot.fresh_generation(now_ms()) == 0 {
            waits += 1;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    waits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_in_use_refreshes_before_expiry_and_nobody_waits() {
    let (url, count) = scripted_server(vec![OK], Duration::from_millis(20)).await;
    let slot = two_second_slot(&url, "in-use");
    slot.get(None).await.unwrap();
    assert_eq!(use_for(&slot, Duration::from_millis(2900)).await, 0);
    assert_eq!(count.load(Ordering::SeqCst), 2);
    let stats = slot.stats();
    assert_eq!((stats.background_refreshes, stats.misses), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_slot_stops_refreshing_and_the_option_turns_it_off() {
    let (url, count) = scripted_server(vec![OK], Duration::ZERO).await;
    let idle = two_second_slot(&url, "idle");
    idle.get(None).await.unwrap();
    let off = two_second_slot(&url, "off");
    off.set_caller_options(&None, false);
    off.get(None).await.unwrap();
    assert!(
        use_for(&off, Duration::from_millis(2500)).await > 0,
        "off: the token expires in use"
    );
    assert_eq!(
        count.load(Ordering::SeqCst),
        2,
        "one request each, no refresh ahead"
    );
    assert_eq!(
        idle.stats().background_refreshes + off.stats().background_refreshes,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retriable_failure_is_retried_honouring_retry_after() {
    let busy = Reply {
        status: 503,
        body: "{}",
        retry_after: Some(0),
    };
    let (url, count) = scripted_server(vec![OK, busy, OK], Duration::ZERO).await;
    let slot = two_second_slot(&url, "retry");
    slot.get(None).await.unwrap();
    assert_eq!(use_for(&slot, Duration::from_millis(2500)).await, 0);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert_eq!(slot.stats().background_refreshes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_error_is_not_retried_and_reaches_the_next_caller() {
    let refused = Reply {
        status: 400,
        body: r#"{"error":"invalid_client"}"#,
        retry_after: None,
    };
    let (url, count) = scripted_server(vec![OK, refused], Duration::ZERO).await;
    let slot = two_second_slot(&url, "refused");
    slot.get(None).await.unwrap();
    let waits = use_for(&slot, Duration::from_millis(2500)).await;
    assert!(
        waits > 0,
        "the old token expired and was not served past it"
    );
    assert_eq!(
        count.load(Ordering::SeqCst),
        2,
        "no retry of invalid_client"
    );
    let error = slot.get(None).await.unwrap_err();
    assert_eq!(error.code(), "app/OAUTH_ERROR");
}

#[tokio::test]
async fn the_hot_path_stops_before_expiry() {
    let slot = two_second_slot("http://127.0.0.1:9/t", "late");
    slot.set_caller_options(&None, false);
    let expires_at = now_ms() + 60_000;
    slot.publish(Arc::new(Token {
        access_token: "t".into(),
        expires_in: 60,
        expires_at,
        refresh_token: None,
        api_domain: None,
    }));
    assert_ne!(slot.fresh_generation(expires_at - 1_000), 0);
    assert_eq!(
        slot.fresh_generation(expires_at - 5),
        0,
        "the coarse clock may lag: stop early"
    );
    assert_eq!(slot.fresh_generation(expires_at), 0);
}
