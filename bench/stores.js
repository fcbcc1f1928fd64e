'use strict';
// Store rows of `npm run bench`: a second process against a warm store, and
// the latency of a cold in-process slot served from each store.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Connection } = require('..');
const { JsConnection } = require('./js-package');
const { settings } = require('../__test__/helpers/mock-oauth');
const { mapStore, catalystApp, jsCacheKey, entryValue } = require('../__test__/helpers/stores');
const { runChild, packageRoot } = require('../__test__/helpers/child');
const { redisMissing, startRedis } = require('../__test__/helpers/redis');

const READS = 300;

/** A fake Catalyst app whose cache segment is a JSON file, so processes share it. */
const fileCatalystAppSource = (file) => `{
  cache: () => ({ segment: () => ({
    async get(key) {
      try { return { cache_value: JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))[key] ?? null }; }
      catch { return { cache_value: null }; }
    },
    async put(key, value, hours) {
      let all = {};
      try { all = JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8')); } catch {}
      all[key] = value;
      require('fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(all));
      return { cache_name: key, cache_value: value, expiry_in_hours: hours };
    },
  }) }),
  config: { projectId: '1', projectKey: '1', environment: 'Development' },
  credential: { getCurrentUser: () => 'admin', getCurrentUserType: () => 'admin' },
}`;

/** Token requests made by a second process after a first one warmed the store. */
async function secondProcessRequests(mock, makeConnection) {
  const json = JSON.stringify({ c: settings(mock.url) });
  const script = `
    const { Connection } = require(${packageRoot});
    const { JsConnection } = require(${JSON.stringify(path.join(__dirname, 'js-package.js'))});
    (${makeConnection})(${json}).getConnector('c').getAccessToken().then(() => console.log('ok'));`;
  const first = await runChild(script);
  if (first.code !== 0) throw new Error(`first process failed: ${first.err}`);
  const before = mock.count;
  const second = await runChild(script);
  if (second.code !== 0) throw new Error(`second process failed: ${second.err}`);
  return mock.count - before;
}

/** Mean ns for a cold in-process slot to get its token from a warm store. */
async function coldReadNs(mock, populate, connect) {
  const configs = Array.from({ length: READS }, () => settings(mock.url));
  await populate(configs.map((s) => [jsCacheKey('c', s), entryValue(`at-stored-${s.refresh_token}`)]));
  const before = mock.count;
  const start = process.hrtime.bigint();
  for (const s of configs) await connect({ c: s }).getConnector('c').getAccessToken();
  const ns = Number(process.hrtime.bigint() - start) / READS;
  if (mock.count !== before) throw new Error(`${mock.count - before} token requests during store reads`);
  return ns;
}

async function storeRows(mock, fmt) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-bench-'));
  const rows = [];
  const missing = redisMissing();
  const redis = missing ? null : await startRedis();
  try {
    // (d) a second process against a warm store.
    const fileUrl = `file://${path.join(dir, 'tokens.json')}`;
    const catalystFile = path.join(dir, 'catalyst.json');
    const viaFile = await secondProcessRequests(mock, `(json) => new Connection(json, { store: ${JSON.stringify(fileUrl)} })`);
    const viaRedis = redis ? await secondProcessRequests(mock, `(json) => new Connection(json, { store: ${JSON.stringify(redis.url)} })`) : null;
    const oursCatalyst = await secondProcessRequests(mock, `(json) => new Connection(json, ${fileCatalystAppSource(catalystFile)})`);
    const theirsCatalyst = await secondProcessRequests(mock, `(json) => new JsConnection(${fileCatalystAppSource(catalystFile)}, json)`);
    rows.push(['(d) second process, warm store: token requests (file / Redis / Catalyst Cache)',
      `${viaFile} / ${viaRedis ?? 'n/a'} / ${oursCatalyst}`, `— / — / ${theirsCatalyst}`,
      'the JS package shares tokens only through Catalyst Cache']);

    // (e) a cold slot served from a warm store.
    const app = catalystApp();
    const oursApp = await coldReadNs(mock, (es) => es.forEach(([k, v]) => app.entries.set(k, v)), (json) => new Connection(json, app));
    const theirsApp = await coldReadNs(mock, (es) => es.forEach(([k, v]) => app.entries.set(k, v)), (json) => new JsConnection(app, json));
    const ratio = theirsApp > oursApp ? `${(theirsApp / oursApp).toFixed(1)}x faster` : `${(oursApp / theirsApp).toFixed(1)}x slower, once per connector per process (JS: on every per-request call, see (b))`;
    rows.push(['(e) cold connector, token in Catalyst Cache (in-memory fake): read latency', fmt(oursApp), fmt(theirsApp), ratio]);
    const store = mapStore();
    const oursJs = await coldReadNs(mock, (es) => es.forEach(([k, v]) => store.entries.set(k, v)), (json) => new Connection(json, { store }));
    rows.push(['(e) cold connector, token in a custom JS store (Map)', fmt(oursJs), '—', '']);
    const file = path.join(dir, 'read.json');
    const oursFile = await coldReadNs(mock, (es) => {
      const entries = Object.fromEntries(es.map(([k, v]) => [k, { value: v, expires_at: Date.now() + 3_000_000 }]));
      fs.writeFileSync(file, JSON.stringify({ format: 'zcatalyst-connector-tokens/1', entries }));
    }, (json) => new Connection(json, { store: `file://${file}` }));
    rows.push([`(e) cold connector, token in a file store (${READS} entries)`, fmt(oursFile), '—', '']);
    if (redis) {
      const oursRedis = await coldReadNs(mock, async (es) => {
        for (const [k, v] of es) await redis.command('SET', k, v, 'PX', 3_600_000);
      }, (json) => new Connection(json, { store: redis.url }));
      rows.push(['(e) cold connector, token in Redis (local redis-server)', fmt(oursRedis), '—', '']);
    } else {
      rows.push(['(e) cold connector, token in Redis', `skipped: ${missing}`, '—', '']);
    }
  } finally {
    if (redis) await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

module.exports = { storeRows, fileCatalystAppSource };
