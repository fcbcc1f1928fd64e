'use strict';
// Refresh ahead, seen from JavaScript: across an expiry boundary under steady
// load no call waits for the network, and `refreshAhead: false` turns it off.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Connection } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');

/**
 * Calls getAccessToken() back to back for `ms`; returns each call's latency in
 * ns, sorted. Latencies go to a preallocated typed array so the measuring
 * itself does not make garbage-collection pauses.
 */
async function steadyLoad(connector, ms) {
  const latencies = new Float64Array(20_000_000);
  let n = 0;
  const end = Date.now() + ms;
  while (Date.now() < end && n < latencies.length) {
    const start = process.hrtime.bigint();
    await connector.getAccessToken();
    latencies[n++] = Number(process.hrtime.bigint() - start);
    if (n % 1000 === 0) await new Promise(setImmediate); // let timers and I/O run
  }
  return latencies.subarray(0, n).sort();
}

test('across expiry boundaries no caller waits for the 50 ms refresh', async () => {
  const mock = await startMockOAuth({ delayMs: 50 });
  try {
    // Tokens served for 1 s: the load below crosses two expiry boundaries.
    const connector = new Connection({ c: settings(mock.url, { refresh_in: 1 }) }).getConnector('c');
    await connector.getAccessToken();
    await steadyLoad(connector, 100); // warm-up: let the JIT settle
    const latencies = await steadyLoad(connector, 2_500);
    const stats = connector.stats();
    const max = latencies[latencies.length - 1];
    const p99 = latencies[Math.floor(latencies.length * 0.99)];
    console.log(`# ${latencies.length} calls across 2 boundaries: max ${(max / 1e6).toFixed(3)} ms, p99 ${(p99 / 1e3).toFixed(1)} µs, background refreshes ${stats.backgroundRefreshes}`);
    assert.equal(stats.misses, 1, 'only the very first call waited');
    assert.ok(stats.backgroundRefreshes >= 2, `refreshed ahead (${stats.backgroundRefreshes})`);
    assert.ok(max < 50e6, 'no call took as long as one refresh');
  } finally {
    await mock.close();
  }
});

test('refreshAhead: false leaves refreshing to the callers', async () => {
  const mock = await startMockOAuth();
  try {
    const connector = new Connection({ c: settings(mock.url, { refresh_in: 1 }) }, { refreshAhead: false }).getConnector('c');
    await connector.getAccessToken();
    await steadyLoad(connector, 1_300);
    const stats = connector.stats();
    assert.equal(stats.backgroundRefreshes, 0);
    assert.equal(stats.misses, 2, 'the call after expiry waited');
    assert.throws(() => new Connection({}, { refreshAhead: 'no' }), { code: 'app/INVALID_STORE' });
  } finally {
    await mock.close();
  }
});
