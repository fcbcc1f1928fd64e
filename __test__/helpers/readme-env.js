'use strict';
// Preloaded (`node --require`) into each README block that readme.test.js
// runs: the "environment" the documentation's examples run in. The block's
// code is untouched; what it reaches is redirected to the local mock provider
// (ZC_README_MOCK, the mock's base URL), as DNS and a test tenant would:
//
// - every connector the block configures gets its token, consent and
//   revocation endpoints on the mock (whether given as URLs or implied by a
//   Zoho data_centre) and the mock's client credentials, so placeholders such
//   as '1000.XXXX' work;
// - `fetch()` to any host but localhost goes to the mock's API (`/api/...`),
//   which accepts only tokens it issued;
// - a `redis://` store becomes `memory:` (no Redis server in the docs' hosts).
const path = require('node:path');

const mock = process.env.ZC_README_MOCK;
if (!mock) throw new Error('readme-env.js needs ZC_README_MOCK');
const CLIENT_ID = '1000.CLIENTID';
const CLIENT_SECRET = 'client-secret-value';

const library = require(path.join(__dirname, '..', '..', 'connector.js'));
const Original = library.Connection;

const isSettings = (value) => value !== null && typeof value === 'object' && 'client_id' in value;

function redirectEntry(entry) {
  if (!isSettings(entry)) return entry;
  const out = { ...entry, client_id: CLIENT_ID, client_secret: CLIENT_SECRET };
  delete out.data_centre;
  out.auth_url = `${mock}/oauth/v2/token`;
  out.refresh_url = `${mock}/oauth/v2/token`;
  out.authorize_url = `${mock}/oauth/v2/auth`;
  out.revoke_url = `${mock}/oauth/v2/token/revoke`;
  if (out.refresh_token === undefined) out.refresh_token = '1000.readme-refresh-token';
  return out;
}

function redirectArgument(argument) {
  if (argument === null || typeof argument !== 'object') return argument;
  if (Object.values(argument).some(isSettings)) {
    return Object.fromEntries(Object.entries(argument).map(([name, entry]) => [name, redirectEntry(entry)]));
  }
  if (typeof argument.store === 'string' && /^rediss?:/.test(argument.store)) return { ...argument, store: 'memory:' };
  return argument;
}

library.Connection = class Connection extends Original {
  constructor(...args) {
    super(...args.map(redirectArgument));
  }
};

const platformFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    return platformFetch(`${mock}/api${url.pathname}${url.search}`, init);
  }
  return platformFetch(input, init);
};
