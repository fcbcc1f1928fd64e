'use strict';
// zcrmsdk beyond the legacy: our own token stores (memory, file, Redis) through
// the `token_store` key, bounded waits on a store that never answers, the
// token answer's api_domain, URL rules, and refresh-ahead through the engine.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const zcrm = require('../zcrmsdk.js');
const { startMockZoho, CLIENT_ID, CLIENT_SECRET, REDIRECT_URL } = require('./helpers/mock-zoho');
const { runScenario } = require('./helpers/zcrm');
const { redisSuite, startRedis } = require('./helpers/redis');

let mock;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcrm-stores-'));
before(async () => { mock = await startMockZoho(); });
after(async () => {
  await zcrm.close();
  await mock.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function config(extra = {}) {
  return { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_url: REDIRECT_URL, iamurl: mock.httpOrigin, base_url: mock.httpOrigin, ...extra };
}

/** Saves a user through one process, then a second process calls the API with no token request. */
async function sharedAcrossProcesses(tokenStore) {
  mock.reset();
  const rt = mock.refreshToken('gina');
  const first = await runScenario('ours', { config: config({ token_store: tokenStore }), steps: [{ fn: 'generateAuthTokenfromRefreshToken', args: ['gina', rt] }] });
  assert.equal(first.results[1].resolved.object.refresh_token, rt);
  assert.equal(mock.state.tokenRequests.length, 1);
  const second = await runScenario('ours', { config: config({ token_store: tokenStore, user_identifier: 'gina' }), steps: [{ call: 'API.MODULES.get', input: { module: 'Leads' } }] });
  assert.equal(second.results[1].resolved.statusCode, 200);
  assert.equal(mock.state.tokenRequests.length, 1, 'the second process used the stored token');
  assert.equal(mock.state.apiRequests[0].authorization, `Zoho-oauthtoken ${first.results[1].resolved.object.access_token}`);
}

test('token_store file:///…: rows shared by processes, in a 0600 file', async () => {
  const file = path.join(dir, 'tokens.json');
  await sharedAcrossProcesses(pathToFileURL(file).href);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(data.format, 'zcrmsdk-tokens/1');
  assert.deepEqual(Object.keys(data.users), ['gina']);
});

const redis = redisSuite('zcrmsdk Redis token store');
test('token_store redis://…: rows shared by processes', redis.options, async () => {
  const server = await startRedis();
  try {
    await sharedAcrossProcesses(server.url);
    assert.ok(JSON.parse(await server.command('GET', 'zcrmsdk:oauthtokens:gina')).refresh_token);
  } finally {
    await server.stop();
  }
});

test('token_store memory:, an expired token refreshed once for concurrent calls, and an unknown user', async () => {
  await zcrm.initialize(config({ token_store: 'memory:' }));
  mock.reset();
  await zcrm.generateAuthTokenfromRefreshToken('hal', mock.refreshToken('hal'));
  const results = await Promise.all(Array.from({ length: 20 }, () => zcrm.API.ORG.get({})));
  assert.ok(results.every((r) => r.statusCode === 200));
  assert.equal(mock.state.tokenRequests.length, 1, 'the token of generate* is served from memory');
  await assert.rejects(zcrm.API.ORG.get({ user_identifier: 'nobody' }), { code: 'zcrmsdk/UNKNOWN_USER' });
  assert.equal(mock.state.apiRequests.length, 20);
});

test('a tokenmanagement object that never answers: the call rejects within timeout_ms', async () => {
  const never = { getOAuthTokens: () => new Promise(() => {}), saveOAuthTokens: async () => {}, updateOAuthTokens: async () => {} };
  await zcrm.initialize(config({ tokenmanagement: never, user_identifier: 'ivy', timeout_ms: 300 }));
  const started = Date.now();
  await assert.rejects(zcrm.API.MODULES.get({ module: 'Leads' }), { code: 'zcrmsdk/STORE_TIMEOUT' });
  assert.ok(Date.now() - started < 2000);
});

test('a store given as an object that throws synchronously rejects with a code', async () => {
  const broken = { getOAuthTokens() { throw new Error('boom'); }, saveOAuthTokens: async () => {}, updateOAuthTokens: async () => {} };
  await zcrm.initialize(config({ tokenmanagement: broken, user_identifier: 'ivy' }));
  await assert.rejects(zcrm.API.MODULES.get({ module: 'Leads' }), { code: 'zcrmsdk/STORE_ERROR', message: /boom/ });
  await assert.rejects(zcrm.initialize(config({ tokenmanagement: { getOAuthTokens() {} } })), { code: 'zcrmsdk/INVALID_CONFIG' });
  await assert.rejects(zcrm.initialize(config({ tokenmanagement: './no/such/module.js' })), { code: 'zcrmsdk/INVALID_CONFIG' });
});

test('without base_url, calls go to the api_domain of the token answer', async () => {
  const withDomain = await startMockZoho({ apiDomain: true });
  try {
    await zcrm.initialize({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_url: REDIRECT_URL, iamurl: withDomain.httpOrigin, token_store: 'memory:' });
    await zcrm.generateAuthTokens('jo', withDomain.grant('jo'));
    const result = await zcrm.API.MODULES.get({ module: 'Leads' });
    assert.equal(result.statusCode, 200);
    assert.equal(withDomain.state.apiRequests[0].label, 'jo');
  } finally {
    await withDomain.close();
  }
});

test('URLs: host[:port] means https; full origins accepted; plain http only for loopback', async () => {
  await zcrm.initialize(config({ token_store: 'memory:', iamurl: 'accounts.zoho.eu', base_url: 'www.zohoapis.eu:443' }));
  assert.equal(zcrm.getIAMUrl(), 'accounts.zoho.eu');
  for (const bad of [{ iamurl: 'http://accounts.zoho.com' }, { base_url: 'ftp://x' }, { base_url: 'https://www.zohoapis.com/crm' }]) {
    await assert.rejects(zcrm.initialize(config({ token_store: 'memory:', ...bad })), { code: 'zcrmsdk/INVALID_CONFIG' }, JSON.stringify(bad));
  }
});

test('errors name no secret', async () => {
  await zcrm.initialize(config({ token_store: 'memory:' }));
  mock.state.tokenFailure = () => ({ status: 400, json: { error: 'invalid_client' } });
  const error = await zcrm.generateAuthTokenfromRefreshToken('kim', '1000.secret-refresh-token').catch((e) => e);
  mock.state.tokenFailure = null;
  assert.equal(error.code, 'app/OAUTH_ERROR');
  const text = `${error.message} ${JSON.stringify(error)}`;
  assert.ok(!text.includes(CLIENT_SECRET) && !text.includes('1000.secret-refresh-token'));
});

test('refresh ahead: a busy user\'s short-lived token is renewed by the engine; no call goes out with an expired token', async () => {
  const short = await startMockZoho({ expiresIn: 2 });
  try {
    await zcrm.initialize({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_url: REDIRECT_URL, iamurl: short.httpOrigin, base_url: short.httpOrigin, token_store: 'memory:' });
    await zcrm.generateAuthTokenfromRefreshToken('lee', short.refreshToken('lee'));
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      const result = await zcrm.API.ORG.get({});
      assert.equal(result.statusCode, 200, 'never an expired token');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(short.state.tokenRequests.length >= 3, `refreshed ${short.state.tokenRequests.length} times`);
    assert.ok(short.state.apiRequests.every((r) => r.valid));
  } finally {
    await short.close();
  }
});

test('a refresh token refused after another process saved a new grant: the row is read again and its token used', async () => {
  const short = await startMockZoho({ expiresIn: 2 });
  const store = pathToFileURL(path.join(dir, 'regrant.json')).href;
  try {
    const settings = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_url: REDIRECT_URL, iamurl: short.httpOrigin, base_url: short.httpOrigin, token_store: store };
    await zcrm.initialize(settings);
    const first = short.refreshToken('max');
    await zcrm.generateAuthTokenfromRefreshToken('max', first);
    const second = short.refreshToken('max');
    const other = await runScenario('ours', { config: settings, steps: [{ fn: 'generateAuthTokenfromRefreshToken', args: ['max', second] }] });
    assert.equal(other.results[1].resolved.object.refresh_token, second);
    short.state.refreshTokens.delete(first); // the old grant is gone at Zoho
    await new Promise((resolve) => setTimeout(resolve, 2100));
    short.reset();
    const result = await zcrm.API.ORG.get({ user_identifier: 'max' });
    assert.equal(result.statusCode, 200);
    assert.equal(short.state.apiRequests[0].label, 'max');
    assert.ok(short.state.apiRequests[0].valid);
    const used = short.state.tokenRequests.map((r) => r.params.refresh_token);
    assert.ok(used.includes(first), 'the old grant was tried and refused');
    assert.equal(used.at(-1), second, 'then the grant the other process saved');
  } finally {
    await short.close();
  }
});

test('tokenmanagement as a package name, resolved from the working directory', async () => {
  const app = path.join(dir, 'app');
  fs.mkdirSync(path.join(app, 'node_modules', 'my-token-store'), { recursive: true });
  fs.writeFileSync(path.join(app, 'node_modules', 'my-token-store', 'index.js'), `
    const rows = {};
    module.exports = {
      getOAuthTokens: async (u) => rows[u] || [],
      saveOAuthTokens: async (o) => { rows[o.user_identifier] = o; },
      updateOAuthTokens: async (o) => { Object.assign(rows[o.user_identifier], o); },
    };`);
  mock.reset();
  const out = await runScenario('ours', {
    config: config({ tokenmanagement: 'my-token-store' }),
    steps: [{ fn: 'generateAuthTokenfromRefreshToken', args: ['nia', mock.refreshToken('nia')] }, { call: 'API.ORG.get', input: {} }],
  }, { cwd: app });
  assert.equal(out.results[2].resolved.statusCode, 200);
  assert.equal(mock.state.apiRequests[0].label, 'nia');
});

test('HTTPS_PROXY: API calls tunnel through the proxy (as the legacy\'s request did) and send and resolve the same', async () => {
  const { startConnectProxy } = require('./helpers/tls');
  const secure = await startMockZoho({ https: true });
  const proxy = await startConnectProxy();
  try {
    const steps = [
      { fn: 'generateAuthTokenfromRefreshToken', args: ['oli', secure.refreshToken('oli')] },
      { call: 'API.MODULES.search', input: { module: 'Leads', params: { word: 'a b&c' } } },
      { call: 'API.MODULES.post', input: { module: 'Leads', body: { data: [{ Last_Name: 'Ünï' }] } } },
      { call: 'API.ATTACHMENTS.uploadFile', input: { module: 'Leads', id: '1' }, file: { bytes: Buffer.from('bytes\u00ff').toString('base64') } },
      { call: 'API.ATTACHMENTS.downloadPhoto', input: { module: 'Leads', id: '1' } },
      { call: 'API.MODULES.get', input: { module: 'Empty' } },
    ];
    const scenario = {
      config: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_url: REDIRECT_URL, iamurl: secure.httpOrigin, base_url: secure.httpsHost, token_store: 'memory:' },
      steps,
    };
    const noProxy = { HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '', NO_PROXY: '', no_proxy: '', SSL_CERT_FILE: '', NODE_EXTRA_CA_CERTS: secure.certFile };
    const seen = () => secure.state.apiRequests.splice(0).map((r) => ({
      method: r.method, path: r.path, query: r.rawQuery, token: r.label, multipart: Boolean(r.contentType && r.contentType.startsWith('multipart/')),
      body: r.contentType && r.contentType.startsWith('multipart/') ? r.body.toString('latin1').split(/-{26}\d{24}/).join('B') : r.body.toString('utf8'),
      chunked: r.transferEncoding === 'chunked',
    }));
    const direct = await runScenario('ours', scenario, { env: noProxy });
    const directRequests = seen();
    assert.equal(proxy.tunnels.length, 0);
    const proxied = await runScenario('ours', scenario, { env: { ...noProxy, HTTPS_PROXY: proxy.url } });
    const proxiedRequests = seen();
    assert.ok(proxy.tunnels.length >= 1 && proxy.tunnels.every((t) => t === secure.httpsHost), 'the API calls went through the proxy (kept-alive tunnels)');
    assert.deepEqual(proxiedRequests, directRequests);
    assert.deepEqual(proxied.results.slice(2), direct.results.slice(2));
    assert.equal(direct.results[5].resolved.filename, 'photo.png');
    assert.deepEqual(direct.results[6], { resolved: { string: '{"message":"no data","status_code":"204"}' } });
    assert.ok(directRequests[2].chunked && directRequests[2].multipart);
  } finally {
    await proxy.close();
    await secure.close();
  }
});
