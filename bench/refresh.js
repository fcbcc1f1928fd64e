'use strict';
// Refresh rows of `npm run bench`: a cluster storm on a shared store, and the
// latency of getAccessToken() under steady load across expiry boundaries.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Connection } = require('..');
const { JsConnection, fakeCatalystApp } = require('./js-package');
const { startMockOAuth, settings } = require('../__test__/helpers/mock-oauth');
const { runChild, packageRoot } = require('../__test__/helpers/child');
const { redisMissing, startRedis } = require('../__test__/helpers/redis');
const { steadyLoad } = require('../__test__/helpers/latency');
const { fileCatalystAppSource } = require('./stores');

const PROCESSES = 8;
const CALLS = 250;
const LOAD_MS = 2_500;

/** Token requests when PROCESSES processes each make CALLS concurrent cold per-request calls. */
async function storm(makeConnection) {
  const mock = await startMockOAuth({ delayMs: 50 });
  try {
    const json = JSON.stringify({ c: settings(mock.url) });
    const script = `
      const { Connection } = require(${packageRoot});
      const { JsConnection } = require(${JSON.stringify(path.join(__dirname, 'js-package.js'))});
      const make = ${makeConnection};
      Promise.all(Array.from({ length: ${CALLS} }, () => make(${json}).getConnector('c').getAccessToken()))
        .then(() => console.log('ok'));`;
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => runChild(script, { timeoutMs: 60_000 })));
    for (const r of results) if (r.code !== 0) throw new Error(`storm process failed: ${r.err}`);
    return mock.count;
  } finally {
    await mock.close();
  }
}

/** getAccessToken() under steady load for LOAD_MS across expiry boundaries: { max, p99 } in ns. */
async function acrossExpiry(connector) {
  await connector.getAccessToken();
  await steadyLoad(connector, 100); // warm-up
  const sorted = await steadyLoad(connector, LOAD_MS);
  return { max: sorted[sorted.length - 1], p99: sorted[Math.floor(sorted.length * 0.99)] };
}

async function refreshRows(fmt) {
  const rows = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-bench-refresh-'));
  const missing = redisMissing();
  const redis = missing ? null : await startRedis();
  try {
    const store = redis ? redis.url : `file://${path.join(dir, 'tokens.json')}`;
    const ours = await storm(`(json) => new Connection(json, { store: ${JSON.stringify(store)} })`);
    const theirs = await storm(`(json) => new JsConnection(${fileCatalystAppSource(path.join(dir, 'catalyst.json'))}, json)`);
    rows.push([`(f) cluster storm: ${PROCESSES} processes x ${CALLS} concurrent cold calls, shared ${redis ? 'Redis' : 'file'} store (JS: shared Catalyst Cache): token requests`,
      String(ours), String(theirs), `${(theirs / ours).toFixed(0)}x fewer`]);

    // Tokens served ~1 s, so the load crosses two expiry boundaries; the mock answers in 50 ms.
    const oursMock = await startMockOAuth({ delayMs: 50 });
    const theirsMock = await startMockOAuth({ delayMs: 50, expiresIn: 901 }); // JS: 901 s - 15 min = 1 s
    try {
      const oursLoad = await acrossExpiry(new Connection({ c: settings(oursMock.url, { refresh_in: 1 }) }).getConnector('c'));
      const theirsLoad = await acrossExpiry(new JsConnection(fakeCatalystApp(), { c: settings(theirsMock.url) }).getConnector('c'));
      rows.push(['(g) steady load across 2 expiry boundaries (refresh takes 50 ms): longest `getAccessToken()`', fmt(oursLoad.max), fmt(theirsLoad.max),
        oursLoad.max < 50e6 ? 'no caller waited for a refresh' : 'a caller waited']);
      rows.push(['(g) same: p99 `getAccessToken()`', fmt(oursLoad.p99), fmt(theirsLoad.p99), `${(theirsLoad.p99 / oursLoad.p99).toFixed(1)}x`]);
    } finally {
      await oursMock.close();
      await theirsMock.close();
    }
  } finally {
    if (redis) await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

module.exports = { refreshRows };
