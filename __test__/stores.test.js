'use strict';
// The second Connection argument: Catalyst apps, custom JS stores, options,
// ZC_CONNECTOR_STORE, and interop with the published JS connector.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { Connection, CatalystConnectorError } = require('..');
const { JsConnection } = require('../bench/js-package');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { eventually } = require('./helpers/eventually');
const { mapStore, catalystApp, jsCacheKey, entryValue } = require('./helpers/stores');
const { runChild, packageRoot } = require('./helpers/child');

let mock;
test.before(async () => { mock = await startMockOAuth(); });
test.after(() => mock.close());

test('a Catalyst app stores the token in its cache segment, in the JS package format', async () => {
  const app = catalystApp();
  const s = settings(mock.url);
  const before = mock.count;
  const token = await new Connection({ crm: s }, app).getConnector('crm').getAccessToken();
  assert.equal(mock.count - before, 1);
  const key = jsCacheKey('crm', s);
  // The write finishes after the caller got the token (under load, a little later).
  await eventually(() => app.puts.length > 0);
  assert.deepEqual(app.puts.map((p) => [p.key, p.hours]), [[key, 1]]);
  const value = JSON.parse(app.entries.get(key));
  // The JS package's fields in its order, then the writer's strong fingerprint (ignored by the JS package).
  assert.deepEqual(Object.keys(value), ['access_token', 'expiry_in_seconds', 'expires_at', 'zc_fp']);
  assert.match(value.zc_fp, /^[0-9a-f]{32}$/);
  assert.equal(value.access_token, token);
  assert.equal(value.expiry_in_seconds, 3600);
  assert.ok(Math.abs(value.expires_at - (Date.now() + 2_700_000)) < 5_000);
});

test('a token written by the JS package is used without a token request, and the reverse', async () => {
  const app = catalystApp();
  const theirs = { crm: settings(mock.url) };
  const jsToken = await new JsConnection(app, theirs).getConnector('crm').getAccessToken();
  let before = mock.count;
  assert.equal(await new Connection(theirs, app).getConnector('crm').getAccessToken(), jsToken);
  assert.equal(mock.count - before, 0, 'ours read the JS package entry');

  const ours = { crm: settings(mock.url) };
  const ourToken = await new Connection(ours, app).getConnector('crm').getAccessToken();
  // Our write finishes after the caller has its token.
  assert.ok(await eventually(() => app.entries.get(jsCacheKey('crm', ours.crm))), 'written to the cache');
  before = mock.count;
  assert.equal(await new JsConnection(app, ours).getConnector('crm').getAccessToken(), ourToken);
  assert.equal(mock.count - before, 0, 'the JS package read our entry');
});

test('the legacy key ZC_CONN_<name> is read once and written forward', async () => {
  const app = catalystApp();
  const s = settings(mock.url);
  app.entries.set('ZC_CONN_legacy', entryValue('legacy-token'));
  const before = mock.count;
  assert.equal(await new Connection({ legacy: s }, app).getConnector('legacy').getAccessToken(), 'legacy-token');
  assert.equal(mock.count - before, 0);
  assert.equal(JSON.parse(app.entries.get(jsCacheKey('legacy', s))).access_token, 'legacy-token');
});

test('Catalyst limits: TTL at most 48 hours, values over 16000 characters are not written', async () => {
  const app = catalystApp();
  const long = await startMockOAuth({ expiresIn: 7 * 24 * 3600 });
  const huge = await startMockOAuth({ respond: () => ({ json: { access_token: 'x'.repeat(17000), expires_in: 3600 } }) });
  try {
    await new Connection({ a: settings(long.url) }, app).getConnector('a').getAccessToken();
    // A 7-day lifetime is capped at a day; the 48-hour limit is enforced for any writer.
    assert.equal((await eventually(() => app.puts.at(-1))).hours, 24);
    const connector = new Connection({ b: settings(huge.url) }, app).getConnector('b');
    assert.equal((await connector.getAccessToken()).length, 17000, 'still served from memory');
    assert.equal(await eventually(() => connector.stats().storeErrors), 1);
    assert.equal(app.puts.length, 1, 'the oversized entry was not written');
  } finally {
    await long.close();
    await huge.close();
  }
});

test('a custom store gets get/put with the key, the value and a TTL in seconds; sync methods work', async () => {
  const store = mapStore();
  const s = settings(mock.url);
  const connector = new Connection({ c: s }, { store }).getConnector('c');
  const token = await connector.getAccessToken();
  const key = jsCacheKey('c', s);
  await eventually(() => store.calls.length === 5);
  // The current key, the legacy key, a failure another process recorded, a refresh
  // token rotated by another process, the write.
  assert.deepEqual(store.calls, [['get', key], ['get', 'ZC_CONN_c'], ['get', `${key}:error`], ['get', `${key}:refresh_token`], ['put', key, 3600]]);
  assert.equal(JSON.parse(store.entries.get(key)).access_token, token);
  const entry = await connector.putAccessTokenInCache();
  assert.deepEqual(entry, { cache_name: key, cache_value: store.entries.get(key), expiry_in_hours: 1 });
  assert.deepEqual(connector.stats(), {
    tokenRequests: 1, tokenRequestErrors: 0, misses: 1, hits: 0, refreshes: 1,
    storeReads: 4, storeHits: 0, storeWrites: 2, storeErrors: 0,
    lockWaits: 0, lockTakeovers: 0, backgroundRefreshes: 0, rotations: 0, backedOff: 0,
  });
});

test('a store that throws, rejects or answers garbage never breaks getAccessToken', async () => {
  const stores = {
    throws: { get() { throw new Error('get exploded'); }, put() { throw new Error('put exploded'); } },
    rejects: { get: async () => { throw new Error('offline'); }, put: async () => { throw new Error('offline'); } },
    garbage: { get: async () => 42, put: async () => {} },
    hangs: { get: () => new Promise(() => {}), put: () => new Promise(() => {}) },
  };
  for (const [kind, store] of Object.entries(stores)) {
    const options = kind === 'hangs' ? { store, storeTimeoutMs: 100 } : { store };
    const connector = new Connection({ c: settings(mock.url) }, options).getConnector('c');
    const before = mock.count;
    assert.match(await connector.getAccessToken(), /^at-/, kind);
    assert.equal(mock.count - before, 1, kind);
    assert.ok(connector.stats().storeErrors >= 1, `${kind}: counted`);
    if (kind === 'garbage') await connector.putAccessTokenInCache(); // its put works
    else await assert.rejects(connector.putAccessTokenInCache(), { code: 'app/STORE_UNAVAILABLE' }, kind);
  }
});

test('a JS store is read on the JS thread: a usable entry is adopted with one get and no token request', async () => {
  const store = mapStore();
  const s = settings(mock.url);
  const key = jsCacheKey('c', s);
  store.entries.set(key, entryValue('at-in-store'));
  const before = mock.count;
  const connector = new Connection({ c: s }, { store }).getConnector('c');
  // Concurrent misses share the one read.
  const tokens = await Promise.all([connector.getAccessToken(), connector.getAccessToken(), connector.getAccessToken()]);
  assert.deepEqual(tokens, ['at-in-store', 'at-in-store', 'at-in-store']);
  assert.equal(mock.count - before, 0);
  assert.deepEqual(store.calls, [['get', key]]);
  const stats = connector.stats();
  assert.equal(stats.storeReads, 1);
  assert.equal(stats.storeHits, 1);
  assert.equal(stats.tokenRequests, 0);
  assert.equal(await connector.getAccessToken(), 'at-in-store', 'then served from memory');
  assert.deepEqual(store.calls, [['get', key]]);
});

test('a JS store answering with promises: concurrent misses share one read, and an error thrown later names the awaiting caller', async () => {
  const store = mapStore();
  const asyncStore = { ...store, get: async (key) => store.get(key), put: async (...args) => store.put(...args) };
  const s = settings(mock.url);
  const key = jsCacheKey('c', s);
  store.entries.set(key, entryValue('at-async'));
  const connector = new Connection({ c: s }, { store: asyncStore }).getConnector('c');
  const tokens = await Promise.all([connector.getAccessToken(), connector.getAccessToken(), connector.getAccessToken()]);
  assert.deepEqual(tokens, ['at-async', 'at-async', 'at-async']);
  assert.deepEqual(store.calls, [['get', key]]);
  // A read that rejects goes native, whose failure (here: the provider refuses) carries a stack.
  const failing = await startMockOAuth({ respond: () => ({ status: 400, json: { error: 'invalid_client' } }) });
  try {
    const broken = { get: async () => { throw new Error('down'); }, put: async () => {} };
    const other = new Connection({ c: settings(failing.url) }, { store: broken }).getConnector('c');
    async function awaitingCaller() {
      return await other.getAccessToken();
    }
    const error = await awaitingCaller().catch((e) => e);
    assert.ok(error instanceof CatalystConnectorError, String(error));
    assert.match(error.stack, /awaitingCaller/);
  } finally {
    await failing.close();
  }
});

test('a token adopted on the JS thread from an entry of ours is followed by one background read of the fleet\'s rotated refresh token, which later refreshes use; a JS-package entry is not', async () => {
  // The writer's strong fingerprint, as the engine computes it (README: zc_fp).
  const zcFp = (name, c) => crypto.createHmac('sha256', c.client_secret)
    .update(JSON.stringify([name, c.client_id, c.auth_url, c.refresh_url, c.refresh_token, c.redirect_url ?? null, null, [], 'Post']))
    .digest('hex').slice(0, 32);
  const store = mapStore();
  const s = settings(mock.url);
  const key = jsCacheKey('c', s);
  store.entries.set(key, JSON.stringify({ ...JSON.parse(entryValue('at-adopted')), zc_fp: zcFp('c', s) }));
  store.entries.set(`${key}:refresh_token`, JSON.stringify({ refresh_token: 'rt-rotated-elsewhere', rotated_at: Date.now() }));
  const connector = new Connection({ c: s }, { store }).getConnector('c');
  assert.equal(await connector.getAccessToken(), 'at-adopted');
  const rotationReads = (k) => store.calls.filter(([op, read]) => op === 'get' && read === `${k}:refresh_token`).length;
  assert.ok(await eventually(() => rotationReads(key) > 0), 'the rotation entry is read');
  assert.equal(rotationReads(key), 1);
  const before = mock.state.requests.length;
  await connector.refreshAccessToken();
  const sent = mock.state.requests.slice(before).map((r) => r.form.get('refresh_token'));
  assert.deepEqual(sent, ['rt-rotated-elsewhere']);

  const plain = settings(mock.url);
  const plainKey = jsCacheKey('c', plain);
  store.entries.set(plainKey, entryValue('at-js-package'));
  assert.equal(await new Connection({ c: plain }, { store }).getConnector('c').getAccessToken(), 'at-js-package');
  await new Promise((resolve) => setTimeout(resolve, 150)); // several batches' time
  assert.equal(rotationReads(plainKey), 0, 'a JS-package entry: no rotation read');
});

test('a JS-thread read rejects a stale or unusable entry, refreshes without reading it again, and overwrites it', async () => {
  for (const [kind, value] of [['stale', entryValue('at-stale', Date.now() - 1000)], ['garbage', '{"nope":1}']]) {
    const store = mapStore();
    const s = settings(mock.url);
    const key = jsCacheKey('c', s);
    store.entries.set(key, value);
    const before = mock.count;
    const connector = new Connection({ c: s }, { store }).getConnector('c');
    const token = await connector.getAccessToken();
    assert.match(token, /^at-/, kind);
    assert.notEqual(token, 'at-stale', kind);
    assert.equal(mock.count - before, 1, kind);
    await eventually(() => store.calls.some(([op]) => op === 'put'));
    assert.deepEqual(store.calls.map(([op, k]) => [op, k]),
      [['get', key], ['get', 'ZC_CONN_c'], ['get', `${key}:error`], ['get', `${key}:refresh_token`], ['put', key]], kind);
    assert.equal(JSON.parse(store.entries.get(key)).access_token, token, kind);
  }
});

test('a JS-thread read: a sealed entry opens with the secret key, and without one rejects app/SECRET_KEY_MISSING', async () => {
  const { nodeSeal } = require('./helpers/stores');
  const store = mapStore();
  const s = settings(mock.url, { secret_key: 'k-123' });
  const sealed = JSON.stringify({ access_token: nodeSeal('k-123', 'at-sealed'), expiry_in_seconds: 3600, expires_at: Date.now() + 3_000_000 });
  store.entries.set(jsCacheKey('c', s), sealed);
  const before = mock.count;
  assert.equal(await new Connection({ c: s }, { store }).getConnector('c').getAccessToken(), 'at-sealed');
  // A second connector on the same key: the derived key is cached, so it opens on the JS thread.
  const again = { ...s, scope: 'other' };
  store.entries.set(jsCacheKey('c', again), sealed);
  assert.equal(await new Connection({ c: again }, { store }).getConnector('c').getAccessToken(), 'at-sealed');
  assert.equal(mock.count - before, 0);
  const bare = settings(mock.url);
  store.entries.set(jsCacheKey('c', bare), sealed);
  await assert.rejects(new Connection({ c: bare }, { store }).getConnector('c').getAccessToken(), { code: 'app/SECRET_KEY_MISSING' });
});

test('a JS-thread read: a backed-off failure is answered at once, without reading the store', async () => {
  const failing = await startMockOAuth({ respond: () => ({ status: 500, json: {} }) });
  try {
    const store = mapStore();
    const connector = new Connection({ c: settings(failing.url) }, { store }).getConnector('c');
    await assert.rejects(connector.getAccessToken(), { code: 'app/TOKEN_ENDPOINT_ERROR' });
    const reads = store.calls.length;
    const requests = failing.count;
    const started = Date.now();
    await assert.rejects(connector.getAccessToken(), (error) => error.code === 'app/TOKEN_ENDPOINT_ERROR' && error.retryAfter > 0);
    assert.ok(Date.now() - started < 200, 'at once');
    assert.equal(store.calls.length, reads, 'no store read while backed off');
    assert.equal(failing.count, requests);
  } finally {
    await failing.close();
  }
});

test('a JS-thread read that hangs is bounded by storeTimeoutMs and an aborted call rejects at once', async () => {
  const store = { get: () => new Promise(() => {}), put: async () => {} };
  const connector = new Connection({ c: settings(mock.url) }, { store, storeTimeoutMs: 50 }).getConnector('c');
  const controller = new AbortController();
  const pending = connector.getAccessToken({ signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, { code: 'app/ABORTED' });
  assert.match(await connector.getAccessToken(), /^at-/);
});

test('a store that answers promptly, then hangs: the hanging read is still bounded by storeTimeoutMs (the timeout check armed by earlier reads covers it)', async () => {
  let hang = false;
  const entries = new Map();
  const store = {
    get: async (key) => (hang ? new Promise(() => {}) : entries.get(key) ?? null),
    put: async (key, value) => { entries.set(key, value); },
  };
  const options = { store, storeTimeoutMs: 50 };
  const prompt = [settings(mock.url), settings(mock.url), settings(mock.url)];
  for (const s of prompt) entries.set(jsCacheKey('c', s), entryValue(`at-stored-${s.refresh_token}`));
  for (const s of prompt) assert.equal(await new Connection({ c: s }, options).getConnector('c').getAccessToken(), `at-stored-${s.refresh_token}`);
  // Past one timeout period the armed check has lapsed; the next reads hang.
  await new Promise((resolve) => setTimeout(resolve, 120));
  hang = true;
  const before = mock.count;
  const started = Date.now();
  const token = await new Connection({ c: settings(mock.url) }, options).getConnector('c').getAccessToken();
  assert.match(token, /^at-/);
  assert.equal(mock.count - before, 1, 'the native path refreshed once after the bounded read');
  assert.ok(Date.now() - started < 2000, `bounded by the store timeout (50 ms), not the default 2 s: took ${Date.now() - started} ms`);
});

test('bad store options throw app/INVALID_STORE from the constructor', () => {
  for (const options of [
    { store: 'ftp://example.com/x' },
    { store: 'not a url' },
    { store: 42 },
    { store: { get() {} } },
    { store: 'memory:', storeTimeoutMs: -1 },
    { store: 'redis://127.0.0.1:6379/0', keyPrefix: 7 },
  ]) {
    assert.throws(() => new Connection({}, options), { code: 'app/INVALID_STORE' }, JSON.stringify(options));
  }
  assert.doesNotThrow(() => new Connection({}, {}));
  assert.doesNotThrow(() => new Connection({}, null));
});

test('two connections on one memory: store share the entry', async () => {
  const s = settings(mock.url);
  // Distinct configurations (refresh_in differs) share the cache key, as in the JS package.
  const a = new Connection({ c: s }, { store: 'memory:' }).getConnector('c');
  const b = new Connection({ c: { ...s, refresh_in: 600 } }, { store: 'memory:' }).getConnector('c');
  const token = await a.getAccessToken();
  await a.putAccessTokenInCache(); // the background write, made sure of
  const before = mock.count;
  assert.equal(await b.getAccessToken(), token);
  assert.equal(mock.count - before, 0);
});

test('ZC_CONNECTOR_STORE gives the default store', async () => {
  const file = `/tmp/zc-env-store-${process.pid}.json`;
  const json = JSON.stringify({ c: settings(mock.url) });
  const script = `
    const { Connection } = require(${packageRoot});
    const c = new Connection(${json}).getConnector('c');
    c.getAccessToken().then((t) => console.log(t, JSON.stringify(c.stats())));`;
  const env = { ZC_CONNECTOR_STORE: `file://${file}` };
  test.after(() => fs.rmSync(file, { force: true }));
  const first = await runChild(script, { env });
  const second = await runChild(script, { env });
  assert.equal(first.code, 0, first.err);
  assert.equal(second.code, 0, second.err);
  const [token1] = first.out.trim().split(' ');
  const [token2, stats2] = second.out.trim().split(' ');
  assert.equal(token2, token1);
  assert.equal(JSON.parse(stats2).storeHits, 1);
  assert.equal(JSON.parse(stats2).refreshes, 0);
});
