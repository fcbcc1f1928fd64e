'use strict';
// The zcrmsdk default store, MySQL, against a real MariaDB started for these
// tests (mariadb-install-db + mariadbd on a private directory and port): the
// legacy's database and table, shared both ways with the legacy SDK, and its
// SQL bugs fixed. Without mariadbd locally these tests are skipped (and say
// so); under CI=true its absence fails.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { startMockZoho, CLIENT_ID, CLIENT_SECRET, REDIRECT_URL } = require('./helpers/mock-zoho');
const { ensureLegacy, runScenario } = require('./helpers/zcrm');
const { startMariaDb, mariadbSuite } = require('./helpers/mariadb');

const { missing, options } = mariadbSuite('zcrmsdk MySQL store tests');
const HOUR = 3_600_000;
let mock;
let db;

before(async () => {
  if (missing) return;
  ensureLegacy();
  mock = await startMockZoho({ https: true });
  db = await startMariaDb();
});
after(async () => {
  if (db) await db.stop();
  if (mock) await mock.close();
});

function config(impl, extra = {}) {
  const host = impl === 'legacy' ? mock.httpsHost : mock.httpOrigin;
  const mysql = impl === 'legacy' ? {} : { mysql_host: '127.0.0.1', mysql_port: db.port };
  return { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_url: REDIRECT_URL, iamurl: host, base_url: host, ...mysql, ...extra };
}

async function run(impl, scenario) {
  mock.reset();
  const output = await runScenario(impl, scenario, { env: { NODE_EXTRA_CA_CERTS: mock.certFile, ZCRM_MYSQL_PORT: String(db.port) } });
  return { ...output, api: mock.state.apiRequests.slice(), token: mock.state.tokenRequests.slice(), rows: await db.rows() };
}

test('tokens saved, read and refreshed in zohooauth.oauthtokens; a refresh updates only that user\'s row', options, async () => {
  await db.clear();
  const aliceRt = mock.refreshToken('alice');
  await db.insert('bob', mock.accessToken('bob', -10), mock.refreshToken('bob'), Date.now() - 1000);
  const out = await run('ours', {
    config: config('ours'),
    steps: [
      { fn: 'generateAuthTokenfromRefreshToken', args: ['alice', aliceRt] },
      { call: 'API.MODULES.get', input: { module: 'Leads' } },
      { call: 'API.MODULES.get', input: { module: 'Leads', user_identifier: 'bob' } },
    ],
  });
  assert.deepEqual(out.uncaught, []);
  assert.deepEqual(out.api.map((r) => [r.label, r.valid]), [['alice', true], ['bob', true]]);
  assert.equal(out.token.length, 2, 'alice\'s grant, bob\'s expired token');
  const [alice, bob] = out.rows;
  assert.equal(alice.useridentifier, 'alice');
  assert.equal(alice.refreshtoken, aliceRt);
  assert.equal(alice.accesstoken, out.results[1].resolved.object.access_token);
  assert.equal(bob.useridentifier, 'bob');
  assert.equal(bob.accesstoken, out.api[1].authorization.replace('Zoho-oauthtoken ', ''));
  assert.ok(Math.abs(bob.expirytime - (Date.now() + HOUR)) < 60_000);
  assert.equal(out.rows.length, 2);
});

test('rows the legacy SDK wrote are used by ours without a token request, and the reverse', options, async () => {
  await db.clear();
  const legacy = await run('legacy', {
    config: config('legacy'),
    steps: [{ fn: 'generateAuthTokenfromRefreshToken', args: ['carol', mock.refreshToken('carol')] }],
  });
  assert.equal(legacy.rows.length, 1);
  const ours = await run('ours', { config: config('ours', { user_identifier: 'carol' }), steps: [{ call: 'API.USERS.get', input: {} }] });
  assert.equal(ours.token.length, 0);
  assert.equal(ours.api[0].authorization, `Zoho-oauthtoken ${legacy.rows[0].accesstoken}`);

  await db.clear();
  await run('ours', { config: config('ours'), steps: [{ fn: 'generateAuthTokenfromRefreshToken', args: ['dan', mock.refreshToken('dan')] }] });
  const back = await run('legacy', { config: config('legacy', { user_identifier: 'dan' }), steps: [{ call: 'API.USERS.get', input: {} }] });
  assert.equal(back.token.length, 0);
  assert.equal(back.api[0].label, 'dan');
  assert.equal(back.api[0].valid, true);
});

test('fixed: saving one user never deletes another user\'s row (the legacy deletes the current user\'s)', options, async () => {
  const scenario = (impl) => ({
    config: config(impl, { user_identifier: 'zed' }),
    steps: [{ fn: 'generateAuthTokenfromRefreshToken', args: ['alice', mock.refreshToken('alice')] }],
  });
  const users = async (impl) => {
    await db.clear();
    await db.insert('zed', 'zed-token', 'zed-refresh', Date.now() + HOUR);
    return (await run(impl, scenario(impl))).rows.map((r) => r.useridentifier);
  };
  assert.deepEqual(await users('ours'), ['alice', 'zed']);
  assert.deepEqual(await users('legacy'), ['alice']);
});

test('fixed: a user identifier with a quote is data, not SQL (the legacy fails and loses a row)', options, async () => {
  const scenario = (impl) => ({
    config: config(impl, { user_identifier: 'zed' }),
    steps: [
      { fn: 'generateAuthTokenfromRefreshToken', args: ["o'brien", mock.refreshToken('obrien')] },
      { call: 'API.MODULES.get', input: { module: 'Leads', user_identifier: "o'brien" } },
    ],
    stepTimeoutMs: 2000,
  });
  await db.clear();
  await db.insert('zed', 'zed-token', 'zed-refresh', Date.now() + HOUR);
  const ours = await run('ours', scenario('ours'));
  assert.equal(ours.results[1].resolved.object.user_identifier, "o'brien");
  assert.equal(ours.api[0].label, 'obrien');
  assert.deepEqual(ours.rows.map((r) => r.useridentifier), ["o'brien", 'zed']);

  await db.clear();
  await db.insert('zed', 'zed-token', 'zed-refresh', Date.now() + HOUR);
  const legacy = await run('legacy', scenario('legacy'));
  assert.ok(!('resolved' in legacy.results[1]), 'the legacy did not resolve the save');
  assert.ok(legacy.uncaught.some((u) => /ER_PARSE_ERROR/.test(u)));
  assert.deepEqual(legacy.rows, [], 'its DELETE of the current user ran before the failing INSERT');
});

test('100 concurrent calls on an expired MySQL row: one refresh, one update', options, async () => {
  await db.clear();
  await db.insert('erin', mock.accessToken('erin', -10), mock.refreshToken('erin'), Date.now() - 1000);
  const out = await run('ours', {
    config: config('ours', { user_identifier: 'erin' }),
    steps: [{ parallel: Array.from({ length: 100 }, () => ({ call: 'API.MODULES.get', input: { module: 'Leads' } })) }],
    stepTimeoutMs: 20_000,
  });
  assert.equal(out.token.length, 1);
  assert.equal(out.api.length, 100);
  assert.ok(out.api.every((r) => r.valid && r.label === 'erin'));
  assert.equal(out.rows.length, 1);
});

test('a script exits after its calls: idle pooled MySQL connections keep nothing alive', options, async () => {
  await db.clear();
  await db.insert('fay', mock.accessToken('fay'), mock.refreshToken('fay'), Date.now() + HOUR);
  const script = `
    const z = require(${JSON.stringify(path.join(__dirname, '..', 'zcrmsdk.js'))});
    z.initialize(${JSON.stringify(config('ours', { user_identifier: 'fay' }))})
      .then(() => z.API.MODULES.get({ module: 'Leads' }))
      .then((r) => console.log(r.statusCode));`;
  const started = Date.now();
  const stdout = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 15_000 }, (error, out) => (error ? reject(error) : resolve(out)));
  });
  assert.equal(stdout.trim(), '200');
  assert.ok(Date.now() - started < 10_000);
});

test('an unreachable MySQL server rejects with a code within the timeout', options, async () => {
  const out = await runScenario('ours', {
    config: config('ours', { mysql_port: 1, timeout_ms: 3000 }),
    steps: [{ call: 'API.MODULES.get', input: { module: 'Leads' } }],
    stepTimeoutMs: 8000,
  });
  assert.equal(out.results[1].rejected.code, 'zcrmsdk/STORE_ERROR');
  assert.match(out.results[1].rejected.message, /mysql token store failed get/);
});
