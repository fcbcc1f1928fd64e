'use strict';
// Tokens at rest under secret_key: the JS package's envelope (README: encryption at rest), proven against
// node:crypto doing the documented algorithm, in both directions.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Connection } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { eventually } = require('./helpers/eventually');
const { mapStore, jsCacheKey, nodeSeal, nodeOpen, entryValue } = require('./helpers/stores');

let mock;
test.before(async () => { mock = await startMockOAuth(); });
test.after(() => mock.close());

const SECRET = 'a-secret-key-for-tokens';

for (const legacy of [false, true]) {
  test(`a token sealed by node:crypto (${legacy ? 'legacy 3-part, SHA-256 key' : '4-part, scrypt key'}) is read without a token request`, async () => {
    const store = mapStore();
    const s = settings(mock.url, { secret_key: SECRET });
    store.entries.set(jsCacheKey('c', s), entryValue(nodeSeal(SECRET, '1000.sealed-by-node', { legacy })));
    const before = mock.count;
    assert.equal(await new Connection({ c: s }, { store }).getConnector('c').getAccessToken(), '1000.sealed-by-node');
    assert.equal(mock.count - before, 0);
  });
}

test('a token sealed by us opens with node:crypto', async () => {
  const store = mapStore();
  const s = settings(mock.url, { secret_key: SECRET });
  const connector = new Connection({ c: s }, { store }).getConnector('c');
  const token = await connector.getAccessToken();
  const stored = JSON.parse(await eventually(() => store.entries.get(jsCacheKey('c', s))));
  assert.notEqual(stored.access_token, token);
  assert.ok(!store.entries.get(jsCacheKey('c', s)).includes(token), 'no plaintext token at rest');
  const parts = Buffer.from(stored.access_token, 'base64').toString('utf8').split(':');
  assert.deepEqual(parts.map((p) => p.length / 2).slice(1), [16, 16, 16], 'iv, tag and salt are 16 bytes');
  assert.equal(nodeOpen(SECRET, stored.access_token), token);
  const entry = await connector.putAccessTokenInCache();
  assert.equal(nodeOpen(SECRET, JSON.parse(entry.cache_value).access_token), token);
});

test('an entry sealed under another key is treated as absent, refreshed and overwritten', async () => {
  const store = mapStore();
  const s = settings(mock.url, { secret_key: SECRET });
  const key = jsCacheKey('c', s);
  store.entries.set(key, entryValue(nodeSeal('some-other-key', '1000.not-for-us')));
  const before = mock.count;
  const token = await new Connection({ c: s }, { store }).getConnector('c').getAccessToken();
  assert.notEqual(token, '1000.not-for-us');
  assert.equal(mock.count - before, 1);
  // The overwrite finishes after the caller has its token.
  const opensToOurs = () => {
    try {
      return nodeOpen(SECRET, JSON.parse(store.entries.get(key)).access_token) === token;
    } catch {
      return false; // still the entry sealed under the other key
    }
  };
  const opened = await eventually(opensToOurs);
  assert.ok(opened, 'overwritten with our sealed token');
});

test('a tampered or truncated entry is treated as absent', async () => {
  for (const damage of [(v) => v.slice(0, 30), (v) => `A${v.slice(1)}`]) {
    const store = mapStore();
    const s = settings(mock.url, { secret_key: SECRET });
    store.entries.set(jsCacheKey('c', s), entryValue(damage(nodeSeal(SECRET, '1000.damaged'))));
    const before = mock.count;
    assert.notEqual(await new Connection({ c: s }, { store }).getConnector('c').getAccessToken(), '1000.damaged');
    assert.equal(mock.count - before, 1);
  }
});

test('an encrypted entry and no secret_key rejects with app/SECRET_KEY_MISSING', async () => {
  const store = mapStore();
  const s = settings(mock.url);
  store.entries.set(jsCacheKey('c', s), entryValue(nodeSeal(SECRET, '1000.sealed')));
  await assert.rejects(
    new Connection({ c: s }, { store }).getConnector('c').getAccessToken(),
    (error) => error.code === 'app/SECRET_KEY_MISSING' && !error.message.includes(SECRET),
  );
});
