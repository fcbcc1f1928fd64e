'use strict';
// Cancellation: getAccessToken({ signal }) and fetch(url, { signal }) reject as
// soon as the signal aborts, with an AbortError (code app/ABORTED, the signal's
// reason as cause), while the refresh other callers share goes on.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { Connection } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');

let slow;
let api;
let apiCalls = 0;
let onApiCall = () => {};

before(async () => {
  slow = await startMockOAuth({ delayMs: 1500 });
  // An API that answers after 2 s.
  api = http.createServer((req, res) => {
    apiCalls += 1;
    onApiCall();
    const timer = setTimeout(() => { res.writeHead(200); res.end('{}'); }, 2000);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await slow.close();
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
});

function assertAborted(error, reason) {
  assert.equal(error.name, 'AbortError');
  assert.equal(error.code, 'app/ABORTED');
  assert.equal(error.cause, reason);
  assert.ok(error instanceof Error);
  assert.match(error.stack, /abort\.test\.js/, 'the stack shows the call site');
}

test('getAccessToken({ signal }) rejects when the signal aborts; the shared refresh goes on for the others', async () => {
  const connector = new Connection({ c: settings(slow.url) }).getConnector('c');
  const before = slow.count;
  const patient = connector.getAccessToken();
  const signal = AbortSignal.timeout(100);
  const started = Date.now();
  const error = await connector.getAccessToken({ signal }).catch((e) => e);
  const waited = Date.now() - started;
  assertAborted(error, signal.reason);
  assert.equal(signal.reason.name, 'TimeoutError');
  assert.ok(waited < 1000, `rejected after ${waited} ms, not when the endpoint answered`);
  assert.match(await patient, /^at-/, 'the caller without a signal got its token');
  assert.equal(slow.count - before, 1, 'one token request, not cancelled and not repeated');
  assert.match(await connector.getAccessToken({ signal: AbortSignal.timeout(100) }), /^at-/, 'a cached token needs no wait');
});

test("controller.abort(reason): the cause is that reason; an already aborted signal sends no request", async () => {
  const connector = new Connection({ c: settings(slow.url) }).getConnector('c');
  const controller = new AbortController();
  const reason = new Error('the client went away');
  const pending = connector.getAccessToken({ signal: controller.signal }).catch((e) => e);
  setTimeout(() => controller.abort(reason), 50);
  assertAborted(await pending, reason);

  const fresh = new Connection({ c: settings(slow.url) }).getConnector('c');
  const before = slow.count;
  const gone = AbortSignal.abort('stop');
  assertAborted(await fresh.getAccessToken({ signal: gone }).catch((e) => e), 'stop');
  assert.equal(slow.count, before, 'no token request for an aborted call');
});

test('fetch(url, { signal }) rejects promptly while waiting for the token and while waiting for the API', async () => {
  const apiUrl = `http://127.0.0.1:${api.address().port}/slow`;
  const connector = new Connection({ c: settings(slow.url) }).getConnector('c');
  let signal = AbortSignal.timeout(200);
  let started = Date.now();
  assertAborted(await connector.fetch(apiUrl, { signal }).catch((e) => e), signal.reason);
  assert.ok(Date.now() - started < 1000, 'while the token was refreshed');
  assert.equal(apiCalls, 0, 'the API was not called');

  await connector.getAccessToken();
  // Aborted once the API has the request and is taking its time.
  const controller = new AbortController();
  onApiCall = () => setTimeout(() => controller.abort(new Error('too slow')), 50);
  started = Date.now();
  assertAborted(await connector.fetch(apiUrl, { signal: controller.signal }).catch((e) => e), controller.signal.reason);
  assert.ok(Date.now() - started < 1500, 'while the API was slow');
  assert.equal(apiCalls, 1);
});

test('a signal that is not an AbortSignal rejects with app/INVALID_ARGUMENT', async () => {
  const connector = new Connection({ c: settings(slow.url) }).getConnector('c');
  await assert.rejects(connector.getAccessToken({ signal: 'soon' }), { code: 'app/INVALID_ARGUMENT', message: /AbortSignal/ });
});
