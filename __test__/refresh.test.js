'use strict';
// Refresh ahead, seen from JavaScript: across an expiry boundary under steady
// load no call waits for the network, and `refreshAhead: false` turns it off.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Connection } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { steadyLoad } = require('./helpers/latency');

test('across expiry boundaries no caller waits for the 50 ms refresh', async () => {
  const mock = await startMockOAuth({ delayMs: 50 });
  try {
    // Tokens served for 2 s (refreshed 200–250 ms early): the load below
    // crosses two expiry boundaries.
    const connector = new Connection({ c: settings(mock.url, { refresh_in: 2 }) }).getConnector('c');
    await connector.getAccessToken();
    await steadyLoad(connector, 100); // warm-up: let the JIT settle
    const latencies = await steadyLoad(connector, 4_300);
    const stats = connector.stats();
    const max = latencies[latencies.length - 1];
    const p99 = latencies[Math.floor(latencies.length * 0.99)];
    console.log(`# ${latencies.length} calls across 2 boundaries: max ${(max / 1e6).toFixed(3)} ms, p99 ${(p99 / 1e3).toFixed(1)} µs, background refreshes ${stats.backgroundRefreshes}`);
    // A call that waited for a refresh is a miss: the count proves it, where a
    // latency bound would fail on a loaded machine (a GC pause, a busy core).
    assert.equal(stats.misses, 1, 'only the very first call waited');
    assert.ok(stats.backgroundRefreshes >= 2, `refreshed ahead (${stats.backgroundRefreshes})`);
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
