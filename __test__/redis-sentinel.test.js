'use strict';
// redis+sentinel:// against a real master + replica watched by 3 sentinels
// (started here, on private ports): tokens are shared through the master
// the sentinels name, and a failover loses nothing — the master is killed
// mid-lease 20 times while 4 processes refresh a rotating token, and no
// refresh ever uses a rotated-away refresh token.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { runChild, packageRoot } = require('./helpers/child');
const { topologiesMissing, startSentinel } = require('./helpers/redis-topologies');
const { failoverChaos, chaosSummary, EXIT_BOUND_MS } = require('./helpers/failover-chaos');

const missing = topologiesMissing();
if (missing && process.env.CI) test('redis-server and redis-cli are installed in CI', () => { throw new Error(missing); });
if (missing) console.log(`# skipped: the Sentinel tests: ${missing}`);
const options = { skip: missing ? `skipped: ${missing}` : false, timeout: 170_000 };

let sentinel;
if (!missing) {
  test.before(async () => { sentinel = await startSentinel(); });
  test.after(() => sentinel.stop());
}

test('redis+sentinel://: 4 processes share one token through the master the sentinels name', options, async () => {
  const mock = await startMockOAuth({ delayMs: 200 });
  try {
    const json = { c: settings(mock.url) };
    const script = `
      const { Connection } = require(${packageRoot});
      const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(sentinel.url())} }).getConnector('c');
      Promise.all(Array.from({ length: 50 }, () => c.getAccessToken()))
        .then((tokens) => console.log(JSON.stringify({ tokens: [...new Set(tokens)], stats: c.stats() })))
        .catch((e) => console.log(JSON.stringify({ error: e.code, message: e.message })));`;
    const results = await Promise.all([1, 2, 3, 4].map(() => runChild(script)));
    const outputs = results.map((r) => { assert.equal(r.code, 0, r.err); return JSON.parse(r.out); });
    assert.deepEqual([...new Set(outputs.flatMap((o) => o.tokens))], ['at-1'], JSON.stringify(outputs));
    assert.equal(mock.count, 1, 'one token request for the fleet');
    const master = await sentinel.master();
    const keys = await sentinel.command(master, 'KEYS', 'ZC_CONN_c:*');
    assert.ok(keys.some((k) => /^ZC_CONN_c:[0-9a-f]{5}$/.test(k)), `the JS package's key, unchanged: ${keys}`);
    assert.ok(keys.some((k) => k.endsWith(':lock:fence')), `the fence beside it: ${keys}`);
  } finally {
    await mock.close();
  }
});

test('the master killed mid-lease 20 times under 4 processes refreshing a rotating token: no rotated refresh token reused, no over-long wait', options, async () => {
  const run = await failoverChaos({ storeUrl: sentinel.url(), rounds: 20, failover: () => sentinel.failover() });
  console.log(`# ${chaosSummary(run)}`);
  assert.equal(sentinel.failovers, 20);
  assert.equal(run.rejected, 0, 'no refresh used a refresh token that was already rotated away');
  assert.equal(run.overLong, 0, 'no call waited longer than one lease plus one HTTP timeout (and the store round trip in flight)');
  assert.ok(run.codes.every((c) => c.ok > 0), 'every process kept getting tokens');
  assert.ok(run.allExited < EXIT_BOUND_MS, `every process exited on time (${run.allExited} ms; bound ${EXIT_BOUND_MS} ms)`);
});
