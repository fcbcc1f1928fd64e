'use strict';
// A local stand-in for the Catalyst API's cache endpoints, as zcatalyst-sdk-node
// 3.4.0 calls them (`/baas/v1/project/<id>/cache`): GET ?cacheKey=, POST and PUT
// with a JSON body { cache_name, cache_value, expiry_in_hours }, DELETE
// ?cacheKey=. An absent key answers `cache_value: null`, as Catalyst does.
// Records every request; listens on 127.0.0.1 only.
const http = require('node:http');

async function startFakeCatalyst() {
  const entries = new Map();
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://catalyst');
      const match = /^\/baas\/v1\/project\/([^/]+)\/cache$/.exec(url.pathname);
      const record = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers };
      requests.push(record);
      const answer = (status, data) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status < 300 ? { status: 'success', data } : { status: 'failure', data }));
      };
      if (!match) { answer(404, { error_code: 'INVALID_URL', message: 'no such API' }); return; }
      const key = url.searchParams.get('cacheKey');
      if (req.method === 'GET') {
        answer(200, { cache_name: key, cache_value: entries.has(key) ? entries.get(key).value : null, project_details: { id: match[1] } });
      } else if (req.method === 'POST' || req.method === 'PUT') {
        const json = JSON.parse(body);
        record.body = json;
        entries.set(json.cache_name, { value: json.cache_value, hours: json.expiry_in_hours });
        answer(201, { cache_name: json.cache_name, cache_value: json.cache_value, expiry_in_hours: json.expiry_in_hours });
      } else if (req.method === 'DELETE') {
        entries.delete(key);
        answer(200, {});
      } else {
        answer(405, { error_code: 'METHOD_NOT_ALLOWED' });
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    entries,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** The request object of a Catalyst function invocation (the headers the SDK reads). */
function invocationRequest(projectId = '4000000000001') {
  return {
    headers: {
      'x-zc-projectid': projectId,
      'x-zc-project-key': '5000000000001',
      'x-zc-environment': 'Development',
      'x-zc-admin-cred-type': 'token',
      'x-zc-admin-cred-token': 'admin-credential',
      'x-zc-user-cred-type': 'token',
      'x-zc-user-cred-token': 'user-credential',
      'x-zc-user-type': 'admin',
    },
  };
}

module.exports = { startFakeCatalyst, invocationRequest };
