//! The pure-Rust engine, by concern: `config` (settings and providers),
//! `oauth` (the HTTP client and what providers answer), `entry` (what stores
//! hold), and `slot` (the refresh core: token source → shared source → cached
//! slot, and the registry of slots). Nothing here knows about Node-API.

pub mod config;
pub mod entry;
pub mod error;
pub mod oauth;
pub mod slot;
pub mod token;
