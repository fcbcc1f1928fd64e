'use strict';
// The error class of zcatalyst-connector-rs, as @zcatalyst/connector shapes it,
// plus what makes a rejected error read well in a log: the caller's stack, a
// bounded provider message with our secrets taken out, and `code` and
// `statusCode` in `util.inspect()`.

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/** The error every failure is reported with; `code` is stable. */
class CatalystConnectorError extends Error {
  #code;
  #value;
  #statusCode;

  constructor(code, message, value = null, statusCode = 400, options = undefined) {
    super(message, options);
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

  /** `util.inspect()`: the stack, then `code`, `statusCode` and any `cause`, as Node shows own fields. */
  [inspectSymbol](depth, options, inspect) {
    const fields = { code: this.#code, statusCode: this.#statusCode };
    if (this.#value !== null && this.#value !== undefined) fields.value = this.#value;
    // Own fields as Node shows them (retryAfter of a backed-off refresh, an event's connectorName).
    for (const key of Object.keys(this)) fields[key] = this[key];
    if ('cause' in this) fields[Symbol.for('cause')] = this.cause;
    // The cause's key shown as Node shows an error's cause (Node 24 writes a
    // symbol key without the brackets earlier majors put around it).
    const shown = inspect(fields, { ...options, depth: options.depth === null ? null : options.depth - 1 })
      .replace(/\[?Symbol\(cause\)\]?: /, '[cause]: ');
    return `${this.stack} ${shown}`;
  }
}

/** The error of an aborted call: `name` is 'AbortError', `cause` the signal's reason. */
class ConnectorAbortError extends CatalystConnectorError {
  constructor(reason) {
    super('app/ABORTED', 'The operation was aborted', null, 400, { cause: reason });
  }

  get name() {
    return 'AbortError';
  }
}

/** A stack-holder made at a public method's call site; cheap until `.stack` is read. */
function callSite(method) {
  const site = {};
  Error.captureStackTrace(site, method);
  return site;
}

/** Gives `error` the frames of `site` (where the caller called us); returns it. */
function withCallSite(error, site) {
  if (!(error instanceof Error) || site === undefined) return error;
  const frames = String(site.stack).split('\n').slice(1).join('\n');
  const head = `${error.name}: ${error.message}`;
  Object.defineProperty(error, 'stack', { value: frames ? `${head}\n${frames}` : head, writable: true, configurable: true });
  return error;
}

/** At most this many characters of a provider's `error_description`. */
const DESCRIPTION_LIMIT = 200;
const OAUTH_PREFIX = 'The token endpoint returned an error: ';

/** Replaces each secret (strings of 4 or more characters) in `text` with `[redacted]`. */
function redact(text, secrets) {
  let out = text;
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < 4) continue;
    // As given, and as a provider echoing the request's form or query would show it.
    for (const shown of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
      out = out.split(shown).join('[redacted]');
    }
  }
  return out;
}

/**
 * A provider's words in an OAuth error, some of which echo the request: the
 * `error_description` cut to DESCRIPTION_LIMIT characters and `secrets`
 * replaced (before the cut, so no prefix of a secret survives either).
 */
function tidyMessage(message, secrets) {
  if (typeof message !== 'string') return message;
  const text = redact(message, secrets);
  const at = text.indexOf(OAUTH_PREFIX);
  if (at < 0) return text;
  // Whatever precedes the provider's words ("refresh failed: " in an event) stays.
  const head = text.slice(0, at + OAUTH_PREFIX.length);
  const words = text.slice(at + OAUTH_PREFIX.length);
  const match = /^([^(]*) \(([\s\S]*)\)$/.exec(words);
  if (!match) return head + words.slice(0, DESCRIPTION_LIMIT);
  const [, error, description] = match;
  const cut = description.length > DESCRIPTION_LIMIT ? `${description.slice(0, DESCRIPTION_LIMIT)}…` : description;
  return `${head}${error.slice(0, DESCRIPTION_LIMIT)} (${cut})`;
}

/** An error of ours (from the native side) made fit for logs: tidy message, caller's stack. */
function forCaller(error, site, secrets) {
  if (error instanceof CatalystConnectorError) {
    const tidy = tidyMessage(error.message, secrets);
    if (tidy !== error.message) {
      Object.defineProperty(error, 'message', { value: tidy, writable: true, configurable: true, enumerable: false });
    }
  }
  return withCallSite(error, site);
}

module.exports = { CatalystConnectorError, ConnectorAbortError, callSite, withCallSite, forCaller, tidyMessage, redact };
