//! A store implemented in JavaScript (a custom `{ get, put, delete? }` object or
//! a Catalyst app's cache segment), called from tokio through one weak
//! threadsafe function.
//!
//! `connector.js` wraps the user's object in one async function
//! `(op, key, value, ttlSeconds) => Promise<string | null>`, so every answer
//! arrives as a promise; a throw or a rejection becomes a `StoreError` here
//! (`call_async_catch`), never an uncaught exception. The function is weak: a
//! store the process no longer awaits does not keep it alive.

use std::time::Duration;

use futures::FutureExt;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;

use crate::store::{StoreError, StoreFuture, TokenStore};

/// `(op, key, value, ttlSeconds)`.
pub type StoreCallArgs = FnArgs<(String, String, String, f64)>;

type StoreCall =
    ThreadsafeFunction<StoreCallArgs, Promise<Option<String>>, StoreCallArgs, Status, false, true>;

/// A store whose operations run in JavaScript.
pub struct JsStore {
    name: String,
    call: StoreCall,
}

impl JsStore {
    /// Wraps `call`, the shim `connector.js` builds around the user's object.
    pub fn new(
        name: String,
        call: &Function<StoreCallArgs, Promise<Option<String>>>,
    ) -> Result<Self> {
        let call = call
            .build_threadsafe_function::<StoreCallArgs>()
            .callee_handled::<false>()
            .weak::<true>()
            .build()?;
        Ok(JsStore { name, call })
    }

    async fn invoke(
        &self,
        op: &str,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> std::result::Result<Option<String>, StoreError> {
        let args = (
            op.to_owned(),
            key.to_owned(),
            value.to_owned(),
            ttl.as_secs_f64(),
        );
        let failed =
            |e: Error| StoreError::new(format!("{}: {op} failed: {}", self.name, short(&e.reason)));
        let promise = self
            .call
            .call_async_catch(FnArgs::from(args))
            .await
            .map_err(failed)?;
        promise.await.map_err(failed)
    }
}

/// A JS error message cut to a log-friendly length.
fn short(message: &str) -> String {
    const LIMIT: usize = 200;
    match message.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_owned(),
    }
}

impl TokenStore for JsStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        self.invoke("get", key, "", Duration::ZERO).boxed()
    }

    fn put<'a>(&'a self, key: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        self.invoke("put", key, value, ttl)
            .map(|r| r.map(drop))
            .boxed()
    }

    /// A JS store cannot compare and set: the last write wins (reading first
    /// would double the calls to a remote cache on every refresh).
    fn put_if_newer<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        _expires_at: i64,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        self.invoke("put", key, value, ttl)
            .map(|r| r.map(|_| true))
            .boxed()
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.invoke("delete", key, "", Duration::ZERO)
            .map(|r| r.map(drop))
            .boxed()
    }
}
