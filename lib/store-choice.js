'use strict';
// A Connection's second argument picks where tokens are shared: a Catalyst app
// (its cache segment), `{ store: 'redis://…' | 'file:///…' | 'memory:' }`,
// `{ store: { get, put, delete? } }`, or nothing (ZC_CONNECTOR_STORE, else
// memory only). The native store is made once per URL / object and passed
// along on misses, refreshes and puts; a cache hit never touches it.
//
// Parenthesized function expressions are on a first token call's path: V8
// compiles them when the module loads (see connector.js).

const native = require('../index.js');
const { CatalystConnectorError } = require('./error.js');
const { pemList } = require('./options.js');
const { redisClient } = require('./redis-client.js');

const CATALYST_MAX_VALUE = 16000;
const CATALYST_MAX_HOURS = 48;

function invalidStore(message) {
  return new CatalystConnectorError('app/INVALID_STORE', message);
}

/** `get` results may be a string, null, or a Catalyst-style `{ cache_value }`. */
const storedString = (function storedString(result) {
  if (result === null || result === undefined) return null;
  if (typeof result === 'string') return result;
  if (typeof result === 'object') {
    const value = result.cache_value;
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return value;
  }
  throw new TypeError('the store returned neither a string, null, nor { cache_value: string }');
});

/**
 * One async entry point for Rust; throws and rejections become store errors.
 * It holds its object weakly: the native side keeps the entry point alive, and
 * a strong reference back would keep every per-request Catalyst app forever.
 */
const storeCaller = (function storeCaller(object, adapt) {
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
});

/** A Catalyst app's default cache segment as a store, within its limits. */
const catalystSegmentStore = (function catalystSegmentStore(app) {
  const segment = (function segment() { return app.cache().segment(); });
  return {
    get: (function get(key) { return segment().get(key); }),
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
});

const NO_CA = Object.freeze([]);
const urlStores = new Map();
const objectStores = new WeakMap();
let defaultStore;

function timeoutOption(options) {
  const ms = options.storeTimeoutMs;
  if (ms === undefined) return undefined;
  // Below 1 ms a store operation could never finish: that is a mistake, not "no timeout".
  if (typeof ms !== 'number' || !(ms >= 1) || !Number.isFinite(ms)) {
    throw invalidStore('storeTimeoutMs must be a number of milliseconds, at least 1');
  }
  return ms;
}

/**
 * `{ handle, read }` for a store URL: the native store (made once per URL,
 * prefix and timeout), and for plain `redis://` URLs `read(key)`, a GET on
 * the JS thread through one connection of its own (bounded by the store
 * timeout), so that a miss whose entry is in Redis costs one round trip to
 * Redis instead of two crossings between the JS thread and the runtime.
 * Writes, leases and every other operation stay native. `rediss://`, file
 * and memory stores have no JS read.
 */
function urlStore(url, keyPrefix, timeoutMs) {
  const id = `${url}\0${keyPrefix}\0${timeoutMs}`;
  let store = urlStores.get(id);
  if (store === undefined) {
    store = { handle: native.urlStore(url, keyPrefix, timeoutMs), read: redisRead(url, keyPrefix, timeoutMs) };
    urlStores.set(id, store);
  }
  return store;
}

function redisRead(url, keyPrefix, timeoutMs) {
  if (!url.startsWith('redis://')) return undefined;
  const ms = timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  // The same timeout bounds the caller (Deadlines) and the connection: a read
  // Redis never answers does not keep the process alive.
  const client = redisClient(url, (message) => new Error(message), ms);
  return new JsRead((key) => client.command('GET', `${keyPrefix}${key}`), new Deadlines(ms));
}

/** The store's default timeout when storeTimeoutMs is not given (as the native guard's). */
const DEFAULT_STORE_TIMEOUT_MS = 2000;

/**
 * `{ handle, read }` for a JS store object: the native store, and `read`,
 * the store's `get` called on the JS thread (a cache miss reads it here and
 * hands the text to the engine, instead of a round trip through tokio).
 */
const objectStore = (function objectStore(object, name, adapt, timeoutMs) {
  let store = objectStores.get(object);
  if (store === undefined) {
    const adapted = adapt(object);
    const read = new JsRead((function get(key) { return adapted.get(key); }), new Deadlines(timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS));
    store = { handle: native.jsStore(name, storeCaller(object, adapt), timeoutMs), read };
    objectStores.set(object, store);
  }
  return store;
});

/**
 * A store read on the JS thread. `read(key)` answers the store's text for
 * `key` (a string or null) when the store answers synchronously — no
 * promise, no timer — or else the store's promise, as it is; a throw or a
 * garbage answer throws. `bound(promise, reader)` is a promise of
 * `reader.value(text)` once `promise` gives the text, or of
 * `reader.failed()` once it rejects, gives garbage, or has been pending for
 * the store timeout; the reader's methods must not throw.
 */
class JsRead {
  #get;
  #deadlines;

  constructor(get, deadlines) {
    this.#get = get;
    this.#deadlines = deadlines;
  }

  static {
    JsRead.prototype.read = (function read(key) {
      const answer = this.#get(key);
      if (answer !== null && typeof answer === 'object' && typeof answer.then === 'function') return answer;
      return storedString(answer);
    });
    JsRead.prototype.bound = (function bound(promise, reader) {
      return this.#deadlines.bound(promise, reader);
    });
  }
}

const hop = (function hop() {});

/**
 * Bounds promises by one timeout. Deadlines come in the order the promises
 * do (the timeout is the same for all), so one unref'd timer, armed for the
 * oldest pending deadline, serves every read in flight: a read costs no timer
 * of its own.
 */
class Deadlines {
  #ms;
  /** Pending reads, oldest first: `{ at, resolve, reader, settled }`. */
  #queue = [];
  #timer;
  #checking = false;
  /** Whether a check has run (the first arms the timer only for a pending read). */
  #checked = false;

  constructor(ms) {
    this.#ms = ms;
  }

  static {
    /**
     * A promise of `reader.value(text)` once `promise` fulfils with an answer
     * `storedString` makes text of, else of `reader.failed()` (a rejection, a
     * garbage answer, or the timeout passed first).
     */
    Deadlines.prototype.bound = (function bound(promise, reader) {
      const deadlines = this;
      return new Promise((function settleRead(resolve) {
        const pending = { at: Date.now() + deadlines.#ms, resolve, reader, settled: false };
        deadlines.#queue.push(pending);
        if (deadlines.#timer === undefined && !deadlines.#checking) checkSoon(deadlines);
        promise.then(
          (function answered(answer) {
            if (!settle(deadlines, pending)) return;
            let text;
            try {
              text = storedString(answer);
            } catch {
              resolve(reader.failed());
              return;
            }
            resolve(reader.value(text));
          }),
          (function rejected() {
            if (settle(deadlines, pending)) resolve(reader.failed());
          }),
        );
      }));
    });

    /** Marks `pending` settled (false if it was already: it timed out) and drops the settled reads at the head. */
    const settle = (function settle(deadlines, pending) {
      if (pending.settled) return false;
      pending.settled = true;
      const queue = deadlines.#queue;
      while (queue.length > 0 && queue[0].settled) queue.shift();
      return true;
    });

    /**
     * Arms the timer a few microtasks from now. The first check of a store
     * arms it only if a read is still pending then: a store answering from
     * memory has answered by then, so a process's first read costs no timer
     * (a process's first timer, immediate or tick costs more than a hundred
     * times such a read; promise hops cost nothing extra). Later checks arm
     * it whatever is pending, for the store timeout: while it is armed, reads
     * start no check at all, and a busy store costs one check and one timer
     * per timeout period instead of a check per read. Microtasks all run
     * before any I/O or timer, so a read that waits on I/O is bounded from
     * its start all the same.
     */
    const checkSoon = (function checkSoon(deadlines) {
      deadlines.#checking = true;
      Promise.resolve().then(hop).then(hop).then(hop).then((function check() {
        deadlines.#checking = false;
        if (deadlines.#timer !== undefined) return;
        if (deadlines.#queue.length > 0 || deadlines.#checked) deadlines.#arm();
        deadlines.#checked = true;
      }));
    });
  }

  /**
   * Arms the timer for the oldest pending read (`settle` and `#expire`
   * leave none settled at the head), else for one timeout from now.
   */
  #arm() {
    const queue = this.#queue;
    const at = queue.length > 0 ? queue[0].at : Date.now() + this.#ms;
    this.#timer = setTimeout(() => this.#expire(), Math.max(1, at - Date.now()));
    this.#timer.unref();
  }

  #expire() {
    const queue = this.#queue;
    const now = Date.now();
    while (queue.length > 0 && (queue[0].settled || queue[0].at <= now)) {
      const pending = queue.shift();
      if (!pending.settled) {
        pending.settled = true;
        pending.resolve(pending.reader.failed());
      }
    }
    // Pending reads keep it armed; without any, the next read's check arms it.
    if (queue.length > 0) this.#arm();
    else this.#timer = undefined;
  }
}

function envDefaultStore() {
  if (defaultStore === undefined) {
    const url = process.env.ZC_CONNECTOR_STORE;
    const timeout = Number(process.env.ZC_CONNECTOR_STORE_TIMEOUT_MS) || undefined;
    defaultStore = url ? urlStore(url, process.env.ZC_CONNECTOR_STORE_PREFIX || '', timeout) : { handle: native.memoryStore(), read: undefined };
  }
  return defaultStore;
}

/** Per native store: the call options of Connections with no listener and no `timeoutMs`/`ca`, `[refresh ahead, not]`. */
const plainOptionsOf = new WeakMap();

/**
 * The call options for `store` without a listener or HTTP settings: the same
 * for every such Connection over that store, so they are made once (a
 * per-request Connection costs no native call for them).
 */
const plainOptions = (function plainOptions(store, refreshAhead) {
  let pair = plainOptionsOf.get(store);
  if (pair === undefined) {
    pair = [undefined, undefined];
    plainOptionsOf.set(store, pair);
  }
  const index = refreshAhead ? 0 : 1;
  if (pair[index] === undefined) pair[index] = native.callOptions(store, refreshAhead, undefined, undefined);
  return pair[index];
});

/**
 * A Connection's store: resolved at once for URLs (a bad one throws from the
 * constructor), on first use for JS objects (a Catalyst app made per request
 * costs nothing until a token is missing). `app` is a Catalyst app or
 * undefined, `options` the checked options object or undefined. Holds
 * nothing of one Connection, so Connections without options share theirs
 * (`storeChoice`).
 */
class StoreChoice {
  #source;
  #handle;
  #read;
  #options;
  #refreshAhead = true;
  #extra;
  /** The `ca` option as PEM strings, for fetch(). */
  ca = NO_CA;

  constructor(app, options) {
    if (options !== undefined) this.#takeOptions(options);
    if (app !== undefined) {
      this.#source = app;
      return;
    }
    if (options === undefined || options.store === undefined) {
      ({ handle: this.#handle, read: this.#read } = envDefaultStore());
      return;
    }
    this.#takeStore(options);
  }

  /** The options besides the store: `ca`, `refreshAhead`, `onTokens` (checked), `timeoutMs`. */
  #takeOptions(options) {
    if (options.ca !== undefined) this.ca = pemList(options.ca);
    if (options.refreshAhead !== undefined) {
      if (typeof options.refreshAhead !== 'boolean') throw invalidStore('refreshAhead must be true or false');
      this.#refreshAhead = options.refreshAhead;
    }
    if (options.onTokens !== undefined && typeof options.onTokens !== 'function') {
      throw invalidStore('onTokens must be a function');
    }
    if (options.timeoutMs !== undefined || options.ca !== undefined) {
      this.#extra = { timeoutMs: options.timeoutMs, ca: options.ca === undefined ? undefined : pemList(options.ca).join('\n') };
    }
  }

  /** The store of `options.store`: a URL's native store, or a JS object (made on first use). */
  #takeStore(options) {
    const { store } = options;
    const timeoutMs = timeoutOption(options);
    if (typeof store === 'string') {
      const prefix = options.keyPrefix ?? '';
      if (typeof prefix !== 'string') throw invalidStore('keyPrefix must be a string');
      ({ handle: this.#handle, read: this.#read } = urlStore(store, prefix, timeoutMs));
    } else if (store !== null && typeof store === 'object' && typeof store.get === 'function' && typeof store.put === 'function') {
      this.#source = options;
    } else {
      throw invalidStore("store must be a URL (redis://, file://, memory:) or an object with get(key) and put(key, value, ttlSeconds)");
    }
  }

  static {
    /**
     * The native call options: store, refresh-ahead, the event listener of
     * `sink` (a Connection's EventSink, or undefined) when anyone would see its
     * events, and `{ timeoutMs, ca }`. Without a listener they are made once
     * per store; with one, once per sink (a Connection that starts listening
     * gets them from its next call).
     */
    StoreChoice.prototype.optionsFor = (function optionsFor(sink) {
      if (sink !== undefined && sink.wanted) {
        const choice = this;
        return sink.callOptions(() => native.callOptions(storeHandle(choice), choice.#refreshAhead, (event) => sink.handle(event), choice.#extra));
      }
      return (this.#options ??= this.#extra === undefined
        ? plainOptions(storeHandle(this), this.#refreshAhead)
        : native.callOptions(storeHandle(this), this.#refreshAhead, undefined, this.#extra));
    });

    /**
     * The store read on the JS thread (a `JsRead`): a Catalyst app's or a
     * custom object's `get`, or a GET on a `redis://` store; undefined for the
     * other native stores.
     */
    Object.defineProperty(StoreChoice.prototype, 'jsRead', { configurable: true, get: (function jsRead() {
      if (this.#source !== undefined) storeHandle(this);
      return this.#read;
    }) });

    /** The native store's handle, made on first use for a JS object. */
    const storeHandle = (function storeHandle(choice) {
      if (choice.#handle === undefined) {
        const source = choice.#source;
        const store = typeof source.cache === 'function'
          ? objectStore(source, 'catalyst-cache', catalystSegmentStore, undefined)
          : objectStore(source.store, 'js-store', (function adaptedAsIs(object) { return object; }), timeoutOption(source));
        choice.#handle = store.handle;
        choice.#read = store.read;
      }
      return choice.#handle;
    });
  }
}

/** Per Catalyst app (or the absent one): the StoreChoice of Connections given no options. */
const sharedChoices = new WeakMap();
let noAppChoice;

/**
 * The StoreChoice of a Connection (see StoreChoice): shared by every
 * Connection over the same app (or none) without options, so a
 * per-request Connection costs no store object of its own.
 */
const storeChoice = (function storeChoice(app, options) {
  if (options !== undefined) return new StoreChoice(app, options);
  if (app === undefined) return (noAppChoice ??= new StoreChoice(undefined, undefined));
  let choice = sharedChoices.get(app);
  if (choice === undefined) {
    choice = new StoreChoice(app, undefined);
    sharedChoices.set(app, choice);
  }
  return choice;
});

module.exports = { storeChoice };
