'use strict';
// The rows of `npm run bench` that put this package beside its peers on the
// shapes users run, side by side in one run — this package, the published JS connector
// (zcatalyst-sdk-node's) and google-auth-library's OAuth2Client.
//
//   node bench/targets.js                  just these rows
//   node --expose-gc bench/targets.js child <mode> <peer> [n]   one measurement (used by the rows)
//
// Memory and 100k-connector rows run each peer in its own process started
// with --expose-gc, so one peer's heap does not weigh on another's numbers.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const CONNECTORS = Number(process.env.BENCH_CONNECTORS || 100_000);
const FIRST_CALLS = 5000; // measured first calls, each on a new connector
const WARM_UPS = 10_000; // steady state: first calls made before the measured ones
const FRESH_RUNS = 7;
const FIRST_CALL_ROUNDS = 7;
/** The environment of a child measuring distinct configurations (see `settingsFor`). */
const CONFIGS = { BENCH_SHAPE: 'configs' };
const CONFIGS_N = CONNECTORS;
/** Zoho's US token endpoint: what `data_centre: 'us'` stands for. */
const ZOHO_US = 'https://accounts.zoho.com/oauth/v2/token';

const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;

/** `ours / best peer` as "0.62x (ahead)" or "1.30x (behind)". */
function versus(ours, peer) {
  const r = ours / peer;
  return `${r.toFixed(2)}x ${r <= 1 ? '(ahead or equal)' : '(behind)'}`;
}

/**
 * Connector settings number `i`. BENCH_SHAPE picks what differs between
 * connectors: 'tokens' (default) only the refresh token — one app, one
 * connector per user; 'configs' the client id and secret and the token URLs
 * too — many apps or tenants in one process, which the kept-settings path
 * of the engine cannot serve; 'datacentre' as 'tokens', with Zoho's URLs,
 * which this package's connectors (`ours`) name by `data_centre: 'us'` (the
 * JS connector takes only the URLs).
 */
function settingsFor(i, url, ours = false) {
  if (process.env.BENCH_SHAPE === 'datacentre') {
    const refreshToken = `1000.refresh-token-${process.pid}-${i}`;
    return ours
      ? { client_id: '1000.CLIENTID', client_secret: 'client-secret-value', data_centre: 'us', refresh_token: refreshToken, redirect_url: 'https://app.example.com/callback', expires_in: 3600 }
      : { client_id: '1000.CLIENTID', client_secret: 'client-secret-value', auth_url: ZOHO_US, refresh_url: ZOHO_US, refresh_token: refreshToken, redirect_url: 'https://app.example.com/callback', expires_in: 3600 };
  }
  const configs = process.env.BENCH_SHAPE === 'configs';
  const tokenUrl = configs ? `${url}/t${i}` : url;
  return {
    client_id: configs ? `1000.CLIENT${i}` : '1000.CLIENTID',
    client_secret: configs ? `client-secret-${i}` : 'client-secret-value',
    auth_url: tokenUrl,
    refresh_url: tokenUrl,
    refresh_token: `1000.refresh-token-${process.pid}-${i}`,
    redirect_url: 'https://app.example.com/callback',
    expires_in: 3600,
  };
}

// ---- measurements run in a child process ------------------------------------

function gc() {
  for (let i = 0; i < 4; i++) global.gc();
}

function memory() {
  gc();
  const m = process.memoryUsage();
  return m.rss;
}

/** A connector factory per peer over a store already holding every token. */
function peer(name, url, n) {
  const { catalystApp, mapStore, jsCacheKey, entryValue } = require('../__test__/helpers/stores');
  const all = Array.from({ length: n }, (_, i) => settingsFor(i, url, name.startsWith('ours')));
  if (name === 'google') {
    const { OAuth2Client } = require('google-auth-library');
    return {
      all,
      open(s) {
        const client = new OAuth2Client({ clientId: s.client_id, clientSecret: s.client_secret });
        client.setCredentials({ access_token: `at-${s.refresh_token}`, refresh_token: s.refresh_token, expiry_date: Date.now() + 3_000_000 });
        return client;
      },
      token: (client) => client.getAccessToken().then((r) => r.token),
    };
  }
  const app = name === 'ours-custom' ? null : catalystApp();
  const store = name === 'ours-custom' ? mapStore() : null;
  const entries = app ? app.entries : store.entries;
  for (const s of all) {
    const urls = s.data_centre === undefined ? s : { ...s, auth_url: ZOHO_US, refresh_url: ZOHO_US };
    entries.set(jsCacheKey('c', urls), entryValue(`at-${s.refresh_token}`));
  }
  if (store) store.calls.length = 0;
  if (name === 'js') {
    const { JsConnection } = require('./js-package');
    return { all, open: (s) => new JsConnection(app, { c: s }).getConnector('c'), token: (c) => c.getAccessToken() };
  }
  const { Connection } = require('..');
  const second = app ?? { store };
  return { all, open: (s) => new Connection({ c: s }, second).getConnector('c'), token: (c) => c.getAccessToken() };
}

const children = {
  /** The first getAccessToken() of a fresh process, token in the store; and the package's `require` before it. */
  async fresh(name) {
    const required = process.hrtime.bigint();
    require(name === 'js' ? './js-package' : '..');
    const requireNs = Number(process.hrtime.bigint() - required);
    const url = 'http://127.0.0.1:9/token'; // never called: the store has the token
    const p = peer(name, url, 1);
    const start = process.hrtime.bigint();
    const token = await p.token(p.open(p.all[0]));
    const ns = Number(process.hrtime.bigint() - start);
    if (!token) throw new Error('no token');
    return { ns, requireNs };
  },

  /** Mean ns of the first getAccessToken() of a new connector, token in the store, after WARM_UPS warm-up connectors. */
  async firstCalls(name) {
    const redisUrl = name === 'ours-redis' ? redisClientFor(process.env.BENCH_REDIS_URL) : undefined;
    try {
      return { ns: await firstCallNs(name, redisUrl) };
    } finally {
      redisUrl?.close();
    }
  },

  /** Bytes per live connector (each with its token), then per connector after they are dropped. */
  async memory(name, n) {
    const url = 'http://127.0.0.1:9/token';
    const p = peer(name, url, n);
    const base = memory();
    let held = p.all.map((s) => ({ c: s }));
    let connectors = held.map((json) => p.open(json.c));
    for (let i = 0; i < n; i += 1000) {
      await Promise.all(connectors.slice(i, i + 1000).map((c) => p.token(c)));
    }
    const live = memory() - base;
    held = null;
    connectors = null;
    p.all.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const dropped = memory() - base;
    const native = name.startsWith('ours') ? require('../index.js') : undefined;
    return { live: live / n, dropped: dropped / n, slots: native?.liveSlots(), settings: native?.internedSettingsCount() };
  },

  /**
   * ns per warm getAccessToken() of one reused connector (google's client for
   * 'google'), and for ours the floor (`async () => cachedString`) measured
   * before and after it in the same process.
   */
  async hit(name) {
    if (name === 'google') {
      const { OAuth2Client } = require('google-auth-library');
      const google = new OAuth2Client({ clientId: 'c', clientSecret: 's' });
      google.setCredentials({ access_token: 'at', refresh_token: 'rt', expiry_date: Date.now() + 3_000_000 });
      return { ns: await best(300_000, () => google.getAccessToken()) };
    }
    const { Connection } = require('..');
    const { mapStore, jsCacheKey, entryValue } = require('../__test__/helpers/stores');
    const store = mapStore();
    const s = settingsFor('hit', 'http://127.0.0.1:9/token');
    store.entries.set(jsCacheKey('c', s), entryValue('at-hit'));
    const ours = new Connection({ c: s }, { store }).getConnector('c');
    await ours.getAccessToken();
    const cached = 'cached-token';
    const floor = await best(900_000, async () => cached);
    const ns = await best(900_000, () => ours.getAccessToken());
    const floor2 = await best(900_000, async () => cached);
    return { ns, floor: Math.min(floor, floor2) };
  },

  /** ns per warm getAccessToken() over n connectors called round-robin. */
  async roundRobin(name, n) {
    const url = 'http://127.0.0.1:9/token';
    const p = peer(name, url, n);
    const connectors = p.all.map((s) => p.open(s));
    for (let i = 0; i < n; i += 1000) await Promise.all(connectors.slice(i, i + 1000).map((c) => p.token(c)));
    const ops = Math.max(n * 3, 300_000);
    let best = Infinity;
    for (let round = 0; round < 3; round++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < ops; i++) await p.token(connectors[i % n]);
      best = Math.min(best, Number(process.hrtime.bigint() - start) / ops);
    }
    return { ns: best };
  },
};

function child(mode, name, n, env) {
  const args = ['--expose-gc', __filename, 'child', mode, name, String(n ?? 0)];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${mode} ${name} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** `{ url, command(...args), close() }` over the Redis at `url` (the one the parent started). */
function redisClientFor(url) {
  const { redisClient } = require('../lib/redis-client');
  const client = redisClient(url, (message) => new Error(message));
  return { url, command: (...args) => client.command(...args), close: () => client.close() };
}

// ---- measurements in this process --------------------------------------------

/** Mean ns of the first getAccessToken() of a new connector whose token is in the store (process warm). */
async function firstCallNs(name, redisUrl) {
  const url = 'http://127.0.0.1:9/token';
  const { Connection } = require('..');
  if (name === 'ours-redis') {
    const { jsCacheKey, entryValue } = require('../__test__/helpers/stores');
    const all = Array.from({ length: WARM_UPS + FIRST_CALLS }, (_, i) => settingsFor(`redis-${Date.now()}-${i}`, url));
    for (const s of all) await redisUrl.command('SET', jsCacheKey('c', s), entryValue(`at-${s.refresh_token}`), 'PX', 3_600_000);
    const open = (s) => new Connection({ c: s }, { store: redisUrl.url }).getConnector('c');
    return timeFirstCalls(all, open, (c) => c.getAccessToken());
  }
  const p = peer(name, url, WARM_UPS + FIRST_CALLS);
  return timeFirstCalls(p.all, p.open, p.token);
}

async function timeFirstCalls(all, open, token) {
  for (const s of all.slice(0, WARM_UPS)) await token(open(s));
  const start = process.hrtime.bigint();
  for (const s of all.slice(WARM_UPS)) await token(open(s));
  return Number(process.hrtime.bigint() - start) / (all.length - WARM_UPS);
}

async function nsPerOp(ops, fn) {
  for (let i = 0; i < Math.min(ops, 20_000); i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await fn();
  return Number(process.hrtime.bigint() - start) / ops;
}

async function best(ops, fn) {
  let result = Infinity;
  for (let i = 0; i < 3; i++) result = Math.min(result, await nsPerOp(ops, fn));
  return result;
}

/** The rows, as `[measure, ours, peers, ratio]`. */
async function targetRows() {
  const rows = [];
  // BENCH_ONLY=t1,t4 runs just those rows (for iterating; `npm run bench` runs all).
  const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
  const want = (row) => only === null || only.has(row);
  const { redisMissing, startRedis } = require('../__test__/helpers/redis');

  // 1. Token in a JS-side store, steady state and a fresh process. Each
  // measurement runs in a process of its own (no peer inherits another's
  // heap or JIT state), the peers taking turns; the median of the rounds.
  if (want('t1')) {
  const steady = { 'ours-catalyst': [], 'ours-custom': [], js: [] };
  for (let round = 0; round < FIRST_CALL_ROUNDS; round++) {
    for (const name of Object.keys(steady)) steady[name].push(child('firstCalls', name).ns);
  }
  const oursApp = median(steady['ours-catalyst']);
  const oursCustom = median(steady['ours-custom']);
  const jsApp = median(steady.js);
  rows.push([`(t1) first \`getAccessToken()\` of a new connector, token in Catalyst Cache (in-memory fake), warm process (median of ${FIRST_CALL_ROUNDS} processes)`,
    fmt(oursApp), `JS ${fmt(jsApp)}`, versus(oursApp, jsApp)]);
  rows.push(['(t1) same, token in a custom JS store (Map)', fmt(oursCustom), `JS (Catalyst) ${fmt(jsApp)}`, versus(oursCustom, jsApp)]);
  // Many apps or tenants in one process: every connector has a configuration of its own.
  const distinct = { 'ours-catalyst': [], js: [] };
  for (let round = 0; round < FIRST_CALL_ROUNDS; round++) {
    for (const name of Object.keys(distinct)) distinct[name].push(child('firstCalls', name, 0, CONFIGS).ns);
  }
  const oursDistinct = median(distinct['ours-catalyst']);
  const jsDistinct = median(distinct.js);
  rows.push([`(t1) same, Catalyst Cache, **distinct configurations** (client id, secret and token URLs differ per connector; median of ${FIRST_CALL_ROUNDS})`,
    fmt(oursDistinct), `JS ${fmt(jsDistinct)}`, versus(oursDistinct, jsDistinct)]);
  const zoho = { 'ours-catalyst': [], js: [] };
  for (let round = 0; round < FIRST_CALL_ROUNDS; round++) {
    for (const name of Object.keys(zoho)) zoho[name].push(child('firstCalls', name, 0, { BENCH_SHAPE: 'datacentre' }).ns);
  }
  const oursZoho = median(zoho['ours-catalyst']);
  const jsZoho = median(zoho.js);
  rows.push([`(t1) same, Catalyst Cache, one app and many users, settings with \`data_centre: 'us'\` (the JS connector: the same URLs; median of ${FIRST_CALL_ROUNDS})`,
    fmt(oursZoho), `JS ${fmt(jsZoho)}`, versus(oursZoho, jsZoho)]);
  const fresh = { 'ours-catalyst': [], js: [] };
  for (let round = 0; round < FRESH_RUNS; round++) {
    for (const name of Object.keys(fresh)) fresh[name].push(child('fresh', name));
  }
  const freshOurs = median(fresh['ours-catalyst'].map((r) => r.ns));
  const freshJs = median(fresh.js.map((r) => r.ns));
  rows.push([`(t1) same, first call of a fresh process (after require; median of ${FRESH_RUNS})`, fmt(freshOurs), `JS ${fmt(freshJs)}`, versus(freshOurs, freshJs)]);
  // Work moved from the first call into require would show here.
  const coldOurs = median(fresh['ours-catalyst'].map((r) => r.requireNs + r.ns));
  const coldJs = median(fresh.js.map((r) => r.requireNs + r.ns));
  rows.push(['(t1) same process: `require` of the package + that first call', fmt(coldOurs), `JS ${fmt(coldJs)}`, versus(coldOurs, coldJs)]);
  }

  // 2. Redis on loopback.
  const missing = redisMissing();
  if (!want('t2')) {
    // skipped
  } else if (missing) {
    rows.push(['(t2) first call, token in Redis (loopback)', `skipped: ${missing}`, '', '']);
  } else {
    const redis = await startRedis();
    try {
      const runs = Array.from({ length: FIRST_CALL_ROUNDS }, () => child('firstCalls', 'ours-redis', 0, { BENCH_REDIS_URL: redis.url }).ns);
      const oursRedis = median(runs);
      rows.push([`(t2) first call of a new connector, token in Redis (loopback), warm process (median of ${FIRST_CALL_ROUNDS} processes)`, fmt(oursRedis), 'target ≤ 60 µs', oursRedis <= 60_000 ? 'met' : 'not met']);
    } finally {
      await redis.stop();
    }
  }

  // 3. Memory per connector.
  if (want('t3')) {
  const mem = {};
  for (const name of ['ours-catalyst', 'js', 'google']) mem[name] = child('memory', name, CONNECTORS);
  rows.push([`(t3) memory per live connector with its token, ${CONNECTORS / 1000}k connectors (RSS after GC)`,
    kb(mem['ours-catalyst'].live), `JS ${kb(mem.js.live)} · google ${kb(mem.google.live)}`, `target ≤ 1.5 KB: ${mem['ours-catalyst'].live <= 1536 ? 'met' : 'not met'}`]);
  rows.push(['(t3) same, still held per connector after all are dropped and collected',
    `${kb(mem['ours-catalyst'].dropped)} (${mem['ours-catalyst'].slots} slots left)`, `JS ${kb(mem.js.dropped)} · google ${kb(mem.google.dropped)}`, `target ≤ 0.3 KB: ${mem['ours-catalyst'].dropped <= 307 ? 'met' : 'not met'}`]);
  const memDistinct = {};
  for (const name of ['ours-catalyst', 'js']) memDistinct[name] = child('memory', name, CONFIGS_N, CONFIGS);
  const ours = memDistinct['ours-catalyst'];
  rows.push([`(t3) memory per live connector, ${CONFIGS_N / 1000}k **distinct configurations**`,
    kb(ours.live), `JS ${kb(memDistinct.js.live)}`, `target ≤ 1.5 KB: ${ours.live <= 1536 ? 'met' : 'not met'}`]);
  rows.push(['(t3) same, still held per connector after all are dropped and collected',
    `${kb(ours.dropped)} (${ours.slots} slots, ${ours.settings} settings left)`, `JS ${kb(memDistinct.js.dropped)}`, `target ≤ 0.3 KB: ${ours.dropped <= 307 ? 'met' : 'not met'}`]);
  }
  if (!want('t4')) return rows;

  // 4. Warm hits, each peer in a process of its own (after the rows above, a
  // hit measured in this process runs code that has seen every other row).
  const oursHit = child('hit', 'ours');
  const googleHit = child('hit', 'google').ns;
  rows.push(['(t4) reused connector, cache hit', fmt(oursHit.ns), `google ${fmt(googleHit)} · floor ${fmt(oursHit.floor)}`, `${(oursHit.ns / oursHit.floor).toFixed(2)}x floor (target ≤ 1.2x); ${versus(oursHit.ns, googleHit)} vs google`]);
  const rrOurs = child('roundRobin', 'ours-catalyst', CONNECTORS).ns;
  const rrGoogle = child('roundRobin', 'google', CONNECTORS).ns;
  const rrJs = child('roundRobin', 'js', CONNECTORS).ns;
  rows.push([`(t4) warm hit, ${CONNECTORS / 1000}k connectors called round-robin`, fmt(rrOurs), `google ${fmt(rrGoogle)} · JS ${fmt(rrJs)}`, `${versus(rrOurs, rrGoogle)} vs google`]);
  return rows;
}

async function main() {
  if (process.argv[2] === 'child') {
    const [, , , mode, name, n] = process.argv;
    const result = await children[mode](name, Number(n));
    console.log(JSON.stringify(result));
    process.exit(0);
  }
  const rows = await targetRows();
  console.log(`\npeer rows: zcatalyst-connector-rs vs zcatalyst-sdk-node ${require('zcatalyst-sdk-node/package.json').version} connector and google-auth-library ${require('google-auth-library/package.json').version}, Node ${process.version}\n`);
  console.log('| measure | ours | peers | ours / best peer |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  process.exit(0);
}

if (require.main === module) main().catch((error) => { console.error(error); process.exit(1); });

module.exports = { targetRows };
