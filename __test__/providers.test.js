'use strict';
// Any OAuth 2 provider: client authentication, token parameters, Zoho data
// centres, authorization URLs with PKCE, rotated refresh tokens, fetch() with
// refresh-and-retry, invalidate() and revoke() — against the local mock provider.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Readable } = require('node:stream');
const { Connection, createCodeVerifier } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { eventually } = require('./helpers/eventually');
const { mapStore, jsCacheKey } = require('./helpers/stores');
const { runChild, packageRoot } = require('./helpers/child');
const { redisSuite, startRedis } = require('./helpers/redis');

test('client_secret_basic sends the credentials as HTTP Basic, not in the form', async () => {
  const mock = await startMockOAuth({ clientAuth: 'basic' });
  try {
    const basic = new Connection({ c: settings(mock.url, { token_endpoint_auth_method: 'client_secret_basic' }) }).getConnector('c');
    assert.match(await basic.getAccessToken(), /^at-/);
    const sent = mock.state.requests.at(-1);
    assert.match(sent.headers.authorization, /^Basic /);
    assert.equal(sent.form.get('client_secret'), null);
    const post = new Connection({ c: settings(mock.url) }).getConnector('c');
    await assert.rejects(post.getAccessToken(), (e) => e.code === 'app/OAUTH_ERROR' && e.statusCode === 401 && /invalid_client/.test(e.message));
    assert.throws(() => new Connection({ c: settings(mock.url, { token_endpoint_auth_method: 'jwt' }) }).getConnector('c'), { code: 'INVALID_ARGUMENT' });
  } finally {
    await mock.close();
  }
});

test('token_params are added to every token request', async () => {
  const mock = await startMockOAuth();
  try {
    const c = new Connection({ c: settings(mock.url, { token_params: { audience: 'https://api.example', resource: 'crm' } }) }).getConnector('c');
    await c.getAccessToken();
    const form = mock.state.requests.at(-1).form;
    assert.equal(form.get('audience'), 'https://api.example');
    assert.equal(form.get('resource'), 'crm');
    assert.equal(form.get('grant_type'), 'refresh_token');
  } finally {
    await mock.close();
  }
});

test('a Zoho data centre fills in the accounts URLs and the Zoho header scheme', () => {
  const connector = new Connection({ crm: { client_id: 'id', client_secret: 's', data_centre: 'eu', redirect_url: 'https://app.example/cb' } }).getConnector('crm');
  assert.equal(connector.refreshUrl, 'https://accounts.zoho.eu/oauth/v2/token');
  assert.equal(connector.authUrl, 'https://accounts.zoho.eu/oauth/v2/token');
  assert.equal(connector.apiDomain, 'https://www.zohoapis.eu', 'derived before any token answer');
  const url = new URL(connector.getAuthorizationUrl({ scope: 'ZohoCRM.modules.ALL', accessType: 'offline', prompt: 'consent', state: 's1' }));
  assert.equal(url.origin + url.pathname, 'https://accounts.zoho.eu/oauth/v2/auth');
  assert.deepEqual(Object.fromEntries(url.searchParams), {
    response_type: 'code', client_id: 'id', redirect_uri: 'https://app.example/cb',
    scope: 'ZohoCRM.modules.ALL', state: 's1', access_type: 'offline', prompt: 'consent',
  });
  assert.throws(() => new Connection({ c: { client_id: 'i', client_secret: 's', data_centre: 'mars' } }).getConnector('c'), { code: 'INVALID_ARGUMENT' });
});

test('authorization URL with PKCE, consent, and the code exchange that completes it', async () => {
  const mock = await startMockOAuth();
  try {
    const s = settings(mock.url, { authorize_url: mock.authorizeUrl, scope: 'read write' });
    const connector = new Connection({ svc: s }).getConnector('svc');
    const codeVerifier = createCodeVerifier();
    assert.match(codeVerifier, /^[A-Za-z0-9_-]{43}$/);
    const consent = await fetch(connector.getAuthorizationUrl({ state: 'xyz', codeVerifier }), { redirect: 'manual' });
    assert.equal(consent.status, 302);
    const back = new URL(consent.headers.get('location'));
    assert.equal(back.origin + back.pathname, s.redirect_url);
    assert.equal(back.searchParams.get('state'), 'xyz');
    const code = back.searchParams.get('code');
    await assert.rejects(connector.generateAccessToken(code, { codeVerifier: createCodeVerifier() }), /invalid_grant/, 'a wrong verifier is refused');
    const token = await connector.generateAccessToken(code, { codeVerifier });
    assert.match(token, /^at-/);
    assert.equal(connector.refreshToken, `rt-from-${code}`);
    assert.equal(mock.state.requests.at(-1).form.get('code_verifier'), codeVerifier);
  } finally {
    await mock.close();
  }
});

test('a rotated refresh token is used from then on, stored, and announced', async () => {
  const mock = await startMockOAuth({ rotate: true });
  try {
    const store = mapStore();
    const events = [];
    const s = settings(mock.url, { secret_key: 'k' });
    const connector = new Connection({ c: s }, { store, onTokens: (e) => events.push(e) }).getConnector('c');
    await connector.getAccessToken();
    await connector.refreshAccessToken();
    await new Promise((resolve) => setImmediate(resolve)); // the listener runs on the next turn
    const forms = mock.state.requests.map((r) => r.form.get('refresh_token'));
    assert.deepEqual(forms, [s.refresh_token, 'rt-rotated-1']);
    assert.deepEqual(events.map((e) => [e.connectorName, e.refreshToken]), [['c', 'rt-rotated-1'], ['c', 'rt-rotated-2']]);
    const stored = JSON.parse(await eventually(() => store.entries.get(`${jsCacheKey('c', s)}:refresh_token`)));
    assert.ok(!JSON.stringify(stored).includes('rt-rotated'), 'sealed with the secret key');
    assert.equal(connector.stats().rotations, 2);
  } finally {
    await mock.close();
  }
});

const redisOptions = redisSuite('the rotation test with Redis').options;
test('processes sharing Redis never lose a rotation: 4 x 3 forced refreshes, no invalid_grant', redisOptions, async () => {
  const mock = await startMockOAuth({ rotate: true });
  const redis = await startRedis();
  try {
    const json = { c: settings(mock.url) };
    const results = await Promise.all([1, 2, 3, 4].map(() => runChild(`
      const { Connection } = require(${packageRoot});
      const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(redis.url)} }).getConnector('c');
      (async () => {
        for (let i = 0; i < 3; i++) await c.refreshAccessToken();
        console.log('ok');
      })().catch((e) => console.log(e.code + ' ' + e.message));`)));
    for (const r of results) assert.equal(r.out.trim(), 'ok', r.out + r.err);
    assert.equal(mock.count, 12);
    assert.equal(mock.state.requests.filter((r) => r.rejected).length, 0);
  } finally {
    await redis.stop();
    await mock.close();
  }
});

test('fetch() adds the header, resolves against api_domain, and refreshes once on a rejected token', async () => {
  const mock = await startMockOAuth({ apiDomain: 'self' });
  try {
    const connector = new Connection({ c: settings(mock.url) }).getConnector('c');
    const ok = await connector.fetch('/api/records?page=1');
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { data: [] });
    assert.match(mock.state.apiRequests.at(-1).authorization, /^Bearer at-1$/);

    for (const path of ['/api/records', '/api/zoho/records']) {
      mock.state.expiries.clear(); // the provider forgets every token
      const before = mock.count;
      const retried = await connector.fetch(path, { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } });
      assert.equal(retried.status, 200, path);
      assert.equal(mock.count - before, 1, `${path}: one refresh`);
    }
    mock.state.expiries.clear();
    const before = mock.count;
    const streamed = await connector.fetch('/api/records', { method: 'POST', body: Readable.toWeb(Readable.from(['x'])), duplex: 'half' });
    assert.equal(streamed.status, 401, 'a stream body is not replayed');
    assert.equal(mock.count, before);

    // A token read from a shared store carries no api_domain: the setting fills in.
    const store = mapStore();
    const s = settings(mock.url, { api_domain: mock.apiUrl.replace(/\/api$/, '') });
    await new Connection({ c: s }, { store }).getConnector('c').getAccessToken();
    // The write finishes after the caller has its token.
    assert.ok(await eventually(() => store.entries.get(jsCacheKey('c', s))), 'written to the store');
    const again = new Connection({ c: { ...s, refresh_in: 3000 } }, { store }).getConnector('c'); // another slot, same key
    const before2 = mock.count;
    assert.equal((await again.fetch('/api/records')).status, 200);
    assert.equal(mock.count, before2, 'the stored token was used');

    const zoho = new Connection({ c: settings(mock.url, { authorization_scheme: 'Zoho-oauthtoken' }) }).getConnector('c');
    await zoho.fetch(`${mock.apiUrl}/x`);
    assert.match(mock.state.apiRequests.at(-1).authorization, /^Zoho-oauthtoken /);
  } finally {
    await mock.close();
  }
});

test('invalidate() makes the next call refresh; revoke() revokes and clears everything', async () => {
  const mock = await startMockOAuth();
  try {
    const store = mapStore();
    const s = settings(mock.url, { revoke_url: mock.revokeUrl });
    const connector = new Connection({ c: s }, { store }).getConnector('c');
    const first = await connector.getAccessToken();
    assert.equal(connector.invalidate(), true);
    const second = await connector.getAccessToken();
    assert.notEqual(second, first, 'not taken back from the store');
    assert.equal(connector.invalidate(first), false, 'an old token is not current');

    await connector.revoke();
    assert.deepEqual(mock.state.revoked, [s.refresh_token]);
    assert.equal(connector.accessToken, null);
    assert.equal(store.entries.size, 0);
    await assert.rejects(connector.getAccessToken(), /invalid_grant/);
    const noRevoke = new Connection({ c: settings(mock.url) }).getConnector('c');
    await assert.rejects(noRevoke.revoke(), { code: 'app/INVALID_ARGUMENT' });
  } finally {
    await mock.close();
  }
});
