'use strict';
// zcatalyst-connector-rs/zcrmsdk side by side with the legacy Zoho CRM SDK
// (zcrmsdk 0.0.20, installed into __test__/legacy): the same scenarios run
// through both, in processes of their own, against one local mock Zoho (the
// legacy over HTTPS with a throwaway certificate, ours over plain HTTP to
// 127.0.0.1), comparing the requests the mock saw and the values resolved.
// Then the legacy bugs we fix, each asserted on both: ours passes, the
// legacy fails the same assertion.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMockZoho, CLIENT_ID, CLIENT_SECRET, REDIRECT_URL } = require('./helpers/mock-zoho');
const { ensureLegacy, runScenario, rowsFile, ROWS_MODULE } = require('./helpers/zcrm');

let mock;
let rows;
before(async () => {
  ensureLegacy();
  mock = await startMockZoho({ https: true });
  rows = rowsFile();
});
after(async () => {
  await mock.close();
  rows.remove();
});

const HOUR = 3_600_000;

function baseConfig(impl, extra = {}) {
  const host = impl === 'legacy' ? mock.httpsHost : mock.httpOrigin;
  return { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_url: REDIRECT_URL, iamurl: host, base_url: host, tokenmanagement: ROWS_MODULE, ...extra };
}

/** A row for `label` whose access token is valid (or expired, with `expired`). */
function row(label, { expired = false } = {}) {
  return {
    access_token: mock.accessToken(label, expired ? -10 : 3600),
    refresh_token: mock.refreshToken(label),
    expires_in: Date.now() + (expired ? -1000 : HOUR),
  };
}

/** Runs `scenario(impl)` through `impl` with fresh rows; returns the output and what the mock and the rows module saw. */
async function run(impl, scenario, { seed = {}, env = {}, cwd } = {}) {
  rows.reset(typeof seed === 'function' ? seed() : seed);
  mock.reset();
  const output = await runScenario(impl, scenario(impl), {
    cwd,
    env: { NODE_EXTRA_CA_CERTS: mock.certFile, ZCRM_ROWS_FILE: rows.file, ...env },
  });
  return {
    ...output,
    api: mock.state.apiRequests.slice(),
    token: mock.state.tokenRequests.slice(),
    store: rows.read(),
  };
}

async function both(scenario, options) {
  const legacy = await run('legacy', scenario, options);
  const ours = await run('ours', scenario, options);
  return { legacy, ours };
}

/** The multipart body as `{ headers, content }` of its one part, boundary-free. */
function multipart(request) {
  const boundary = /boundary=(.*)$/.exec(request.contentType)[1];
  assert.match(boundary, /^-{26}\d{24}$/, 'form-data boundary shape');
  const text = request.body.toString('latin1');
  assert.ok(text.startsWith(`--${boundary}\r\n`) && text.endsWith(`\r\n--${boundary}--\r\n`), 'one part, closed');
  const inner = text.slice(boundary.length + 4, -(boundary.length + 8));
  const split = inner.indexOf('\r\n\r\n');
  return { headers: inner.slice(0, split), content: inner.slice(split + 4), chunked: request.transferEncoding === 'chunked' };
}

/**
 * The raw query without what the legacy added by accident (a trailing `&`,
 * `module=undefined`, which ours need not copy); order and encoding kept.
 */
function query(raw) {
  return raw.split('&').filter((pair) => pair !== '' && pair !== 'module=undefined').join('&');
}

/** What must match between the two implementations for one API request. */
function comparable(request) {
  const out = {
    method: request.method,
    path: request.path,
    query: query(request.rawQuery),
    token: request.authorization && request.authorization.startsWith('Zoho-oauthtoken ') ? request.label : request.authorization,
    userAgent: request.userAgent,
    extraHeader: request.extraHeader,
  };
  if (request.contentType && request.contentType.startsWith('multipart/')) out.multipart = multipart(request);
  else out.body = request.body.toString('utf8');
  return out;
}

const upload = path.join(os.tmpdir(), `zcrm-upload-${process.pid}.txt`);
fs.writeFileSync(upload, 'hello from a file\n');

// Every operation of the legacy API tree, with the inputs a legacy app passes.
const OPERATIONS = [
  { call: 'API.ORG.get', input: {} },
  { call: 'API.MODULES.get', input: { module: 'Leads', params: { page: 1, per_page: 5, fields: 'Last_Name,Email' } } },
  { call: 'API.MODULES.get', input: { module: 'Leads', id: '4150868000001', headers: { 'X-Extra': 'kept' } } },
  { call: 'API.MODULES.post', input: { module: 'Leads', body: { data: [{ Last_Name: 'Ünïcode', Company: 'Acme' }] } } },
  { call: 'API.MODULES.put', input: { module: 'Leads', id: '4150868000001', body: { data: [{ Last_Name: 'Changed' }] } } },
  { call: 'API.MODULES.delete', input: { module: 'Leads', id: '4150868000001', body: { ignored: true } } },
  { call: 'API.MODULES.getAllDeletedRecords', input: { module: 'Leads' } },
  { call: 'API.MODULES.getAllDeletedRecords', input: { module: 'Leads', params: { page: 2 } } },
  { call: 'API.MODULES.getRecycleBinRecords', input: { module: 'Leads' } },
  { call: 'API.MODULES.getPermanentlyDeletedRecords', input: { module: 'Leads' } },
  { call: 'API.MODULES.search', input: { module: 'Contacts', params: { criteria: '(Email:equals:a@b.com)' } } },
  { call: 'API.SETTINGS.getFields', input: { module: 'Leads' } },
  { call: 'API.SETTINGS.getLayouts', input: { module: 'Leads', id: '77' } },
  { call: 'API.SETTINGS.getCustomViews', input: { module: 'Leads' } },
  { call: 'API.SETTINGS.updateCustomViews', input: { module: 'Leads', id: '88', body: { custom_views: [{ sort_by: 'Email' }] } } },
  { call: 'API.SETTINGS.getModules', input: {} },
  { call: 'API.SETTINGS.getModules', input: { module: 'Leads' } },
  { call: 'API.SETTINGS.getRoles', input: { id: '5' } },
  { call: 'API.SETTINGS.getProfiles', input: { params: { page: 1 } } },
  { call: 'API.SETTINGS.getRelatedLists', input: { module: 'Accounts' } },
  { call: 'API.ACTIONS.convert', input: { id: '99', body: { data: [{ overwrite: true }] } } },
  { call: 'API.USERS.get', input: { params: { type: 'AllUsers' } } },
  { call: 'API.USERS.get', input: { id: '1234' } },
  { call: 'API.ATTACHMENTS.uploadFile', input: { module: 'Leads', id: '42' }, file: { path: upload } },
  { call: 'API.ATTACHMENTS.uploadFile', input: { module: 'Leads', id: '42' }, file: { bytes: Buffer.from([0, 1, 2, 255]).toString('base64') } },
  { call: 'API.ATTACHMENTS.uploadLink', input: { module: 'Leads', id: '42', params: { attachmentUrl: 'https://example.com/doc' } } },
  { call: 'API.ATTACHMENTS.downloadFile', input: { module: 'Leads', id: '42', relatedId: '7' } },
  { call: 'API.ATTACHMENTS.deleteFile', input: { module: 'Leads', id: '42', relatedId: '7' } },
  { call: 'API.ATTACHMENTS.uploadPhoto', input: { module: 'Contacts', id: '43' }, file: { path: upload } },
  { call: 'API.ATTACHMENTS.downloadPhoto', input: { module: 'Contacts', id: '43' } },
  { call: 'API.ATTACHMENTS.deletePhoto', input: { module: 'Contacts', id: '43' } },
  { call: 'API.FUNCTIONS.executeFunctionsInGet', input: { api_name: 'score_lead', params: { lead: '42' } } },
  { call: 'API.FUNCTIONS.executeFunctionsInPost', input: { api_name: 'score_lead', body: { arguments: { x: 1 } } } },
  { call: 'API.MODULES.get', input: { module: 'Empty' } },
  { call: 'API.MODULES.get', input: { module: 'Missing' } },
];

test('every operation of the API tree sends what the legacy sends and resolves what it resolves', async () => {
  const scenario = (impl) => ({ config: baseConfig(impl, { user_identifier: 'alice' }), steps: OPERATIONS });
  const { legacy, ours } = await both(scenario, { seed: () => ({ alice: row('alice') }) });
  assert.deepEqual(legacy.uncaught, []);
  assert.deepEqual(ours.uncaught, []);
  assert.equal(ours.api.length, OPERATIONS.length);
  assert.equal(legacy.api.length, OPERATIONS.length);
  for (let i = 0; i < OPERATIONS.length; i++) {
    const label = `${OPERATIONS[i].call} ${JSON.stringify(OPERATIONS[i].input)}`;
    assert.deepEqual(comparable(ours.api[i]), comparable(legacy.api[i]), label);
    assert.deepEqual(ours.results[i + 1], legacy.results[i + 1], label);
  }
  assert.equal(ours.token.length, 0, 'a valid stored token is used as it is');
  // Spot checks of what was compared.
  const part = comparable(ours.api[23]).multipart;
  assert.equal(part.headers, `Content-Disposition: form-data; name="file"; filename="${path.basename(upload)}"\r\nContent-Type: text/plain`);
  assert.equal(part.content, 'hello from a file\n');
  assert.ok(part.chunked);
  assert.equal(comparable(ours.api[24]).multipart.headers, 'Content-Disposition: form-data; name="file"\r\nContent-Type: application/octet-stream');
  assert.deepEqual(ours.results[27].resolved.filename, 'Quote.txt');
  assert.equal(ours.results[27].resolved.body, Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9, 0x00, 0xff]).toString('latin1'));
  assert.equal(ours.results[30].resolved.filename, 'photo.png');
  assert.deepEqual(ours.results[34], { resolved: { string: '{"message":"no data","status_code":"204"}' } });
  assert.equal(ours.results[35].resolved.statusCode, 404, 'any status resolves');
  assert.equal(ours.api[31].rawQuery, 'lead=42&auth_type=oauth');
  assert.equal(ours.api[7].rawQuery, 'page=2&type=all');
});

test('getRecycleBinRecords / getPermanentlyDeletedRecords with params send their type (the legacy dropped it)', async () => {
  const steps = [
    { call: 'API.MODULES.getRecycleBinRecords', input: { module: 'Leads', params: { page: 2 } } },
    { call: 'API.MODULES.getPermanentlyDeletedRecords', input: { module: 'Leads', params: { page: 3 } } },
  ];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'alice' }), steps }), { seed: () => ({ alice: row('alice') }) });
  assert.deepEqual(ours.api.map((r) => r.rawQuery), ['page=2&type=recycle', 'page=3&type=permanent']);
  assert.deepEqual(legacy.api.map((r) => r.rawQuery), ['page=2&', 'page=3&']);
});

test('query values are encoded: & # + = and spaces arrive as sent (the legacy split and truncated them)', async () => {
  const params = { word: 'a b&c#d', plus: '1+1=2', pct: '100%' };
  const steps = [{ call: 'API.MODULES.search', input: { module: 'Leads', params } }];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'alice' }), steps }), { seed: () => ({ alice: row('alice') }) });
  assert.deepEqual(Object.fromEntries(ours.api[0].query), params);
  assert.notDeepEqual(Object.fromEntries(legacy.api[0].query), params);
});

test('an expired token: one refresh, the row updated with user and refresh token, then the call; token parameters in the form body, not the URL', async () => {
  const seed = () => ({ alice: row('alice', { expired: true }) });
  const steps = [{ call: 'API.MODULES.get', input: { module: 'Leads' } }, { call: 'API.MODULES.get', input: { module: 'Leads' } }];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'alice' }), steps }), { seed });
  for (const side of [legacy, ours]) {
    assert.equal(side.token.length, 1);
    assert.equal(side.token[0].params.grant_type, 'refresh_token');
    assert.equal(side.api.length, 2);
    assert.ok(side.api.every((r) => r.valid && r.label === 'alice'));
    assert.deepEqual(side.results.slice(1), legacy.results.slice(1));
    const updated = side.store.rows.alice;
    assert.equal(updated.access_token, side.api[0].authorization.replace('Zoho-oauthtoken ', ''));
    assert.ok(Math.abs(updated.expires_in - (Date.now() + HOUR)) < 60_000, 'expiry stored as epoch ms');
  }
  const update = ours.store.calls.find(([op]) => op === 'update')[1];
  assert.deepEqual(Object.keys(update), ['access_token', 'expires_in', 'user_identifier', 'refresh_token']);
  assert.equal(update.user_identifier, 'alice');
  // Secrets stay out of URLs: ours sends them in the body; the legacy fails this.
  const inBody = (side) => Object.keys(side.token[0].query).length === 0 && side.token[0].form.client_secret === CLIENT_SECRET
    && side.token[0].contentType === 'application/x-www-form-urlencoded';
  assert.ok(inBody(ours));
  assert.equal(inBody(legacy), false);
});

test('generateAuthTokens and generateAuthTokenfromRefreshToken resolve and save what the legacy does, and switch the current user', async () => {
  const steps = () => [
    { fn: 'generateAuthTokens', args: ['bob', mock.grant('bob')] },
    { call: 'API.MODULES.get', input: { module: 'Leads' } },
    { fn: 'generateAuthTokenfromRefreshToken', args: ['carol', mock.refreshToken('carol')] },
    { call: 'API.MODULES.get', input: { module: 'Leads' } },
  ];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl), steps: steps() }));
  for (const side of [legacy, ours]) {
    assert.deepEqual(side.results[1].resolved.keys, ['access_token', 'refresh_token', 'expires_in', 'user_identifier']);
    assert.equal(side.results[1].resolved.object.expires_in, 'now+60min');
    assert.deepEqual(side.results[3].resolved.keys, ['access_token', 'expires_in', 'user_identifier', 'refresh_token']);
    assert.deepEqual(side.api.map((r) => r.label), ['bob', 'carol']);
    assert.deepEqual(Object.keys(side.store.rows), ['bob', 'carol']);
    assert.deepEqual(side.store.calls.filter(([op]) => op === 'save').map(([, o]) => Object.keys(o).sort()),
      [['access_token', 'expires_in', 'refresh_token', 'user_identifier'], ['access_token', 'expires_in', 'refresh_token', 'user_identifier']]);
    assert.equal(side.getters.getUserIdentifier, 'carol');
  }
  assert.equal(ours.token[0].form.code !== undefined && ours.token[0].form.redirect_uri, REDIRECT_URL);
});

test('initialize() reads the properties files of the working directory with the legacy conversions', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcrm-props-'));
  fs.mkdirSync(path.join(dir, 'resources'));
  try {
    for (const impl of ['legacy', 'ours']) {
      const host = impl === 'legacy' ? mock.httpsHost : mock.httpOrigin;
      fs.writeFileSync(path.join(dir, 'resources', 'oauth_configuration.properties'),
        `# OAuth\n[zoho]\ncrm.clientid=${CLIENT_ID}\ncrm.clientsecret=${CLIENT_SECRET}\ncrm.redirecturl=${REDIRECT_URL}\ncrm.iamurl=${host}\n`);
      fs.writeFileSync(path.join(dir, 'resources', 'configuration.properties'),
        `[crm]\napi.url=${host}\napi.user_identifier=dave\napi.tokenmanagement=${ROWS_MODULE}\n[mysql]\nusername=crmuser\npassword=1234\n`);
    }
    const steps = [{ call: 'API.USERS.get', input: {} }];
    const legacyHost = mock.httpsHost;
    const outputs = {};
    for (const impl of ['legacy', 'ours']) {
      const host = impl === 'legacy' ? legacyHost : mock.httpOrigin;
      fs.writeFileSync(path.join(dir, 'resources', 'oauth_configuration.properties'),
        `# OAuth\n[zoho]\ncrm.clientid=${CLIENT_ID}\ncrm.clientsecret=${CLIENT_SECRET}\ncrm.redirecturl=${REDIRECT_URL}\ncrm.iamurl=${host}\n`);
      fs.writeFileSync(path.join(dir, 'resources', 'configuration.properties'),
        `[crm]\napi.url=${host}\napi.user_identifier=dave\napi.tokenmanagement=${ROWS_MODULE}\n[mysql]\nusername=crmuser\npassword=1234\n`);
      outputs[impl] = await run(impl, () => ({ config: null, steps }), { seed: () => ({ dave: row('dave') }), cwd: dir });
    }
    const { legacy, ours } = outputs;
    for (const side of [legacy, ours]) {
      assert.deepEqual(side.results[0], { resolved: { value: '(undefined)' } });
      assert.equal(side.api[0].label, 'dave');
      assert.equal(side.getters.getClientId, CLIENT_ID);
      assert.equal(side.getters.getUserIdentifier, 'dave');
      assert.equal(side.getters.getMySQLUserName, 'crmuser');
      assert.equal(side.getters.getMYSQLPassword, 1234, 'numeric strings become numbers');
    }
    assert.deepEqual(comparable(ours.api[0]), comparable(legacy.api[0]));
    // Without the files: both reject (ours with a code).
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'zcrm-noprops-'));
    const none = await runScenario('ours', { config: null }, { cwd: empty });
    assert.equal(none.results[0].rejected.code, 'zcrmsdk/INVALID_CONFIG');
    assert.match(none.results[0].rejected.message, /oauth_configuration\.properties/);
    fs.rmSync(empty, { recursive: true, force: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a JSON configuration with a missing key rejects with the legacy message, and a code', async () => {
  for (const key of ['client_id', 'client_secret', 'redirect_url']) {
    const config = { client_id: 'a', client_secret: 'b', redirect_url: 'c' };
    delete config[key];
    const ours = await runScenario('ours', { config });
    assert.deepEqual(ours.results[0].rejected, { code: 'zcrmsdk/INVALID_CONFIG', message: `Missing configuration for Zoho OAuth service: ${key}` });
  }
});

// ---- The legacy bugs, fixed. Each asserts ours passes and the legacy fails.

test('fixed: a token endpoint error rejects with a code (the legacy never settles)', async () => {
  const steps = [{ fn: 'generateAuthTokens', args: ['erin', '1000.not-a-grant'] }];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl), steps, stepTimeoutMs: 1500 }));
  assert.equal(ours.results[1].rejected.code, 'app/OAUTH_ERROR');
  assert.match(ours.results[1].rejected.message, /invalid_code/);
  assert.deepEqual(legacy.results[1], { pending: true });
  assert.ok(legacy.uncaught.length >= 1);
});

test('fixed: an unreachable token endpoint rejects with a code (the legacy never settles)', async () => {
  const net = require('node:net');
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const closed = server.address().port;
  await new Promise((resolve) => server.close(resolve));
  const steps = [{ call: 'API.MODULES.get', input: { module: 'Leads' } }];
  const scenario = (impl) => ({
    config: baseConfig(impl, { user_identifier: 'alice', iamurl: impl === 'legacy' ? `127.0.0.1:${closed}` : `http://127.0.0.1:${closed}` }),
    steps,
    stepTimeoutMs: 1500,
  });
  const { legacy, ours } = await both(scenario, { seed: () => ({ alice: row('alice', { expired: true }) }) });
  assert.equal(ours.results[1].rejected.code, 'app/NETWORK_ERROR');
  assert.equal(ours.api.length, 0);
  assert.deepEqual(legacy.results[1], { pending: true });
});

test('fixed: a store that rejects makes the call reject with a code (the legacy never settles)', async () => {
  const steps = [{ call: 'API.MODULES.get', input: { module: 'Leads' } }];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'alice' }), steps, stepTimeoutMs: 1500 }),
    { seed: () => ({ alice: row('alice') }), env: { ZCRM_ROWS_FAIL: 'get' } });
  assert.equal(ours.results[1].rejected.code, 'zcrmsdk/STORE_ERROR');
  assert.match(ours.results[1].rejected.message, /rows module: get failed/);
  assert.deepEqual(legacy.results[1], { pending: true });

  const updates = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'alice' }), steps, stepTimeoutMs: 1500 }),
    { seed: () => ({ alice: row('alice', { expired: true }) }), env: { ZCRM_ROWS_FAIL: 'update' } });
  assert.equal(updates.ours.results[1].rejected.code, 'zcrmsdk/STORE_ERROR');
  assert.deepEqual(updates.legacy.results[1], { pending: true });

  const saves = await both((impl) => ({ config: baseConfig(impl), steps: [{ fn: 'generateAuthTokenfromRefreshToken', args: ['alice', mock.refreshToken('alice')] }], stepTimeoutMs: 1500 }),
    { env: { ZCRM_ROWS_FAIL: 'save' } });
  assert.equal(saves.ours.results[1].rejected.code, 'zcrmsdk/STORE_ERROR');
  assert.match(saves.ours.results[1].rejected.message, /save/);
  assert.deepEqual(saves.legacy.results[1], { pending: true });
});

test('fixed: an API network error rejects with a code (the legacy resolves the Error object)', async () => {
  const steps = [{ call: 'API.MODULES.get', input: { module: 'Leads' } }];
  const scenario = (impl) => ({ config: baseConfig(impl, { user_identifier: 'alice', base_url: impl === 'legacy' ? '127.0.0.1:1' : 'http://127.0.0.1:1' }), steps });
  const { legacy, ours } = await both(scenario, { seed: () => ({ alice: row('alice') }) });
  assert.equal(ours.results[1].rejected.code, 'zcrmsdk/NETWORK_ERROR');
  assert.match(legacy.results[1].resolved.resolvedError, /ECONNREFUSED/);
});

test('fixed: concurrent calls for two users never mix tokens; input.user_identifier names the user', async () => {
  const seed = () => ({ alice: row('alice'), bob: row('bob') });
  const steps = [
    { parallel: [
      { fn: 'setUserIdentifier', args: ['alice'] },
      { call: 'API.MODULES.get', input: { module: 'Leads', params: { expect: 'alice' } } },
      { fn: 'setUserIdentifier', args: ['bob'] },
      { call: 'API.MODULES.get', input: { module: 'Leads', params: { expect: 'bob' } } },
    ] },
    { parallel: [
      { call: 'API.MODULES.get', input: { module: 'Leads', user_identifier: 'alice', params: { expect: 'alice' } } },
      { call: 'API.MODULES.get', input: { module: 'Leads', user_identifier: 'bob', params: { expect: 'bob' } } },
    ] },
  ];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl), steps }), { seed });
  const mixed = (side) => side.api.filter((r) => r.label !== new URLSearchParams(r.rawQuery).get('expect')).length;
  assert.equal(ours.api.length, 4);
  assert.equal(mixed(ours), 0);
  assert.ok(mixed(legacy) > 0, 'the legacy sent another user\'s token');
});

test('fixed: an unknown user rejects without calling the API (the legacy sends "Zoho-oauthtoken undefined")', async () => {
  const steps = [{ call: 'API.MODULES.get', input: { module: 'Leads' } }];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'nobody' }), steps }), { seed: () => ({ alice: row('alice') }) });
  assert.equal(ours.results[1].rejected.code, 'zcrmsdk/UNKNOWN_USER');
  assert.equal(ours.api.length, 0);
  assert.equal(legacy.api[0].authorization, 'Zoho-oauthtoken undefined');
});

test('fixed: getOAuthTokens may answer the documented [{accesstoken, refreshtoken, expirytime}] shape', async () => {
  const steps = [{ call: 'API.MODULES.get', input: { module: 'Leads' } }];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'alice' }), steps }),
    { seed: () => ({ alice: row('alice') }), env: { ZCRM_ROWS_SHAPE: 'documented' } });
  assert.equal(ours.api[0].label, 'alice');
  assert.equal(ours.token.length, 0);
  assert.equal(legacy.api[0].authorization, 'Zoho-oauthtoken undefined');
});

test('fixed: initialize(JSON) reads no properties file afterwards', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcrm-json-'));
  fs.mkdirSync(path.join(dir, 'resources'));
  fs.writeFileSync(path.join(dir, 'resources', 'oauth_configuration.properties'), '[zoho]\ncrm.clientid=from-file\ncrm.clientsecret=s\ncrm.redirecturl=r\n');
  fs.writeFileSync(path.join(dir, 'resources', 'configuration.properties'), '[crm]\napi.user_identifier=file-user\n');
  try {
    const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'json-user' }) }), { cwd: dir });
    assert.equal(ours.getters.getClientId, CLIENT_ID);
    assert.equal(ours.getters.getUserIdentifier, 'json-user');
    assert.equal(legacy.getters.getClientId, 'from-file');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fixed: a relative tokenmanagement path resolves against the working directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcrm-rel-'));
  fs.writeFileSync(path.join(dir, 'mystore.js'), `module.exports = require(${JSON.stringify(ROWS_MODULE)});\n`);
  try {
    const steps = [{ call: 'API.MODULES.get', input: { module: 'Leads' } }];
    const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'alice', tokenmanagement: './mystore.js' }), steps, stepTimeoutMs: 1500 }),
      { seed: () => ({ alice: row('alice') }), cwd: dir });
    assert.equal(ours.results[1].resolved.statusCode, 200);
    assert.ok(!('resolved' in legacy.results[1] && legacy.results[1].resolved.statusCode === 200));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fixed: 100 concurrent calls on an expired token make one refresh (the legacy makes one per call)', async () => {
  const steps = [{ parallel: Array.from({ length: 100 }, () => ({ call: 'API.MODULES.get', input: { module: 'Leads' } })) }];
  const { legacy, ours } = await both((impl) => ({ config: baseConfig(impl, { user_identifier: 'alice' }), steps, stepTimeoutMs: 20_000 }),
    { seed: () => ({ alice: row('alice', { expired: true }) }) });
  assert.equal(ours.token.length, 1);
  assert.equal(ours.api.length, 100);
  assert.ok(ours.api.every((r) => r.valid));
  assert.ok(ours.results[1].parallel.every((r) => r.resolved.statusCode === 200));
  assert.equal(legacy.token.length, 100);
});
