'use strict';
// The fleet lock as a lease with fencing, with real child processes sharing a
// real redis-server: a killed owner is taken over within one lease, a hanging
// endpoint keeps no caller longer than one lease plus one HTTP timeout, a
// store that stalls mid-refresh never makes a rotated refresh token be used
// twice, and configurations whose JS keys collide keep their own tokens.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { runChild, packageRoot } = require('./helpers/child');
const { redisSuite, startRedis } = require('./helpers/redis');
const { jsCacheKey, mapStore } = require('./helpers/stores');
const { Connection } = require('..');

const LEASE_MS = 4000;
const { missing, options } = redisSuite('the lease tests');

let redis;
if (!missing) {
  test.before(async () => { redis = await startRedis(); });
  test.after(() => redis.stop());
}

/** A child making `calls` concurrent calls; prints tokens, errors, stats and its elapsed ms. */
const callsScript = (json, storeOptions, calls) => `
  const { Connection } = require(${packageRoot});
  const c = new Connection(${JSON.stringify(json)}, ${JSON.stringify(storeOptions)}).getConnector('c');
  const started = Date.now();
  Promise.allSettled(Array.from({ length: ${calls} }, async () => {
    try { return { token: await c.getAccessToken(), ms: Date.now() - started }; }
    catch (e) { return { error: e.code, ms: Date.now() - started }; }
  })).then((results) => console.log(JSON.stringify({ results: results.map((r) => r.value), stats: c.stats() })));`;

test('the owner killed mid-refresh (default settings): the others have a token within one lease', options, async () => {
  // The first token request never answers in time (its process is killed); the rest answer at once.
  const mock = await startMockOAuth({ delayFor: (count) => (count === 1 ? 20_000 : 0) });
  try {
    const json = { c: settings(mock.url) };
    const owner = runChild(callsScript(json, { store: redis.url }, 5), { timeoutMs: 30_000 });
    while (mock.count < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    owner.child.kill('SIGKILL');
    const killedAt = Date.now();
    const others = await Promise.all([1, 2, 3].map(() => runChild(callsScript(json, { store: redis.url }, 20))));
    const elapsed = Date.now() - killedAt;
    const outputs = others.map((r) => { assert.equal(r.code, 0, r.err); return JSON.parse(r.out); });
    const tokens = new Set(outputs.flatMap((o) => o.results.map((r) => r.token)));
    assert.equal(tokens.size, 1, 'every caller got the one takeover token');
    assert.match([...tokens][0], /^at-/);
    assert.equal(mock.count, 2, "the dead owner's request and one takeover");
    assert.equal(outputs.reduce((sum, o) => sum + o.stats.lockTakeovers, 0), 1);
    console.log(`# the survivors had a token ${elapsed} ms after the kill (lease ${LEASE_MS} ms)`);
    assert.ok(elapsed < LEASE_MS + 3_000, `within one lease plus one refresh and process start-up: ${elapsed} ms`);
  } finally {
    await mock.close();
  }
});

test('a hanging endpoint, 4 processes: every caller is answered within one lease plus one HTTP timeout', options, async () => {
  const mock = await startMockOAuth({ delayMs: 60_000 });
  try {
    const json = { c: settings(mock.url) };
    const env = { ZC_CONNECTOR_HTTP_TIMEOUT_MS: '2000' };
    const runs = await Promise.all(Array.from({ length: 4 }, () => runChild(callsScript(json, { store: redis.url }, 5), { env, timeoutMs: 30_000 })));
    const results = runs.flatMap((r) => { assert.equal(r.code, 0, r.err); return JSON.parse(r.out).results; });
    assert.equal(results.length, 20);
    for (const result of results) {
      assert.ok(result.error, 'no token from a hanging endpoint');
      assert.ok(['app/TIMEOUT', 'app/NETWORK_ERROR'].includes(result.error), result.error);
    }
    const longest = Math.max(...results.map((r) => r.ms));
    console.log(`# longest wait ${longest} ms (bound: lease ${LEASE_MS} ms + HTTP timeout 2000 ms); ${mock.count} token requests`);
    assert.ok(longest < LEASE_MS + 2000 + 1000, `longest wait ${longest} ms`);
    assert.equal(mock.count, 1, 'the waiters learned the owner\'s failure instead of asking again');
  } finally {
    await mock.close();
  }
});

test('a store that stalls mid-refresh never makes a rotated refresh token be used twice (20 rounds)', options, async () => {
  const mock = await startMockOAuth({ rotate: true, delayMs: 150 });
  try {
    const json = { c: settings(mock.url) };
    const storeOptions = { store: redis.url, storeTimeoutMs: 300 };
    // Two warm processes forcing refreshes while Redis stalls now and then.
    const script = `
      const { Connection } = require(${packageRoot});
      const c = new Connection(${JSON.stringify(json)}, ${JSON.stringify(storeOptions)}).getConnector('c');
      (async () => {
        const codes = {};
        await c.getAccessToken().catch(() => {});
        await new Promise((r) => setTimeout(r, 300));
        const until = Date.now() + 8000;
        while (Date.now() < until) {
          try { await c.refreshAccessToken(); codes.ok = (codes.ok || 0) + 1; }
          catch (e) { codes[e.code] = (codes[e.code] || 0) + 1; await new Promise((r) => setTimeout(r, Math.max(50, Math.min(e.retryAfter || 0, 500)))); }
          await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
        }
        console.log(JSON.stringify(codes));
      })();`;
    const first = runChild(script, { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 400)); // the first rotation lands in Redis
    const second = runChild(script, { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 800)); // both warm
    for (let round = 0; round < 20; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 150));
      await redis.command('CLIENT', 'PAUSE', String(150 + Math.floor(Math.random() * 250)), 'ALL');
    }
    const runs = await Promise.all([first, second]);
    const codes = runs.map((r) => { assert.equal(r.code, 0, r.err); return JSON.parse(r.out); });
    const rejected = mock.state.requests.filter((r) => r.rejected).length;
    console.log(`# ${mock.count} token requests, ${rejected} with a rotated-away refresh token; outcomes ${JSON.stringify(codes)}`);
    assert.equal(rejected, 0, 'no refresh ever used a refresh token that was already rotated away');
    assert.ok(codes.every((c) => c.ok > 0), 'both processes kept refreshing');
  } finally {
    await mock.close();
  }
});

test('configurations whose JS keys collide keep their own tokens in Redis, a file and a JS store', options, async () => {
  const mock = await startMockOAuth();
  try {
    // Two tenants' settings under one connector name whose 5-hex-digit keys collide.
    const base = settings(mock.url);
    const seen = new Map();
    let pair;
    for (let i = 0; !pair; i += 1) {
      const s = { ...base, refresh_token: `1000.tenant-${i}` };
      const key = jsCacheKey('crm', s);
      if (seen.has(key)) pair = [seen.get(key), s];
      else seen.set(key, s);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-collide-'));
    const jsStore = mapStore();
    const stores = {
      redis: { store: redis.url, keyPrefix: `collide-${process.pid}:` },
      file: { store: `file://${dir}/tokens.json` },
      js: { store: jsStore },
    };
    for (const [name, storeOptions] of Object.entries(stores)) {
      // Each tenant in this process (a slot of its own per store: the key prefix
      // or store differs), then, for shared stores, in a fresh process.
      const tokens = [];
      for (const s of pair) {
        const connector = new Connection({ crm: { ...s, scope: name } }, storeOptions).getConnector('crm');
        tokens.push(await connector.getAccessToken());
        // The background write lands before the other tenant looks (two tenants
        // refreshing within the same few milliseconds could still both claim the
        // JS key: neither adopts the other's token, one refreshes once more).
        await connector.putAccessTokenInCache();
      }
      assert.notEqual(tokens[0], tokens[1], `${name}: the second tenant did not adopt the first one's token`);
      await new Promise((resolve) => setTimeout(resolve, 300)); // background writes
      if (name === 'js') {
        const stored = [...jsStore.entries.values()].map((v) => JSON.parse(v).access_token);
        assert.ok(tokens.every((t) => stored.includes(t)), 'both tokens kept, under keys of their own');
        continue;
      }
      for (const [index, s] of pair.entries()) {
        const run = await runChild(`
          const { Connection } = require(${packageRoot});
          new Connection(${JSON.stringify({ crm: { ...s, scope: name } })}, ${JSON.stringify(storeOptions)}).getConnector('crm').getAccessToken().then((t) => console.log(t));`);
        assert.equal(run.code, 0, run.err);
        assert.equal(run.out.trim(), tokens[index], `${name}: tenant ${index} reads its own token`);
      }
    }
  } finally {
    await mock.close();
  }
});
