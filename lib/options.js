'use strict';
// A Connection's arguments: the connection JSON and a Catalyst app in either
// order (the SDK's `new Connection(app, json)` or ours), then options. Option
// names are checked, so a misspelt or unsupported one fails loudly.
//
// Parenthesized function expressions are on a first token call's path: see
// lib/compiled-at-load.js.

const { CatalystConnectorError } = require('./error.js');

const KNOWN_OPTIONS = new Set([
  'store', 'keyPrefix', 'storeTimeoutMs', 'refreshAhead', 'onTokens', 'logger', 'ca', 'timeoutMs',
]);
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'];

function invalidArgument(message) {
  return new CatalystConnectorError('app/INVALID_ARGUMENT', message);
}

/** A zcatalyst-sdk-node app (or anything shaped like one): it has `cache()`. */
const isCatalystApp = (function isCatalystApp(value) {
  return value !== null && typeof value === 'object' && typeof value.cache === 'function';
});

/**
 * `(first, second, third)` of `new Connection()` as `{ json, app, options }`:
 * `app` is a Catalyst app or undefined; `options` an options object or undefined.
 */
const connectionArguments = (function connectionArguments(first, second, third) {
  let json = first;
  let rest = second;
  if (isCatalystApp(first) && !isCatalystApp(second)) {
    json = second;
    rest = first;
  }
  // Absent options skip the check (a fresh process then compiles less on its first call).
  if (isCatalystApp(rest)) return { json, app: rest, options: third === undefined ? undefined : checkedOptions(third) };
  if (third !== undefined) checkedOptions(third);
  return { json, app: undefined, options: rest === undefined ? undefined : checkedOptions(rest) };
});

/** `options` with its names and the new options' values checked (throws app/INVALID_ARGUMENT). */
function checkedOptions(options) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') {
    throw invalidArgument(`The Connection options must be an object or a Catalyst app, not ${typeof options}`);
  }
  for (const name in options) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw invalidArgument(`Unknown Connection option '${name}'; the options are ${[...KNOWN_OPTIONS].join(', ')}`);
    }
  }
  const { logger, ca, timeoutMs } = options;
  if (logger !== undefined && logger !== null
    && (typeof logger !== 'object' || LOGGER_METHODS.some((level) => typeof logger[level] !== 'function'))) {
    throw invalidArgument('The logger option must be an object with debug, info, warn and error methods (console or pino, for example)');
  }
  if (ca !== undefined && !isPemList(ca)) {
    throw invalidArgument('The ca option must be PEM text (a string or Buffer) or an array of them');
  }
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 1) || !Number.isFinite(timeoutMs))) {
    throw invalidArgument('The timeoutMs option must be a number of milliseconds, at least 1');
  }
  return options;
}

function isPemList(ca) {
  const list = Array.isArray(ca) ? ca : [ca];
  return list.length > 0 && list.every((pem) => (typeof pem === 'string' || Buffer.isBuffer(pem))
    && String(pem).includes('-----BEGIN CERTIFICATE-----'));
}

/** The `ca` option as an array of PEM strings (empty when not given). */
function pemList(ca) {
  if (ca === undefined) return [];
  return (Array.isArray(ca) ? ca : [ca]).map(String);
}

module.exports = { connectionArguments, isCatalystApp, pemList, KNOWN_OPTIONS };
