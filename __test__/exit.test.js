'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');

const packageRoot = JSON.stringify(path.join(__dirname, '..'));

/** Runs `script` in a fresh Node; resolves to its exit code ('hung' after 10 s) and stdout. */
function runChild(script) {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ code: 'hung', out }); }, 10_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

// A script that gets one token and has nothing else to do must end at once:
// nothing native (runtime threads, pooled connections) may keep Node alive.
test('a process that gets one token exits promptly', async () => {
  const mock = await startMockOAuth();
  try {
    const started = Date.now();
    const { code, out } = await runChild(`
      const { Connection } = require(${packageRoot});
      new Connection(${JSON.stringify({ c: settings(mock.url) })}).getConnector('c').getAccessToken()
        .then((t) => console.log(t));`);
    assert.equal(code, 0, 'child did not exit by itself within 10 s');
    assert.match(out, /^at-1\n$/);
    assert.equal(mock.count, 1);
    console.log(`# child exited ${Date.now() - started} ms after start`);
  } finally {
    await mock.close();
  }
});

test('a rejected call does not crash the process and the process still exits', async () => {
  const { code, out } = await runChild(`
    const { Connection } = require(${packageRoot});
    new Connection(${JSON.stringify({ c: settings('http://127.0.0.1:9/t') })}).getConnector('c').getAccessToken()
      .catch((e) => console.log(e.code));`);
  assert.equal(code, 0);
  assert.equal(out.trim(), 'app/NETWORK_ERROR');
});

test('a process whose custom store answers through timers gets its token and exits', async () => {
  const mock = await startMockOAuth();
  try {
    const { code, out } = await runChild(`
      const { Connection } = require(${packageRoot});
      const entries = new Map();
      const later = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 30));
      const store = { get: (k) => later(entries.get(k) ?? null), put: (k, v) => later(entries.set(k, v)) };
      const c = new Connection(${JSON.stringify({ c: settings(mock.url) })}, { store }).getConnector('c');
      c.getAccessToken().then((t) => console.log(t, c.stats().storeWrites));`);
    assert.equal(code, 0, 'child did not exit by itself within 10 s');
    assert.equal(out.trim(), 'at-1 1');
  } finally {
    await mock.close();
  }
});
