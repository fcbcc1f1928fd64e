'use strict';
// TLS and ACL users with the cluster and Sentinel topologies, on real servers
// started here: a 3-master cluster speaking TLS only (clients and cluster
// bus, certificates from a private CA made with openssl) whose default user
// is switched off, and a master + replica that only an ACL user may use.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { runChild, packageRoot } = require('./helpers/child');
const { topologiesMissing, startCluster, startSentinel } = require('./helpers/redis-topologies');
const { makeCertificates } = require('./helpers/tls');

function missingTls() {
  const missing = topologiesMissing();
  if (missing) return missing;
  if (spawnSync('openssl', ['version']).status !== 0) return 'openssl is not installed';
  return null;
}

const missing = missingTls();
if (missing && process.env.CI) test('redis-server, redis-cli and openssl are installed in CI', () => { throw new Error(missing); });
if (missing) console.log(`# skipped: the TLS/ACL topology tests: ${missing}`);
const options = { skip: missing ? `skipped: ${missing}` : false, timeout: 120_000 };

/** A child that makes 20 concurrent calls with `storeOptions` and prints tokens and stats. */
const callsScript = (json, storeOptions) => `
  const { Connection } = require(${packageRoot});
  const c = new Connection(${JSON.stringify(json)}, ${JSON.stringify(storeOptions)}).getConnector('c');
  Promise.all(Array.from({ length: 20 }, () => c.getAccessToken()))
    .then((tokens) => console.log(JSON.stringify({ tokens: [...new Set(tokens)], stats: c.stats() })))
    .catch((e) => console.log(JSON.stringify({ error: e.code, message: e.message })));`;

test('a TLS-only cluster with an ACL user: shared through redis+cluster://user:pass@…?tls=1; a wrong password or an untrusted CA is a counted store error', options, async () => {
  const certs = makeCertificates();
  const tls = { cert: path.join(certs.dir, 'server.pem'), key: path.join(certs.dir, 'server.key'), ca: certs.caFile };
  const cluster = await startCluster({ tls, acl: ['app', 's3cr:t@'] });
  const mock = await startMockOAuth({ delayMs: 100 });
  try {
    for (const port of cluster.ports) await cluster.cli(port, 'ACL', 'SETUSER', 'default', 'off');
    const json = { c: settings(mock.url) };
    const url = cluster.url('app:s3cr%3At%40@');
    const env = { SSL_CERT_FILE: certs.caFile };
    const runs = await Promise.all([1, 2, 3].map(() => runChild(callsScript(json, { store: url }), { env })));
    const outputs = runs.map((r) => { assert.equal(r.code, 0, r.err); return JSON.parse(r.out); });
    assert.deepEqual([...new Set(outputs.flatMap((o) => o.tokens))], ['at-1'], JSON.stringify(outputs));
    assert.equal(mock.count, 1, 'one token request: the processes shared it over TLS');
    assert.equal(outputs.reduce((sum, o) => sum + o.stats.storeErrors, 0), 0);

    const before = mock.count;
    const wrong = await runChild(callsScript({ c: settings(mock.url) }, { store: cluster.url('app:nope@'), storeTimeoutMs: 1000 }), { env });
    const denied = JSON.parse(wrong.out);
    assert.equal(denied.tokens.length, 1, 'the token still comes');
    assert.ok(denied.stats.storeErrors > 0, 'a wrong password is a store error');
    assert.doesNotMatch(wrong.out + wrong.err, /nope|s3cr/, 'no password in any output');

    const untrusted = await runChild(callsScript({ c: settings(mock.url) }, { store: url, storeTimeoutMs: 1000 }));
    assert.ok(JSON.parse(untrusted.out).stats.storeErrors > 0, 'a certificate from an unknown CA is refused');
    const insecure = await runChild(callsScript({ c: settings(mock.url) }, { store: `${url}#insecure` }));
    assert.equal(JSON.parse(insecure.out).stats.storeErrors, 0, '#insecure accepts it');
    assert.equal(mock.count - before, 3);
  } finally {
    await mock.close();
    await cluster.stop();
    certs.remove();
  }
});

test('Sentinel with an ACL user on the data nodes (default user off): shared through redis+sentinel://user:pass@…/<master>', options, async () => {
  const sentinel = await startSentinel({ acl: ['app', 'pa55'] });
  const mock = await startMockOAuth({ delayMs: 100 });
  try {
    const json = { c: settings(mock.url) };
    const runs = await Promise.all([1, 2, 3].map(() => runChild(callsScript(json, { store: sentinel.url('app:pa55@') }))));
    const outputs = runs.map((r) => { assert.equal(r.code, 0, r.err); return JSON.parse(r.out); });
    assert.deepEqual([...new Set(outputs.flatMap((o) => o.tokens))], ['at-1'], JSON.stringify(outputs));
    assert.equal(mock.count, 1);
    const keys = await sentinel.command(await sentinel.master(), 'KEYS', 'ZC_CONN_c:*');
    assert.ok(keys.some((k) => /^ZC_CONN_c:[0-9a-f]{5}$/.test(k)), `${keys}`);
    const anonymous = await runChild(callsScript({ c: settings(mock.url) }, { store: sentinel.url(), storeTimeoutMs: 1000 }));
    assert.ok(JSON.parse(anonymous.out).stats.storeErrors > 0, 'without the user the master refuses');
  } finally {
    await mock.close();
    await sentinel.stop();
  }
});

test('Sentinel over TLS with ACL users on the data nodes and on the sentinels: one token for every process, through a failover', options, async () => {
  const certs = makeCertificates();
  const tls = { cert: path.join(certs.dir, 'server.pem'), key: path.join(certs.dir, 'server.key'), ca: certs.caFile };
  const sentinel = await startSentinel({ tls, acl: ['app', 'pa55'], sentinelAcl: ['watch', 'w@tch'] });
  const mock = await startMockOAuth({ delayMs: 100 });
  try {
    const json = { c: settings(mock.url) };
    const url = `${sentinel.url('app:pa55@')}?tls=1&sentinel_username=watch&sentinel_password=w%40tch`;
    const env = { SSL_CERT_FILE: certs.caFile };
    const run = async () => {
      const runs = await Promise.all([1, 2, 3].map(() => runChild(callsScript(json, { store: url }), { env })));
      return runs.map((r) => {
        assert.equal(r.code, 0, r.err);
        assert.doesNotMatch(r.out + r.err, /pa55|w@tch/, 'no password in any output');
        return JSON.parse(r.out);
      });
    };
    const before = await run();
    assert.deepEqual([...new Set(before.flatMap((o) => o.tokens))], ['at-1'], JSON.stringify(before));
    assert.equal(mock.count, 1, 'one token request: the processes shared it over TLS');
    assert.equal(before.reduce((sum, o) => sum + o.stats.storeErrors, 0), 0);

    // The token was acknowledged by the replica before it counted: the
    // promoted replica serves it to the next processes.
    const { from, to } = await sentinel.failover();
    assert.notEqual(from, to);
    const after = await run();
    assert.deepEqual([...new Set(after.flatMap((o) => o.tokens))], ['at-1'], JSON.stringify(after));
    assert.equal(mock.count, 1, 'no token request after the failover');

    const wrong = await runChild(callsScript({ c: settings(mock.url) }, {
      store: `${sentinel.url('app:pa55@')}?tls=1&sentinel_username=watch&sentinel_password=nope`, storeTimeoutMs: 1000,
    }), { env });
    const denied = JSON.parse(wrong.out);
    assert.equal(denied.tokens.length, 1, 'the token still comes');
    assert.ok(denied.stats.storeErrors > 0, 'a wrong sentinel password is a store error');
    assert.doesNotMatch(wrong.out + wrong.err, /nope|pa55/, 'no password in any output');
  } finally {
    await mock.close();
    await sentinel.stop();
    certs.remove();
  }
});
