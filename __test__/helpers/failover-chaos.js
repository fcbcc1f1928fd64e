'use strict';
// The failover chaos run shared by the Sentinel and cluster tests: 4
// processes share a rotating refresh token through a Redis store, each
// forcing a refresh every 100–300 ms (each one a lease) and reading its token
// every 20 ms, while `failover()` kills the master serving the connector,
// `rounds` times, each time while a token request is in flight (its process
// holds the lease). Counts what a failover must never cause.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMockOAuth, settings } = require('./mock-oauth');
const { runChild, packageRoot } = require('./child');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The bounds the run is held to (the child's HTTP timeout, the lease, the store timeout). */
const HTTP_TIMEOUT_MS = 2000;
const LEASE_MS = 4000;
const STORE_TIMEOUT_MS = 500;
/** A call may wait one lease and one HTTP timeout, and finish the store round trip in flight at its bound. */
const CALL_BOUND_MS = LEASE_MS + HTTP_TIMEOUT_MS + STORE_TIMEOUT_MS;
/**
 * How late a timer may fire here: the bound above is the engine's exact
 * worst case, and on a 2-core machine running 4 of these processes beside
 * the Redis nodes a caller's clock sees it a few milliseconds after (one CI
 * run measured 6503 ms against 6500). Breaking the bound costs more than this
 * slack: one more poll sleeps up to 300 ms, one more store round trip during a
 * failover waits out the store timeout.
 */
const SCHEDULING_SLACK_MS = 100;
/**
 * A process stops on time: its last call, then at most the writes of a held
 * lease it owns (they go on for as long as its hold stands: one lease + one
 * HTTP timeout + 20 s).
 */
const EXIT_BOUND_MS = CALL_BOUND_MS + (LEASE_MS + HTTP_TIMEOUT_MS + 20_000);

/**
 * Runs the chaos against the store at `storeUrl`. `failover()` kills the
 * master and resolves to `{ promotedMs }` once a replica took over and the
 * old master is back in sync; `started()` (optional) runs once the processes
 * have their first token. Resolves to the counts:
 * `{ failovers, promoted, requests, rejected, calls, longest, overLong,
 * codes, exitedWithin, allExited }`.
 */
async function failoverChaos({ storeUrl, rounds, failover, started }) {
  const mock = await startMockOAuth({ rotate: true, delayMs: 200 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-chaos-'));
  const stopFile = path.join(dir, 'stop');
  try {
    const json = { c: settings(mock.url, { expires_in: 2 }) };
    const storeOptions = { store: storeUrl, storeTimeoutMs: STORE_TIMEOUT_MS };
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
        if (took > ${CALL_BOUND_MS + SCHEDULING_SLACK_MS}) overLong += 1;
      };
      const stopped = () => fs.existsSync(${JSON.stringify(stopFile)});
      const reads = (async () => { while (!stopped()) { await timed(() => c.getAccessToken()); await new Promise((r) => setTimeout(r, 20)); } })();
      const refreshes = (async () => { while (!stopped()) { await timed(() => c.refreshAccessToken()); await new Promise((r) => setTimeout(r, 100 + Math.random() * 200)); } })();
      Promise.all([reads, refreshes]).then(() => {
        console.log(JSON.stringify({ codes, longest, overLong, calls, stoppedAt: Date.now() }));
      });`;
    const env = { ZC_CONNECTOR_HTTP_TIMEOUT_MS: String(HTTP_TIMEOUT_MS) };
    const children = [1, 2, 3, 4].map(() => runChild(script, { env, timeoutMs: 240_000 }));
    await sleep(1000);
    if (started) await started();
    const promoted = [];
    for (let round = 0; round < rounds; round += 1) {
      const seen = mock.count;
      const waitUntil = Date.now() + 5000;
      while (mock.count === seen && Date.now() < waitUntil) await sleep(5);
      await sleep(50);
      promoted.push((await failover()).promotedMs);
    }
    await sleep(1000);
    fs.writeFileSync(stopFile, '');
    const stopAt = Date.now();
    const runs = await Promise.all(children);
    const allExited = Date.now() - stopAt;
    const outputs = runs.map((r) => {
      if (r.code !== 0) throw new Error(`a process ended with ${r.code}: ${r.err}`);
      return JSON.parse(r.out);
    });
    return {
      failovers: promoted.length,
      promoted,
      requests: mock.count,
      rejected: mock.state.requests.filter((r) => r.rejected).length,
      calls: outputs.reduce((sum, o) => sum + o.calls, 0),
      longest: Math.max(...outputs.map((o) => o.longest)),
      overLong: outputs.reduce((sum, o) => sum + o.overLong, 0),
      codes: outputs.map((o) => o.codes),
      exitedWithin: Math.max(...outputs.map((o) => o.stoppedAt - stopAt)),
      allExited,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await mock.close();
  }
}

/** The run's counts as one line for the test output. */
function chaosSummary(r) {
  return `${r.failovers} failovers (promoted after ${Math.min(...r.promoted)}-${Math.max(...r.promoted)} ms); ` +
    `${r.requests} token requests, ${r.rejected} with a rotated-away refresh token; ` +
    `${r.calls} calls, longest ${r.longest} ms (bound ${CALL_BOUND_MS} ms + ${SCHEDULING_SLACK_MS} ms for late timers), ${r.overLong} over it; ` +
    `outcomes ${JSON.stringify(r.codes)}; all 4 stopped within ${r.exitedWithin} ms and exited within ${r.allExited} ms`;
}

module.exports = { failoverChaos, chaosSummary, CALL_BOUND_MS, EXIT_BOUND_MS };
