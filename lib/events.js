'use strict';
// Where the engine's events go: a Connection's listeners (`connection.on`),
// its `logger` option, stderr under `DEBUG=zcatalyst-connector`, and its
// `onTokens` option. Nothing is printed unless one of those asks for it. A
// listener or logger that throws is reported as a process warning and never
// reaches the refresh that announced the event.
//
// The engine's events are plain objects `{ type, connectorName, level?,
// message?, ... }` (src/binding/call_options.rs):
//   tokens           refreshToken, accessToken, expiresAt (a rotated refresh token)
//   refresh          durationMs, background
//   refresh_failed   code, statusCode, attempt, retryAfterMs, durationMs
//   store_error      (message)            lock_wait, lock_takeover
// `level` is the engine's (debug, info, warn); `message` a sentence, which may
// quote a provider and is tidied before anyone sees it.

const { EventEmitter } = require('node:events');
const { CatalystConnectorError, tidyMessage } = require('./error.js');

const NAMESPACE = 'zcatalyst-connector';

/** Whether a `DEBUG` value (the `debug` package's convention) enables NAMESPACE. */
function debugEnabled(value) {
  if (typeof value !== 'string' || value === '') return false;
  let enabled = false;
  for (const pattern of value.split(/[\s,]+/)) {
    if (pattern === '') continue;
    const negated = pattern.startsWith('-');
    const glob = negated ? pattern.slice(1) : pattern;
    const regex = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (regex.test(NAMESPACE)) {
      if (negated) return false;
      enabled = true;
    }
  }
  return enabled;
}

const debugOn = debugEnabled(process.env.DEBUG);

/** How each event type is logged when the engine names no level or message. */
const LOG = {
  tokens: ['info', 'the provider rotated the refresh token'],
  refresh: ['debug', 'refreshed the access token'],
  refresh_failed: ['warn', 'token refresh failed'],
  store_error: ['warn', 'the token store failed; serving from memory and refreshing directly'],
  store_recovered: ['info', 'the token store answers again'],
  lock_wait: ['debug', 'waiting for another process to refresh (fleet lock)'],
  lock_takeover: ['info', 'took the fleet lock over'],
};
const LEVELS = new Set(['debug', 'info', 'warn', 'error']);
/** Keys of an event that are not log fields: its kind, its level and sentence, tokens. */
const NOT_FIELDS = new Set(['type', 'level', 'message', 'accessToken', 'refreshToken']);

/** The fields of an event that may be logged: never a token. */
function loggable(event, type, secrets) {
  const fields = { event: type };
  for (const key of Object.keys(event)) {
    if (NOT_FIELDS.has(key)) continue;
    const value = event[key];
    if (value === null || value === undefined) continue;
    fields[key] = typeof value === 'string' ? tidyMessage(value, secrets()) : value;
  }
  return fields;
}

function warnListenerFailed(what, error) {
  process.emitWarning(`zcatalyst-connector: ${what} threw: ${error && error.message}`);
}

/** The secret settings of one connector (a connection JSON entry, or a validated record with its `rare` settings). */
function secretsOf(settings) {
  return [settings.client_secret, settings.refresh_token, settings.secret_key, settings.rare?.secret_key]
    .filter((value) => typeof value === 'string');
}

/** The strings of a connection JSON that must never be logged. */
function connectionSecrets(json) {
  const secrets = [];
  if (json === null || typeof json !== 'object') return secrets;
  for (const entry of Object.values(json)) {
    if (entry !== null && typeof entry === 'object') secrets.push(...secretsOf(entry));
  }
  return secrets;
}

/**
 * A Connection's event sink; `json` is its connection JSON, whose secrets
 * (client secrets, refresh tokens, secret keys) are never logged.
 */
class EventSink {
  #emitter;
  #logger;
  #onTokens;
  #json;
  #callOptions;

  constructor(logger, onTokens, json) {
    this.#logger = logger ?? undefined;
    this.#onTokens = onTokens;
    this.#json = json;
  }

  #secrets() {
    return connectionSecrets(this.#json);
  }

  /** Whether anyone would see an event: a logger, DEBUG, onTokens or a listener. */
  get wanted() {
    return this.#logger !== undefined || debugOn || this.#onTokens !== undefined || this.#emitter !== undefined;
  }

  /** The native call options with this sink's listener, made once by `make`. */
  callOptions(make) {
    return (this.#callOptions ??= make());
  }

  /** The lazily made EventEmitter (a Connection nobody listens to never makes one). */
  get emitter() {
    return (this.#emitter ??= new EventEmitter());
  }

  /** Routes one engine event; never throws. */
  handle(event) {
    if (event === null || typeof event !== 'object') return;
    const type = typeof event.type === 'string' ? event.type : 'tokens';
    const [defaultLevel, defaultMessage] = LOG[type] ?? ['debug', type];
    const logger = this.#logger;
    if (logger !== undefined || debugOn) {
      const fields = loggable(event, type, () => this.#secrets());
      const shownLevel = LEVELS.has(event.level) ? event.level : defaultLevel;
      const message = typeof event.message === 'string' && event.message !== ''
        ? tidyMessage(event.message, this.#secrets())
        : defaultMessage;
      if (logger !== undefined) {
        try {
          logger[shownLevel](fields, `${NAMESPACE}: ${message}`);
        } catch (error) {
          warnListenerFailed('the logger', error);
        }
      }
      if (debugOn) process.stderr.write(`${NAMESPACE} ${shownLevel} ${message} ${JSON.stringify(fields)}\n`);
    }
    if (type === 'tokens') {
      const tokens = {
        connectorName: event.connectorName,
        refreshToken: event.refreshToken,
        accessToken: event.accessToken,
        expiresAt: event.expiresAt,
      };
      if (this.#onTokens !== undefined) this.#call('onTokens', this.#onTokens, tokens);
      this.#emit('tokens', tokens);
    } else if (type === 'refresh') {
      const refresh = { connectorName: event.connectorName, durationMs: event.durationMs, background: event.background === true };
      if (typeof event.attempt === 'number') refresh.attempt = event.attempt;
      this.#emit('refresh', refresh);
    } else if (type === 'refresh_failed' || type === 'store_error') {
      this.#emit('error', this.#errorOf(event, type));
    }
  }

  #errorOf(event, type) {
    const secrets = this.#secrets();
    const code = type === 'store_error' ? 'app/STORE_UNAVAILABLE' : (event.code || 'app/REFRESH_FAILED');
    const statusCode = typeof event.statusCode === 'number' ? event.statusCode : 503;
    const error = new CatalystConnectorError(code, tidyMessage(String(event.message ?? ''), secrets), null, statusCode);
    Object.defineProperty(error, 'stack', { value: `${error.name}: ${error.message}`, writable: true, configurable: true });
    for (const key of ['connectorName', 'attempt', 'retryAfterMs', 'durationMs', 'store']) {
      if (event[key] !== undefined && event[key] !== null) {
        Object.defineProperty(error, key, { value: event[key], enumerable: true, configurable: true, writable: true });
      }
    }
    return error;
  }

  /** Emits to the Connection's listeners, only when it has some (an unheard 'error' is not thrown). */
  #emit(name, payload) {
    const emitter = this.#emitter;
    if (emitter === undefined || emitter.listenerCount(name) === 0) return;
    for (const listener of emitter.rawListeners(name)) {
      // `once` listeners are wrapped; calling the raw wrapper removes them as emit() would.
      this.#call(`a '${name}' listener`, listener, payload, emitter);
    }
  }

  #call(what, listener, payload, self) {
    try {
      const result = listener.call(self, payload);
      if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
        result.then(undefined, (error) => warnListenerFailed(what, error));
      }
    } catch (error) {
      warnListenerFailed(what, error);
    }
  }
}

module.exports = { EventSink, debugEnabled, debugOn, secretsOf };
