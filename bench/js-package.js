'use strict';
// The published JS connector (zcatalyst-sdk-node ships @zcatalyst/connector's
// code) with its Catalyst Cache served by an in-memory fake app, as a Catalyst
// function would see it.
const { Connection } = require('zcatalyst-sdk-node/lib/connector/connection.js');

function fakeCatalystApp() {
  const entries = new Map();
  const segment = {
    async get(key) {
      return entries.has(key) ? { cache_name: key, cache_value: entries.get(key) } : null;
    },
    async put(key, value, hours) {
      entries.set(key, value);
      return { cache_name: key, cache_value: value, expiry_in_hours: hours };
    },
  };
  return {
    config: { projectId: '1', projectKey: '1', environment: 'Development' },
    credential: { getCurrentUser: () => 'admin', getCurrentUserType: () => 'admin' },
    cache: () => ({ segment: () => segment }),
  };
}

module.exports = { JsConnection: Connection, fakeCatalystApp };
