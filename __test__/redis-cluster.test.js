'use strict';
// redis+cluster:// against a real 3-master cluster (started here, on private
// ports): one token for a fleet, the JS package's key for the entry and
// `{<entry>}:…` beside it on the same slot, and a reshard of that slot
// mid-run (ASK while it migrates, MOVED after) breaking neither a read nor a
// lease.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { runChild, packageRoot } = require('./helpers/child');
const { topologiesMissing, startCluster } = require('./helpers/redis-topologies');

const missing = topologiesMissing();
if (missing && process.env.CI) test('redis-server and redis-cli are installed in CI', () => { throw new Error(missing); });
if (missing) console.log(`# skipped: the cluster tests: ${missing}`);
const options = { skip: missing ? `skipped: ${missing}` : false, timeout: 120_000 };

let cluster;
if (!missing) {
  test.before(async () => { cluster = await startCluster(); });
  test.after(() => cluster.stop());
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every key on every master matching `pattern`. */
async function keys(pattern) {
  const all = [];
  for (const port of cluster.ports) all.push(...(await cluster.cli(port, 'KEYS', pattern)).split('\n').filter(Boolean));
  return all;
}

test('redis+cluster://: 4 processes x 50 cold calls, one token request; the entry keeps its key, the rest share its slot', options, async () => {
  const mock = await startMockOAuth({ delayMs: 200 });
  try {
    const json = { c1: settings(mock.url) };
    const script = `
      const { Connection } = require(${packageRoot});
      const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(cluster.url())} }).getConnector('c1');
      Promise.all(Array.from({ length: 50 }, () => c.getAccessToken()))
        .then((tokens) => console.log(JSON.stringify({ tokens: [...new Set(tokens)], stats: c.stats() })))
        .catch((e) => console.log(JSON.stringify({ error: e.code, message: e.message })));`;
    const results = await Promise.all([1, 2, 3, 4].map(() => runChild(script)));
    const outputs = results.map((r) => { assert.equal(r.code, 0, r.err); return JSON.parse(r.out); });
    assert.deepEqual([...new Set(outputs.flatMap((o) => o.tokens))], ['at-1'], JSON.stringify(outputs));
    assert.equal(mock.count, 1, 'one token request for the fleet');
    const found = await keys('*ZC_CONN_c1:*');
    const entry = found.find((k) => /^ZC_CONN_c1:[0-9a-f]{5}$/.test(k));
    assert.ok(entry, `the JS package's key, unchanged: ${found}`);
    const fence = `{${entry}}:lock:fence`;
    assert.ok(found.includes(fence), `the fence is hash-tagged with the entry's key: ${found}`);
    assert.equal(await cluster.slotOf(fence), await cluster.slotOf(entry), 'one slot for both');
  } finally {
    await mock.close();
  }
});

test('a keyPrefix goes inside the hash tag; a prefix with braces is refused', options, async () => {
  const mock = await startMockOAuth();
  try {
    const json = { c2: settings(mock.url) };
    const script = `
      const { Connection } = require(${packageRoot});
      const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(cluster.url())}, keyPrefix: 'app:' }).getConnector('c2');
      let refused;
      try { new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(cluster.url())}, keyPrefix: '{x}' }); } catch (e) { refused = e.code; }
      c.getAccessToken().then((token) => console.log(JSON.stringify({ token, refused })));`;
    const run = await runChild(script);
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(JSON.parse(run.out), { token: 'at-1', refused: 'app/INVALID_STORE' });
    await sleep(200);
    const found = await keys('*ZC_CONN_c2:*');
    const entry = found.find((k) => /^app:ZC_CONN_c2:[0-9a-f]{5}$/.test(k));
    assert.ok(entry, `${found}`);
    assert.ok(found.includes(`{${entry}}:lock:fence`), `${found}`);
  } finally {
    await mock.close();
  }
});

test("the connector's slot resharded twice mid-run (ASK, then MOVED): no failed call, no extra token request", options, async () => {
  // Tokens live 3 s and are served 2 s: each process reads and refreshes through the slot as it moves.
  const mock = await startMockOAuth({ expiresIn: 3 });
  try {
    const json = { c3: settings(mock.url, { refresh_in: 2 }) };
    const seconds = 9;
    const script = `
      const { Connection } = require(${packageRoot});
      const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(cluster.url())} }).getConnector('c3');
      (async () => {
        const codes = {};
        const end = Date.now() + ${seconds * 1000};
        while (Date.now() < end) {
          try { await c.getAccessToken(); codes.ok = (codes.ok || 0) + 1; } catch (e) { codes[e.code] = (codes[e.code] || 0) + 1; }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        console.log(JSON.stringify({ codes, stats: c.stats() }));
      })();`;
    const children = [1, 2, 3, 4].map(() => runChild(script, { timeoutMs: (seconds + 20) * 1000 }));
    // Once the entry exists, move its slot to another master and back.
    let entry;
    while (!entry) {
      await sleep(100);
      entry = (await keys('ZC_CONN_c3:*')).find((k) => /^ZC_CONN_c3:[0-9a-f]{5}$/.test(k));
    }
    const slot = await cluster.slotOf(entry);
    const moves = [];
    for (let i = 0; i < 2; i += 1) {
      await sleep(1500);
      const home = await cluster.nodeOf(slot);
      const to = cluster.ports.find((p) => p !== home);
      // The slot stays MIGRATING/IMPORTING for 1 s (ASK redirections), then moves (MOVED).
      moves.push(await cluster.moveSlot(slot, to, () => sleep(1000)));
    }
    const runs = await Promise.all(children);
    const outputs = runs.map((r) => { assert.equal(r.code, 0, r.err); return JSON.parse(r.out); });
    const failed = outputs.reduce((sum, o) => sum + Object.entries(o.codes).filter(([k]) => k !== 'ok').reduce((s, [, n]) => s + n, 0), 0);
    const storeErrors = outputs.reduce((sum, o) => sum + o.stats.storeErrors, 0);
    // One token per 2 s served, for the run: a few, never one per process.
    const ideal = Math.ceil(seconds / 2) + 1;
    console.log(`# slot ${slot} moved ${JSON.stringify(moves)}; ${mock.count} token requests (about ${ideal}); ${failed} failed calls; ${storeErrors} store errors; ${JSON.stringify(outputs.map((o) => o.codes))}`);
    assert.equal(await cluster.nodeOf(slot), moves[1].toPort);
    assert.equal(failed, 0, 'no call failed');
    assert.equal(storeErrors, 0, 'no store operation failed: every read and lease followed the slot');
    assert.ok(mock.count <= ideal + 1, `${mock.count} token requests: the lease held through the moves`);
  } finally {
    await mock.close();
  }
});
