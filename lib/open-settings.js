'use strict';
// Opening a validated settings record's slot. Most applications open many
// connectors whose settings differ only in the refresh token (one per user,
// a Connection per request): the engine keeps the other settings of the
// last few records opened (`keepSettings`, under ids unique in the process:
// each worker thread's copy of this module opens only what it kept), and a
// record equal to one of them but for its refresh token opens with that id
// and the token (`openKept`) — nothing serialized, parsed or interned again.
// Any other record crosses whole (`positional`) and is checked by the engine.
//
// Parenthesized function expressions are on a first token call's path: V8
// compiles them when the module loads (see connector.js).

const native = require('../index.js');
const { CatalystConnectorError } = require('./error.js');
const { positional, sameCommonSettings } = require('./settings.js');
const { isWellFormed } = require('./well-formed.js');

/** How many settings the engine keeps for this module. */
const KEPT = 8;
/** Per kept place: the record fields it was made from and their `id` (a copy: holding a record would keep its slot). */
const kept = new Array(KEPT).fill(undefined);
let nextIndex = 0;

/** Whether `value` compares by value with `===` (no object a caller could change). */
const primitive = (function primitive(value) {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || value === undefined || value === null;
});

/** Whether `record` can be kept and matched: no rare setting, every common one a primitive. */
const keepable = (function keepable(record) {
  return record.rare === undefined
    && primitive(record.client_id) && primitive(record.client_secret)
    && primitive(record.auth_url) && primitive(record.refresh_url)
    && primitive(record.redirect_url) && primitive(record.expires_in)
    && primitive(record.refresh_in);
});

/**
 * A refresh token `openKept` reads exactly as the engine reads it from the
 * whole settings: a well-formed string, or none (null/undefined). Anything
 * else (a number, a lone surrogate) crosses whole.
 */
function plainToken(token) {
  return token === undefined || token === null || (typeof token === 'string' && isWellFormed(token));
}

/**
 * Opens the slot of the validated `record` (settings from `settingsOf`) and
 * returns its handle, carrying one reference for the caller; throws
 * INVALID_ARGUMENT like `getConnector()` for settings the engine refuses.
 */
const openRecord = (function openRecord(record) {
  const index = record.rare === undefined ? keptIndex(record) : -1;
  if (index >= 0 && plainToken(record.refresh_token)) {
    const handle = native.openKept(kept[index].id, record.refresh_token ?? null);
    if (handle !== 0) return handle;
  }
  const name = record.name;
  let handle;
  try {
    handle = native.openConnector(name, positional(record), true);
  } catch (error) {
    if (error instanceof CatalystConnectorError) throw error;
    throw new CatalystConnectorError('INVALID_ARGUMENT', `The settings of connector.${name} hold a value that is not JSON (a Symbol, a BigInt, a function or a cyclic object)`);
  }
  if (index < 0 && keepable(record)) keep(record, handle);
  return handle;
});

/** The place where settings equal to `record`'s but for the refresh token are kept, or -1. */
const keptIndex = (function keptIndex(record) {
  for (let i = 0; i < KEPT; i++) {
    const known = kept[i];
    if (known !== undefined && known.name === record.name && sameCommonSettings(known, record)) return i;
  }
  return -1;
});

/** Keeps `record`'s settings (but the refresh token) in the next place, in place of the oldest. */
const keep = (function keep(record, handle) {
  const index = nextIndex;
  const id = native.keepSettings(handle, kept[index]?.id ?? 0);
  if (id === 0) return;
  nextIndex = (index + 1) % KEPT;
  kept[index] = {
    client_id: record.client_id,
    client_secret: record.client_secret,
    auth_url: record.auth_url,
    refresh_url: record.refresh_url,
    redirect_url: record.redirect_url,
    expires_in: record.expires_in,
    refresh_in: record.refresh_in,
    name: record.name,
    id,
  };
});

module.exports = { openRecord };
