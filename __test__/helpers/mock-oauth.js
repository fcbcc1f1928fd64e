'use strict';
// A local OAuth 2 token endpoint for tests and the demo: it counts requests,
// records their forms, and can delay, fail, answer HTTP-200 errors, send
// garbage or drop the connection. `GET /api` stands for a provider API: it
// checks the bearer token it is shown against the tokens it issued and counts
// any that is unknown or past its expiry. Listens on 127.0.0.1 only.
const http = require('node:http');
const crypto = require('node:crypto');

const CLIENT_ID = '1000.CLIENTID';
const CLIENT_SECRET = 'client-secret-value';

/** The client credentials of a request: from HTTP Basic or from the form. */
function clientOf(req, form) {
  const header = String(req.headers.authorization || '');
  if (header.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':').map(decodeURIComponent);
    return { method: 'basic', id, secret };
  }
  return { method: 'post', id: form.get('client_id'), secret: form.get('client_secret') };
}

/**
 * @param {object} [options]
 * @param {number} [options.delayMs] answer after this many milliseconds
 * @param {number} [options.expiresIn] `expires_in` of minted tokens (seconds)
 * @param {(ctx: {form: URLSearchParams, count: number}) => any} [options.respond]
 *   returns `{status, json, headers?}`, `{status, text, headers?}`, `{drop: true}`, or undefined for a normal token
 * @param {'post'|'basic'} [options.clientAuth] require this client authentication
 *   (with the credentials `settings()` uses); by default either is accepted
 * @param {'self'} [options.apiDomain] answer `api_domain` = this server (else Zoho's US one)
 * @param {boolean} [options.rotate] every refresh answer carries a new refresh
 *   token, and the one it replaced stops working (`invalid_grant`)
 *
 * Also: `GET /oauth/v2/auth` (a consent page that approves at once: 302 to the
 * redirect URI with `code` and `state`, remembering any PKCE challenge, which
 * the code exchange then verifies) and `POST /oauth/v2/token/revoke`.
 */
async function startMockOAuth(options = {}) {
  const state = {
    requests: [],
    delayMs: options.delayMs ?? 0,
    /** `(count) => ms`: the delay of token request `count` (1-based), overriding `delayMs` */
    delayFor: options.delayFor,
    expiresIn: options.expiresIn ?? 3600,
    respond: options.respond,
    issued: 0,
    /** access token → epoch ms when it expires at the provider */
    expiries: new Map(),
    apiCalls: 0,
    /** API calls made with an unknown or expired token */
    lateTokens: 0,
    apiRequests: [],
    apiDomain: options.apiDomain,
    clientAuth: options.clientAuth,
    rotate: options.rotate ?? false,
    /** code → { challenge } from the consent page */
    codes: new Map(),
    /** refresh tokens that were rotated away or revoked */
    dead: new Set(),
    revoked: [],
  };
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/api')) {
      const token = String(req.headers.authorization || '').split(' ').pop();
      // `/api/denied…` rejects every token with 401 (a grant the API does not
      // accept); `/api/scope…` with Zoho's 401 OAUTH_SCOPE_MISMATCH.
      if (req.url.startsWith('/api/denied') || req.url.startsWith('/api/scope')) {
        state.apiCalls += 1;
        state.apiRequests.push({ url: req.url, authorization: req.headers.authorization, ok: false });
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: req.url.startsWith('/api/scope') ? 'OAUTH_SCOPE_MISMATCH' : 'INVALID_TOKEN' }));
        req.resume();
        return;
      }
      const expiry = state.expiries.get(token);
      state.apiCalls += 1;
      const ok = expiry !== undefined && Date.now() < expiry;
      if (!ok) state.lateTokens += 1;
      state.apiRequests.push({ url: req.url, authorization: req.headers.authorization, ok });
      // `/api/zoho…` answers a bad token the way some Zoho APIs do: 400 with a code.
      const zohoStyle = req.url.startsWith('/api/zoho');
      res.writeHead(ok ? 200 : zohoStyle ? 400 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"data":[]}' : JSON.stringify({ code: zohoStyle ? 'INVALID_OAUTHTOKEN' : 'INVALID_TOKEN' }));
      req.resume();
      return;
    }
    if (req.method === 'GET' && req.url.startsWith('/oauth/v2/auth')) {
      const query = new URL(req.url, 'http://mock').searchParams;
      const code = `code-${state.codes.size + 1}`;
      state.codes.set(code, { challenge: query.get('code_challenge'), method: query.get('code_challenge_method') });
      const target = new URL(query.get('redirect_uri'));
      target.searchParams.set('code', code);
      if (query.get('state')) target.searchParams.set('state', query.get('state'));
      res.writeHead(302, { location: target.toString() });
      res.end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const client = clientOf(req, form);
      const fail = (status, error) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error }));
      };
      if (client.id !== CLIENT_ID || client.secret !== CLIENT_SECRET
        || (state.clientAuth && state.clientAuth !== client.method)) {
        state.requests.push({ method: req.method, url: req.url, headers: req.headers, form, rejected: true });
        fail(401, 'invalid_client');
        return;
      }
      if (req.url.startsWith('/oauth/v2/token/revoke')) {
        const token = new URL(req.url, 'http://mock').searchParams.get('token') || form.get('token');
        state.revoked.push(token);
        state.dead.add(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      if (form.get('grant_type') === 'refresh_token' && state.dead.has(form.get('refresh_token'))) {
        state.requests.push({ method: req.method, url: req.url, headers: req.headers, form, rejected: true });
        fail(400, 'invalid_grant');
        return;
      }
      const pkce = form.get('grant_type') === 'authorization_code' ? state.codes.get(form.get('code')) : undefined;
      if (pkce && pkce.challenge) {
        const verifier = form.get('code_verifier') || '';
        const expected = crypto.createHash('sha256').update(verifier).digest('base64url');
        if (pkce.method !== 'S256' || expected !== pkce.challenge) {
          state.requests.push({ method: req.method, url: req.url, headers: req.headers, form, rejected: true });
          fail(400, 'invalid_grant');
          return;
        }
      }
      state.requests.push({ method: req.method, url: req.url, headers: req.headers, form });
      const count = state.requests.length;
      setTimeout(() => {
        const custom = state.respond ? state.respond({ form, count }) : undefined;
        if (custom && custom.drop) { req.socket.destroy(); return; }
        if (custom && custom.text !== undefined) {
          res.writeHead(custom.status ?? 200, { 'content-type': 'text/html', ...custom.headers });
          res.end(custom.text);
          return;
        }
        let json = custom && custom.json;
        if (!json) {
          state.issued += 1;
          const apiDomain = state.apiDomain === 'self' ? `http://127.0.0.1:${server.address().port}` : 'https://www.zohoapis.com';
          json = { access_token: `at-${state.issued}`, expires_in: state.expiresIn, api_domain: apiDomain, token_type: 'Bearer' };
          state.expiries.set(json.access_token, Date.now() + state.expiresIn * 1000);
          if (form.get('grant_type') === 'authorization_code') json.refresh_token = `rt-from-${form.get('code')}`;
          if (form.get('grant_type') === 'refresh_token' && state.rotate) {
            state.dead.add(form.get('refresh_token'));
            json.refresh_token = `rt-rotated-${state.issued}`;
          }
        }
        res.writeHead(custom?.status ?? 200, { 'content-type': 'application/json', ...custom?.headers });
        res.end(JSON.stringify(json));
      }, state.delayFor ? state.delayFor(count) : state.delayMs);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/oauth/v2/token`;
  return {
    url,
    apiUrl: `http://127.0.0.1:${server.address().port}/api`,
    authorizeUrl: `http://127.0.0.1:${server.address().port}/oauth/v2/auth`,
    revokeUrl: `http://127.0.0.1:${server.address().port}/oauth/v2/token/revoke`,
    state,
    get count() { return state.requests.length; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

let unique = 0;
/** Connector settings pointing at `url`, with a refresh token unique to this process and call. */
function settings(url, extra = {}) {
  unique += 1;
  return {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    auth_url: url,
    refresh_url: url,
    refresh_token: `1000.refresh-token-${process.pid}-${unique}`,
    redirect_url: 'https://app.example.com/callback',
    expires_in: 3600,
    ...extra,
  };
}

module.exports = { startMockOAuth, settings };
