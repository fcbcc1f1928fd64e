'use strict';
// `String.prototype.isWellFormed` is Node 20+; on Node 18 the same answer
// comes from a Unicode-mode regular expression, in which a surrogate pair is
// one code point, so `[\uD800-\uDFFF]` matches only a lone surrogate.

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Whether the string `text` holds no lone surrogate (what
 * `text.isWellFormed()` answers where the runtime has it).
 */
const isWellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (function isWellFormed(text) { return text.isWellFormed(); })
  : (function isWellFormed(text) { return !LONE_SURROGATE.test(text); });

module.exports = { isWellFormed };
