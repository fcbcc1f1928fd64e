'use strict';
// The network settings of connector.fetch(), the same as the token requests':
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY (upper or lower case), and the extra
// certificate authorities of NODE_EXTRA_CA_CERTS, SSL_CERT_FILE and a
// Connection's `ca` option on top of Node's roots. With none of them set,
// fetch() goes out as the platform's fetch would.

const fs = require('node:fs');
const tls = require('node:tls');

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
const dispatchers = new Map();

/** PEM certificates in the file `path` (none when unset or unreadable). */
function certificatesIn(path) {
  if (!path) return [];
  try {
    const text = fs.readFileSync(path, 'utf8');
    return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  } catch {
    return [];
  }
}

/** The undici dispatcher for these settings, or undefined for the platform default. */
function dispatcherFor(caOption) {
  const env = process.env;
  const proxies = PROXY_VARIABLES.map((name) => env[name] ?? '');
  const extraFiles = [env.NODE_EXTRA_CA_CERTS ?? '', env.SSL_CERT_FILE ?? ''];
  const usesProxy = proxies.slice(0, 4).some((value) => value !== '');
  if (!usesProxy && extraFiles[1] === '' && caOption.length === 0) return undefined;
  const id = JSON.stringify([proxies, extraFiles, caOption]);
  let dispatcher = dispatchers.get(id);
  if (dispatcher === undefined) {
    const ca = [...tls.rootCertificates, ...certificatesIn(extraFiles[0]), ...certificatesIn(extraFiles[1]), ...caOption];
    // One secure context for every connection: parsing a few hundred
    // certificates per TLS connection costs tens of milliseconds each.
    const secureContext = tls.createSecureContext({ ca });
    // The first non-empty of the lower- and upper-case spellings (curl's order).
    const [httpsProxy, httpProxy, noProxy] = [[0, 1], [2, 3], [4, 5]].map(([upper, lower]) => proxies[lower] || proxies[upper]);
    dispatcher = newEnvProxyAgent({ httpProxy, httpsProxy: httpsProxy || httpProxy, noProxy, connect: { secureContext }, requestTls: { secureContext }, proxyTls: { secureContext } });
    dispatchers.set(id, dispatcher);
  }
  return dispatcher;
}

/** undici's EnvHttpProxyAgent, without the "experimental" warning it prints once per process. */
function newEnvProxyAgent(options) {
  const { EnvHttpProxyAgent } = require('undici');
  const emitWarning = process.emitWarning;
  process.emitWarning = function quiet(warning, ...rest) {
    const code = rest[0] && typeof rest[0] === 'object' ? rest[0].code : rest[1];
    if (code === 'UNDICI-EHPA') return;
    return emitWarning.call(process, warning, ...rest);
  };
  try {
    return new EnvHttpProxyAgent(options);
  } finally {
    process.emitWarning = emitWarning;
  }
}

module.exports = { dispatcherFor };
