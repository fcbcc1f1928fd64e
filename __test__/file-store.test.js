'use strict';
// The file store across real processes: warm start, private file, no lost
// updates under concurrent writers, never corrupt after kill -9, garbage kept.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Connection } = require('..');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { eventually } = require('./helpers/eventually');
const { jsCacheKey } = require('./helpers/stores');
const { runChild, packageRoot } = require('./helpers/child');

let mock;
let dir;
test.before(async () => {
  mock = await startMockOAuth();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-file-store-'));
});
test.after(async () => {
  await mock.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const fileUrl = (name) => `file://${path.join(dir, name)}`;

/** A child that gets a token through the file store and prints it with its stats. */
const tokenScript = (json, url) => `
  const { Connection } = require(${packageRoot});
  const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(url)} }).getConnector('c');
  c.getAccessToken().then((t) => console.log(JSON.stringify({ t, stats: c.stats() })));`;

test('a second process starts warm from the file: zero token requests', async () => {
  const json = { c: settings(mock.url) };
  const url = fileUrl('warm.json');
  const before = mock.count;
  const first = await runChild(tokenScript(json, url));
  const second = await runChild(tokenScript(json, url));
  assert.equal(first.code, 0, first.err);
  assert.equal(second.code, 0, second.err);
  const a = JSON.parse(first.out);
  const b = JSON.parse(second.out);
  assert.equal(b.t, a.t);
  assert.equal(mock.count - before, 1, 'one token request for two processes');
  assert.equal(b.stats.storeHits, 1);
  assert.equal(b.stats.tokenRequests, 0);
  const file = path.join(dir, 'warm.json');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const contents = JSON.parse(fs.readFileSync(file, 'utf8'));
  const entry = contents.entries[jsCacheKey('c', json.c)];
  assert.equal(JSON.parse(entry.value).access_token, a.t);
});

test('concurrent writers in four processes lose no entry (OS file lock)', async () => {
  const url = fileUrl('concurrent.json');
  const children = [];
  for (let p = 0; p < 4; p++) {
    const json = {};
    for (let i = 0; i < 10; i++) json[`c${p}_${i}`] = settings(mock.url);
    children.push(runChild(`
      const { Connection } = require(${packageRoot});
      const connection = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(url)} });
      Promise.all(Object.keys(connection.connectionJson).map((n) => connection.getConnector(n).getAccessToken()))
        .then(() => console.log('done'));`));
  }
  for (const result of await Promise.all(children)) assert.equal(result.code, 0, result.err);
  const contents = JSON.parse(fs.readFileSync(path.join(dir, 'concurrent.json'), 'utf8'));
  // 40 token entries (beside them: each connector's fence counter, kept for later leases).
  assert.equal(Object.keys(contents.entries).filter((key) => !key.endsWith(':fence')).length, 40);
});

test('a writer killed with SIGKILL mid-write never leaves a corrupt file', async () => {
  const url = fileUrl('killed.json');
  const json = { c: settings(mock.url) };
  let killed = false;
  const result = await runChild(`
    const { Connection } = require(${packageRoot});
    const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(url)} }).getConnector('c');
    (async () => {
      await c.getAccessToken();
      console.log('writing');
      for (;;) await c.putAccessTokenInCache();
    })();`, {
    onLine(line, child) {
      if (line === 'writing') setTimeout(() => { killed = true; child.kill('SIGKILL'); }, 300);
    },
  });
  assert.ok(killed && result.signal === 'SIGKILL', `killed mid-loop (${result.code} ${result.err})`);
  const contents = JSON.parse(fs.readFileSync(path.join(dir, 'killed.json'), 'utf8'));
  assert.ok(contents.entries[jsCacheKey('c', json.c)], 'the entry survived');
  const before = mock.count;
  await new Connection(json, { store: url }).getConnector('c').getAccessToken();
  assert.equal(mock.count - before, 0, 'and serves the next process');
});

test('a file holding garbage is reported, left untouched, and the connector still works', async () => {
  const file = path.join(dir, 'garbage.json');
  fs.writeFileSync(file, 'this is somebody else\'s file');
  const connector = new Connection({ c: settings(mock.url) }, { store: `file://${file}` }).getConnector('c');
  assert.match(await connector.getAccessToken(), /^at-/);
  // The read and the write each fail once (reads and writes back off separately).
  const stats = await eventually(() => (connector.stats().storeErrors === 2 ? connector.stats() : undefined));
  assert.equal(stats.storeErrors, 2);
  assert.equal(stats.refreshes, 1);
  assert.equal(fs.readFileSync(file, 'utf8'), 'this is somebody else\'s file');
});

test('4 processes x 100 concurrent cold calls sharing a file: exactly 1 token request (file lock)', async () => {
  const slow = await startMockOAuth({ delayMs: 300 });
  try {
    const json = { c: settings(slow.url) };
    const url = fileUrl('fleet.json');
    const results = await Promise.all([1, 2, 3, 4].map(() => runChild(`
      const { Connection } = require(${packageRoot});
      const c = new Connection(${JSON.stringify(json)}, { store: ${JSON.stringify(url)} }).getConnector('c');
      Promise.all(Array.from({ length: 100 }, () => c.getAccessToken()))
        .then((tokens) => console.log(JSON.stringify([...new Set(tokens)])));`)));
    for (const result of results) {
      assert.equal(result.code, 0, result.err);
      assert.deepEqual(JSON.parse(result.out), ['at-1']);
    }
    assert.equal(slow.count, 1);
  } finally {
    await slow.close();
  }
});
