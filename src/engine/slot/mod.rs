//! The refresh core, in three layers, each testable alone over a fake of the
//! layer below (in the spirit of golang/oauth2's `reuseTokenSource` over
//! `tokenRefresher`):
//!
//! 1. `source` — the *token source*: one HTTP refresh, with rotation of the
//!    refresh token;
//! 2. `shared` (+ `entries`, `fleet`, `rotation`) — the *shared source*: the
//!    store and the fleet lease (`lease`) around it, the fleet-wide back-off
//!    entry, and rotated refresh tokens;
//! 3. `cached` (+ `ahead`) — the *slot*: the cached token, single-flight,
//!    refresh-ahead and back-off.
//!
//! Around them: `backoff` and `schedule` (pure timing policy), `counters`,
//! the process-wide `registry` of slots, and the operations that step outside
//! a refresh (`exchange`, `revoke`).

mod ahead;
pub mod backoff;
pub mod board;
pub mod cached;
pub mod counters;
pub mod entries;
pub mod events;
pub mod exchange;
mod fleet;
pub mod lease;
pub mod registry;
pub mod revoke;
mod rotation;
pub mod schedule;
pub mod shared;
pub mod source;

pub use ahead::{install_queue, AheadQueue};
pub use cached::Slot;
pub use counters::SlotStats;
pub use events::{SlotEvent, SlotListener, TokensEvent};
pub use shared::StoreRef;
