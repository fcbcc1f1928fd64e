//! The pure-Rust engine: configuration, cache keys, tokens, the OAuth client and
//! the per-connector slots. Nothing here knows about Node-API.

pub mod authorize;
pub mod cache_key;
pub mod config;
pub mod crypto;
pub mod error;
pub mod exchange;
pub mod fleet;
pub mod oauth;
pub mod provider;
pub mod refresh_ahead;
pub mod registry;
pub mod revoke;
pub mod rotation;
pub mod schedule;
pub mod slot;
pub mod slot_store;
pub mod stored_token;
pub mod sync;
pub mod token;
pub mod token_response;
pub mod url_policy;
