//! Store handles for `connector.js`: a `Connection` resolves its store option
//! once into one of these and passes it with every call that may read or
//! write the store (a miss, a refresh, a put). Internal.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::error::js_error;
use super::js_store::{JsStore, StoreCallArgs};
use crate::engine::error::ConnectorError;
use crate::engine::slot::StoreRef;
use crate::store::guard::GuardedStore;
use crate::store::open::{open_url, StoreOptions, DEFAULT_TIMEOUT};

/// The store a connector reads and writes through (`None`: memory only).
pub type StoreHandle = External<StoreRef>;

fn timeout(timeout_ms: Option<f64>) -> Duration {
    match timeout_ms {
        Some(ms) if ms.is_finite() && ms > 0.0 => Duration::from_millis(ms as u64),
        _ => DEFAULT_TIMEOUT,
    }
}

/// The memory-only store: the process-wide slot cache and nothing else.
#[napi(js_name = "memoryStore", ts_return_type = "ExternalObject<unknown>")]
pub fn memory_store() -> StoreHandle {
    External::new(None)
}

/// The store named by `url` (`redis://…`, `file:///…`, `memory:`), opened once
/// per process; throws `app/INVALID_STORE` for a URL it cannot use.
#[napi(js_name = "urlStore", ts_return_type = "ExternalObject<unknown>")]
pub fn url_store(
    env: Env,
    url: String,
    key_prefix: Option<String>,
    timeout_ms: Option<f64>,
) -> Result<StoreHandle> {
    let options = StoreOptions {
        key_prefix: key_prefix.unwrap_or_default(),
        timeout: timeout(timeout_ms),
    };
    let store =
        open_url(&url, &options).map_err(|e| js_error(&env, &ConnectorError::InvalidStore(e.0)))?;
    Ok(External::new(Some(store)))
}

/// A store whose operations are the JS function `call(op, key, value, ttlSeconds)`.
#[napi(
    js_name = "jsStore",
    ts_args_type = "name: string, call: (op: string, key: string, value: string, ttlSeconds: number) => Promise<string | null>, timeoutMs?: number",
    ts_return_type = "ExternalObject<unknown>"
)]
pub fn js_store(
    env: Env,
    name: String,
    call: Function<StoreCallArgs, Promise<Option<String>>>,
    timeout_ms: Option<f64>,
) -> Result<StoreHandle> {
    let store = JsStore::new(name, &call).map_err(|_| {
        js_error(
            &env,
            &ConnectorError::InvalidStore("The store could not be set up".into()),
        )
    })?;
    let guarded = GuardedStore::new(Arc::new(store), timeout(timeout_ms));
    Ok(External::new(Some(Arc::new(guarded))))
}
