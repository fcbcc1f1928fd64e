'use strict';
// Failure rows of `npm run bench`: token requests that a failing endpoint
// receives while 20 callers keep asking for 6 s, ours vs the JS package, for
// each way an endpoint fails; and the fetch() loop against an API that
// rejects every token.
const { Connection } = require('..');
const { JsConnection, fakeCatalystApp } = require('./js-package');
const { startMockOAuth, settings } = require('../__test__/helpers/mock-oauth');

const CALLERS = 20;
const SECONDS = Number(process.env.BENCH_FAIL_SECONDS || 6);

const CASES = [
  ['HTTP 500', () => ({ status: 500, json: {} })],
  ['429 + Retry-After: 2', () => ({ status: 429, json: {}, headers: { 'retry-after': '2' } })],
  ["Zoho's HTTP-200 'too many requests'", () => ({ status: 200, json: { error: 'Access Denied', error_description: 'You have made too many requests continuously.' } })],
  ['`expires_in: 0`', () => ({ status: 200, json: { access_token: 'at-dead', expires_in: 0 } })],
];

/** Token requests while CALLERS loops call `get` (errors swallowed) for SECONDS. */
async function requestsUnder(respond, makeConnector) {
  const mock = await startMockOAuth({ respond });
  try {
    const connector = makeConnector(mock.url);
    const until = Date.now() + SECONDS * 1000;
    await Promise.all(Array.from({ length: CALLERS }, async () => {
      while (Date.now() < until) {
        try { await connector.getAccessToken(); } catch { /* counted at the endpoint */ }
        await new Promise((resolve) => setImmediate(resolve));
      }
    }));
    return mock.count;
  } finally {
    await mock.close();
  }
}

async function failureRows() {
  const rows = [];
  const app = fakeCatalystApp();
  for (const [name, respond] of CASES) {
    const ours = await requestsUnder(respond, (url) => new Connection({ c: settings(url) }).getConnector('c'));
    const theirs = await requestsUnder(respond, (url) => new JsConnection(app, { c: settings(url) }).getConnector('c'));
    rows.push([`(j) failing endpoint (${name}), ${CALLERS} callers × ${SECONDS} s: token requests`, String(ours), String(theirs), `${(theirs / Math.max(ours, 1)).toFixed(0)}x fewer`]);
  }
  // fetch() against an API answering 401 to every token (100 calls).
  const mock = await startMockOAuth();
  try {
    const connector = new Connection({ c: settings(mock.url) }).getConnector('c');
    for (let i = 0; i < 100; i += 1) await connector.fetch(`${mock.apiUrl.replace('/api', '/api/denied')}/x`);
    rows.push(['(j) `fetch()` ×100 against an API that answers 401 to every token: token requests', String(mock.count), 'no fetch()', '']);
  } finally {
    await mock.close();
  }
  return rows;
}

module.exports = { failureRows };
