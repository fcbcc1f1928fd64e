'use strict';
// A private certificate authority made at test time (openssl), an HTTPS server
// whose certificate it signed, and a CONNECT proxy, all on 127.0.0.1.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const http = require('node:http');
const https = require('node:https');
const { execFileSync } = require('node:child_process');

/** A new CA and a server certificate for 127.0.0.1/localhost; files in `dir`. */
function makeCertificates() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-ca-'));
  const file = (name) => path.join(dir, name);
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=zcatalyst-connector test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1',
    '-keyout', file('server.key'), '-out', file('server.csr'));
  fs.writeFileSync(file('ext.cnf'), [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature',
    // clientAuth too: a TLS Redis cluster's nodes present it to each other on the cluster bus.
    'extendedKeyUsage=serverAuth,clientAuth',
  ].join('\n'));
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-days', '2', '-out', file('server.pem'), '-extfile', file('ext.cnf'));
  return {
    dir,
    caFile: file('ca.pem'),
    ca: fs.readFileSync(file('ca.pem'), 'utf8'),
    key: fs.readFileSync(file('server.key'), 'utf8'),
    cert: fs.readFileSync(file('server.pem'), 'utf8'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** An HTTPS API on 127.0.0.1 that records the Authorization header of each request. */
async function startHttpsApi({ key, cert }) {
  const seen = [];
  const server = https.createServer({ key, cert }, (req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":[]}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${server.address().port}`,
    port: server.address().port,
    seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** A CONNECT proxy on 127.0.0.1 that tunnels to 127.0.0.1 only and records each tunnel's target. */
async function startConnectProxy() {
  const tunnels = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => { res.writeHead(405); res.end(); });
  server.on('connect', (req, client, head) => {
    tunnels.push(req.url);
    const [host, port] = req.url.split(':');
    if (host !== '127.0.0.1' && host !== 'localhost') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => { client.destroy(); upstream.destroy(); });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    tunnels,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(resolve);
    }),
  };
}

module.exports = { makeCertificates, startHttpsApi, startConnectProxy };
