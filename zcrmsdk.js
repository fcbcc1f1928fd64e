'use strict';
// `zcatalyst-connector-rs/zcrmsdk`: the legacy Zoho CRM Node SDK's surface
// (zcrmsdk 0.0.20: initialize, generateAuthTokens, the setters and getters,
// API.MODULES…) on this package's token engine. A legacy app changes only its
// require line. What differs from the legacy, and why: docs/zcrmsdk.md.
const { fromJson, fromProperties, toOrigin, DEFAULTS } = require('./lib/zcrmsdk/config.js');
const { openStore } = require('./lib/zcrmsdk/stores.js');
const { Tokens } = require('./lib/zcrmsdk/tokens.js');
const { OPERATIONS, describe } = require('./lib/zcrmsdk/api.js');
const { send, USER_AGENT } = require('./lib/zcrmsdk/http.js');
const { zcrmError, CatalystConnectorError } = require('./lib/zcrmsdk/errors.js');

// The module-global configuration, as in the legacy SDK.
const state = {
  client_id: null,
  client_secret: null,
  redirect_url: null,
  user_identifier: null,
  iamurl: DEFAULTS.iamurl,
  base_url: DEFAULTS.base_url,
  base_url_set: false,
  version: DEFAULTS.version,
  mysql_username: DEFAULTS.mysql_username,
  mysql_password: DEFAULTS.mysql_password,
  persistence: 'mysql',
  config: null,
  store: null,
  tokens: null,
};

function install(config) {
  const store = openStore(config, process.cwd());
  const previous = state.store;
  Object.assign(state, {
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_url: config.redirect_url,
    user_identifier: config.user_identifier,
    iamurl: config.iamurl,
    base_url: config.base_url,
    base_url_set: config.base_url_set,
    version: config.version,
    mysql_username: config.mysql_username,
    mysql_password: config.mysql_password,
    persistence: config.token_store ?? config.tokenmanagement ?? 'mysql',
    config,
    store,
    tokens: null,
  });
  if (previous) Promise.resolve(previous.close()).catch(() => {});
}

/** The engine view of the current settings; rebuilt when a setter changed them. */
function tokens() {
  if (!state.config) throw zcrmError('zcrmsdk/NOT_INITIALIZED', 'call initialize() first');
  if (state.tokens === null) {
    const config = {
      ...state.config,
      client_id: state.client_id,
      client_secret: state.client_secret,
      redirect_url: state.redirect_url,
      iamOrigin: toOrigin(state.iamurl, 'iamurl'),
    };
    state.tokens = new Tokens(config, state.store);
  }
  return state.tokens;
}

const ZCRMRestClient = function ZCRMRestClient() {};

/**
 * `initialize()` reads `resources/oauth_configuration.properties` and
 * `resources/configuration.properties` of the working directory;
 * `initialize(json)` takes the same settings as an object and reads no file.
 */
ZCRMRestClient.initialize = function initialize(configJSON) {
  return new Promise((resolve) => {
    install(configJSON ? fromJson(configJSON) : fromProperties());
    resolve();
  });
};

ZCRMRestClient.initializeWithValues = function initializeWithValues(configJSON) {
  install(fromJson(configJSON || {}));
};

function userOf(user) {
  return user ? String(user) : ZCRMRestClient.getUserIdentifier();
}

function required(value, key) {
  if (!value) throw zcrmError('zcrmsdk/INVALID_ARGUMENT', `Missing configuration for Zoho OAuth service: ${key}`);
}

ZCRMRestClient.generateAuthTokens = async function generateAuthTokens(userIdentifier, grantToken) {
  const user = userOf(userIdentifier);
  required(grantToken, 'code');
  const result = await tokens().exchange(user, String(grantToken));
  state.user_identifier = user;
  return result;
};

ZCRMRestClient.generateAuthTokenfromRefreshToken = async function generateAuthTokenfromRefreshToken(userIdentifier, refreshToken) {
  const user = userOf(userIdentifier);
  required(refreshToken, 'refresh_token');
  const result = await tokens().fromRefreshToken(user, String(refreshToken));
  state.user_identifier = user;
  return result;
};

ZCRMRestClient.getConfig = function getConfig(grantToken) {
  return {
    client_id: state.client_id,
    client_secret: state.client_secret,
    code: grantToken,
    redirect_uri: state.redirect_url,
    grant_type: 'authorization_code',
  };
};

ZCRMRestClient.getConfig_refresh = function getConfigRefresh(refreshToken) {
  return {
    client_id: state.client_id,
    client_secret: state.client_secret,
    refresh_token: refreshToken,
    grant_type: 'refresh_token',
  };
};

/** The legacy's token-answer parsing: `expires_in` becomes the expiry, epoch ms. */
ZCRMRestClient.parseAndConstructObject = function parseAndConstructObject(response) {
  const body = typeof response.body === 'string' ? JSON.parse(response.body) : response.body;
  const result = {};
  if (body && body.access_token) {
    result.access_token = body.access_token;
    if (body.refresh_token) result.refresh_token = body.refresh_token;
    const lifetime = body.expires_in_sec ? Number(body.expires_in) : Number(body.expires_in) * 1000;
    result.expires_in = lifetime + Date.now();
  }
  return result;
};

const invalidate = () => { state.tokens = null; };
ZCRMRestClient.setClientId = (value) => { state.client_id = value; invalidate(); };
ZCRMRestClient.setClientSecret = (value) => { state.client_secret = value; invalidate(); };
ZCRMRestClient.setRedirectURL = (value) => { state.redirect_url = value; invalidate(); };
ZCRMRestClient.setUserIdentifier = (value) => { state.user_identifier = value; };
ZCRMRestClient.setIAMUrl = (value) => { toOrigin(value, 'iamurl'); state.iamurl = value; invalidate(); };
ZCRMRestClient.setBaseURL = (value) => { toOrigin(value, 'base_url'); state.base_url = value; state.base_url_set = true; };
ZCRMRestClient.getClientId = () => state.client_id;
ZCRMRestClient.getClientSecret = () => state.client_secret;
ZCRMRestClient.getRedirectURL = () => state.redirect_url;
ZCRMRestClient.getUserIdentifier = () => (state.user_identifier ? state.user_identifier : DEFAULTS.user_identifier);
ZCRMRestClient.getPersistenceModule = () => state.persistence;
ZCRMRestClient.getAPIURL = () => state.base_url;
ZCRMRestClient.getVersion = () => state.version;
ZCRMRestClient.getIAMUrl = () => state.iamurl;
ZCRMRestClient.getMySQLUserName = () => state.mysql_username;
ZCRMRestClient.getMYSQLPassword = () => state.mysql_password;

/** Closes the token store's connections (MySQL pool, Redis); not in the legacy SDK. */
ZCRMRestClient.close = async function close() {
  const store = state.store;
  state.store = null;
  state.config = null;
  state.tokens = null;
  if (store) await store.close();
};

const DEFAULT_API_ORIGIN = 'https://www.zohoapis.com';

function apiOrigin(apiDomain) {
  if (state.base_url_set || !apiDomain) return state.base_url_set ? toOrigin(state.base_url, 'base_url') : DEFAULT_API_ORIGIN;
  try {
    return toOrigin(apiDomain, 'api_domain');
  } catch {
    return DEFAULT_API_ORIGIN;
  }
}

/** One API operation: the user's token (from `input.user_identifier` or the current user, read once), then the request. */
async function call(operation, spec, input) {
  const request = describe(operation, spec, input);
  const user = userOf(input && input.user_identifier);
  const { token, apiDomain } = await tokens().accessToken(user);
  const query = request.query ? `?${request.query}` : '';
  const url = `${apiOrigin(apiDomain)}/crm/${state.version}/${request.path}${query}`;
  const headers = { ...(request.headers || {}) };
  headers.Authorization = `Zoho-oauthtoken ${token}`;
  headers['User-Agent'] = USER_AGENT;
  return send({ ...request, url, headers }, state.config.timeout_ms);
}

const API = {};
for (const [group, operations] of Object.entries(OPERATIONS)) {
  API[group] = {};
  for (const [name, spec] of Object.entries(operations)) {
    API[group][name] = (input) => call(`API.${group}.${name}`, spec, input);
  }
}
ZCRMRestClient.API = API;
ZCRMRestClient.CatalystConnectorError = CatalystConnectorError;

module.exports = ZCRMRestClient;
