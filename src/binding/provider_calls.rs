//! Provider-facing calls for `connector.js`: authorization URLs and PKCE,
//! invalidation, revocation and the API header scheme. Internal.

use std::borrow::Cow;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::call_options::CallOptionsHandle;
use super::error::js_error;
use super::token_calls::slot;
use crate::engine::oauth::authorize::{authorization_url, new_code_verifier, AuthorizationRequest};
use crate::engine::slot::revoke::revoke;

/// Options of `getAuthorizationUrl()`.
#[napi(object)]
pub struct AuthorizationUrlOptions {
    /// Space-separated scopes (default: the connector's `scope`).
    pub scope: Option<String>,
    /// Sent back by the provider with the code; check it against CSRF.
    pub state: Option<String>,
    /// `offline` asks for a refresh token (Zoho, Google).
    pub access_type: Option<String>,
    /// `consent` forces the consent screen.
    pub prompt: Option<String>,
    /// A PKCE verifier (see `createCodeVerifier()`); its S256 challenge is sent.
    pub code_verifier: Option<String>,
    /// More query parameters.
    pub extra: Option<std::collections::HashMap<String, String>>,
}

/// The consent-page URL of the connector.
#[napi(js_name = "authorizationUrl")]
pub fn authorization_url_of(
    env: Env,
    handle: u32,
    options: Option<AuthorizationUrlOptions>,
) -> Result<String> {
    let slot = slot(&env, handle)?;
    let options = options.unwrap_or(AuthorizationUrlOptions {
        scope: None,
        state: None,
        access_type: None,
        prompt: None,
        code_verifier: None,
        extra: None,
    });
    let mut extra: Vec<(String, String)> = options.extra.unwrap_or_default().into_iter().collect();
    extra.sort();
    let request = AuthorizationRequest {
        scope: options.scope,
        state: options.state,
        access_type: options.access_type,
        prompt: options.prompt,
        code_verifier: options.code_verifier,
        extra,
    };
    authorization_url(slot.config(), &request).map_err(|e| js_error(&env, &e))
}

/// A new PKCE code verifier (43 URL-safe characters).
#[napi(js_name = "newCodeVerifier")]
pub fn create_code_verifier() -> String {
    new_code_verifier()
}

/// Drops `access_token` if it is the connector's current token (an API
/// rejected it); the next call refreshes. Returns whether it was current.
#[napi(js_name = "invalidateToken")]
pub fn invalidate_token(env: Env, handle: u32, access_token: String) -> Result<bool> {
    Ok(slot(&env, handle)?.invalidate(&access_token))
}

/// Revokes the refresh token at the provider and clears the cached and stored tokens.
#[napi(js_name = "revokeToken", ts_return_type = "Promise<void>")]
pub fn revoke_token<'e>(
    env: &'e Env,
    handle: u32,
    #[napi(ts_arg_type = "ExternalObject<unknown>")] options: &CallOptionsHandle,
) -> Result<PromiseRaw<'e, ()>> {
    let (slot, store, http) = (
        slot(env, handle)?,
        options.store.clone(),
        options.http.client(),
    );
    env.spawn_future_with_callback(
        async move { Ok(revoke(&http, &slot, store).await) },
        |env, result| result.map_err(|error| js_error(env, &error)),
    )
}

/// The `Authorization` scheme for API calls (`Zoho-oauthtoken`, `Bearer`, …).
#[napi(js_name = "authorizationScheme")]
pub fn authorization_scheme(env: Env, handle: u32) -> Result<String> {
    Ok(slot(&env, handle)?
        .config()
        .authorization_scheme()
        .to_owned())
}

/// The endpoints a connector uses, with those a `data_centre` filled in.
#[napi(object)]
pub struct ConnectorUrls {
    /// Token endpoint for code exchanges.
    #[napi(js_name = "auth_url")]
    pub auth_url: String,
    /// Token endpoint for refreshes.
    #[napi(js_name = "refresh_url")]
    pub refresh_url: String,
    /// Consent page, if known.
    #[napi(js_name = "authorize_url")]
    pub authorize_url: Option<String>,
    /// Revocation endpoint, if known.
    #[napi(js_name = "revoke_url")]
    pub revoke_url: Option<String>,
}

/// The connector's endpoints.
#[napi(js_name = "connectorUrls")]
pub fn connector_urls(env: Env, handle: u32) -> Result<ConnectorUrls> {
    let slot = slot(&env, handle)?;
    let config = slot.config();
    Ok(ConnectorUrls {
        auth_url: config.auth_url().to_owned(),
        refresh_url: config.refresh_url().to_owned(),
        authorize_url: config.authorize_url().map(Cow::into_owned),
        revoke_url: config.revoke_url().map(Cow::into_owned),
    })
}

/// Where relative `fetch()` URLs go: the last token answer's `api_domain`,
/// else the connector's `api_domain` setting (derived for Zoho), else null.
#[napi(js_name = "apiDomain")]
pub fn api_domain(env: Env, handle: u32) -> Result<Option<String>> {
    let slot = slot(&env, handle)?;
    Ok(slot
        .current()
        .and_then(|token| token.api_domain.as_deref().map(str::to_owned))
        .or_else(|| slot.config().api_domain().map(Cow::into_owned)))
}
