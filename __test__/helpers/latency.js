'use strict';
// Measures getAccessToken() under steady load (tests and bench share it).

/**
 * Calls `connector.getAccessToken()` back to back for `ms`; returns each call's
 * latency in ns, sorted. Latencies go to a preallocated typed array so that
 * measuring makes no garbage (and so no collection pauses of its own).
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

module.exports = { steadyLoad };
