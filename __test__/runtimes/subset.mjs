// The runtime subset: what this package must do on every runtime it supports
// (Node, Bun, Deno), against a real local OAuth mock (requests counted there),
// real child processes, a real redis-server and real worker threads. Run it
// as `node __test__/runtimes/subset.mjs`, `bun __test__/runtimes/subset.mjs`
// or `deno run -A __test__/runtimes/subset.mjs`; see docs/runtimes.md.
// Exits non-zero if any check fails.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runChecks, runCommand, runScript, skip } from './harness.mjs';
import { runtime } from './runtime.mjs';

const require = createRequire(import.meta.url);
const { Connection, CatalystConnectorError } = require('../../connector.js');
const { startMockOAuth, settings } = require('../helpers/mock-oauth.js');
const { redisMissing, startRedis } = require('../helpers/redis.js');

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, 'child-token.mjs');
const WORKER = path.join(here, 'worker-token.mjs');
const LOAD_ONLY = path.join(here, 'load-only.mjs');
const SECRETS = ['client-secret-value', '1000.refresh-token'];

const mock = await startMockOAuth();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-runtimes-'));

/** The connection JSON of one new connector `c` at the mock. */
const freshJson = (extra) => ({ c: settings(mock.url, extra) });

/** Gets a token in a child process with `options`; asserts it exits by itself and returns the token. */
async function tokenInChild(json, options = {}) {
  const { code, out, err } = await runScript(CHILD, [JSON.stringify(json), JSON.stringify(options)]);
  assert.equal(code, 0, `the child did not exit by itself with code 0 (${code}): ${err.trim()}`);
  const match = /^token (\S+)$/m.exec(out);
  assert.ok(match, `the child printed no token: ${out.trim()} ${err.trim()}`);
  return match[1];
}

/** A store shared across processes: this process writes it, a child reads it without a token request. */
async function sharedStoreCheck(store) {
  const json = freshJson();
  const before = mock.count;
  const connector = new Connection(json, { store }).getConnector('c');
  const token = await connector.getAccessToken();
  assert.equal(mock.count, before + 1, 'one token request');
  // The write lands after the caller got the token.
  assert.ok(await eventually(() => connector.stats().storeWrites >= 1), 'the token was written to the store');
  assert.equal(await tokenInChild(json, { store }), token, 'the child reads the token this process stored');
  assert.equal(mock.count, before + 1, 'the child made no token request');
}

/** Resolves to `check()`'s first truthy value, polling for up to 5 s (store writes land after the token). */
async function eventually(check) {
  const until = Date.now() + 5000;
  for (;;) {
    const value = check();
    if (value || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Asserts that `error` is a CatalystConnectorError with `code` and no secret in what it shows. */
function assertCleanError(error, code) {
  assert.ok(error instanceof CatalystConnectorError, `not a CatalystConnectorError: ${error}`);
  assert.equal(error.code, code);
  for (const shown of [error.message, String(error), JSON.stringify(error)]) {
    for (const secret of SECRETS) assert.ok(!shown.includes(secret), `a secret shows in: ${shown}`);
  }
}

const checks = [
  ['token: getAccessToken() returns the token of one request; the next call is a cache hit', async () => {
    const before = mock.count;
    const connector = new Connection(freshJson()).getConnector('c');
    const token = await connector.getAccessToken();
    assert.match(token, /^at-\d+$/);
    assert.equal(await connector.getAccessToken(), token);
    assert.equal(mock.count, before + 1);
  }],
  ['single-flight: 25 concurrent callers on 25 Connections make 1 token request', async () => {
    const slow = await startMockOAuth({ delayMs: 150 });
    try {
      const json = { c: settings(slow.url) };
      const tokens = await Promise.all(Array.from({ length: 25 }, () => new Connection(json).getConnector('c').getAccessToken()));
      assert.equal(new Set(tokens).size, 1, 'every caller got the same token');
      assert.equal(slow.count, 1, 'token requests counted at the mock');
    } finally {
      await slow.close();
    }
  }],
  ['store memory: two Connections share one token request; a child process (its own memory) makes its own', async () => {
    const json = freshJson();
    const before = mock.count;
    const a = await new Connection(json, { store: 'memory:' }).getConnector('c').getAccessToken();
    const b = await new Connection(json, { store: 'memory:' }).getConnector('c').getAccessToken();
    assert.equal(a, b);
    assert.equal(mock.count, before + 1);
    assert.notEqual(await tokenInChild(json, { store: 'memory:' }), a, 'a memory store is not shared across processes');
    assert.equal(mock.count, before + 2);
  }],
  ['store file: a token stored by this process is read by a child process without a token request', async () => {
    const file = path.join(tmp, 'tokens.json');
    await sharedStoreCheck(`file://${file}`);
    assert.ok(fs.statSync(file).size > 0, 'the store file was written');
  }],
  ['store redis: a token stored by this process is read by a child process without a token request', async () => {
    const missing = redisMissing();
    // CI installs redis-server: its absence there is a broken setup, not a skip.
    if (missing && process.env.CI) throw new Error(missing);
    if (missing) skip(missing);
    const redis = await startRedis();
    try {
      await sharedStoreCheck(redis.url);
    } finally {
      await redis.stop();
    }
  }],
  ['store custom object: the engine calls its async get and put from its own threads; the token is written to it', async () => {
    const entries = new Map();
    const calls = [];
    const store = {
      get: async (key) => { calls.push('get'); return entries.get(key) ?? null; },
      put: async (key, value) => { calls.push('put'); entries.set(key, value); },
    };
    const token = await new Connection(freshJson(), { store }).getConnector('c').getAccessToken();
    assert.ok(await eventually(() => calls.includes('put')), `put was called (calls: ${calls})`);
    assert.ok(calls.includes('get'), 'get was called');
    assert.ok([...entries.values()].some((value) => value.includes(token)), 'the token is in the stored entry');
  }],
  ['events: connection.on("refresh") hears the token request', async () => {
    const connection = new Connection(freshJson());
    const heard = [];
    connection.on('refresh', (event) => heard.push(event));
    await connection.getConnector('c').getAccessToken();
    assert.ok(await eventually(() => heard.length === 1), `heard ${heard.length} refresh events`);
  }],
  ['abort: an aborted signal rejects with app/ABORTED and sends no token request', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = mock.count;
    const error = await new Connection(freshJson()).getConnector('c').getAccessToken({ signal: controller.signal }).catch((e) => e);
    assertCleanError(error, 'app/ABORTED');
    assert.equal(mock.count, before);
  }],
  ['fetch: connector.fetch() sends a bearer token the API (the mock) accepts', async () => {
    const api = mock.apiUrl;
    const connector = new Connection(freshJson({ api_domain: new URL(api).origin })).getConnector('c');
    const calls = mock.state.apiCalls;
    const late = mock.state.lateTokens;
    const response = await connector.fetch(`${api}/records`);
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    assert.equal(mock.state.apiCalls, calls + 1);
    assert.equal(mock.state.lateTokens, late, 'the API knew the token');
  }],
  ['errors: a refresh_url that is not a URL rejects with app/INVALID_OAUTH_URL', async () => {
    const connector = new Connection({ c: settings('not a url') }).getConnector('c');
    assertCleanError(await connector.getAccessToken().catch((e) => e), 'app/INVALID_OAUTH_URL');
  }],
  ['errors: a missing client_id throws INVALID_ARGUMENT from getConnector()', async () => {
    const json = freshJson();
    delete json.c.client_id;
    let thrown;
    try { new Connection(json).getConnector('c'); } catch (error) { thrown = error; }
    assertCleanError(thrown, 'INVALID_ARGUMENT');
  }],
  ['errors: a provider refusal is app/OAUTH_ERROR with no secret in its message', async () => {
    const refusing = await startMockOAuth({ respond: () => ({ status: 400, json: { error: 'invalid_client' } }) });
    try {
      const error = await new Connection({ c: settings(refusing.url) }).getConnector('c').getAccessToken().catch((e) => e);
      assertCleanError(error, 'app/OAUTH_ERROR');
      assert.match(error.message, /invalid_client/);
      assert.equal(refusing.count, 1);
    } finally {
      await refusing.close();
    }
  }],
  ['errors: an unreachable token endpoint is app/NETWORK_ERROR', async () => {
    const error = await new Connection({ c: settings('http://127.0.0.1:9/oauth/v2/token') }).getConnector('c').getAccessToken().catch((e) => e);
    assertCleanError(error, 'app/NETWORK_ERROR');
  }],
  ['errors: an unknown store scheme throws app/INVALID_STORE from the constructor', async () => {
    let thrown;
    try { new Connection(freshJson(), { store: 'gopher://x' }); } catch (error) { thrown = error; }
    assertCleanError(thrown, 'app/INVALID_STORE');
  }],
  ['deno permissions: without --allow-ffi, loading throws ERR_ZC_CONNECTOR_NO_BINARY naming the flags it needs', async () => {
    if (runtime().name !== 'deno') skip('only Deno has permission flags');
    const { code, out, err } = await runCommand(['run', '--allow-env', '--allow-read', LOAD_ONLY]);
    assert.equal(code, 0, err);
    assert.match(out, /^error ERR_ZC_CONNECTOR_NO_BINARY .*--allow-ffi --allow-read --allow-env \(or -A\)/m);
  }],
  ['process exit: a child process that gets a token exits by itself', async () => {
    const before = mock.count;
    await tokenInChild(freshJson());
    assert.equal(mock.count, before + 1);
  }],
  ['worker threads: a worker gets the token; the main thread reuses it with no second request', async () => {
    let Worker;
    try {
      ({ Worker } = await import('node:worker_threads'));
    } catch (error) {
      skip(`this runtime has no node:worker_threads (${error.message})`);
    }
    const json = freshJson();
    const before = mock.count;
    const worker = new Worker(WORKER, { workerData: json });
    try {
      const message = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      assert.match(message, /^token at-\d+$/);
      const token = await new Connection(json).getConnector('c').getAccessToken();
      assert.equal(`token ${token}`, message);
      assert.equal(mock.count, before + 1);
    } finally {
      await worker.terminate();
    }
  }],
];

const { name, version } = runtime();
console.log(`# runtime subset on ${name} ${version}`);
const failed = await runChecks(checks);
await mock.close();
fs.rmSync(tmp, { recursive: true, force: true });
process.exitCode = failed === 0 ? 0 : 1;
