'use strict';
// Compiled at load. V8 compiles a function the first time it runs, on the
// caller's time, unless the function is a parenthesized expression
// (`const f = (function f() {…})`), which it compiles with its module. A
// process's first token call (a Catalyst function's cold start) runs a few
// dozen of this package's functions; compiled lazily they cost it about a
// millisecond, which `npm run bench` shows in its fresh-process row. So the
// functions on that path, and only those, are written as parenthesized
// expressions, and the class methods among them are set with
// `defineMethods` from a static block (which keeps their access to private
// fields). Everything else is an ordinary declaration or class member.
// docs/how-it-works.md#compiled-at-load has the measurements.

/**
 * Sets each of `methods` on `prototype` as a class body defines a method
 * (writable, configurable, not enumerable).
 */
function defineMethods(prototype, methods) {
  for (const name of Object.keys(methods)) {
    Object.defineProperty(prototype, name, { writable: true, configurable: true, value: methods[name] });
  }
}

module.exports = { defineMethods };
