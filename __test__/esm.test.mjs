import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import connector, { Connection, Connector, CatalystConnectorError } from 'zcatalyst-connector-rs';

test('import and require give the same classes', () => {
  const required = createRequire(import.meta.url)('zcatalyst-connector-rs');
  assert.equal(Connection, required.Connection);
  assert.equal(Connector, required.Connector);
  assert.equal(CatalystConnectorError, required.CatalystConnectorError);
  assert.equal(connector.Connection, Connection);
});
