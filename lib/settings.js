'use strict';
// A connector's settings as validated: the record kept per settings object
// (so the per-request pattern `new Connection(cfg).getConnector(n)` does not
// revalidate an unchanged object), the change check, and the form the engine
// reads.
//
// The record holds the settings most connectors set in its own fields (the
// token URLs or a Zoho data_centre among them) and the rest (secret_key,
// endpoints, scope, client authentication, token parameters, header scheme,
// api_domain) in `rare`, an object made only when one of them is set: a
// connector costs 13 fields, not 20. Written out
// property by property: named loads stay fast, keyed loads do not.
//
// Parenthesized function expressions are on a first token call's path: see
// lib/compiled-at-load.js.

/** The settings besides the common ones, in `rare` (undefined when none is set). */
const rareOf = (function rareOf(entry) {
  if (!hasRare(entry)) return undefined;
  return {
    secret_key: entry.secret_key,
    authorize_url: entry.authorize_url,
    revoke_url: entry.revoke_url,
    scope: entry.scope,
    token_endpoint_auth_method: entry.token_endpoint_auth_method,
    token_params: entry.token_params,
    authorization_scheme: entry.authorization_scheme,
    api_domain: entry.api_domain,
  };
});

const hasRare = (function hasRare(entry) {
  return entry.secret_key !== undefined || entry.authorize_url !== undefined
    || entry.revoke_url !== undefined || entry.scope !== undefined || entry.token_endpoint_auth_method !== undefined
    || entry.token_params !== undefined || entry.authorization_scheme !== undefined || entry.api_domain !== undefined;
});

/**
 * The validated record of `entry` for the connector `name`: its settings,
 * `name`, and the slot `handle` for the caller to fill in (0 is never a
 * handle: settings a Connector made for itself keep it).
 */
const settingsOf = (function settingsOf(entry, name) {
  return {
    client_id: entry.client_id,
    client_secret: entry.client_secret,
    auth_url: entry.auth_url,
    refresh_url: entry.refresh_url,
    refresh_token: entry.refresh_token,
    redirect_url: entry.redirect_url,
    data_centre: entry.data_centre,
    expires_in: lifetimeSetting(entry.expires_in),
    refresh_in: lifetimeSetting(entry.refresh_in),
    rare: rareOf(entry),
    name,
    handle: 0,
  };
});

/** A record's (or view's) settings as one plain object, as a connection JSON entry has them. */
function plainSettings(record) {
  return {
    client_id: record.client_id,
    client_secret: record.client_secret,
    auth_url: record.auth_url,
    refresh_url: record.refresh_url,
    refresh_token: record.refresh_token,
    redirect_url: record.redirect_url,
    data_centre: record.data_centre,
    expires_in: record.expires_in,
    refresh_in: record.refresh_in,
    ...record.rare,
  };
}

/**
 * `expires_in` / `refresh_in` as given, except numbers that are not finite
 * (`NaN`, `Infinity`), which count as unset — the JS package's `parseInt`
 * makes nothing of them either.
 */
const lifetimeSetting = (function lifetimeSetting(value) {
  return typeof value === 'number' && !Number.isFinite(value) ? undefined : value;
});

/**
 * Whether `a` and `b` hold the same common settings but the refresh token
 * (the ones a record keeps in its own fields; `rare` ones are not compared).
 */
function sameCommonSettings(a, b) {
  return a.client_id === b.client_id
    && a.client_secret === b.client_secret
    && a.auth_url === b.auth_url
    && a.refresh_url === b.refresh_url
    && a.redirect_url === b.redirect_url
    && a.data_centre === b.data_centre
    && a.expires_in === b.expires_in
    && a.refresh_in === b.refresh_in;
}

/** Whether `entry` still holds the settings `record` was made from. */
function sameSettings(entry, record) {
  if (entry.refresh_token !== record.refresh_token || !sameCommonSettings(entry, record)) return false;
  const rare = record.rare;
  if (rare === undefined) return !hasRare(entry);
  return entry.secret_key === rare.secret_key
    && entry.authorize_url === rare.authorize_url
    && entry.revoke_url === rare.revoke_url
    && entry.scope === rare.scope
    && entry.token_endpoint_auth_method === rare.token_endpoint_auth_method
    && entry.token_params === rare.token_params
    && entry.authorization_scheme === rare.authorization_scheme
    && entry.api_domain === rare.api_domain;
}

const NO_RARE = Object.freeze({});

/**
 * A record's settings as the engine reads them: a JSON array of the values
 * (`null` for unset) in the engine's order — one string crosses to native
 * code instead of an object read property by property. A Symbol or a
 * function (which JSON would silently drop) throws; the caller reports it.
 */
const positional = (function positional(record) {
  const rare = record.rare ?? NO_RARE;
  const values = [
    record.client_id, record.client_secret, record.auth_url, record.refresh_url,
    record.refresh_token, record.redirect_url, record.expires_in, record.refresh_in,
    rare.secret_key, record.data_centre, rare.authorize_url, rare.revoke_url,
    rare.scope, rare.token_endpoint_auth_method, rare.token_params,
    rare.authorization_scheme, rare.api_domain,
  ];
  for (let i = 0; i < values.length; i++) {
    const type = typeof values[i];
    if (type === 'symbol' || type === 'function') throw new TypeError('not JSON');
  }
  return JSON.stringify(values);
});

module.exports = { settingsOf, plainSettings, positional, sameSettings, sameCommonSettings };
