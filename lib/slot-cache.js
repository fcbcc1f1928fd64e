'use strict';
// What a connector's token calls are answered from on the JS thread: per
// slot handle, the token string last seen and its promise, the engine's
// freshness board, the reference each holder of a handle gives back when it
// is collected, and the adoption of a store entry read here.
//
// Parenthesized function expressions (and methods set in a static block) are
// on a first token call's path: see lib/compiled-at-load.js.

const native = require('../index.js');
const { callSite, forCaller } = require('./error.js');
const { secretsOf } = require('./events.js');
const { defineMethods } = require('./compiled-at-load.js');

/**
 * Per slot handle: the JS string of the token last seen. Its generation is
 * kept in cell 3 of the slot's board row (or, without a board, in
 * `keptGenerations`): see `keep`.
 */
const tokenStrings = [];
const keptGenerations = [];
/**
 * Per slot handle: a promise resolved with `tokenStrings[handle]`, made on
 * the first hit from the board and returned by every later one (a hit then
 * allocates nothing); reset whenever the string is.
 */
const tokenPromises = [];
/**
 * The engine's freshness board (a Float64Array over native memory, or
 * undefined): row `handle` is [served until (epoch ms), generation, hits,
 * generation of the string kept for it here].
 * The engine sets the generation to 0 shortly before the token stops being
 * served, so a hit compares it with the kept string's generation, reads no
 * clock and makes no native call.
 */
const board = native.freshBoard();
/** Rows on the board (slots past them are served by the native hit path). */
const boardRows = board === undefined ? 0 : board.length / 4;

/**
 * Slot lifetimes: every handle the engine gives out carries a reference, and
 * each object holding one (a settings object's validated record, a
 * Connector) gives it back when it is collected; the engine frees a slot with
 * none left once it is idle (its token stays in the store, if there is one).
 */
const slotRefs = new FinalizationRegistry(releaseHandle);

function releaseHandle(handle) {
  if (native.releaseSlot(handle)) {
    tokenStrings[handle] = undefined;
    if (keptGenerations[handle] !== undefined) keptGenerations[handle] = undefined;
    if (tokenPromises[handle] !== undefined) tokenPromises[handle] = undefined;
    if (rejections[handle] !== undefined) rejections[handle] = undefined;
  }
}
/** Per slot handle: the last token an API rejected and the one that replaced it. */
const rejections = [];

/** Per slot handle: the JS-thread store read in progress, shared by concurrent misses. */
const storeReads = [];

/**
 * What becomes of a store's promised answer: adopted (the token), or the
 * native path's token (an unusable entry; a store that rejects, answers
 * garbage or hangs — the native path reads it again through its guard,
 * which counts, reports and backs it off). Never throws: a failure is the
 * returned promise's rejection, fit for the caller.
 */
class StoreRead {
  constructor(handle, options, settings) {
    this.handle = handle;
    this.options = options;
    this.settings = settings;
  }

  static {
    defineMethods(StoreRead.prototype, { value: (function value(text) {
      let token;
      try {
        token = adopted(this.handle, this.options, text);
      } catch (error) {
        storeReads[this.handle] = undefined;
        return Promise.reject(forCaller(error, callSite(StoreRead.prototype.value), secretsOf(this.settings)));
      }
      if (typeof token !== 'string') return goNative(this.handle, this.options, this.settings, token === 0);
      storeReads[this.handle] = undefined;
      return token;
    }) });
  }

  failed() {
    return goNative(this.handle, this.options, this.settings, false);
  }
}

/**
 * The native path's token for a read that did not give one (`unusable`:
 * the entry was read and cannot be used, so it is not read again). An
 * error's stack is taken where it is thrown: capturing one for every read
 * would cost more than the read (V8 adds the awaiting caller's frames as
 * `at async …`).
 */
async function goNative(handle, options, settings, unusable) {
  try {
    return await native.getToken(handle, options, unusable);
  } catch (error) {
    throw forCaller(error, callSite(goNative), secretsOf(settings));
  } finally {
    storeReads[handle] = undefined;
  }
}

/**
 * Keeps `token`, of generation `generation`, as the string hits of `handle`
 * return: cell 3 of the board row says which generation the kept string is
 * (the engine resets it to -1 with the row, and never writes it otherwise),
 * so a hit compares two cells of one row and needs no array of generations.
 */
const keep = (function keep(handle, token, generation) {
  tokenStrings[handle] = token;
  // Only where one was made: writing undefined would grow the array for every slot.
  if (tokenPromises[handle] !== undefined) tokenPromises[handle] = undefined;
  if (handle < boardRows) board[handle * 4 + 3] = generation;
  else keptGenerations[handle] = generation;
});

/**
 * The generation of `handle`'s token if it is fresh now, else 0. A board row
 * whose cell 0 says the slot has no token at all (-Infinity: a slot just
 * opened, or one whose token was dropped) answers 0 without a native call.
 */
const freshGeneration = (function freshGeneration(handle) {
  if (handle < boardRows && board[handle * 4] === -Infinity) return 0;
  return native.freshGeneration(handle);
});

/** The generation of the string kept for `handle` (see `keep`). */
function keptGeneration(handle) {
  return handle < boardRows ? board[handle * 4 + 3] : keptGenerations[handle];
}

/**
 * Adopts the entry `value` read from the store: the token now served
 * (remembered for hits), or what `adoptStored` answered instead (0: the
 * entry is unusable, -1: undecided here).
 */
const adopted = (function adopted(handle, options, value) {
  const token = native.adoptStored(handle, options, value);
  if (typeof token === 'string' && handle < boardRows) {
    const generation = board[handle * 4 + 1];
    if (generation > 0) keep(handle, token, generation);
  }
  return token;
});

module.exports = {
  board, boardRows, tokenStrings, tokenPromises, rejections, slotRefs, releaseHandle,
  keep, keptGeneration, freshGeneration, adopted, storeReads, StoreRead,
};
