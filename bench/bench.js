'use strict';
// `npm run bench`: this package against the published JS connector, side by
// side in one run, against the same local mock token endpoint. Prints a
// markdown table; timings are ns per operation (lower is better).
const { Connection } = require('..');
const { JsConnection, fakeCatalystApp } = require('./js-package');
const { startMockOAuth, settings } = require('../__test__/helpers/mock-oauth');
const { storeRows } = require('./stores');
const { refreshRows } = require('./refresh');
const { zcrmsdkRows } = require('./zcrmsdk');
const { failureRows } = require('./failures');
const { leaseRows } = require('./lease');
const { topologyRows } = require('./topologies');
const { targetRows } = require('./targets');

const CONCURRENT = 1000;
const WARM_OPS = Number(process.env.BENCH_OPS || 300_000);

async function nsPerOp(ops, fn) {
  for (let i = 0; i < Math.min(ops, 20_000); i++) await fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await fn();
  return Number(process.hrtime.bigint() - start) / ops;
}

/** Best of three runs, interleaved by the caller's order, to damp noise. */
async function best(ops, fn) {
  let result = Infinity;
  for (let i = 0; i < 3; i++) result = Math.min(result, await nsPerOp(ops, fn));
  return result;
}

const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);

async function main() {
  const mock = await startMockOAuth({ delayMs: 50 });
  const app = fakeCatalystApp();
  const rows = [];

  // (a) cold storm, per-request pattern.
  const oursJson = { crm: settings(mock.url) };
  let before = mock.count;
  await Promise.all(Array.from({ length: CONCURRENT }, () => new Connection(oursJson).getConnector('crm').getAccessToken()));
  const oursRequests = mock.count - before;
  const theirsJson = { crm: settings(mock.url) };
  before = mock.count;
  await Promise.all(Array.from({ length: CONCURRENT }, () => new JsConnection(app, theirsJson).getConnector('crm').getAccessToken()));
  const theirsRequests = mock.count - before;
  rows.push([`(a) ${CONCURRENT} concurrent cold calls, per-request pattern: token requests`, String(oursRequests), String(theirsRequests), `${(theirsRequests / oursRequests).toFixed(0)}x fewer`]);

  // (b) warm per-request pattern.
  const oursWarm = await best(WARM_OPS, () => new Connection(oursJson).getConnector('crm').getAccessToken());
  const theirsWarm = await best(WARM_OPS / 10, () => new JsConnection(app, theirsJson).getConnector('crm').getAccessToken());
  rows.push(['(b) warm per-request `new Connection(cfg).getConnector(n).getAccessToken()`', fmt(oursWarm), fmt(theirsWarm), `${(theirsWarm / oursWarm).toFixed(1)}x faster`]);

  // (c) reused connector, cache hit, against a plain async function's floor.
  const ours = new Connection(oursJson).getConnector('crm');
  const theirs = new JsConnection(app, theirsJson).getConnector('crm');
  await theirs.getAccessToken();
  const oursHit = await best(WARM_OPS * 3, () => ours.getAccessToken());
  const theirsHit = await best(WARM_OPS, () => theirs.getAccessToken());
  const cached = 'cached-token';
  const floor = await best(WARM_OPS * 3, async () => cached);
  rows.push(['(c) reused connector, cache hit', fmt(oursHit), fmt(theirsHit), `${(theirsHit / oursHit).toFixed(1)}x faster (${(oursHit / theirsHit * 100).toFixed(0)}% of JS cost)`]);
  rows.push(['(c) floor: plain JS `async () => cachedString`', fmt(floor), '', `ours = ${(oursHit / floor).toFixed(2)}x floor`]);

  rows.push(...await storeRows(mock, fmt));
  rows.push(...await refreshRows(fmt));
  rows.push(...await failureRows());
  rows.push(...await leaseRows());
  rows.push(...await topologyRows());
  rows.push(...await zcrmsdkRows(fmt));

  console.log(`\nzcatalyst-connector-rs vs zcatalyst-sdk-node ${require('zcatalyst-sdk-node/package.json').version} connector, Node ${process.version}, mock endpoint answering in 50 ms\n`);
  console.log('| measure | ours | JS package | ratio |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);

  // Issue 12's rows: the paths where a peer used to lead, with
  // google-auth-library beside the JS connector (bench/targets.js).
  const targets = await targetRows();
  console.log(`\nagainst the JS connector and google-auth-library ${require('google-auth-library/package.json').version}, same run\n`);
  console.log('| measure | ours | peers | ours / best peer |');
  console.log('|---|---|---|---|');
  for (const row of targets) console.log(`| ${row.join(' | ')} |`);
  await mock.close();
}

main().catch((err) => { console.error(err); process.exit(1); });
