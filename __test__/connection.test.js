'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Connection, Connector, CatalystConnectorError } = require('..');
const { settings } = require('./helpers/mock-oauth');
const pkg = require('../package.json');

const url = 'https://accounts.zoho.com/oauth/v2/token';

test('an object is kept as connectionJson and yields Connector instances', () => {
  const json = { crm: settings(url) };
  const connection = new Connection(json);
  assert.equal(connection.connectionJson, json);
  const connector = connection.getConnector('crm');
  assert.ok(connector instanceof Connector);
  assert.equal(connector.connectorName, 'crm');
  assert.equal(connector.clientId, '1000.CLIENTID');
  assert.equal(connector.authUrl, url);
  assert.equal(connector.refreshUrl, url);
  assert.equal(connector.redirectUrl, 'https://app.example.com/callback');
  assert.equal(connector.expiresIn, 3600);
  assert.equal(connector.expiresAt, null);
  assert.equal(connector.accessToken, null);
  assert.ok(Number.isNaN(connector.refreshIn));
  assert.equal(connection.getComponentName(), 'Connector');
  assert.equal(connection.getComponentVersion(), pkg.version);
});

test('methods are shaped as a class body makes them: on the prototype, writable, configurable, not enumerable', () => {
  // Some are set in a static block (so V8 compiles them when the module loads): they must not differ.
  const connection = new Connection({ c: settings(url) });
  const connector = connection.getConnector('c');
  for (const prototype of [Object.getPrototypeOf(connection), Object.getPrototypeOf(connector)]) {
    const names = Object.getOwnPropertyNames(prototype).filter((name) => name !== 'constructor');
    assert.ok(names.includes('getConnector') || names.includes('getAccessToken'));
    for (const name of names) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
      assert.equal(descriptor.enumerable, false, name);
      assert.equal(descriptor.configurable, true, name);
      if ('value' in descriptor) {
        assert.equal(typeof descriptor.value, 'function', name);
        assert.equal(descriptor.writable, true, name);
        assert.equal(descriptor.value.name, name);
      }
    }
  }
  const enumerated = (object) => { const keys = []; for (const key in object) keys.push(key); return keys; };
  assert.deepEqual(enumerated(connector), ['connectorName']);
  assert.deepEqual(enumerated(connection), []);
});

test('refresh_in is exposed in milliseconds', () => {
  const connector = new Connection({ c: settings(url, { refresh_in: '120' }) }).getConnector('c');
  assert.equal(connector.refreshIn, 120000);
});

test('a JSON file path is read', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zc-')), 'connectors.json');
  fs.writeFileSync(file, JSON.stringify({ books: settings(url) }));
  const connection = new Connection(file);
  assert.equal(connection.connectionJson.books.client_id, '1000.CLIENTID');
  assert.equal(connection.getConnector('books').connectorName, 'books');
});

test('an unreadable path or invalid JSON throws app/invalid_input from getConnector, not the constructor', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-'));
  const broken = path.join(dir, 'broken.json');
  fs.writeFileSync(broken, '{ not json');
  for (const input of [path.join(dir, 'missing.json'), broken]) {
    const connection = new Connection(input);
    assert.equal(connection.connectionJson, null);
    assert.throws(() => connection.getConnector('x'), (err) => {
      assert.ok(err instanceof CatalystConnectorError);
      assert.ok(err instanceof Error);
      assert.equal(err.code, 'app/invalid_input');
      assert.equal(err.message, 'The input passed to connector must be a valid JSON object or a string path to a JSON file');
      return true;
    });
  }
});

test('a missing entry throws INVALID_ARGUMENT with the JS message', () => {
  const connection = new Connection({ crm: settings(url) });
  assert.throws(() => connection.getConnector('desk'), {
    code: 'INVALID_ARGUMENT',
    message: 'Value provided for connector.desk is expected to be a non-null json object.',
  });
});

for (const prop of ['client_id', 'client_secret', 'auth_url', 'refresh_url']) {
  for (const bad of [undefined, null, '']) {
    test(`${prop} = ${JSON.stringify(bad)} throws INVALID_ARGUMENT naming it`, () => {
      const entry = settings(url);
      if (bad === undefined) delete entry[prop]; else entry[prop] = bad;
      assert.throws(() => new Connection({ crm: entry }).getConnector('crm'), (err) => {
        assert.ok(err instanceof CatalystConnectorError);
        assert.equal(err.code, 'INVALID_ARGUMENT');
        assert.equal(err.message, `Value for property ${prop} cannot be null or undefined in connector.crm object`);
        assert.equal(err.statusCode, 400);
        return true;
      });
    });
  }
}

test('a settings object changed after a first getConnector is validated again', () => {
  const entry = settings(url);
  const json = { crm: entry };
  new Connection(json).getConnector('crm');
  entry.client_secret = '';
  assert.throws(() => new Connection(json).getConnector('crm'), { code: 'INVALID_ARGUMENT' });
});

test('Connector cannot be constructed directly', () => {
  assert.throws(() => new Connector(), TypeError);
});

test('CatalystConnectorError has code, message, value, statusCode, toJSON and toString', () => {
  const err = new CatalystConnectorError('app/X', 'boom', { a: 1 });
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'CatalystConnectorError');
  assert.equal(err.statusCode, 400);
  assert.deepEqual(err.toJSON(), { code: 'app/X', message: 'boom', value: { a: 1 }, statusCode: 400 });
  assert.equal(err.toString(), JSON.stringify(err.toJSON()));
  assert.match(err.stack, /boom/);
});

test('an entry that is not an object (number, string, function) throws INVALID_ARGUMENT', () => {
  for (const entry of [5, 'text', () => {}, true]) {
    assert.throws(() => new Connection({ crm: entry }).getConnector('crm'), {
      code: 'INVALID_ARGUMENT',
      message: 'Value provided for connector.crm is expected to be a non-null json object.',
    });
  }
});
