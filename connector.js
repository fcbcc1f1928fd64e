'use strict';
// The public classes of zcatalyst-connector-rs. This file only shapes the JS
// surface of @zcatalyst/connector (classes, getters, argument checks, the error
// class); tokens are cached, refreshed and shared inside the native engine,
// reached through a numeric slot handle so a cache hit is one native call.

const { readFileSync } = require('node:fs');
const native = require('./index.js');
const { version } = require('./package.json');

/** The error every failure is reported with; `code` is stable. */
class CatalystConnectorError extends Error {
  #code;
  #value;
  #statusCode;

  constructor(code, message, value = null, statusCode = 400) {
    super(message);
    this.#code = code;
    this.#value = value;
    this.#statusCode = statusCode;
  }

  get name() {
    return 'CatalystConnectorError';
  }

  get code() {
    return this.#code;
  }

  get value() {
    return this.#value;
  }

  get statusCode() {
    return this.#statusCode;
  }

  toJSON() {
    return { code: this.#code, message: this.message, value: this.#value, statusCode: this.#statusCode };
  }

  toString() {
    return JSON.stringify(this.toJSON());
  }
}

native.registerErrorClass(CatalystConnectorError);

/**
 * Per settings object: the values last validated and the slot handle they map
 * to, so the per-request pattern `new Connection(cfg).getConnector(n)` does not
 * revalidate an unchanged object. A changed value is noticed and revalidated.
 */
const validated = new WeakMap();
/** Per slot handle: the JS string of the token generation last seen. */
const tokenStrings = [];

// The settings that identify a connector's token; a change means another slot.
// Written out property by property: named loads stay fast, keyed loads do not.
function settingsOf(entry) {
  return {
    client_id: entry.client_id,
    client_secret: entry.client_secret,
    auth_url: entry.auth_url,
    refresh_url: entry.refresh_url,
    refresh_token: entry.refresh_token,
    redirect_url: entry.redirect_url,
    expires_in: entry.expires_in,
    refresh_in: entry.refresh_in,
    secret_key: entry.secret_key,
  };
}

function sameSettings(entry, settings) {
  return entry.client_id === settings.client_id
    && entry.client_secret === settings.client_secret
    && entry.auth_url === settings.auth_url
    && entry.refresh_url === settings.refresh_url
    && entry.refresh_token === settings.refresh_token
    && entry.redirect_url === settings.redirect_url
    && entry.expires_in === settings.expires_in
    && entry.refresh_in === settings.refresh_in
    && entry.secret_key === settings.secret_key;
}

/** Validates `entry` (throws like the JS package) and returns `{ settings, handle }`. */
function resolve(name, entry) {
  if (entry !== null && typeof entry === 'object') {
    const known = validated.get(entry);
    if (known !== undefined && known.name === name && sameSettings(entry, known.settings)) return known;
    const settings = settingsOf(entry);
    const resolved = { name, settings, handle: native.openConnector(name, settings, true) };
    validated.set(entry, resolved);
    return resolved;
  }
  native.openConnector(name, null, true); // not an object: throws INVALID_ARGUMENT
  throw new Error('unreachable');
}

function readConnectionJson(propJson) {
  if (propJson !== null && typeof propJson === 'object') return propJson;
  try {
    const parsed = JSON.parse(readFileSync(propJson, 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? parsed : null;
  } catch {
    return null;
  }
}

const kInternal = Symbol('zcatalyst-connector-rs.internal');

/** One OAuth client whose access token is cached and refreshed in Rust. */
class Connector {
  #name;
  #settings;
  #handle;

  constructor(internal, name, resolved) {
    if (internal !== kInternal) {
      throw new TypeError('Connectors are created with connection.getConnector(name)');
    }
    this.connectorName = name;
    this.#name = name;
    this.#settings = resolved.settings;
    this.#handle = resolved.handle;
  }

  #set(field, value) {
    const settings = { ...this.#settings, [field]: value };
    this.#handle = native.openConnector(this.#name, settings, true);
    this.#settings = settings;
  }

  get authUrl() { return this.#settings.auth_url; }
  set authUrl(value) { this.#set('auth_url', value); }
  get refreshUrl() { return this.#settings.refresh_url; }
  set refreshUrl(value) { this.#set('refresh_url', value); }
  get refreshToken() { return this.#settings.refresh_token; }
  set refreshToken(value) { this.#set('refresh_token', value); }
  get clientId() { return this.#settings.client_id; }
  set clientId(value) { this.#set('client_id', value); }
  get clientSecret() { return this.#settings.client_secret; }
  set clientSecret(value) { this.#set('client_secret', value); }
  get redirectUrl() { return this.#settings.redirect_url; }
  set redirectUrl(value) { this.#set('redirect_url', value); }
  get secretKey() { return this.#settings.secret_key; }

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

  get apiDomain() {
    const info = native.tokenInfo(this.#handle);
    return info && info.apiDomain ? info.apiDomain : null;
  }

  getAccessToken() {
    const handle = this.#handle;
    const generation = native.freshGeneration(handle);
    if (generation !== 0) {
      const known = tokenStrings[handle];
      if (known !== undefined && known.generation === generation) return Promise.resolve(known.token);
      const token = native.tokenOfGeneration(handle, generation);
      if (token !== null) {
        tokenStrings[handle] = { generation, token };
        return Promise.resolve(token);
      }
    }
    return native.getToken(handle);
  }

  async generateAccessToken(code) {
    const exchanged = await native.exchangeCode(this.#handle, typeof code === 'string' ? code : '');
    this.#settings = { ...this.#settings, refresh_token: exchanged.refreshToken };
    this.#handle = exchanged.handle;
    return exchanged.accessToken;
  }

  async refreshAccessToken() {
    await native.refreshToken(this.#handle);
  }

  async refreshAndPersistToken() {
    return native.refreshToken(this.#handle);
  }

  async putAccessTokenInCache() {
    return native.cacheEntry(this.#handle);
  }

  stats() {
    return native.slotStats(this.#handle);
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

/** A set of connectors, from an object or the path of a JSON file. */
class Connection {
  #json;
  #app;

  constructor(propJson, app) {
    this.#json = readConnectionJson(propJson);
    this.#app = app;
  }

  get connectionJson() {
    return this.#json;
  }

  get app() {
    return this.#app;
  }

  getConnector(connectorName) {
    const name = String(connectorName);
    if (this.#json === null) native.openConnector(name, null, false); // throws app/invalid_input
    return new Connector(kInternal, name, resolve(name, this.#json[connectorName]));
  }

  getComponentName() {
    return 'Connector';
  }

  getComponentVersion() {
    return version;
  }
}

module.exports = { Connection, Connector, CatalystConnectorError };
