'use strict';
// redis+sentinel:// against a real master + replica watched by 3 sentinels
// (started here, on private ports): tokens are shared through the master
// the sentinels name, and a failover loses nothing — the master is killed
// mid-lease 20 times while 4 processes refresh a rotating token, and no
// refresh ever uses a rotated-away refresh token.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { runChild, packageRoot } = require('./helpers/child');
const { topologiesMissing, startSentinel } = require('./helpers/redis-topologies');

const missing = topologiesMissing();
if (missing && process.env.CI) test('redis-server and redis-cli are installed in CI', () => { throw new Error(missing); });
if (missing) console.log(`# skipped: the Sentinel tests: ${missing}`);
const options = { skip: missing ? `skipped: ${missing}` : false, timeout: 170_000 };

let sentinel;
if (!missing) {
  test.before(async () => { sentinel = await startSentinel(); });
  test.after(() => sentinel.stop());
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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
  const HTTP_TIMEOUT_MS = 2000;
  const LEASE_MS = 4000;
  // A call may also finish the store round trip in flight at its bound.
  const STORE_TIMEOUT_MS = 500;
  const mock = await startMockOAuth({ rotate: true, delayMs: 200 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-chaos-'));
  const stopFile = path.join(dir, 'stop');
  try {
    const json = { c: settings(mock.url, { expires_in: 2 }) };
    const storeOptions = { store: sentinel.url(), storeTimeoutMs: STORE_TIMEOUT_MS };
    // Each process forces a refresh every 100-300 ms (each one a lease) and
    // reads its token every 20 ms; every call's duration is measured.
    const script = `
      const fs = require('node:fs');
      const { Connection } = require(${packageRoot});
      const c = new Connection(${JSON.stringify(json)}, ${JSON.stringify(storeOptions)}).getConnector('c');
      const codes = {};
      let longest = 0, overLong = 0, calls = 0;
      const timed = async (call) => {
        const started = Date.now();
        try { await call(); codes.ok = (codes.ok || 0) + 1; }
        catch (e) { codes[e.code] = (codes[e.code] || 0) + 1; }
        const took = Date.now() - started;
        calls += 1;
        longest = Math.max(longest, took);
        if (took > ${LEASE_MS + HTTP_TIMEOUT_MS + STORE_TIMEOUT_MS}) overLong += 1;
      };
      const stopped = () => fs.existsSync(${JSON.stringify(stopFile)});
      const reads = (async () => { while (!stopped()) { await timed(() => c.getAccessToken()); await new Promise((r) => setTimeout(r, 20)); } })();
      const refreshes = (async () => { while (!stopped()) { await timed(() => c.refreshAccessToken()); await new Promise((r) => setTimeout(r, 100 + Math.random() * 200)); } })();
      Promise.all([reads, refreshes]).then(() => {
        console.log(JSON.stringify({ codes, longest, overLong, calls, stats: c.stats(), stoppedAt: Date.now() }));
      });`;
    const env = { ZC_CONNECTOR_HTTP_TIMEOUT_MS: String(HTTP_TIMEOUT_MS) };
    const children = [1, 2, 3, 4].map(() => runChild(script, { env, timeoutMs: 160_000 }));
    await sleep(1000);
    const promoted = [];
    for (let round = 0; round < 20; round += 1) {
      // Kill while a token request is in flight: its process holds the lease.
      const seen = mock.count;
      const waitUntil = Date.now() + 5000;
      while (mock.count === seen && Date.now() < waitUntil) await sleep(5);
      await sleep(50);
      const { promotedMs } = await sentinel.failover();
      promoted.push(promotedMs);
    }
    await sleep(1000);
    fs.writeFileSync(stopFile, '');
    const stopAt = Date.now();
    const runs = await Promise.all(children);
    const allExited = Date.now() - stopAt;
    const outputs = runs.map((r) => { assert.equal(r.code, 0, `${r.code} ${r.err}`); return JSON.parse(r.out); });
    const exitedWithin = Math.max(...outputs.map((o) => o.stoppedAt - stopAt));
    const rejected = mock.state.requests.filter((r) => r.rejected).length;
    const codes = outputs.map((o) => o.codes);
    const overLong = outputs.reduce((sum, o) => sum + o.overLong, 0);
    console.log(`# ${sentinel.failovers} failovers (promoted after ${Math.min(...promoted)}-${Math.max(...promoted)} ms); ` +
      `${mock.count} token requests, ${rejected} with a rotated-away refresh token; ` +
      `${outputs.reduce((s, o) => s + o.calls, 0)} calls, longest ${Math.max(...outputs.map((o) => o.longest))} ms, ` +
      `${overLong} over lease + HTTP timeout + one store timeout; outcomes ${JSON.stringify(codes)}; all 4 stopped within ${exitedWithin} ms and exited within ${allExited} ms`);
    assert.equal(sentinel.failovers, 20);
    assert.equal(rejected, 0, 'no refresh used a refresh token that was already rotated away');
    assert.equal(overLong, 0, 'no call waited longer than one lease plus one HTTP timeout (and the store round trip in flight)');
    assert.ok(codes.every((c) => c.ok > 0), 'every process kept getting tokens');
    // On time: its last call (one lease + one HTTP timeout + the store round
    // trip), then at most the writes of a held lease it owns (they go on for
    // as long as its hold stands: one lease + one HTTP timeout + 20 s).
    const exitBound = (LEASE_MS + HTTP_TIMEOUT_MS + STORE_TIMEOUT_MS) + (LEASE_MS + HTTP_TIMEOUT_MS + 20_000);
    assert.ok(allExited < exitBound, `every process exited on time (${allExited} ms; bound ${exitBound} ms)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await mock.close();
  }
});
