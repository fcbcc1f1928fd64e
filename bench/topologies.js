'use strict';
// Redis topology rows of `npm run bench`: the store-warm first call (a new
// connector's first getAccessToken() whose token is in the store, warm
// process) and an 8-process storm (8 processes x 250 cold calls: token
// requests, and the wall time until every process has its token) on plain
// Redis, a 3-master cluster and Sentinel (master + replica + 3 sentinels),
// each started here on private ports (skipped, and said so, without
// redis-server/redis-cli). Also the JS-thread reader's round trip against
// ioredis's (`docs/redis.md`), when ioredis can be required (it is not a
// dependency: `npm i --no-save ioredis`, or BENCH_IOREDIS=/path/to/ioredis).
//
//   node bench/topologies.js                 just these rows
//   node bench/topologies.js child <url>     one first-call measurement (used by the rows)
const { spawnSync } = require('node:child_process');
const { startMockOAuth, settings } = require('../__test__/helpers/mock-oauth');
const { runChild, packageRoot } = require('../__test__/helpers/child');
const { startRedis } = require('../__test__/helpers/redis');
const { topologiesMissing, startCluster, startSentinel } = require('../__test__/helpers/redis-topologies');

const WARM_UPS = 1000;
const FIRST_CALLS = 2000;
const ROUNDS = 5;
const STORM = { processes: 8, calls: 250 };

const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function settingsFor(i) {
  return { client_id: 'id', client_secret: 'secret', auth_url: 'http://127.0.0.1:9/token', refresh_url: 'http://127.0.0.1:9/token', refresh_token: `rt-topo-${i}` };
}

/** Seeds the entries of `all` through `redis-cli` (`-c` follows a cluster's redirections). */
function seed(all, port, cluster) {
  const { jsCacheKey, entryValue } = require('../__test__/helpers/stores');
  const quote = (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = all.map((s) => `SET ${quote(jsCacheKey('c', s))} ${quote(entryValue(`at-${s.refresh_token}`))} PX 3600000`).join('\n');
  const run = spawnSync('redis-cli', [...(cluster ? ['-c'] : []), '-h', '127.0.0.1', '-p', String(port)], { input: lines, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`seeding failed: ${run.stderr}`);
}

/** In a child: mean ns of the first calls of FIRST_CALLS new connectors after WARM_UPS ones. */
async function firstCallsChild(url, tag) {
  const { Connection } = require('..');
  const all = Array.from({ length: WARM_UPS + FIRST_CALLS }, (_, i) => settingsFor(`${tag}-${i}`));
  const open = (s) => new Connection({ c: s }, { store: url }).getConnector('c');
  for (const s of all.slice(0, WARM_UPS)) await open(s).getAccessToken();
  const start = process.hrtime.bigint();
  for (const s of all.slice(WARM_UPS)) {
    const token = await open(s).getAccessToken();
    if (token !== `at-${s.refresh_token}`) throw new Error(`not the stored token: ${token}`);
  }
  return Number(process.hrtime.bigint() - start) / FIRST_CALLS;
}

/** Median over ROUNDS processes of the store-warm first call on `url`. */
async function firstCall(url, port, cluster) {
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const tag = `${Date.now()}-${round}`;
    seed(Array.from({ length: WARM_UPS + FIRST_CALLS }, (_, i) => settingsFor(`${tag}-${i}`)), port, cluster);
    const child = spawnSync(process.execPath, [__filename, 'child', url, tag], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    runs.push(Number(child.stdout.trim()));
  }
  return median(runs);
}

/** 8 processes x 250 cold calls on `url`: token requests and ms until all have a token. */
async function storm(url) {
  const mock = await startMockOAuth({ delayMs: 50 });
  try {
    const json = { c: settings(mock.url) };
    const script = `
      const { Connection } = require(${packageRoot});
      const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(url)} }).getConnector('c');
      Promise.all(Array.from({ length: ${STORM.calls} }, () => c.getAccessToken()))
        .then((t) => console.log(JSON.stringify({ tokens: [...new Set(t)] })), (e) => console.log(JSON.stringify({ error: e.code })));`;
    const started = Date.now();
    const runs = await Promise.all(Array.from({ length: STORM.processes }, () => runChild(script, { timeoutMs: 60_000 })));
    const ms = Date.now() - started;
    const tokens = new Set(runs.flatMap((r) => JSON.parse(r.out).tokens || ['error']));
    return { requests: mock.count, ms, tokens: tokens.size };
  } finally {
    await mock.close();
  }
}

/** ns per GET of one key, sequential, through `get`: one round of `ops`. */
async function getNs(get, ops) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await get();
  return Number(process.hrtime.bigint() - start) / ops;
}

/**
 * The fastest of 30 rounds of 3000 GETs each for every client, the clients
 * taking turns round by round (on a shared machine the median is noise; the
 * fastest round is each client's own cost).
 */
async function fastestRounds(clients) {
  const best = clients.map(() => Infinity);
  for (const get of clients) for (let i = 0; i < 2000; i++) await get();
  for (let round = 0; round < 30; round++) {
    for (const [i, get] of clients.entries()) best[i] = Math.min(best[i], await getNs(get, 3000));
  }
  return best;
}

function ioredisModule() {
  try {
    return require(process.env.BENCH_IOREDIS || 'ioredis');
  } catch {
    return null;
  }
}

/** The JS-thread reader (lib/redis-client.js) against ioredis, GET round trip on loopback. */
async function readerRows(redis) {
  const { redisClient } = require('../lib/redis-client');
  const ours = redisClient(redis.url, (m) => new Error(m), 2000);
  await redis.command('SET', 'bench:key', JSON.stringify({ access_token: 'x'.repeat(70), expires_at: Date.now() + 3.6e6 }));
  const oursGet = () => ours.command('GET', 'bench:key');
  const IORedis = ioredisModule();
  if (!IORedis) {
    const [oursNs] = await fastestRounds([oursGet]);
    ours.close();
    return [['(rt) JS-thread GET round trip, plain Redis (loopback), fastest of 30 rounds', fmt(oursNs), 'ioredis: skipped: not installed (npm i --no-save ioredis)', '']];
  }
  const theirs = new IORedis(redis.port, '127.0.0.1', { lazyConnect: true, enableAutoPipelining: false });
  await theirs.connect();
  const [oursNs, theirsNs] = await fastestRounds([oursGet, () => theirs.get('bench:key')]);
  ours.close();
  theirs.disconnect();
  return [['(rt) JS-thread GET round trip, plain Redis (loopback), fastest of 30 rounds: hand-written RESP client', fmt(oursNs), `ioredis ${fmt(theirsNs)}`, `${(oursNs / theirsNs).toFixed(2)}x`]];
}

/** The rows, as `[measure, ours, other, note]`. */
async function topologyRows() {
  const missing = topologiesMissing();
  if (missing) {
    console.log(`# skipped: the Redis topology rows: ${missing}`);
    return [['(rt) Redis cluster / Sentinel rows', `skipped: ${missing}`, '', '']];
  }
  const rows = [];
  const plain = await startRedis();
  let cluster;
  let sentinel;
  try {
    rows.push(...await readerRows(plain));
    cluster = await startCluster();
    sentinel = await startSentinel();
    const targets = [
      ['plain redis://', plain.url, plain.port, false],
      ['redis+cluster:// (3 masters)', cluster.url(), cluster.ports[0], true],
      ['redis+sentinel:// (master + replica)', sentinel.url(), await sentinel.master(), false],
    ];
    for (const [name, url, port, isCluster] of targets) {
      const ns = await firstCall(url, port, isCluster);
      rows.push([`(rt) store-warm first call, ${name}, warm process (median of ${ROUNDS} processes)`, fmt(ns), '', '']);
    }
    for (const [name, url] of targets) {
      const result = await storm(url);
      rows.push([`(rt) ${STORM.processes} processes x ${STORM.calls} cold calls, ${name}: token requests · ms until all have a token`,
        `${result.requests} · ${result.ms} ms`, result.tokens === 1 ? 'one token for all' : `${result.tokens} tokens`, '']);
    }
  } finally {
    await plain.stop();
    await cluster?.stop();
    await sentinel?.stop();
  }
  return rows;
}

module.exports = { topologyRows };

if (require.main === module) {
  if (process.argv[2] === 'child') {
    firstCallsChild(process.argv[3], process.argv[4]).then((ns) => { console.log(ns); process.exit(0); }, (e) => { console.error(e); process.exit(1); });
  } else {
    topologyRows().then((rows) => {
      console.log('| measure | ours | other | note |\n| --- | --- | --- | --- |');
      for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    });
  }
}
