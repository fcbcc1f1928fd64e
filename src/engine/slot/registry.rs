//! The process-wide table of slots: every connector with the same configuration,
//! from any `Connection`, shares one slot and so one cached token.
//!
//! Slots are addressed by a small integer handle so the JS hot path can pass a
//! number instead of a wrapped object; the handle is also the slot's row on
//! the freshness board (`board`).
//!
//! **Lifetimes.** Every handle given out carries one reference (`open`,
//! `retain`); its holder gives it back with `release` (`connector.js` does so
//! from a `FinalizationRegistry` when the object holding the handle — a
//! settings object's validated record, a `Connector` — is collected). A slot
//! with no reference left is freed as soon as nothing else uses it (no call
//! in flight, no refresh or store write running: only the table holds it);
//! one still busy is freed by a later `open` or `release` once it is idle. A
//! freed slot's handle and board row go back to a free list. Handles are only
//! reused after every reference to them was released, and token generations
//! are unique in the process, so a stale string can never match a new slot.
//! A freed slot's token survives where it was written: in the store.
//!
//! Each configuration is stored once, in its slot: the index holds handles
//! with their configuration's hash, and compares a candidate's configuration
//! in its slot. The hash is kept so that growing the index (a process opening
//! many distinct configurations) moves entries without reading every slot.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use std::sync::{Arc, LazyLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::board;
use super::cached::Slot;
use crate::engine::config::ConnectorConfig;
use crate::support::memory;

/// A slot's handle: its index in the table plus one (0 is never a handle).
pub type SlotId = u32;

struct Entry {
    slot: Arc<Slot>,
    refs: u32,
}

/// An index entry: a slot's handle and its configuration's hash.
#[derive(Clone, Copy)]
struct Indexed {
    hash: u64,
    id: SlotId,
}

/// The index's hash of `config`. FxHash: the settings are the application's
/// own, not an attacker's.
fn hash_of(config: &ConnectorConfig) -> u64 {
    FxBuildHasher.hash_one(config)
}

/// References to a slot the table itself holds: its entry.
const TABLE_HOLDS: usize = 1;

#[derive(Default)]
struct Table {
    /// By handle − 1; `None`: free.
    slots: Vec<Option<Entry>>,
    /// Handles of freed slots, for reuse.
    free: Vec<SlotId>,
    /// Handles whose last reference went while the slot was busy.
    unreferenced: Vec<SlotId>,
    /// The open slots by configuration (see `Indexed`).
    by_config: HashTable<Indexed>,
    /// Slots freed since memory was last given back to the system.
    freed_since_trim: usize,
}

/// Freed slots between two `memory::trim` calls: a trim walks the heap, so
/// it runs once per batch (a process dropping many connectors), not per slot.
const TRIM_EVERY: usize = 4096;

impl Table {
    fn entry(&mut self, id: SlotId) -> Option<&mut Entry> {
        let index = (id as usize).checked_sub(1)?;
        self.slots.get_mut(index)?.as_mut()
    }

    /// The handle of the slot open for `config` (whose index hash is `hash`).
    fn find(&self, config: &ConnectorConfig, hash: u64) -> Option<SlotId> {
        let same = |e: &Indexed| {
            e.hash == hash
                && self
                    .slots
                    .get(e.id as usize - 1)
                    .and_then(Option::as_ref)
                    .is_some_and(|entry| entry.slot.config() == config)
        };
        self.by_config.find(hash, same).map(|e| e.id)
    }

    /// Frees `id` if it has no reference and only the table holds its slot;
    /// returns whether it is gone (or was never there).
    fn free_if_idle(&mut self, id: SlotId) -> bool {
        let Some(entry) = self.entry(id) else {
            return true;
        };
        if entry.refs > 0 {
            return false;
        }
        if Arc::strong_count(&entry.slot) > TABLE_HOLDS {
            return false;
        }
        let index = id as usize - 1;
        if let Some(entry) = self.slots[index].take() {
            let hash = hash_of(entry.slot.config());
            if let Ok(indexed) = self.by_config.find_entry(hash, |e| e.id == id) {
                indexed.remove();
            }
            board::reset(id as usize);
            self.free.push(id);
            self.freed_since_trim += 1;
            if self.freed_since_trim >= TRIM_EVERY {
                self.freed_since_trim = 0;
                memory::trim();
            }
        }
        true
    }

    /// Frees the unreferenced slots that became idle.
    fn sweep(&mut self) {
        let waiting = std::mem::take(&mut self.unreferenced);
        for id in waiting {
            if !self.free_if_idle(id) && self.entry(id).is_some_and(|e| e.refs == 0) {
                self.unreferenced.push(id);
            }
        }
    }
}

static TABLE: LazyLock<RwLock<Table>> = LazyLock::new(Default::default);

fn read() -> RwLockReadGuard<'static, Table> {
    TABLE
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write() -> RwLockWriteGuard<'static, Table> {
    TABLE
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The slot for `config`, created on first use, with one more reference for
/// the caller (give it back with `release`).
pub fn open(config: ConnectorConfig) -> (SlotId, Arc<Slot>) {
    let hash = hash_of(&config);
    let mut table = write();
    table.sweep();
    if let Some(id) = table.find(&config, hash) {
        if let Some(entry) = table.entry(id) {
            entry.refs = entry.refs.saturating_add(1);
            return (id, entry.slot.clone());
        }
    }
    let slot = Arc::new(Slot::with_config(config));
    let entry = Entry {
        slot: slot.clone(),
        refs: 1,
    };
    let id = match table.free.pop() {
        Some(id) => {
            table.slots[id as usize - 1] = Some(entry);
            id
        }
        None => {
            table.slots.push(Some(entry));
            table.slots.len() as SlotId
        }
    };
    // The board row is the handle, so JavaScript reads row `handle`.
    slot.attach_board(id as usize);
    table
        .by_config
        .insert_unique(hash, Indexed { hash, id }, |e| e.hash);
    (id, slot)
}

/// One more reference to `id` (another object holds the handle); false for
/// an unknown handle.
pub fn retain(id: SlotId) -> bool {
    match write().entry(id) {
        Some(entry) => {
            entry.refs = entry.refs.saturating_add(1);
            true
        }
        None => false,
    }
}

/// Gives back one reference to `id`; the slot is freed once it has none and
/// is idle. Returns whether `id` has no reference left.
pub fn release(id: SlotId) -> bool {
    let mut table = write();
    table.sweep();
    let Some(entry) = table.entry(id) else {
        return true;
    };
    entry.refs = entry.refs.saturating_sub(1);
    if entry.refs > 0 {
        return false;
    }
    if !table.free_if_idle(id) {
        table.unreferenced.push(id);
    }
    true
}

/// Slots in the table (referenced or waiting to become idle).
pub fn live() -> usize {
    read().by_config.len()
}

/// The slot of `config`, if one is open.
pub fn find(config: &ConnectorConfig) -> Option<Arc<Slot>> {
    let table = read();
    let id = table.find(config, hash_of(config))?;
    let index = (id as usize).checked_sub(1)?;
    table.slots.get(index)?.as_ref().map(|e| e.slot.clone())
}

/// The slot behind a handle.
pub fn get(id: SlotId) -> Option<Arc<Slot>> {
    with(id, Arc::clone)
}

/// Runs `f` on the slot behind a handle without cloning the `Arc`.
pub fn with<R>(id: SlotId, f: impl FnOnce(&Arc<Slot>) -> R) -> Option<R> {
    let index = (id as usize).checked_sub(1)?;
    let table = read();
    table.slots.get(index)?.as_ref().map(|e| f(&e.slot))
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

    #[test]
    fn a_slot_is_freed_after_its_last_reference_once_idle() {
        let (id, slot) = open(config("freed"));
        assert!(retain(id));
        assert!(!release(id), "one reference left");
        assert!(release(id), "none left");
        assert!(find(&config("freed")).is_some(), "still busy: held here");
        drop(slot);
        let (other, _) = open(config("another")); // sweeps
        assert!(find(&config("freed")).is_none(), "freed once idle");
        assert!(get(id).is_none() || id == other);
        assert!(!retain(0));
    }
}
