'use strict';
// How a connector's settings reach the engine: one text for common settings,
// JSON for the rest, the kept copy for a known app's next user. Each way
// must read the settings exactly as the others do.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Connection } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');

let mock;
test.before(async () => { mock = await startMockOAuth(); });
test.after(() => mock.close());

test('a setting holding a NUL reaches the provider as written', async () => {
  const before = mock.state.requests.length;
  const s = settings(mock.url, { refresh_token: 'user\u0000two' });
  // First sight (whole settings), second sight (kept from now on), third (from the kept copy).
  for (const suffix of ['', '-b', '-c']) {
    const token = await new Connection({ c: { ...s, refresh_token: `${s.refresh_token}${suffix}` } }).getConnector('c').getAccessToken();
    assert.match(token, /^at-/);
  }
  const sent = mock.state.requests.slice(before).map((r) => r.form.get('refresh_token'));
  assert.deepEqual(sent, ['user\u0000two', 'user\u0000two-b', 'user\u0000two-c']);
});

test('a lone surrogate in a setting is refused as in the JSON form, whatever else the settings hold', () => {
  const lone = settings(mock.url, { redirect_url: 'https://app.example/\ud800' });
  assert.throws(() => new Connection({ c: lone }).getConnector('c'), { code: 'INVALID_ARGUMENT' });
  // With a provider option (the JSON form) the same.
  assert.throws(() => new Connection({ c: { ...lone, scope: 'x' } }).getConnector('c'), { code: 'INVALID_ARGUMENT' });
  // A well-formed pair is fine.
  const pair = settings(mock.url, { redirect_url: 'https://app.example/\ud83d\ude00' });
  assert.equal(new Connection({ c: pair }).getConnector('c').redirectUrl, pair.redirect_url);
});

test('a real U+FFFD (which the one-text form cannot tell from a lone surrogate) and a long setting read as written', async () => {
  const before = mock.state.requests.length;
  const replacement = settings(mock.url, { refresh_token: 'user-\ufffd-one', redirect_url: 'https://app.example/\ufffd' });
  const c = new Connection({ c: replacement }).getConnector('c');
  assert.equal(c.redirectUrl, 'https://app.example/\ufffd');
  assert.match(await c.getAccessToken(), /^at-/);
  // Longer than the buffer a setting is read into without an allocation.
  const long = settings(mock.url, { refresh_token: `long-${'x'.repeat(2000)}` });
  assert.match(await new Connection({ c: long }).getConnector('c').getAccessToken(), /^at-/);
  const sent = mock.state.requests.slice(before).map((r) => r.form.get('refresh_token'));
  assert.deepEqual(sent, ['user-\ufffd-one', long.refresh_token]);
});

test('settings with multi-byte characters read whole around the length read without an allocation', async () => {
  // V8 writes whole characters only, so a text a little longer than the
  // buffer can stop 1-3 bytes short of its end: every length across it.
  const before = mock.state.requests.length;
  const sentTokens = [];
  for (let n = 120; n < 180; n += 1) {
    // A redirect URL of its own: each connector's settings cross whole.
    const s = settings(mock.url, { refresh_token: `rt-${'\u20ac'.repeat(n)}`, redirect_url: `https://app.example/cb/${n}` });
    const c = new Connection({ c: s }).getConnector('c');
    assert.match(await c.getAccessToken(), /^at-/);
    sentTokens.push(s.refresh_token);
  }
  const sent = mock.state.requests.slice(before).map((r) => r.form.get('refresh_token'));
  assert.deepEqual(sent, sentTokens);
});

test('numbers and empty strings read the same however the settings cross', async () => {
  const base = settings(mock.url, { expires_in: 3599.9, refresh_in: -5, redirect_url: '' });
  const plain = new Connection({ c: base }).getConnector('c');
  const json = new Connection({ c: { ...base, scope: 'openid' } }).getConnector('c');
  assert.equal(plain.expiresIn, json.expiresIn);
  assert.equal(plain.refreshIn, json.refreshIn);
  for (const connector of [plain, json]) assert.match(await connector.getAccessToken(), /^at-/);
  // A missing required setting is reported the same way by both.
  for (const extra of [{}, { scope: 'openid' }]) {
    assert.throws(() => new Connection({ c: { ...base, ...extra, client_secret: '' } }).getConnector('c'), {
      code: 'INVALID_ARGUMENT',
      message: 'Value for property client_secret cannot be null or undefined in connector.c object',
    });
  }
});

test('a connector named by its data centre shows the URLs it fills in, and its users share one copy of the settings', () => {
  const native = require('../index.js');
  const dc = { client_id: '1000.DCAPP', client_secret: 'dc-secret', data_centre: 'eu', auth_url: '' };
  const first = new Connection({ c: { ...dc, refresh_token: 'dc-user-1' } }).getConnector('c');
  assert.equal(first.authUrl, 'https://accounts.zoho.eu/oauth/v2/token');
  assert.equal(first.refreshUrl, 'https://accounts.zoho.eu/oauth/v2/token');
  const kept = native.keptSettingsCount();
  const second = new Connection({ c: { ...dc, refresh_token: 'dc-user-2' } }).getConnector('c');
  assert.equal(native.keptSettingsCount(), kept + 1, 'kept from the second user on');
  const interned = native.internedSettingsCount();
  const third = new Connection({ c: { ...dc, refresh_token: 'dc-user-3' } }).getConnector('c');
  assert.equal(native.internedSettingsCount(), interned, 'the third user opens from the kept copy');
  assert.equal(third.refreshUrl, second.refreshUrl);
  // A setter keeps the data centre's URLs.
  third.clientId = '1000.OTHER';
  assert.equal(third.clientId, '1000.OTHER');
  assert.equal(third.authUrl, 'https://accounts.zoho.eu/oauth/v2/token');
  // An unknown data centre is refused, as before.
  assert.throws(() => new Connection({ c: { ...dc, data_centre: 'mars' } }).getConnector('c'), { code: 'INVALID_ARGUMENT', message: /data_centre/ });
});
