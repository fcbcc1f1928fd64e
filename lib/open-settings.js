'use strict';
// Opening a validated settings record's slot. Most applications open many
// connectors whose settings differ only in the refresh token (one per user,
// a Connection per request): the engine keeps the other settings of a few
// recent records (`keepSettings`, under ids unique in the process: each
// worker thread's copy of this module opens only what it kept), and a record
// equal to one of them but for its refresh token opens with that id and the
// token (`openKept`) — nothing serialized, parsed or interned again.
// Settings are kept when they are seen a second time, so a process opening
// many distinct configurations (many apps or tenants) pays nothing for it.
// Any other record crosses whole (`positional`) and is checked by the engine.
//
// Parenthesized function expressions are on a first token call's path: see
// lib/compiled-at-load.js.

const native = require('../index.js');
const { CatalystConnectorError } = require('./error.js');
const { positional, sameCommonSettings } = require('./settings.js');
const { isWellFormed } = require('./well-formed.js');

/** How many recent settings this module remembers (and the engine keeps, once seen twice). */
const KEPT = 8;
/**
 * Per place: the record fields it was made from and the `id` the engine
 * keeps them under (0: seen once, not kept yet). A copy: holding a record
 * would keep its slot.
 */
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
    && primitive(record.redirect_url) && primitive(record.data_centre)
    && primitive(record.expires_in) && primitive(record.refresh_in);
});

/**
 * A setting `openKept` reads as the engine reads it from the whole settings:
 * a well-formed string (no lone surrogate, which the JSON form reads
 * differently), or unset.
 */
const plainText = (function plainText(value) {
  return value === undefined || value === null || (typeof value === 'string' && isWellFormed(value));
});

/**
 * A setting `openPlain` takes: a string, or unset. Lone surrogates and NULs
 * are left to the engine to find (`isWellFormed` or `includes` here would
 * flatten a concatenated string: a copy, kept as long as the settings live).
 */
const joinable = (function joinable(value) {
  return value === undefined || value === null || typeof value === 'string';
});

/** A lifetime the engine reads as given one by one: a number (finite: see `lifetimeSetting`), or unset. */
const plainNumber = (function plainNumber(value) {
  return value === undefined || value === null || typeof value === 'number';
});

/** Whether `record` holds common settings only, each one `openPlain` takes as it is. */
const plainRecord = (function plainRecord(record) {
  return record.rare === undefined
    && joinable(record.client_id) && joinable(record.client_secret)
    && joinable(record.auth_url) && joinable(record.refresh_url)
    && joinable(record.refresh_token) && joinable(record.redirect_url)
    && joinable(record.data_centre) && plainNumber(record.expires_in) && plainNumber(record.refresh_in);
});

/**
 * Opens the slot of the validated `record` (settings from `settingsOf`) and
 * returns its handle, carrying one reference for the caller; throws
 * INVALID_ARGUMENT like `getConnector()` for settings the engine refuses.
 */
const openRecord = (function openRecord(record) {
  const index = record.rare === undefined ? keptIndex(record) : -1;
  const id = index >= 0 ? kept[index].id : 0;
  if (id !== 0 && plainText(record.refresh_token)) {
    const handle = native.openKept(id, record.refresh_token ?? null);
    if (handle !== 0) return handle;
  }
  const handle = openWhole(record);
  if (index >= 0) {
    // Seen before: keep them in the engine from now on.
    if (id === 0) kept[index].id = native.keepSettings(handle, 0);
  } else if (keepable(record)) {
    remember(record);
  }
  return handle;
});

/** Opens `record`'s slot from its whole settings: one by one when they are plain, else as JSON. */
const openWhole = (function openWhole(record) {
  const name = record.name;
  try {
    if (plainRecord(record)) {
      // Unset and empty settings read alike (as an empty text).
      const texts = `${record.client_id ?? ''}\0${record.client_secret ?? ''}\0${record.auth_url ?? ''}\0${
        record.refresh_url ?? ''}\0${record.refresh_token ?? ''}\0${record.redirect_url ?? ''}\0${record.data_centre ?? ''}`;
      const handle = native.openPlain(name, texts, record.expires_in, record.refresh_in);
      if (handle !== 0) return handle;
    }
    return native.openConnector(name, positional(record), true);
  } catch (error) {
    if (error instanceof CatalystConnectorError) throw error;
    throw new CatalystConnectorError('INVALID_ARGUMENT', `The settings of connector.${name} hold a value that is not JSON (a Symbol, a BigInt, a function or a cyclic object)`);
  }
});

/** The place where settings equal to `record`'s but for the refresh token are kept, or -1. */
const keptIndex = (function keptIndex(record) {
  for (let i = 0; i < KEPT; i++) {
    const known = kept[i];
    if (known !== undefined && known.name === record.name && sameCommonSettings(known, record)) return i;
  }
  return -1;
});

/** Remembers `record`'s settings (but the refresh token) in the next place, in place of the oldest. */
const remember = (function remember(record) {
  const index = nextIndex;
  const replaced = kept[index]?.id ?? 0;
  if (replaced !== 0) native.keepSettings(0, replaced); // handle 0: the engine forgets them
  nextIndex = (index + 1) % KEPT;
  // The place's object is reused: a process opening many distinct
  // configurations allocates nothing here.
  const place = kept[index] ?? (kept[index] = {});
  place.client_id = record.client_id;
  place.client_secret = record.client_secret;
  place.auth_url = record.auth_url;
  place.refresh_url = record.refresh_url;
  place.redirect_url = record.redirect_url;
  place.data_centre = record.data_centre;
  place.expires_in = record.expires_in;
  place.refresh_in = record.refresh_in;
  place.name = record.name;
  place.id = 0;
});

module.exports = { openRecord };
