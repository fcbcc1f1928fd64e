'use strict';
// A Connection's second argument picks where tokens are shared: a Catalyst app
// (its cache segment), `{ store: 'redis://…' | 'file:///…' | 'memory:' }`,
// `{ store: { get, put, delete? } }`, or nothing (ZC_CONNECTOR_STORE, else
// memory only). The native store is made once per URL / object and passed
// along on misses, refreshes and puts; a cache hit never touches it.

const native = require('../index.js');
const { CatalystConnectorError } = require('./error.js');

const CATALYST_MAX_VALUE = 16000;
const CATALYST_MAX_HOURS = 48;

function invalidStore(message) {
  return new CatalystConnectorError('app/INVALID_STORE', message);
}

/** `get` results may be a string, null, or a Catalyst-style `{ cache_value }`. */
function storedString(result) {
  if (result === null || result === undefined) return null;
  if (typeof result === 'string') return result;
  if (typeof result === 'object') {
    const value = result.cache_value;
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return value;
  }
  throw new TypeError('the store returned neither a string, null, nor { cache_value: string }');
}

/**
 * One async entry point for Rust; throws and rejections become store errors.
 * It holds its object weakly: the native side keeps the entry point alive, and
 * a strong reference back would keep every per-request Catalyst app forever.
 */
function storeCaller(object, adapt) {
  const ref = new WeakRef(object);
  return async (op, key, value, ttlSeconds) => {
    const target = ref.deref();
    if (target === undefined) throw new Error('the store object is no longer in use');
    const store = adapt(target);
    if (op === 'get') return storedString(await store.get(key));
    if (op === 'put') await store.put(key, value, ttlSeconds);
    else if (typeof store.delete === 'function') await store.delete(key);
    return null;
  };
}

/** A Catalyst app's default cache segment as a store, within its limits. */
function catalystSegmentStore(app) {
  const segment = () => app.cache().segment();
  return {
    get: (key) => segment().get(key),
    put(key, value, ttlSeconds) {
      if (value.length > CATALYST_MAX_VALUE) {
        throw new RangeError(`the entry is ${value.length} characters; Catalyst Cache holds at most ${CATALYST_MAX_VALUE}`);
      }
      const hours = Math.min(CATALYST_MAX_HOURS, Math.max(1, Math.ceil(ttlSeconds / 3600)));
      return segment().put(key, value, hours);
    },
    delete(key) {
      const target = segment();
      return typeof target.delete === 'function' ? target.delete(key) : undefined;
    },
  };
}

const urlStores = new Map();
const objectStores = new WeakMap();
let defaultStore;

function timeoutOption(options) {
  const ms = options.storeTimeoutMs;
  if (ms === undefined) return undefined;
  if (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms)) {
    throw invalidStore('storeTimeoutMs must be a positive number of milliseconds');
  }
  return ms;
}

function urlStore(url, keyPrefix, timeoutMs) {
  const id = `${url}\0${keyPrefix}\0${timeoutMs}`;
  let store = urlStores.get(id);
  if (store === undefined) {
    store = native.urlStore(url, keyPrefix, timeoutMs);
    urlStores.set(id, store);
  }
  return store;
}

function objectStore(object, name, adapt, timeoutMs) {
  let store = objectStores.get(object);
  if (store === undefined) {
    store = native.jsStore(name, storeCaller(object, adapt), timeoutMs);
    objectStores.set(object, store);
  }
  return store;
}

function envDefaultStore() {
  if (defaultStore === undefined) {
    const url = process.env.ZC_CONNECTOR_STORE;
    const timeout = Number(process.env.ZC_CONNECTOR_STORE_TIMEOUT_MS) || undefined;
    defaultStore = url ? urlStore(url, process.env.ZC_CONNECTOR_STORE_PREFIX || '', timeout) : native.memoryStore();
  }
  return defaultStore;
}

/** `onTokens` never throws into native code: errors become process warnings. */
function listenerShim(listener) {
  return (event) => {
    Promise.resolve()
      .then(() => listener(event))
      .catch((error) => process.emitWarning(`onTokens listener failed: ${error && error.message}`));
  };
}

/**
 * A Connection's store: resolved at once for URLs (a bad one throws from the
 * constructor), on first use for JS objects (a Catalyst app made per request
 * costs nothing until a token is missing).
 */
class StoreChoice {
  #source;
  #handle;
  #options;
  #refreshAhead = true;
  #onTokens;

  constructor(app) {
    if (app === null || typeof app !== 'object') {
      this.#handle = envDefaultStore();
      return;
    }
    if (app.refreshAhead !== undefined) {
      if (typeof app.refreshAhead !== 'boolean') throw invalidStore('refreshAhead must be true or false');
      this.#refreshAhead = app.refreshAhead;
    }
    if (app.onTokens !== undefined) {
      if (typeof app.onTokens !== 'function') throw invalidStore('onTokens must be a function');
      this.#onTokens = listenerShim(app.onTokens);
    }
    if (typeof app.cache === 'function') {
      this.#source = app;
      return;
    }
    if (!('store' in app) || app.store === undefined) {
      this.#handle = envDefaultStore();
      return;
    }
    const { store } = app;
    const timeoutMs = timeoutOption(app);
    if (typeof store === 'string') {
      const prefix = app.keyPrefix ?? '';
      if (typeof prefix !== 'string') throw invalidStore('keyPrefix must be a string');
      this.#handle = urlStore(store, prefix, timeoutMs);
    } else if (store !== null && typeof store === 'object' && typeof store.get === 'function' && typeof store.put === 'function') {
      this.#source = app;
    } else {
      throw invalidStore("store must be a URL (redis://, file://, memory:) or an object with get(key) and put(key, value, ttlSeconds)");
    }
  }

  /** The native call options: store, refresh-ahead and listener. */
  get options() {
    return (this.#options ??= native.callOptions(this.#store(), this.#refreshAhead, this.#onTokens));
  }

  #store() {
    if (this.#handle === undefined) {
      const source = this.#source;
      this.#handle = typeof source.cache === 'function'
        ? objectStore(source, 'catalyst-cache', catalystSegmentStore, undefined)
        : objectStore(source.store, 'js-store', (store) => store, timeoutOption(source));
    }
    return this.#handle;
  }
}

let defaultChoice;

/** The StoreChoice of a Connection made without a store argument (shared). */
function storeChoice(app) {
  if (app === undefined || app === null) return (defaultChoice ??= new StoreChoice(undefined));
  return new StoreChoice(app);
}

module.exports = { storeChoice };
