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
      // The write finishes after the token is handed out, and holds the process until then.
      c.getAccessToken().then((t) => process.on('exit', () => console.log(t, c.stats().storeWrites)));`);
    assert.equal(code, 0, 'child did not exit by itself within 10 s');
    assert.equal(out.trim(), 'at-1 1');
  } finally {
    await mock.close();
  }
});

test('worker threads share the process-wide token; a finished worker\'s store does not break the main thread', async () => {
  const { Worker } = require('node:worker_threads');
  const { Connection } = require('..');
  const mock = await startMockOAuth();
  try {
    const json = { c: settings(mock.url, { refresh_in: 1 }) };
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Connection } = require(${packageRoot});
      const entries = new Map();
      const store = { get: (k) => entries.get(k) ?? null, put: (k, v) => { entries.set(k, v); } };
      new Connection(workerData, { store, onTokens: () => {} }).getConnector('c').getAccessToken()
        .then((t) => parentPort.postMessage(t), (e) => parentPort.postMessage('error ' + e.code));`;
    for (let i = 0; i < 2; i++) {
      const worker = new Worker(code, { eval: true, workerData: json });
      assert.equal(await new Promise((resolve) => worker.once('message', resolve)), 'at-1');
      await worker.terminate();
    }
    // The slot's background refresh now runs with the terminated worker's store.
    const connector = new Connection(json).getConnector('c');
    const end = Date.now() + 1_500;
    while (Date.now() < end) {
      assert.match(await connector.getAccessToken(), /^at-/);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.ok(connector.stats().backgroundRefreshes >= 1);
    assert.equal(connector.stats().misses, 1, 'only the first worker waited');
  } finally {
    await mock.close();
  }
});

// A script that is its own token endpoint (a local mock, a dev server): the
// engine keeps its connection to the endpoint for the next refresh, and on
// Node 18 `server.close()` waits for idle keep-alive connections (Node 19+
// closes them), as it does for Node's own fetch(). Closing the idle
// connections too is the documented way (docs/runtimes.md); the script must
// then end by itself on every Node.
test('a script that serves its own token endpoint exits once it closes the server and its idle connections', async () => {
  const { code, out } = await runChild(`
    const http = require('node:http');
    const { Connection } = require(${packageRoot});
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ access_token: 'own-token', expires_in: 3600 })));
    });
    server.listen(0, '127.0.0.1', async () => {
      const url = 'http://127.0.0.1:' + server.address().port + '/oauth/v2/token';
      const c = { client_id: 'id', client_secret: 'secret', auth_url: url, refresh_url: url, refresh_token: 'rt', redirect_url: 'https://app.example.com/cb' };
      console.log(await new Connection({ c }).getConnector('c').getAccessToken());
      server.close();
      server.closeIdleConnections();
    });`);
  assert.equal(code, 0, 'child did not exit by itself within 10 s');
  assert.equal(out.trim(), 'own-token');
});
