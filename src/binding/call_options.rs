//! What a `Connection` passes with every call that may refresh: its store,
//! whether to refresh ahead, its event listener and its HTTP settings
//! (`timeoutMs`, `ca`). `connector.js` makes one handle per `Connection`
//! (lazily, on its first miss). Internal.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::{json, Map, Value};

use super::stores::StoreHandle;
use crate::engine::config::ConnectorConfig;
use crate::engine::error::Result as EngineResult;
use crate::engine::oauth::client::HttpSettings;
use crate::engine::oauth::OAuthClient;
use crate::engine::slot::source::TokenEndpoint;
use crate::engine::slot::{Slot, SlotEvent, SlotListener, StoreRef};
use crate::engine::token::Token;
use crate::support::events::Level;

/// A `Connection`'s call options.
pub struct CallOptions {
    /// Where tokens are shared.
    pub store: StoreRef,
    /// Whether tokens are refreshed before they expire.
    pub refresh_ahead: bool,
    /// Told about rotations, refreshes, failures and store outages.
    pub listener: Option<SlotListener>,
    /// The HTTP client for token requests (timeout, trusted authorities),
    /// made on the first request.
    pub http: Arc<LazyClient>,
}

/// A Connection's HTTP client, made when a request first needs it: building
/// one loads the system's roots (tens of milliseconds), and a connector served
/// from a store never sends a request.
pub struct LazyClient {
    settings: HttpSettings,
    client: OnceLock<Arc<OAuthClient>>,
}

impl LazyClient {
    /// The client for these settings (the process-wide one for the same settings).
    pub fn client(&self) -> Arc<OAuthClient> {
        self.client
            .get_or_init(|| OAuthClient::for_settings(&self.settings))
            .clone()
    }
}

impl TokenEndpoint for LazyClient {
    fn refresh<'a>(
        &'a self,
        config: &'a ConnectorConfig,
        refresh_token: Option<&'a str>,
    ) -> BoxFuture<'a, EngineResult<Token>> {
        let client = self.client();
        async move { client.refresh(config, refresh_token).await }.boxed()
    }

    /// The settings' timeout (the fleet's waits are bounded by it), without
    /// making the client.
    fn timeout(&self) -> std::time::Duration {
        self.settings.timeout
    }
}

impl CallOptions {
    /// Makes these the slot's options for background work.
    pub fn apply_to(&self, slot: &Slot) {
        slot.set_caller_options(&self.store, self.refresh_ahead);
        slot.set_listener(self.listener.clone());
        slot.set_endpoint(self.http.clone());
    }
}

/// The handle `connector.js` passes.
pub type CallOptionsHandle = External<CallOptions>;

/// HTTP settings of a `Connection`.
#[napi(object)]
pub struct HttpOptions {
    /// Total time a token request may take, ms (default: `ZC_CONNECTOR_HTTP_TIMEOUT_MS`, else 30 000).
    pub timeout_ms: Option<f64>,
    /// PEM certificate(s) to trust besides the system's roots.
    pub ca: Option<String>,
}

type Listener = ThreadsafeFunction<Value, (), Value, Status, false, true>;

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warn",
    }
}

/// An engine event as the plain object `connector.js` routes:
/// `{ type, connectorName, ... }`.
fn event_object(event: SlotEvent) -> Value {
    match event {
        SlotEvent::Tokens(tokens) => json!({
            "type": "tokens",
            "connectorName": tokens.connector_name,
            "refreshToken": tokens.refresh_token,
            "accessToken": tokens.access_token,
            "expiresAt": tokens.expires_at,
        }),
        SlotEvent::Diagnostic(event) => {
            let mut object = Map::new();
            object.insert("type".into(), event.kind.into());
            object.insert("level".into(), level_name(event.level).into());
            if let Some(name) = event.connector {
                object.insert("connectorName".into(), name.into());
            }
            object.insert("message".into(), event.message.into());
            for (name, value) in event.numbers {
                let value = if name == "background" {
                    Value::Bool(value != 0.0)
                } else {
                    json!(value)
                };
                object.insert(name.into(), value);
            }
            for (name, value) in event.texts {
                object.insert(name.into(), value.into());
            }
            Value::Object(object)
        }
    }
}

/// Call options over `store`; `on_event` is called (on the JS thread, never
/// keeping the process alive) with each engine event.
#[napi(
    js_name = "callOptions",
    ts_args_type = "store: ExternalObject<unknown>, refreshAhead: boolean, onEvent?: (event: any) => void, http?: HttpOptions",
    ts_return_type = "ExternalObject<unknown>"
)]
pub fn call_options(
    store: &StoreHandle,
    refresh_ahead: bool,
    on_event: Option<Function<Value, ()>>,
    http: Option<HttpOptions>,
) -> Result<CallOptionsHandle> {
    let listener = match on_event {
        None => None,
        Some(function) => {
            let tsfn: Listener = function
                .build_threadsafe_function::<Value>()
                .callee_handled::<false>()
                .weak::<true>()
                .build()?;
            let tsfn = Arc::new(tsfn);
            let listener: SlotListener = Arc::new(move |event: SlotEvent| {
                let _ = tsfn.call(event_object(event), ThreadsafeFunctionCallMode::NonBlocking);
            });
            Some(listener)
        }
    };
    let mut settings = HttpSettings::default();
    if let Some(http) = http {
        if let Some(ms) = http.timeout_ms.filter(|ms| ms.is_finite() && *ms >= 1.0) {
            settings.timeout = Duration::from_millis(ms as u64);
        }
        settings.extra_ca_pem = http.ca.filter(|pem| !pem.is_empty());
    }
    Ok(External::new(CallOptions {
        store: (**store).clone(),
        refresh_ahead,
        listener,
        http: Arc::new(LazyClient {
            settings,
            client: OnceLock::new(),
        }),
    }))
}
