'use strict';
// The hand-written typings (connector.d.ts, connector.d.mts) and the runtime
// agree: every value they declare exists in both entries, and every export of
// the entries is declared (the generated index.d.ts is internal, so nothing
// else would tell a TypeScript user about a new export, or catch a stale one).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const declared = [...fs.readFileSync(path.join(root, 'connector.d.ts'), 'utf8')
  .matchAll(/^export declare (?:class|function|const|let|var) (\w+)/gm)].map((m) => m[1]).sort();

test('connector.d.ts declares exactly the values the CommonJS entry exports', () => {
  assert.ok(declared.length >= 4, declared.join());
  assert.deepEqual(Object.keys(require('..')).sort(), declared);
});

test('the ES module entry exports the same values (and a default), as connector.d.mts declares', async () => {
  const esm = await import('zcatalyst-connector-rs');
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), declared);
  assert.equal(esm.default, require('..'));
  const mts = fs.readFileSync(path.join(root, 'connector.d.mts'), 'utf8');
  assert.match(mts, /^export \* from '\.\/connector\.js'$/m);
  assert.match(mts, /^export default connector$/m);
});

test('package.json points require and import at the hand-written typings, not the generated ones', () => {
  const pkg = require('../package.json');
  assert.equal(pkg.types, './connector.d.ts');
  assert.deepEqual(pkg.exports['.'].require, { types: './connector.d.ts', default: './connector.js' });
  assert.deepEqual(pkg.exports['.'].import, { types: './connector.d.mts', default: './connector.mjs' });
  assert.ok(!pkg.files.includes('index.d.ts'), 'index.d.ts (internal) is not published');
});
