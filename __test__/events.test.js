'use strict';
// Logs and events: connection.on('tokens' | 'refresh' | 'error'), the logger
// option, DEBUG=zcatalyst-connector on stderr, nothing printed by default,
// listeners that throw or linger harmless.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { Connection } = require('..');
const { EventSink, debugEnabled } = require('../lib/events.js');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { runChild, packageRoot } = require('./helpers/child');

let rotating;
let failing;

before(async () => {
  rotating = await startMockOAuth({ rotate: true });
  failing = await startMockOAuth({ respond: () => ({ status: 503, json: { error: 'temporarily_unavailable' } }) });
});

after(async () => {
  await rotating.close();
  await failing.close();
});

/** A logger that records its calls. */
function recordingLogger() {
  const calls = [];
  const logger = {};
  for (const level of ['debug', 'info', 'warn', 'error']) logger[level] = (fields, message) => calls.push({ level, fields, message });
  return { logger, calls };
}

test("a rotated refresh token reaches on('tokens'), once(), onTokens and the logger, which never sees a token", async () => {
  const { logger, calls } = recordingLogger();
  const fromOption = [];
  const s = settings(rotating.url);
  const connection = new Connection({ c: s }, { logger, onTokens: (event) => fromOption.push(event) });
  const heard = [];
  connection.on('tokens', (event) => heard.push(event));
  const first = once(connection, 'tokens');
  const token = await connection.getConnector('c').getAccessToken();
  const [event] = await first;
  assert.equal(event.connectorName, 'c');
  assert.match(event.refreshToken, /^rt-rotated-/);
  assert.equal(event.accessToken, token);
  assert.deepEqual(heard, [event]);
  assert.deepEqual(fromOption, [event]);
  assert.equal(connection.listenerCount('tokens'), 1, 'the once() listener is gone');
  const rotation = calls.find((call) => call.fields.event === 'tokens');
  assert.equal(rotation.level, 'info');
  assert.equal(rotation.fields.connectorName, 'c');
  assert.match(rotation.message, /rotated/);
  const logged = JSON.stringify(calls);
  for (const secret of [token, event.refreshToken, s.refresh_token, s.client_secret]) assert.ok(!logged.includes(secret), `logged ${secret}`);
});

test('a Connection that starts listening after its first call hears the next refresh', async () => {
  const connection = new Connection({ c: settings(rotating.url) });
  const connector = connection.getConnector('c');
  await connector.getAccessToken();
  const heard = [];
  connection.on('tokens', (event) => heard.push(event.refreshToken));
  await connector.refreshAccessToken();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(heard.length, 1);
  assert.match(heard[0], /^rt-rotated-/);
});

test('a listener or logger that throws never breaks the refresh; it becomes a process warning', async () => {
  const warnings = [];
  const onWarning = (warning) => warnings.push(warning.message);
  process.on('warning', onWarning);
  try {
    const explode = () => { throw new Error('listener exploded'); };
    const connection = new Connection({ c: settings(rotating.url) }, { logger: { debug: explode, info: explode, warn: explode, error: explode } });
    connection.on('tokens', explode);
    connection.on('tokens', async () => { throw new Error('async listener exploded'); });
    const second = [];
    connection.on('tokens', (event) => second.push(event));
    assert.match(await connection.getConnector('c').getAccessToken(), /^at-/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(second.length, 1, 'later listeners still called');
    assert.ok(warnings.some((w) => /logger threw: listener exploded/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /'tokens' listener threw: listener exploded/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /async listener exploded/.test(w)), warnings.join('\n'));
  } finally {
    process.off('warning', onWarning);
  }
});

test('nothing is printed by default; DEBUG=zcatalyst-connector prints redacted events to stderr', async () => {
  const script = (url) => `
    const { Connection } = require(${packageRoot});
    const connection = new Connection({ c: ${JSON.stringify(settings(url))} });
    connection.on('tokens', () => {});
    connection.getConnector('c').getAccessToken().then((t) => console.log(t), (e) => console.log(e.code));`;
  const quiet = await runChild(script(rotating.url), { env: { DEBUG: '' } });
  assert.equal(quiet.code, 0);
  assert.equal(quiet.err, '', 'nothing on stderr');
  for (const DEBUG of ['zcatalyst-connector', '*', 'express:*,zcatalyst-*']) {
    const loud = await runChild(script(rotating.url), { env: { DEBUG } });
    assert.equal(loud.code, 0, DEBUG);
    const token = loud.out.trim();
    assert.match(loud.err, /^zcatalyst-connector info the provider rotated the refresh token \{"event":"tokens","connectorName":"c","expiresAt":\d+\}$/m, DEBUG);
    assert.ok(!loud.err.includes(token) && !loud.err.includes('rt-rotated'), 'no token printed');
  }
  const negated = await runChild(script(rotating.url), { env: { DEBUG: '*,-zcatalyst-connector' } });
  assert.equal(negated.err, '');
});

test('DEBUG patterns follow the debug convention', () => {
  assert.equal(debugEnabled('zcatalyst-connector'), true);
  assert.equal(debugEnabled('zcatalyst-*'), true);
  assert.equal(debugEnabled('a, b ,zcatalyst-connector'), true);
  assert.equal(debugEnabled('zcatalyst-connector-rs'), false);
  assert.equal(debugEnabled('*,-zcatalyst-connector'), false);
  assert.equal(debugEnabled(undefined), false);
});

test('listeners never keep the process alive', async () => {
  const run = await runChild(`
    const { Connection } = require(${packageRoot});
    const connection = new Connection({ c: ${JSON.stringify(settings(rotating.url))} });
    for (const name of ['refresh', 'error', 'tokens']) connection.on(name, () => {});
    connection.getConnector('c').getAccessToken().then(() => console.log('done'));`, { timeoutMs: 10_000 });
  assert.equal(run.code, 0);
  assert.equal(run.out.trim(), 'done');
});

test('engine events: refresh and refresh_failed reach listeners and the logger (router contract)', () => {
  const { logger, calls } = recordingLogger();
  const secrets = ['client-secret-value'];
  const sink = new EventSink(logger, undefined, { crm: { client_secret: secrets[0] } });
  const refreshes = [];
  const errors = [];
  sink.emitter.on('refresh', (event) => refreshes.push(event));
  sink.emitter.on('error', (error) => errors.push(error));
  sink.handle({ type: 'refresh', connectorName: 'crm', durationMs: 42, attempt: 1, background: true });
  sink.handle({ type: 'refresh_failed', connectorName: 'crm', code: 'app/OAUTH_ERROR', message: 'The token endpoint returned an error: invalid_client (client-secret-value is wrong)', statusCode: 401, retryAfterMs: null, attempt: 2 });
  sink.handle({ type: 'refresh_failed', connectorName: 'crm', code: 'app/NETWORK_ERROR', message: 'unreachable', statusCode: 503, retryAfterMs: 2000, attempt: 1 });
  sink.handle({ type: 'store_error', connectorName: 'crm', store: 'redis', message: 'connection refused' });
  sink.handle({ type: 'store_recovered', connectorName: 'crm', store: 'redis' });
  sink.handle({ type: 'lock_wait', connectorName: 'crm' });
  sink.handle({ type: 'lock_takeover', connectorName: 'crm' });
  assert.deepEqual(refreshes, [{ connectorName: 'crm', durationMs: 42, background: true, attempt: 1 }]);
  assert.deepEqual(errors.map((e) => [e.code, e.statusCode, e.connectorName]), [
    ['app/OAUTH_ERROR', 401, 'crm'], ['app/NETWORK_ERROR', 503, 'crm'], ['app/STORE_UNAVAILABLE', 503, 'crm'],
  ]);
  assert.ok(!errors[0].message.includes('client-secret-value'), errors[0].message);
  assert.equal(errors[1].retryAfterMs, 2000);
  assert.deepEqual(calls.map((c) => [c.level, c.fields.event]), [
    ['debug', 'refresh'], ['warn', 'refresh_failed'], ['warn', 'refresh_failed'], ['warn', 'store_error'],
    ['info', 'store_recovered'], ['debug', 'lock_wait'], ['info', 'lock_takeover'],
  ]);
  // The engine's level and sentence win over the defaults; the sentence is tidied.
  sink.handle({ type: 'refresh', level: 'info', message: 'refreshed with client-secret-value', connectorName: 'crm', durationMs: 1, background: false });
  assert.deepEqual([calls.at(-1).level, calls.at(-1).message], ['info', 'zcatalyst-connector: refreshed with [redacted]']);
  assert.equal(calls.at(-1).fields.message, undefined);
  assert.ok(!JSON.stringify(calls).includes('client-secret-value'));
  // 'error' with no listener is not thrown (unlike a bare EventEmitter).
  new EventSink(undefined, undefined, null).handle({ type: 'refresh_failed', code: 'app/TIMEOUT', message: 'slow' });
});

test('engine events from real refreshes: refresh, error (a failed refresh, a failing store) and the logger', async () => {
  const { logger, calls } = recordingLogger();
  const connection = new Connection({ c: settings(rotating.url) }, { logger });
  const refresh = once(connection, 'refresh');
  await connection.getConnector('c').getAccessToken();
  const [event] = await refresh;
  assert.equal(event.connectorName, 'c');
  assert.equal(typeof event.durationMs, 'number');
  assert.ok(event.durationMs >= 0 && event.durationMs < 10_000);
  assert.equal(event.background, false);
  const logged = calls.find((call) => call.fields.event === 'refresh');
  assert.equal(logged.level, 'debug');
  assert.equal(logged.fields.connectorName, 'c');

  const s = settings(failing.url);
  const broken = new Connection({ c: s }, { logger });
  const failed = once(broken, 'error');
  await assert.rejects(broken.getConnector('c').getAccessToken(), { code: 'app/OAUTH_ERROR' });
  const [error] = await failed;
  assert.equal(error.code, 'app/OAUTH_ERROR');
  assert.equal(error.statusCode, 503);
  assert.equal(error.connectorName, 'c');
  assert.equal(error.attempt, 1);
  assert.equal(typeof error.retryAfterMs, 'number');
  const warning = calls.find((call) => call.fields.event === 'refresh_failed');
  assert.equal(warning.level, 'warn');
  assert.equal(warning.fields.code, 'app/OAUTH_ERROR');
  assert.match(warning.message, /temporarily_unavailable/);
  assert.ok(!JSON.stringify(calls).includes(s.client_secret) && !JSON.stringify(calls).includes(s.refresh_token));

  const down = new Connection({ c: settings(rotating.url) }, { store: { get: async () => { throw new Error('cache offline'); }, put: async () => {} } });
  const outage = once(down, 'error');
  assert.match(await down.getConnector('c').getAccessToken(), /^at-/, 'served despite the store');
  const [storeError] = await outage;
  assert.equal(storeError.code, 'app/STORE_UNAVAILABLE');
  assert.match(storeError.message, /cache offline/);
});
