'use strict';
// zcrmsdk rows of `npm run bench`: this package's zcrmsdk subpath against the
// legacy zcrmsdk 0.0.20 (from __test__/legacy), each in a process of its own,
// against one local mock Zoho whose token endpoint answers in 50 ms. The API
// calls of both go over HTTPS (the legacy cannot do otherwise) to the mock's
// throwaway certificate; ours reaches the token endpoint over loopback HTTP.
const path = require('node:path');
const { execFile } = require('node:child_process');
const { startMockZoho, CLIENT_ID, CLIENT_SECRET, REDIRECT_URL } = require('../__test__/helpers/mock-zoho');
const { ensureLegacy } = require('../__test__/helpers/zcrm');

const CALLS = 100;
const WARM = { ours: Number(process.env.BENCH_ZCRM_WARM || 2000), legacy: Number(process.env.BENCH_ZCRM_WARM || 2000) / 4 };

function side(impl, options, env) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'zcrmsdk-side.js'), impl, JSON.stringify(options)], {
      env: { ...process.env, ...env }, timeout: 180_000,
    }, (error, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        reject(new Error(`zcrmsdk bench (${impl}) failed: ${error ? error.message : ''}\n${stderr}`));
      }
    });
  });
}

async function zcrmsdkRows(fmt) {
  ensureLegacy();
  const mock = await startMockZoho({ https: true, delayMs: 50 });
  const env = { NODE_EXTRA_CA_CERTS: mock.certFile };
  const common = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUrl: REDIRECT_URL, apiHost: mock.httpsHost, iamOrigin: mock.httpOrigin, user: 'alice' };
  try {
    const storm = {};
    for (const impl of ['legacy', 'ours']) {
      const rows = { alice: { access_token: mock.accessToken('alice', -10), refresh_token: mock.refreshToken('alice'), expires_in: Date.now() - 1000 } };
      mock.reset();
      const out = await side(impl, { ...common, mode: 'storm', calls: CALLS, rows }, env);
      storm[impl] = { ...out, refreshes: mock.state.tokenRequests.length, stale: mock.state.apiRequests.filter((r) => !r.valid).length };
    }
    const warm = {};
    const row = { access_token: mock.accessToken('alice'), refresh_token: mock.refreshToken('alice'), expires_in: Date.now() + 3_600_000 };
    for (const impl of ['legacy', 'ours']) {
      warm[impl] = await side(impl, { ...common, mode: 'warm', warmCalls: WARM[impl], rows: { alice: row }, row }, env);
    }
    const ms = (value) => `${value.toFixed(0)} ms`;
    return [
      [`(h) zcrmsdk: ${CALLS} concurrent API calls on an expired token: token requests (JS column: legacy zcrmsdk 0.0.20)`,
        String(storm.ours.refreshes), String(storm.legacy.refreshes), `${(storm.legacy.refreshes / storm.ours.refreshes).toFixed(0)}x fewer`],
      [`(h) same: wall time until all ${CALLS} answered (${storm.ours.ok} / ${storm.legacy.ok} got 200)`,
        ms(storm.ours.wallMs), ms(storm.legacy.wallMs), `${(storm.legacy.wallMs / storm.ours.wallMs).toFixed(1)}x faster`],
      ['(i) zcrmsdk: warm API call, sequential, HTTPS to the local mock (JS column: legacy)',
        fmt(warm.ours.warmNs), fmt(warm.legacy.warmNs), `${(warm.legacy.warmNs / warm.ours.warmNs).toFixed(1)}x faster`],
      ['(i) same: per-call overhead over a bare keep-alive `https.get` of the same URL in the same process',
        fmt(warm.ours.warmNs - warm.ours.floorNs), fmt(warm.legacy.warmNs - warm.legacy.floorNs),
        `floor ${fmt(warm.ours.floorNs)} / ${fmt(warm.legacy.floorNs)}`],
    ];
  } finally {
    await mock.close();
  }
}

module.exports = { zcrmsdkRows };

if (require.main === module) {
  const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
  zcrmsdkRows(fmt).then((rows) => {
    console.log('| measure | ours | legacy zcrmsdk 0.0.20 | ratio |');
    console.log('|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  }).catch((error) => { console.error(error); process.exit(1); });
}
