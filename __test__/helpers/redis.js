'use strict';
// A real redis-server for tests, on a free port on 127.0.0.1, with no
// persistence; and a minimal RESP client to inspect it.
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
// The package's RESP reader and writer (one copy).
const { parseReply: parse, encodeCommand } = require('../../lib/redis-client.js');

/** Why Redis tests cannot run here, or null when `redis-server` is installed. */
function redisMissing() {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : 'redis-server is not installed (apt-get install redis-server)';
}

/**
 * For a test file that needs Redis: without `redis-server` it prints a visible
 * SKIPPING line and returns `skip` options for its tests; under `CI=true` it
 * registers a failing test instead (CI installs Redis; its absence is a broken
 * setup, not a skip). Returns `{ missing, options }`.
 */
function redisSuite(what) {
  const missing = redisMissing();
  if (missing && process.env.CI) {
    require('node:test').test('redis-server is installed in CI', () => { throw new Error(missing); });
  }
  if (missing) console.log(`# SKIPPING ${what}: ${missing}`);
  return { missing, options: { skip: missing ? `${what} skipped: ${missing}` : false } };
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends one command; resolves to the reply (string, number, null or array). */
function command(port, ...args) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const parsed = parse(data, 0);
      if (parsed) { socket.end(); resolve(parsed.value); }
    });
    socket.write(encodeCommand(args));
  });
}

/**
 * Starts redis-server on `port` (a free one by default). With `tls: { cert,
 * key }` it also listens with TLS on `tlsPort` (`tlsUrl`). Returns
 * `{ port, url, tlsUrl, command(...args), stop(), kill(), restart() }`.
 */
async function startRedis(port, { tls } = {}) {
  port = port ?? await freePort();
  const tlsPort = tls ? await freePort() : null;
  const tlsArgs = tls
    ? ['--tls-port', String(tlsPort), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-auth-clients', 'no']
    : [];
  let proc;
  const launch = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...tlsArgs], { stdio: 'ignore' });
    for (let i = 0; i < 200; i++) {
      try {
        if (await command(port, 'PING') === 'PONG') return;
      } catch { /* not up yet */ }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('redis-server did not start');
  };
  const end = async (signal) => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    tlsUrl: tls ? `rediss://127.0.0.1:${tlsPort}/0` : null,
    command: (...args) => command(port, ...args),
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    restart: async () => { await end('SIGTERM'); await launch(); },
  };
}

module.exports = { redisMissing, redisSuite, startRedis, freePort };
