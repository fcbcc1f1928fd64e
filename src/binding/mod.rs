//! The Node-API layer: converts arguments, results and errors, nothing else.
//! The public classes live in `connector.js`; they call these functions with a
//! connector's numeric slot handle so the hot path crosses into Rust once,
//! with no object unwrapping.

pub mod call_options;
pub mod error;
pub mod hot_path;
pub mod js_store;
pub mod keep_alive;
pub mod provider_calls;
pub mod runtime;
pub mod shared_settings;
pub mod stores;
pub mod text_arg;
pub mod token_calls;
pub mod warm_up;
