//! Settings `connector.js` has already sent: a few recent connectors'
//! settings other than the refresh token, kept at indexes JavaScript
//! chose, so a connector that differs from one of them only in its refresh
//! token (a multi-user application's per-request connectors) opens with the
//! index and the token — no serialization, no parsing, no interning.

use std::sync::{Arc, LazyLock, Mutex};

use napi_derive::napi;

use super::token_calls::ahead_queue;
use crate::engine::config::{ConnectorConfig, SharedSettings};
use crate::engine::slot::registry;
use crate::support::sync::lock;

/// How many settings JavaScript may keep here (`lib/shared-settings.js`).
const KEPT: usize = 8;

static KEPT_SETTINGS: LazyLock<Mutex<[Option<Arc<SharedSettings>>; KEPT]>> =
    LazyLock::new(|| Mutex::new(Default::default()));

/// Keeps the settings (but the refresh token) of the slot behind `handle` at
/// `index`, in place of what was there; false for an unknown handle or an
/// index out of range (nothing is kept).
#[napi(js_name = "keepSettings")]
pub fn keep_settings(handle: u32, index: u32) -> bool {
    let Some(slot) = registry::get(handle) else {
        return false;
    };
    match lock(&KEPT_SETTINGS).get_mut(index as usize) {
        Some(kept) => {
            *kept = Some(slot.config().shared().clone());
            true
        }
        None => false,
    }
}

/// Opens (as `openConnector` does) the connector with the settings kept at
/// `index` and `refresh_token` (null or empty: none); 0 when nothing is
/// kept there (open it with `openConnector`).
#[napi(js_name = "openKept")]
pub fn open_kept(index: u32, refresh_token: Option<String>) -> u32 {
    let Some(shared) = lock(&KEPT_SETTINGS)
        .get(index as usize)
        .and_then(Option::clone)
    else {
        return 0;
    };
    let config = ConnectorConfig::with_refresh_token(shared, refresh_token);
    ahead_queue();
    registry::open(config).0
}
