'use strict';
// Errors that read well in logs: the caller's stack, code and statusCode in
// util.inspect(), a cause where there is one, a provider's error_description
// bounded and without our secrets; option names checked.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const { Connection, CatalystConnectorError } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { catalystApp } = require('./helpers/stores');

let failing;
let echoing;

before(async () => {
  failing = await startMockOAuth({ respond: () => ({ status: 400, json: { error: 'invalid_client' } }) });
  // A provider that echoes the whole request (secrets included) in a long error_description.
  echoing = await startMockOAuth({
    respond: ({ form }) => ({ status: 400, json: { error: 'invalid_request', error_description: `bad request: ${form.toString()} ${'x'.repeat(5000)}` } }),
  });
});

after(async () => {
  await failing.close();
  await echoing.close();
});

async function callerOfRefresh(connector) {
  return connector.getAccessToken();
}

test('a rejected error carries the stack of its call site', async () => {
  const connector = new Connection({ c: settings(failing.url) }).getConnector('c');
  const error = await callerOfRefresh(connector).catch((e) => e);
  assert.ok(error instanceof CatalystConnectorError);
  assert.match(error.stack, /^CatalystConnectorError: The token endpoint returned an error: invalid_client/);
  assert.match(error.stack, /at callerOfRefresh \(.*error-reporting\.test\.js:\d+:\d+\)/);
  for (const method of ['refreshAccessToken', 'refreshAndPersistToken']) {
    const other = await connector[method]().catch((e) => e);
    assert.match(other.stack, /error-reporting\.test\.js/, method);
  }
});

test('util.inspect shows code and statusCode, and the cause of an abort', async () => {
  const connector = new Connection({ c: settings(failing.url) }).getConnector('c');
  const error = await connector.getAccessToken().catch((e) => e);
  const shown = util.inspect(error);
  assert.match(shown, /code: 'app\/OAUTH_ERROR'/);
  assert.match(shown, /statusCode: 400/);
  assert.match(shown, /error-reporting\.test\.js/);

  const reason = new Error('client disconnected');
  const aborted = await connector.getAccessToken({ signal: AbortSignal.abort(reason) }).catch((e) => e);
  const abortShown = util.inspect(aborted);
  assert.match(abortShown, /^AbortError: The operation was aborted/);
  assert.match(abortShown, /code: 'app\/ABORTED'/);
  assert.match(abortShown, /\[cause\]: Error: client disconnected/);
});

test("the provider's error_description is bounded and never shows our secrets", async () => {
  const s = settings(echoing.url, { secret_key: 'secret-key-value', refresh_token: '1000.a/b+c=d e&f' });
  const error = await new Connection({ c: s }).getConnector('c').getAccessToken().catch((e) => e);
  assert.equal(error.code, 'app/OAUTH_ERROR');
  assert.match(error.message, /^The token endpoint returned an error: invalid_request \(bad request: /);
  assert.ok(error.message.length < 300, `bounded: ${error.message.length} characters`);
  for (const text of [error.message, error.stack, util.inspect(error), JSON.stringify(error), String(error)]) {
    assert.ok(!text.includes(s.client_secret), 'no client secret');
    for (const shown of [s.refresh_token, encodeURIComponent(s.refresh_token), new URLSearchParams({ t: s.refresh_token }).toString().slice(2)]) {
      assert.ok(!text.includes(shown), `no refresh token (${shown})`);
    }
  }
  assert.match(error.message, /\[redacted\]/);
});

test('unknown option names are rejected with app/INVALID_ARGUMENT naming the option', () => {
  for (const name of ['timeout', 'onRefresh', 'logLevel']) {
    assert.throws(() => new Connection({}, { logger: console, [name]: 1 }), (error) => {
      assert.equal(error.code, 'app/INVALID_ARGUMENT');
      assert.match(error.message, new RegExp(`'${name}'`));
      return true;
    });
  }
  assert.throws(() => new Connection({}, { logger: {} }), { code: 'app/INVALID_ARGUMENT', message: /logger/ });
  assert.throws(() => new Connection({}, { ca: 'not a certificate' }), { code: 'app/INVALID_ARGUMENT', message: /ca option/ });
  assert.throws(() => new Connection({}, { timeoutMs: 0 }), { code: 'app/INVALID_ARGUMENT', message: /timeoutMs/ });
  // Every known option, and a Catalyst app (its own properties are not options).
  new Connection({}, { store: 'memory:', keyPrefix: 'p:', storeTimeoutMs: 100, refreshAhead: false, onTokens() {}, logger: console, timeoutMs: 5000 });
  new Connection({}, catalystApp());
  new Connection(catalystApp(), {});
});
