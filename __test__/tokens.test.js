'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Connection } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');

let mock;
const server = async () => (mock ??= await startMockOAuth({ delayMs: 30 }));
after(() => mock && mock.close());

test('1000 concurrent cold calls made the per-request way cause exactly one token request', async () => {
  const { url, state } = await server();
  const before = state.requests.length;
  const json = { crm: settings(url) };
  const calls = Array.from({ length: 1000 }, () => new Connection(json).getConnector('crm').getAccessToken());
  const tokens = await Promise.all(calls);
  assert.equal(state.requests.length - before, 1);
  assert.equal(new Set(tokens).size, 1);
  const stats = new Connection(json).getConnector('crm').stats();
  assert.equal(stats.tokenRequests, 1);
  assert.equal(stats.misses, 1000);
});

test('the refresh request is a form POST with the four fields', async () => {
  const { url, state } = await server();
  const entry = settings(url);
  await new Connection({ c: entry }).getConnector('c').getAccessToken();
  const request = state.requests.at(-1);
  assert.equal(request.method, 'POST');
  assert.match(request.headers['content-type'], /application\/x-www-form-urlencoded/);
  assert.deepEqual(Object.fromEntries(request.form), {
    grant_type: 'refresh_token',
    client_id: entry.client_id,
    client_secret: entry.client_secret,
    refresh_token: entry.refresh_token,
  });
});

test('separate Connection objects with the same settings share one cached token', async () => {
  const { url, state } = await server();
  const entry = settings(url);
  const first = await new Connection({ crm: entry }).getConnector('crm').getAccessToken();
  const before = state.requests.length;
  const second = await new Connection({ crm: { ...entry } }).getConnector('crm').getAccessToken();
  assert.equal(second, first);
  assert.equal(state.requests.length, before);
  const connector = new Connection({ crm: entry }).getConnector('crm');
  assert.equal(connector.accessToken, first);
  assert.ok(connector.stats().hits >= 1);
});

test('expiry is now + expires_in less 15 minutes, or now + refresh_in', async () => {
  const { url } = await server();
  const plain = new Connection({ c: settings(url) }).getConnector('c');
  let start = Date.now();
  await plain.getAccessToken();
  assert.ok(Math.abs(plain.expiresAt - (start + 3600_000 - 900_000)) < 1000);
  assert.equal(plain.expiresIn, 3600);
  const timed = new Connection({ c: settings(url, { refresh_in: 120 }) }).getConnector('c');
  start = Date.now();
  await timed.getAccessToken();
  assert.ok(Math.abs(timed.expiresAt - (start + 120_000)) < 1000);
});

test('a short-lived token is not born expired: 600 s keeps half its life', async () => {
  const mockShort = await startMockOAuth({ expiresIn: 600 });
  try {
    const connector = new Connection({ c: settings(mockShort.url) }).getConnector('c');
    const start = Date.now();
    const a = await connector.getAccessToken();
    const b = await connector.getAccessToken();
    assert.equal(a, b);
    assert.equal(mockShort.count, 1);
    assert.ok(Math.abs(connector.expiresAt - (start + 300_000)) < 1000);
  } finally {
    await mockShort.close();
  }
});

test('an expired token is refreshed once; expires_in as a string and expires_in_sec are understood', async () => {
  let answer = { access_token: 'first', expires_in: '1' };
  const m = await startMockOAuth({ respond: () => ({ json: answer }) });
  try {
    const connector = new Connection({ c: settings(m.url) }).getConnector('c');
    assert.equal(await connector.getAccessToken(), 'first');
    assert.equal(connector.expiresIn, 1);
    answer = { access_token: 'second', expires_in: 3600000, expires_in_sec: 3600 };
    await new Promise((r) => setTimeout(r, 600)); // half of one second: the token has expired
    assert.equal(await connector.getAccessToken(), 'second');
    assert.equal(connector.expiresIn, 3600);
    assert.equal(m.count, 2);
  } finally {
    await m.close();
  }
});

test('refreshAccessToken always asks the provider and resolves to undefined', async () => {
  const { url, state } = await server();
  const connector = new Connection({ c: settings(url) }).getConnector('c');
  const first = await connector.getAccessToken();
  const before = state.requests.length;
  assert.equal(await connector.refreshAccessToken(), undefined);
  assert.equal(state.requests.length, before + 1);
  assert.notEqual(connector.accessToken, first);
  assert.equal(await connector.getAccessToken(), connector.accessToken);
});

test('refreshAndPersistToken resolves to the new token; putAccessTokenInCache gives the JS entry', async () => {
  const { url } = await server();
  const connector = new Connection({ crm: settings(url) }).getConnector('crm');
  await assert.rejects(connector.putAccessTokenInCache(), { code: 'app/NO_ACCESS_TOKEN' });
  const token = await connector.refreshAndPersistToken();
  assert.equal(token, connector.accessToken);
  const entry = await connector.putAccessTokenInCache();
  assert.match(entry.cache_name, /^ZC_CONN_crm:[0-9a-f]{5}$/);
  // The JS package's fields in its order, then the writer's strong fingerprint.
  const { zc_fp: fingerprint, ...jsFields } = JSON.parse(entry.cache_value);
  assert.equal(JSON.stringify(jsFields), JSON.stringify({ access_token: token, expiry_in_seconds: 3600, expires_at: connector.expiresAt }));
  assert.match(fingerprint, /^[0-9a-f]{32}$/);
  assert.equal(entry.expiry_in_hours, 1);
});

test('the cache key matches the JS package fingerprint', async () => {
  const { url } = await server();
  const entry = settings(url);
  const connector = new Connection({ crm: entry }).getConnector('crm');
  await connector.getAccessToken();
  const configStr = [entry.refresh_token, entry.client_id, entry.client_secret, entry.auth_url, entry.refresh_url, entry.redirect_url]
    .filter(Boolean).join(':');
  let s = 0;
  for (let i = 0; i < configStr.length; i++) s = (s * 31 + configStr.charCodeAt(i)) | 0;
  const expected = (((31 + s) | 0) >>> 0 & 0xfffff).toString(16).padStart(5, '0');
  assert.equal((await connector.putAccessTokenInCache()).cache_name, `ZC_CONN_crm:${expected}`);
});

test('a setter drops the connector\'s cached token', async () => {
  const { url, state } = await server();
  const connector = new Connection({ c: settings(url) }).getConnector('c');
  const first = await connector.getAccessToken();
  connector.refreshToken = `changed-${Date.now()}`;
  assert.equal(connector.accessToken, null);
  const before = state.requests.length;
  const second = await connector.getAccessToken();
  assert.notEqual(second, first);
  assert.equal(state.requests.length, before + 1);
  assert.equal(state.requests.at(-1).form.get('refresh_token'), connector.refreshToken);
  assert.throws(() => { connector.clientId = ''; }, { code: 'INVALID_ARGUMENT' });
  assert.equal(connector.clientId, '1000.CLIENTID');
});

test('generateAccessToken sends redirect_uri and redirect_url and adopts the new refresh token', async () => {
  const { url, state } = await server();
  const connector = new Connection({ c: settings(url) }).getConnector('c');
  const token = await connector.generateAccessToken('grant-code-1');
  const form = state.requests.at(-1).form;
  assert.equal(form.get('grant_type'), 'authorization_code');
  assert.equal(form.get('code'), 'grant-code-1');
  assert.equal(form.get('redirect_uri'), 'https://app.example.com/callback');
  assert.equal(form.get('redirect_url'), 'https://app.example.com/callback');
  assert.equal(connector.refreshToken, 'rt-from-grant-code-1');
  assert.equal(connector.accessToken, token);
  assert.equal(await connector.getAccessToken(), token);
});

test('generateAccessToken needs a code and a redirect URL', async () => {
  const { url } = await server();
  const connector = new Connection({ c: settings(url) }).getConnector('c');
  await assert.rejects(connector.generateAccessToken(''), { code: 'app/INVALID_ARGUMENT' });
  await assert.rejects(connector.generateAccessToken(undefined), { code: 'app/INVALID_ARGUMENT' });
  const noRedirect = new Connection({ c: settings(url, { redirect_url: undefined }) }).getConnector('c');
  await assert.rejects(noRedirect.generateAccessToken('code'), /redirect_url/);
});

test('a code answer without refresh_token is rejected', async () => {
  const m = await startMockOAuth({ respond: () => ({ json: { access_token: 'a', expires_in: 3600 } }) });
  try {
    const connector = new Connection({ c: settings(m.url) }).getConnector('c');
    await assert.rejects(connector.generateAccessToken('code'), {
      code: 'app/INVALID_ARGUMENT',
      message: 'Value for property refresh_token cannot be null or undefined in auth_response object',
    });
  } finally {
    await m.close();
  }
});
