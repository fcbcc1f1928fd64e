'use strict';
// Runs scripts in fresh Node processes, as separate app instances would be.
const { spawn } = require('node:child_process');
const path = require('node:path');

/** `require(packageRoot)` in a child script loads this package. */
const packageRoot = JSON.stringify(path.join(__dirname, '..', '..'));

/**
 * Starts `script` in a new Node. `onLine(line, child)` sees each stdout line as
 * it comes. Resolves to `{ code, signal, out, err }` on exit, or `code: 'hung'`
 * after `timeoutMs` (the child is then killed).
 */
function runChild(script, { env = {}, timeoutMs = 15_000, onLine } = {}) {
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  let pending = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (onLine) onLine(line, child);
    }
  });
  child.stderr.on('data', (chunk) => { err += chunk; });
  const done = new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ code: 'hung', signal: null, out, err }); }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain before reporting.
      setImmediate(() => resolve({ code, signal, out, err }));
    });
  });
  done.child = child;
  return done;
}

module.exports = { runChild, packageRoot };
