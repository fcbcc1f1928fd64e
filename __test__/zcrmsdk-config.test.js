'use strict';
// zcrmsdk configuration pieces: our properties parser against the legacy's
// reader (properties-reader 0.0.16, from __test__/legacy) on the same text,
// URL rules, and the API request descriptions that need no server.
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { parseProperties } = require('../lib/zcrmsdk/properties.js');
const { toOrigin } = require('../lib/zcrmsdk/config.js');
const { describe, OPERATIONS } = require('../lib/zcrmsdk/api.js');
const { ensureLegacy, LEGACY_DIR } = require('./helpers/zcrm');

let PropertiesReader;
before(() => {
  ensureLegacy();
  PropertiesReader = require(path.join(LEGACY_DIR, 'node_modules', 'properties-reader'));
});

const SAMPLE = [
  '# a comment',
  'top=level',
  '[zoho]',
  'crm.clientid = 1000.ABC ',
  'crm.clientsecret=',
  'crm.iamurl',
  'crm.number=1234',
  'crm.float=12.5',
  'crm.flag=true',
  'crm.off=false',
  'crm.escaped=a\\tb\\nc',
  'crm.equals=a=b=c',
  '  [mysql]  ',
  'password=  0012 ',
  '#commented=out',
  'username=root',
  '',
].join('\n');

test('properties files are read exactly as the legacy reader reads them', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zcrm-props-')), 'x.properties');
  fs.writeFileSync(file, SAMPLE);
  const legacy = PropertiesReader(file);
  const ours = parseProperties(SAMPLE);
  const keys = [];
  legacy.each((key) => keys.push(key));
  assert.deepEqual([...ours.keys()], keys);
  for (const key of keys) assert.deepEqual(ours.get(key), legacy.get(key), key);
  assert.equal(ours.get('zoho.crm.clientsecret'), 0, 'an empty value reads as 0');
  assert.equal(ours.get('mysql.password'), 12);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('iamurl / base_url: host[:port] means https; origins kept; http only for loopback', () => {
  assert.equal(toOrigin('accounts.zoho.eu', 'iamurl'), 'https://accounts.zoho.eu');
  assert.equal(toOrigin('127.0.0.1:8443', 'iamurl'), 'https://127.0.0.1:8443');
  assert.equal(toOrigin('https://www.zohoapis.in/', 'base_url'), 'https://www.zohoapis.in');
  assert.equal(toOrigin('http://localhost:8080', 'base_url'), 'http://localhost:8080');
  for (const bad of ['http://accounts.zoho.com', 'https://a.example/path', 'https://user:pw@a.example', 'ftp://a.example', 'http://[::2]:1']) {
    assert.throws(() => toOrigin(bad, 'iamurl'), { code: 'zcrmsdk/INVALID_CONFIG' }, bad);
  }
});

test('operations without their module, relatedId or api_name are refused, not sent to .../undefined/...', () => {
  assert.throws(() => describe('API.MODULES.get', OPERATIONS.MODULES.get, {}), { code: 'zcrmsdk/INVALID_ARGUMENT', message: /input\.module/ });
  assert.throws(() => describe('API.ATTACHMENTS.deleteFile', OPERATIONS.ATTACHMENTS.deleteFile, { module: 'Leads', id: 1 }), { message: /relatedId/ });
  assert.throws(() => describe('x', OPERATIONS.FUNCTIONS.executeFunctionsInGet, {}), { message: /api_name/ });
  // An undefined input drops {id} (the legacy sent /settings/roles/%7Bid%7D).
  assert.equal(describe('x', OPERATIONS.SETTINGS.getRoles, undefined).path, 'settings/roles');
  // Path segments are encoded.
  assert.equal(describe('x', OPERATIONS.MODULES.get, { module: 'Leads', id: 'a/b c' }).path, 'Leads/a%2Fb%20c');
  // The input's params object is not changed (the legacy added auth_type and type to it).
  const params = { x: 1 };
  describe('x', OPERATIONS.FUNCTIONS.executeFunctionsInGet, { api_name: 'f', params });
  describe('x', OPERATIONS.MODULES.getAllDeletedRecords, { module: 'Leads', params });
  assert.deepEqual(params, { x: 1 });
});
