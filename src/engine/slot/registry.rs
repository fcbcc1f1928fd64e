//! The process-wide table of slots: every connector with the same configuration,
//! from any `Connection`, shares one slot and so one cached token.
//!
//! Slots are addressed by a small integer handle so the JS hot path can pass a
//! number instead of a wrapped object. Slots live as long as the process: a
//! configuration seen once is likely to be seen again (the per-request pattern).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use super::cached::Slot;
use crate::engine::config::ConnectorConfig;
use crate::support::sync::lock;

/// A slot's handle: its index in the table plus one (0 is never a handle).
pub type SlotId = u32;

#[derive(Default)]
struct Table {
    /// The configuration is the slot's own (one allocation, shared).
    by_config: HashMap<Arc<ConnectorConfig>, SlotId>,
}

/// Append-only and lock-free to read: the hot path indexes it on every call.
static SLOTS: LazyLock<boxcar::Vec<Arc<Slot>>> = LazyLock::new(boxcar::Vec::new);
static TABLE: LazyLock<Mutex<Table>> = LazyLock::new(Default::default);

/// The slot for `config`, created on first use.
pub fn open(config: ConnectorConfig) -> (SlotId, Arc<Slot>) {
    let mut table = lock(&TABLE);
    if let Some(id) = table.by_config.get(&config) {
        if let Some(slot) = get(*id) {
            return (*id, slot);
        }
    }
    let config = Arc::new(config);
    let slot = Arc::new(Slot::with_config(config.clone()));
    // Pushes happen only under the table lock, so indices are dense.
    let id = (SLOTS.push(slot.clone()) + 1) as SlotId;
    // The board row is the handle, so JavaScript reads row `handle`.
    slot.attach_board(id as usize);
    table.by_config.insert(config, id);
    (id, slot)
}

/// The slot of `config`, if one was opened.
pub fn find(config: &ConnectorConfig) -> Option<Arc<Slot>> {
    let table = lock(&TABLE);
    table.by_config.get(config).and_then(|id| get(*id))
}

/// The slot behind a handle.
pub fn get(id: SlotId) -> Option<Arc<Slot>> {
    with(id, Arc::clone)
}

/// Runs `f` on the slot behind a handle without cloning the `Arc` (hot path).
pub fn with<R>(id: SlotId, f: impl FnOnce(&Arc<Slot>) -> R) -> Option<R> {
    let index = (id as usize).checked_sub(1)?;
    SLOTS.get(index).map(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(refresh_token: &str) -> ConnectorConfig {
        let entry = json!({"client_id": "c", "client_secret": "s", "auth_url": "https://a/t",
                           "refresh_url": "https://a/t", "refresh_token": refresh_token});
        ConnectorConfig::from_entry("registry-test", &entry).unwrap()
    }

    #[test]
    fn equal_configurations_share_one_slot() {
        let (a, slot_a) = open(config("one"));
        let (b, slot_b) = open(config("one"));
        let (c, _) = open(config("two"));
        assert_eq!(a, b);
        assert!(Arc::ptr_eq(&slot_a, &slot_b));
        assert_ne!(a, c);
        assert!(get(0).is_none());
        assert!(get(u32::MAX).is_none());
    }
}
