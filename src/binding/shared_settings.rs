//! Settings `connector.js` has already sent: a few recent connectors'
//! settings other than the refresh token, kept under ids the engine hands
//! out, so a connector that differs from one of them only in its refresh
//! token (a multi-user application's per-request connectors) opens with the
//! id and the token — no serialization, no parsing, no interning. Ids are
//! unique in the process, so each copy of `connector.js` (one per worker
//! thread) only ever opens the settings it kept itself; what a copy kept is
//! dropped with its JS environment (a terminated worker leaves nothing).

use std::collections::HashMap;
use std::sync::atomic::AtomicU32;
use std::sync::{LazyLock, Mutex};

use napi::Env;
use napi_derive::napi;
use rustc_hash::FxBuildHasher;

use super::token_calls::open_slot;
use crate::engine::config::{ConnectorConfig, SharedRef};
use crate::engine::slot::registry;
use crate::support::ids::next_nonzero;
use crate::support::sync::lock;

/// Kept settings by id (each copy of `connector.js` keeps at most eight).
static KEPT_SETTINGS: LazyLock<Mutex<HashMap<u32, SharedRef, FxBuildHasher>>> =
    LazyLock::new(Mutex::default);

/// Keeps the settings (but the refresh token) of the slot behind `handle`
/// and returns their id, dropping those kept under `replaced` (0: none);
/// 0 for an unknown handle (then only `replaced` is dropped: `handle` 0
/// forgets).
#[napi(js_name = "keepSettings")]
pub fn keep_settings(env: Env, handle: u32, replaced: u32) -> u32 {
    let Some(slot) = registry::get(handle) else {
        let dropped = lock(&KEPT_SETTINGS).remove(&replaced);
        if dropped.is_some() {
            note_in_env(&env, 0, replaced);
        }
        return 0;
    };
    static NEXT_ID: AtomicU32 = AtomicU32::new(1);
    let id = next_nonzero(&NEXT_ID);
    let dropped = {
        let mut kept = lock(&KEPT_SETTINGS);
        let dropped = kept.remove(&replaced);
        kept.insert(id, slot.config().shared().clone());
        dropped
    };
    // Released after the map's lock: a last reference takes the interning lock.
    drop(dropped);
    note_in_env(&env, id, replaced);
    id
}

/// The ids one JS environment (the main thread, a worker thread) has kept,
/// dropped from the kept settings when that environment is torn down.
struct EnvKept(Vec<u32>);

/// Notes in `env`'s instance data that it keeps `id` and no longer `replaced`.
/// (If the data cannot be set, the ids stay kept until the process ends, as
/// they would without it: a few hundred bytes each.)
fn note_in_env(env: &Env, id: u32, replaced: u32) {
    match env.get_instance_data::<EnvKept>() {
        Ok(Some(EnvKept(ids))) => {
            ids.retain(|&known| known != replaced);
            if id != 0 {
                ids.push(id);
            }
            return;
        }
        Ok(None) => {}
        // Someone else's data: never replace it.
        Err(_) => return,
    }
    if id == 0 {
        return;
    }
    let _ = env.set_instance_data(EnvKept(vec![id]), (), |context| {
        let mut kept = lock(&KEPT_SETTINGS);
        for id in context.value.0 {
            kept.remove(&id);
        }
    });
}

/// How many distinct settings the process holds, kept or in use by a
/// connector (for tests: none outlives its last connector).
#[napi(js_name = "internedSettingsCount")]
pub fn interned_settings_count() -> u32 {
    u32::try_from(crate::engine::config::interned_count()).unwrap_or(u32::MAX)
}

/// How many settings are kept, all environments together (for tests).
#[napi(js_name = "keptSettingsCount")]
pub fn kept_settings_count() -> u32 {
    lock(&KEPT_SETTINGS).len() as u32
}

/// Opens (as `openConnector` does) the connector with the settings kept
/// under `id` and `refresh_token` (null or empty: none); 0 when nothing is
/// kept under `id` (open it with `openConnector`).
#[napi(js_name = "openKept")]
pub fn open_kept(id: u32, refresh_token: Option<String>) -> u32 {
    let Some(shared) = lock(&KEPT_SETTINGS).get(&id).cloned() else {
        return 0;
    };
    open_slot(ConnectorConfig::with_refresh_token(shared, refresh_token))
}
