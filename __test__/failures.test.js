'use strict';
// Failure never becomes a storm: against a local token endpoint that fails in
// each way providers fail, many callers asking for seconds cause a handful of
// token requests (one per back-off step), every caller gets the same coded
// error at once with `retryAfter`, and fetch() refreshes at most once per
// token. Each case counts the requests it caused.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Connection, CatalystConnectorError } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth.js');
const { runChild, packageRoot } = require('./helpers/child.js');

/** `callers` loops calling getAccessToken() every 10 ms for `ms`; the errors they saw. */
async function hammer(connector, callers, ms) {
  const until = Date.now() + ms;
  const errors = [];
  let ok = 0;
  await Promise.all(Array.from({ length: callers }, async () => {
    while (Date.now() < until) {
      try {
        await connector.getAccessToken();
        ok += 1;
      } catch (error) {
        errors.push(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }));
  return { ok, errors };
}

async function failingCase(t, respond, expectCode, maxRequests) {
  const mock = await startMockOAuth({ respond });
  t.after(() => mock.close());
  const connector = new Connection({ c: settings(mock.url) }).getConnector('c');
  const { ok, errors } = await hammer(connector, 20, 3000);
  assert.equal(ok, 0);
  assert.ok(errors.length > 100, `callers kept asking: ${errors.length}`);
  for (const error of errors) {
    assert.ok(error instanceof CatalystConnectorError);
    assert.equal(error.code, expectCode);
  }
  const withRetry = errors.filter((error) => typeof error.retryAfter === 'number');
  assert.ok(withRetry.length > errors.length * 0.9, 'backed-off errors say when to come back');
  assert.ok(withRetry.every((error) => error.retryAfter >= 0 && error.retryAfter <= 30_000));
  assert.ok(mock.count >= 1 && mock.count <= maxRequests, `${mock.count} token requests in 3 s (at most ${maxRequests})`);
  return { mock, errors };
}

test('a 500 endpoint: 20 callers x 3 s cause one request per back-off step', async (t) => {
  const { errors } = await failingCase(t, () => ({ status: 500, json: {} }), 'app/TOKEN_ENDPOINT_ERROR', 4);
  assert.ok(errors.every((error) => error.statusCode === 500 && error.message === errors[0].message));
});

test('429 with Retry-After: 2 is honoured: about one request per 2 s', async (t) => {
  const { errors } = await failingCase(t, () => ({ status: 429, json: {}, headers: { 'retry-after': '2' } }), 'app/TOKEN_ENDPOINT_ERROR', 2);
  const hinted = errors.filter((error) => error.retryAfter > 1000);
  assert.ok(hinted.length > 0, 'retryAfter follows the 2 s hint');
});

test("Zoho's HTTP-200 'too many requests' is backed off like any failure", async (t) => {
  const body = { error: 'Access Denied', error_description: 'You have made too many requests continuously. Please try again after some time.' };
  await failingCase(t, () => ({ status: 200, json: body }), 'app/OAUTH_ERROR', 4);
});

test('invalid_grant (no retry can fix it) is backed off, not retried per call', async (t) => {
  await failingCase(t, () => ({ status: 400, json: { error: 'invalid_grant' } }), 'app/OAUTH_ERROR', 4);
});

test('expires_in 0, negative or not a number is an error, not a token per call', async (t) => {
  for (const expiresIn of [0, -5, 'soon']) {
    const { errors } = await failingCase(t, () => ({ status: 200, json: { access_token: 'at-dead', expires_in: expiresIn } }), 'app/INVALID_RESPONSE', 4);
    assert.match(errors[0].message, /expires_in/);
  }
});

test('expires_in 1e300 is capped at a day', async (t) => {
  const mock = await startMockOAuth({ respond: () => ({ status: 200, json: { access_token: 'at-long', expires_in: 1e300 } }) });
  t.after(() => mock.close());
  const connector = new Connection({ c: settings(mock.url) }).getConnector('c');
  const before = Date.now();
  assert.equal(await connector.getAccessToken(), 'at-long');
  assert.ok(connector.expiresAt <= before + 24 * 3600 * 1000 + 1000, `expiresAt ${connector.expiresAt - before} ms ahead`);
  assert.equal(connector.expiresIn, 24 * 3600);
});

test('refresh_in never serves a token past the provider lifetime', async (t) => {
  const mock = await startMockOAuth({ expiresIn: 2 });
  t.after(() => mock.close());
  const connector = new Connection({ c: settings(mock.url, { refresh_in: 10 }) }).getConnector('c');
  const until = Date.now() + 4000;
  while (Date.now() < until) {
    const response = await connector.fetch(`${mock.apiUrl}/records`);
    assert.equal(response.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(mock.state.apiCalls > 40);
  assert.equal(mock.state.lateTokens, 0, 'no API call went out with an expired token');
});

test('fetch(): an API that rejects every token costs at most 2 token requests for 100 calls', async (t) => {
  const mock = await startMockOAuth();
  t.after(() => mock.close());
  const connector = new Connection({ c: settings(mock.url) }).getConnector('c');
  const sequential = [];
  for (let i = 0; i < 50; i += 1) sequential.push((await connector.fetch(`${mock.apiUrl.replace('/api', '/api/denied')}/x`)).status);
  const concurrent = await Promise.all(Array.from({ length: 50 }, () => connector.fetch(`${mock.apiUrl.replace('/api', '/api/denied')}/y`)));
  assert.ok([...sequential, ...concurrent.map((r) => r.status)].every((status) => status === 401));
  assert.ok(mock.count <= 2, `${mock.count} token requests`);
});

test('fetch(): a 401 OAUTH_SCOPE_MISMATCH is returned without a refresh', async (t) => {
  const mock = await startMockOAuth();
  t.after(() => mock.close());
  const connector = new Connection({ c: settings(mock.url) }).getConnector('c');
  for (let i = 0; i < 10; i += 1) {
    const response = await connector.fetch(`${mock.apiUrl.replace('/api', '/api/scope')}/x`);
    assert.equal(response.status, 401);
    assert.equal((await response.json()).code, 'OAUTH_SCOPE_MISMATCH');
  }
  assert.equal(mock.count, 1, 'the token was never refreshed');
});

test('fetch(): an expired-token 401 is still refreshed and retried once', async (t) => {
  const mock = await startMockOAuth();
  t.after(() => mock.close());
  const connector = new Connection({ c: settings(mock.url) }).getConnector('c');
  const first = await connector.getAccessToken();
  mock.state.expiries.set(first, 0); // the provider drops it
  const response = await connector.fetch(`${mock.apiUrl}/records`);
  assert.equal(response.status, 200);
  assert.equal(mock.count, 2);
});

test('every public method throws or rejects CatalystConnectorError on bad input', async (t) => {
  const mock = await startMockOAuth();
  t.after(() => mock.close());
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  const attempts = {
    'expires_in: NaN is unset': () => new Connection({ c: settings(mock.url, { expires_in: NaN, refresh_in: Infinity }) }).getConnector('c').getAccessToken(),
    'a Symbol setting': () => new Connection({ c: settings(mock.url, { scope: Symbol('s') }) }).getConnector('c'),
    'a cyclic setting': () => new Connection({ c: settings(mock.url, { token_params: cyclic }) }).getConnector('c'),
    'getAuthorizationUrl({ scope: 5 })': () => new Connection({ c: settings(mock.url, { authorize_url: mock.authorizeUrl }) }).getConnector('c').getAuthorizationUrl({ scope: 5 }),
    'invalidate(5)': () => new Connection({ c: settings(mock.url) }).getConnector('c').invalidate(5),
    'generateAccessToken(code, null)': () => new Connection({ c: settings(mock.url) }).getConnector('c').generateAccessToken('code-x', null),
    'storeTimeoutMs 0.5': () => new Connection({ c: settings(mock.url) }, { store: 'memory:', storeTimeoutMs: 0.5 }),
  };
  for (const [what, attempt] of Object.entries(attempts)) {
    try {
      const value = await attempt();
      if (what === 'expires_in: NaN is unset' || what === 'generateAccessToken(code, null)') {
        assert.equal(typeof value, 'string', what); // accepted: NaN is "unset", null is "no options"
        continue;
      }
      assert.fail(`${what}: no error`);
    } catch (error) {
      assert.ok(error instanceof CatalystConnectorError, `${what}: ${error && error.constructor && error.constructor.name}: ${error && error.message}`);
      assert.match(error.code, /INVALID_ARGUMENT|INVALID_STORE/, what);
    }
  }
});

test('processes sharing a file store share the back-off: 4 processes cause about as many requests as one', async (t) => {
  const mock = await startMockOAuth({ respond: () => ({ status: 500, json: {} }) });
  t.after(() => mock.close());
  const dir = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'zc-fleet-fail-'));
  const store = `file://${dir}/tokens.json`;
  const entry = settings(mock.url);
  const script = `
    const { Connection } = require(${packageRoot});
    const connector = new Connection({ c: ${JSON.stringify(entry)} }, { store: ${JSON.stringify(store)} }).getConnector('c');
    const until = Date.now() + 3000;
    let errors = 0;
    (async () => {
      await Promise.all(Array.from({ length: 5 }, async () => {
        while (Date.now() < until) {
          try { await connector.getAccessToken(); } catch { errors += 1; }
          await new Promise((r) => setTimeout(r, 10));
        }
      }));
      console.log(JSON.stringify({ errors }));
    })();`;
  const runs = await Promise.all(Array.from({ length: 4 }, () => runChild(script, { timeoutMs: 20_000 })));
  for (const run of runs) {
    assert.equal(run.code, 0, run.err);
    assert.ok(JSON.parse(run.out.trim()).errors > 50);
  }
  // One process alone makes 3 or 4 in 3 s; four sharing the store stay close to that.
  assert.ok(mock.count <= 8, `${mock.count} token requests from 4 processes`);
});
