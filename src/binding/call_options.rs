//! What a `Connection` passes with every call that may refresh: its store,
//! whether to refresh ahead, and its `onTokens` listener. `connector.js` makes
//! one handle per `Connection` (lazily, on its first miss). Internal.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::stores::StoreHandle;
use crate::engine::slot::{Slot, StoreRef, TokensEvent, TokensListener};

/// A `Connection`'s call options.
pub struct CallOptions {
    /// Where tokens are shared.
    pub store: StoreRef,
    /// Whether tokens are refreshed before they expire.
    pub refresh_ahead: bool,
    /// Told when the provider rotates the refresh token.
    pub listener: Option<TokensListener>,
}

impl CallOptions {
    /// Makes these the slot's options for background work.
    pub fn apply_to(&self, slot: &Slot) {
        slot.set_caller_options(&self.store, self.refresh_ahead);
        slot.set_listener(self.listener.clone());
    }
}

/// The handle `connector.js` passes.
pub type CallOptionsHandle = External<CallOptions>;

/// The `onTokens` event: the provider rotated the refresh token.
#[napi(object)]
pub struct RotatedTokens {
    /// The connector's name.
    pub connector_name: String,
    /// The new refresh token: store it where your configuration lives.
    pub refresh_token: String,
    /// The access token that came with it.
    pub access_token: String,
    /// When that access token stops being served, epoch ms.
    pub expires_at: f64,
}

type Listener = ThreadsafeFunction<RotatedTokens, (), RotatedTokens, Status, false, true>;

/// Call options over `store`; `on_tokens` is called (on the JS thread, never
/// keeping the process alive) when a refresh token is rotated.
#[napi(
    js_name = "callOptions",
    ts_args_type = "store: ExternalObject<unknown>, refreshAhead: boolean, onTokens?: (event: RotatedTokens) => void",
    ts_return_type = "ExternalObject<unknown>"
)]
pub fn call_options(
    store: &StoreHandle,
    refresh_ahead: bool,
    on_tokens: Option<Function<RotatedTokens, ()>>,
) -> Result<CallOptionsHandle> {
    let listener = match on_tokens {
        None => None,
        Some(function) => {
            let tsfn: Listener = function
                .build_threadsafe_function::<RotatedTokens>()
                .callee_handled::<false>()
                .weak::<true>()
                .build()?;
            let tsfn = Arc::new(tsfn);
            let listener: TokensListener = Arc::new(move |event: TokensEvent| {
                let _ = tsfn.call(
                    RotatedTokens {
                        connector_name: event.connector_name,
                        refresh_token: event.refresh_token,
                        access_token: event.access_token,
                        expires_at: event.expires_at as f64,
                    },
                    ThreadsafeFunctionCallMode::NonBlocking,
                );
            });
            Some(listener)
        }
    };
    Ok(External::new(CallOptions {
        store: (**store).clone(),
        refresh_ahead,
        listener,
    }))
}
