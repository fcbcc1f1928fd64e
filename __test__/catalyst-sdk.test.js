'use strict';
// `require('zcatalyst-connector-rs/register')` in a Catalyst function written
// for zcatalyst-sdk-node: the application's own copy of the SDK (installed in
// a temporary application directory, beside this repository's copy) returns
// our Connection from `app.connection(json)`, with the app's Catalyst Cache —
// here a local fake Catalyst API — as the store, in the JS package's format.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { eventually } = require('./helpers/eventually');
const { startFakeCatalyst, invocationRequest } = require('./helpers/fake-catalyst');
const { jsCacheKey } = require('./helpers/stores');

const root = path.join(__dirname, '..');
let mock;
let catalyst;
let appDir;

/** An application directory with its own copy of the SDK and this package linked in. */
function makeApplication() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-catalyst-app-'));
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules);
  fs.cpSync(path.join(root, 'node_modules', 'zcatalyst-sdk-node'), path.join(modules, 'zcatalyst-sdk-node'), { recursive: true });
  for (const dependency of ['https-proxy-agent', 'agent-base', 'debug', 'ms']) {
    fs.symlinkSync(path.join(root, 'node_modules', dependency), path.join(modules, dependency), 'dir');
  }
  fs.symlinkSync(root, path.join(modules, 'zcatalyst-connector-rs'), 'dir');
  return dir;
}

/** Runs `source` as the application's main module; resolves to its one JSON line of output. */
function runApplication(source, { cwd = appDir, env = {}, extension = 'js' } = {}) {
  const file = path.join(appDir, `function-${Math.random().toString(36).slice(2)}.${extension}`);
  fs.writeFileSync(file, source);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, X_ZOHO_CATALYST_CONSOLE_URL: catalyst.url, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.stderr.on('data', (chunk) => { err += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) { reject(new Error(`the application exited with ${code}: ${err}`)); return; }
      try {
        resolve({ result: JSON.parse(out.trim().split('\n').pop()), err });
      } catch (error) {
        reject(new Error(`no JSON result: ${out} ${err}`));
      }
    });
  });
}

/** A function body: 200 concurrent invocations, each with its own app, as the SDK is used per request. */
function invocations(json, count = 200, esm = false) {
  return `
  const request = ${JSON.stringify(invocationRequest())};
  async function handler() {
    const app = catalyst.initialize({ headers: { ...request.headers } });
    const connection = app.connection(${JSON.stringify(json)});
    return { token: await connection.getConnector('crm').getAccessToken(), ours: connection.constructor.name === 'Connection' && typeof connection.on === 'function', sameApp: connection.app === app };
  }
  Promise.all(Array.from({ length: ${count} }, handler)).then((results) => {
    const sdk = ${esm ? "new URL(import.meta.resolve('zcatalyst-sdk-node')).pathname" : "require.resolve('zcatalyst-sdk-node')"};
    console.log(JSON.stringify({
      tokens: [...new Set(results.map((r) => r.token))],
      ours: results.every((r) => r.ours),
      sameApp: results.every((r) => r.sameApp),
      sdk,
      patched: registered.patched,
    }));
  });`;
}

before(async () => {
  mock = await startMockOAuth({ delayMs: 50 });
  catalyst = await startFakeCatalyst();
  appDir = makeApplication();
});

after(async () => {
  await mock.close();
  await catalyst.close();
  fs.rmSync(appDir, { recursive: true, force: true });
});

test('register before the SDK: 200 concurrent invocations make 1 token request and one cache write in the JS format', async () => {
  const s = settings(mock.url);
  const key = jsCacheKey('crm', s);
  const before = mock.count;
  const { result, err } = await runApplication(`
  const registered = require('zcatalyst-connector-rs/register');
  const catalyst = require('zcatalyst-sdk-node');
  ${invocations({ crm: s })}`);
  assert.equal(mock.count - before, 1, 'one token request');
  assert.equal(result.tokens.length, 1);
  assert.ok(result.ours, 'app.connection() returned our Connection');
  assert.ok(result.sameApp, 'with the invocation app');
  assert.ok(result.sdk.startsWith(fs.realpathSync(appDir)), `the application's SDK copy: ${result.sdk}`);
  assert.deepEqual(result.patched, [path.join(fs.realpathSync(appDir), 'node_modules', 'zcatalyst-sdk-node', 'lib', 'catalyst-app.js')]);
  assert.equal(err, '', 'nothing printed');

  const writes = catalyst.requests.filter((r) => r.method === 'POST' && r.body.cache_name === key);
  assert.equal(writes.length, 1, 'one cache write');
  assert.match(writes[0].path, /^\/baas\/v1\/project\/4000000000001\/cache$/);
  assert.equal(writes[0].headers.project_id, '5000000000001', 'sent by the SDK with the project key');
  assert.equal(writes[0].body.expiry_in_hours, 1);
  const value = JSON.parse(writes[0].body.cache_value);
  // The JS package's fields in its order, then the writer's strong fingerprint (ignored by the JS package).
  assert.deepEqual(Object.keys(value), ['access_token', 'expiry_in_seconds', 'expires_at', 'zc_fp']);
  assert.match(value.zc_fp, /^[0-9a-f]{32}$/);
  assert.equal(value.access_token, result.tokens[0]);
  assert.ok(catalyst.requests.some((r) => r.method === 'GET' && r.query.cacheKey === key), 'the cache was read first');
});

test('SDK required before register (main module run from another directory): patched too; the cache is read, not the provider', async () => {
  const s = settings(mock.url);
  // Warm the fake cache with the first process ...
  await runApplication(`
  const registered = require('zcatalyst-connector-rs/register');
  const catalyst = require('zcatalyst-sdk-node');
  ${invocations({ crm: s }, 1)}`);
  const before = mock.count;
  // ... then a second process, which loads the SDK first, starts elsewhere and reads it.
  const { result } = await runApplication(`
  const catalyst = require('zcatalyst-sdk-node');
  const registered = require('zcatalyst-connector-rs/register');
  ${invocations({ crm: s }, 50)}`, { cwd: os.tmpdir() });
  assert.equal(mock.count - before, 0, 'served from the Catalyst cache');
  assert.ok(result.ours);
  assert.equal(result.tokens.length, 1);
  assert.equal(JSON.parse(catalyst.entries.get(jsCacheKey('crm', s)).value).access_token, result.tokens[0]);
});

test('an ES module function: import of register, then of the SDK', async () => {
  const s = settings(mock.url);
  const before = mock.count;
  const { result } = await runApplication(`
  import * as registered from 'zcatalyst-connector-rs/register';
  import catalyst from 'zcatalyst-sdk-node';
  ${invocations({ crm: s }, 20, true)}`, { extension: 'mjs' });
  assert.ok(result.ours);
  assert.equal(result.tokens.length, 1);
  assert.equal(mock.count - before, 1);
  assert.ok(result.sdk.startsWith(fs.realpathSync(appDir)), result.sdk);
  assert.deepEqual(result.patched, [path.join(fs.realpathSync(appDir), 'node_modules', 'zcatalyst-sdk-node', 'lib', 'catalyst-app.js')]);
});

test("the SDK's own connector reads our entry, and we read its entry, through the same Catalyst cache", async () => {
  const s = settings(mock.url);
  const { result: ours } = await runApplication(`
  const registered = require('zcatalyst-connector-rs/register');
  const catalyst = require('zcatalyst-sdk-node');
  ${invocations({ crm: s }, 1)}`);
  const before = mock.count;
  const { result: theirs } = await runApplication(`
  const catalyst = require('zcatalyst-sdk-node');
  const registered = { patched: [] };
  ${invocations({ crm: s }, 1)}`);
  assert.equal(theirs.ours, false, 'the unpatched SDK');
  assert.deepEqual(theirs.tokens, ours.tokens);
  assert.equal(mock.count - before, 0, 'the JS package used our entry');

  const other = settings(mock.url);
  const { result: jsFirst } = await runApplication(`
  const catalyst = require('zcatalyst-sdk-node');
  const registered = { patched: [] };
  ${invocations({ crm: other }, 1)}`);
  const again = mock.count;
  const { result: weRead } = await runApplication(`
  const registered = require('zcatalyst-connector-rs/register');
  const catalyst = require('zcatalyst-sdk-node');
  ${invocations({ crm: other }, 5)}`);
  assert.deepEqual(weRead.tokens, jsFirst.tokens);
  assert.equal(mock.count - again, 0, "we used the JS package's entry");
});

test('in process: new Connection(app, json), new Connection(json, app) and connection(app, json) take a real SDK app', async () => {
  process.env.X_ZOHO_CATALYST_CONSOLE_URL = catalyst.url;
  const sdk = require(path.join(appDir, 'node_modules', 'zcatalyst-sdk-node'));
  const { Connection, connection } = require('..');
  const s = settings(mock.url);
  const key = jsCacheKey('crm', s);
  const app = sdk.initialize(invocationRequest());
  const forms = [new Connection(app, { crm: s }), new Connection({ crm: s }, app), connection(app, { crm: s })];
  for (const made of forms) {
    assert.equal(made.app, app);
    assert.deepEqual(Object.keys(made.connectionJson), ['crm']);
  }
  const before = mock.count;
  const tokens = await Promise.all(forms.map((made) => made.getConnector('crm').getAccessToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.equal(mock.count - before, 1);
  assert.equal(JSON.parse((await eventually(() => catalyst.entries.get(key))).value).access_token, tokens[0]);
  // Options come third when the second argument is the app.
  assert.throws(() => new Connection(app, { crm: s }, { logger: console, retries: 3 }), { code: 'app/INVALID_ARGUMENT', message: /'retries'/ });
});
