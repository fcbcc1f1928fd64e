'use strict';
// The public classes of zcatalyst-connector-rs: the surface of
// @zcatalyst/connector (Connection, Connector, the error class) and what this
// package adds to it. Tokens are cached, refreshed and shared inside the
// native engine, reached through a numeric slot handle; what a token call is
// answered from on the JS thread is in lib/slot-cache.js. The internals of
// this file follow the classes.
//
// Parenthesized function expressions (and methods set with `defineMethods`
// in a static block) are on a first token call's path: see
// lib/compiled-at-load.js.

const { readFileSync } = require('node:fs');
const native = require('./index.js');
const { version } = require('./package.json');
const { CatalystConnectorError, ConnectorAbortError, callSite, forCaller, withCallSite } = require('./lib/error.js');
const { storeChoice } = require('./lib/store-choice.js');
const { replayable, rejectsToken } = require('./lib/api-fetch.js');
const { connectionArguments } = require('./lib/options.js');
const { EventSink, debugOn, secretsOf } = require('./lib/events.js');
const { dispatcherFor } = require('./lib/network.js');
const { settingsOf, plainSettings, sameSettings } = require('./lib/settings.js');
const { openRecord } = require('./lib/open-settings.js');
const { defineMethods } = require('./lib/compiled-at-load.js');
const {
  board, tokenPromises, tokenStrings, rejections, slotRefs, releaseHandle,
  keep, keptGeneration, freshGeneration, adopted, storeReads, StoreRead,
} = require('./lib/slot-cache.js');

native.registerErrorClass(CatalystConnectorError);

const kInternal = Symbol('zcatalyst-connector-rs.internal');

/** A Connection's native call options and its StoreChoice (set in Connection's static block). */
let callOptionsOf;
let storeOf;

/** One OAuth client whose access token is cached and refreshed in Rust. */
class Connector {
  #name;
  #settings;
  #handle;
  /** The Connection it came from (its store and event sink). */
  #connection;

  constructor(internal, name, resolved, connection) {
    if (internal !== kInternal) {
      throw new TypeError('Connectors are created with connection.getConnector(name)');
    }
    this.connectorName = name;
    this.#name = name;
    // The validated record: holding it keeps the handle's reference alive,
    // with no registration per connector, which the per-request pattern
    // would pay on every call. Whatever holds a connector's settings holds
    // its handle's reference (see #rehandle).
    this.#settings = resolved;
    this.#handle = resolved.handle;
    this.#connection = connection;
  }

  /**
   * Takes `handle` (carrying a reference for this connector) and `settings`
   * (made by the connector for that handle: their own `handle` is 0) in
   * place of the current ones. A validated record the connector held keeps
   * its own reference; the connector's reference is registered on its
   * settings, so whatever holds the settings (the connector, a store read
   * in progress) keeps the handle, and the previous such reference is
   * given back.
   */
  #rehandle(handle, settings) {
    const old = this.#handle;
    this.#handle = handle;
    if (this.#settings.handle !== old) {
      slotRefs.unregister(this);
      releaseHandle(old);
    }
    slotRefs.register(settings, handle, this);
    this.#settings = settings;
  }

  #set(field, value) {
    const settings = settingsOf({ ...plainSettings(this.#settings), [field]: value }, this.#name);
    this.#rehandle(openRecord(settings), settings);
  }

  /** A setting, or the one its data centre filled in (the engine's endpoints). */
  #endpoint(field) {
    const value = this.#settings[field];
    if ((value !== undefined && value !== null && value !== '') || this.#settings.data_centre === undefined) return value;
    return native.connectorUrls(this.#handle)[field] ?? undefined;
  }

  get authUrl() { return this.#endpoint('auth_url'); }
  set authUrl(value) { this.#set('auth_url', value); }
  get refreshUrl() { return this.#endpoint('refresh_url'); }
  set refreshUrl(value) { this.#set('refresh_url', value); }
  get refreshToken() { return this.#settings.refresh_token; }
  set refreshToken(value) { this.#set('refresh_token', value); }
  get clientId() { return this.#settings.client_id; }
  set clientId(value) { this.#set('client_id', value); }
  get clientSecret() { return this.#settings.client_secret; }
  set clientSecret(value) { this.#set('client_secret', value); }
  get redirectUrl() { return this.#settings.redirect_url; }
  set redirectUrl(value) { this.#set('redirect_url', value); }
  get secretKey() { return this.#settings.rare?.secret_key; }

  get expiresIn() {
    const info = native.tokenInfo(this.#handle);
    return info ? info.expiresIn : parseInt(this.#settings.expires_in, 10);
  }

  get expiresAt() {
    const info = native.tokenInfo(this.#handle);
    return info ? info.expiresAt : null;
  }

  get refreshIn() {
    return parseInt(this.#settings.refresh_in, 10) * 1000;
  }

  get accessToken() {
    const info = native.tokenInfo(this.#handle);
    return info ? info.accessToken : null;
  }

  /** The last token answer's `api_domain`, else the `api_domain` setting (derived for Zoho), else null. */
  get apiDomain() {
    return native.apiDomain(this.#handle);
  }

  // Compiled at load (lib/compiled-at-load.js): a first token call runs it.
  static {
    /**
     * A valid access token. `{ signal }`: this call rejects (AbortError,
     * `app/ABORTED`) as soon as the signal aborts; a refresh other callers
     * wait on goes on.
     */
    defineMethods(Connector.prototype, { getAccessToken: (function getAccessToken(options) {
      const handle = this.#handle;
      if (options === undefined && board !== undefined) {
        const row = handle * 4;
        // Past the board's rows both cells read undefined: `> 0` is false then.
        const generation = board[row + 1];
        if (generation > 0 && board[row + 3] === generation) {
          board[row + 2] += 1;
          return tokenPromises[handle] ?? (tokenPromises[handle] = Promise.resolve(tokenStrings[handle]));
        }
      }
      let signal;
      if (options !== undefined) {
        try {
          signal = signalOf(options);
        } catch (error) {
          return Promise.reject(withCallSite(error, callSite(this.getAccessToken)));
        }
      }
      if (signal !== undefined && signal.aborted) {
        return Promise.reject(withCallSite(new ConnectorAbortError(signal.reason), callSite(this.getAccessToken)));
      }
      const generation = freshGeneration(handle);
      if (generation !== 0) {
        if (keptGeneration(handle) === generation) return Promise.resolve(tokenStrings[handle]);
        const token = native.tokenOfGeneration(handle, generation);
        if (token !== null) {
          keep(handle, token, generation);
          return Promise.resolve(token);
        }
      }
      const fromStore = missed(handle, this.#connection, this.#settings);
      if (typeof fromStore === 'object') {
        return signal === undefined ? fromStore : raceSignal(fromStore, signal, callSite(this.getAccessToken));
      }
      return this.#call(native.getToken(handle, callOptionsOf(this.#connection), fromStore === true), callSite(this.getAccessToken), signal);
    }) });
  }

  /** `pending` with errors fit for the caller (stack from `site`, tidy message), racing `signal`. */
  #call(pending, site, signal) {
    const settings = this.#settings;
    const tidy = pending.then(undefined, (error) => { throw forCaller(error, site, secretsOf(settings)); });
    return signal === undefined ? tidy : raceSignal(tidy, signal, site);
  }

  /**
   * Exchanges an authorization code; `{ codeVerifier }` completes a PKCE
   * authorization started with `getAuthorizationUrl({ codeVerifier })`.
   */
  async generateAccessToken(code, options) {
    if (options !== undefined && options !== null && typeof options !== 'object') {
      throw withCallSite(new CatalystConnectorError('app/INVALID_ARGUMENT', 'The options of generateAccessToken() must be an object like { codeVerifier }'), callSite(this.generateAccessToken));
    }
    const codeVerifier = options?.codeVerifier;
    const verifier = typeof codeVerifier === 'string' && codeVerifier !== '' ? codeVerifier : undefined;
    const exchanged = await this.#call(native.exchangeCode(this.#handle, typeof code === 'string' ? code : '', verifier, callOptionsOf(this.#connection)), callSite(this.generateAccessToken));
    const settings = settingsOf({ ...plainSettings(this.#settings), refresh_token: exchanged.refreshToken }, this.#name);
    this.#rehandle(exchanged.handle, settings);
    return exchanged.accessToken;
  }

  async refreshAccessToken() {
    await this.#call(native.refreshToken(this.#handle, callOptionsOf(this.#connection)), callSite(this.refreshAccessToken));
  }

  refreshAndPersistToken() {
    return this.#call(native.refreshToken(this.#handle, callOptionsOf(this.#connection)), callSite(this.refreshAndPersistToken));
  }

  putAccessTokenInCache() {
    return this.#call(native.persistToken(this.#handle, callOptionsOf(this.#connection)), callSite(this.putAccessTokenInCache));
  }

  stats() {
    return native.slotStats(this.#handle);
  }

  /** The provider's consent-page URL: `{ scope, state, accessType, prompt, codeVerifier, extra }`. */
  getAuthorizationUrl(options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new CatalystConnectorError('app/INVALID_ARGUMENT', 'The options of getAuthorizationUrl() must be an object');
    }
    try {
      return native.authorizationUrl(this.#handle, options);
    } catch (error) {
      if (error instanceof CatalystConnectorError) throw error;
      throw new CatalystConnectorError('app/INVALID_ARGUMENT', 'getAuthorizationUrl() takes { scope, state, accessType, prompt, codeVerifier } as strings and extra as an object of strings');
    }
  }

  /**
   * Drops the cached token (or only `accessToken`, if given and still
   * current) so the next call refreshes; resolves to whether one was dropped.
   */
  invalidate(accessToken) {
    if (accessToken !== undefined && accessToken !== null && typeof accessToken !== 'string') {
      throw new CatalystConnectorError('app/INVALID_ARGUMENT', 'invalidate() takes the access token (a string) that an API rejected, or nothing');
    }
    const current = accessToken ?? this.accessToken;
    return current === null || current === undefined ? false : native.invalidateToken(this.#handle, current);
  }

  /** Revokes the refresh token at the provider and clears cached and stored tokens. */
  async revoke() {
    await this.#call(native.revokeToken(this.#handle, callOptionsOf(this.#connection)), callSite(this.revoke));
  }

  /**
   * `fetch` with this connector's token: adds `Authorization`, resolves
   * relative URLs against the provider's `api_domain`, and on a 401 (or
   * Zoho's INVALID_OAUTHTOKEN) refreshes once and retries once when the body
   * can be sent again.
   */
  async fetch(input, init = {}) {
    const site = callSite(this.fetch);
    const signal = init.signal ?? undefined;
    const token = await this.getAccessToken(signal === undefined ? undefined : { signal });
    const url = this.#apiUrl(input);
    const scheme = native.authorizationScheme(this.#handle);
    const dispatcher = dispatcherFor(storeOf(this.#connection).ca);
    const send = async (token) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `${scheme} ${token}`);
      const request = { ...init, headers };
      if (dispatcher !== undefined && request.dispatcher === undefined) request.dispatcher = dispatcher;
      try {
        return await globalThis.fetch(url, request);
      } catch (error) {
        if (signal !== undefined && signal.aborted) throw withCallSite(new ConnectorAbortError(signal.reason), site);
        throw error;
      }
    };
    const response = await send(token);
    if (!replayable(init.body) || !(await rejectsToken(response))) {
      // A replacement token that works ends the "rejected twice" rule for it.
      if (rejections[this.#handle]?.replacement === token) rejections[this.#handle] = undefined;
      return response;
    }
    // At most one refresh per rejected token: a token that replaced a rejected
    // one and is rejected as well is not the problem (scope, permissions), so
    // the answer goes back to the caller instead of a refresh per call.
    const handle = this.#handle;
    const seen = rejections[handle];
    if (seen !== undefined && seen.replacement === token) return response;
    if (seen === undefined || seen.rejected !== token) native.invalidateToken(handle, token);
    const next = await this.getAccessToken(signal === undefined ? undefined : { signal });
    if (next === token) return response;
    const retried = await send(next);
    // Remember the replacement only while it is rejected too: one that works
    // is an ordinary token again.
    rejections[handle] = (await rejectsToken(retried)) ? { rejected: token, replacement: next } : undefined;
    return retried;
  }

  #apiUrl(input) {
    if (input instanceof URL) return input;
    if (typeof input !== 'string') throw new TypeError('connector.fetch() takes a URL string or a URL object');
    if (/^[a-z][a-z0-9+.-]*:/i.test(input)) return new URL(input);
    const domain = this.apiDomain;
    if (!domain) {
      throw new CatalystConnectorError('app/INVALID_ARGUMENT', 'A relative URL needs an api_domain: the token answer named none and the connector has no api_domain setting; give a full URL');
    }
    return new URL(input, domain);
  }

  toJSON() {
    return {
      connectorName: this.connectorName,
      clientId: this.clientId,
      authUrl: this.authUrl,
      refreshUrl: this.refreshUrl,
      redirectUrl: this.redirectUrl,
      expiresAt: this.expiresAt,
    };
  }
}

/**
 * A set of connectors, from an object or the path of a JSON file. Takes the
 * JSON and a Catalyst app in either order (`new Connection(app, json)` is the
 * SDK's), or the JSON and options; with an app, options may come third.
 */
class Connection {
  #json;
  #app;
  #store;
  /** The EventSink, made when options ask for one or someone listens. */
  #sink;

  static {
    callOptionsOf = (function callOptionsOf(connection) {
      // The sink, made now if DEBUG would show its events.
      if (connection.#sink === undefined && debugOn) connection.#sink = new EventSink(undefined, undefined, connection.#json);
      return connection.#store.optionsFor(connection.#sink);
    });
    storeOf = (function storeOf(connection) {
      return connection.#store;
    });
    /** The connector `connectorName` of the connection JSON (throws like the JS package when it is missing or invalid). */
    defineMethods(Connection.prototype, { getConnector: (function getConnector(connectorName) {
      const name = String(connectorName);
      if (this.#json === null) native.openConnector(name, null, false); // throws app/invalid_input
      return new Connector(kInternal, name, resolve(name, this.#json[connectorName]), this);
    }) });
  }

  constructor(first, second, third) {
    const { json, app, options } = connectionArguments(first, second, third);
    const parsed = readConnectionJson(json);
    this.#json = parsed;
    // The app, else the second argument as given (the JS package's `connection.app`).
    this.#app = app !== undefined ? app : second;
    if (options?.logger !== undefined || options?.onTokens !== undefined) {
      this.#sink = new EventSink(options.logger, options.onTokens, parsed);
    }
    this.#store = storeChoice(app, options);
  }

  #sinkNow() {
    return (this.#sink ??= new EventSink(undefined, undefined, this.#json));
  }

  get connectionJson() {
    return this.#json;
  }

  get app() {
    return this.#app;
  }

  getComponentName() {
    return 'Connector';
  }

  getComponentVersion() {
    return version;
  }

  /**
   * Listens to 'refresh' ({ connectorName, durationMs, attempt, background }),
   * 'error' (a CatalystConnectorError of a failed background refresh or store)
   * and 'tokens' (a rotated refresh token). Listeners never keep the process
   * alive; one that throws is reported as a process warning.
   */
  on(event, listener) {
    this.#sinkNow().emitter.on(event, listener);
    return this;
  }

  addListener(event, listener) {
    return this.on(event, listener);
  }

  once(event, listener) {
    this.#sinkNow().emitter.once(event, listener);
    return this;
  }

  off(event, listener) {
    this.#sinkNow().emitter.off(event, listener);
    return this;
  }

  removeListener(event, listener) {
    return this.off(event, listener);
  }

  removeAllListeners(event) {
    this.#sinkNow().emitter.removeAllListeners(event);
    return this;
  }

  listenerCount(event) {
    return this.#sinkNow().emitter.listenerCount(event);
  }
}


// ---- internals -------------------------------------------------------------

/**
 * Per settings object: the values last validated and the slot handle they map
 * to, so the per-request pattern `new Connection(cfg).getConnector(n)` does not
 * revalidate an unchanged object. A changed value is noticed and revalidated.
 */
const validated = new WeakMap();
/**
 * Validates `entry` (throws like the JS package) and returns its validated
 * record: the settings as validated (`settingsOf`) with the connector's
 * `name` and the slot `handle`.
 */
const resolve = (function resolve(name, entry) {
  if (entry !== null && typeof entry === 'object') {
    const known = validated.get(entry);
    if (known !== undefined && known.name === name && sameSettings(entry, known)) return known;
    const record = settingsOf(entry, name);
    record.handle = openRecord(record);
    slotRefs.register(record, record.handle);
    validated.set(entry, record);
    return record;
  }
  native.openConnector(name, null, true); // not an object: throws INVALID_ARGUMENT
  throw new Error('unreachable');
});

const readConnectionJson = (function readConnectionJson(propJson) {
  if (propJson !== null && typeof propJson === 'object') return propJson;
  try {
    const parsed = JSON.parse(readFileSync(propJson, 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? parsed : null;
  } catch {
    return null;
  }
});

/**
 * A token for a call that found none fresh in the slot. With a store that
 * lives in JS (a Catalyst app, a custom object), its `get` runs here on the
 * JS thread and the engine adopts the entry synchronously (`adoptStored`);
 * only a missing, stale or unusable entry — or a slot with a refresh in
 * flight or a failure being backed off — goes to the native refresh path.
 * A store that answers synchronously costs no promise but the caller's.
 * Returns the token's promise (errors already fit for the caller), or
 * `undefined` (go native) or `true` (go native; the entry was read and is
 * unusable, so the refresh need not read it again).
 */
const missed = (function missed(handle, connection, settings) {
  const read = storeOf(connection).jsRead;
  if (read === undefined) return undefined;
  const pending = storeReads[handle];
  if (pending !== undefined) return pending;
  const options = callOptionsOf(connection);
  const key = native.storeReadKey(handle, options);
  if (key === null) return undefined;
  let answer;
  try {
    answer = read.read(key);
  } catch {
    return undefined; // the native path reads it again through its guard
  }
  if (answer === null || typeof answer === 'string') {
    const token = adopted(handle, options, answer);
    return typeof token === 'string' ? Promise.resolve(token) : (token === 0 || undefined);
  }
  // The read holds `settings`, and so the handle's reference: the
  // connector that asked may be collected before the store answers, and its
  // handle must not be freed meanwhile.
  const reading = read.bound(answer, new StoreRead(handle, options, settings));
  storeReads[handle] = reading;
  return reading;
});

/** `options.signal`, checked. */
function signalOf(options) {
  if (options === null || typeof options !== 'object') return undefined;
  const { signal } = options;
  if (signal === undefined || signal === null) return undefined;
  if (typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw new CatalystConnectorError('app/INVALID_ARGUMENT', 'signal must be an AbortSignal');
  }
  return signal;
}

/** `promise`, or an AbortError as soon as `signal` aborts (the work behind `promise` goes on). */
function raceSignal(promise, signal, site) {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(withCallSite(new ConnectorAbortError(signal.reason), site));
    if (signal.aborted) {
      onAbort();
      promise.catch(() => {});
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}

/** A Connection over a Catalyst app: what the SDK's `app.connection(json)` returns after `register`. */
function connection(app, json, options) {
  return new Connection(app, json, options);
}

/** A new PKCE code verifier for `getAuthorizationUrl({ codeVerifier })`. */
function createCodeVerifier() {
  return native.newCodeVerifier();
}

module.exports = { Connection, Connector, CatalystConnectorError, createCodeVerifier, connection };
