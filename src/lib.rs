//! zcatalyst-connector-rs: a native drop-in for `@zcatalyst/connector`.
//!
//! `engine` and `store` are pure Rust (tested with `cargo test`); `binding` is the thin
//! Node-API layer that `connector.js` builds the public classes on.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod binding;
pub mod engine;
pub mod store;
pub mod support;
