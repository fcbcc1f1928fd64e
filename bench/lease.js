'use strict';
// Lease rows of `npm run bench`: how long the fleet waits when the process
// holding the lease is `kill -9`ed mid-refresh, with default settings, against
// a real redis-server (skipped, and said so, without one).
const { startMockOAuth, settings } = require('../__test__/helpers/mock-oauth');
const { runChild, packageRoot } = require('../__test__/helpers/child');
const { redisMissing, startRedis } = require('../__test__/helpers/redis');

/** Milliseconds from the owner's `kill -9` until 3 other processes all have a token. */
async function takeoverAfterKill(root = packageRoot) {
  const redis = await startRedis();
  // The owner's request never answers in time; every other answers at once.
  const mock = await startMockOAuth({ delayFor: (count) => (count === 1 ? 120_000 : 0) });
  try {
    const json = JSON.stringify({ c: settings(mock.url) });
    const script = `
      const { Connection } = require(${root});
      new Connection(${json}, { store: ${JSON.stringify(redis.url)} }).getConnector('c').getAccessToken()
        .then((t) => console.log(t), (e) => console.log(e.code));`;
    const owner = runChild(script, { timeoutMs: 150_000 });
    while (mock.count < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    owner.child.kill('SIGKILL');
    const killedAt = Date.now();
    const others = await Promise.all([1, 2, 3].map(() => runChild(script, { timeoutMs: 150_000 })));
    const elapsed = Date.now() - killedAt;
    if (others.some((r) => !/^at-/.test(r.out.trim()))) throw new Error(`takeover failed: ${others.map((r) => r.out + r.err).join(' | ')}`);
    await owner;
    return elapsed;
  } finally {
    await mock.close();
    await redis.stop();
  }
}

async function leaseRows() {
  if (redisMissing()) {
    console.log('# SKIPPING the lease rows: redis-server is not installed');
    return [];
  }
  const ms = await takeoverAfterKill();
  return [['(k) lease owner `kill -9`ed mid-refresh, default settings, Redis: until 3 other processes have a token', `${(ms / 1000).toFixed(1)} s`, 'no lock (each process refreshes)', 'lease 4 s']];
}

module.exports = { leaseRows, takeoverAfterKill };

if (require.main === module) {
  const root = process.argv[2] ? JSON.stringify(process.argv[2]) : packageRoot;
  takeoverAfterKill(root).then((ms) => console.log(`takeover after kill -9: ${ms} ms`));
}
