'use strict';
// `require('zcatalyst-connector-rs/register')`: zcatalyst-sdk-node's
// `app.connection(json)` returns this package's Connection, with that app's
// Catalyst Cache as its store, so Catalyst functions written for the SDK share
// one token per process without changing a line.
//
// The SDK copy patched is the one the application loads: resolved from the
// current directory and from the main module (not from this package, which in
// a development checkout has its own copy in its node_modules), whether the
// application requires the SDK before or after this line. Copies already
// loaded from anywhere else are patched too.

const path = require('node:path');
const Module = require('node:module');
const { connection } = require('./connector.js');

const APP_FILE = path.join('zcatalyst-sdk-node', 'lib', 'catalyst-app.js');
const kOriginal = Symbol.for('zcatalyst-connector-rs.register.original');

/** Patches one copy of the SDK's CatalystApp class (once). */
function patch(exports) {
  const CatalystApp = exports && exports.CatalystApp;
  const proto = CatalystApp && CatalystApp.prototype;
  if (!proto || typeof proto.connection !== 'function' || Object.hasOwn(proto, kOriginal)) return false;
  Object.defineProperty(proto, kOriginal, { value: proto.connection });
  Object.defineProperty(proto, 'connection', {
    configurable: true,
    writable: true,
    value: function connectionOfApp(prop) {
      return connection(this, prop);
    },
  });
  return true;
}

/** Where the application resolves its modules from. */
function applicationDirectories() {
  const directories = [process.cwd()];
  if (require.main && require.main.filename) directories.push(path.dirname(require.main.filename));
  if (process.argv[1]) directories.push(path.dirname(path.resolve(process.argv[1])));
  return directories;
}

/** The application's copy of the SDK's catalyst-app.js, or null when it has none. */
function applicationCopy() {
  for (const directory of applicationDirectories()) {
    try {
      return Module.createRequire(path.join(directory, 'noop.js')).resolve('zcatalyst-sdk-node/lib/catalyst-app.js');
    } catch {
      // not installed from there
    }
  }
  return null;
}

const patched = [];

const target = applicationCopy();
if (target !== null && patch(require(target))) patched.push(target);
for (const [filename, loaded] of Object.entries(require.cache)) {
  if (filename !== target && filename.endsWith(APP_FILE) && loaded.loaded && patch(loaded.exports)) patched.push(filename);
}

/** The catalyst-app.js files patched (for tests and diagnostics). */
module.exports = { patched };
