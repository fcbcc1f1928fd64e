'use strict';
// A local mock of Zoho for the zcrmsdk tests and bench: the accounts token
// endpoint (`POST /oauth/v2/token`, parameters read from the query and the
// form body, recording which) and the CRM API (`/crm/v2/…`, checking the
// `Zoho-oauthtoken` it is shown). The same handler and records serve plain
// HTTP and, for the legacy SDK (which always builds https URLs), HTTPS with
// a throwaway self-signed certificate made at start. 127.0.0.1 only.
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const CLIENT_ID = '1000.ZCRMCLIENT';
const CLIENT_SECRET = 'zcrm-client-secret';
const REDIRECT_URL = 'https://app.example.com/zcrm/callback';

/** A self-signed certificate for 127.0.0.1, in a temporary directory. */
function makeCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcrm-cert-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { dir, keyFile: key, certFile: cert, key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

/**
 * @param {object} [options]
 * @param {boolean} [options.https] also listen with TLS (for the legacy SDK)
 * @param {number} [options.delayMs] token answers wait this long
 * @param {number} [options.expiresIn] seconds (3600)
 * @param {boolean} [options.apiDomain] token answers name this server's origin as api_domain
 */
async function startMockZoho(options = {}) {
  const state = {
    tokenRequests: [],
    apiRequests: [],
    /** refresh token → label (the user it was issued for) */
    refreshTokens: new Map(),
    /** grant code → label */
    grants: new Map(),
    /** access token → { label, expiresAt } */
    accessTokens: new Map(),
    issued: 0,
    delayMs: options.delayMs ?? 0,
    expiresIn: options.expiresIn ?? 3600,
    /** `(params) => ({status, json} | {drop: true})` overrides a token answer */
    tokenFailure: null,
  };
  let httpOrigin;

  function token(req, res, raw) {
    const query = new URL(req.url, 'http://mock').searchParams;
    const form = new URLSearchParams(raw.toString('utf8'));
    const params = new URLSearchParams([...query, ...form]);
    const record = {
      query: Object.fromEntries(query),
      form: Object.fromEntries(form),
      params: Object.fromEntries(params),
      contentType: req.headers['content-type'],
    };
    state.tokenRequests.push(record);
    const answer = (status, json) => {
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
        res.end(JSON.stringify(json));
      }, state.delayMs);
    };
    const failure = state.tokenFailure && state.tokenFailure(record.params);
    if (failure) {
      if (failure.drop) { req.socket.destroy(); return; }
      answer(failure.status ?? 200, failure.json);
      return;
    }
    if (params.get('client_id') !== CLIENT_ID || params.get('client_secret') !== CLIENT_SECRET) {
      answer(200, { error: 'invalid_client' });
      return;
    }
    const mint = (label) => {
      state.issued += 1;
      const accessToken = `1000.at-${label}-${state.issued}`;
      state.accessTokens.set(accessToken, { label, expiresAt: Date.now() + state.expiresIn * 1000 });
      const json = { access_token: accessToken, expires_in: state.expiresIn, token_type: 'Bearer' };
      json.api_domain = options.apiDomain ? httpOrigin : 'https://www.zohoapis.com';
      return json;
    };
    const grant = params.get('grant_type');
    if (grant === 'authorization_code') {
      const label = state.grants.get(params.get('code'));
      if (!label) { answer(200, { error: 'invalid_code' }); return; }
      state.grants.delete(params.get('code'));
      const refreshToken = `1000.rt-${label}-${state.issued + 1}`;
      state.refreshTokens.set(refreshToken, label);
      answer(200, { ...mint(label), refresh_token: refreshToken });
      return;
    }
    if (grant === 'refresh_token') {
      const label = state.refreshTokens.get(params.get('refresh_token'));
      if (!label) { answer(200, { error: 'invalid_code' }); return; }
      answer(200, mint(label));
      return;
    }
    answer(200, { error: 'unsupported_grant_type' });
  }

  function api(req, res, raw) {
    const url = new URL(req.url, 'http://mock');
    const authorization = req.headers.authorization;
    const presented = String(authorization || '').replace(/^Zoho-oauthtoken /, '');
    const known = state.accessTokens.get(presented);
    const valid = known !== undefined && Date.now() < known.expiresAt;
    const record = {
      method: req.method,
      path: url.pathname,
      rawQuery: url.search.slice(1),
      query: [...url.searchParams],
      authorization,
      userAgent: req.headers['user-agent'],
      contentType: req.headers['content-type'],
      transferEncoding: req.headers['transfer-encoding'],
      extraHeader: req.headers['x-extra'],
      body: raw,
      label: known ? known.label : null,
      valid,
    };
    state.apiRequests.push(record);
    if (!valid) {
      res.writeHead(401, { 'content-type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify({ code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' }));
      return;
    }
    const parts = url.pathname.split('/').slice(3); // after /crm/v2
    if (parts[0] === 'Empty') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method === 'GET' && parts.at(-1) === 'photo') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-disposition': 'attachment; filename="photo.png"' });
      res.end(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
      return;
    }
    if (req.method === 'GET' && parts.at(-2) === 'Attachments') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-disposition': "attachment; filename*=UTF-8''Quote.txt" });
      res.end(Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9, 0x00, 0xff]));
      return;
    }
    if (parts[0] === 'Missing') {
      res.writeHead(404, { 'content-type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify({ code: 'INVALID_MODULE', status: 'error' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
    res.end(JSON.stringify({ data: [{ user: known.label, method: req.method, path: url.pathname }] }));
  }

  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (req.url.startsWith('/oauth/v2/token')) token(req, res, raw);
      else if (req.url.startsWith('/crm/')) api(req, res, raw);
      else { res.writeHead(404); res.end(); }
    });
  };

  const servers = [];
  const plain = http.createServer(handler);
  await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
  servers.push(plain);
  httpOrigin = `http://127.0.0.1:${plain.address().port}`;
  let tls = null;
  let certificate = null;
  if (options.https) {
    certificate = makeCertificate();
    tls = https.createServer({ key: certificate.key, cert: certificate.cert }, handler);
    await new Promise((resolve) => tls.listen(0, '127.0.0.1', resolve));
    servers.push(tls);
  }
  return {
    state,
    httpOrigin,
    /** `127.0.0.1:<port>` of the TLS server, as the legacy's host-only settings */
    httpsHost: tls ? `127.0.0.1:${tls.address().port}` : null,
    certFile: certificate ? certificate.certFile : null,
    /** A grant code the token endpoint will exchange for `label`'s tokens. */
    grant(label) {
      const code = `1000.grant-${label}-${state.grants.size + state.issued + 1}`;
      state.grants.set(code, label);
      return code;
    },
    /** A refresh token the token endpoint accepts for `label`. */
    refreshToken(label) {
      const rt = `1000.rt-${label}-seed-${state.refreshTokens.size + 1}`;
      state.refreshTokens.set(rt, label);
      return rt;
    },
    /** An access token valid for `label` for `seconds` (negative: already expired). */
    accessToken(label, seconds = 3600) {
      state.issued += 1;
      const at = `1000.at-${label}-seed-${state.issued}`;
      state.accessTokens.set(at, { label, expiresAt: Date.now() + seconds * 1000 });
      return at;
    },
    reset() {
      state.tokenRequests.length = 0;
      state.apiRequests.length = 0;
      state.tokenFailure = null;
    },
    async close() {
      for (const server of servers) {
        server.closeAllConnections?.();
        await new Promise((resolve) => server.close(resolve));
      }
      if (certificate) fs.rmSync(certificate.dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startMockZoho, CLIENT_ID, CLIENT_SECRET, REDIRECT_URL };
