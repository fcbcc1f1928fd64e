'use strict';
// The legacy SDK's configuration: a JSON object given to initialize(), or the
// two properties files under `resources/` of the working directory, with the
// same keys, sections and defaults. Unlike the legacy, a JSON configuration
// is the whole configuration (no properties file is read after it), and URLs
// may be full origins (`http://127.0.0.1:8080`) as well as `host[:port]`.
const path = require('node:path');
const { readProperties } = require('./properties.js');
const { zcrmError } = require('./errors.js');

const DEFAULTS = {
  iamurl: 'accounts.zoho.com',
  base_url: 'www.zohoapis.com',
  version: 'v2',
  user_identifier: 'zcrm_default_user',
  mysql_username: 'root',
  mysql_password: '',
  mysql_host: 'localhost',
  mysql_port: 3306,
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `host[:port]` (https, as the legacy builds its URLs) or a full origin;
 * plain http only for loopback hosts. Returns the origin, no trailing slash.
 */
function toOrigin(value, what) {
  const text = String(value).trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url;
  try {
    url = new URL(withScheme);
  } catch {
    throw zcrmError('zcrmsdk/INVALID_CONFIG', `${what} is neither host[:port] nor a URL origin: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw zcrmError('zcrmsdk/INVALID_CONFIG', `${what} must use https (plain http only for localhost, 127.0.0.1, [::1]): ${url.protocol}//${url.host}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw zcrmError('zcrmsdk/INVALID_CONFIG', `${what} must be an origin without path, query or credentials: ${url.protocol}//${url.host}`);
  }
  return url.origin;
}

function missing(value) {
  return value === undefined || value === null || value === '' || value === 0 || value === false;
}

/** The JSON configuration of `initialize(config)`; throws coded errors. */
function fromJson(json) {
  for (const key of ['client_id', 'client_secret', 'redirect_url']) {
    if (missing(json[key])) throw zcrmError('zcrmsdk/INVALID_CONFIG', `Missing configuration for Zoho OAuth service: ${key}`);
  }
  const pick = (key) => (missing(json[key]) ? DEFAULTS[key] : json[key]);
  return normalize({
    client_id: json.client_id,
    client_secret: json.client_secret,
    redirect_url: json.redirect_url,
    iamurl: pick('iamurl'),
    base_url: pick('base_url'),
    base_url_set: !missing(json.base_url),
    version: pick('version'),
    user_identifier: pick('user_identifier'),
    tokenmanagement: missing(json.tokenmanagement) ? undefined : json.tokenmanagement,
    token_store: missing(json.token_store) ? undefined : json.token_store,
    mysql_username: pick('mysql_username'),
    mysql_password: pick('mysql_password'),
    mysql_host: pick('mysql_host'),
    mysql_port: pick('mysql_port'),
    timeout_ms: missing(json.timeout_ms) ? 30_000 : json.timeout_ms,
  });
}

/** `resources/oauth_configuration.properties` and `resources/configuration.properties` of `cwd`. */
function fromProperties(cwd = process.cwd()) {
  const read = (name) => {
    const file = path.join(cwd, 'resources', name);
    try {
      return readProperties(file);
    } catch (error) {
      throw zcrmError('zcrmsdk/INVALID_CONFIG', `cannot read resources/${name} (relative to ${cwd}): ${error.code || error.message}`);
    }
  };
  const oauth = read('oauth_configuration.properties');
  const conf = read('configuration.properties');
  const get = (props, key) => (props.has(key) && !missing(props.get(key)) ? props.get(key) : undefined);
  const clientId = get(oauth, 'zoho.crm.clientid');
  const clientSecret = get(oauth, 'zoho.crm.clientsecret');
  const redirect = get(oauth, 'zoho.crm.redirecturl');
  if (clientId === undefined || clientSecret === undefined || redirect === undefined) {
    throw zcrmError('zcrmsdk/INVALID_CONFIG', 'Populate the oauth_configuration.properties file');
  }
  const or = (value, key) => (value === undefined ? DEFAULTS[key] : value);
  const baseUrl = get(conf, 'crm.api.url');
  return normalize({
    client_id: clientId,
    client_secret: clientSecret,
    redirect_url: redirect,
    iamurl: or(get(oauth, 'zoho.crm.iamurl'), 'iamurl'),
    base_url: or(baseUrl, 'base_url'),
    base_url_set: baseUrl !== undefined,
    version: DEFAULTS.version,
    user_identifier: or(get(conf, 'crm.api.user_identifier'), 'user_identifier'),
    tokenmanagement: get(conf, 'crm.api.tokenmanagement'),
    token_store: get(conf, 'crm.api.token_store'),
    mysql_username: or(get(conf, 'mysql.username'), 'mysql_username'),
    mysql_password: or(get(conf, 'mysql.password'), 'mysql_password'),
    mysql_host: or(get(conf, 'mysql.host'), 'mysql_host'),
    mysql_port: or(get(conf, 'mysql.port'), 'mysql_port'),
    timeout_ms: or(get(conf, 'crm.api.timeout_ms'), 'timeout_ms') ?? 30_000,
  });
}

function normalize(config) {
  const timeout = Number(config.timeout_ms);
  if (!(timeout > 0) || !Number.isFinite(timeout)) throw zcrmError('zcrmsdk/INVALID_CONFIG', 'timeout_ms must be a positive number of milliseconds');
  const port = Number(config.mysql_port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw zcrmError('zcrmsdk/INVALID_CONFIG', 'mysql_port must be a TCP port number');
  // Checked now so a bad URL fails initialize(), not the first call.
  toOrigin(config.iamurl, 'iamurl');
  toOrigin(config.base_url, 'base_url');
  return {
    ...config,
    client_id: String(config.client_id),
    client_secret: String(config.client_secret),
    redirect_url: String(config.redirect_url),
    user_identifier: String(config.user_identifier),
    iamurl: String(config.iamurl),
    base_url: String(config.base_url),
    version: String(config.version),
    // As read (properties files turn `password=1234` into a number, and the
    // legacy's getters return it so); the MySQL client gets strings.
    mysql_username: config.mysql_username,
    mysql_password: config.mysql_password,
    mysql_host: String(config.mysql_host),
    mysql_port: port,
    timeout_ms: timeout,
  };
}

module.exports = { fromJson, fromProperties, toOrigin, DEFAULTS };
