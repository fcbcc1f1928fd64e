'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const { Connection, CatalystConnectorError } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');

async function withMock(respond, fn) {
  const m = await startMockOAuth({ respond });
  try { return await fn(m); } finally { await m.close(); }
}

const SECRETS = ['client-secret-value', '1000.refresh-token'];

function assertNoSecrets(text, extra = []) {
  for (const secret of [...SECRETS, ...extra]) assert.ok(!text.includes(secret), `leaked ${secret} in ${text}`);
}

test('an HTTP-200 OAuth error is app/OAUTH_ERROR with the provider\'s words and status 200', () =>
  withMock(() => ({ status: 200, json: { error: 'invalid_code' } }), async (m) => {
    const err = await new Connection({ c: settings(m.url) }).getConnector('c').getAccessToken().catch((e) => e);
    assert.ok(err instanceof CatalystConnectorError);
    assert.equal(err.code, 'app/OAUTH_ERROR');
    assert.equal(err.statusCode, 200);
    assert.match(err.message, /invalid_code/);
    assertNoSecrets(err.toString());
  }));

test('an error_description is included and the HTTP status kept', () =>
  withMock(() => ({ status: 400, json: { error: 'Access Denied', error_description: 'You have made too many requests continuously.' } }), async (m) => {
    await assert.rejects(new Connection({ c: settings(m.url) }).getConnector('c').getAccessToken(), (err) => {
      assert.equal(err.code, 'app/OAUTH_ERROR');
      assert.equal(err.statusCode, 400);
      assert.match(err.message, /Access Denied.*too many requests/);
      return true;
    });
  }));

test('garbage is app/INVALID_RESPONSE with its status', () =>
  withMock(() => ({ status: 502, text: '<html>Bad gateway</html>' }), async (m) => {
    await assert.rejects(new Connection({ c: settings(m.url) }).getConnector('c').getAccessToken(), { code: 'app/INVALID_RESPONSE', statusCode: 502 });
  }));

test('a JSON answer without access_token is app/INVALID_ARGUMENT with the JS message', () =>
  withMock(() => ({ json: { expires_in: 3600 } }), async (m) => {
    await assert.rejects(new Connection({ c: settings(m.url) }).getConnector('c').getAccessToken(), {
      code: 'app/INVALID_ARGUMENT',
      message: 'Value for property access_token cannot be null or undefined in auth_response object',
    });
  }));

test('a dropped connection is app/NETWORK_ERROR with status 503, and a later call retries', async () => {
  let drop = true;
  await withMock(() => (drop ? { drop: true } : undefined), async (m) => {
    const connector = new Connection({ c: settings(m.url) }).getConnector('c');
    await assert.rejects(connector.getAccessToken(), (err) => {
      assert.equal(err.code, 'app/NETWORK_ERROR');
      assert.equal(err.statusCode, 503);
      assertNoSecrets(err.message);
      return true;
    });
    drop = false;
    // Backed off: the same error at once, with the time to come back…
    const again = await connector.getAccessToken().catch((error) => error);
    assert.equal(again.code, 'app/NETWORK_ERROR');
    assert.ok(again.retryAfter > 0 && again.retryAfter <= 1000, `retryAfter ${again.retryAfter}`);
    // …and then one new attempt, which succeeds.
    await new Promise((resolve) => setTimeout(resolve, again.retryAfter + 20));
    assert.match(await connector.getAccessToken(), /^at-/);
  });
});

test('an endpoint that cannot be reached is app/NETWORK_ERROR 503', async () => {
  const connector = new Connection({ c: settings('http://127.0.0.1:9/token') }).getConnector('c');
  await assert.rejects(connector.getAccessToken(), { code: 'app/NETWORK_ERROR', statusCode: 503 });
});

test('concurrent callers of a failing refresh share one request and one error', () =>
  withMock(() => ({ status: 200, json: { error: 'invalid_client' } }), async (m) => {
    const json = { c: settings(m.url) };
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => new Connection(json).getConnector('c').getAccessToken()));
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason.code === 'app/OAUTH_ERROR'));
    assert.equal(m.count, 1);
  }));

test('only https token URLs, except http to localhost', async () => {
  const insecure = new Connection({ c: settings('http://accounts.zoho.com/oauth/v2/token') }).getConnector('c');
  await assert.rejects(insecure.getAccessToken(), { code: 'app/INSECURE_OAUTH_URL' });
  const invalid = new Connection({ c: settings('not a url') }).getConnector('c');
  await assert.rejects(invalid.getAccessToken(), { code: 'app/INVALID_OAUTH_URL' });
  await assert.rejects(invalid.generateAccessToken('code'), { code: 'app/INVALID_OAUTH_URL' });
});

test('secrets appear in no message, inspect output or JSON of our objects', () =>
  withMock(undefined, async (m) => {
    const entry = settings(m.url, { secret_key: 'secret-key-value' });
    const connection = new Connection({ c: entry });
    const connector = connection.getConnector('c');
    const token = await connector.getAccessToken();
    const shown = [
      util.inspect(connection), util.inspect(connector), util.inspect(connection, { showHidden: true, depth: 5 }),
      util.inspect(connector, { showHidden: true, depth: 5 }), JSON.stringify(connection), JSON.stringify(connector),
      String(connector),
    ].join('\n');
    assertNoSecrets(shown, [token, 'secret-key-value', entry.refresh_token]);
    assert.match(JSON.stringify(connector), /"connectorName":"c"/);
  }));
