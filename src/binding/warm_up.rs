//! Warm-up off the JS thread: when the addon loads, a short-lived thread
//! makes what the first token call would otherwise make on the JS thread —
//! the freshness board and its expiry thread, the refresh-ahead queue and its
//! task, the slot table — and runs the settings parser and the entry decoder
//! once, so their code is paged in. A first call that comes sooner waits for
//! whatever is still being made (no work is done twice), never longer than
//! it would have taken itself.

use serde_json::json;

use super::token_calls::ahead_queue;
use crate::engine::config::ConnectorConfig;
use crate::engine::entry::stored;
use crate::engine::slot::{board, registry};
use crate::support::clock;

/// Starts the warm-up thread (if a thread cannot be started, the first call
/// makes everything itself, as it would have anyway).
pub fn start() {
    let _ = std::thread::Builder::new()
        .name("zc-warm-up".into())
        .spawn(warm_up);
}

fn warm_up() {
    board::start();
    ahead_queue();
    let _ = registry::live();
    // client_id, client_secret, auth_url, refresh_url, refresh_token (`FIELDS` order).
    let settings =
        r#"["warm-up","warm-up","http://127.0.0.1:9/t","http://127.0.0.1:9/t","warm-up"]"#;
    let _ = ConnectorConfig::from_positional("warm-up", settings);
    let now = clock::now_ms();
    let entry = json!({"access_token": "warm-up", "expiry_in_seconds": 3600, "expires_at": now + 3_600_000});
    let _ = stored::decode_now(&entry.to_string(), None, now);
}
