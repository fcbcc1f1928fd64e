//! Functions over a connector's slot handle, called by `connector.js`. Internal:
//! the public API is the `Connection`/`Connector` classes.

use std::sync::{Arc, LazyLock};

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::call_options::CallOptionsHandle;
use super::error::js_error;
use super::keep_alive::KeepAlive;
use super::text_arg::Text;
use crate::engine::config::{ConnectorConfig, PlainSettings};
use crate::engine::error::ConnectorError;
use crate::engine::slot::cached::Stored;
use crate::engine::slot::exchange::exchange_code;
use crate::engine::slot::registry::{self, SlotId};
use crate::engine::slot::{install_queue, AheadQueue, Slot};
use crate::engine::token::Token;

/// The slot behind `handle` (a JS error for an unknown one).
pub(super) fn slot(env: &Env, handle: SlotId) -> Result<Arc<Slot>> {
    registry::get(handle).ok_or_else(|| js_error(env, &ConnectorError::UnknownHandle))
}

fn token_promise<'e>(
    env: &'e Env,
    work: impl std::future::Future<Output = std::result::Result<Arc<Token>, ConnectorError>>
        + Send
        + 'static,
) -> Result<PromiseRaw<'e, String>> {
    env.spawn_future_with_callback(async move { Ok(work.await) }, |env, result| match result {
        Ok(token) => Ok(token.access_token.clone()),
        Err(error) => Err(js_error(env, &error)),
    })
}

/// Validates a connector's settings and returns the handle of the slot
/// shared by every connector with this configuration, carrying one
/// reference for the caller (see `releaseSlot`). `settings` is the JSON
/// array of the values of `FIELDS`, in that order (`null` for unset): one
/// string crosses instead of an object read property by property. `null`
/// settings are "not an object"; with `input_valid = false` it throws the
/// invalid-input error of the JS package.
#[napi(js_name = "openConnector")]
pub fn open_connector(
    env: Env,
    name: String,
    settings: Option<String>,
    input_valid: bool,
) -> Result<u32> {
    if !input_valid {
        return Err(js_error(&env, &ConnectorError::InvalidInput));
    }
    let config = match settings {
        Some(json) => ConnectorConfig::from_positional(&name, &json),
        None => ConnectorConfig::from_entry(&name, &serde_json::Value::Null),
    }
    .map_err(|e| js_error(&env, &e))?;
    Ok(open_slot(config))
}

/// `openConnector` for settings that are all common ones: `texts` holds
/// `client_id`, `client_secret`, `auth_url`, `refresh_url`, `refresh_token`,
/// `redirect_url` and `data_centre` in that order, separated by NULs (empty: unset), and
/// the lifetimes come as numbers (or unset). One string crosses, no JSON.
/// Returns 0, opening nothing, when a text holds a NUL, or U+FFFD (which is
/// also how a lone surrogate reads here): open those with `openConnector`.
#[napi(js_name = "openPlain")]
pub fn open_plain(
    env: Env,
    #[napi(ts_arg_type = "string")] name: Text,
    #[napi(ts_arg_type = "string")] texts: Text,
    expires_in: Option<f64>,
    refresh_in: Option<f64>,
) -> Result<u32> {
    if texts.maybe_replaced() {
        return Ok(0);
    }
    let (name, texts) = (name.as_str(), texts.as_str());
    let mut parts = texts
        .split('\0')
        .map(|text| Some(text).filter(|t| !t.is_empty()));
    let mut next = || parts.next().flatten();
    let settings = PlainSettings {
        client_id: next(),
        client_secret: next(),
        auth_url: next(),
        refresh_url: next(),
        refresh_token: next(),
        redirect_url: next(),
        data_centre: next(),
        expires_in,
        refresh_in,
    };
    if parts.next().is_some() {
        return Ok(0);
    }
    let config = ConnectorConfig::from_plain(name, settings).map_err(|e| js_error(&env, &e))?;
    Ok(open_slot(config))
}

/// Opens the slot of `config` and returns its handle (carrying one reference
/// for the caller). Refreshes ahead of this process's slots wait in the one
/// queue, started with the first slot.
pub(crate) fn open_slot(config: ConnectorConfig) -> u32 {
    ahead_queue();
    registry::open(config).0
}

/// Gives back a reference taken by `openConnector`, `openKept` or
/// `exchangeCode`; returns whether the slot has none left (it is freed once
/// idle, and its handle may then be reused).
#[napi(js_name = "releaseSlot")]
pub fn release_slot(handle: u32) -> bool {
    registry::release(handle)
}

/// Slots in the process (referenced, or unreferenced and still busy).
#[napi(js_name = "liveSlots")]
pub fn live_slots() -> u32 {
    u32::try_from(registry::live()).unwrap_or(u32::MAX)
}

/// The access token of generation `generation`, or null if it was replaced.
#[napi(js_name = "tokenOfGeneration")]
pub fn token_of_generation(handle: u32, generation: u32) -> Option<String> {
    registry::with(handle, |slot| slot.token_of_generation(generation))
        .flatten()
        .map(|t| t.access_token.clone())
}

/// A fresh token: cached, read from `store`, or from the one refresh all
/// concurrent callers share.
#[napi(js_name = "getToken", ts_return_type = "Promise<string>")]
pub fn get_token<'e>(
    env: &'e Env,
    handle: u32,
    #[napi(ts_arg_type = "ExternalObject<unknown>")] options: &CallOptionsHandle,
    entry_read: Option<bool>,
) -> Result<PromiseRaw<'e, String>> {
    let slot = slot(env, handle)?;
    options.apply_to(&slot);
    let store = options.store.clone();
    // With a store, the process stays up until the refresh's writes are done.
    let hold = match store {
        Some(_) => Some(KeepAlive::new(env)?),
        None => None,
    };
    token_promise(env, async move {
        let result = slot
            .get_after_read(store, entry_read.unwrap_or(false))
            .await;
        if let Some(hold) = hold {
            hold.release_after_writes(slot);
        }
        result
    })
}

/// The key to read from the Connection's JS store on the JS thread, or
/// null when the miss goes native at once (no JS store, its reads backing
/// off, a refresh in flight, a failure being backed off, the entry already
/// read).
#[napi(js_name = "storeReadKey")]
pub fn store_read_key(
    handle: u32,
    #[napi(ts_arg_type = "ExternalObject<unknown>")] options: &CallOptionsHandle,
) -> Option<String> {
    let store = options.store.as_ref()?;
    if store.reads_backing_off() {
        return None;
    }
    registry::with(handle, |slot| {
        slot.wants_store_read().then(|| slot.cache_key())
    })
    .flatten()
}

/// The queue of refreshes ahead for tokens adopted on the JS thread, its
/// timer task started on the runtime with the first.
pub(crate) fn ahead_queue() -> &'static AheadQueue {
    static QUEUE: LazyLock<Arc<AheadQueue>> = LazyLock::new(|| {
        let queue = Arc::new(AheadQueue::new(registry::get));
        let runner = queue.clone();
        napi::bindgen_prelude::spawn(async move { runner.run().await });
        install_queue(queue.clone());
        queue
    });
    &QUEUE
}

/// Adopts the token entry `value` that `connector.js` read from the
/// Connection's JS store (null: none there). Returns the access token now
/// served (its generation is on the board), 0 when the entry is missing,
/// stale or unusable (call `getToken(handle, options, true)`: it refreshes
/// without reading the entry again), or -1 when it could not be decided here
/// (a sealed value whose key is not derived yet, or no secret key for it:
/// call `getToken(handle, options)`).
#[napi(js_name = "adoptStored", ts_return_type = "string | number")]
pub fn adopt_stored(
    env: Env,
    handle: u32,
    #[napi(ts_arg_type = "ExternalObject<unknown>")] options: &CallOptionsHandle,
    #[napi(ts_arg_type = "string | null")] value: Option<Text>,
) -> Result<Adoption> {
    let slot = slot(&env, handle)?;
    options.apply_to(&slot);
    let stored = slot.adopt_stored(value.as_ref().map(Text::as_str), Some(ahead_queue()));
    Ok(match stored {
        Stored::Adopted(token, _) => Adoption::Token(token),
        Stored::Unusable => Adoption::Code(0.0),
        Stored::Undecided => Adoption::Code(-1.0),
    })
}

/// What `adoptStored` answers: the adopted token (its access token becomes
/// the JS string, with no copy in between), or a code.
pub enum Adoption {
    /// The token now served.
    Token(Arc<Token>),
    /// 0: the entry is unusable; -1: undecided here.
    Code(f64),
}

impl ToNapiValue for Adoption {
    unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
        match value {
            Adoption::Token(token) => unsafe { <&str>::to_napi_value(env, &token.access_token) },
            Adoption::Code(code) => unsafe { f64::to_napi_value(env, code) },
        }
    }
}

/// A new token from the provider (joining a refresh already in flight),
/// written to `store`.
#[napi(js_name = "refreshToken", ts_return_type = "Promise<string>")]
pub fn refresh_token<'e>(
    env: &'e Env,
    handle: u32,
    #[napi(ts_arg_type = "ExternalObject<unknown>")] options: &CallOptionsHandle,
) -> Result<PromiseRaw<'e, String>> {
    let slot = slot(env, handle)?;
    options.apply_to(&slot);
    let store = options.store.clone();
    // With a store, the process stays up until the refresh's writes are done.
    let hold = match store {
        Some(_) => Some(KeepAlive::new(env)?),
        None => None,
    };
    token_promise(env, async move {
        let result = slot.refresh(store).await;
        if let Some(hold) = hold {
            hold.release_after_writes(slot);
        }
        result
    })
}

/// The outcome of a code exchange, for `connector.js`.
#[napi(object)]
pub struct Exchanged {
    /// Handle of the slot for the configuration with the new refresh token.
    pub handle: u32,
    /// The new access token.
    pub access_token: String,
    /// The new refresh token, which replaces the configured one.
    pub refresh_token: String,
}

/// Exchanges an authorization code; the new refresh token gets its own slot.
#[napi(js_name = "exchangeCode", ts_return_type = "Promise<Exchanged>")]
pub fn exchange<'e>(
    env: &'e Env,
    handle: u32,
    code: String,
    code_verifier: Option<String>,
    #[napi(ts_arg_type = "ExternalObject<unknown>")] options: &CallOptionsHandle,
) -> Result<PromiseRaw<'e, Exchanged>> {
    let config = slot(env, handle)?.config().clone();
    let (store, refresh_ahead, http) = (
        options.store.clone(),
        options.refresh_ahead,
        options.http.client(),
    );
    env.spawn_future_with_callback(
        async move {
            Ok(exchange_code(
                &http,
                &config,
                &code,
                code_verifier.as_deref(),
                store,
                refresh_ahead,
            )
            .await)
        },
        |env, result| match result {
            Ok((handle, token)) => Ok(Exchanged {
                handle,
                access_token: token.access_token.clone(),
                refresh_token: token
                    .refresh_token
                    .as_deref()
                    .unwrap_or_default()
                    .to_owned(),
            }),
            Err(error) => Err(js_error(env, &error)),
        },
    )
}

/// What the slot holds, for the `Connector` getters.
#[napi(object)]
pub struct TokenInfo {
    /// The last access token, fresh or not.
    pub access_token: String,
    /// When it stops being served, epoch ms.
    pub expires_at: f64,
    /// Its announced lifetime, seconds.
    pub expires_in: f64,
}

/// The slot's last token, or null before the first one.
#[napi(js_name = "tokenInfo")]
pub fn token_info(handle: u32) -> Option<TokenInfo> {
    let token = registry::get(handle)?.current()?;
    Some(TokenInfo {
        access_token: token.access_token.clone(),
        expires_at: token.expires_at as f64,
        expires_in: token.expires_in as f64,
    })
}

/// The shared-cache entry for the slot's token, as the JS package writes it.
#[napi(object)]
pub struct CacheEntry {
    /// `ZC_CONN_<name>:<fingerprint>`.
    #[napi(js_name = "cache_name")]
    pub cache_name: String,
    /// `{"access_token":…,"expiry_in_seconds":…,"expires_at":…}`.
    #[napi(js_name = "cache_value")]
    pub cache_value: String,
    /// `ceil(expires_in / 3600)`.
    #[napi(js_name = "expiry_in_hours")]
    pub expiry_in_hours: f64,
}

/// `putAccessTokenInCache()`: writes the slot's current token to `store` and
/// returns the entry (rejects `app/NO_ACCESS_TOKEN` before the first token,
/// `app/STORE_UNAVAILABLE` when the write fails).
#[napi(js_name = "persistToken", ts_return_type = "Promise<CacheEntry>")]
pub fn persist_token<'e>(
    env: &'e Env,
    handle: u32,
    #[napi(ts_arg_type = "ExternalObject<unknown>")] options: &CallOptionsHandle,
) -> Result<PromiseRaw<'e, CacheEntry>> {
    let (slot, store) = (slot(env, handle)?, options.store.clone());
    env.spawn_future_with_callback(
        async move { Ok(slot.persist(store.as_deref()).await) },
        |env, result| match result {
            Ok(entry) => Ok(CacheEntry {
                cache_name: entry.key,
                cache_value: entry.value,
                expiry_in_hours: entry.ttl_hours as f64,
            }),
            Err(error) => Err(js_error(env, &error)),
        },
    )
}

/// What the slot has done so far.
#[napi(object)]
pub struct ConnectorStats {
    /// Token requests sent (refreshes and code exchanges).
    pub token_requests: f64,
    /// Token requests that failed.
    pub token_request_errors: f64,
    /// Calls that found no fresh token and waited.
    pub misses: f64,
    /// Calls answered from the cached token.
    pub hits: f64,
    /// Refresh requests sent.
    pub refreshes: f64,
    /// Store reads attempted.
    pub store_reads: f64,
    /// Store reads that gave a usable token.
    pub store_hits: f64,
    /// Store writes that succeeded.
    pub store_writes: f64,
    /// Store operations that failed or timed out.
    pub store_errors: f64,
    /// Refreshes that waited for another process's fleet lock.
    pub lock_waits: f64,
    /// Waits that ended with this process taking the lock over.
    pub lock_takeovers: f64,
    /// Refreshes made ahead of expiry, in the background.
    pub background_refreshes: f64,
    /// Refresh tokens the provider rotated to.
    pub rotations: f64,
    /// Calls answered at once with a failure being backed off.
    pub backed_off: f64,
}

/// Counters of the slot behind `handle`.
#[napi(js_name = "slotStats")]
pub fn slot_stats(env: Env, handle: u32) -> Result<ConnectorStats> {
    let stats = slot(&env, handle)?.stats();
    Ok(ConnectorStats {
        token_requests: stats.token_requests as f64,
        token_request_errors: stats.token_request_errors as f64,
        misses: stats.misses as f64,
        hits: stats.hits as f64,
        refreshes: stats.refreshes as f64,
        store_reads: stats.store_reads as f64,
        store_hits: stats.store_hits as f64,
        store_writes: stats.store_writes as f64,
        store_errors: stats.store_errors as f64,
        lock_waits: stats.lock_waits as f64,
        lock_takeovers: stats.lock_takeovers as f64,
        background_refreshes: stats.background_refreshes as f64,
        rotations: stats.rotations as f64,
        backed_off: stats.backed_off as f64,
    })
}
