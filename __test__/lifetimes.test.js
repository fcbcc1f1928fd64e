'use strict';
// Slot lifetimes (issue 12): a slot nobody references is freed, and what it
// held survives where it should — in the store, and in memory for as long as
// the settings object of the per-request pattern lives.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const vm = require('node:vm');
const { Connection } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { eventually } = require('./helpers/eventually');
const { mapStore, jsCacheKey } = require('./helpers/stores');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

/** Collects garbage and lets FinalizationRegistry callbacks run. */
async function collect() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let mock;
test.before(async () => { mock = await startMockOAuth(); });
test.after(() => mock.close());

test('a freed slot\'s token is read back from the store by the next connector', async () => {
  const store = mapStore();
  const s = settings(mock.url);
  const before = mock.count;
  const token = await (async () => new Connection({ c: { ...s } }, { store }).getConnector('c').getAccessToken())();
  await eventually(() => store.entries.has(jsCacheKey('c', s)));
  assert.equal(mock.count - before, 1);
  // Nothing holds the first settings object or connector any more: once they
  // are collected the slot is freed, and a new one starts from the store.
  const stats = await eventually(async () => {
    await collect();
    const fresh = new Connection({ c: { ...s } }, { store }).getConnector('c');
    assert.equal(await fresh.getAccessToken(), token);
    const seen = fresh.stats();
    return seen.tokenRequests === 0 && seen.storeHits === 1 ? seen : null;
  });
  assert.ok(stats, 'a new slot read the token from the store');
  assert.equal(mock.count - before, 1, 'no second token request');
});

test('per-request pattern: the token survives between requests while the settings object lives', async () => {
  const json = { c: settings(mock.url) };
  const before = mock.count;
  const first = await new Connection(json).getConnector('c').getAccessToken();
  for (let i = 0; i < 3; i++) {
    await collect();
    assert.equal(await new Connection(json).getConnector('c').getAccessToken(), first);
  }
  assert.equal(mock.count - before, 1, 'one token request: the slot was kept');
});

test('a connector keeps its slot after its settings object is gone, and a setter moves it to another', async () => {
  const s = settings(mock.url);
  const connector = new Connection({ c: { ...s } }).getConnector('c');
  const before = mock.count;
  const token = await connector.getAccessToken();
  await collect();
  assert.equal(await connector.getAccessToken(), token);
  assert.equal(connector.stats().tokenRequests, 1);
  connector.refreshToken = `${s.refresh_token}-changed`;
  await collect();
  assert.notEqual(await connector.getAccessToken(), token, 'the new settings have a slot of their own');
  assert.equal(mock.count - before, 2);
});

test('connectors that differ only in the refresh token (opened from the settings the engine keeps) each refresh with their own; more settings than it keeps, and refresh tokens that are numbers or empty, read as whole settings do', async () => {
  const before = mock.state.requests.length;
  // Ten settings (the engine keeps eight), three users each, opened round-robin twice.
  const shared = Array.from({ length: 10 }, (_, i) => settings(mock.url, { refresh_url: `${mock.url}?settings=${i}` }));
  const users = shared.flatMap((s, i) => [0, 1, 2].map((u) => ({ ...s, refresh_token: `1000.user-${i}-${u}-${process.pid}` })));
  const tokens = [];
  for (let round = 0; round < 2; round++) {
    for (const user of users) tokens.push(await new Connection({ c: { ...user } }).getConnector('c').getAccessToken());
  }
  const sent = mock.state.requests.slice(before).map((r) => [r.url, r.form.get('refresh_token')]);
  assert.deepEqual(sent, users.map((u) => [new URL(u.refresh_url).pathname + new URL(u.refresh_url).search, u.refresh_token]),
    'one request per user, to its settings\' endpoint, with its own refresh token');
  assert.deepEqual(tokens.slice(users.length), tokens.slice(0, users.length), 'the second round reuses each user\'s token');
  assert.equal(new Set(tokens).size, users.length);
  // A number crosses as the whole settings do (its text); '' and null are no refresh token.
  const base = shared[9];
  await new Connection({ c: { ...base, refresh_token: 987654321 } }).getConnector('c').getAccessToken();
  assert.equal(mock.state.requests.at(-1).form.get('refresh_token'), '987654321');
  const failure = (refreshToken) => new Connection({ c: { ...base, refresh_token: refreshToken } }).getConnector('c').getAccessToken()
    .then(() => assert.fail('no refresh token, no access token'), (error) => `${error.code}: ${error.message}`);
  const none = await failure(undefined);
  assert.equal(await failure(''), none);
  assert.equal(await failure(null), none);
  // The same through the whole settings (a rare setting keeps a record out of the kept ones).
  const whole = await new Connection({ c: { ...base, refresh_token: '', scope: 'ZohoCRM.modules.ALL' } }).getConnector('c').getAccessToken()
    .then(() => assert.fail('no refresh token, no access token'), (error) => `${error.code}: ${error.message}`);
  assert.equal(whole, none);
});

test('a worker thread\'s kept settings never open the main thread\'s connectors (kept settings are per copy of the module)', async () => {
  const { Worker } = require('node:worker_threads');
  const packageRoot = JSON.stringify(require('node:path').resolve(__dirname, '..'));
  const main = settings(mock.url, { refresh_url: `${mock.url}?who=main` });
  const before = mock.state.requests.length;
  await new Connection({ c: { ...main, refresh_token: `${main.refresh_token}-0` } }).getConnector('c').getAccessToken();
  // A worker keeps settings of its own while the main thread's are kept.
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { Connection } = require(${packageRoot});
    new Connection({ c: workerData }).getConnector('c').getAccessToken()
      .then((t) => parentPort.postMessage(t), (e) => parentPort.postMessage('error ' + e.code));`;
  const worker = new Worker(code, { eval: true, workerData: settings(mock.url, { refresh_url: `${mock.url}?who=worker` }) });
  assert.match(await new Promise((resolve) => worker.once('message', resolve)), /^at-/);
  await worker.terminate();
  // The main thread's next user opens from its own kept settings.
  await new Connection({ c: { ...main, refresh_token: `${main.refresh_token}-1` } }).getConnector('c').getAccessToken();
  const sent = mock.state.requests.slice(before).map((r) => `${r.url} ${r.form.get('refresh_token')}`);
  const path = new URL(mock.url).pathname;
  assert.deepEqual(sent.filter((line) => line.includes('main')), [
    `${path}?who=main ${main.refresh_token}-0`,
    `${path}?who=main ${main.refresh_token}-1`,
  ]);
  assert.equal(sent.filter((line) => line.includes('?who=worker')).length, 1);
});

test('a terminated worker thread leaves no kept settings behind', async () => {
  const { Worker } = require('node:worker_threads');
  const native = require('../index.js');
  const packageRoot = JSON.stringify(require('node:path').resolve(__dirname, '..'));
  const before = native.keptSettingsCount();
  // Three settings of its own, each opened for two users (settings are kept
  // when seen again): the worker's copy keeps three.
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { Connection } = require(${packageRoot});
    for (const n of [1, 2, 3]) {
      for (const user of ['a', 'b']) new Connection({ c: { ...workerData, client_id: 'worker-' + n, refresh_token: user } }).getConnector('c');
    }
    parentPort.postMessage(require(${packageRoot} + '/index.js').keptSettingsCount());`;
  const worker = new Worker(code, { eval: true, workerData: settings(mock.url) });
  const during = await new Promise((resolve) => worker.once('message', resolve));
  assert.equal(during, before + 3);
  await worker.terminate();
  await eventually(() => native.keptSettingsCount() === before, 2000);
  assert.equal(native.keptSettingsCount(), before);
});

test('settings are kept when seen a second time, at most eight, and none outlives its connectors', async () => {
  const native = require('../index.js');
  const base = settings(mock.url);
  // Eight settings seen once push out whatever earlier tests had kept.
  for (let i = 0; i < 8; i++) new Connection({ c: { ...base, client_id: `flush-${i}` } }).getConnector('c');
  await collect();
  const keptBefore = native.keptSettingsCount();
  const internedBefore = native.internedSettingsCount();
  // Many apps in one process: 40 distinct configurations, each opened once,
  // are not kept, but each is held while its connector lives.
  let connectors = Array.from({ length: 40 }, (_, i) => new Connection({ c: { ...base, client_id: `app-${i}` } }).getConnector('c'));
  assert.equal(native.keptSettingsCount(), keptBefore);
  assert.equal(native.internedSettingsCount(), internedBefore + 40);
  // One app, many users: its settings are kept from the second user on, and
  // later users open from them (same settings, no new copy).
  const users = Array.from({ length: 5 }, (_, i) => new Connection({ c: { ...base, redirect_url: 'https://one-app.example/cb', refresh_token: `user-${i}` } }).getConnector('c'));
  assert.equal(native.keptSettingsCount(), keptBefore + 1);
  assert.equal(native.internedSettingsCount(), internedBefore + 41);
  const tokens = await Promise.all(users.map((c) => c.getAccessToken()));
  assert.equal(new Set(tokens).size, 5, 'each user has a token of its own');
  // Eight more configurations seen twice push the first kept one out: the engine keeps no more than eight.
  for (let i = 0; i < 8; i++) {
    for (const user of ['a', 'b']) new Connection({ c: { ...base, client_id: `kept-${i}`, refresh_token: user } }).getConnector('c');
  }
  assert.ok(native.keptSettingsCount() - keptBefore <= 8, `${native.keptSettingsCount() - keptBefore} kept`);
  // Once every connector is collected, only the kept settings are left.
  connectors = null;
  users.length = 0;
  await eventually(async () => {
    await collect();
    return native.internedSettingsCount() - internedBefore <= native.keptSettingsCount() - keptBefore;
  }, 5000);
  assert.ok(native.internedSettingsCount() - internedBefore <= 8);
});
