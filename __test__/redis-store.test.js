'use strict';
// The Redis store against a real redis-server (started and stopped here).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { Connection } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { eventually } = require('./helpers/eventually');
const { jsCacheKey } = require('./helpers/stores');
const { runChild, packageRoot } = require('./helpers/child');
const { redisSuite, startRedis, freePort } = require('./helpers/redis');

const { missing, options } = redisSuite('the Redis store tests');

let mock;
let redis;
if (!missing) {
  test.before(async () => {
    mock = await startMockOAuth();
    redis = await startRedis();
  });
  test.after(async () => {
    await mock.close();
    await redis.stop();
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('tokens go to Redis with the JS key and value and a PX TTL; a second process starts warm', options, async () => {
  const json = { c: settings(mock.url) };
  const script = `
    const { Connection } = require(${packageRoot});
    const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(redis.url)} }).getConnector('c');
    c.getAccessToken().then((t) => console.log(JSON.stringify({ t, stats: c.stats() })));`;
  const before = mock.count;
  const first = await runChild(script);
  const second = await runChild(script);
  assert.equal(first.code, 0, first.err);
  assert.equal(second.code, 0, second.err);
  const a = JSON.parse(first.out);
  const b = JSON.parse(second.out);
  assert.equal(b.t, a.t);
  assert.equal(mock.count - before, 1);
  assert.deepEqual([b.stats.storeHits, b.stats.tokenRequests], [1, 0]);
  const key = jsCacheKey('c', json.c);
  const value = JSON.parse(await redis.command('GET', key));
  // The JS package's fields in its order, then the writer's strong fingerprint (ignored by the JS package).
  assert.deepEqual(Object.keys(value), ['access_token', 'expiry_in_seconds', 'expires_at', 'zc_fp']);
  assert.match(value.zc_fp, /^[0-9a-f]{32}$/);
  assert.equal(value.access_token, a.t);
  const ttl = await redis.command('PTTL', key);
  assert.ok(ttl > 3_500_000 && ttl <= 3_600_000, `PTTL ${ttl}`);
});

test('keyPrefix prefixes every key', options, async () => {
  const s = settings(mock.url);
  await new Connection({ c: s }, { store: redis.url, keyPrefix: 'myapp:' }).getConnector('c').getAccessToken();
  assert.ok(await redis.command('GET', `myapp:${jsCacheKey('c', s)}`));
  assert.equal(await redis.command('GET', jsCacheKey('c', s)), null);
});

test('a Redis miss is read on the JS thread under keyPrefix: a usable entry is adopted, a stale one refreshed and overwritten', options, async () => {
  const { entryValue } = require('./helpers/stores');
  const fresh = settings(mock.url);
  const stale = settings(mock.url);
  await redis.command('SET', `p1:${jsCacheKey('c', fresh)}`, entryValue('at-from-redis'), 'PX', '60000');
  await redis.command('SET', `p1:${jsCacheKey('c', stale)}`, entryValue('at-stale', Date.now() - 1000), 'PX', '60000');
  const before = mock.count;
  const a = new Connection({ c: fresh }, { store: redis.url, keyPrefix: 'p1:' }).getConnector('c');
  const tokens = await Promise.all([a.getAccessToken(), a.getAccessToken(), a.getAccessToken()]);
  assert.deepEqual(tokens, ['at-from-redis', 'at-from-redis', 'at-from-redis']);
  assert.equal(mock.count - before, 0);
  assert.deepEqual([a.stats().storeHits, a.stats().tokenRequests], [1, 0]);
  const b = new Connection({ c: stale }, { store: redis.url, keyPrefix: 'p1:' }).getConnector('c');
  const token = await b.getAccessToken();
  assert.notEqual(token, 'at-stale');
  assert.equal(mock.count - before, 1);
  assert.ok(await eventually(async () => JSON.parse(await redis.command('GET', `p1:${jsCacheKey('c', stale)}`)).access_token === token), 'the stale entry is overwritten');
});

test('Redis down at start: tokens still come, errors are counted, the store is used once it is up', options, async () => {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}/0`;
  const s = settings(mock.url);
  const connector = new Connection({ c: s }, { store: url, storeTimeoutMs: 500 }).getConnector('c');
  assert.match(await connector.getAccessToken(), /^at-/);
  assert.ok(connector.stats().storeErrors >= 1);
  const late = await startRedis(port);
  try {
    await sleep(600); // past the first back-off
    await connector.refreshAndPersistToken();
    assert.ok(await eventually(() => late.command('GET', jsCacheKey('c', s))), 'written once Redis answered');
    // The write finishes after the caller has its token: Redis can hold the
    // entry a moment before its reply is read and the write counted.
    assert.equal(await eventually(() => connector.stats().storeWrites), 1);
  } finally {
    await late.stop();
  }
});

test('Redis killed mid-run: calls keep working, and writes resume after a restart', options, async () => {
  const own = await startRedis();
  try {
    const s = settings(mock.url);
    const connector = new Connection({ c: s }, { store: own.url, storeTimeoutMs: 500 }).getConnector('c');
    await connector.getAccessToken();
    assert.equal(await eventually(() => connector.stats().storeWrites), 1);
    await own.kill();
    assert.match(await connector.refreshAndPersistToken(), /^at-/, 'refresh works with Redis gone');
    assert.ok(connector.stats().storeErrors >= 1);
    assert.match(await connector.getAccessToken(), /^at-/);
    await own.restart();
    let written = false;
    for (let i = 0; i < 40 && !written; i++) {
      await sleep(250);
      await connector.refreshAndPersistToken();
      written = (await own.command('GET', jsCacheKey('c', s))) !== null;
    }
    assert.ok(written, 'the reconnected store was written again');
  } finally {
    await own.stop();
  }
});

test('rediss:// (TLS) works; #insecure accepts a self-signed certificate', options, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-redis-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  if (made.status !== 0) {
    t.skip('openssl is not available to make a test certificate');
    return;
  }
  const tls = await startRedis(undefined, { tls: { cert, key } });
  try {
    const s = settings(mock.url);
    const verified = new Connection({ c: s }, { store: tls.tlsUrl, storeTimeoutMs: 1000 }).getConnector('c');
    assert.match(await verified.getAccessToken(), /^at-/);
    assert.ok(await eventually(() => verified.stats().storeErrors >= 1), 'an untrusted certificate is refused');
    assert.equal(verified.stats().storeWrites, 0);
    const insecure = settings(mock.url);
    const connector = new Connection({ c: insecure }, { store: `${tls.tlsUrl}#insecure` }).getConnector('c');
    await connector.getAccessToken();
    assert.equal(await eventually(() => connector.stats().storeWrites), 1);
    assert.ok(await tls.command('GET', jsCacheKey('c', insecure)), 'written over TLS');
  } finally {
    await tls.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a process using Redis exits promptly after its token', options, async () => {
  const started = Date.now();
  const result = await runChild(`
    const { Connection } = require(${packageRoot});
    new Connection(${JSON.stringify({ c: settings(mock.url) })}, { store: ${JSON.stringify(redis.url)} })
      .getConnector('c').getAccessToken().then((t) => console.log(t));`, { timeoutMs: 10_000 });
  assert.equal(result.code, 0, `exit code ${result.code}: ${result.err}`);
  console.log(`# child with a Redis store exited ${Date.now() - started} ms after start`);
});
