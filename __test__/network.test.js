'use strict';
// Corporate networks: connector.fetch() trusts a private CA (the `ca` option,
// SSL_CERT_FILE, NODE_EXTRA_CA_CERTS) and goes through HTTPS_PROXY unless
// NO_PROXY names the host. A CA made at test time, an HTTPS API and a CONNECT
// proxy, all on 127.0.0.1; each case runs in a fresh process with its own
// environment.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const https = require('node:https');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { makeCertificates, startHttpsApi, startConnectProxy } = require('./helpers/tls');
const { runChild, packageRoot } = require('./helpers/child');
const { Connection } = require('..');

let mock;
let certs;
let api;
let proxy;

before(async () => {
  mock = await startMockOAuth();
  certs = makeCertificates();
  api = await startHttpsApi(certs);
  proxy = await startConnectProxy();
});

after(async () => {
  await mock.close();
  await api.close();
  await proxy.close();
  certs.remove();
});

/** Runs one connector.fetch() in a fresh process; resolves to `{ status }` or `{ error }` and stderr. */
async function fetchInChild({ options = 'undefined', env = {} } = {}) {
  const json = { c: settings(mock.url) };
  const run = await runChild(`
    const { Connection } = require(${packageRoot});
    const connector = new Connection(${JSON.stringify(json)}, ${options}).getConnector('c');
    connector.fetch(${JSON.stringify(`${api.url}/crm/v6/org`)})
      .then((response) => console.log(JSON.stringify({ status: response.status })))
      .catch((error) => console.log(JSON.stringify({ error: String(error.cause?.code || error.code || error.message) })));`,
  { env: { HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '', NO_PROXY: '', no_proxy: '', SSL_CERT_FILE: '', NODE_EXTRA_CA_CERTS: '', ...env } });
  assert.equal(run.code, 0, run.err);
  return { ...JSON.parse(run.out.trim().split('\n').pop()), err: run.err };
}

test('without the private CA, fetch() to its server fails: the certificate is checked', async () => {
  const before = api.seen.length;
  const result = await fetchInChild();
  assert.ok(result.error, `rejected: ${JSON.stringify(result)}`);
  assert.match(result.error, /CERT|SIGNATURE|ISSUER/i);
  assert.equal(api.seen.length, before);
});

test('the ca option: fetch() trusts it and sends the bearer token', async () => {
  const before = api.seen.length;
  const result = await fetchInChild({ options: `{ ca: ${JSON.stringify(certs.ca)} }` });
  assert.deepEqual({ status: result.status, err: result.err }, { status: 200, err: '' });
  assert.match(api.seen.at(-1).authorization, /^Bearer at-\d+$/);
  assert.equal(api.seen.length - before, 1);
});

test('SSL_CERT_FILE and NODE_EXTRA_CA_CERTS: fetch() trusts the CA they name', async () => {
  for (const variable of ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS']) {
    const result = await fetchInChild({ env: { [variable]: certs.caFile } });
    assert.deepEqual({ status: result.status, err: result.err }, { status: 200, err: '' }, variable);
  }
});

test('HTTPS_PROXY: fetch() tunnels through the proxy (CONNECT) and still checks the certificate with the CA', async () => {
  const tunnels = proxy.tunnels.length;
  const result = await fetchInChild({ options: `{ ca: ${JSON.stringify(certs.ca)} }`, env: { HTTPS_PROXY: proxy.url } });
  assert.deepEqual({ status: result.status, err: result.err }, { status: 200, err: '' }, 'no warning printed');
  assert.deepEqual(proxy.tunnels.slice(tunnels), [`127.0.0.1:${api.port}`]);

  const lower = await fetchInChild({ env: { https_proxy: proxy.url, SSL_CERT_FILE: certs.caFile } });
  assert.equal(lower.status, 200);
  assert.equal(proxy.tunnels.length - tunnels, 2, 'https_proxy (lower case) too');

  const untrusted = await fetchInChild({ env: { HTTPS_PROXY: proxy.url } });
  assert.ok(untrusted.error, 'the tunnel does not skip the certificate check');
});

test('NO_PROXY: a host it names is reached directly', async () => {
  const tunnels = proxy.tunnels.length;
  const result = await fetchInChild({ options: `{ ca: ${JSON.stringify(certs.ca)} }`, env: { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
  assert.equal(result.status, 200);
  assert.equal(proxy.tunnels.length, tunnels, 'no tunnel');
});

test('token requests trust the private CA through the ca option, SSL_CERT_FILE and NODE_EXTRA_CA_CERTS, and only then', async () => {
  let requests = 0;
  const server = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    requests += 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'tls-token', expires_in: 3600 }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${server.address().port}/oauth/v2/token`;
  const tokenInChild = (options, env) => runChild(`
    const { Connection } = require(${packageRoot});
    new Connection({ c: ${JSON.stringify(settings(url))} }, ${options}).getConnector('c').getAccessToken()
      .then((token) => console.log(token), (error) => console.log(error.code + ' ' + error.message));`,
  { env: { SSL_CERT_FILE: '', NODE_EXTRA_CA_CERTS: '', ...env } });
  try {
    const untrusted = await tokenInChild('undefined', {});
    assert.match(untrusted.out, /^app\/NETWORK_ERROR .*(certificate|UnknownIssuer)/i);
    assert.equal(requests, 0, 'no request got through');
    for (const [options, env] of [
      [`{ ca: ${JSON.stringify(certs.ca)} }`, {}],
      ['undefined', { SSL_CERT_FILE: certs.caFile }],
      ['undefined', { NODE_EXTRA_CA_CERTS: certs.caFile }],
    ]) {
      const run = await tokenInChild(options, env);
      assert.equal(run.out.trim(), 'tls-token', `${options} ${JSON.stringify(env)}: ${run.out}`);
    }
    assert.equal(requests, 3);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('timeoutMs bounds the token requests of one Connection', async () => {
  const slow = await startMockOAuth({ delayMs: 3000 });
  try {
    const started = Date.now();
    const error = await new Connection({ c: settings(slow.url) }, { timeoutMs: 300 }).getConnector('c').getAccessToken().catch((e) => e);
    const waited = Date.now() - started;
    assert.equal(error.code, 'app/TIMEOUT');
    assert.ok(waited < 2500, `gave up after ${waited} ms`);
  } finally {
    await slow.close();
  }
});
