//! The slot against a local token endpoint: single-flight, errors, publication.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use zcatalyst_connector_rs::engine::config::ConnectorConfig;
use zcatalyst_connector_rs::engine::registry;

/// A one-route HTTP server on 127.0.0.1 answering every request with `body`
/// after `delay`, counting requests.
async fn token_server(
    status: u16,
    body: &'static str,
    delay: Duration,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/oauth/v2/token", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut read = 0;
                // Read headers and the (small) form body.
                loop {
                    let n = socket.read(&mut buf[read..]).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    read += n;
                    let text = String::from_utf8_lossy(&buf[..read]);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if read >= end + 4 + length {
                            break;
                        }
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, count)
}

fn config(url: &str, refresh_token: &str) -> ConnectorConfig {
    let entry = json!({"client_id": "id", "client_secret": "secret", "auth_url": url,
                       "refresh_url": url, "refresh_token": refresh_token});
    ConnectorConfig::from_entry("engine-test", &entry).unwrap()
}

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
            tokio::spawn(async move { s.get().await })
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
        slot.fresh_generation(zcatalyst_connector_rs::engine::token::now_ms()),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_is_shared_and_not_cached() {
    let (url, count) = token_server(
        200,
        r#"{"error":"invalid_code"}"#,
        Duration::from_millis(20),
    )
    .await;
    let (_, slot) = registry::open(config(&url, "failing"));
    let (a, b) = tokio::join!(slot.get(), slot.get());
    assert_eq!(a.unwrap_err().code(), "app/OAUTH_ERROR");
    assert_eq!(b.unwrap_err().code(), "app/OAUTH_ERROR");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(slot.get().await.is_err());
    assert_eq!(count.load(Ordering::SeqCst), 2, "an error is not cached");
    assert_eq!(slot.stats().token_request_errors, 2);
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
    slot.get().await.unwrap();
    let now = zcatalyst_connector_rs::engine::token::now_ms();
    let first = slot.fresh_generation(now);
    slot.refresh().await.unwrap();
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
    let err = slot.get().await.unwrap_err();
    assert_eq!(err.code(), "app/NETWORK_ERROR");
    assert_eq!(err.status_code(), 503);
    assert!(!err.to_string().contains("secret"));
}
