'use strict';
// A local OAuth 2 token endpoint for tests and the demo: it counts requests,
// records their forms, and can delay, fail, answer HTTP-200 errors, send
// garbage or drop the connection. `GET /api` stands for a provider API: it
// checks the bearer token it is shown against the tokens it issued and counts
// any that is unknown or past its expiry. Listens on 127.0.0.1 only.
const http = require('node:http');

/**
 * @param {object} [options]
 * @param {number} [options.delayMs] answer after this many milliseconds
 * @param {number} [options.expiresIn] `expires_in` of minted tokens (seconds)
 * @param {(ctx: {form: URLSearchParams, count: number}) => any} [options.respond]
 *   returns `{status, json}`, `{status, text}`, `{drop: true}`, or undefined for a normal token
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
  };
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/api')) {
      const token = String(req.headers.authorization || '').split(' ').pop();
      const expiry = state.expiries.get(token);
      state.apiCalls += 1;
      const ok = expiry !== undefined && Date.now() < expiry;
      if (!ok) state.lateTokens += 1;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"data":[]}' : '{"code":"INVALID_TOKEN"}');
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      state.requests.push({ method: req.method, url: req.url, headers: req.headers, form });
      const count = state.requests.length;
      setTimeout(() => {
        const custom = state.respond ? state.respond({ form, count }) : undefined;
        if (custom && custom.drop) { req.socket.destroy(); return; }
        if (custom && custom.text !== undefined) {
          res.writeHead(custom.status ?? 200, { 'content-type': 'text/html' });
          res.end(custom.text);
          return;
        }
        let json = custom && custom.json;
        if (!json) {
          state.issued += 1;
          json = { access_token: `at-${state.issued}`, expires_in: state.expiresIn, api_domain: 'https://www.zohoapis.com', token_type: 'Bearer' };
          state.expiries.set(json.access_token, Date.now() + state.expiresIn * 1000);
          if (form.get('grant_type') === 'authorization_code') json.refresh_token = `rt-from-${form.get('code')}`;
        }
        res.writeHead(custom?.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      }, state.delayFor ? state.delayFor(count) : state.delayMs);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/oauth/v2/token`;
  return {
    url,
    apiUrl: `http://127.0.0.1:${server.address().port}/api`,
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
    client_id: '1000.CLIENTID',
    client_secret: 'client-secret-value',
    auth_url: url,
    refresh_url: url,
    refresh_token: `1000.refresh-token-${process.pid}-${unique}`,
    redirect_url: 'https://app.example.com/callback',
    expires_in: 3600,
    ...extra,
  };
}

module.exports = { startMockOAuth, settings };
