//! Helpers shared by the integration tests: a local token endpoint.
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use zcatalyst_connector_rs::engine::config::ConnectorConfig;

/// One scripted answer of `scripted_server`.
#[derive(Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: &'static str,
    /// A `Retry-After` header, in seconds.
    pub retry_after: Option<u32>,
}

/// A one-route HTTP server on 127.0.0.1 answering every request with `body`
/// after `delay`, counting requests.
pub async fn token_server(
    status: u16,
    body: &'static str,
    delay: Duration,
) -> (String, Arc<AtomicUsize>) {
    let reply = Reply {
        status,
        body,
        retry_after: None,
    };
    scripted_server(vec![reply], delay).await
}

/// A server answering request `n` (0-based) with `script[n]`, or the last
/// reply once the script runs out.
pub async fn scripted_server(script: Vec<Reply>, delay: Duration) -> (String, Arc<AtomicUsize>) {
    let script = Arc::new(script);
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
            let script = script.clone();
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
                let n = counter.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                let reply = script[n.min(script.len() - 1)].clone();
                let retry_after = reply
                    .retry_after
                    .map(|s| format!("retry-after: {s}\r\n"))
                    .unwrap_or_default();
                let response = format!(
                    "HTTP/1.1 {} X\r\ncontent-type: application/json\r\n{retry_after}content-length: {}\r\nconnection: close\r\n\r\n{}",
                    reply.status,
                    reply.body.len(),
                    reply.body
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, count)
}

pub fn config(url: &str, refresh_token: &str) -> ConnectorConfig {
    let entry = json!({"client_id": "id", "client_secret": "secret", "auth_url": url,
                       "refresh_url": url, "refresh_token": refresh_token});
    ConnectorConfig::from_entry("engine-test", &entry).unwrap()
}
